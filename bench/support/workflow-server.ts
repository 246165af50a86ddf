import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../test/support/local-weft.mjs";
import type { Shape } from "../shapes";

const root = fileURLToPath(new URL("../..", import.meta.url));

export interface WorkflowServer {
  url: string;
  /** Runs the shape as a Workflow instance; ms from create to complete, or null past `limitMs`. */
  run(shape: Shape, n: number, limitMs: number): Promise<number | null>;
  stop(): Promise<void>;
}

/** Starts bench/workflow (the DAG shapes as a Cloudflare Workflow) under `wrangler dev` on loopback. */
export async function startWorkflowServer(): Promise<WorkflowServer> {
  const port = await freePort();
  const inspector = await freePort();
  const persist = mkdtempSync(path.join(tmpdir(), "weft-wf-"));
  const url = `http://127.0.0.1:${port}`;
  let output = "";
  const child = spawn(
    "wrangler",
    ["dev", "--config", "bench/workflow/wrangler.toml", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspector), "--persist-to", persist, "--show-interactive-dev-session=false", "--live-reload=false"],
    { cwd: root, env: { ...process.env, PATH: `${path.join(root, "node_modules", ".bin")}${path.delimiter}${process.env.PATH}`, CI: "true", WRANGLER_SEND_METRICS: "false" }, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const stop = async () => {
    try {
      process.kill(-(child.pid as number), "SIGTERM");
    } catch {
      // gone
    }
    await new Promise((r) => setTimeout(r, 500));
    rmSync(persist, { recursive: true, force: true });
  };
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the workflow bench server did not start:\n${output.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return {
    url,
    stop,
    async run(shape, n, limitMs) {
      const t0 = performance.now();
      const { id } = (await (await fetch(`${url}/run?shape=${shape}&n=${n}`, { method: "POST" })).json()) as { id: string };
      for (;;) {
        const s = (await (await fetch(`${url}/status?id=${id}`)).json()) as { status: string; error?: unknown };
        if (s.status === "complete") return performance.now() - t0;
        if (s.status === "errored" || s.status === "terminated") throw new Error(`workflow ${shape} ${n}: ${JSON.stringify(s)}`);
        if (performance.now() - t0 > limitMs) return null;
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}
