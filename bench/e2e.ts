/**
 * End-to-end figures on Miniflare (issue 9), printed as a table, never asserted:
 *
 *   npx tsx bench/e2e.ts [--json] [--sizes 100,1000,10000] [--shapes chain,fanout,layered,lattice]
 *                        [--timeout 120] [--no-workflow] [--reps 3]
 *
 * Two local servers, both real `wrangler dev` on loopback: Weft (bench/worker: the product plus
 * no-op bench task types) and, side by side, the same DAG shapes written as a Cloudflare Workflow
 * (bench/workflow: one step.do per task, each topological level in parallel). Measured:
 * - run start latency: POST /graphs/:id/runs → the run COMPLETED, for a 1-task graph (median of 20);
 * - per-task overhead, inline and queue: a 1,000-task chain's wall time per task;
 * - throughput of concurrent runs: 50 runs × 20 inline tasks started together;
 * - event delivery latency: a WebSocket client's receipt time − the event's `ts` (same clock);
 * - each shape × size as Weft inline, Weft queue and Workflow runs: tasks/s and the ratio, each
 *   side's time the median of --reps runs (default 3; the spread between single runs on a shared
 *   2-vCPU machine is often 1.5×), the sides' runs interleaved so a noisy moment hits all of them.
 * A run still going after --timeout seconds is reported as not finished.
 */
import { type Shape, SHAPES, buildShape } from "./shapes";
import { writeBenchConfig } from "./support/bench-config";
import { startLocalWeft } from "../test/support/local-weft.mjs";
import { startWorkflowServer } from "./support/workflow-server";

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const opt = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const json = flag("json");
const sizes = (opt("sizes") ?? "100,1000,10000").split(",").map(Number);
const shapes = (opt("shapes") ?? SHAPES.join(",")).split(",") as Shape[];
const timeoutMs = Number(opt("timeout") ?? 120) * 1000;
const withWorkflow = !flag("no-workflow");
const reps = Math.max(1, Number(opt("reps") ?? 3));

type Row = Record<string, string | number | boolean | null>;
const rows: Row[] = [];
const emit = (row: Row) => {
  rows.push(row);
  if (json) console.log(JSON.stringify(row));
  else console.error(`  … ${JSON.stringify(row)}`);
};

const weft = await startLocalWeft({ config: writeBenchConfig() });
const workflow = withWorkflow ? await startWorkflowServer() : undefined;
const headers = { authorization: `Bearer ${weft.adminToken}`, "content-type": "application/json" };

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  // wrangler dev may reload the Worker once just after it starts ("restarted mid-request"): try again.
  const send = () => fetch(weft.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let res = await send();
  for (let i = 0; i < 3 && res.status === 503; i++) res = await send();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${(await res.text()).slice(0, 300)}`);
  return (await res.json()) as T;
}

interface Run {
  id: string;
  status: string;
}
const TERMINAL = new Set(["COMPLETED", "FAILED", "ABORTED"]);

/** Starts a run and waits for it (server-side ?wait, then polling); null when it did not finish in time. */
async function weftRun(graphId: string, limitMs = timeoutMs): Promise<{ ms: number; run: Run } | null> {
  const t0 = performance.now();
  let run = await api<Run>("POST", `/graphs/${graphId}/runs?wait=${Math.min(60, limitMs / 1000)}`, { input: {} });
  while (!TERMINAL.has(run.status)) {
    if (performance.now() - t0 > limitMs) {
      await api("POST", `/runs/${run.id}/cancel`).catch(() => {});
      return null;
    }
    await new Promise((r) => setTimeout(r, 50));
    run = await api<Run>("GET", `/runs/${run.id}`);
  }
  if (run.status !== "COMPLETED") throw new Error(`run ${run.id} ended ${run.status}`);
  return { ms: performance.now() - t0, run };
}

const graphOf = (shape: Shape, n: number, type: string) => buildShape(shape, n, { type, outPort: "v", inPort: "in", defaults: (i) => ({ k: i }) });
const createGraph = async (shape: Shape, n: number, type: string) => (await api<{ id: string }>("POST", "/graphs", graphOf(shape, n, type))).id;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
const r1 = (x: number) => Math.round(x * 10) / 10;

try {
  // Run start latency.
  {
    const g = await createGraph("chain", 1, "BenchStep");
    await weftRun(g);
    const samples: number[] = [];
    for (let i = 0; i < 20; i++) samples.push((await weftRun(g))!.ms);
    emit({ bench: "e2e", metric: "run start latency (1 task, POST → COMPLETED)", p50Ms: r1(median(samples)), p99Ms: r1(pct(samples, 99)) });
  }
  // Per-task overhead.
  for (const type of ["BenchStep", "BenchQueueStep"]) {
    const g = await createGraph("chain", 1000, type);
    await weftRun(g);
    const r = (await weftRun(g))!;
    emit({ bench: "e2e", metric: `per-task overhead, ${type === "BenchStep" ? "inline" : "queue"} (1,000-task chain)`, wallMs: r1(r.ms), perTaskMs: r1((r.ms / 1000) * 100) / 100 });
  }
  // Throughput of concurrent runs.
  {
    const g = await createGraph("layered", 20, "BenchStep");
    await weftRun(g);
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 50 }, () => weftRun(g)));
    const ms = performance.now() - t0;
    emit({ bench: "e2e", metric: "50 concurrent runs × 20 inline tasks", wallMs: r1(ms), runsPerSec: r1(50 / (ms / 1000)), tasksPerSec: Math.round(1000 / (ms / 1000)) });
  }
  // Event delivery latency over the run's WebSocket.
  {
    // A durable 1.5 s gate before the 1,000 tasks, so the socket is open when the events happen.
    const graph = graphOf("layered", 1000, "BenchStep");
    graph.tasks.unshift({ id: "gate", type: "Delay", defaults: { ms: 1500, value: 0 } });
    for (let i = 0; i < 100; i++) graph.dataflows.push({ sourceTaskId: "gate", sourceTaskPortId: "value", targetTaskId: `t${i}`, targetTaskPortId: "in" });
    const g = (await api<{ id: string }>("POST", "/graphs", graph)).id;
    const run = await api<Run>("POST", `/graphs/${g}/runs`, { input: {} });
    const { ticket } = await api<{ ticket: string }>("POST", `/runs/${run.id}/ticket`);
    const latencies: number[] = [];
    await new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(`${weft.url.replace("http", "ws")}/runs/${run.id}/ws?after=0&token=${encodeURIComponent(ticket)}`);
      let openedAt = Number.POSITIVE_INFINITY;
      ws.onopen = () => (openedAt = Date.now());
      ws.onmessage = (m) => {
        const now = Date.now();
        // Only live events count: the replay of what happened before the socket opened is not delivery latency.
        for (const e of (JSON.parse(String(m.data)) as { events: { ts: string }[] }).events) {
          const ts = Date.parse(e.ts);
          if (ts >= openedAt) latencies.push(now - ts);
        }
      };
      ws.onclose = () => resolve();
      ws.onerror = () => reject(new Error("socket error"));
    });
    emit({ bench: "e2e", metric: "event delivery latency (append → client, live events of a 1,000-task run)", events: latencies.length, p50Ms: median(latencies), p99Ms: pct(latencies, 99) });
  }
  // Shapes: Weft inline, Weft queue, Workflow.
  for (const shape of shapes) {
    for (const n of sizes) {
      const result: Row = { bench: "e2e", metric: "shape", shape, n, reps };
      const inlineGraph = await createGraph(shape, n, "BenchStep");
      const queueGraph = await createGraph(shape, n, "BenchQueueStep");
      // null once a run did not finish in time: that side is not run again.
      const times: Record<"weftInline" | "weftQueue" | "workflow", number[] | null> = { weftInline: [], weftQueue: [], workflow: withWorkflow ? [] : null };
      const add = (side: keyof typeof times, ms: number | null) => {
        if (times[side]) times[side] = ms === null ? null : [...times[side], ms];
      };
      for (let rep = 0; rep < reps; rep++) {
        if (times.weftInline) add("weftInline", (await weftRun(inlineGraph))?.ms ?? null);
        if (times.weftQueue) add("weftQueue", (await weftRun(queueGraph))?.ms ?? null);
        if (workflow && times.workflow) add("workflow", await workflow.run(shape, n, timeoutMs));
      }
      const mid = (side: keyof typeof times) => (times[side] ? median(times[side]) : null);
      for (const label of ["weftInline", "weftQueue"] as const) {
        const ms = mid(label);
        result[`${label}Ms`] = ms === null ? null : r1(ms);
        result[`${label}TasksPerSec`] = ms === null ? null : Math.round(n / (ms / 1000));
      }
      if (workflow) {
        const w = mid("workflow");
        result.workflowMs = w === null ? null : r1(w);
        result.workflowTasksPerSec = w === null ? null : Math.round(n / (w / 1000));
        const ratio = (ms: unknown) => (typeof ms === "number" && w !== null ? r1(w / ms) : null);
        result.inlineVsWorkflow = ratio(result.weftInlineMs);
        result.queueVsWorkflow = ratio(result.weftQueueMs);
      }
      emit(result);
    }
  }
} finally {
  await weft.stop();
  await workflow?.stop();
}

if (!json) {
  console.log(`\nWeft end to end on Miniflare (wrangler dev, loopback) — ${new Date().toISOString()}\n`);
  for (const r of rows.filter((r) => r.metric !== "shape")) {
    const { bench: _b, metric, ...rest } = r;
    console.log(`${String(metric).padEnd(58)} ${Object.entries(rest).map(([k, v]) => `${k}=${v}`).join("  ")}`);
  }
  console.log("\nshape     tasks   Weft inline (ms, tasks/s)   Weft queue (ms, tasks/s)   Workflow (ms, tasks/s)   inline×  queue×");
  const f = (ms: unknown, tps: unknown) => (ms === null ? "did not finish".padStart(24) : `${String(ms).padStart(10)} ${String(tps).padStart(12)}`);
  for (const r of rows.filter((r) => r.metric === "shape")) {
    console.log(
      `${String(r.shape).padEnd(8)} ${String(r.n).padStart(6)}   ${f(r.weftInlineMs, r.weftInlineTasksPerSec)}   ${f(r.weftQueueMs, r.weftQueueTasksPerSec)}   ${withWorkflow ? f(r.workflowMs, r.workflowTasksPerSec) : "-".padStart(24)}   ${String(r.inlineVsWorkflow ?? "-").padStart(6)} ${String(r.queueVsWorkflow ?? "-").padStart(6)}`,
    );
  }
  console.log(`\n× = how many times faster than the Workflow (its time / Weft's); times are medians of ${reps} runs; "did not finish" = still running after ${timeoutMs / 1000} s.`);
}
