import { dataflowId } from "../core/graph/dataflow-id";
import type { Dataflow, GraphBody, MergeStrategy, TaskNode } from "../core/graph/schema";
import type { graphDataflows, graphTasks } from "./schema";

/*
 * The mapping between a graph's tasks/dataflows and their rows. Optional fields map to NULL and
 * back to absent, so a stored graph reads back equal to the one written.
 */

export type TaskRow = typeof graphTasks.$inferInsert;
export type DataflowRow = typeof graphDataflows.$inferInsert;

/** D1 refuses a row larger than this (string, BLOB or whole row). */
export const D1_MAX_ROW_BYTES = 2_000_000;
/** Room kept for the integer columns and SQLite's record header. */
const ROW_OVERHEAD_BYTES = 256;

/** A task whose row would exceed D1's row size limit (typically a huge subgraph or defaults). */
export class TaskTooLargeToStoreError extends Error {
  override readonly name = "TaskTooLargeToStoreError";
  constructor(
    /** JSON Pointer to the task in the graph, e.g. `/tasks/3`. */
    readonly path: string,
    readonly bytes: number,
  ) {
    super(`task is too large to store: about ${bytes} bytes, at most ${D1_MAX_ROW_BYTES - ROW_OVERHEAD_BYTES} per task`);
  }
}

const encoder = new TextEncoder();

function utf8Bytes(s: string | null | undefined): number {
  if (!s) return 0;
  return encoder.encode(s).length;
}

function jsonOrNull(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

export function taskToRow(graphId: string, version: number, position: number, task: TaskNode): TaskRow {
  const row: TaskRow = {
    graphId,
    version,
    position,
    taskId: task.id,
    type: task.type,
    name: task.name ?? null,
    defaults: jsonOrNull(task.defaults),
    config: jsonOrNull(task.config),
    subgraph: jsonOrNull(task.subgraph),
    merge: task.merge ?? null,
  };
  // Every UTF-16 unit is at most 3 UTF-8 bytes: only measure exactly when it could matter.
  const textLength = row.taskId.length + row.type.length + (row.name?.length ?? 0) + (row.defaults?.length ?? 0) + (row.config?.length ?? 0) + (row.subgraph?.length ?? 0);
  const limit = D1_MAX_ROW_BYTES - ROW_OVERHEAD_BYTES;
  if (textLength * 3 > limit) {
    const bytes = utf8Bytes(row.taskId) + utf8Bytes(row.type) + utf8Bytes(row.name) + utf8Bytes(row.defaults) + utf8Bytes(row.config) + utf8Bytes(row.subgraph) + utf8Bytes(row.merge);
    if (bytes > limit) throw new TaskTooLargeToStoreError(`/tasks/${position}`, bytes);
  }
  return row;
}

export function rowToTask(row: typeof graphTasks.$inferSelect): TaskNode {
  const task: TaskNode = { id: row.taskId, type: row.type };
  if (row.name !== null) task.name = row.name;
  if (row.defaults !== null) task.defaults = JSON.parse(row.defaults) as Record<string, unknown>;
  if (row.config !== null) task.config = JSON.parse(row.config) as TaskNode["config"];
  if (row.subgraph !== null) task.subgraph = JSON.parse(row.subgraph) as GraphBody;
  if (row.merge !== null) task.merge = row.merge as MergeStrategy;
  return task;
}

export function dataflowToRow(graphId: string, version: number, position: number, df: Dataflow): DataflowRow {
  return {
    graphId,
    version,
    position,
    dataflowId: dataflowId(df),
    sourceTaskId: df.sourceTaskId,
    sourceTaskPortId: df.sourceTaskPortId,
    targetTaskId: df.targetTaskId,
    targetTaskPortId: df.targetTaskPortId,
  };
}

export function rowToDataflow(row: typeof graphDataflows.$inferSelect): Dataflow {
  return {
    sourceTaskId: row.sourceTaskId,
    sourceTaskPortId: row.sourceTaskPortId,
    targetTaskId: row.targetTaskId,
    targetTaskPortId: row.targetTaskPortId,
  };
}
