#!/usr/bin/env node
// `npm run bench [-- <names…>] [--json] [other flags passed through]`
// Runs the named benchmarks in order (default: the pure ones, runner and validate). Each prints a
// table, or with --json one JSON object per line with a "bench" field.
//   pure, in Node:            runner, validate, graph-patch, viewer-layout
//   end to end on Miniflare:  durable, sockets, e2e   (each starts its own wrangler dev)
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const KNOWN = ["runner", "validate", "graph-patch", "viewer-layout", "durable", "sockets", "e2e"];
const args = process.argv.slice(2);
const names = args.filter((a) => KNOWN.includes(a));
// Everything else (flags and their values) goes to each benchmark.
const passThrough = args.filter((a) => !KNOWN.includes(a));
for (const name of names.length ? names : ["runner", "validate"]) {
  const res = spawnSync("tsx", [path.join(here, `${name}.ts`), ...passThrough], { stdio: "inherit" });
  if (res.status !== 0) process.exit(res.status ?? 1);
}
