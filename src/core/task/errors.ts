/**
 * Task errors are values with names (SPEC §4: `{ name, message, code? }`, never a stack).
 * `permanent` errors are not retried whatever the task's retry policy says.
 */
export interface ErrorInfo {
  name: string;
  message: string;
  code?: string;
  /** The earliest a retry is useful, from the failure itself (an HTTP `Retry-After`). */
  retryAfterMs?: number;
}

export class TaskError extends Error {
  readonly code?: string;
  readonly permanent: boolean;
  /** The earliest a retry is useful (e.g. a 429's `Retry-After`); the runner waits at least this long. */
  readonly retryAfterMs?: number;
  constructor(message: string, opts: { name?: string; code?: string; permanent?: boolean; retryAfterMs?: number } = {}) {
    super(message);
    this.name = opts.name ?? "TaskError";
    this.code = opts.code;
    this.permanent = opts.permanent ?? false;
    if (opts.retryAfterMs !== undefined) this.retryAfterMs = opts.retryAfterMs;
  }
}

/** The assembled input fails the task's input schema at dispatch. Not retried (SPEC §8). */
export class TaskInvalidInputError extends TaskError {
  constructor(message: string) {
    super(message, { name: "TaskInvalidInputError", code: "invalid_input", permanent: true });
  }
}

/** `Assert` failed. Not retried (SPEC §8). */
export class AssertionError extends TaskError {
  constructor(message: string) {
    super(message, { name: "AssertionError", code: "assertion_failed", permanent: true });
  }
}

/** A task marks a failure as final: retrying cannot help (bad configuration, 4xx from a service…). */
export class PermanentTaskError extends TaskError {
  constructor(message: string, code?: string) {
    super(message, { name: "PermanentTaskError", code, permanent: true });
  }
}

export class TaskTimeoutError extends TaskError {
  constructor(timeoutMs: number) {
    super(`task timed out after ${timeoutMs} ms`, { name: "TaskTimeoutError", code: "timeout" });
  }
}

export class TaskAbortedError extends TaskError {
  constructor(reason: string) {
    super(reason, { name: "TaskAbortedError", code: "aborted", permanent: true });
  }
}

/**
 * An output too large to carry: values cross Workers RPC (32 MiB a call) between queue workers,
 * the run's object and the API, so a task's or a run's output is capped (Limits.maxValueBytes).
 */
export class OutputTooLargeError extends TaskError {
  constructor(what: string, bytes: number, maxBytes: number) {
    super(`${what} is ${bytes} bytes of JSON; at most ${maxBytes} bytes are allowed (pass large data by a URL or split it across tasks)`, {
      name: "OutputTooLargeError",
      code: "output_too_large",
      permanent: true,
    });
  }
}

const PERMANENT_NAMES = new Set(["TaskInvalidInputError", "AssertionError", "PermanentTaskError", "TaskAbortedError", "OutputTooLargeError"]);

/** The client-safe shape of any thrown value: name, message, code — no stack. */
export function toErrorInfo(err: unknown): ErrorInfo & { permanent?: boolean } {
  if (err instanceof TaskError) {
    return {
      name: err.name,
      message: err.message,
      ...(err.code ? { code: err.code } : {}),
      ...(err.permanent ? { permanent: true } : {}),
      ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}),
    };
  }
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { name: err.name || "Error", message: err.message, ...(typeof code === "string" ? { code } : {}) };
  }
  return { name: "Error", message: typeof err === "string" ? err : JSON.stringify(err) ?? String(err) };
}

/** Whether a (serialised) error may be retried under the task's policy. */
export function isRetryable(err: ErrorInfo & { permanent?: boolean }): boolean {
  return !err.permanent && !PERMANENT_NAMES.has(err.name);
}
