/** What `weft` exits with, so scripts and CI can branch on it. */
export const EXIT = {
  /** Done; for `run --follow`, the run COMPLETED. */
  ok: 0,
  /** The run FAILED or was ABORTED, or the graph is invalid. */
  failed: 1,
  /** Bad command line: unknown command or option, missing argument, unreadable file. */
  usage: 2,
  /** The API answered with an error, or could not be reached. */
  api: 3,
} as const;

/** A mistake on the command line; `weft` prints it with the command's usage and exits 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** A failure with its own exit code and message (an invalid graph, a failed run). */
export class CliFailure extends Error {
  override readonly name = "CliFailure";
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}
