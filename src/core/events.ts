import type { ErrorInfo } from "./task/errors";

/** SPEC §4: every change a client may show, in a gap-free sequence per run. */
export type EventKind = "graph" | "task" | "dataflow";

export type GraphEventType = "start" | "progress" | "pause" | "resume" | "complete" | "error" | "abort";
export type TaskEventType = "queued" | "start" | "progress" | "retry" | "complete" | "error" | "skipped" | "abort";
export type DataflowEventType = "complete" | "skipped" | "error";

/** A reference to a value kept in the run's object (values above the inline limit, SPEC §7). */
export interface ValueRef {
  ref: string;
  size: number;
}

interface EventBase {
  seq: number;
  /** ISO 8601; never decreases within a run. */
  ts: string;
  runId: string;
  data?: Record<string, unknown>;
}

export interface GraphEvent extends EventBase {
  kind: "graph";
  type: GraphEventType;
}

export interface TaskEvent extends EventBase {
  kind: "task";
  type: TaskEventType;
  taskId: string;
  /** Enclosing GraphAsTask ids joined by "/"; absent at top level. */
  path?: string;
}

export interface DataflowEvent extends EventBase {
  kind: "dataflow";
  type: DataflowEventType;
  dataflowId: string;
  path?: string;
}

export type RunEvent = GraphEvent | TaskEvent | DataflowEvent;

export type { ErrorInfo };
