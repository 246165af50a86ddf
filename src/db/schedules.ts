import { and, asc, desc, eq, isNull, lt, lte, or, type SQL } from "drizzle-orm";
import type { ErrorInfo } from "../core/events";
import type { Db } from "./client";
import { type Page, decodeCreatedCursor, encodeCreatedCursor } from "./cursor";
import { schedules } from "./schema";

export interface ScheduleRecord {
  id: string;
  graphId: string;
  cron: string;
  timezone: string;
  input: Record<string, unknown>;
  enabled: boolean;
  nextFireAt: number | null;
  lastFireAt: number | null;
  lastRunId: string | null;
  lastError: ErrorInfo | null;
  createdAt: number;
  updatedAt: number;
}

type Row = typeof schedules.$inferSelect;

function toRecord(row: Row): ScheduleRecord {
  return {
    ...row,
    input: JSON.parse(row.input) as Record<string, unknown>,
    lastError: row.lastError === null ? null : (JSON.parse(row.lastError) as ErrorInfo),
  };
}

function toRow(record: ScheduleRecord): Row {
  return { ...record, input: JSON.stringify(record.input), lastError: record.lastError === null ? null : JSON.stringify(record.lastError) };
}

export async function insertSchedule(db: Db, record: ScheduleRecord): Promise<void> {
  await db.insert(schedules).values(toRow(record)).run();
}

export async function getSchedule(db: Db, id: string): Promise<ScheduleRecord | null> {
  const row = await db.select().from(schedules).where(eq(schedules.id, id)).get();
  return row ? toRecord(row) : null;
}

/** A graph's schedules, newest first. */
export async function listSchedules(db: Db, graphId: string, options: { limit: number; cursor?: string }): Promise<Page<ScheduleRecord>> {
  const conditions: (SQL | undefined)[] = [eq(schedules.graphId, graphId)];
  if (options.cursor !== undefined) {
    const after = decodeCreatedCursor(options.cursor);
    conditions.push(or(lt(schedules.createdAt, after.createdAt), and(eq(schedules.createdAt, after.createdAt), lt(schedules.id, after.id))));
  }
  const rows = await db
    .select()
    .from(schedules)
    .where(and(...conditions))
    .orderBy(desc(schedules.createdAt), desc(schedules.id))
    .limit(options.limit + 1);
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return { items: page.map(toRecord), nextCursor: rows.length > options.limit && last ? encodeCreatedCursor(last) : null };
}

/**
 * Replaces the editable fields (cron, input, enabled, next fire) of a schedule, only if it is
 * still as `seen` (its next fire and last update): a fire claimed meanwhile must not be put back.
 * False when it changed or is gone.
 */
export async function updateSchedule(
  db: Db,
  id: string,
  seen: { nextFireAt: number | null; updatedAt: number },
  fields: { cron: string; input: Record<string, unknown>; enabled: boolean; nextFireAt: number | null },
  now: number,
): Promise<boolean> {
  const updated = await db
    .update(schedules)
    .set({ ...fields, input: JSON.stringify(fields.input), updatedAt: now })
    .where(
      and(
        eq(schedules.id, id),
        eq(schedules.updatedAt, seen.updatedAt),
        seen.nextFireAt === null ? isNull(schedules.nextFireAt) : eq(schedules.nextFireAt, seen.nextFireAt),
      ),
    )
    .returning({ id: schedules.id });
  return updated.length === 1;
}

export async function deleteSchedule(db: Db, id: string): Promise<boolean> {
  const deleted = await db.delete(schedules).where(eq(schedules.id, id)).returning({ id: schedules.id });
  return deleted.length === 1;
}

/** Enabled schedules due at `now`, earliest first (served by the partial index on next_fire_at). */
export async function dueSchedules(db: Db, now: number, limit: number): Promise<ScheduleRecord[]> {
  const rows = await db
    .select()
    .from(schedules)
    .where(and(eq(schedules.enabled, true), lte(schedules.nextFireAt, now)))
    .orderBy(asc(schedules.nextFireAt))
    .limit(limit);
  return rows.map(toRecord);
}

/**
 * Claims the fire at `due`: moves `next_fire_at` from `due` to `next` (NULL disables the
 * schedule: it will not fire again) only if it still is `due`. Of any number of concurrent
 * claims of one fire, exactly one sees true.
 */
export async function claimScheduleFire(db: Db, id: string, due: number, next: number | null, now: number): Promise<boolean> {
  const claimed = await db
    .update(schedules)
    .set({ nextFireAt: next, lastFireAt: due, updatedAt: now, ...(next === null ? { enabled: false } : {}) })
    .where(and(eq(schedules.id, id), eq(schedules.enabled, true), eq(schedules.nextFireAt, due)))
    .returning({ id: schedules.id });
  return claimed.length === 1;
}

/** Records what a claimed fire did: the run it started, or why it could not. */
export async function recordScheduleFire(db: Db, id: string, outcome: { runId: string } | { error: ErrorInfo }, now: number): Promise<void> {
  await db
    .update(schedules)
    .set("runId" in outcome ? { lastRunId: outcome.runId, lastError: null, updatedAt: now } : { lastError: JSON.stringify(outcome.error), updatedAt: now })
    .where(eq(schedules.id, id))
    .run();
}
