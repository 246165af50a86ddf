/**
 * Viewer layout benchmark: `npx tsx bench/viewer-layout.ts [--json] [--runs N]`.
 *
 * Times what the viewer does once per graph it shows (src/viewer/graph): flatten the graph, build
 * the drawn model and lay it out with dagre, for layered graphs of 100, 1,000 and 2,000 tasks
 * (25 per layer, each fed by the task above it and every third one by a second), and a graph of
 * 20 GraphAsTask subgraphs of 50 tasks each, drawn open. Reports the median of several runs.
 * With `--json`, one JSON object per line: {bench:"viewer-layout", shape, tasks, medianMs}.
 */
import type { Dataflow, Graph, TaskNode } from "../src/core/graph/schema";
import { layoutView } from "../src/viewer/graph/layout";
import { flattenGraph, viewModel } from "../src/viewer/graph/model";

const args = process.argv.slice(2);
const json = args.includes("--json");
const runsArg = args.indexOf("--runs");
const RUNS = runsArg >= 0 ? Number(args[runsArg + 1]) : 5;

function layered(n: number, width: number, prefix = "t"): { tasks: TaskNode[]; dataflows: Dataflow[] } {
  const tasks: TaskNode[] = [];
  const dataflows: Dataflow[] = [];
  for (let i = 0; i < n; i++) {
    tasks.push({ id: `${prefix}${i}`, type: "Identity" });
    if (i >= width) dataflows.push({ sourceTaskId: `${prefix}${i - width}`, sourceTaskPortId: "value", targetTaskId: `${prefix}${i}`, targetTaskPortId: "value" });
    if (i >= width && i % 3 === 0) dataflows.push({ sourceTaskId: `${prefix}${i - width + 1}`, sourceTaskPortId: "value", targetTaskId: `${prefix}${i}`, targetTaskPortId: "value" });
  }
  return { tasks, dataflows };
}

function nested(groups: number, perGroup: number): Graph {
  const tasks: TaskNode[] = [];
  const dataflows: Dataflow[] = [];
  for (let g = 0; g < groups; g++) {
    tasks.push({ id: `g${g}`, type: "GraphAsTask", subgraph: layered(perGroup, 5, "s") });
    if (g > 0) dataflows.push({ sourceTaskId: `g${g - 1}`, sourceTaskPortId: "value", targetTaskId: `g${g}`, targetTaskPortId: "value" });
  }
  return { name: "nested", tasks, dataflows };
}

function time(graph: Graph): number {
  const flat = flattenGraph(graph);
  const started = performance.now();
  layoutView(viewModel(flat, new Set(flat.groups)));
  return performance.now() - started;
}

const shapes: [string, Graph][] = [
  ["layered-100", { name: "l", ...layered(100, 25) }],
  ["layered-1000", { name: "l", ...layered(1000, 25) }],
  ["layered-2000", { name: "l", ...layered(2000, 25) }],
  ["nested-20x50", nested(20, 50)],
];

for (const [shape, graph] of shapes) {
  time(graph); // warm-up
  const times = Array.from({ length: RUNS }, () => time(graph)).sort((a, b) => a - b);
  const medianMs = Math.round(times[Math.floor(times.length / 2)]);
  const tasks = flattenGraph(graph).tasks.size;
  if (json) console.log(JSON.stringify({ bench: "viewer-layout", shape, tasks, medianMs }));
  else console.log(`${shape.padEnd(14)} ${String(tasks).padStart(5)} tasks  median ${medianMs} ms`);
}
