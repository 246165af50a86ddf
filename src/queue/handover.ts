import type { Env } from "../env";

/*
 * Hand-over (SPEC §6 still holds). A queue worker that reports a completion may take a few of the
 * queue attempts that became ready and run them at once (RunObject.complete with `take`; the
 * object deals a group commit's ready attempts among its reporting workers), saving a trip
 * through the queue: about 25 ms on Miniflare, the whole cost of a hop on a run's critical path.
 * Such an attempt has no queue message, so the run's object watches it instead: a
 * worker running a queue attempt calls RunObject.heartbeat every half delay, and a stored timer
 * (checked every delay) posts the message of each handed-over attempt whose worker has said
 * nothing for a whole delay — it died — so its claim takes the attempt over like a redelivery.
 * After an eviction the object watches every queue attempt that was PROCESSING the same way.
 */

/** The default delay, in seconds. */
export const HANDOVER_BACKUP_S = 10;

/** The delay in seconds: the HANDOVER_BACKUP_S var when set (tests use 1), else the default. */
export function handoverBackupS(env: Env): number {
  const raw = env.HANDOVER_BACKUP_S;
  const v = Number(raw);
  return raw !== undefined && raw !== "" && Number.isInteger(v) && v >= 1 ? v : HANDOVER_BACKUP_S;
}

/** How often the worker running a queue attempt says it is alive. */
export function heartbeatMs(env: Env): number {
  return (handoverBackupS(env) * 1000) / 2;
}
