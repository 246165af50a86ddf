/** SPEC §3. */
export type TaskStatus = "PENDING" | "QUEUED" | "PROCESSING" | "COMPLETED" | "FAILED" | "SKIPPED" | "ABORTED";
export type DataflowStatus = "PENDING" | "COMPLETED" | "SKIPPED" | "FAILED" | "ABORTED";
export type RunStatus = "PENDING" | "PROCESSING" | "PAUSED" | "COMPLETED" | "FAILED" | "ABORTED";

export const TERMINAL_RUN_STATUSES: ReadonlySet<RunStatus> = new Set(["COMPLETED", "FAILED", "ABORTED"]);
export const TERMINAL_TASK_STATUSES: ReadonlySet<TaskStatus> = new Set(["COMPLETED", "FAILED", "SKIPPED", "ABORTED"]);

/** SPEC §4: the status a task lifecycle event leaves its task in (progress events change none). */
export const TASK_STATUS_AFTER_EVENT: Readonly<Partial<Record<string, TaskStatus>>> = {
  queued: "QUEUED",
  start: "PROCESSING",
  retry: "PENDING",
  complete: "COMPLETED",
  error: "FAILED",
  skipped: "SKIPPED",
  abort: "ABORTED",
};
