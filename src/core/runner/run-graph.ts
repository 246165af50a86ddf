import type { RunEvent } from "../events";
import type { Graph } from "../graph/schema";
import type { RunStatus } from "../status";
import type { TaskContext, TaskDefinition } from "../task/define-task";
import { type ErrorInfo, toErrorInfo } from "../task/errors";
import type { TaskRegistry } from "../task/registry";
import { TaskGraphRunner } from "./runner";
import { TimerQueue } from "./timer-queue";
import type { Dispatch, Effects, RunnerOptions, TaskState } from "./types";

/** A signal `runGraph` delivers `afterMs` after the start (on its clock). */
export interface ScheduledSignal {
  name: string;
  payload?: unknown;
  afterMs?: number;
}

export interface RunGraphOptions extends Partial<Omit<RunnerOptions, "sink" | "trackDirty">> {
  /**
   * "virtual" (default): retry delays, timeouts and durable waits advance a simulated clock at once,
   * whenever no task is running. "real": they take wall-clock time (and a timeout can interrupt a
   * task that hangs).
   */
  clock?: "virtual" | "real";
  /** The clock's start in ms since the epoch (default: now). Fix it for reproducible timestamps. */
  startTime?: number;
  signals?: ScheduledSignal[];
  /** Called for each event as it is produced. */
  onEvent?(event: RunEvent): void;
  /** Aborting it cancels the run. */
  abortSignal?: AbortSignal;
}

export interface RunGraphResult {
  /** A terminal status, or the status the run was left in when nothing more could happen (a wait for a signal nobody sends). */
  status: RunStatus;
  output?: unknown;
  error?: ErrorInfo;
  events: RunEvent[];
  /** Every task row's final state (computed on first access). */
  readonly tasks: TaskState[];
}

type Due = { kind: "timer" } | { kind: "signal"; signal: ScheduledSignal };

const TERMINAL: ReadonlySet<RunStatus> = new Set(["COMPLETED", "FAILED", "ABORTED"]);

/** The TaskContext of one inline attempt; its AbortSignal is only created if the task asks for it. */
class InlineContext implements TaskContext {
  private controller: AbortController | undefined = undefined;
  private abortReason: string | undefined = undefined;
  lastProgress = 0;

  constructor(
    private readonly driver: Driver,
    readonly dispatch: Dispatch,
  ) {}

  // Read through to the dispatch: one small object per attempt.
  get runId(): string {
    return this.driver.runId;
  }
  get taskId(): string {
    return this.dispatch.taskId;
  }
  get path(): string {
    return this.dispatch.path;
  }
  get attempt(): number {
    return this.dispatch.attempt;
  }
  get config(): Record<string, unknown> {
    return this.dispatch.config;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortReason !== undefined) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  abort(reason: string): void {
    if (this.abortReason !== undefined) return;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }

  progress(percent: number, message?: string): void {
    this.lastProgress = percent;
    this.driver.progress(this, percent, message);
  }

  log(message: string): void {
    this.driver.progress(this, this.lastProgress, message);
  }
}

/** Feeds the runner's effects back into it in one process: the loop every inline executor needs. */
class Driver {
  readonly runId: string;
  readonly runner: TaskGraphRunner;
  /** The runner appends events and dispatches here directly (its sink). */
  readonly events: RunEvent[] = [];
  private readonly work: Dispatch[] = [];
  private workHead = 0;
  /** Events already handed to onEvent. */
  private notified = 0;
  private readonly timers = new TimerQueue<Due>();
  /** Async attempts running, by task key. */
  private readonly running = new Map<string, InlineContext>();
  /** Attempts aborted before they ran ("key\u0000attempt"). */
  private readonly aborted = new Set<string>();
  private clock: number;
  /** The last task type run and its run(): graphs repeat a few types many times. */
  private lastType = "";
  private lastRun: TaskDefinition["run"] = undefined;
  private wake: (() => void) | undefined = undefined;

  constructor(
    graph: Graph,
    private readonly registry: TaskRegistry,
    private readonly options: RunGraphOptions,
  ) {
    this.runId = options.runId ?? "run";
    this.runner = new TaskGraphRunner(graph, registry, { trackDirty: false, ...options, runId: this.runId, sink: { events: this.events, dispatch: this.work } });
    this.clock = options.startTime ?? Date.now();
  }

  now(): number {
    return this.options.clock === "real" ? Date.now() : this.clock;
  }

  /** Events and dispatches are already in `events` and `work` (the sink); the rest is here. */
  apply(fx: Effects): void {
    const onEvent = this.options.onEvent;
    if (onEvent) while (this.notified < this.events.length) onEvent(this.events[this.notified++]);
    for (const id of fx.clearTimers) this.timers.cancel(id);
    for (const t of fx.timers) this.timers.add(t.id, t.at, { kind: "timer" });
    for (const a of fx.aborts) {
      const ctx = this.running.get(a.key);
      if (ctx && ctx.attempt === a.attempt) {
        ctx.abort(a.reason);
        this.running.delete(a.key); // its report is stale now; do not wait for it
      } else this.aborted.add(`${a.key}\u0000${a.attempt}`);
    }
  }

  progress(ctx: InlineContext, percent: number, message?: string): void {
    const d = ctx.dispatch;
    this.apply(this.runner.taskProgress(d.key, d.attempt, percent, this.now(), message));
  }

  async run(input: Record<string, unknown>): Promise<void> {
    const start = this.now();
    // Runner timer ids start with "retry:", "timeout:" or "wait:", so these cannot collide.
    (this.options.signals ?? []).forEach((s, i) => this.timers.add(`signal#${i}`, start + (s.afterMs ?? 0), { kind: "signal", signal: s }));
    const abortSignal = this.options.abortSignal;
    const onAbort = () => {
      if (this.runner.canTransition("cancel")) this.apply(this.runner.cancel(this.now(), String(abortSignal?.reason ?? "cancelled")));
      this.wake?.();
    };
    abortSignal?.addEventListener("abort", onAbort, { once: true });
    try {
      this.apply(this.runner.start(input, start));
      if (abortSignal?.aborted) onAbort();
      for (;;) {
        this.drainWork();
        if (TERMINAL.has(this.runner.status)) return;
        if (this.running.size > 0 && this.options.clock !== "real") {
          await this.sleep(Number.POSITIVE_INFINITY);
          continue;
        }
        const next = this.timers.peek();
        if (!next) {
          if (this.running.size === 0) return; // nothing can happen any more
          await this.sleep(Number.POSITIVE_INFINITY);
          continue;
        }
        if (this.options.clock === "real") {
          const wait = next.at - Date.now();
          if (wait > 0) {
            await this.sleep(wait);
            continue;
          }
        } else if (next.at > this.clock) {
          this.clock = next.at;
        }
        this.fireDue();
      }
    } finally {
      abortSignal?.removeEventListener("abort", onAbort);
    }
  }

  private fireDue(): void {
    const now = this.now();
    for (let t = this.timers.peek(); t && t.at <= now; t = this.timers.peek()) {
      this.timers.pop();
      if (t.item.kind === "timer") this.apply(this.runner.timerFired(t.id, now));
      else this.apply(this.runner.signal(t.item.signal.name, t.item.signal.payload, now));
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timeout = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
      function done() {
        if (timeout !== undefined) clearTimeout(timeout);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }

  /** Runs every dispatched attempt; synchronous results are fed back at once, without a microtask. */
  private drainWork(): void {
    while (this.workHead < this.work.length) {
      const d = this.work[this.workHead++];
      if (this.aborted.size > 0 && this.aborted.delete(`${d.key}\u0000${d.attempt}`)) continue;
      if (TERMINAL.has(this.runner.status)) break;
      this.execute(d);
    }
    this.work.length = 0;
    this.workHead = 0;
  }

  private execute(d: Dispatch): void {
    const runner = this.runner;
    if (d.execution === "queue") this.apply(runner.taskStarted(d.key, d.attempt, this.now()));
    if (d.type !== this.lastType) {
      this.lastType = d.type;
      this.lastRun = this.registry.get(d.type)?.run;
    }
    const run = this.lastRun;
    if (!run) {
      this.apply(runner.taskFailed(d.key, d.attempt, { name: "TaskError", message: `task type ${d.type} has no run()`, permanent: true }, this.now()));
      return;
    }
    const ctx = new InlineContext(this, d);
    let result: unknown;
    try {
      result = run(d.input, ctx);
    } catch (err) {
      this.apply(runner.taskFailed(d.key, d.attempt, toErrorInfo(err), this.now()));
      return;
    }
    if (result !== null && typeof result === "object" && typeof (result as PromiseLike<unknown>).then === "function") {
      this.running.set(d.key, ctx);
      (result as PromiseLike<unknown>).then(
        (output) => this.settle(ctx, () => runner.taskCompleted(d.key, d.attempt, output, this.now())),
        (err: unknown) => this.settle(ctx, () => runner.taskFailed(d.key, d.attempt, toErrorInfo(err), this.now())),
      );
      return;
    }
    this.apply(runner.taskCompleted(d.key, d.attempt, result, this.now()));
  }

  private settle(ctx: InlineContext, report: () => Effects): void {
    if (this.running.get(ctx.dispatch.key) === ctx) this.running.delete(ctx.dispatch.key);
    this.apply(report());
    this.wake?.();
  }
}

/**
 * Runs a whole graph in this process (tests, the CLI, the benchmark): the runner's state machine
 * fed by an inline executor that runs every task's `run()` here, queue tasks included. Durable
 * waits and retry delays use a virtual clock unless `clock: "real"`.
 */
export async function runGraph(
  graph: Graph,
  input: Record<string, unknown>,
  registry: TaskRegistry,
  options: RunGraphOptions = {},
): Promise<RunGraphResult> {
  const driver = new Driver(graph, registry, options);
  await driver.run(input);
  const runner = driver.runner;
  const run = runner.runState();
  let tasks: TaskState[] | undefined;
  return {
    status: run.status,
    ...(run.output !== undefined ? { output: run.output } : {}),
    ...(run.error !== undefined ? { error: run.error } : {}),
    events: driver.events,
    get tasks() {
      tasks ??= runner.tasks();
      return tasks;
    },
  };
}
