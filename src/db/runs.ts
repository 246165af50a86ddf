import { type SQL, and, desc, eq, lt, or } from "drizzle-orm";
import type { ErrorInfo } from "../core/events";
import type { RunStatus } from "../core/status";
import type { Db } from "./client";
import { type Page, decodeCreatedCursor, encodeCreatedCursor } from "./cursor";
import { runs } from "./schema";

/** One row of the run index as `GET /runs` lists it. */
export interface RunIndexEntry {
  id: string;
  graphId: string;
  graphVersion: number;
  status: RunStatus;
  trigger: string;
  createdAt: number;
  startedAt: number | null;
  completedAt: number | null;
  output: unknown;
  error: ErrorInfo | null;
}

/** The run output is summarised in the index when its JSON is larger than this. */
const OUTPUT_SUMMARY_CHARS = 4096;

export function summariseOutput(output: unknown): string | null {
  if (output === undefined) return null;
  const json = JSON.stringify(output);
  if (json === undefined) return null;
  return json.length <= OUTPUT_SUMMARY_CHARS ? json : JSON.stringify({ truncated: true, size: json.length });
}

export async function insertRunIndex(db: Db, row: { id: string; graphId: string; graphVersion: number; trigger: string; createdAt: number }): Promise<void> {
  await db.insert(runs).values({ ...row, status: "PENDING", updatedAt: row.createdAt });
}

/** Written by the RunObject on start and on every run status change; last writer is the object, so plain overwrite. */
export async function updateRunIndex(
  db: Db,
  id: string,
  fields: { status: RunStatus; startedAt?: number; completedAt?: number; output?: unknown; error?: ErrorInfo },
  now = Date.now(),
): Promise<void> {
  await db
    .update(runs)
    .set({
      status: fields.status,
      startedAt: fields.startedAt ?? null,
      completedAt: fields.completedAt ?? null,
      outputSummary: summariseOutput(fields.output),
      error: fields.error ? JSON.stringify(fields.error) : null,
      updatedAt: now,
    })
    .where(eq(runs.id, id));
}

export async function getRunIndex(db: Db, id: string): Promise<RunIndexEntry | null> {
  const row = await db.select().from(runs).where(eq(runs.id, id)).get();
  return row ? entry(row) : null;
}

/** Newest first, optionally filtered by graph and status, keyset-paginated. */
export async function listRuns(db: Db, options: { limit: number; cursor?: string; graphId?: string; status?: string }): Promise<Page<RunIndexEntry>> {
  const conditions: (SQL | undefined)[] = [];
  if (options.graphId !== undefined) conditions.push(eq(runs.graphId, options.graphId));
  if (options.status !== undefined) conditions.push(eq(runs.status, options.status));
  if (options.cursor !== undefined) {
    const after = decodeCreatedCursor(options.cursor);
    conditions.push(or(lt(runs.createdAt, after.createdAt), and(eq(runs.createdAt, after.createdAt), lt(runs.id, after.id))));
  }
  const rows = await db
    .select()
    .from(runs)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(runs.createdAt), desc(runs.id))
    .limit(options.limit + 1);
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return { items: page.map(entry), nextCursor: rows.length > options.limit && last ? encodeCreatedCursor(last) : null };
}

function entry(row: typeof runs.$inferSelect): RunIndexEntry {
  return {
    id: row.id,
    graphId: row.graphId,
    graphVersion: row.graphVersion,
    status: row.status as RunStatus,
    trigger: row.trigger,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    completedAt: row.completedAt,
    output: row.outputSummary === null ? null : JSON.parse(row.outputSummary),
    error: row.error === null ? null : (JSON.parse(row.error) as ErrorInfo),
  };
}
