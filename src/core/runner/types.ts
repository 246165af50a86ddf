import type { MergeStrategy } from "../graph/schema";
import type { RunEvent } from "../events";
import type { DataflowStatus, RunStatus, TaskStatus } from "../status";
import type { ErrorInfo } from "../task/errors";

/** An error as facts report it: the client-safe shape plus the "do not retry" flag. */
export type FailureInfo = ErrorInfo & { permanent?: boolean };

export interface RunnerOptions {
  runId: string;
  graphId?: string;
  graphVersion?: number;
  /** The run's merge strategy; wins over the graph's (SPEC §8). */
  merge?: MergeStrategy;
  /** Most task attempts dispatched (inline or queued) at once; unbounded when absent. Durable waits do not count. */
  maxConcurrency?: number;
  /** Values whose JSON is larger than this appear in events as `data.ref` `{ ref, size }` (SPEC §7). Unlimited when absent. */
  maxInlineValueBytes?: number;
  /** A task output or the run output larger than this (JSON bytes) fails with OutputTooLargeError (permanent). Unlimited when absent. */
  maxValueBytes?: number;
  /** Seed of the retry-jitter PRNG (kept in the run state); derived from `runId` when absent. */
  seed?: number;
  /** Build `Effects.dirty` lists (default true). Off for in-process runs that persist nothing (runGraph). */
  trackDirty?: boolean;
  /**
   * For in-process drivers (runGraph): events and dispatches are appended to these lists instead of
   * being returned, and the returned Effects object is reused from one fact to the next.
   */
  sink?: { events: RunEvent[]; dispatch: Dispatch[] };
}

/** One task attempt to execute: inline in the run's object, or through the queue. */
export interface Dispatch {
  /** The task key: the full path, e.g. "sub/inner", "map[3]/inner" in iteration 3 of a Map, or "a[3]" for one replica of a replicated task. */
  key: string;
  /** The inner task id ("inner", "a[3]"). */
  taskId: string;
  /** Enclosing GraphAsTask ids (and `<map id>[<i>]` Map iterations) joined by "/"; "" at top level. */
  path: string;
  type: string;
  execution: "inline" | "queue";
  attempt: number;
  input: Record<string, unknown>;
  /** The task's `config` from the graph. */
  config: Record<string, unknown>;
}

/** A durable timer; `id` is deterministic: "retry:<key>:<attempt>", "timeout:<key>:<attempt>", "wait:<key>:<attempt>". */
export interface Timer {
  id: string;
  /** ms since the epoch. */
  at: number;
}

/** Stop an attempt: fire its AbortSignal (inline) or treat it as invalidated (queue; its report will be ignored). */
export interface AbortRequest {
  key: string;
  attempt: number;
  reason: string;
}

/** What a step changed, so a store can write only those rows. */
export interface Dirty {
  run: boolean;
  /** Task keys (replica rows and Map iteration rows included) whose `TaskState` changed or was created. */
  tasks: string[];
  /** Dataflow keys whose `DataflowState` changed. */
  dataflows: string[];
}

/** Everything one fact asks the shell to do. Apply in this order: persist dirty rows + events, then act. */
export interface Effects {
  events: RunEvent[];
  dispatch: Dispatch[];
  timers: Timer[];
  clearTimers: string[];
  aborts: AbortRequest[];
  dirty: Dirty;
}

export interface SignalEffects extends Effects {
  /** Whether a waiting task consumed the signal now (otherwise it is stored for a later wait). */
  delivered: boolean;
}

/** A signal stored in the run until a WaitForSignal consumes it (SPEC §8). */
export interface StoredSignal {
  name: string;
  payload: unknown;
}

/** The run row. Plain JSON data. */
export interface RunState {
  runId: string;
  graphId?: string;
  graphVersion?: number;
  status: RunStatus;
  input?: Record<string, unknown>;
  output?: unknown;
  error?: ErrorInfo;
  /** Why the run was aborted. */
  reason?: string;
  startedAt?: number;
  completedAt?: number;
  /** Last event seq handed out (0 before the first event). */
  seq: number;
  /** The machine's clock: the largest `now` seen, in ms (event `ts` never decreases). */
  clock: number;
  /** Last `graph progress` value emitted. */
  progress: number;
  /** PRNG state for retry jitter. */
  rng: number;
  /** Monotone stamp giving ready-queue and signal-wait order. */
  order: number;
  /** How many times `retry()` re-ran the failed run. */
  retries: number;
  /** Signals not consumed yet, oldest first. */
  signals: StoredSignal[];
}

/** What a durable wait is parked on. */
export type WaitState = { kind: "timer" } | { kind: "signal"; name: string };

/** One task row (a replica of a replicated task is a row of its own). Plain JSON data. */
export interface TaskState {
  key: string;
  /** Inner id; "<id>[<i>]" for replica i. */
  taskId: string;
  /** Enclosing GraphAsTask ids joined by "/"; "" at top level. */
  path: string;
  type: string;
  status: TaskStatus;
  /** The current (or last) attempt number; 0 before the first. */
  attempts: number;
  /** Attempts before the current try (a run `retry()` gives every reset task a fresh budget). */
  attemptBase: number;
  /** 0–100 (100 once finished). */
  progress: number;
  /** The input of the current attempt (kept while unfinished; a GraphAsTask keeps the input its subgraph reads). */
  input?: Record<string, unknown>;
  output?: unknown;
  error?: ErrorInfo;
  /** Why it was skipped or aborted. */
  reason?: string;
  /** FAILED with its error routed along `[error]` dataflows (the run went on). */
  routed?: boolean;
  /** Ended (SKIPPED / ABORTED) by an unhandled failure — what `retry()` re-runs. */
  endedByFailure?: boolean;
  startedAt?: number;
  completedAt?: number;
  /** Order stamp while waiting in the ready queue (not yet dispatched). */
  queuedAt?: number;
  /** Durable wait in progress. */
  wait?: WaitState;
  /** Order stamp of a signal wait (the earliest waiter consumes first). */
  waitOrder?: number;
  /** Due times of this task's pending timers (ms). */
  retryAt?: number;
  timeoutAt?: number;
  waitAt?: number;
  /** On a replica row: the replicated task's key and this replica's index. */
  replicaOf?: string;
  replica?: number;
  /** On a replicated task: how many replicas it expanded into. */
  replicas?: number;
  /** On a Map: how many iterations it runs (its element count). */
  iterations?: number;
}

/** Where a dataflow value came from. */
export interface Provenance {
  taskKey: string;
  attempt: number;
  runId: string;
}

/** One dataflow row. Plain JSON data. */
export interface DataflowState {
  /** "<path>/<dataflowId>", or the dataflow id at top level. */
  key: string;
  status: DataflowStatus;
  value?: unknown;
  error?: ErrorInfo;
  provenance?: Provenance;
}

/** The whole run state: the runner restores exactly from it. */
export interface RunSnapshot {
  version: 1;
  run: RunState;
  tasks: TaskState[];
  dataflows: DataflowState[];
}

/** An attempt dispatched and not finished: what the shell must re-arm or re-post after a restore. */
export interface InFlightAttempt extends Dispatch {
  status: "QUEUED" | "PROCESSING";
}

export type ControlAction = "start" | "pause" | "resume" | "cancel" | "retry";
