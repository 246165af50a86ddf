import { dataflowId as formatDataflowId } from "../../core/graph/dataflow-id";
import type { Dataflow, GraphBody, TaskNode } from "../../core/graph/schema";
import { ancestorsOf, dataflowKey, taskKey } from "../../client/keys";

/*
 * A graph flattened for display: every task (subgraphs included) with its key, and what is
 * drawn given which GraphAsTask nodes are expanded. An expanded GraphAsTask is a box around its
 * tasks with an entry and an exit anchor: dataflows into the GraphAsTask end at its entry,
 * dataflows out of it start at its exit (a layout engine cannot attach edges to a box itself).
 */

export interface FlatTask {
  key: string;
  task: TaskNode;
  /** Enclosing GraphAsTask ids joined by "/", "" at top level. */
  path: string;
  depth: number;
}

export interface FlatDataflow {
  key: string;
  dataflowId: string;
  path: string;
  dataflow: Dataflow;
}

export interface FlatGraph {
  tasks: Map<string, FlatTask>;
  dataflows: Map<string, FlatDataflow>;
  /** Keys of the GraphAsTask nodes that hold a subgraph. */
  groups: string[];
}

export function flattenGraph(graph: GraphBody): FlatGraph {
  const tasks = new Map<string, FlatTask>();
  const dataflows = new Map<string, FlatDataflow>();
  const groups: string[] = [];
  const visit = (body: GraphBody, path: string, depth: number) => {
    for (const task of body.tasks ?? []) {
      const key = taskKey(task.id, path);
      tasks.set(key, { key, task, path, depth });
      if (task.subgraph) {
        groups.push(key);
        visit(task.subgraph, key, depth + 1);
      }
    }
    for (const dataflow of body.dataflows ?? []) {
      const id = formatDataflowId(dataflow);
      const key = dataflowKey(id, path || undefined);
      dataflows.set(key, { key, dataflowId: id, path, dataflow });
    }
  };
  visit(graph, "", 0);
  return { tasks, dataflows, groups };
}

export type NodeKind = "task" | "group" | "entry" | "exit";

export interface ViewNode {
  /** A task key, or `<group key>#entry` / `#exit` for the anchors of an expanded group. */
  id: string;
  kind: NodeKind;
  /** The task this node draws (the group's own task for groups and anchors). */
  taskKey: string;
  /** The expanded group it sits in. */
  parent?: string;
  width: number;
  height: number;
}

export interface ViewEdge {
  id: string;
  from: string;
  to: string;
  /** The dataflow it draws; absent for the lines joining an anchor to a group's tasks. */
  dataflowKey?: string;
}

export interface ViewModel {
  nodes: ViewNode[];
  edges: ViewEdge[];
}

export const TASK_WIDTH = 184;
export const TASK_HEIGHT = 48;
const ANCHOR_SIZE = 10;

export const entryOf = (groupKey: string) => `${groupKey}#entry`;
export const exitOf = (groupKey: string) => `${groupKey}#exit`;

/** The visible node that stands for a task: itself, or its outermost collapsed enclosing group. */
export function visibleTaskKey(key: string, expanded: ReadonlySet<string>): string {
  for (const ancestor of ancestorsOf(key)) if (!expanded.has(ancestor)) return ancestor;
  return key;
}

/** The nodes and edges to lay out when the groups in `expanded` are open. */
export function viewModel(flat: FlatGraph, expanded: ReadonlySet<string>): ViewModel {
  const nodes: ViewNode[] = [];
  const edges: ViewEdge[] = [];
  const isOpen = (key: string) => expanded.has(key) && flat.tasks.get(key)?.task.subgraph !== undefined;
  const visible = (key: string) => visibleTaskKey(key, expanded) === key;

  for (const t of flat.tasks.values()) {
    if (!visible(t.key)) continue;
    const parent = t.path === "" ? undefined : t.path;
    if (isOpen(t.key)) {
      nodes.push({ id: t.key, kind: "group", taskKey: t.key, ...(parent ? { parent } : {}), width: 0, height: 0 });
      nodes.push({ id: entryOf(t.key), kind: "entry", taskKey: t.key, parent: t.key, width: ANCHOR_SIZE, height: ANCHOR_SIZE });
      nodes.push({ id: exitOf(t.key), kind: "exit", taskKey: t.key, parent: t.key, width: ANCHOR_SIZE, height: ANCHOR_SIZE });
    } else {
      nodes.push({ id: t.key, kind: "task", taskKey: t.key, ...(parent ? { parent } : {}), width: TASK_WIDTH, height: TASK_HEIGHT });
    }
  }

  // Inside each open group: entry → its roots, its leaves → exit.
  const fedInside = new Set<string>();
  const feedsInside = new Set<string>();
  for (const df of flat.dataflows.values()) {
    fedInside.add(taskKey(df.dataflow.targetTaskId, df.path || undefined));
    feedsInside.add(taskKey(df.dataflow.sourceTaskId, df.path || undefined));
  }
  for (const t of flat.tasks.values()) {
    if (t.path === "" || !isOpen(t.path) || !visible(t.key)) continue;
    const inner = isOpen(t.key);
    if (!fedInside.has(t.key)) edges.push({ id: `${entryOf(t.path)}>${t.key}`, from: entryOf(t.path), to: inner ? entryOf(t.key) : t.key });
    if (!feedsInside.has(t.key)) edges.push({ id: `${t.key}>${exitOf(t.path)}`, from: inner ? exitOf(t.key) : t.key, to: exitOf(t.path) });
  }

  for (const df of flat.dataflows.values()) {
    const source = taskKey(df.dataflow.sourceTaskId, df.path || undefined);
    const target = taskKey(df.dataflow.targetTaskId, df.path || undefined);
    if (!visible(source) || !visible(target)) continue;
    edges.push({ id: df.key, from: isOpen(source) ? exitOf(source) : source, to: isOpen(target) ? entryOf(target) : target, dataflowKey: df.key });
  }
  return { nodes, edges };
}

/** Groups open by default: all of them while the drawing stays small, else none. */
export function defaultExpanded(flat: FlatGraph, maxVisibleTasks = 300): Set<string> {
  return flat.tasks.size <= maxVisibleTasks ? new Set(flat.groups) : new Set();
}
