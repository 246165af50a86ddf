import { DurableObject } from "cloudflare:workers";
import type { RunEvent } from "../core/events";
import type { Graph } from "../core/graph/schema";
import { DEFAULT_LIMITS } from "../core/limits";
import { type ControlAction, type Dispatch, type Effects, type FailureInfo, type RunSnapshot, type RunState, TaskGraphRunner } from "../core/runner";
import { TERMINAL_RUN_STATUSES } from "../core/status";
import type { TaskContext } from "../core/task/define-task";
import { toErrorInfo } from "../core/task/errors";
import { createDb } from "../db/client";
import { updateRunIndex } from "../db/runs";
import type { Env } from "../env";
import { handoverBackupS } from "../queue/handover";
import { registry } from "../registry";
import { EffectsBatch } from "./effects-batch";
import type { ClaimResult, ControlResult, HandedOver, RunInit, RunStats, RunView, TaskMessage, TaskReport } from "./protocol";
import { RunSockets } from "./run-sockets";
import { RunStore, type RowKind, type StoredRow } from "./run-store";
import { runView } from "./run-view";

/**
 * Inline attempts run per turn — the ready ones and the successors synchronous ones make ready —
 * before the object persists, acts and yields to other requests.
 */
const INLINE_BATCH = 512;
/**
 * An `events` page stops at about this many characters of JSON, whatever its `limit`: RPC results
 * are limited to 32 MiB, and events carry values of up to 64 KiB inline, so 1,000 of them (a fan-out
 * of one 60 KB value) made a 60 MB page that failed. 4 Mi characters hold a 10,000-event page of
 * ordinary events (about 150–300 characters each) and stay far under the limit even as
 * two-byte strings.
 */
const EVENTS_PAGE_CHARS = 4 * 1024 * 1024;
/** Messages per `sendBatch` (the Queues limit is 100 messages and 256 KB; ours are ~100 bytes each). */
const SEND_CHUNK = 100;
/**
 * Shell timers live in the same table as the runner's, prefixed "shell:". `send` re-posts queued
 * attempts if the object died between storing a dispatch and sending it; `watchdog` wakes an
 * evicted object that had inline tasks running so it runs them again; `index` retries a failed
 * D1 run-index write.
 */
const SHELL_SEND = "shell:send";
const SHELL_WATCHDOG = "shell:watchdog";
const SHELL_INDEX = "shell:index";
/** Checks the attempts handed over to workers (src/queue/handover.ts) for workers that stopped saying they are alive. */
const SHELL_HANDOVER = "shell:handover";
const SHELL_RETRY_MS = 30_000;
/** After a restore, attempts still QUEUED are re-posted this soon (duplicates are harmless: the claim decides). */
const SHELL_RESEND_AFTER_RESTORE_MS = 5_000;
const INDEX_RETRY_MS = 10_000;

/** A reporting worker's offer (RunObject.complete with `take`) and the attempts dealt to it. */
interface HandOverTaker {
  take: number;
  got: HandedOver[];
}

const isThenable = (v: unknown): v is PromiseLike<unknown> => typeof (v as { then?: unknown } | null)?.then === "function";

/**
 * One run of one graph version (ARCHITECTURE.md, "The Durable Object is a shell"). Every fact —
 * a start, a claim, a completion, a timer, a control action — goes through the pure
 * TaskGraphRunner; its effects are persisted in one SQLite transaction (dirty rows, new events,
 * timers) and only then acted on: queue sends, the alarm, inline task execution, the D1 run index.
 */
export class RunObject extends DurableObject<Env> {
  private readonly store: RunStore;
  private readonly sockets: RunSockets;
  private init: RunInit | undefined;
  private runner: TaskGraphRunner | undefined;
  private batch = new EffectsBatch();
  private flushQueued = false;
  private flushLaterTimer: ReturnType<typeof setTimeout> | undefined;
  /** The pending group commit of queue workers' reports (see `groupFlush`), and the reporting workers offering to take work. */
  private groupCommit: Promise<void> | undefined;
  private takers: HandOverTaker[] = [];
  /** Inline attempts waiting to run, and whether the pump loop is running them. */
  private ready: Dispatch[] = [];
  private pumping = false;
  /**
   * The send guard: a timer stored with the first queue dispatch an instance persists, left set
   * (clearing it after every send cost a write per wave). When it fires, queued attempts are
   * re-posted only if a send may have been lost: this instance restored a run from storage (the
   * previous one may have died between storing a dispatch and sending it) or a send failed.
   */
  private sendGuardArmed = false;
  private sendsInDoubt = false;
  /** Whether this instance has the watchdog timer set (it is set while inline attempts are outstanding). */
  private watchdogArmed = false;
  /** AbortControllers of running inline attempts, by "<key>#<attempt>". */
  private readonly running = new Map<string, AbortController>();
  /** `waitForEnd` callers. */
  private readonly waiters = new Set<() => void>();
  /** The alarm time last set (avoids a storage write per flush). */
  private alarmAt: number | null | undefined = undefined;
  /** Queue `sendBatch` calls made by this instance (reported by the benchmark). */
  queueSends = 0;
  /** Queue attempts this instance handed over to reporting workers. */
  handovers = 0;
  /**
   * Queue attempts without a message of their own — handed over to a reporting worker, or
   * PROCESSING when this instance restored the run — by "<key>#<attempt>", with their worker's
   * last sign of life (the hand-over, the claim, a heartbeat). See src/queue/handover.ts.
   */
  private readonly handedOver = new Map<string, { key: string; attempt: number; alive: number }>();
  /** Whether the SHELL_HANDOVER timer is set (it is while handedOver is not empty). */
  private handoverArmed = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new RunStore(ctx.storage.sql);
    this.sockets = new RunSockets(ctx, this.store, () => !!this.runner && TERMINAL_RUN_STATUSES.has(this.runner.status));
    void ctx.blockConcurrencyWhile(async () => {
      this.store.migrate();
      this.restore();
    });
  }

  // ———————————————————————————————————————— RPC: lifecycle ————————————————————————————————————————

  /** Starts the run; idempotent (a second call answers the run as it is). */
  async start(init: RunInit): Promise<RunView> {
    if (this.init) return this.view();
    const { graph, ...meta } = init;
    const runner = new TaskGraphRunner(graph, registry, this.runnerOptions(init));
    this.init = { ...meta, graph };
    this.runner = runner;
    this.batch.add(runner.start(init.input, Date.now()));
    // The snapshot written below holds every row, so the start's dirty rows need no second write.
    this.batch.dirtyTasks.clear();
    this.batch.dirtyDataflows.clear();
    this.batch.dirtyRun = false;
    // The first transaction also stores the run's init, its graph and every row (a restore needs them all).
    await this.flush(() => {
      this.store.setMeta("init", meta);
      this.store.putBlob("graph", JSON.stringify(graph));
      this.persistSnapshot(runner.snapshot());
    });
    return this.view();
  }

  /** The run as `GET /runs/:id` shows it; null when this object holds no run. */
  async view(withTasks = true): Promise<RunView> {
    const init = this.requireInit();
    await this.stored();
    return runView(init, this.runner, withTasks);
  }

  async exists(): Promise<boolean> {
    return this.init !== undefined;
  }

  /** The event log after `after`: at most `limit` events, fewer when they are large (EVENTS_PAGE_CHARS). */
  async events(after: number, limit: number): Promise<RunEvent[]> {
    this.requireInit();
    return this.store.events(after, limit, EVENTS_PAGE_CHARS);
  }

  /** A value events carry by reference (`data.ref`): "run:input", "run:output", "task:<key>", "dataflow:<key>". */
  async value(ref: string): Promise<{ found: boolean; value?: unknown }> {
    const runner = this.requireRunner();
    await this.stored();
    const [kind, ...rest] = ref.split(":");
    const key = rest.join(":");
    if (kind === "run" && key === "input") return { found: true, value: runner.runState().input };
    if (kind === "run" && key === "output") return { found: runner.runState().output !== undefined, value: runner.runState().output };
    if (kind === "task") {
      const t = runner.taskState(key);
      return t && t.output !== undefined ? { found: true, value: t.output } : { found: false };
    }
    if (kind === "dataflow") {
      const d = runner.dataflowState(key);
      return d && d.status === "COMPLETED" ? { found: true, value: d.value } : { found: false };
    }
    return { found: false };
  }

  /** Resolves with the run once it is terminal, or as it is after `timeoutMs`. */
  async waitForEnd(timeoutMs: number): Promise<RunView> {
    const runner = this.requireRunner();
    if (!TERMINAL_RUN_STATUSES.has(runner.status)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        this.waiters.add(done);
      });
    }
    return this.view();
  }

  // ———————————————————————————————————————— WebSockets ————————————————————————————————————————

  /** `GET /runs/:id/ws`, forwarded by the API once it has checked the caller and the run. */
  override async fetch(request: Request): Promise<Response> {
    if (!this.init) return new Response("run not found", { status: 404 });
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") return new Response("expected a WebSocket upgrade", { status: 426 });
    const after = Number(new URL(request.url).searchParams.get("after") ?? 0);
    return this.sockets.accept(Number.isSafeInteger(after) && after >= 0 ? after : 0);
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    this.sockets.message(ws, message);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.sockets.closed(ws, code, reason);
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    console.error(`[weft] run ${this.init?.runId}: socket error`, error);
    this.sockets.closed(ws, 1011, "socket error");
  }

  /**
   * Counters since this instance started (an eviction resets them): storage write statements,
   * queue sendBatch calls, socket frames and bytes. For operators and the benchmarks.
   */
  async stats(): Promise<RunStats> {
    const runner = this.requireRunner();
    return {
      tasks: runner.tasks().length,
      events: this.store.lastSeq(),
      storageWrites: this.store.writes,
      queueSends: this.queueSends,
      handovers: this.handovers,
      sockets: this.sockets.count(),
      socketFrames: this.sockets.framesSent,
      socketBytes: this.sockets.bytesSent,
    };
  }

  // ———————————————————————————————————————— RPC: control ————————————————————————————————————————

  async control(action: Exclude<ControlAction, "start">, reason?: string): Promise<ControlResult> {
    const runner = this.requireRunner();
    if (!runner.canTransition(action)) {
      return { ok: false, status: runner.status, detail: `Cannot ${action} a run that is ${runner.status}.` };
    }
    const now = Date.now();
    const fx =
      action === "cancel" ? runner.cancel(now, reason ?? "cancelled by request")
      : action === "pause" ? runner.pause(now)
      : action === "resume" ? runner.resume(now)
      : runner.retry(now);
    this.batch.add(fx);
    await this.flush();
    return { ok: true, run: await this.view() };
  }

  /** Stores a signal; a waiting `WaitForSignal` consumes it now, else the next one that waits on `name`. */
  async signal(name: string, payload: unknown): Promise<{ ok: true; delivered: boolean } | { ok: false; status: string }> {
    const runner = this.requireRunner();
    if (TERMINAL_RUN_STATUSES.has(runner.status)) return { ok: false, status: runner.status };
    const fx = runner.signal(name, payload, Date.now());
    this.batch.add(fx);
    await this.flush();
    return { ok: true, delivered: fx.delivered };
  }

  // ———————————————————————————————————————— RPC: queue workers ————————————————————————————————————————

  /**
   * A queue worker claims attempt `(key, attempt)`: it gets the input, or learns the attempt is
   * stale (finished, superseded, cancelled) and acks the message. A redelivered message for the
   * attempt being processed is claimed again (the worker that had it may have crashed).
   */
  async claim(key: string, attempt: number): Promise<ClaimResult> {
    return this.claimNow(key, attempt);
  }

  /** Claims for the messages of one consumer batch that belong to this run: one trip, not one each. */
  async claimMany(items: { key: string; attempt: number }[]): Promise<ClaimResult[]> {
    return items.map(({ key, attempt }) => this.claimNow(key, attempt));
  }

  private claimNow(key: string, attempt: number): ClaimResult {
    const runner = this.runner;
    if (!runner) return { status: "stale" };
    const live = runner.liveAttempt(key, attempt);
    if (!live || live.execution !== "queue") return { status: "stale" };
    this.heartbeatOf(key, attempt);
    if (live.status === "QUEUED") {
      // The start is stored with the next flush, not before answering: until then the attempt is
      // QUEUED in storage, and a completion of a QUEUED attempt implies its start, so a crash in
      // between loses nothing — while a queue hop saves a transaction and its wait.
      this.batch.add(runner.taskStarted(key, attempt, Date.now()));
      this.scheduleFlushLater();
    }
    return { status: "claimed", type: live.type, taskId: live.taskId, path: live.path, input: live.input, config: live.config };
  }

  /** The worker running a queue attempt is alive (src/queue/handover.ts). Memory only, like what it updates. */
  async heartbeat(key: string, attempt: number): Promise<void> {
    this.heartbeatOf(key, attempt);
  }

  private heartbeatOf(key: string, attempt: number): void {
    const h = this.handedOver.get(`${key}#${attempt}`);
    if (h) h.alive = Date.now();
  }

  /** Progress of a queue attempt; a negative percent keeps the current value (a log line). */
  async progress(key: string, attempt: number, percent: number, message?: string): Promise<void> {
    const runner = this.runner;
    if (!runner) return;
    const p = percent >= 0 ? percent : (runner.taskState(key)?.progress ?? 0);
    this.batch.add(runner.taskProgress(key, attempt, p, Date.now(), message));
    await this.groupFlush();
  }

  /**
   * A queue attempt's output. With `take` > 0 the worker offers to run up to that many of the
   * queue attempts that become ready: when the group commit this report joins is stored, they
   * come back claimed for it to run now, without a message (src/queue/handover.ts).
   */
  async complete(key: string, attempt: number, output: unknown, take = 0): Promise<HandedOver[]> {
    return (await this.storeReports([{ key, attempt, output, take }], true))[0];
  }

  async fail(key: string, attempt: number, error: FailureInfo): Promise<void> {
    await this.storeReports([{ key, attempt, error }], false);
  }

  /**
   * The outcomes of several attempts that finished together in one consumer batch: one trip, and
   * one group commit, for all of them. Answers, per report, the attempts handed over with it.
   */
  async report(reports: TaskReport[]): Promise<HandedOver[][]> {
    return this.storeReports(reports, true);
  }

  /**
   * Records reports and returns once the group commit they join is stored, with the attempts
   * dealt to each completion's worker. With `skipWindowWhenAlone`, the group window is skipped
   * when no other attempt is running that could report with these (a chain).
   */
  private async storeReports(reports: TaskReport[], skipWindowWhenAlone: boolean): Promise<HandedOver[][]> {
    const runner = this.runner;
    if (!runner) return reports.map(() => []);
    const alone = skipWindowWhenAlone && runner.dispatchedCount <= reports.length;
    const now = Date.now();
    const takers = reports.map((r): HandOverTaker | undefined => {
      this.handedOver.delete(`${r.key}#${r.attempt}`);
      if ("error" in r) {
        this.batch.add(runner.taskFailed(r.key, r.attempt, r.error, now));
        return undefined;
      }
      this.batch.add(runner.taskCompleted(r.key, r.attempt, r.output, now));
      const taker: HandOverTaker = { take: r.take ?? 0, got: [] };
      if (taker.take > 0 && this.init) this.takers.push(taker);
      return taker;
    });
    await this.groupFlush(alone);
    return takers.map((t) => t?.got ?? []);
  }

  /**
   * Deals the queue attempts the group's reports made ready to the reporting workers that offered
   * to take some, claiming each for its taker in the same transaction (its start is stored with
   * the completions, and no claim trip follows); the rest, and all when nobody offered, go by
   * queue message. A wide wave thus runs on the workers of the wave before it, and a chain on one
   * worker, without a queue hop — at one transaction per group, not per hand-over.
   */
  private dealHandOvers(): void {
    const takers = this.takers;
    if (takers.length === 0) return;
    this.takers = [];
    const runner = this.requireRunner();
    const runId = this.requireInit().runId;
    const now = Date.now();
    let t = 0;
    for (const d of [...this.batch.dispatch]) {
      if (d.execution !== "queue" || this.handedOver.has(`${d.key}#${d.attempt}`)) continue;
      // Only fresh attempts: one re-posted for a silent worker (checkHandedOver) is PROCESSING already.
      if (runner.liveAttempt(d.key, d.attempt)?.status !== "QUEUED") continue;
      while (t < takers.length && takers[t].got.length >= takers[t].take) t++;
      if (t === takers.length) break;
      this.batch.add(runner.taskStarted(d.key, d.attempt, now));
      this.handOver(d);
      this.handovers++;
      takers[t].got.push({
        message: { runId, key: d.key, attempt: d.attempt },
        claim: { status: "claimed", type: d.type, taskId: d.taskId, path: d.path, input: d.input, config: d.config },
      });
    }
  }

  // ———————————————————————————————————————— alarm ————————————————————————————————————————

  override async alarm(): Promise<void> {
    this.alarmAt = undefined; // the alarm that fired is gone
    const runner = this.runner;
    if (!runner) return;
    const now = Date.now();
    for (const t of this.store.dueTimers(now)) {
      this.batch.timers.set(t.id, null); // fired: cleared unless a handler sets it again
      if (t.id === SHELL_SEND) {
        this.sendGuardArmed = false;
        if (this.sendsInDoubt) this.resendQueued();
      }
      else if (t.id === SHELL_INDEX) this.syncIndex();
      else if (t.id === SHELL_HANDOVER) {
        this.handoverArmed = false;
        this.checkHandedOver(now);
      }
      else if (t.id === SHELL_WATCHDOG) {
        this.watchdogArmed = false; // cleared with this flush; the commit re-arms it if work is outstanding
        this.rerunInline();
      }
      else this.batch.add(runner.timerFired(t.id, now));
    }
    await this.flush();
  }

  // ———————————————————————————————————————— the shell loop ————————————————————————————————————————

  /** Persists everything batched so far in one transaction (with `also`, when given), then acts on it. */
  private async flush(also?: () => void): Promise<void> {
    // Whichever flush stores a report deals the work it made ready (a claim's flush may come first).
    if (this.takers.length > 0) this.dealHandOvers();
    const batch = this.batch;
    if (batch.empty && !also) return this.armAlarm();
    this.batch = new EffectsBatch();
    const runner = this.requireRunner();
    this.ctx.storage.transactionSync(() => {
      also?.();
      // Every changed row — the run, tasks, dataflows — in one statement.
      const rows: StoredRow[] = [];
      if (batch.dirtyRun) rows.push(runRow(runner.runState()));
      for (const k of batch.dirtyTasks) rows.push(row("task", runner.taskState(k)));
      for (const k of batch.dirtyDataflows) rows.push(row("dataflow", runner.dataflowState(k)));
      this.store.upsert(rows);
      this.store.appendEvents(batch.events);
      if (!this.sendGuardArmed && batch.dispatch.some((d) => d.execution === "queue")) {
        batch.timers.set(SHELL_SEND, Date.now() + SHELL_RETRY_MS);
        this.sendGuardArmed = true;
      }
      this.store.clearTimers(batch.timersToClear());
      this.store.setTimers(batch.timersToSet());
    });
    await this.commit(batch);
  }

  /** Acts on a persisted batch: sockets, aborts, queue sends, inline execution, alarm, index, waiters. */
  private async commit(batch: EffectsBatch): Promise<void> {
    this.sockets.broadcast(batch.events);
    for (const a of batch.aborts) this.running.get(`${a.key}#${a.attempt}`)?.abort(a.reason);
    const queued = batch.dispatch.filter((d) => d.execution === "queue");
    const inline = batch.dispatch.filter((d) => d.execution === "inline");
    if (queued.length) {
      try {
        // Attempts handed over to the worker that reported their predecessor get no message.
        await this.send(this.handedOver.size === 0 ? queued : queued.filter((d) => !this.handedOver.has(`${d.key}#${d.attempt}`)));
      } catch (err) {
        this.sendsInDoubt = true; // the guard timer re-posts what is still QUEUED
        throw err;
      }
    }
    for (const d of inline) this.ready.push(d);
    this.updateWatchdog();
    if (this.ready.length) this.startPump();
    await this.armAlarm();
    if (batch.events.some((e) => e.kind === "graph" && e.type !== "progress")) this.syncIndex();
    if (this.runner && TERMINAL_RUN_STATUSES.has(this.runner.status)) for (const w of [...this.waiters]) w();
  }

  private async send(dispatches: Dispatch[]): Promise<void> {
    if (dispatches.length === 0) return;
    const runId = this.requireInit().runId;
    for (let i = 0; i < dispatches.length; i += SEND_CHUNK) {
      const messages = dispatches.slice(i, i + SEND_CHUNK).map((d) => ({ body: { runId, key: d.key, attempt: d.attempt } satisfies TaskMessage, contentType: "json" as const }));
      this.queueSends++;
      await this.env.TASK_QUEUE.sendBatch(messages);
    }
  }

  private async armAlarm(): Promise<void> {
    const next = this.store.nextTimerAt() ?? null;
    if (next === this.alarmAt) return;
    this.alarmAt = next;
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(next);
  }

  /**
   * Group commit for queue workers' reports: claims and completions that arrive together (a
   * consumer batch reports up to 100 at once) are persisted in one transaction instead of one
   * each. Every caller still returns only after its own facts are stored.
   */
  private groupFlush(immediately = false): Promise<void> {
    // The window is one timer turn (about 1.3 ms in workerd): skipped when nothing else could join.
    this.groupCommit ??= (immediately ? Promise.resolve() : new Promise<void>((resolve) => setTimeout(resolve, 0))).then(() => {
      this.groupCommit = undefined;
      return this.flush();
    });
    return this.groupCommit;
  }

  /**
   * Reads wait for the pending group commit: the runner's memory already holds the reports it
   * will store, and a read must answer only what storage holds (SPEC §6) — else a client could
   * see COMPLETED before the log has the `complete`, or a state an eviction then loses.
   */
  private async stored(): Promise<void> {
    while (this.groupCommit) await this.groupCommit.catch(() => {});
  }

  /** A flush after this turn's answer has gone out (setTimeout, not a microtask). */
  private scheduleFlushLater(): void {
    if (this.flushLaterTimer !== undefined) return;
    this.flushLaterTimer = setTimeout(() => {
      this.flushLaterTimer = undefined;
      this.flush().catch((err) => console.error(`[weft] run ${this.init?.runId}: flush failed`, err));
    }, 0);
  }

  private scheduleFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      this.flush().catch((err) => console.error(`[weft] run ${this.init?.runId}: flush failed`, err));
    });
  }

  // ———————————————————————————————————————— inline tasks ————————————————————————————————————————

  private startPump(): void {
    if (this.pumping) return;
    this.pumping = true;
    void this.pump().finally(() => {
      this.pumping = false;
    });
  }

  /**
   * Runs ready inline attempts in bounded turns: synchronous results are fed back at once and the
   * inline successors they make ready run in the same turn (up to INLINE_BATCH attempts), then the
   * turn is persisted in one transaction and the loop yields so requests (claims, cancels,
   * sockets) are not starved by a long run. Running successors before their dispatch is stored is
   * safe: nothing outside the object sees them until the flush, and if the object dies first, the
   * stored state still has their predecessors running, which run again.
   * (Flushing after every synchronous task instead made a 10,000-task chain take 10,000
   * transactions, alarm writes and yields: about 5 ms per task.)
   */
  private async pump(): Promise<void> {
    while (this.ready.length) {
      for (let budget = INLINE_BATCH; budget > 0 && this.ready.length; ) {
        const work = this.ready.splice(0, budget);
        budget -= work.length;
        for (const d of work) this.runInline(d);
        for (const d of this.batch.takeInline()) this.ready.push(d);
      }
      await this.flush();
      if (this.ready.length) await new Promise((r) => setTimeout(r, 0));
    }
    this.updateWatchdog();
    await this.armAlarm();
  }

  /**
   * Keeps the watchdog timer set exactly while inline attempts are outstanding (ready or running),
   * written only when that changes: moving it forward on every flush cost a timer write and an
   * alarm update per turn.
   */
  private updateWatchdog(): void {
    const outstanding = this.ready.length > 0 || this.running.size > 0;
    if (outstanding === this.watchdogArmed) return;
    this.watchdogArmed = outstanding;
    if (outstanding) this.store.setTimers([{ id: SHELL_WATCHDOG, at: Date.now() + SHELL_RETRY_MS }]);
    else this.store.clearTimers([SHELL_WATCHDOG]);
  }

  private runInline(d: Dispatch): void {
    const runner = this.requireRunner();
    const def = registry.get(d.type);
    const id = `${d.key}#${d.attempt}`;
    if (!def?.run) {
      this.batch.add(runner.taskFailed(d.key, d.attempt, { name: "TaskTypeError", message: `task type ${d.type} cannot run inline here`, permanent: true }, Date.now()));
      return;
    }
    const controller = new AbortController();
    this.running.set(id, controller);
    const ctx: TaskContext = {
      runId: runner.runState().runId,
      taskId: d.taskId,
      path: d.path,
      attempt: d.attempt,
      config: d.config,
      signal: controller.signal,
      progress: (percent, message) => this.later(runner.taskProgress(d.key, d.attempt, percent, Date.now(), message)),
      log: (message) => this.later(runner.taskProgress(d.key, d.attempt, runner.taskState(d.key)?.progress ?? 0, Date.now(), message)),
    };
    let result: unknown;
    try {
      result = def.run(d.input, ctx);
    } catch (err) {
      this.running.delete(id);
      this.batch.add(runner.taskFailed(d.key, d.attempt, toErrorInfo(err), Date.now()));
      return;
    }
    if (!isThenable(result)) {
      this.running.delete(id);
      this.batch.add(runner.taskCompleted(d.key, d.attempt, result, Date.now()));
      return;
    }
    result.then(
      (output) => {
        this.running.delete(id);
        this.later(runner.taskCompleted(d.key, d.attempt, output, Date.now()));
      },
      (err) => {
        this.running.delete(id);
        this.later(runner.taskFailed(d.key, d.attempt, toErrorInfo(err), Date.now()));
      },
    );
  }

  /** Effects produced outside a request (an async inline task ending): batched and flushed soon. */
  private later(fx: Effects): void {
    this.batch.add(fx);
    this.scheduleFlush();
  }

  // ———————————————————————————————————————— recovery ————————————————————————————————————————

  /** Loads the run from storage after a restart or eviction and re-arms what was in flight. */
  private restore(): void {
    const meta = this.store.getMeta<Omit<RunInit, "graph">>("init");
    if (!meta) return;
    const graph = JSON.parse(this.store.getBlob("graph") ?? "null") as Graph;
    const init: RunInit = { ...meta, graph };
    const snapshot: RunSnapshot = {
      version: 1,
      run: { ...this.store.all<RunState>("run")[0], input: meta.input },
      tasks: this.store.all("task"),
      dataflows: this.store.all("dataflow"),
    };
    this.init = init;
    this.runner = TaskGraphRunner.restore(graph, registry, snapshot, this.runnerOptions(init));
    // The previous instance may have died between storing a queue dispatch and sending it.
    if (this.runner.inFlight().some((a) => a.execution === "queue" && a.status === "QUEUED")) {
      this.sendsInDoubt = true;
      this.sendGuardArmed = true;
      this.store.setTimers([{ id: SHELL_SEND, at: Date.now() + SHELL_RESEND_AFTER_RESTORE_MS }]);
    }
    // Attempts handed over to workers had no message: the dead ones among them get one (checkHandedOver).
    // The check timer is stored now, not with a flush: nothing may flush before it is due.
    const running = this.runner.inFlight().filter((a) => a.execution === "queue" && a.status === "PROCESSING");
    if (running.length > 0) {
      this.handoverArmed = true;
      this.store.setTimers([{ id: SHELL_HANDOVER, at: Date.now() + handoverBackupS(this.env) * 1000 }]);
      for (const a of running) this.handOver(a);
    }
    this.rerunInline();
  }

  /** Tracks a queue attempt that has no message of its own (see handedOver); the check timer is stored with the next flush. */
  private handOver(a: { key: string; attempt: number }): void {
    this.handedOver.set(`${a.key}#${a.attempt}`, { key: a.key, attempt: a.attempt, alive: Date.now() });
    if (!this.handoverArmed && this.init) {
      this.handoverArmed = true;
      this.batch.timers.set(SHELL_HANDOVER, Date.now() + handoverBackupS(this.env) * 1000);
    }
  }

  /**
   * The SHELL_HANDOVER timer: each handed-over attempt still running whose worker has said
   * nothing for a backup delay gets a queue message now (its claim takes it over like a
   * redelivery); finished ones are forgotten; the timer is set again while any remain.
   */
  private checkHandedOver(now: number): void {
    const runner = this.requireRunner();
    const delayMs = handoverBackupS(this.env) * 1000;
    for (const [id, h] of this.handedOver) {
      const live = runner.liveAttempt(h.key, h.attempt);
      if (!live || live.execution !== "queue") this.handedOver.delete(id);
      else if (now - h.alive >= delayMs) {
        this.handedOver.delete(id);
        this.batch.dispatch.push(live);
      }
    }
    if (this.handedOver.size > 0) {
      this.handoverArmed = true;
      this.batch.timers.set(SHELL_HANDOVER, now + delayMs);
    }
  }

  /** Inline attempts that were running when the object went away run again (same attempt: results are recorded once). */
  private rerunInline(): void {
    const runner = this.runner;
    if (!runner) return;
    const queuedIds = new Set(this.ready.map((d) => `${d.key}#${d.attempt}`));
    const lost = runner.inFlight().filter((a) => a.execution === "inline" && !this.running.has(`${a.key}#${a.attempt}`) && !queuedIds.has(`${a.key}#${a.attempt}`));
    if (lost.length === 0) return;
    for (const a of lost) this.ready.push(a);
    this.startPump();
  }

  /** Re-posts every queued attempt (a duplicate message is harmless: the claim decides). */
  private resendQueued(): void {
    this.sendsInDoubt = false;
    const runner = this.requireRunner();
    const queued = runner.inFlight().filter((a) => a.execution === "queue" && a.status === "QUEUED");
    if (queued.length) this.batch.dispatch.push(...queued);
  }

  /** Writes the run's status to the D1 run index; on failure, retried by a shell timer. */
  private syncIndex(): void {
    const runner = this.runner;
    const init = this.init;
    if (!runner || !init) return;
    const run = runner.runState();
    const write = updateRunIndex(createDb(this.env.DB), init.runId, {
      status: run.status,
      startedAt: run.startedAt,
      completedAt: run.completedAt,
      output: run.output,
      error: run.error,
    }).catch((err) => {
      console.error(`[weft] run ${init.runId}: run index update failed; retrying`, err);
      this.store.setTimers([{ id: SHELL_INDEX, at: Date.now() + INDEX_RETRY_MS }]);
      return this.armAlarm();
    });
    this.ctx.waitUntil(write);
  }

  // ———————————————————————————————————————— helpers ————————————————————————————————————————

  private runnerOptions(init: RunInit) {
    return {
      runId: init.runId,
      graphId: init.graphId,
      graphVersion: init.graphVersion,
      ...(init.merge ? { merge: init.merge } : {}),
      maxInlineValueBytes: DEFAULT_LIMITS.maxInlineValueBytes,
      maxValueBytes: DEFAULT_LIMITS.maxValueBytes,
    };
  }

  private persistSnapshot(snapshot: RunSnapshot): void {
    this.store.upsert([
      runRow(snapshot.run),
      ...snapshot.tasks.map((t) => row("task", t)),
      ...snapshot.dataflows.map((d) => row("dataflow", d)),
    ]);
  }

  private requireInit(): RunInit {
    if (!this.init) throw new RunNotFoundError();
    return this.init;
  }

  private requireRunner(): TaskGraphRunner {
    this.requireInit();
    return this.runner as TaskGraphRunner;
  }
}

/** Asked about a run this object does not hold (an id nobody started). */
export class RunNotFoundError extends Error {
  override readonly name = "RunNotFoundError";
  constructor() {
    super("run not found");
  }
}

/**
 * The run row as stored: without its input, which the init meta already holds and which never
 * changes — a run started with a 1 MiB input would otherwise rewrite that megabyte on every flush.
 */
function runRow(run: RunState): StoredRow {
  const { input: _input, ...rest } = run;
  return { kind: "run", key: "run", status: run.status, state: rest };
}

function row(kind: RowKind, state: { key: string; status: string } | undefined): StoredRow {
  if (!state) throw new Error("runner reported a dirty row it does not have");
  return { kind, key: state.key, status: state.status, state };
}
