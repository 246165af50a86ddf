import type { MergeStrategy } from "../graph/schema";

/** A COMPLETED leaf, in task order. */
export interface LeafResult {
  id: string;
  type: string;
  data: unknown;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Each key → the array of the values of the outputs that have it, in order; keys in order of
 * first appearance. Outputs that are not objects (a GRAPH_RESULT_ARRAY subgraph's array) have no
 * keys and contribute nothing.
 */
export function propertyArrays(outputs: readonly unknown[]): Record<string, unknown[]> {
  const merged: Record<string, unknown[]> = {};
  for (const output of outputs) {
    if (!isRecord(output)) continue;
    for (const key of Object.keys(output)) {
      // A key whose value is undefined is not "had" by that leaf: JSON drops it, so keeping it would
      // make the merged output differ after the run's state is stored and restored.
      if (output[key] === undefined) continue;
      const list = Object.hasOwn(merged, key) ? merged[key] : (merged[key] = []);
      list.push(output[key]);
    }
  }
  return merged;
}

/**
 * SPEC §2/§8 compound merge of a graph's COMPLETED leaves.
 * PROPERTY_ARRAY: no leaf → {}, one leaf → its output as is, several → `propertyArrays`.
 * GRAPH_RESULT_ARRAY: `[{ id, type, data }]` per leaf.
 */
export function mergeLeaves(strategy: MergeStrategy, leaves: readonly LeafResult[]): unknown {
  if (strategy === "GRAPH_RESULT_ARRAY") return leaves.map((l) => ({ id: l.id, type: l.type, data: l.data }));
  if (leaves.length === 0) return {};
  if (leaves.length === 1) return leaves[0].data;
  return propertyArrays(leaves.map((l) => l.data));
}

/**
 * The output of a replicated task: PROPERTY_ARRAY over its replicas' outputs in replica order,
 * except that it is arrays even for a single replica (so a port's type does not depend on how
 * many elements came in), and for zero replicas every declared output port maps to [].
 */
export function mergeReplicas(outputs: readonly unknown[], declaredOutputPorts: readonly string[]): Record<string, unknown[]> {
  if (outputs.length === 0) return Object.fromEntries(declaredOutputPorts.map((p) => [p, []]));
  return propertyArrays(outputs);
}
