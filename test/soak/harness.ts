import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { RunEvent } from "../../src/core/events";
import { runGraph, type RunGraphResult } from "../../src/core/runner";
import { TERMINAL_RUN_STATUSES } from "../../src/core/status";
import type { RunObject } from "../../src/durable/run-object";
import type { RunView } from "../../src/durable/protocol";
import { runStub } from "../../src/queue/messages";
import { registry } from "../../src/registry";
import { call } from "../api/helpers";
import { armCrashes, type CrashCounts, disarmCrashes, LATE_REPORT } from "./fault-hooks";
import { actionRandom, describePlan, type FaultAction, type FaultPlan, generateFaultPlan } from "./fault-plan";
import { generateGraph, type GeneratedGraph } from "./graph-gen";
import { checkRun, type Violation } from "./invariants";
import { deriveSeed, Random } from "./random";
import "./soak-tasks";

/**
 * The seeded soak (issue 9): many random graphs run at once on the real Worker — API, RunObject,
 * queue consumer — while faults are injected, and each finished run is checked against the
 * reference evaluation (`runGraph`) of the same graph (invariants.ts). Run `i` of seed `S` is
 * generated from `deriveSeed(S, i)` alone, so `--seed S --run i` regenerates the same graph and
 * the same fault plan (interleavings still depend on timing).
 */

export interface SoakOptions {
  seed: number;
  /** Runs to do (with `minutes`: at most this many; 0 = unbounded). */
  runs: number;
  /** Keep starting runs until this much time has passed. */
  minutes?: number;
  /** Runs in flight at once. */
  concurrency: number;
  /** Only this run index (to reproduce one run of a seed). */
  only?: number;
  /** How long a run may take after its last fault before it counts as stuck. */
  stuckMs?: number;
  log?: (line: string) => void;
}

export interface SoakViolation extends Violation {
  seed: number;
  run: number;
  runId: string;
}

/** Faults actually applied, by kind (a pause of an already finished run is not counted). */
export interface FaultCounts {
  duplicateMessages: number;
  lateReports: number;
  evictions: number;
  alarmsTwice: number;
  pauses: number;
  cancels: number;
  claimCrashes: number;
  lostReports: number;
  lostAcks: number;
  /** Stale deliveries and reports after the run ended (every run gets some). */
  afterEnd: number;
  /** Graph-level faults: tasks that fail before succeeding (or for good), tasks that hang until their timeout. */
  failingTasks: number;
  hangingTasks: number;
}

export interface SoakReport {
  seed: number;
  runs: number;
  tasks: number;
  events: number;
  statuses: Record<string, number>;
  faults: FaultCounts;
  violations: SoakViolation[];
  /** Divergences from the reference that are correct behaviour (a good attempt timed out by a slow delivery). */
  notes: number;
  durationMs: number;
}

const emptyFaults = (): FaultCounts => ({
  duplicateMessages: 0, lateReports: 0, evictions: 0, alarmsTwice: 0, pauses: 0, cancels: 0, claimCrashes: 0, lostReports: 0, lostAcks: 0, afterEnd: 0, failingTasks: 0, hangingTasks: 0,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const stubOf = (runId: string) => env.RUNS.get(env.RUNS.idFromName(runId));

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const started = Date.now();
  const deadline = options.minutes ? started + options.minutes * 60_000 : undefined;
  const report: SoakReport = {
    seed: options.seed,
    runs: 0,
    tasks: 0,
    events: 0,
    statuses: {},
    faults: emptyFaults(),
    violations: [],
    notes: 0,
    durationMs: 0,
  };
  const restoreConsole = quietInjectedCrashes();
  let next = options.only ?? 0;
  const more = () => {
    if (options.only !== undefined) return next === options.only;
    if (options.runs > 0 && next >= options.runs) return false;
    return deadline === undefined ? options.runs > 0 : Date.now() < deadline;
  };
  const worker = async () => {
    while (more()) {
      const index = next++;
      const result = await soakRun(options, index).catch((err: unknown): RunResult => {
        // A request the harness needed failed (an API answer it could not read): reported, and the soak goes on.
        const detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        const generated = generateGraph(new Random(deriveSeed(options.seed, index)), "");
        const violations = [{ invariant: "harness-request-failed", detail }];
        return { runId: "-", generated, status: "ERROR", events: 0, faults: emptyFaults(), violations, notes: [], line: `[soak] seed=${options.seed} run=${index} harness error: ${detail}` };
      });
      report.runs++;
      report.tasks += result.generated.info.tasks;
      report.events += result.events;
      report.statuses[result.status] = (report.statuses[result.status] ?? 0) + 1;
      for (const [k, v] of Object.entries(result.faults) as [keyof FaultCounts, number][]) report.faults[k] += v;
      for (const v of result.violations) report.violations.push({ ...v, seed: options.seed, run: index, runId: result.runId });
      report.notes += result.notes.length;
      log(result.line);
      for (const n of result.notes) log(`[soak] note seed=${options.seed} run=${index} runId=${result.runId} ${n}`);
      for (const v of result.violations) log(`[soak] VIOLATION seed=${options.seed} run=${index} runId=${result.runId} ${v.invariant}: ${v.detail}`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker)).finally(restoreConsole);
  report.durationMs = Date.now() - started;
  log(summarize(report));
  return report;
}

interface RunResult {
  runId: string;
  generated: GeneratedGraph;
  status: string;
  events: number;
  faults: FaultCounts;
  violations: Violation[];
  /** Divergences that are correct behaviour (see `checkRun`). */
  notes: string[];
  line: string;
}

/** One soak run: generate, evaluate the reference, run on the Worker with faults, wait, check. */
async function soakRun(options: SoakOptions, index: number): Promise<RunResult> {
  const runSeed = deriveSeed(options.seed, index);
  const generated = generateGraph(new Random(runSeed), `soak-${options.seed}-${index}`);
  const plan = generateFaultPlan(new Random(deriveSeed(runSeed, "faults")), runSeed);
  const faults: FaultCounts = { ...emptyFaults(), failingTasks: generated.info.kinds.flaky, hangingTasks: generated.info.kinds.hang };
  const violations: Violation[] = [];
  const notes: string[] = [];
  const started = Date.now();
  const result = (runId: string, status: string, events: number): RunResult => ({
    runId,
    generated,
    status,
    events,
    faults,
    violations,
    notes,
    line: `[soak] seed=${options.seed} run=${index} runId=${runId} ${describeGraph(generated)} faults: ${describePlan(plan)} → ${status} in ${Date.now() - started} ms, ${events} events${violations.length ? `, ${violations.length} VIOLATION(S)` : ""}`,
  });

  // The reference runs alongside, in this isolate, on the same registry.
  const reference = runGraph(generated.graph, generated.input, registry, { clock: generated.info.hangs ? "real" : "virtual", runId: `ref-${runSeed}` });

  const created = await call("/graphs", { json: generated.graph });
  if (created.status !== 201) {
    violations.push({ invariant: "generated-graph-valid", detail: `POST /graphs answered ${created.status}: ${(await created.text()).slice(0, 1000)}` });
    await reference.catch(() => undefined);
    return result("-", "INVALID", 0);
  }
  const graphId = ((await created.json()) as { id: string }).id;
  // Armed by graph id before the run exists: its first claims may come before POST /runs answers.
  const crashCounts = armCrashes(graphId, plan, generated.info.timeoutKeys);
  const startRes = await call(`/graphs/${graphId}/runs`, { json: { input: generated.input } });
  if (startRes.status !== 201) {
    disarmCrashes(graphId);
    violations.push({ invariant: "run-starts", detail: `POST /graphs/:id/runs answered ${startRes.status}: ${(await startRes.text()).slice(0, 1000)}` });
    await reference.catch(() => undefined);
    return result("-", "NOT STARTED", 0);
  }
  const runId = ((await startRes.json()) as { id: string }).id;
  const t0 = Date.now();

  let cancelled = false;
  const background: Promise<void>[] = [];
  for (const [i, action] of plan.actions.entries()) {
    const wait = t0 + action.at - Date.now();
    if (wait > 0) await sleep(wait);
    const applied = await applyFault(runId, action, actionRandom(plan, i), faults, background).catch((err: unknown) => {
      violations.push({ invariant: "fault-applies", detail: `${action.kind}@${action.at}: ${err instanceof Error ? err.message : String(err)}` });
      return false;
    });
    if (applied && action.kind === "cancel") cancelled = true;
  }
  await Promise.all(background);

  const view = await waitForEnd(runId, options.stuckMs ?? 90_000);
  if (!TERMINAL_RUN_STATUSES.has(view.status)) {
    disarmCrashes(graphId);
    const open = (view.tasks ?? []).filter((t) => !["COMPLETED", "FAILED", "SKIPPED", "ABORTED"].includes(t.status));
    violations.push({ invariant: "no-stuck-run", detail: `still ${view.status} after the wait; unfinished: ${open.map((t) => `${t.path ? `${t.path}/` : ""}${t.id}=${t.status}#${t.attempts}`).join(", ")}` });
    Object.assign(faults, crashTotals(faults, crashCounts));
    await reference.catch(() => undefined);
    return result(runId, view.status, 0);
  }

  // Stale deliveries after the end must change nothing.
  const before = await allEvents(runId);
  const rng = new Random(deriveSeed(runSeed, "after-end"));
  faults.afterEnd += await resend(runId, before, rng, 8);
  faults.afterEnd += await reportLate(runId, before, rng, 4);
  await runInDurableObject(stubOf(runId), async (o: RunObject) => {
    await o.alarm();
    await o.alarm();
  });
  await sleep(300);
  disarmCrashes(graphId);
  Object.assign(faults, crashTotals(faults, crashCounts));
  const events = await allEvents(runId);
  const finalView = (await (await call(`/runs/${runId}`)).json()) as RunView;
  if (events.length !== before.length) violations.push({ invariant: "nothing-after-end", detail: `${events.length - before.length} event(s) appended after the terminal event: ${events.slice(before.length).map((e) => `${e.kind} ${e.type} ${"taskId" in e ? e.taskId : ""}`).join("; ")}` });
  if (finalView.status !== view.status) violations.push({ invariant: "nothing-after-end", detail: `the run went from ${view.status} to ${finalView.status}` });

  let ref: RunGraphResult;
  try {
    ref = await withTimeout(reference, 60_000, "the reference evaluation did not finish in 60 s");
  } catch (err) {
    violations.push({ invariant: "reference-finishes", detail: err instanceof Error ? err.message : String(err) });
    return result(runId, finalView.status, events.length);
  }
  violations.push(...checkRun({ graph: generated.graph, events, view: finalView, reference: { status: ref.status, output: ref.output, events: ref.events, tasks: ref.tasks }, cancelled }, (n) => notes.push(n)));
  return result(runId, finalView.status, events.length);
}

/** Applies one timed fault; false when it did not apply (a pause of a finished run). */
async function applyFault(runId: string, action: FaultAction, rng: Random, faults: FaultCounts, background: Promise<void>[]): Promise<boolean> {
  switch (action.kind) {
    case "duplicate": {
      const n = await resend(runId, await allEvents(runId), rng, action.messages);
      faults.duplicateMessages += n;
      return n > 0;
    }
    case "lateReport": {
      const n = await reportLate(runId, await allEvents(runId), rng, action.reports);
      faults.lateReports += n;
      return n > 0;
    }
    case "evict": {
      // Throws when the object is not running at that instant: nothing to evict.
      const ok = await evictDurableObject(stubOf(runId)).then(() => true, () => false);
      if (ok) faults.evictions++;
      return ok;
    }
    case "alarmTwice":
      await runInDurableObject(stubOf(runId), async (o: RunObject) => {
        await o.alarm();
        await o.alarm();
      });
      faults.alarmsTwice++;
      return true;
    case "pause": {
      const res = await call(`/runs/${runId}/pause`, { method: "POST" });
      if (res.status === 409) return false;
      if (res.status !== 200) throw new Error(`pause answered ${res.status}: ${await res.text()}`);
      faults.pauses++;
      background.push(
        sleep(action.resumeAfter).then(async () => {
          const r = await call(`/runs/${runId}/resume`, { method: "POST" });
          // 409: cancelled (or finished) while paused.
          if (r.status !== 200 && r.status !== 409) throw new Error(`resume answered ${r.status}: ${await r.text()}`);
        }),
      );
      return true;
    }
    case "cancel": {
      const res = await call(`/runs/${runId}/cancel`, { method: "POST" });
      if (res.status === 409) return false;
      if (res.status !== 200) throw new Error(`cancel answered ${res.status}: ${await res.text()}`);
      faults.cancels++;
      return true;
    }
  }
}

/**
 * The queue consumer logs every delivery that failed, with the error; for the crashes the soak
 * injects on purpose (hundreds per run of the harness) those lines are dropped, so what remains
 * in the output is what nobody planned.
 */
function quietInjectedCrashes(): () => void {
  const original = console.error;
  const injected = (a: unknown) => a instanceof Error && (a.name === "InjectedCrash" || a.message.startsWith("injected crash"));
  console.error = (...args: unknown[]) => {
    if (!args.some(injected)) original(...args);
  };
  return () => {
    console.error = original;
  };
}

/** Every queue attempt the log shows, as `[key, attempt]`. */
function queueAttempts(events: readonly RunEvent[]): [string, number][] {
  const out: [string, number][] = [];
  for (const e of events) if (e.kind === "task" && e.type === "queued") out.push([e.path ? `${e.path}/${e.taskId}` : e.taskId, e.data?.attempt as number]);
  return out;
}

/**
 * Re-sends up to `n` queue messages, out of order: attempts the log shows (duplicates of live
 * ones, stale ones), their predecessors and successors (stale, or not yet existing).
 */
async function resend(runId: string, events: readonly RunEvent[], rng: Random, n: number): Promise<number> {
  const seen = queueAttempts(events);
  if (seen.length === 0) return 0;
  const messages = Array.from({ length: n }, () => {
    const [key, attempt] = rng.pick(seen);
    return { body: { runId, key, attempt: Math.max(0, attempt + rng.pick([0, 0, -1, 1])) } };
  });
  await env.TASK_QUEUE.sendBatch(rng.shuffle(messages));
  return messages.length;
}

/**
 * Reports attempts that already ended, as a worker that lost track of time would: `complete` or
 * `fail` RPCs straight to the object for attempts the log shows as over (a later `retry`, or the
 * task finished), and for attempt numbers that never exist (0, 99).
 */
async function reportLate(runId: string, events: readonly RunEvent[], rng: Random, n: number): Promise<number> {
  const over: [string, number][] = [];
  const maxAttempt = new Map<string, number>();
  for (const e of events) {
    if (e.kind !== "task") continue;
    const key = e.path ? `${e.path}/${e.taskId}` : e.taskId;
    const attempt = e.data?.attempt as number | undefined;
    if ((e.type === "start" || e.type === "queued") && attempt) maxAttempt.set(key, Math.max(maxAttempt.get(key) ?? 0, attempt));
    if (e.type === "retry" && attempt) over.push([key, attempt]);
    if (e.type === "complete" || e.type === "error" || e.type === "skipped" || e.type === "abort") {
      for (let a = 1; a <= (maxAttempt.get(key) ?? 0); a++) over.push([key, a]);
      over.push([key, 0], [key, 99]);
    }
  }
  if (over.length === 0) return 0;
  const stub = runStub(env, runId);
  for (let i = 0; i < n; i++) {
    const [key, attempt] = rng.pick(over);
    if (rng.chance(0.5)) await stub.complete(key, attempt, { value: "late", lateReport: LATE_REPORT });
    else await stub.fail(key, attempt, { name: LATE_REPORT, message: "a report for an attempt that is over" });
  }
  return n;
}

async function allEvents(runId: string): Promise<RunEvent[]> {
  const out: RunEvent[] = [];
  for (;;) {
    const res = await call(`/runs/${runId}/events?after=${out.length}&limit=10000`);
    if (res.status !== 200) throw new Error(`GET events answered ${res.status}: ${await res.text()}`);
    const page = ((await res.json()) as { events: RunEvent[] }).events;
    out.push(...page);
    if (page.length < 10_000) return out;
  }
}

/** Polls until the run is terminal or `ms` pass; answers the run as last seen. */
async function waitForEnd(runId: string, ms: number): Promise<RunView> {
  const deadline = Date.now() + ms;
  for (;;) {
    const res = await call(`/runs/${runId}`);
    const view = (await res.json()) as RunView;
    if (res.status === 200 && (TERMINAL_RUN_STATUSES.has(view.status) || Date.now() > deadline)) return view;
    await sleep(100);
  }
}

function crashTotals(faults: FaultCounts, c: CrashCounts): Partial<FaultCounts> {
  return { claimCrashes: faults.claimCrashes + c.claim, lostReports: faults.lostReports + c.reportLost, lostAcks: faults.lostAcks + c.ackLost };
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]).finally(() => {
    if (timer !== undefined) clearTimeout(timer);
  });
}

function describeGraph(g: GeneratedGraph): string {
  const k = g.info.kinds;
  return `graph(${g.info.tasks} tasks: ${k.inline + k.async} inline, ${k.queue} queue, ${k.flaky} flaky, ${k.hang} hang, ${k.delay} delay, ${k.condition} condition, ${k.subgraph} subgraph; ${g.info.errorRoutes} [error] routes, ${g.info.doomed} doomed)`;
}

export function summarize(r: SoakReport): string {
  const f = r.faults;
  return [
    `[soak] seed=${r.seed}: ${r.runs} runs, ${r.tasks} tasks, ${r.events} events in ${(r.durationMs / 1000).toFixed(1)} s`,
    `[soak] outcomes: ${Object.entries(r.statuses).map(([s, n]) => `${s} ${n}`).join(", ")}`,
    `[soak] faults injected: ${f.duplicateMessages} duplicate/out-of-order messages, ${f.lateReports} late reports, ${f.evictions} evictions, ${f.alarmsTwice} double alarms, ${f.pauses} pauses (+resume), ${f.cancels} cancels, ` +
      `${f.claimCrashes} claim crashes, ${f.lostReports} lost reports, ${f.lostAcks} lost acks, ${f.afterEnd} stale deliveries after the end; ` +
      `graphs held ${f.failingTasks} failing and ${f.hangingTasks} hanging tasks`,
    `[soak] violations: ${r.violations.length}; notes (correct divergences from the reference): ${r.notes}`,
  ].join("\n");
}
