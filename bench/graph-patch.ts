/**
 * Graph patch benchmark: `npx tsx bench/graph-patch.ts [--json] [--runs N]`.
 *
 * applyPatch (src/core/graph/patch.ts) on chain graphs (each task fed by the five before it:
 * 10,000 tasks make 50,000 dataflows), then validateGraph on the result — the CPU a PATCH spends
 * before its D1 write. Median wall time of several runs after warm-up. Patches (base graph):
 * - `1 addTask` (9,999 tasks): the common editor keystroke; no dataflow index is built;
 * - `200 mixed` (9,900 tasks): 100 addTask + 100 addDataflow (the bulk creation of the tests);
 * - `5,000 addTask` (5,000 tasks);
 * - `5,000 removeTask` (10,000 tasks): every other task, with its dataflows (~50,000 changes).
 * With `--json`, one JSON object per line: {bench:"graph-patch", patch, ops, changes, applyMs, validateMs}.
 */
import type { Dataflow, Graph } from "../src/core/graph/schema";
import { applyPatch } from "../src/core/graph/patch";
import { validateGraph } from "../src/core/graph/validate";
import { createRegistry } from "../src/tasks/index";

const args = process.argv.slice(2);
const json = args.includes("--json");
const runsArg = args.indexOf("--runs");
const RUNS = runsArg >= 0 ? Number(args[runsArg + 1]) : 7;
const WARMUP = 2;
function chain(size: number): Graph {
  const tasks = Array.from({ length: size }, (_, i) => ({ id: `t${i}`, type: "Identity" }));
  const dataflows: Dataflow[] = [];
  for (let i = 1; i < size; i++) {
    for (let k = 1; k <= 5 && i - k >= 0; k++) dataflows.push({ sourceTaskId: `t${i - k}`, sourceTaskPortId: "value", targetTaskId: `t${i}`, targetTaskPortId: `p${k}` });
  }
  return { name: "chain", tasks, dataflows };
}

const patches: [name: string, baseTasks: number, ops: unknown[]][] = [
  ["1 addTask", 9_999, [{ op: "addTask", task: { id: "new", type: "Identity" } }]],
  [
    "200 mixed",
    9_900,
    Array.from({ length: 100 }, (_, i) => [
      { op: "addTask", task: { id: `n${i}`, type: "Identity" } },
      { op: "addDataflow", dataflow: { sourceTaskId: `t${i}`, sourceTaskPortId: "value", targetTaskId: `n${i}`, targetTaskPortId: "value" } },
    ]).flat(),
  ],
  ["5,000 addTask", 5_000, Array.from({ length: 5_000 }, (_, i) => ({ op: "addTask", task: { id: `n${i}`, type: "Identity" } }))],
  ["5,000 removeTask", 10_000, Array.from({ length: 5_000 }, (_, i) => ({ op: "removeTask", taskId: `t${i * 2}` }))],
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const registry = createRegistry();
for (const [name, baseTasks, ops] of patches) {
  const graph = chain(baseTasks);
  const applyMs: number[] = [];
  const validateMs: number[] = [];
  let changes = 0;
  for (let run = 0; run < WARMUP + RUNS; run++) {
    const t0 = performance.now();
    const result = applyPatch(graph, { ops });
    const t1 = performance.now();
    if (!result.ok) throw new Error(`${name}: ${JSON.stringify(result.errors.slice(0, 3))}`);
    const validation = validateGraph(result.graph, registry);
    const t2 = performance.now();
    if (!validation.valid) throw new Error(`${name}: the patched graph is invalid: ${JSON.stringify(validation.errors.slice(0, 3))}`);
    changes = result.changes.length;
    if (run >= WARMUP) {
      applyMs.push(t1 - t0);
      validateMs.push(t2 - t1);
    }
  }
  const row = { bench: "graph-patch", patch: name, baseTasks, ops: ops.length, changes, applyMs: +median(applyMs).toFixed(1), validateMs: +median(validateMs).toFixed(1) };
  if (json) console.log(JSON.stringify(row));
  else console.log(`${name.padEnd(18)} ${String(row.changes).padStart(6)} changes   applyPatch ${String(row.applyMs).padStart(7)} ms   validateGraph ${String(row.validateMs).padStart(7)} ms`);
}
