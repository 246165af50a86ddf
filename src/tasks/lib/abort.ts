import { TaskAbortedError } from "../../core/task/errors";

/** The text of an abort reason: the runner aborts with a string, platform timeouts with an Error. */
export function abortReason(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  if (typeof r === "string" && r.length > 0) return r;
  if (r instanceof Error && r.message) return r.message;
  return "aborted";
}

/**
 * Every task checks its signal before doing anything: an attempt the runner already gave up on
 * (cancel, a failure elsewhere, a timeout) must not produce output.
 */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new TaskAbortedError(abortReason(signal));
}
