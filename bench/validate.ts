/**
 * Graph validation benchmark: `npx tsx bench/validate.ts [--json] [--runs N]`.
 *
 * Validates generated graphs of 1,000 and 10,000 tasks with five dataflows per task and reports
 * the median wall time of several runs (after warm-up runs). Shapes:
 * - `random-dag`: each dataflow joins a random earlier task to a later one (wide, shallow);
 * - `chain`: each task is fed by the five before it (one long dependency chain, deep);
 * - `mixed`: several built-in types and port kinds (Template variables, `*`, `[error]`, GraphAsTask);
 * - `invalid`: the random DAG with every tenth task of an unknown type and a back edge (error path).
 * `--only <shape>` runs one shape. With `--json`, one JSON object per line: {bench:"validate", shape, tasks, dataflows, medianMs}.
 */
import { mulberry32 } from "./shapes";
import type { Dataflow, Graph, TaskNode } from "../src/core/graph/schema";
import { validateGraph } from "../src/core/graph/validate";
import { DEFAULT_LIMITS } from "../src/core/limits";
import { createRegistry } from "../src/tasks/index";

const args = process.argv.slice(2);
const json = args.includes("--json");
const runsArg = args.indexOf("--runs");
const RUNS = runsArg >= 0 ? Number(args[runsArg + 1]) : 9;
const WARMUP = 3;
const DATAFLOWS_PER_TASK = 5;

/** Deterministic PRNG (the benchmarks' shared mulberry32) so every run benchmarks the same graphs. */
const rng = mulberry32;

const flow = (s: string, sp: string, t: string, tp: string): Dataflow => ({
  sourceTaskId: s,
  sourceTaskPortId: sp,
  targetTaskId: t,
  targetTaskPortId: tp,
});

/** `n` Add tasks and exactly 5n dataflows `sum → values` (appending), each pair of tasks joined once. */
function randomDag(n: number, seed = 1): Graph {
  const random = rng(seed);
  const tasks: TaskNode[] = Array.from({ length: n }, (_, i) => ({ id: `t${i}`, type: "Add" }));
  const dataflows: Dataflow[] = [];
  const used = new Set<number>();
  for (let k = 0; dataflows.length < n * DATAFLOWS_PER_TASK; k++) {
    const target = 1 + (k % (n - 1));
    const source = Math.floor(random() * target);
    const key = source * n + target;
    if (used.has(key)) continue;
    used.add(key);
    dataflows.push(flow(`t${source}`, "sum", `t${target}`, "values"));
  }
  return { name: "random-dag", tasks, dataflows };
}

/** Each task fed by up to five predecessors; the sixth port of the pattern tops the count up to 5n. */
function chain(n: number): Graph {
  const tasks: TaskNode[] = Array.from({ length: n }, (_, i) => ({ id: `t${i}`, type: "Add" }));
  const dataflows: Dataflow[] = [];
  for (let i = 1; i < n; i++) {
    for (let d = 1; d <= DATAFLOWS_PER_TASK && d <= i; d++) dataflows.push(flow(`t${i - d}`, "sum", `t${i}`, "values"));
  }
  // The first tasks have fewer predecessors: top up with `sum → a` from the very first task.
  for (let i = DATAFLOWS_PER_TASK + 1; dataflows.length < n * DATAFLOWS_PER_TASK; i++) dataflows.push(flow("t0", "sum", `t${i}`, "a"));
  return { name: "chain", tasks, dataflows };
}

/** A realistic mix: Template variables, Uppercase, Identity, Assert, Multiply, `*`, `[error]`, small subgraphs. */
function mixed(n: number, seed = 2): Graph {
  const random = rng(seed);
  const tasks: TaskNode[] = [];
  const sub = (i: number): TaskNode => ({
    id: `t${i}`,
    type: "GraphAsTask",
    subgraph: {
      tasks: [
        { id: "in", type: "Uppercase" },
        { id: "out", type: "Template", defaults: { template: "<{{text}}>" } },
      ],
      dataflows: [flow("in", "text", "out", "text")],
    },
  });
  for (let i = 0; i < n; i++) {
    const kind = i % 10;
    if (kind === 9) tasks.push(sub(i));
    else if (kind < 3) tasks.push({ id: `t${i}`, type: "Template", defaults: { template: "{{a}} and {{b}} {{c.d}}" } });
    else if (kind < 5) tasks.push({ id: `t${i}`, type: "Uppercase" });
    else if (kind < 7) tasks.push({ id: `t${i}`, type: "Identity", config: { retry: { maxAttempts: 3, backoff: "exponential" }, timeoutMs: 1000 } });
    else tasks.push({ id: `t${i}`, type: "Assert", defaults: { condition: true, message: "ok" } });
  }
  // Every task's output that reads as text or any value; targets chosen by what they accept.
  const textOut = (t: TaskNode) => (t.type === "Identity" || t.type === "Assert" ? "value" : "text");
  const inPorts = (t: TaskNode): string[] =>
    t.type === "Template" ? ["a", "b", "c"] : t.type === "Uppercase" ? ["text"] : t.type === "GraphAsTask" ? ["text"] : ["value", "*", "message"];
  const dataflows: Dataflow[] = [];
  const used = new Set<string>();
  for (let k = 0; dataflows.length < n * DATAFLOWS_PER_TASK; k++) {
    const target = 1 + (k % (n - 1));
    const source = Math.floor(random() * target);
    const s = tasks[source];
    const t = tasks[target];
    const ports = inPorts(t);
    const tp = ports[k % ports.length];
    const sp = random() < 0.05 ? "[error]" : tp === "*" ? "*" : textOut(s);
    if (sp === "[error]" && t.type !== "Identity") continue;
    const key = `${source} ${sp} ${target} ${tp}`;
    if (used.has(key)) continue;
    used.add(key);
    dataflows.push(flow(s.id, sp, t.id, tp));
  }
  return { name: "mixed", tasks, dataflows };
}

function invalid(n: number): Graph {
  const g = randomDag(n, 3);
  g.tasks.forEach((t, i) => {
    if (i % 10 === 0) t.type = "NoSuchType";
  });
  g.dataflows.push(flow(`t${n - 1}`, "sum", "t0", "a"));
  return g;
}

const registry = createRegistry();
// `mixed` counts its subgraphs' tasks too; the limits are not what is measured here.
const limits = { ...DEFAULT_LIMITS, maxTasks: 100_000, maxDataflows: 500_000 };

function measure(shape: string, graph: Graph, expectValid: boolean) {
  // Fresh copies per run: the registry caches ports per task object, and a real request always
  // brings newly parsed JSON.
  const text = JSON.stringify(graph);
  const times: number[] = [];
  let errors = 0;
  for (let r = 0; r < WARMUP + RUNS; r++) {
    const input = JSON.parse(text);
    const t0 = performance.now();
    const result = validateGraph(input, registry, limits);
    const ms = performance.now() - t0;
    if (result.valid !== expectValid) throw new Error(`${shape}: expected valid=${expectValid}, got ${JSON.stringify(result.errors.slice(0, 3))}`);
    errors = result.errors.length;
    if (r >= WARMUP) times.push(ms);
  }
  times.sort((a, b) => a - b);
  const medianMs = Number(times[Math.floor(times.length / 2)].toFixed(2));
  const row = { bench: "validate", shape, tasks: graph.tasks.length, dataflows: graph.dataflows.length, medianMs, errors };
  if (json) console.log(JSON.stringify(row));
  return row;
}

const rows = [];
const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined;
for (const n of [1_000, 10_000]) {
  const shapes: [string, () => Graph, boolean][] = [
    ["random-dag", () => randomDag(n), true],
    ["chain", () => chain(n), true],
    ["mixed", () => mixed(n), true],
    ["invalid", () => invalid(n), false],
  ];
  for (const [shape, make, valid] of shapes) if (!only || only === shape) rows.push(measure(shape, make(), valid));
}
if (!json) {
  console.log(`graph validation, median of ${RUNS} runs after ${WARMUP} warm-up runs (node ${process.versions.node})`);
  console.table(rows.map(({ bench: _b, ...r }) => r));
}
