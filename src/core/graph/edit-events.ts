import type { Dataflow, Graph, TaskNode } from "./schema";

/*
 * Structure events of a graph being edited (SPEC §5, `GET /graphs/:id/ws`): what editors of a
 * graph receive when it gets a new version. Unlike run events they are not logged: each stored
 * version is the durable record, and the events say how it differs from the version before.
 */

/**
 * One change a patch operation made, in the order the operations made them. Applied in order to
 * version n − 1 they give version n: a task is appended by `task_added` (the task list keeps its
 * order otherwise), `task_replaced` keeps the task's position, and the `dataflow_removed` events of
 * a removed task's dataflows come before its `task_removed`, so no step leaves a dangling dataflow.
 */
export type StructureChange =
  | { type: "task_added"; task: TaskNode }
  | { type: "task_removed"; taskId: string }
  | { type: "task_replaced"; task: TaskNode }
  | { type: "dataflow_added"; dataflowId: string; dataflow: Dataflow }
  | { type: "dataflow_removed"; dataflowId: string; dataflow: Dataflow };

export type StructureChangeType = StructureChange["type"];

/** Where an event belongs: the graph and the version it produced (or, for `graph_deleted`, the last one). */
export interface EventOrigin {
  graphId: string;
  version: number;
}

/**
 * A whole new version, from a `PUT` (or when a frame would be too large to list its changes):
 * `graph` carries it inline, or `ref` names the path to fetch it from (`/graphs/<id>/versions/<n>`).
 */
export type GraphReplacedEvent = EventOrigin & { type: "graph_replaced" } & ({ graph: Graph } | { ref: string });

/** The graph was deleted; the server closes the socket (1000) after this frame. */
export type GraphDeletedEvent = EventOrigin & { type: "graph_deleted" };

export type GraphEditEvent = (StructureChange & EventOrigin) | GraphReplacedEvent | GraphDeletedEvent;

/**
 * One WebSocket frame: every event of one version, delivered together however many operations
 * produced them (a bulk patch is one frame). `version` lets an editor notice a frame it missed:
 * versions count up by one, so a frame whose version is not its last one + 1 means "refetch".
 * The frame sent on connecting has no events and the latest version the server knows of.
 */
export interface GraphEditFrame {
  graphId: string;
  version: number;
  events: GraphEditEvent[];
}

/** Stamps a patch's changes with the version they produced. */
export function versionEvents(origin: EventOrigin, changes: readonly StructureChange[]): GraphEditEvent[] {
  return changes.map((change) => ({ ...change, graphId: origin.graphId, version: origin.version }));
}
