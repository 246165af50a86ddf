/**
 * Durable runs end to end on Miniflare (issue 4): a real `wrangler dev` (RunObject, SQLite,
 * Queues, D1) driven over HTTP on loopback. Printed, never asserted.
 *
 *   npx tsx bench/durable.ts [--json] [--big]       (--big adds 10,000-task layered runs)
 *
 * Cases: 1,000 inline tasks in one run (layered and chain), a 200-task queue fan-out, 50
 * concurrent runs of a 20-task graph. For each: wall time from POST to the finished run
 * (`?wait`), the run's own duration (startedAt → completedAt), per-task overhead, SQLite write
 * statements per task, queue sendBatch calls.
 */
import type { Graph } from "../src/core/graph/schema";
import { type Shape, buildShape } from "./shapes";
import { writeBenchConfig } from "./support/bench-config";
import { startLocalWeft } from "../test/support/local-weft.mjs";

interface Row {
  bench: "durable";
  case: string;
  tasks: number;
  wallMs: number;
  runMs: number;
  perTaskMs: number;
  writesPerTask: number;
  queueSends: number;
}

const json = process.argv.includes("--json");
const big = process.argv.includes("--big");

const server = await startLocalWeft({ config: writeBenchConfig() });
const auth = { authorization: `Bearer ${server.adminToken}`, "content-type": "application/json" };

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  // wrangler dev may reload the Worker once just after it starts ("restarted mid-request"): try again.
  const send = () => fetch(server.url + path, { method, headers: auth, body: body === undefined ? undefined : JSON.stringify(body) });
  let res = await send();
  for (let i = 0; i < 3 && res.status === 503; i++) res = await send();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${(await res.text()).slice(0, 500)}`);
  return (await res.json()) as T;
}

interface Run {
  id: string;
  status: string;
  startedAt: string;
  completedAt: string;
}

async function createGraph(graph: Graph): Promise<string> {
  return (await api<{ id: string }>("POST", "/graphs", graph)).id;
}

async function runOnce(graphId: string): Promise<{ run: Run; wallMs: number }> {
  const t0 = performance.now();
  let run = await api<Run>("POST", `/graphs/${graphId}/runs?wait=60`, { input: {} });
  while (run.status !== "COMPLETED" && run.status !== "FAILED") run = await api<Run>("GET", `/runs/${run.id}`);
  const wallMs = performance.now() - t0;
  if (run.status !== "COMPLETED") throw new Error(`run ${run.id} ended ${run.status}`);
  return { run, wallMs };
}

const shapeGraph = (shape: Shape, n: number, type = "BenchStep") => buildShape(shape, n, { type, outPort: "v", inPort: "in", defaults: (i) => ({ k: i }) });

async function single(name: string, graph: Graph, reps = 3): Promise<Row> {
  const graphId = await createGraph(graph);
  await runOnce(graphId); // warm-up: isolate, code, D1
  const samples: { wallMs: number; runMs: number; writes: number; sends: number }[] = [];
  for (let i = 0; i < reps; i++) {
    const { run, wallMs } = await runOnce(graphId);
    const stats = await api<{ storageWrites: number; queueSends: number }>("GET", `/runs/${run.id}/stats`);
    samples.push({ wallMs, runMs: Date.parse(run.completedAt) - Date.parse(run.startedAt), writes: stats.storageWrites, sends: stats.queueSends });
  }
  samples.sort((a, b) => a.wallMs - b.wallMs);
  const m = samples[Math.floor(samples.length / 2)];
  const n = graph.tasks.length;
  return { bench: "durable", case: name, tasks: n, wallMs: round(m.wallMs), runMs: m.runMs, perTaskMs: round(m.wallMs / n, 3), writesPerTask: round(m.writes / n, 2), queueSends: m.sends };
}

async function concurrent(name: string, graph: Graph, runs: number): Promise<Row> {
  const graphId = await createGraph(graph);
  await runOnce(graphId);
  const t0 = performance.now();
  const results = await Promise.all(Array.from({ length: runs }, () => runOnce(graphId)));
  const wallMs = performance.now() - t0;
  const tasks = graph.tasks.length * runs;
  const stats = await Promise.all(results.map((r) => api<{ storageWrites: number; queueSends: number }>("GET", `/runs/${r.run.id}/stats`)));
  const writes = stats.reduce((s, x) => s + x.storageWrites, 0);
  const runMs = Math.max(...results.map((r) => Date.parse(r.run.completedAt) - Date.parse(r.run.startedAt)));
  return { bench: "durable", case: name, tasks, wallMs: round(wallMs), runMs, perTaskMs: round(wallMs / tasks, 3), writesPerTask: round(writes / tasks, 2), queueSends: stats.reduce((s, x) => s + x.queueSends, 0) };
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

const rows: Row[] = [];
try {
  rows.push(await single("inline layered 1,000", shapeGraph("layered", 1000)));
  rows.push(await single("inline chain 1,000", shapeGraph("chain", 1000)));
  rows.push(await single("queue fan-out 200", shapeGraph("fanout", 202, "BenchQueueStep")));
  rows.push(await concurrent("50 concurrent runs × 20 inline tasks", shapeGraph("layered", 20), 50));
  if (big) {
    rows.push(await single("inline layered 10,000", shapeGraph("layered", 10_000), 1));
    rows.push(await single("inline lattice 10,000", shapeGraph("lattice", 10_000), 1));
  }
} finally {
  await server.stop();
}

if (json) for (const r of rows) console.log(JSON.stringify(r));
else {
  console.log(`Durable runs on Miniflare (wrangler dev, loopback) — ${new Date().toISOString()}`);
  console.log("case                                   tasks   wall ms   run ms  ms/task  writes/task  queue sends");
  for (const r of rows) {
    console.log(`${r.case.padEnd(38)} ${String(r.tasks).padStart(6)} ${String(r.wallMs).padStart(9)} ${String(r.runMs).padStart(8)} ${String(r.perTaskMs).padStart(8)} ${String(r.writesPerTask).padStart(12)} ${String(r.queueSends).padStart(12)}`);
  }
}
