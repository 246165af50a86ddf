import { deriveSeed, Random } from "./random";

/**
 * What the soak does to one run while it executes, drawn from the run's seed. Timed actions are
 * applied from the harness at `at` ms after the run starts; what exactly a timed action targets
 * (which attempts to re-deliver or report late) is drawn from `Random(targetSeed(plan, i))`
 * against the event log at that moment. Delivery crashes are decided per delivery by a hash of
 * the plan's seed, the attempt and how many times it was delivered before (see fault-hooks.ts).
 */
export type FaultAction =
  /** Re-send queue messages `{ runId, key, attempt }` of attempts seen so far (current, old and not-yet-existing ones), shuffled. */
  | { at: number; kind: "duplicate"; messages: number }
  /** Direct `complete`/`fail` RPCs for attempts that already ended (a worker reporting very late). */
  | { at: number; kind: "lateReport"; reports: number }
  /** `evictDurableObject`: the object loses its memory; in-flight inline attempts must run again. */
  | { at: number; kind: "evict" }
  /** The object's `alarm()` called twice in a row, due or not. */
  | { at: number; kind: "alarmTwice" }
  | { at: number; kind: "pause"; resumeAfter: number }
  | { at: number; kind: "cancel" };

export type FaultKind = FaultAction["kind"];

/** Probabilities, per delivery of a queue attempt, that the consumer "crashes" at that point. */
export interface CrashRates {
  /** `claim` throws before the object sees it (the object looks unreachable). */
  claim: number;
  /** `complete`/`fail` throws before the report is recorded (the worker died after running the task). */
  reportLost: number;
  /** `complete`/`fail` records the report, then throws (the acknowledgement was lost). */
  ackLost: number;
}

export interface FaultPlan {
  seed: number;
  actions: FaultAction[];
  crash: CrashRates;
}

/** At most this many injected crashes per attempt: the queue dead-letters a message after 4 failed deliveries. */
export const MAX_CRASHES_PER_ATTEMPT = 2;

export function generateFaultPlan(rng: Random, seed: number): FaultPlan {
  const actions: FaultAction[] = [];
  // Skewed early: most runs finish within a second or two, and faults matter while they run.
  const when = (horizon = 1600) => Math.round(horizon * rng.next() ** 1.6);
  for (let i = rng.int(0, 4); i > 0; i--) actions.push({ at: when(), kind: "duplicate", messages: rng.int(1, 6) });
  for (let i = rng.int(0, 3); i > 0; i--) actions.push({ at: when(), kind: "lateReport", reports: rng.int(1, 4) });
  for (let i = rng.int(0, 3); i > 0; i--) actions.push({ at: when(), kind: "evict" });
  for (let i = rng.int(0, 2); i > 0; i--) actions.push({ at: when(), kind: "alarmTwice" });
  if (rng.chance(0.25)) actions.push({ at: when(1200), kind: "pause", resumeAfter: rng.int(20, 400) });
  if (rng.chance(0.12)) actions.push({ at: when(1500), kind: "cancel" });
  actions.sort((a, b) => a.at - b.at);
  const level = rng.weighted({ none: 3, some: 5, many: 2 });
  const crash: CrashRates =
    level === "none" ? { claim: 0, reportLost: 0, ackLost: 0 }
    : level === "some" ? { claim: 0.15, reportLost: 0.08, ackLost: 0.08 }
    : { claim: 0.4, reportLost: 0.2, ackLost: 0.2 };
  return { seed, actions, crash };
}

/** The stream a timed action draws its targets from. */
export function actionRandom(plan: FaultPlan, index: number): Random {
  return new Random(deriveSeed(plan.seed, "action", index));
}

/** Whether delivery `n` (0-based) of attempt `(key, attempt)` crashes at `point`: a pure function of the plan. */
export function crashes(plan: FaultPlan, point: keyof CrashRates, key: string, attempt: number, n: number): boolean {
  const p = plan.crash[point];
  return p > 0 && deriveSeed(plan.seed, point, key, attempt, n) / 4294967296 < p;
}

/** A one-line summary of a plan, for the report. */
export function describePlan(plan: FaultPlan): string {
  const parts = plan.actions.map((a) =>
    a.kind === "duplicate" ? `dup×${a.messages}@${a.at}`
    : a.kind === "lateReport" ? `late×${a.reports}@${a.at}`
    : a.kind === "pause" ? `pause@${a.at}+${a.resumeAfter}`
    : `${a.kind}@${a.at}`,
  );
  const c = plan.crash;
  if (c.claim || c.reportLost || c.ackLost) parts.push(`crash(claim ${c.claim}, report ${c.reportLost}, ack ${c.ackLost})`);
  return parts.join(" ") || "no faults";
}
