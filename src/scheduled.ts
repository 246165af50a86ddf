import { lt } from "drizzle-orm";
import { HttpProblem } from "./api/problem";
import { startRun } from "./api/start-run";
import type { ApiDeps } from "./api/types";
import { CronError, nextFireAfter, parseCron } from "./core/cron";
import type { ErrorInfo } from "./core/events";
import { DEFAULT_LIMITS } from "./core/limits";
import { createDb, type Db } from "./db/client";
import { bodyHash } from "./db/idempotency";
import { purgeRateLimitWindows } from "./db/rate-limits";
import { type ScheduleRecord, claimScheduleFire, dueSchedules, recordScheduleFire } from "./db/schedules";
import { idempotencyKeys } from "./db/schema";
import type { Env } from "./env";
import { registry } from "./registry";

/*
 * The Worker's `scheduled` handler (wrangler.toml: a cron trigger every minute). It starts the
 * runs of due schedules, each fire at most once even when two invocations overlap (a slow one
 * and the next minute's, or a retried one): an invocation starts a fire only if its conditional
 * UPDATE moved that schedule's `next_fire_at` from the due time to the next one. The run is
 * started with the idempotency key "<scheduleId>:<fire time>" too, so even a fire claimed twice
 * (which the claim rules out) could not start two runs.
 *
 * Missed fires (the Worker was not invoked for a while) collapse into one: the next fire is
 * computed from now, not from the missed time. A fire whose run cannot start is recorded on the
 * schedule (`lastError`) and not retried; a schedule whose graph was deleted is disabled.
 */

/** Schedules handled per batch, and batches per invocation (bounds one invocation's work). */
const BATCH = 50;
const MAX_BATCHES = 20;
/** Runs started at once within a batch. */
const PARALLEL = 10;
/** Rate-limit counters are kept this long after their window ended. */
const RATE_LIMIT_RETENTION_MS = 60 * 60 * 1000;

export interface ScheduledReport {
  /** Fires this invocation claimed and started (or tried to). */
  fired: number;
  /** Due fires another invocation claimed first. */
  lost: number;
}

export async function runDueSchedules(env: Env, now: number, deps: ApiDeps = { registry, limits: DEFAULT_LIMITS }): Promise<ScheduledReport> {
  const db = createDb(env.DB);
  const report: ScheduledReport = { fired: 0, lost: 0 };
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const due = await dueSchedules(db, now, BATCH);
    for (let i = 0; i < due.length; i += PARALLEL) {
      const outcomes = await Promise.all(due.slice(i, i + PARALLEL).map((s) => fire(env, db, deps, s, now)));
      for (const claimed of outcomes) claimed ? report.fired++ : report.lost++;
    }
    if (due.length < BATCH) break;
  }
  return report;
}

/** Claims and starts one due fire; false when another invocation claimed it first. */
async function fire(env: Env, db: Db, deps: ApiDeps, schedule: ScheduleRecord, now: number): Promise<boolean> {
  const due = schedule.nextFireAt;
  if (due === null) return false;
  let next: number | null;
  try {
    next = nextFireAfter(parseCron(schedule.cron), now);
  } catch (err) {
    // Stored crons were valid when written; a parser change could still refuse one. Stop it, say why.
    if (!(err instanceof CronError)) throw err;
    next = null;
  }
  if (!(await claimScheduleFire(db, schedule.id, due, next, now))) return false;
  try {
    const { run } = await startRun(env, deps, {
      graphId: schedule.graphId,
      input: schedule.input,
      trigger: "schedule",
      idempotency: { scope: "schedule", key: `${schedule.id}:${due}`, bodyHash: await bodyHash(JSON.stringify(schedule.input)) },
    });
    await recordScheduleFire(db, schedule.id, { runId: run.id }, now);
  } catch (err) {
    const error: ErrorInfo = err instanceof HttpProblem ? { name: "ScheduleFireError", message: err.detail, code: err.kind } : { name: "ScheduleFireError", message: "the run could not be started" };
    if (!(err instanceof HttpProblem)) console.error(`[weft] schedule ${schedule.id} fire at ${new Date(due).toISOString()} failed:`, err);
    await recordScheduleFire(db, schedule.id, { error }, now).catch(() => {});
    // The graph is gone: fires would fail forever. Disable (unless someone changed it meanwhile).
    if (err instanceof HttpProblem && err.kind === "not-found" && next !== null) await claimScheduleFire(db, schedule.id, next, null, now).catch(() => {});
  }
  return true;
}

/** Deletes what has outlived its use: expired idempotency keys and old rate-limit counters. */
export async function housekeeping(env: Env, now: number): Promise<void> {
  const db = createDb(env.DB);
  await Promise.all([db.delete(idempotencyKeys).where(lt(idempotencyKeys.expiresAt, now)).run(), purgeRateLimitWindows(db, now - RATE_LIMIT_RETENTION_MS)]);
}

/** `scheduled` of the Worker: due schedules first, then housekeeping; a failure of one does not skip the other. */
export async function handleScheduled(controller: ScheduledController, env: Env): Promise<void> {
  const now = controller.scheduledTime;
  const results = await Promise.allSettled([runDueSchedules(env, now), housekeeping(env, now)]);
  for (const r of results) if (r.status === "rejected") console.error("[weft] scheduled handler:", r.reason);
  if (results[0].status === "rejected") throw results[0].reason;
}
