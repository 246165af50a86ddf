import type { TaskRegistry } from "../task/registry";
import { dataflowCompatibility, type PortCompatibility } from "./compat";
import { inputPortSchema, outputPortSchema } from "./ports";
import type { GraphBody, TaskNode } from "./schema";

/** Port compatibility of every dataflow of a graph body, and of its subgraphs. */
export interface GraphAnalysis {
  /** Index-aligned with `body.dataflows`. `runtime` ones need their value checked when it flows. */
  compatibility: PortCompatibility[];
  /** One analysis per GraphAsTask, by task id. */
  subgraphs: Map<string, GraphAnalysis>;
}

/**
 * For the runner: which dataflows of a validated graph need a run-time check of the value they
 * carry. O(V + E), and cheap: port schemas are cached per task and comparisons per schema pair.
 * Anything it cannot resolve (which validation would have rejected) counts as `runtime`.
 */
export function analyzeGraph(body: GraphBody, registry: TaskRegistry): GraphAnalysis {
  const byId = new Map<string, TaskNode>();
  const subgraphs = new Map<string, GraphAnalysis>();
  for (const task of body.tasks) {
    if (!byId.has(task.id)) byId.set(task.id, task);
    if (task.subgraph && !subgraphs.has(task.id)) subgraphs.set(task.id, analyzeGraph(task.subgraph, registry));
  }
  const compatibility = body.dataflows.map((df): PortCompatibility => {
    const source = byId.get(df.sourceTaskId);
    const target = byId.get(df.targetTaskId);
    const sourcePorts = source && registry.portsOf(source);
    const targetPorts = target && registry.portsOf(target);
    if (!source || !sourcePorts || !targetPorts) return "runtime";
    const from = outputPortSchema(source, sourcePorts, df.sourceTaskPortId);
    const to = inputPortSchema(targetPorts, df.targetTaskPortId);
    return from && to ? dataflowCompatibility(from, to) : "runtime";
  });
  return { compatibility, subgraphs };
}
