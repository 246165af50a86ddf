/** SPEC §7 limits. Defaults; deployments may override them through `Limits` values passed in. */
export interface Limits {
  maxTasks: number;
  maxDataflows: number;
  /** Bytes of graph JSON (the request body of POST/PUT /graphs). */
  maxGraphBytes: number;
  /** Bytes of a run-creation request body. */
  maxRunInputBytes: number;
  /** A value (task output, dataflow value) above this many bytes of JSON is passed by reference. */
  maxInlineValueBytes: number;
  /**
   * A task output or a run output above this many bytes of JSON fails the task (or the run) with
   * OutputTooLargeError: values cross Workers RPC, which carries at most 32 MiB a call.
   */
  maxValueBytes: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxTasks: 10_000,
  maxDataflows: 50_000,
  maxGraphBytes: 5 * 1024 * 1024,
  maxRunInputBytes: 1024 * 1024,
  maxInlineValueBytes: 64 * 1024,
  maxValueBytes: 16 * 1024 * 1024,
};
