// Starts a real local Weft (`wrangler dev`) for the browser and CLI tests: loopback only, a free
// port, a fresh persistence directory with the D1 migrations applied, and a known admin token.
// Each call is an independent server, so test files may run side by side.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = path.join(ROOT, "node_modules", ".bin");
const STARTUP_MS = 120_000;

/** A port nobody listens on right now (the OS picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function toolEnv() {
  return {
    ...process.env,
    PATH: `${BIN}${path.delimiter}${process.env.PATH ?? ""}`,
    CI: "true",
    WRANGLER_SEND_METRICS: "false",
    NO_COLOR: "1",
  };
}

/**
 * @param {{ log?: (line: string) => void, config?: string }} [options] `config`: another wrangler config (the benchmarks' worker)
 * @returns {Promise<{ url: string, adminToken: string, persistDir: string, output: () => string, stop: () => Promise<void> }>}
 */
export async function startLocalWeft(options = {}) {
  const log = options.log ?? (() => {});
  const persistDir = mkdtempSync(path.join(tmpdir(), "weft-test-"));
  const adminToken = `weft_admin_test_${randomBytes(12).toString("hex")}`;
  const env = toolEnv();

  const configArgs = options.config ? ["--config", options.config] : [];
  const migrate = spawnSync("wrangler", ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir, ...configArgs], { cwd: ROOT, env, encoding: "utf8" });
  if (migrate.status !== 0) {
    rmSync(persistDir, { recursive: true, force: true });
    throw new Error(`applying migrations failed (${migrate.status}):\n${migrate.stdout}\n${migrate.stderr}`);
  }

  const port = await freePort();
  const inspectorPort = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = "";
  const child = spawn(
    "wrangler",
    ["dev", ...configArgs, "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort), "--persist-to", persistDir, "--var", `ADMIN_TOKEN:${adminToken}`, "--show-interactive-dev-session=false", "--live-reload=false"],
    { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  const collect = (chunk) => {
    const text = chunk.toString();
    output += text;
    if (output.length > 200_000) output = output.slice(-100_000);
    for (const line of text.split("\n")) if (line.trim()) log(line);
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  let exited = false;
  child.on("exit", () => {
    exited = true;
  });

  const stop = async () => {
    if (!exited) {
      // wrangler dev starts workerd as a child: end the whole process group we started.
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
      await new Promise((resolve) => {
        const timer = setTimeout(() => {
          try {
            process.kill(-child.pid, "SIGKILL");
          } catch {
            // already gone
          }
          resolve();
        }, 5000);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    rmSync(persistDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + STARTUP_MS;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`wrangler dev exited before answering:\n${output}`);
    }
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not answer within ${STARTUP_MS / 1000} s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return { url, adminToken, persistDir, output: () => output, stop };
}
