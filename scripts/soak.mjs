#!/usr/bin/env node
// `npm run soak -- --seed N --runs M [--minutes T] [--concurrency C] [--run I]`
//
// Runs the soak harness (test/soak, docs/soak.md) for longer than `npm test` does: the same
// vitest file inside workerd, its knobs passed as SOAK_* environment variables (vitest.config.ts
// turns them into Worker bindings). The full output — consumer logs of injected crashes included —
// goes to test-artifacts/soak/seed-<N>-<time>.log; the console gets the harness's own lines
// (one per run, every violation, the summary) and vitest's verdict. Exit code: vitest's.
import { spawn } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const USAGE = "usage: npm run soak -- --seed N [--runs M] [--minutes T] [--concurrency C] [--run I]";

const FLAGS = { "--seed": "SOAK_SEED", "--runs": "SOAK_RUNS", "--minutes": "SOAK_MINUTES", "--concurrency": "SOAK_CONCURRENCY", "--run": "SOAK_RUN" };
const knobs = {};
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const [flag, inline] = args[i].split("=", 2);
  if (flag === "--help" || flag === "-h") {
    console.log(USAGE);
    process.exit(0);
  }
  const name = FLAGS[flag];
  const value = inline ?? args[++i];
  if (!name || value === undefined || !/^\d+(\.\d+)?$/.test(value)) {
    console.error(`soak: bad argument ${JSON.stringify(args[i] ?? flag)}\n${USAGE}`);
    process.exit(2);
  }
  knobs[name] = value;
}
knobs.SOAK_SEED ??= "1";
if (knobs.SOAK_RUNS === undefined && knobs.SOAK_MINUTES === undefined && knobs.SOAK_RUN === undefined) knobs.SOAK_RUNS = "100";

const dir = path.join(root, "test-artifacts", "soak");
mkdirSync(dir, { recursive: true });
const logPath = path.join(dir, `seed-${knobs.SOAK_SEED}-${new Date().toISOString().replace(/[:.]/g, "-")}.log`);
const logFile = createWriteStream(logPath);
console.log(`[soak] ${Object.entries(knobs).map(([k, v]) => `${k}=${v}`).join(" ")}; full log: ${path.relative(root, logPath)}`);

const env = { ...process.env, ...knobs, PATH: `${path.join(root, "node_modules", ".bin")}${path.delimiter}${process.env.PATH ?? ""}` };
const child = spawn("vitest", ["run", "--project", "worker", "test/soak/soak.test.ts"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });

// eslint-disable-next-line no-control-regex
const plain = (line) => line.replace(/\x1b\[[0-9;]*m/g, "");
const VERDICT = /^\s*(Test Files|Tests|Duration|FAIL|[✓×❯]|AssertionError|[-+] |Error)/;
for (const stream of [child.stdout, child.stderr]) {
  let rest = "";
  stream.on("data", (chunk) => {
    logFile.write(chunk);
    const lines = (rest + chunk.toString("utf8")).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) {
      const text = plain(line);
      if (text.includes("[soak]") || VERDICT.test(text)) console.log(text);
    }
  });
}
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => {
  logFile.end();
  console.log(`[soak] vitest exited ${signal ?? code}; full log: ${path.relative(root, logPath)}`);
  process.exit(code ?? 1);
});
