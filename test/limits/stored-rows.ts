import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";

/** Durable Object SQLite refuses a string, BLOB or row above 2 MB; local workerd does not enforce it, so tests measure. */
export const SQLITE_MAX_ROW_BYTES = 2_000_000;

/** The RunObject's tables and their columns (src/durable/run-store.ts). */
const TABLES: Record<string, string[]> = {
  meta: ["k", "v"],
  rows: ["kind", "key", "status", "state"],
  events: ["seq", "event"],
  timers: ["id", "at"],
  blobs: ["name", "part", "data"],
};

export interface StoredRows {
  /** The largest row of each table, in UTF-8 bytes. */
  largest: Record<string, number>;
  /** How many blob parts the object holds. */
  blobParts: number;
}

/** Measures what a run's object has stored, row by row, in bytes. */
export async function storedRows(runId: string): Promise<StoredRows> {
  const stub = env.RUNS.get(env.RUNS.idFromName(runId));
  return runInDurableObject(stub, (_object: unknown, state: DurableObjectState) => {
    const largest: Record<string, number> = {};
    for (const [table, columns] of Object.entries(TABLES)) {
      const bytes = columns.map((c) => `length(CAST(${c} AS BLOB))`).join(" + ");
      largest[table] = state.storage.sql.exec<{ b: number | null }>(`SELECT MAX(${bytes}) AS b FROM ${table}`).one().b ?? 0;
    }
    const blobParts = state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM blobs`).one().n;
    return { largest, blobParts };
  });
}

/** Every row of the run's object within SQLite's row limit. */
export async function largestStoredRow(runId: string): Promise<number> {
  return Math.max(...Object.values((await storedRows(runId)).largest));
}
