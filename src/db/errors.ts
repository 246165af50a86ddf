/** The graph moved on since the version the writer started from (HTTP 412). */
export class VersionConflictError extends Error {
  override readonly name = "VersionConflictError";
  constructor(
    /** The latest version when the conflict was seen; undefined when a concurrent writer won the race. */
    readonly currentVersion?: number,
  ) {
    super(currentVersion === undefined ? "another update of this graph was saved first" : `the latest version is ${currentVersion}`);
  }
}

/**
 * True when a D1 error (possibly wrapped by drizzle in `cause`) is a UNIQUE or PRIMARY KEY
 * violation on `table`. SQLite reports both as "UNIQUE constraint failed: <table>.<column>, …".
 */
export function isUniqueViolation(err: unknown, table: string): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e.message.includes(`UNIQUE constraint failed: ${table}.`)) return true;
  }
  return false;
}
