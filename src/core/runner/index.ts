/**
 * The run state machine and its in-process driver. Pure: no Cloudflare import on the way, so it
 * runs in Node (tests, CLI, benchmark) and in the run's Durable Object alike.
 */
export { TaskGraphRunner } from "./runner";
export { runGraph, type RunGraphOptions, type RunGraphResult, type ScheduledSignal } from "./run-graph";
export { GraphCompileError, RunTransitionError, SnapshotMismatchError } from "./errors";
export { mergeLeaves, mergeReplicas, propertyArrays, type LeafResult } from "./merge";
export { baseDelay, JITTER, normalizeRetry, type RetrySettings } from "./backoff";
export { MAX_REPLICAS } from "./replicate";
export type {
  AbortRequest,
  ControlAction,
  DataflowState,
  Dirty,
  Dispatch,
  Effects,
  FailureInfo,
  InFlightAttempt,
  Provenance,
  RunnerOptions,
  RunSnapshot,
  RunState,
  SignalEffects,
  StoredSignal,
  TaskState,
  Timer,
  WaitState,
} from "./types";
