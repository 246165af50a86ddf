import { Type, type TObject, type TSchema } from "@sinclair/typebox";
import { GraphResultArraySchema } from "../core/graph/ports";
import type { TaskNode } from "../core/graph/schema";
import { defineTask, type TaskDefinition, type TaskPorts } from "../core/task/define-task";

const open = Type.Object({}, { additionalProperties: true });

function properties(schema: TObject): Record<string, TSchema> {
  return (schema.properties ?? {}) as Record<string, TSchema>;
}

function isOpen(schema: TObject): boolean {
  return schema.additionalProperties !== false;
}

/**
 * SPEC §8: a GraphAsTask's input ports are its subgraph's root tasks' input ports; its output
 * ports are the keys of its merged leaves (PROPERTY_ARRAY). With GRAPH_RESULT_ARRAY the output is
 * an array (`whole`), reachable through the `*` port only.
 */
export function subgraphPorts(task: TaskNode, portsOf: (t: TaskNode) => TaskPorts | undefined): TaskPorts {
  const sub = task.subgraph;
  if (!sub || !Array.isArray(sub.tasks)) return { input: open, output: open };
  const fed = new Set<string>();
  const feeds = new Set<string>();
  for (const df of sub.dataflows ?? []) {
    fed.add(df.targetTaskId);
    feeds.add(df.sourceTaskId);
  }
  const inputProps: Record<string, TSchema> = {};
  let inputOpen = false;
  const leaves: TaskPorts[] = [];
  for (const t of sub.tasks) {
    const ports = portsOf(t);
    if (!ports) return { input: open, output: open }; // unknown inner type: validation reports it
    if (!fed.has(t.id)) {
      for (const [name, schema] of Object.entries(properties(ports.input))) inputProps[name] ??= schema;
      inputOpen ||= isOpen(ports.input);
    }
    if (!feeds.has(t.id)) leaves.push(ports);
  }
  const input = Type.Object(
    Object.fromEntries(Object.entries(inputProps).map(([k, s]) => [k, Type.Optional(s)])),
    { additionalProperties: inputOpen },
  );
  if (task.merge === "GRAPH_RESULT_ARRAY") return { input, output: open, whole: GraphResultArraySchema };
  if (leaves.length === 1) return { input, output: leaves[0].output };
  const outProps: Record<string, TSchema> = {};
  for (const leaf of leaves) {
    for (const [name, schema] of Object.entries(properties(leaf.output))) outProps[name] ??= Type.Optional(Type.Array(schema));
  }
  return { input, output: Type.Object(outProps, { additionalProperties: leaves.some((l) => isOpen(l.output)) }) };
}

/** What a graph task type declares: its name and catalog entry; the ports come from each instance's subgraph. */
export type GraphTaskDefinition = Pick<TaskDefinition, "type" | "title" | "category" | "description">;

/**
 * Defines a task type executed as a subgraph (`execution: "graph"`), like GraphAsTask. Each task of
 * the type carries its own `subgraph` (and optional `merge`) in the graph JSON; the runner expands it
 * under the task's id (events carry `path`), and the task's output is the subgraph's merged leaves.
 * Its ports are computed per instance (SPEC §8). A distinct type name gives a reusable step its own
 * title and category in `/task-types` and lets validation and clients tell it apart.
 */
export function defineGraphTask(def: GraphTaskDefinition): TaskDefinition<typeof open, typeof open> {
  return defineTask({ ...def, execution: "graph", input: open, output: open, ports: subgraphPorts });
}

export const GraphAsTask = defineGraphTask({
  type: "GraphAsTask",
  title: "Subgraph",
  category: "Control",
  description: "Runs a whole graph (`subgraph`) as one task of the parent run; its output is its leaves merged by `merge`.",
});
