import { type EventOrigin, type GraphEditEvent, type StructureChange, versionEvents } from "../core/graph/edit-events";
import type { Graph } from "../core/graph/schema";
import type { GraphObject } from "../durable/graph-object";
import type { Env } from "../env";

/*
 * Telling a graph's editors (the sockets of GET /graphs/:id/ws, held by its GraphObject) about a
 * committed change. Called after the write, awaited so that the frames of one writer's successive
 * versions go out in order and before its response; a failure is logged and never fails the write
 * — the version is stored, and an editor that missed the frame sees the gap in versions.
 */

export function graphEditors(env: Env, graphId: string): DurableObjectStub<GraphObject> {
  return env.GRAPHS.get(env.GRAPHS.idFromName(graphId));
}

/** A patch's changes, as one frame. */
export function notifyPatched(env: Env, origin: EventOrigin, changes: readonly StructureChange[]): Promise<void> {
  return publish(env, origin, versionEvents(origin, changes));
}

/** A whole new version (PUT). */
export function notifyReplaced(env: Env, origin: EventOrigin, graph: Graph): Promise<void> {
  return publish(env, origin, [{ type: "graph_replaced", ...origin, graph }]);
}

/** The graph was deleted: editors get `graph_deleted`, then their sockets close. */
export async function notifyDeleted(env: Env, graphId: string): Promise<void> {
  try {
    await graphEditors(env, graphId).graphDeleted(graphId);
  } catch (err) {
    console.error("[weft] could not tell the editors of graph", graphId, "that it was deleted:", err);
  }
}

async function publish(env: Env, origin: EventOrigin, events: GraphEditEvent[]): Promise<void> {
  try {
    await graphEditors(env, origin.graphId).publish({ graphId: origin.graphId, version: origin.version, events });
  } catch (err) {
    console.error("[weft] could not send version", origin.version, "of graph", origin.graphId, "to its editors:", err);
  }
}
