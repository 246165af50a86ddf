import type { FailureInfo } from "../../src/core/runner";
import { RunObject } from "../../src/durable/run-object";
import type { ClaimResult, HandedOver, TaskReport } from "../../src/durable/protocol";
import { type CrashRates, crashes, type FaultPlan, MAX_CRASHES_PER_ATTEMPT } from "./fault-plan";

/**
 * Consumer crashes, injected where a real one would hurt: the RunObject's `claim`, `claimMany`,
 * `complete`, `fail` and `report` RPC methods are wrapped (RPC dispatches through the class, and the vitest plugin runs the
 * object, the queue consumer and the tests in one isolate), and for the runs the soak armed they
 * throw as an unreachable object or a dying worker would. The consumer then retries the message;
 * the object must neither lose the attempt nor record it twice.
 */

/** Late reports the harness sends itself carry this marker, so the hooks let them through. */
export const LATE_REPORT = "SoakLateReport";

export type CrashPoint = keyof CrashRates;

interface Armed {
  plan: FaultPlan;
  /** Keys whose reports are never delayed by a crash (tasks with a timeout: a delay could time a good attempt out). */
  spare: ReadonlySet<string>;
  /** Deliveries seen per "point|key#attempt". */
  seen: Map<string, number>;
  /** Crashes injected per "key#attempt" (capped: a message that fails 4 times is dead-lettered). */
  injected: Map<string, number>;
  counts: Record<CrashPoint, number>;
}

const armed = new Map<string, Armed>();
let installed = false;

/** Crash counts of one run, live. */
export type CrashCounts = Record<CrashPoint, number>;

/**
 * Starts injecting `plan.crash` into the deliveries of the run of graph `graphId` (each soak run
 * has a graph of its own; armed by graph, the run's very first claims are covered too).
 */
export function armCrashes(graphId: string, plan: FaultPlan, spare: Iterable<string>): CrashCounts {
  install();
  const a: Armed = { plan, spare: new Set(spare), seen: new Map(), injected: new Map(), counts: { claim: 0, reportLost: 0, ackLost: 0 } };
  armed.set(graphId, a);
  return a.counts;
}

export function disarmCrashes(graphId: string): void {
  armed.delete(graphId);
}

/** Whether this delivery of `(key, attempt)` crashes at `point` (and counts it). */
function decide(object: RunObject, point: CrashPoint, key: string, attempt: number): boolean {
  const graphId = (object as unknown as { init?: { graphId: string } }).init?.graphId;
  const a = graphId === undefined ? undefined : armed.get(graphId);
  if (!a) return false;
  if (point !== "claim" && a.spare.has(key)) return false;
  const id = `${key}#${attempt}`;
  const seenKey = `${point}|${id}`;
  const n = a.seen.get(seenKey) ?? 0;
  a.seen.set(seenKey, n + 1);
  if ((a.injected.get(id) ?? 0) >= MAX_CRASHES_PER_ATTEMPT || !crashes(a.plan, point, key, attempt, n)) return false;
  a.injected.set(id, (a.injected.get(id) ?? 0) + 1);
  a.counts[point]++;
  return true;
}

/** A report the harness sends itself (late, or from the dead-letter consumer): never crashed. */
function isLate(r: TaskReport): boolean {
  if ("error" in r) return r.error.name === LATE_REPORT || r.error.code === "dead_letter";
  return (r.output as { lateReport?: unknown } | null)?.lateReport === LATE_REPORT;
}

class InjectedCrash extends Error {
  override readonly name = "InjectedCrash";
}

function install(): void {
  if (installed) return;
  installed = true;
  const proto = RunObject.prototype;
  const claim = proto.claim;
  const claimMany = proto.claimMany;
  const complete = proto.complete;
  const fail = proto.fail;
  const reportMany = proto.report;
  type Item = { key: string; attempt: number };
  const where = (items: Item[]) => (items.length > 1 ? ` (in a batch of ${items.length})` : "");
  // A call fails as a whole when any of its items meets a crash (for a batched call the consumer then tries each on its own).
  const claimed = async <T>(object: RunObject, items: Item[], claimAll: () => Promise<T>): Promise<T> => {
    for (const { key, attempt } of items) if (decide(object, "claim", key, attempt)) throw new InjectedCrash(`injected crash before claiming ${key}#${attempt}${where(items)}`);
    return claimAll();
  };
  // Which crash a report gets is decided once per delivery: lost before recording, or after.
  const reported = async <T>(object: RunObject, items: Item[], record: () => Promise<T>): Promise<T> => {
    for (const { key, attempt } of items) if (decide(object, "reportLost", key, attempt)) throw new InjectedCrash(`injected crash before reporting ${key}#${attempt}${where(items)}`);
    const result = await record();
    for (const { key, attempt } of items) if (decide(object, "ackLost", key, attempt)) throw new InjectedCrash(`injected crash after reporting ${key}#${attempt}${where(items)}`);
    return result;
  };
  proto.claim = async function (this: RunObject, key: string, attempt: number): Promise<ClaimResult> {
    return claimed(this, [{ key, attempt }], () => claim.call(this, key, attempt));
  };
  proto.claimMany = async function (this: RunObject, items: Item[]): Promise<ClaimResult[]> {
    return claimed(this, items, () => claimMany.call(this, items));
  };
  proto.complete = async function (this: RunObject, key: string, attempt: number, output: unknown, take?: number): Promise<HandedOver[]> {
    if (isLate({ key, attempt, output })) return complete.call(this, key, attempt, output, take);
    return reported(this, [{ key, attempt }], () => complete.call(this, key, attempt, output, take));
  };
  proto.report = async function (this: RunObject, reports: TaskReport[]): Promise<HandedOver[][]> {
    return reported(this, reports.filter((r) => !isLate(r)), () => reportMany.call(this, reports));
  };
  proto.fail = async function (this: RunObject, key: string, attempt: number, error: FailureInfo): Promise<void> {
    if (isLate({ key, attempt, error })) return fail.call(this, key, attempt, error);
    return reported(this, [{ key, attempt }], () => fail.call(this, key, attempt, error));
  };
}
