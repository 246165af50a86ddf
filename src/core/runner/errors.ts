import type { RunStatus } from "../status";
import type { ControlAction } from "./types";

/**
 * A control action that does not apply to the run's current status (cancel a finished run,
 * resume a run that is not paused…). The API answers it with 409.
 */
export class RunTransitionError extends Error {
  override readonly name = "RunTransitionError";
  constructor(
    readonly action: ControlAction,
    readonly status: RunStatus,
  ) {
    super(`cannot ${action} a run that is ${status}`);
  }
}

/**
 * The runner was handed a graph it cannot execute (unknown type, dangling dataflow, cycle…).
 * Graphs are validated before a run starts, so this means a caller skipped validation.
 */
export class GraphCompileError extends Error {
  override readonly name = "GraphCompileError";
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(`${path}: ${message}`);
  }
}

/** A snapshot that does not belong to this graph or is not one the runner wrote. */
export class SnapshotMismatchError extends Error {
  override readonly name = "SnapshotMismatchError";
}
