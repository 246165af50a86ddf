#!/usr/bin/env node
// Browser tests: starts a local Weft (`wrangler dev` on loopback, fresh storage), then runs
// test/browser/*.test.mjs with node's test runner against it, driving Debian's chromium through
// playwright-core (never a downloaded browser). Screenshots go to test-artifacts/.
//   node test/browser/run.mjs            (CHROMIUM=/path overrides /usr/bin/chromium)
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startLocalWeft } from "../support/local-weft.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const here = fileURLToPath(new URL(".", import.meta.url));
const chromium = process.env.CHROMIUM ?? "/usr/bin/chromium";

if (!existsSync(chromium)) {
  console.error(`[browser] ${chromium} not found: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM.`);
  process.exit(1);
}
mkdirSync(path.join(root, "test-artifacts"), { recursive: true });

const server = await startLocalWeft();
console.log(`[browser] local Weft at ${server.url}`);
let code = 1;
try {
  const files = readdirSync(here).filter((f) => f.endsWith(".test.mjs")).map((f) => path.join(here, f));
  const child = spawn(process.execPath, ["--test", "--test-concurrency=1", ...files], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, WEFT_URL: server.url, WEFT_ADMIN_TOKEN: server.adminToken, CHROMIUM: chromium },
  });
  code = await new Promise((resolve) => child.on("exit", (c, signal) => resolve(c ?? (signal ? 1 : 0))));
} finally {
  if (code !== 0) console.error(`[browser] wrangler dev output (tail):\n${server.output().slice(-4000)}`);
  await server.stop();
}
process.exit(code);
