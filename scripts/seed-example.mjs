#!/usr/bin/env node
// Stores the example graph (examples/graphs/greet.json) in a running Weft once it is up, unless a
// graph with that name exists. Usage: node scripts/seed-example.mjs [baseUrl]
// The admin token comes from $ADMIN_TOKEN or .dev.vars.
import { readFileSync } from "node:fs";
import { readDevVars } from "./dev-vars.mjs";

const EXAMPLE = new URL("../examples/graphs/greet.json", import.meta.url);
const WAIT_MS = 120_000;

const base = (process.argv[2] ?? process.env.WEFT_URL ?? `http://127.0.0.1:${process.env.PORT ?? 8787}`).replace(/\/$/, "");
const token = process.env.ADMIN_TOKEN ?? readDevVars().ADMIN_TOKEN;

async function waitForHealth() {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      const res = await fetch(`${base}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${base}/health did not answer within ${WAIT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function api(path, init = {}) {
  const res = await fetch(`${base}${path}`, { ...init, headers: { Authorization: `Bearer ${token}`, ...init.headers } });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new Error(`${init.method ?? "GET"} ${path} → ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

async function main() {
  if (!token) throw new Error("no ADMIN_TOKEN in the environment or .dev.vars");
  const graph = JSON.parse(readFileSync(EXAMPLE, "utf8"));
  await waitForHealth();
  const existing = await api(`/graphs?name=${encodeURIComponent(graph.name)}&limit=1`);
  if (existing.items.length > 0) {
    console.log(`[seed] example graph "${graph.name}" already stored: ${existing.items[0].id}`);
    return;
  }
  const created = await api("/graphs", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(graph) });
  console.log(`[seed] stored example graph "${graph.name}": ${base}/graphs/${created.id}`);
}

main().catch((err) => {
  console.error(`[seed] ${err.message}`);
  process.exitCode = 1;
});
