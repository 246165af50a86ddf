/**
 * Runner benchmark (issue 3). No-op graphs of four shapes at 1,000 / 10,000 / 100,000 tasks, run by:
 *   runGraph     — the real state machine with its in-process driver, events on (as in production);
 *   kahn-sync    — a reference Kahn-order loop over arrays calling each task's run();
 *   kahn-await   — the same loop awaiting each task once (the floor for any runner whose tasks may be async).
 * Prints tasks/s, ratios and the checksum of the leaf outputs (which must agree across runners).
 *
 *   npx tsx bench/runner.ts [--json] [--shapes chain,fanout,layered,lattice] [--sizes 1000,10000,100000] [--reps 5]
 */
import { type Shape, SHAPES, buildShape } from "./shapes";
import v8 from "node:v8";
import vm from "node:vm";
import { Type } from "@sinclair/typebox";
import type { Graph } from "../src/core/graph/schema";
import { runGraph } from "../src/core/runner/index";
import { defineTask, TaskRegistry } from "../src/core/task/index";

const M = 1_000_003;

/** The no-op task: v = (k + Σ in) mod M. Its input is validated by the runner like any task's. */
const Step = defineTask({
  type: "Step",
  title: "Step",
  category: "Bench",
  execution: "inline",
  input: Type.Object({ in: Type.Optional(Type.Array(Type.Number())), k: Type.Number() }, { additionalProperties: false }),
  output: Type.Object({ v: Type.Number() }),
  run: (input) => {
    let s = input.k;
    const xs = input.in;
    if (xs) for (let i = 0; i < xs.length; i++) s += xs[i];
    return { v: s % M };
  },
});
const registry = new TaskRegistry([Step]);

// ————————————————————————————————————————— shapes —————————————————————————————————————————

// Shared with the end-to-end benchmarks (bench/shapes.ts): the same graphs everywhere.
function build(shape: Shape, n: number): Graph {
  return buildShape(shape, n, { type: "Step", outPort: "v", inPort: "in", defaults: (i) => ({ k: i }) });
}

// ————————————————————————————————————————— reference evaluators —————————————————————————————————————————

/** Kahn's algorithm over arrays built from the graph JSON; inputs assembled as the runner would (defaults + array port). */
async function kahn(graph: Graph, awaitEach: boolean): Promise<number[]> {
  const n = graph.tasks.length;
  const index = new Map<string, number>();
  for (let i = 0; i < n; i++) index.set(graph.tasks[i].id, i);
  const indegree = new Int32Array(n);
  const outStart = new Int32Array(n + 1);
  const ins: number[][] = Array.from({ length: n }, () => []);
  const src = new Int32Array(graph.dataflows.length);
  const dst = new Int32Array(graph.dataflows.length);
  graph.dataflows.forEach((df, e) => {
    src[e] = index.get(df.sourceTaskId) as number;
    dst[e] = index.get(df.targetTaskId) as number;
    outStart[src[e] + 1]++;
    indegree[dst[e]]++;
    ins[dst[e]].push(src[e]);
  });
  for (let i = 0; i < n; i++) outStart[i + 1] += outStart[i];
  const out = new Int32Array(graph.dataflows.length);
  const fill = outStart.slice(0, n);
  for (let e = 0; e < src.length; e++) out[fill[src[e]]++] = dst[e];
  const run = Step.run as (input: { in?: number[]; k: number }) => { v: number } | Promise<{ v: number }>;
  const value = new Float64Array(n);
  const queue = new Int32Array(n);
  let head = 0;
  let tail = 0;
  for (let i = 0; i < n; i++) if (indegree[i] === 0) queue[tail++] = i;
  while (head < tail) {
    const t = queue[head++];
    const input: { in?: number[]; k: number } = { ...(graph.tasks[t].defaults as { k: number }) };
    if (ins[t].length) input.in = ins[t].map((s) => value[s]);
    const result = run(input);
    const output = awaitEach ? await result : (result as { v: number });
    value[t] = output.v;
    for (let o = outStart[t]; o < outStart[t + 1]; o++) if (--indegree[out[o]] === 0) queue[tail++] = out[o];
  }
  if (tail !== n) throw new Error("cycle");
  const leaves: number[] = [];
  for (let i = 0; i < n; i++) if (outStart[i + 1] === outStart[i]) leaves.push(value[i]);
  return leaves;
}

// ————————————————————————————————————————— measurement —————————————————————————————————————————

type Runner = "runGraph" | "kahn-sync" | "kahn-await";
const RUNNERS: Runner[] = ["runGraph", "kahn-sync", "kahn-await"];

/** Leaf values (task order) → a checksum every runner must reproduce. */
function checksum(leaves: number[]): string {
  let h = 0x811c9dc5;
  for (const v of leaves) h = (Math.imul(h ^ v, 0x01000193) + leaves.length) >>> 0;
  return h.toString(16).padStart(8, "0");
}

function leavesOf(output: unknown): number[] {
  const v = (output as { v: number | number[] }).v;
  return Array.isArray(v) ? v : [v];
}

async function runOnce(runner: Runner, graph: Graph): Promise<number[]> {
  if (runner === "runGraph") {
    const r = await runGraph(graph, {}, registry, { runId: "bench", startTime: 0 });
    if (r.status !== "COMPLETED") throw new Error(`run ${r.status}: ${JSON.stringify(r.error)}`);
    if (r.events.length < graph.tasks.length * 2) throw new Error("events missing");
    return leavesOf(r.output);
  }
  return kahn(graph, runner === "kahn-await");
}

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

interface Result {
  bench: "runner";
  shape: Shape;
  n: number;
  runner: Runner;
  medianMs: number;
  tasksPerSec: number;
  checksum: string;
  heapMB: number;
}

/** Median CPU ms per "shape n runner" (the human report shows it beside wall time; the JSON lines keep their fixed fields). */
const cpuMedian = new Map<string, number>();

/** One timed run. No forced GC around it: a full GC flushes compiled code and would time re-compilation. */
async function timeOnce(runner: Runner, graph: Graph): Promise<Sample> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const leaves = await runOnce(runner, graph);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, sum: checksum(leaves) };
}

/** Wall time, and CPU time of this process (all its threads, GC helpers included): less disturbed by other load. */
interface Sample {
  ms: number;
  cpuMs: number;
  sum: string;
}

function median(xs: number[]): number {
  const sorted = xs.slice().sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** A separate, untimed run: the heap in use when it ends, everything it produced still alive. */
async function heapOf(runner: Runner, graph: Graph): Promise<number> {
  gc();
  const before = process.memoryUsage().heapUsed;
  const leaves = await runOnce(runner, graph);
  const after = process.memoryUsage().heapUsed;
  if (leaves.length === 0) throw new Error("no leaves");
  return (after - before) / 2 ** 20;
}

/** Runners interleaved rep by rep (A B C A B C…), so a change in machine load hits them alike. */
async function measure(shape: Shape, n: number, graph: Graph, reps: number): Promise<Result[]> {
  const samples = new Map<Runner, Sample[]>(RUNNERS.map((r) => [r, []]));
  for (let rep = 0; rep < reps; rep++) for (const runner of RUNNERS) samples.get(runner)?.push(await timeOnce(runner, graph));
  const results: Result[] = [];
  for (const runner of RUNNERS) {
    const s = samples.get(runner) ?? [];
    const medianMs = median(s.map((x) => x.ms));
    cpuMedian.set(`${shape} ${n} ${runner}`, median(s.map((x) => x.cpuMs)));
    results.push({
      bench: "runner",
      shape,
      n,
      runner,
      medianMs: round(medianMs, 3),
      tasksPerSec: Math.round((n / medianMs) * 1000),
      checksum: s[s.length - 1].sum,
      heapMB: round(await heapOf(runner, graph), 1),
    });
  }
  return results;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const json = process.argv.includes("--json");
  const shapes = (arg("shapes")?.split(",") as Shape[] | undefined) ?? SHAPES;
  const sizes = arg("sizes")?.split(",").map(Number) ?? [1000, 10_000, 100_000];
  const results: Result[] = [];
  for (const shape of shapes) {
    for (const n of sizes) {
      const graph = build(shape, n);
      const reps = Number(arg("reps") ?? (n >= 100_000 ? 5 : n >= 10_000 ? 11 : 21));
      // Warm-up: let the JIT settle on every runner before measuring.
      const warmups = n >= 100_000 ? 1 : 3;
      for (const runner of RUNNERS) for (let w = 0; w < warmups; w++) await runOnce(runner, graph);
      for (const r of await measure(shape, n, graph, reps)) {
        results.push(r);
        if (json) console.log(JSON.stringify(r));
      }
      const sums = new Set(results.filter((r) => r.shape === shape && r.n === n).map((r) => r.checksum));
      if (sums.size !== 1) throw new Error(`checksums disagree on ${shape} ${n}: ${[...sums].join(" ")}`);
    }
  }
  if (!json) report(results, shapes, sizes);
}

function report(results: Result[], shapes: Shape[], sizes: number[]): void {
  const get = (shape: Shape, n: number, runner: Runner) => results.find((r) => r.shape === shape && r.n === n && r.runner === runner) as Result;
  const cpu = (shape: Shape, n: number, runner: Runner) => cpuMedian.get(`${shape} ${n} ${runner}`) as number;
  const fmt = (x: number) => x.toLocaleString("en-US");
  console.log(`node ${process.version}; medians of interleaved runs; ratios are runGraph's time over the evaluator's (wall / cpu)\n`);
  const head = ["shape", "n", "runGraph t/s", "kahn-sync t/s", "kahn-await t/s", "runGraph ms", "runGraph cpu ms", "÷ await", "÷ sync", "heap MB", "checksum"];
  console.log(head.map((h, i) => (i < 2 ? h.padEnd(8) : h.padStart(i === 7 || i === 8 ? 13 : 16))).join(""));
  for (const shape of shapes) {
    for (const n of sizes) {
      const g = get(shape, n, "runGraph");
      const s = get(shape, n, "kahn-sync");
      const a = get(shape, n, "kahn-await");
      const ratio = (other: Result, runner: Runner) => `${(g.medianMs / other.medianMs).toFixed(1)} / ${(cpu(shape, n, "runGraph") / cpu(shape, n, runner)).toFixed(1)}`;
      const cells = [shape, String(n), fmt(g.tasksPerSec), fmt(s.tasksPerSec), fmt(a.tasksPerSec), g.medianMs.toFixed(2), cpu(shape, n, "runGraph").toFixed(2), ratio(a, "kahn-await"), ratio(s, "kahn-sync"), g.heapMB.toFixed(1), g.checksum];
      console.log(cells.map((c, i) => (i < 2 ? c.padEnd(8) : c.padStart(i === 7 || i === 8 ? 13 : 16))).join(""));
    }
  }
  console.log("\ntargets (runGraph):");
  if (sizes.includes(10_000) && shapes.includes("layered")) {
    const g = get("layered", 10_000, "runGraph");
    const a = get("layered", 10_000, "kahn-await");
    const cpuRatio = cpu("layered", 10_000, "runGraph") / cpu("layered", 10_000, "kahn-await");
    console.log(`  layered 10,000: ${fmt(g.tasksPerSec)} tasks/s (target ≥ 1,000,000) ${g.tasksPerSec >= 1_000_000 ? "ok" : "MISSED"}`);
    console.log(`  layered 10,000: ${(g.medianMs / a.medianMs).toFixed(2)}× (cpu ${cpuRatio.toFixed(2)}×) the awaiting evaluator (target ≤ 5) ${g.medianMs / a.medianMs <= 5 ? "ok" : "MISSED"}`);
  }
  if (sizes.includes(10_000) && sizes.includes(100_000)) {
    for (const shape of shapes) {
      const wall = get(shape, 100_000, "runGraph").medianMs / get(shape, 10_000, "runGraph").medianMs;
      const cpuRatio = cpu(shape, 100_000, "runGraph") / cpu(shape, 10_000, "runGraph");
      const awaitRatio = get(shape, 100_000, "kahn-await").medianMs / get(shape, 10_000, "kahn-await").medianMs;
      console.log(
        `  ${shape}: time(100,000) / time(10,000) = ${wall.toFixed(2)} (cpu ${cpuRatio.toFixed(2)}; kahn-await's ${awaitRatio.toFixed(2)}) (target ≤ 12) ${wall <= 12 ? "ok" : "MISSED"}`,
      );
    }
  }
}

await main();
