import type { FailureInfo } from "../core/runner";
import type { ErrorInfo } from "../core/events";
import type { Graph, MergeStrategy } from "../core/graph/schema";
import type { RunStatus, TaskStatus } from "../core/status";

/** How a run was started (kept in the D1 run index). */
export type RunTrigger = "api" | "webhook" | "endpoint" | "schedule";

/** What the API hands a fresh RunObject. */
export interface RunInit {
  runId: string;
  graphId: string;
  graphVersion: number;
  /** The pinned version's graph (a run keeps its snapshot even if the graph changes or is deleted). */
  graph: Graph;
  input: Record<string, unknown>;
  merge?: MergeStrategy;
  trigger: RunTrigger;
  /** ms since the epoch. */
  createdAt: number;
}

/** One task as `GET /runs/:id` shows it (SPEC §8). */
export interface RunTaskView {
  id: string;
  path?: string;
  type: string;
  status: TaskStatus;
  attempts: number;
  progress: number;
  startedAt: string | null;
  completedAt: string | null;
  error?: ErrorInfo;
}

/** A run as the API shows it (SPEC §8). */
export interface RunView {
  id: string;
  graphId: string;
  graphVersion: number;
  status: RunStatus;
  trigger: RunTrigger;
  input: unknown;
  output: unknown;
  error: ErrorInfo | null;
  progress: number;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  /** The seq of the last event this snapshot reflects: follow with `?after=<lastSeq>` to continue from it. */
  lastSeq?: number;
  tasks?: RunTaskView[];
}

/** The queue message for one task attempt: ids only (SPEC §6). */
export interface TaskMessage {
  runId: string;
  key: string;
  attempt: number;
}

/** What a queue worker's claim gets back. */
export type ClaimResult =
  | { status: "stale" }
  | { status: "claimed"; type: string; taskId: string; path: string; input: Record<string, unknown>; config: Record<string, unknown> };

/** An attempt handed over with a completion (RunObject.complete): already claimed for the reporting worker. */
export interface HandedOver {
  message: TaskMessage;
  claim: Extract<ClaimResult, { status: "claimed" }>;
}

/** One attempt's outcome in a batch of reports (RunObject.report): an output, or a failure. */
export type TaskReport =
  | { key: string; attempt: number; output: unknown; take?: number }
  | { key: string; attempt: number; error: FailureInfo };

/** A control action answered with the run, or refused because it does not apply now (HTTP 409). */
export type ControlResult = { ok: true; run: RunView } | { ok: false; status: RunStatus; detail: string };

/** `GET /runs/:id/stats`: counters of the run's object since it last started. */
export interface RunStats {
  tasks: number;
  events: number;
  storageWrites: number;
  queueSends: number;
  handovers: number;
  sockets: number;
  socketFrames: number;
  socketBytes: number;
}
