#!/usr/bin/env node
// `npm start`: apply the local D1 migrations, make sure .dev.vars has an ADMIN_TOKEN, then run
// `wrangler dev` and, once it answers, store the example graph. Ctrl-C stops everything.
// Tools are found on PATH, which `npm run` starts with node_modules/.bin (Node 22, wrangler).
import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureAdminToken } from "./dev-vars.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const port = process.env.PORT ?? "8787";
// Local only: the dev server is not meant to be reachable from other machines.
const ip = "127.0.0.1";
// Run directly (`node scripts/start.mjs`) the project's tools still come first.
const env = { ...process.env, PATH: `${path.join(root, "node_modules", ".bin")}${path.delimiter}${process.env.PATH ?? ""}` };

const { token, created } = ensureAdminToken();
if (created) {
  console.log(`[start] created .dev.vars with a new admin token:\n\n    ADMIN_TOKEN=${token}\n\n[start] use it as: Authorization: Bearer <token>\n`);
}

const migrate = spawnSync("wrangler", ["d1", "migrations", "apply", "DB", "--local"], { cwd: root, stdio: "inherit", env: { ...env, CI: "true" } });
if (migrate.error) console.error(`[start] could not run wrangler: ${migrate.error.message}`);
if (migrate.status !== 0) {
  console.error("[start] applying the local D1 migrations failed");
  process.exit(migrate.status ?? 1);
}

const dev = spawn("wrangler", ["dev", "--port", port, "--ip", ip], { cwd: root, stdio: "inherit", env });
const seed = spawn(process.execPath, [fileURLToPath(new URL("./seed-example.mjs", import.meta.url)), `http://${ip}:${port}`], {
  cwd: root,
  stdio: "inherit",
  env: { ...env, ADMIN_TOKEN: token },
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    seed.kill(signal);
    dev.kill(signal);
  });
}
dev.on("error", (err) => {
  console.error(`[start] could not run wrangler dev: ${err.message}`);
  seed.kill("SIGTERM");
  process.exit(1);
});
dev.on("exit", (code, signal) => {
  seed.kill("SIGTERM");
  process.exit(code ?? (signal ? 0 : 1));
});
