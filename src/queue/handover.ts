import type { Env } from "../env";

/*
 * Hand-over (SPEC §6 still holds). A queue worker that reports a completion may take one queue
 * attempt that completion made ready and run it at once (RunObject.complete with `take`), saving
 * a trip through the queue: about 25 ms on Miniflare, the whole cost of a hop in a chain of
 * queue tasks. Queue delivery stays the guarantee: the handed-over attempt's message is sent all
 * the same, delayed by the backup delay, marked `backup`. While the worker runs the attempt it
 * calls RunObject.heartbeat every half delay; a backup that finds a heartbeat fresher than the
 * delay sends the next backup and is dropped (no second run), one that finds none (the worker
 * died, or the object was evicted and forgot) claims and runs the attempt like a redelivery.
 */

/** The default backup delay, in seconds. */
export const HANDOVER_BACKUP_S = 10;

/** The backup delay in seconds: the HANDOVER_BACKUP_S var when set (tests use 1), else the default. */
export function handoverBackupS(env: Env): number {
  const raw = env.HANDOVER_BACKUP_S;
  const v = Number(raw);
  return raw !== undefined && raw !== "" && Number.isInteger(v) && v >= 1 ? v : HANDOVER_BACKUP_S;
}

/** How often the worker running a handed-over attempt says it is alive. */
export function heartbeatMs(env: Env): number {
  return (handoverBackupS(env) * 1000) / 2;
}
