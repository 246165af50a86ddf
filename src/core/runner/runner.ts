import type { Graph, MergeStrategy } from "../graph/schema";
import type { DataflowStatus, RunStatus, TaskStatus } from "../status";
import type { Iteration, WaitOutcome, WaitRequest } from "../task/define-task";
import { type ErrorInfo, isRetryable, OutputTooLargeError, TaskError, toErrorInfo } from "../task/errors";
import type { TaskRegistry } from "../task/registry";
import { baseDelay, jitter, nextRandom, retryAfterFloor, seedFrom } from "./backoff";
import { type CompiledGraph, type CompiledTask, compileGraph, edgeIndexOf, FROM_ERROR, FROM_WHOLE, type Instance, instantiate } from "./compile";
import { attemptData, EffectsBuilder, emptyEffects } from "./effects";
import { RunTransitionError, SnapshotMismatchError } from "./errors";
import { assembleInput, checkInput } from "./input";
import { type LeafResult, mergeLeaves, mergeReplicas } from "./merge";
import { checkPlan, enclosingIteration, type MapRun, MAX_ITERATIONS } from "./iteration";
import { expandReplicas } from "./replicate";
import { EdgeTable, TaskRow } from "./rows";
import type {
  ControlAction,
  DataflowState,
  Effects,
  FailureInfo,
  InFlightAttempt,
  RunnerOptions,
  RunSnapshot,
  RunState,
  SignalEffects,
  TaskState,
  Timer,
} from "./types";
import { sizeAbove } from "./value-size";

const RETRY = 0;
const TIMEOUT = 1;
const WAIT = 2;
const TIMER_PREFIX = ["retry:", "timeout:", "wait:"];

type EndCause = "failure" | "cancel" | "skip";

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function kindOf(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "an array" : typeof v;
}

function isTerminalTask(s: TaskStatus): boolean {
  return s === "COMPLETED" || s === "FAILED" || s === "SKIPPED" || s === "ABORTED";
}

function isTerminalRun(s: RunStatus): boolean {
  return s === "COMPLETED" || s === "FAILED" || s === "ABORTED";
}

/** The client-safe error (SPEC §4): name, message, code — nothing else from whatever was reported. */
function publicError(e: FailureInfo): ErrorInfo {
  const out: ErrorInfo = {
    name: typeof e?.name === "string" && e.name ? e.name : "Error",
    message: typeof e?.message === "string" ? e.message : String(e?.message ?? ""),
  };
  if (typeof e?.code === "string") out.code = e.code;
  return out;
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * The run state machine (ARCHITECTURE "The runner is a state machine"). It never awaits: each
 * fact — start, a task attempt's start/progress/completion/failure, a timer, a control action, a
 * signal — updates plain-data state and returns the `Effects` the shell must carry out. Same facts
 * in the same order give byte-identical events.
 *
 * Scheduling is O(V + E) over a run: every task keeps a counter of unresolved incoming dataflows;
 * a dataflow resolving decrements its target's counter and a task reaching zero joins a FIFO ready
 * queue, drained up to `maxConcurrency` in-flight attempts. GraphAsTask subgraphs are flattened into
 * the same machine under their path prefix; each graph body is a "scope" that completes when its
 * last task finishes. A Map's subgraph is a template: each iteration is a copy of it appended to
 * the compiled arrays and the rows when it starts (a scope owned by the Map, path `<map>[<i>]`),
 * at most `concurrency` unfinished at once; an iteration finishing starts the next one.
 *
 * Stale or duplicate facts (wrong attempt, finished task, finished run, unknown timer) change
 * nothing and return empty effects; control actions that do not apply throw RunTransitionError.
 */
export class TaskGraphRunner {
  private readonly g: CompiledGraph;
  private readonly run: RunState;
  /**
   * One row per compiled task at the same index — the graph's tasks, then, as the run goes on,
   * replica rows and Map iteration tasks. (A replica row's slot in `g.tasks` holds its task's
   * CompiledTask, so `g.tasks` and `rows` always have the same length.)
   */
  private readonly rows: TaskRow[] = [];
  /** Tasks and dataflows of the graph itself (rows and dataflows past these came with iterations or replicas). */
  private readonly staticTasks: number;
  private readonly staticEdges: number;
  /** Started Maps, by row index. */
  private readonly maps = new Map<number, MapRun>();
  private readonly edges: EdgeTable;
  /** Replica row key → row index (the graph's own tasks are in the compiled task index). */
  private readonly replicaIndex = new Map<string, number>();
  private readonly unfinished: number[];
  private ready: number[] = [];
  private readyHead = 0;
  private inFlightCount = 0;
  private readonly timers = new Map<string, { row: number; kind: number }>();
  private readonly waiters = new Map<string, number[]>();
  private progressSum = 0;
  private readonly skips: number[] = [];
  private skipsHead = 0;
  private readonly fx: EffectsBuilder;
  private readonly rootMerge: MergeStrategy;
  private readonly maxConcurrency: number;
  private readonly maxInline: number;
  private readonly maxValue: number;
  /** The limit an output's size is measured against once: the smaller of the two above. */
  private readonly sizeLimit: number;

  constructor(
    graph: Graph,
    registry: TaskRegistry,
    private readonly options: RunnerOptions,
  ) {
    if (typeof options?.runId !== "string" || options.runId === "") throw new TypeError("options.runId is required");
    const mc = options.maxConcurrency;
    if (mc !== undefined && !(Number.isInteger(mc) && mc > 0)) throw new RangeError("maxConcurrency must be a positive integer");
    this.maxConcurrency = mc ?? Number.POSITIVE_INFINITY;
    const mi = options.maxInlineValueBytes;
    if (mi !== undefined && !(typeof mi === "number" && mi >= 0)) throw new RangeError("maxInlineValueBytes must be a non-negative number");
    this.maxInline = mi ?? Number.POSITIVE_INFINITY;
    const mv = options.maxValueBytes;
    if (mv !== undefined && !(typeof mv === "number" && mv >= 0)) throw new RangeError("maxValueBytes must be a non-negative number");
    this.maxValue = mv ?? Number.POSITIVE_INFINITY;
    this.sizeLimit = Math.min(this.maxInline, this.maxValue);
    this.g = compileGraph(graph, registry);
    this.rootMerge = options.merge ?? graph.merge ?? "PROPERTY_ARRAY";
    this.run = {
      runId: options.runId,
      ...(options.graphId !== undefined ? { graphId: options.graphId } : {}),
      ...(options.graphVersion !== undefined ? { graphVersion: options.graphVersion } : {}),
      status: "PENDING",
      seq: 0,
      clock: 0,
      progress: 0,
      rng: options.seed !== undefined ? options.seed >>> 0 : seedFrom(options.runId),
      order: 0,
      retries: 0,
      signals: [],
    };
    this.fx = new EffectsBuilder(this.run, options.trackDirty !== false, options.sink);
    for (const t of this.g.tasks) {
      const row = new TaskRow(t.index, t.index, t.key, t.taskId, t.path, t.type, -1, -1);
      row.pending = t.inEdges.length;
      this.rows.push(row);
    }
    this.edges = new EdgeTable(this.g.edges.length);
    this.unfinished = this.g.scopes.map((s) => s.tasks.length);
    this.staticTasks = this.g.tasks.length;
    this.staticEdges = this.g.edges.length;
  }

  /** Rebuilds a runner from `snapshot()` output (after eviction); it continues exactly where the original was. */
  static restore(graph: Graph, registry: TaskRegistry, snapshot: RunSnapshot, options: RunnerOptions): TaskGraphRunner {
    const runner = new TaskGraphRunner(graph, registry, options);
    runner.load(snapshot);
    return runner;
  }

  // ————————————————————————————————————————— facts —————————————————————————————————————————

  /** Starts the run with its input (a JSON object). */
  start(input: Record<string, unknown>, now: number): Effects {
    this.require("start");
    if (!isRecord(input)) throw new TypeError("the run input must be a JSON object");
    this.fx.begin(now);
    this.run.status = "PROCESSING";
    this.run.input = input;
    this.run.startedAt = this.run.clock;
    this.fx.graph("start", this.startData());
    this.activate(0);
    if (this.unfinished[0] === 0) this.completeRun();
    this.pump();
    return this.end();
  }

  /** A queue worker claimed `attempt`: QUEUED → PROCESSING. A duplicate claim changes nothing. */
  taskStarted(key: string, attempt: number, now: number): Effects {
    const row = this.unit(key, attempt);
    if (!row || row.status !== "QUEUED") return emptyEffects();
    this.fx.begin(now);
    this.markStarted(row, this.g.tasks[row.node]);
    return this.end();
  }

  /** Progress of a running attempt (0–100; events only when the whole-number value changes or a message comes). */
  taskProgress(key: string, attempt: number, percent: number, now: number, message?: string): Effects {
    const row = this.unit(key, attempt);
    if (!row || row.status !== "PROCESSING" || typeof percent !== "number" || Number.isNaN(percent)) return emptyEffects();
    const p = Math.floor(Math.min(100, Math.max(0, percent)));
    const hasMessage = typeof message === "string";
    if (p === row.progress && !hasMessage) return emptyEffects();
    this.fx.begin(now);
    this.setProgress(row, p);
    this.fx.task("progress", row.taskId, row.path, hasMessage ? { attempt, progress: p, message } : { attempt, progress: p });
    this.fx.touchTask(row);
    return this.end();
  }

  /** An attempt finished with `output` (an object). A completion for a QUEUED attempt implies its start. */
  taskCompleted(key: string, attempt: number, output: unknown, now: number): Effects {
    const row = this.unit(key, attempt);
    if (!row) return emptyEffects();
    this.fx.begin(now);
    const t = this.g.tasks[row.node];
    if (row.status === "QUEUED") this.markStarted(row, t);
    this.succeedAttempt(row, t, output);
    this.pump();
    return this.end();
  }

  /** An attempt failed. Retried per the task's policy unless `permanent` (or a permanent error name). */
  taskFailed(key: string, attempt: number, error: FailureInfo, now: number): Effects {
    const row = this.unit(key, attempt);
    if (!row) return emptyEffects();
    this.fx.begin(now);
    this.failAttempt(row, this.g.tasks[row.node], error);
    this.pump();
    return this.end();
  }

  /** A timer from `Effects.timers` is due. Unknown, cleared or already fired timers change nothing. */
  timerFired(timerId: string, now: number): Effects {
    const timer = this.timers.get(timerId);
    if (!timer || isTerminalRun(this.run.status)) return emptyEffects();
    this.fx.begin(now);
    this.timers.delete(timerId);
    const row = this.rows[timer.row];
    const t = this.g.tasks[row.node];
    if (timer.kind === RETRY) {
      row.retryAt = -1;
      this.enqueue(row);
    } else if (timer.kind === TIMEOUT) {
      row.timeoutAt = -1;
      const error: FailureInfo = { name: "TaskTimeoutError", message: `task timed out after ${t.timeoutMs} ms`, code: "timeout" };
      if (t.isGraph) {
        this.failGraphTask(row, t, publicError(error), `task "${row.key}" timed out`);
      } else {
        if (this.isDispatched(row, t)) this.fx.abort({ key: row.key, attempt: row.attempts, reason: "timeout" });
        this.failAttempt(row, t, error);
      }
    } else {
      row.waitAt = -1;
      this.resumeWait(row, t, row.wait?.kind === "timer" ? { kind: "timer" } : { kind: "timeout" });
    }
    this.pump();
    return this.end();
  }

  /** Stops the run: every unfinished task ABORTED (running ones through `aborts`), run ABORTED. */
  cancel(now: number, reason = "cancelled"): Effects {
    this.require("cancel");
    this.fx.begin(now);
    this.run.status = "ABORTED";
    this.run.reason = reason;
    this.run.completedAt = this.run.clock;
    this.endScope(0, "cancel", reason);
    this.clearReady();
    this.fx.graph("abort", { reason });
    return this.end();
  }

  /** PROCESSING → PAUSED: running attempts finish, nothing new is dispatched until `resume`. */
  pause(now: number): Effects {
    this.require("pause");
    this.fx.begin(now);
    this.run.status = "PAUSED";
    this.fx.graph("pause", {});
    return this.end();
  }

  resume(now: number): Effects {
    this.require("resume");
    this.fx.begin(now);
    this.run.status = "PROCESSING";
    this.fx.graph("resume", {});
    this.pump();
    return this.end();
  }

  /**
   * Delivers a named signal: the task that has waited longest on `name` consumes it; with no waiter
   * it is stored until a wait on that name begins (SPEC §8). Ignored once the run has finished.
   */
  signal(name: string, payload: unknown, now: number): SignalEffects {
    if (isTerminalRun(this.run.status)) return { ...emptyEffects(), delivered: false };
    this.fx.begin(now);
    const list = this.waiters.get(name);
    let delivered = false;
    if (list && list.length > 0) {
      const row = this.rows[list[0]];
      this.resumeWait(row, this.g.tasks[row.node], { kind: "signal", payload });
      delivered = true;
    } else {
      this.run.signals.push({ name, payload });
    }
    this.pump();
    return { ...this.end(), delivered };
  }

  /**
   * Re-runs a FAILED run keeping every completed output: the tasks that failed unhandled and those
   * the failure skipped or aborted go back to PENDING (with a fresh retry budget) and the run goes on.
   */
  retry(now: number): Effects {
    this.require("retry");
    this.fx.begin(now);
    const run = this.run;
    run.status = "PROCESSING";
    run.error = undefined;
    run.completedAt = undefined;
    run.retries++;
    const reset: number[] = [];
    this.resetScope(0, reset);
    for (const ri of reset) {
      const row = this.rows[ri];
      row.pending = 0;
      row.completedIn = 0;
      for (const ei of this.g.tasks[row.node].inEdges) {
        const s = this.edges.status[ei];
        if (s === "PENDING") row.pending++;
        else if (s === "COMPLETED") row.completedIn++;
      }
    }
    this.fx.graph("start", { ...this.startData(), retry: run.retries });
    this.activate(0);
    this.pump();
    return this.end();
  }

  // ————————————————————————————————————————— queries —————————————————————————————————————————

  /** Whether a control action applies now (the API answers 409 when it does not). */
  canTransition(action: ControlAction): boolean {
    const s = this.run.status;
    switch (action) {
      case "start":
        return s === "PENDING";
      case "pause":
        return s === "PROCESSING";
      case "resume":
        return s === "PAUSED";
      case "cancel":
        return !isTerminalRun(s);
      case "retry":
        return s === "FAILED";
    }
  }

  get status(): RunStatus {
    return this.run.status;
  }

  /** Inline and queue attempts dispatched and not finished (what maxConcurrency counts). */
  get dispatchedCount(): number {
    return this.inFlightCount;
  }

  /** The run row (a copy; values are shared, not cloned). */
  runState(): RunState {
    const r = this.run;
    const s = { runId: r.runId } as RunState; // fields in a fixed order, absent ones left out
    if (r.graphId !== undefined) s.graphId = r.graphId;
    if (r.graphVersion !== undefined) s.graphVersion = r.graphVersion;
    s.status = r.status;
    if (r.input !== undefined) s.input = r.input;
    if (r.output !== undefined) s.output = r.output;
    if (r.error !== undefined) s.error = r.error;
    if (r.reason !== undefined) s.reason = r.reason;
    if (r.startedAt !== undefined) s.startedAt = r.startedAt;
    if (r.completedAt !== undefined) s.completedAt = r.completedAt;
    s.seq = r.seq;
    s.clock = r.clock;
    s.progress = r.progress;
    s.rng = r.rng;
    s.order = r.order;
    s.retries = r.retries;
    s.signals = r.signals.slice();
    return s;
  }

  taskState(key: string): TaskState | undefined {
    const i = this.rowOf(key);
    return i === undefined ? undefined : this.taskStateOf(this.rows[i]);
  }

  dataflowState(key: string): DataflowState | undefined {
    const i = edgeIndexOf(this.g).get(key);
    return i === undefined ? undefined : this.edgeStateOf(i);
  }

  /**
   * Every task row: the graph's tasks in pre-order, each started Map followed by its iterations'
   * tasks (iteration by iteration), then replica rows by task and index.
   */
  tasks(): TaskState[] {
    return this.orderedRows().map((r) => this.taskStateOf(r));
  }

  /** Every dataflow row: the graph's, then each Map iteration's (iterations in the order of tasks()). */
  dataflows(): DataflowState[] {
    const out: DataflowState[] = [];
    for (let i = 0; i < this.staticEdges; i++) out.push(this.edgeStateOf(i));
    if (this.edges.size > this.staticEdges) this.collectIterationEdges(0, out);
    return out;
  }

  /** The whole state, plain JSON data (values are shared with the runner: serialise before mutating). */
  snapshot(): RunSnapshot {
    return { version: 1, run: this.runState(), tasks: this.tasks(), dataflows: this.dataflows() };
  }

  /** Dispatched attempts not finished yet (to re-post or re-run after a restore). */
  inFlight(): InFlightAttempt[] {
    const out: InFlightAttempt[] = [];
    for (const row of this.orderedRows()) {
      const t = this.g.tasks[row.node];
      if (this.isDispatched(row, t)) out.push(this.attemptOf(row, t));
    }
    return out;
  }

  /** The live attempt `(key, attempt)` with its input — what a queue worker's claim receives — or undefined when stale. */
  liveAttempt(key: string, attempt: number): InFlightAttempt | undefined {
    const row = this.unit(key, attempt);
    return row ? this.attemptOf(row, this.g.tasks[row.node]) : undefined;
  }

  /** Every armed timer, earliest first (to re-arm the alarm after a restore). */
  pendingTimers(): Timer[] {
    const out: Timer[] = [];
    for (const [id, { row, kind }] of this.timers) {
      const r = this.rows[row];
      out.push({ id, at: kind === RETRY ? r.retryAt : kind === TIMEOUT ? r.timeoutAt : r.waitAt });
    }
    return out.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  // ————————————————————————————————————————— scheduling —————————————————————————————————————————

  private end(): Effects {
    this.flushProgress();
    return this.fx.finish();
  }

  private require(action: ControlAction): void {
    if (!this.canTransition(action)) throw new RunTransitionError(action, this.run.status);
  }

  private startData(): Record<string, unknown> {
    const graphId = this.options.graphId ?? null;
    const graphVersion = this.options.graphVersion ?? null;
    const ref = this.refFor(this.run.input, "run:", "input");
    return ref ? { graphId, graphVersion, ref } : { graphId, graphVersion, input: this.run.input };
  }

  /** The live attempt `(key, attempt)` of a dispatched (inline or queue) task, if the fact is current. */
  private unit(key: string, attempt: number): TaskRow | undefined {
    const s = this.run.status;
    if (s !== "PROCESSING" && s !== "PAUSED") return undefined;
    const i = this.rowOf(key);
    if (i === undefined) return undefined;
    const row = this.rows[i];
    if (row.attempts !== attempt) return undefined;
    return this.isDispatched(row, this.g.tasks[row.node]) ? row : undefined;
  }

  /** Counts against maxConcurrency: an inline or queue attempt handed to the shell and not finished. */
  private isDispatched(row: TaskRow, t: CompiledTask): boolean {
    return (row.status === "QUEUED" || row.status === "PROCESSING") && !t.isGraph && !t.isWait && row.replicas < 0;
  }

  private rowOf(key: string): number | undefined {
    return this.g.taskIndex.get(key) ?? (this.replicaIndex.size > 0 ? this.replicaIndex.get(key) : undefined);
  }

  /** What a task's scope hands it like a run input: the run's input, its GraphAsTask's, or its Map iteration's. */
  private scopeInput(t: CompiledTask): Record<string, unknown> | undefined {
    if (t.scope === 0) return this.run.input;
    const scope = this.g.scopes[t.scope];
    if (scope.iteration >= 0) return (scope.input ??= this.planOf(scope.owner).input(scope.iteration));
    return this.rows[scope.owner].input;
  }

  private enqueue(row: TaskRow): void {
    row.queuedAt = ++this.run.order;
    this.ready.push(row.index);
    this.fx.touchTask(row);
  }

  private clearReady(): void {
    this.ready = [];
    this.readyHead = 0;
  }

  /** Makes a scope's tasks that wait on nothing ready (run start, GraphAsTask start, retry). */
  private activate(scope: number): void {
    for (const ti of this.g.scopes[scope].tasks) {
      const row = this.rows[ti];
      if (row.status !== "PENDING" || row.pending !== 0 || row.queuedAt >= 0 || row.retryAt >= 0) continue;
      if (this.g.tasks[ti].inEdges.length > 0 && row.completedIn === 0) this.skips.push(ti);
      else this.enqueue(row);
    }
    this.drainSkips();
  }

  /** Dispatches ready tasks in FIFO order while the run is PROCESSING and slots are free. */
  private pump(): void {
    const max = this.maxConcurrency;
    while (this.run.status === "PROCESSING" && this.readyHead < this.ready.length) {
      const row = this.rows[this.ready[this.readyHead]];
      if (row.queuedAt < 0) {
        this.readyHead++; // ended (failure inside a subgraph) while it waited in the queue
        continue;
      }
      const t = this.g.tasks[row.node];
      if (this.inFlightCount >= max && !t.isGraph && !t.isWait) break;
      this.readyHead++;
      row.queuedAt = -1;
      this.fx.touchTask(row);
      this.launch(row, t);
    }
    if (this.readyHead === this.ready.length) {
      this.ready.length = 0;
      this.readyHead = 0;
    } else if (this.readyHead > 1024 && this.readyHead * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.readyHead);
      this.readyHead = 0;
    }
  }

  /** A ready task's next step: assemble and check its input, then start it (or its replicas, or its subgraph). */
  private launch(row: TaskRow, t: CompiledTask): void {
    if (row.replicaOf >= 0 || row.attempts > row.attemptBase) {
      this.startAttempt(row, t); // a replica or a retry: the input is already there
      return;
    }
    let input: Record<string, unknown>;
    let plan: Iteration | undefined;
    try {
      input = assembleInput(t, this.g, this.edges, this.scopeInput(t));
      if (t.replicate) {
        const replicas = expandReplicas(input, t.replicate);
        if (replicas) {
          for (const r of replicas) checkInput(t.inputSchema, r);
          this.startReplicated(row, t, input, replicas);
          return;
        }
      }
      checkInput(t.inputSchema, input);
      if (t.isMap) plan = this.makePlan(t, input);
    } catch (err) {
      if (!(err instanceof TaskError)) throw err;
      row.attempts++;
      const info = toErrorInfo(err);
      // A GraphAsTask or Map whose own input is refused never starts its subgraph: its tasks end
      // SKIPPED (they would otherwise stay PENDING in a finished run).
      if (t.isGraph || t.isMap) this.endChildren(row, t, "failure", `task "${row.key}" failed before starting: ${info.message}`);
      this.failAttempt(row, t, info);
      return;
    }
    row.input = input;
    if (plan) this.startMap(row, t, plan);
    else if (t.isGraph) this.startGraph(row, t);
    else this.startAttempt(row, t);
  }

  private startAttempt(row: TaskRow, t: CompiledTask): void {
    row.attempts++;
    if (t.isWait) {
      this.beginWait(row, t);
      return;
    }
    this.inFlightCount++;
    const queue = t.execution === "queue";
    this.fx.dispatch({
      key: row.key,
      taskId: row.taskId,
      path: row.path,
      type: row.type,
      execution: queue ? "queue" : "inline",
      attempt: row.attempts,
      input: row.input as Record<string, unknown>,
      config: t.config,
    });
    if (queue) {
      row.status = "QUEUED";
      this.fx.task("queued", row.taskId, row.path, attemptData(row.attempts));
      this.fx.touchTask(row);
    } else {
      this.markStarted(row, t);
    }
  }

  private markStarted(row: TaskRow, t: CompiledTask): void {
    row.status = "PROCESSING";
    if (row.startedAt < 0) row.startedAt = this.run.clock;
    this.fx.task("start", row.taskId, row.path, attemptData(row.attempts));
    this.fx.touchTask(row);
    if (t.timeoutMs > 0) this.arm(row, TIMEOUT, this.run.clock + t.timeoutMs);
  }

  private startGraph(row: TaskRow, t: CompiledTask): void {
    row.attempts++;
    this.markStarted(row, t);
    this.activate(t.childScope);
    if (this.unfinished[t.childScope] === 0 && row.status === "PROCESSING") this.completeGraphTask(row, t);
  }

  private startReplicated(row: TaskRow, t: CompiledTask, input: Record<string, unknown>, inputs: Record<string, unknown>[]): void {
    row.attempts++;
    row.status = "PROCESSING";
    if (row.startedAt < 0) row.startedAt = this.run.clock;
    row.input = input;
    row.replicas = inputs.length;
    row.replicasDone = 0;
    row.replicaProgress = 0;
    this.fx.task("start", row.taskId, row.path, { attempt: row.attempts, replicas: inputs.length });
    this.fx.touchTask(row);
    const list = (row.replicaRows ??= []);
    for (let i = 0; i < inputs.length; i++) {
      let r: TaskRow;
      if (list[i] === undefined) {
        r = new TaskRow(this.rows.length, row.node, `${row.key}[${i}]`, `${row.taskId}[${i}]`, row.path, row.type, row.index, i);
        this.rows.push(r);
        this.g.tasks.push(t);
        this.replicaIndex.set(r.key, r.index);
        list[i] = r.index;
      } else {
        r = this.rows[list[i]];
        this.resetRow(r);
      }
      r.input = inputs[i];
      this.enqueue(r);
    }
    if (inputs.length === 0) this.completeTask(row, t, mergeReplicas([], Object.keys(t.outputSchema.properties ?? {})));
  }

  // ————————————————————————————————————————— Map iterations —————————————————————————————————————————

  /** definition.iterate() of a Map's input, checked. Any error it throws fails the Map for good. */
  private makePlan(t: CompiledTask, input: Record<string, unknown>): Iteration {
    let plan: Iteration;
    try {
      plan = (t.def.iterate as NonNullable<typeof t.def.iterate>)(input, t.config);
    } catch (err) {
      if (err instanceof TaskError) throw err;
      throw new TaskError(toErrorInfo(err).message, { name: "TaskError", permanent: true });
    }
    return checkPlan(plan, t.type, (t.template as CompiledGraph).tasks.length);
  }

  /** The plan of a started Map (recomputed from its kept input after a restore; iterate() is pure). */
  private planOf(mapRow: number): Iteration {
    const m = this.maps.get(mapRow) as MapRun;
    if (m.plan === undefined) {
      const row = this.rows[mapRow];
      m.plan = this.makePlan(this.g.tasks[mapRow], row.input as Record<string, unknown>);
    }
    return m.plan;
  }

  /**
   * A Map starts: `start` (with `data.iterations`), then its first `concurrency` iterations. After
   * a run `retry()` the iterations it had started are kept: finished ones count as done, the
   * others (their failed and aborted tasks reset) go on, and new ones fill the free slots.
   */
  private startMap(row: TaskRow, t: CompiledTask, plan: Iteration): void {
    row.attempts++;
    row.status = "PROCESSING";
    if (row.startedAt < 0) row.startedAt = this.run.clock;
    row.iterations = plan.count;
    this.fx.task("start", row.taskId, row.path, { attempt: row.attempts, iterations: plan.count });
    this.fx.touchTask(row);
    if (t.timeoutMs > 0) this.arm(row, TIMEOUT, this.run.clock + t.timeoutMs);
    let m = this.maps.get(row.index);
    if (!m) this.maps.set(row.index, (m = { plan, iterations: [], done: 0 }));
    m.plan = plan;
    m.done = 0;
    if (plan.count === 0 || (t.template as CompiledGraph).tasks.length === 0) {
      this.completeMap(row, t, m);
      return;
    }
    for (const it of m.iterations) {
      if (this.unfinished[it.scope] === 0) m.done++;
      else this.activate(it.scope);
    }
    this.fillIterations(row, t, m);
    if (m.done === plan.count) this.completeMap(row, t, m);
    else this.mapProgress(row, m);
  }

  /** Starts the next iterations while fewer than `concurrency` are unfinished. */
  private fillIterations(row: TaskRow, t: CompiledTask, m: MapRun): void {
    const plan = m.plan as Iteration;
    while (m.iterations.length < plan.count && m.iterations.length - m.done < plan.concurrency && row.status === "PROCESSING") {
      const it = this.addIteration(row, t, m, true);
      this.activate(it.scope);
    }
  }

  /**
   * Instantiates the Map's next iteration: its tasks, dataflows and scopes appended to the compiled
   * arrays, a PENDING row per task (marked dirty when `touch`, so a store persists the iteration).
   */
  private addIteration(row: TaskRow, t: CompiledTask, m: MapRun, touch: boolean): Instance {
    const g = this.g;
    const i = m.iterations.length;
    const it = instantiate(g, t.template as CompiledGraph, row.index, `${row.key}[${i}]`, i);
    m.iterations.push(it);
    for (let s = it.firstScope; s < g.scopes.length; s++) this.unfinished.push(g.scopes[s].tasks.length);
    this.edges.grow(g.edges.length);
    for (let ti = it.firstTask; ti < g.tasks.length; ti++) {
      const c = g.tasks[ti];
      const r = new TaskRow(ti, ti, c.key, c.taskId, c.path, c.type, -1, -1);
      r.pending = c.inEdges.length;
      this.rows.push(r);
      if (touch) this.fx.touchTask(r);
    }
    return it;
  }

  /** An iteration's last task finished: the next one starts, or the Map completes with the last. */
  private iterationDone(row: TaskRow, t: CompiledTask): void {
    const m = this.maps.get(row.index) as MapRun;
    const plan = this.planOf(row.index);
    if (++m.done === plan.count) {
      this.completeMap(row, t, m);
      return;
    }
    this.fillIterations(row, t, m);
    this.mapProgress(row, m);
  }

  /** A Map's progress is the share of its iterations done; `task progress` when the whole number changes. */
  private mapProgress(row: TaskRow, m: MapRun): void {
    const p = Math.floor((m.done * 100) / (m.plan as Iteration).count);
    if (p === row.progress) return;
    this.setProgress(row, p);
    this.fx.task("progress", row.taskId, row.path, { attempt: row.attempts, progress: p });
  }

  /** Output = plan.output(each iteration's leaves merged by the Map's `merge`, in index order). */
  private completeMap(row: TaskRow, t: CompiledTask, m: MapRun): void {
    const template = t.template as CompiledGraph;
    const plan = m.plan as Iteration;
    const merge = template.scopes[0].merge ?? "PROPERTY_ARRAY";
    const results: unknown[] = [];
    if (template.tasks.length === 0) for (let i = 0; i < plan.count; i++) results.push(mergeLeaves(merge, []));
    else for (const it of m.iterations) results.push(mergeLeaves(merge, this.leafResults(this.g.scopes[it.scope].leaves)));
    let output: unknown;
    try {
      output = plan.output(results);
    } catch (err) {
      this.failGraphTask(row, t, publicError(toErrorInfo(err)), `task "${row.key}" failed`);
      return;
    }
    this.disarm(row, TIMEOUT);
    this.completeTask(row, t, output);
  }

  // ————————————————————————————————————————— durable waits —————————————————————————————————————————

  private beginWait(row: TaskRow, t: CompiledTask): void {
    this.markStarted(row, t);
    let req: WaitRequest;
    try {
      req = (t.def.wait as NonNullable<typeof t.def.wait>)(row.input, t.config);
    } catch (err) {
      this.failAttempt(row, t, toErrorInfo(err));
      return;
    }
    if (req?.kind === "timer") {
      row.wait = { kind: "timer" };
      this.arm(row, WAIT, this.run.clock + Math.max(0, Number(req.ms) || 0));
      return;
    }
    if (req?.kind === "signal" && typeof req.name === "string") {
      const stored = this.run.signals.findIndex((s) => s.name === req.name);
      if (stored >= 0) {
        const [signal] = this.run.signals.splice(stored, 1);
        this.resumeWait(row, t, { kind: "signal", payload: signal.payload });
        return;
      }
      row.wait = { kind: "signal", name: req.name };
      row.waitOrder = ++this.run.order;
      let list = this.waiters.get(req.name);
      if (!list) this.waiters.set(req.name, (list = []));
      list.push(row.index);
      if (typeof req.timeoutMs === "number" && req.timeoutMs > 0) this.arm(row, WAIT, this.run.clock + req.timeoutMs);
      return;
    }
    this.failAttempt(row, t, { name: "TaskError", message: "wait() returned an unknown request", permanent: true });
  }

  private resumeWait(row: TaskRow, t: CompiledTask, outcome: WaitOutcome): void {
    this.unwait(row);
    let output: unknown;
    try {
      output = t.def.resume ? t.def.resume(row.input, outcome) : {};
    } catch (err) {
      this.failAttempt(row, t, toErrorInfo(err));
      return;
    }
    this.succeedAttempt(row, t, output);
  }

  /** Leaves a durable wait: off the signal's waiter list, its timer cleared. */
  private unwait(row: TaskRow): void {
    const wait = row.wait;
    if (wait === undefined) return;
    if (wait.kind === "signal") {
      const list = this.waiters.get(wait.name);
      if (list) {
        const at = list.indexOf(row.index);
        if (at >= 0) list.splice(at, 1);
        if (list.length === 0) this.waiters.delete(wait.name);
      }
    }
    row.wait = undefined;
    row.waitOrder = -1;
    this.disarm(row, WAIT);
    this.fx.touchTask(row);
  }

  // ————————————————————————————————————————— timers —————————————————————————————————————————

  private timerId(row: TaskRow, kind: number): string {
    return `${TIMER_PREFIX[kind]}${row.key}:${kind === RETRY ? row.attempts + 1 : row.attempts}`;
  }

  private arm(row: TaskRow, kind: number, at: number): void {
    if (kind === RETRY) row.retryAt = at;
    else if (kind === TIMEOUT) row.timeoutAt = at;
    else row.waitAt = at;
    const id = this.timerId(row, kind);
    this.timers.set(id, { row: row.index, kind });
    this.fx.timer({ id, at });
    this.fx.touchTask(row);
  }

  private disarm(row: TaskRow, kind: number): void {
    const at = kind === RETRY ? row.retryAt : kind === TIMEOUT ? row.timeoutAt : row.waitAt;
    if (at < 0) return;
    if (kind === RETRY) row.retryAt = -1;
    else if (kind === TIMEOUT) row.timeoutAt = -1;
    else row.waitAt = -1;
    const id = this.timerId(row, kind);
    this.timers.delete(id);
    this.fx.clearTimer(id);
    this.fx.touchTask(row);
  }

  private disarmAll(row: TaskRow): void {
    this.disarm(row, RETRY);
    this.disarm(row, TIMEOUT);
    this.disarm(row, WAIT);
  }

  // ————————————————————————————————————————— completion —————————————————————————————————————————

  private succeedAttempt(row: TaskRow, t: CompiledTask, output: unknown): void {
    if (!isRecord(output)) {
      this.failAttempt(row, t, {
        name: "TaskInvalidOutputError",
        message: `the task returned ${kindOf(output)}, not an object`,
        code: "invalid_output",
        permanent: true,
      });
      return;
    }
    // Measured once: the size decides both the cap and whether events carry the output by reference.
    const size = this.sizeLimit === Number.POSITIVE_INFINITY ? -1 : sizeAbove(output, this.sizeLimit);
    if (size > this.maxValue) {
      this.failAttempt(row, t, toErrorInfo(new OutputTooLargeError("the task's output", size, this.maxValue)));
      return;
    }
    if (this.isDispatched(row, t)) this.inFlightCount--;
    this.disarm(row, TIMEOUT);
    if (row.replicaOf >= 0) this.completeReplica(row, t, output, size);
    else this.completeTask(row, t, output, size);
  }

  private completeReplica(row: TaskRow, t: CompiledTask, output: Record<string, unknown>, size: number): void {
    row.status = "COMPLETED";
    row.output = output;
    row.error = undefined;
    row.input = undefined;
    row.completedAt = this.run.clock;
    this.fx.task("complete", row.taskId, row.path, this.outputData(output, "task:", row.key, size));
    this.fx.touchTask(row);
    this.setProgress(row, 100);
    const parent = this.rows[row.replicaOf];
    if (++parent.replicasDone === parent.replicas) {
      const outputs: unknown[] = [];
      const list = parent.replicaRows as number[];
      for (let i = 0; i < parent.replicas; i++) outputs.push(this.rows[list[i]].output);
      this.completeTask(parent, t, mergeReplicas(outputs, Object.keys(t.outputSchema.properties ?? {})));
    }
  }

  /** A task (not a replica) COMPLETED: its output flows along its dataflows. `size`: see refFor. */
  private completeTask(row: TaskRow, t: CompiledTask, output: unknown, size?: number): void {
    row.status = "COMPLETED";
    row.output = output;
    row.error = undefined;
    if (!t.isGraph) row.input = undefined;
    row.completedAt = this.run.clock;
    this.fx.task("complete", row.taskId, row.path, this.outputData(output, "task:", row.key, size));
    this.fx.touchTask(row);
    const branching = t.def.branching === true;
    const out = t.outEdges;
    const record = isRecord(output) ? output : undefined;
    for (let i = 0; i < out.length; i++) {
      const ei = out[i];
      const e = this.g.edges[ei];
      if (e.flags & FROM_ERROR) this.skipEdge(ei, "no error");
      else if (e.flags & FROM_WHOLE) this.completeEdge(ei, output, row);
      else if (record !== undefined && hasOwn.call(record, e.sourcePort)) this.completeEdge(ei, record[e.sourcePort], row);
      else if (branching) this.skipEdge(ei, `branch "${e.sourcePort}" not taken`);
      else this.completeEdge(ei, undefined, row);
    }
    this.finished(row, t);
    this.drainSkips();
  }

  private completeGraphTask(row: TaskRow, t: CompiledTask): void {
    this.disarm(row, TIMEOUT);
    const scope = this.g.scopes[t.childScope];
    this.completeTask(row, t, mergeLeaves(scope.merge ?? "PROPERTY_ARRAY", this.leafResults(scope.leaves)));
  }

  private leafResults(leaves: number[]): LeafResult[] {
    const out: LeafResult[] = [];
    for (const li of leaves) {
      const row = this.rows[li];
      if (row.status === "COMPLETED") out.push({ id: row.taskId, type: row.type, data: row.output });
    }
    return out;
  }

  private completeRun(): void {
    const run = this.run;
    if (run.status !== "PROCESSING" && run.status !== "PAUSED") return;
    this.flushProgress();
    const output = mergeLeaves(this.rootMerge, this.leafResults(this.g.scopes[0].leaves));
    const size = this.sizeLimit === Number.POSITIVE_INFINITY ? -1 : sizeAbove(output, this.sizeLimit);
    if (size > this.maxValue) {
      this.failRun(toErrorInfo(new OutputTooLargeError("the run's merged output", size, this.maxValue)), "the run's output is too large");
      return;
    }
    run.status = "COMPLETED";
    run.output = output;
    run.completedAt = run.clock;
    this.clearReady();
    this.fx.graph("complete", this.outputData(output, "run:", "output", size));
  }

  /** A task of a scope reached a final status; the scope completes with its last one. */
  private finished(row: TaskRow, t: CompiledTask): void {
    this.setProgress(row, 100);
    if (--this.unfinished[t.scope] !== 0) return;
    const scope = this.g.scopes[t.scope];
    const owner = scope.owner;
    if (owner < 0) this.completeRun();
    else {
      const g = this.rows[owner];
      if (g.status !== "PROCESSING") return;
      if (scope.iteration >= 0) this.iterationDone(g, this.g.tasks[owner]);
      else this.completeGraphTask(g, this.g.tasks[owner]);
    }
  }

  private completeEdge(ei: number, value: unknown, source: TaskRow): void {
    const edges = this.edges;
    const e = this.g.edges[ei];
    edges.status[ei] = "COMPLETED";
    edges.value[ei] = value;
    edges.error[ei] = undefined;
    edges.sourceAttempt[ei] = source.attempts;
    this.fx.dataflow("complete", e.id, e.path, this.valueData(value, e.key));
    this.fx.touchDataflow(edges.mark, ei, e.key);
    this.resolve(e.target, true);
  }

  private skipEdge(ei: number, reason: string): void {
    const e = this.g.edges[ei];
    this.edges.status[ei] = "SKIPPED";
    this.fx.dataflow("skipped", e.id, e.path, { reason });
    this.fx.touchDataflow(this.edges.mark, ei, e.key);
    this.resolve(e.target, false);
  }

  /** One incoming dataflow of a task resolved; with the last one the task is ready, or skipped if all were skipped. */
  private resolve(ti: number, completed: boolean): void {
    const row = this.rows[ti];
    row.pending--;
    if (completed) row.completedIn++;
    if (row.pending === 0 && row.status === "PENDING") {
      if (row.completedIn === 0) this.skips.push(ti);
      else this.enqueue(row);
    }
  }

  /** Skips propagate through a worklist, never by recursion (a skipped chain may be long). */
  private drainSkips(): void {
    while (this.skipsHead < this.skips.length) {
      const ti = this.skips[this.skipsHead++];
      const row = this.rows[ti];
      if (row.status === "PENDING") this.skipTask(row, this.g.tasks[ti], "all inputs skipped");
    }
    this.skips.length = 0;
    this.skipsHead = 0;
  }

  private skipTask(row: TaskRow, t: CompiledTask, reason: string): void {
    row.status = "SKIPPED";
    row.reason = reason;
    row.completedAt = this.run.clock;
    this.fx.task("skipped", row.taskId, row.path, { reason });
    this.fx.touchTask(row);
    if (t.isGraph) this.endChildren(row, t, "skip", `task "${row.key}" skipped`);
    for (const ei of t.outEdges) this.skipEdge(ei, reason);
    this.finished(row, t);
  }

  // ————————————————————————————————————————— failure —————————————————————————————————————————

  /** An attempt ended in error: retry it per policy, or fail the task. */
  private failAttempt(row: TaskRow, t: CompiledTask, info: FailureInfo): void {
    if (this.isDispatched(row, t)) this.inFlightCount--;
    this.disarm(row, TIMEOUT);
    this.unwait(row);
    const error = publicError(info);
    row.error = error;
    const tried = row.attempts - row.attemptBase;
    if (isRetryable(info) && tried < t.retry.maxAttempts) {
      const [random, next] = nextRandom(this.run.rng);
      this.run.rng = next;
      const delayMs = Math.max(jitter(baseDelay(t.retry, tried), random), retryAfterFloor(info.retryAfterMs));
      row.status = "PENDING";
      this.fx.task("retry", row.taskId, row.path, { attempt: row.attempts, delayMs, error });
      this.arm(row, RETRY, this.run.clock + delayMs);
      return;
    }
    row.status = "FAILED";
    row.input = undefined;
    row.completedAt = this.run.clock;
    this.fx.task("error", row.taskId, row.path, { attempt: row.attempts, error });
    this.fx.touchTask(row);
    if (row.replicaOf >= 0) this.failReplicated(row, error);
    else this.handleFailure(row, t, error);
  }

  /** A replica failed for good: its task fails with the same error, the other replicas stop. */
  private failReplicated(replica: TaskRow, error: ErrorInfo): void {
    const parent = this.rows[replica.replicaOf];
    const t = this.g.tasks[parent.node];
    parent.status = "FAILED";
    const list = parent.replicaRows as number[];
    for (let i = 0; i < parent.replicas; i++) {
      const r = this.rows[list[i]];
      if (!isTerminalTask(r.status)) this.endRow(r, t, "failure", `replica "${replica.taskId}" failed`);
    }
    parent.error = error;
    parent.input = undefined;
    parent.completedAt = this.run.clock;
    this.fx.task("error", parent.taskId, parent.path, { attempt: parent.attempts, error });
    this.fx.touchTask(parent);
    this.handleFailure(parent, t, error);
  }

  /**
   * A task FAILED for good. With `[error]` dataflows the error flows along them and the other
   * dataflows are skipped (SPEC §8); otherwise its dataflows fail and so does its scope: the
   * enclosing GraphAsTask (which may route it in turn) or the run.
   */
  private handleFailure(row: TaskRow, t: CompiledTask, error: ErrorInfo): void {
    if (t.hasErrorEdges) {
      row.routed = true;
      for (const ei of t.outEdges) {
        if (this.g.edges[ei].flags & FROM_ERROR) this.completeEdge(ei, error, row);
        else this.skipEdge(ei, `task "${row.taskId}" failed`);
      }
      this.finished(row, t);
      this.drainSkips();
      return;
    }
    for (const ei of t.outEdges) this.failEdge(ei, error);
    this.unfinished[t.scope]--; // finished, but its scope fails instead of completing
    const owner = this.g.scopes[t.scope].owner;
    if (owner < 0) this.failRun(error, `task "${row.key}" failed`);
    else this.failGraphTask(this.rows[owner], this.g.tasks[owner], error, `task "${row.key}" failed`);
  }

  private failEdge(ei: number, error: ErrorInfo): void {
    const e = this.g.edges[ei];
    this.edges.status[ei] = "FAILED";
    this.edges.error[ei] = error;
    this.fx.dataflow("error", e.id, e.path, { error });
    this.fx.touchDataflow(this.edges.mark, ei, e.key);
  }

  /** A GraphAsTask or Map fails (an inner failure it does not handle, or its timeout): its subgraph stops. */
  private failGraphTask(row: TaskRow, t: CompiledTask, error: ErrorInfo, reason: string): void {
    row.status = "FAILED"; // first, so the subgraph's tasks ending below do not complete it
    this.disarm(row, TIMEOUT);
    this.endChildren(row, t, "failure", reason);
    row.error = error;
    row.completedAt = this.run.clock;
    this.fx.task("error", row.taskId, row.path, { attempt: row.attempts, error });
    this.fx.touchTask(row);
    this.handleFailure(row, t, error);
  }

  /** SPEC §6: no new task starts; never-started tasks SKIPPED, running ones ABORTED; the run FAILED; `graph error` last. */
  private failRun(error: ErrorInfo, reason: string): void {
    const run = this.run;
    run.status = "FAILED";
    run.error = error;
    run.completedAt = run.clock;
    this.endScope(0, "failure", reason);
    this.clearReady();
    this.fx.graph("error", { error });
  }

  /** Ends the subgraph of a GraphAsTask, or every started iteration of a Map (in index order). */
  private endChildren(row: TaskRow, t: CompiledTask, cause: EndCause, reason: string): void {
    if (t.childScope >= 0) this.endScope(t.childScope, cause, reason);
    else {
      const m = this.maps.get(row.index);
      if (m) for (const it of m.iterations) this.endScope(it.scope, cause, reason);
    }
  }

  /** Ends every unfinished task of a scope (and of the subgraphs inside it), in task order. */
  private endScope(scope: number, cause: EndCause, reason: string): void {
    for (const ti of this.g.scopes[scope].tasks) {
      const row = this.rows[ti];
      if (!isTerminalTask(row.status)) this.endRow(row, this.g.tasks[ti], cause, reason);
    }
  }

  /**
   * Cancel: ABORTED. Failure: SKIPPED if it never started in this try, else ABORTED. Skip (its
   * GraphAsTask was skipped): SKIPPED. Running attempts get an abort request.
   */
  private endRow(row: TaskRow, t: CompiledTask, cause: EndCause, reason: string): void {
    const started = row.status !== "PENDING" || row.attempts > row.attemptBase;
    if (this.isDispatched(row, t)) {
      this.inFlightCount--;
      this.fx.abort({ key: row.key, attempt: row.attempts, reason });
    }
    this.disarmAll(row);
    this.unwait(row);
    row.queuedAt = -1;
    const aborted = cause === "cancel" || (cause === "failure" && started);
    row.status = aborted ? "ABORTED" : "SKIPPED";
    row.reason = reason;
    row.endedByFailure = cause === "failure";
    row.completedAt = this.run.clock;
    if (!t.isGraph) row.input = undefined;
    this.fx.task(aborted ? "abort" : "skipped", row.taskId, row.path, aborted && row.attempts > 0 ? { reason, attempt: row.attempts } : { reason });
    this.fx.touchTask(row);
    if (row.replicaOf >= 0) return;
    if (t.isGraph) this.endChildren(row, t, cause, reason);
    if (row.replicaRows) {
      for (let i = 0; i < row.replicas; i++) {
        const r = this.rows[row.replicaRows[i]];
        if (!isTerminalTask(r.status)) this.endRow(r, t, cause, reason);
      }
    }
    for (const ei of t.outEdges) {
      if (this.edges.status[ei] !== "PENDING") continue;
      const e = this.g.edges[ei];
      if (aborted) {
        this.edges.status[ei] = "ABORTED"; // no dataflow event exists for it
      } else {
        this.edges.status[ei] = "SKIPPED";
        this.fx.dataflow("skipped", e.id, e.path, { reason });
      }
      this.fx.touchDataflow(this.edges.mark, ei, e.key);
    }
    this.unfinished[t.scope]--;
  }

  /** `retry()`: puts the failed and failure-ended tasks of a scope back to PENDING, recursing into reset subgraphs. */
  private resetScope(scope: number, reset: number[]): void {
    for (const ti of this.g.scopes[scope].tasks) {
      const row = this.rows[ti];
      if (!((row.status === "FAILED" && !row.routed) || row.endedByFailure)) continue;
      const t = this.g.tasks[ti];
      this.resetRow(row);
      row.replicas = -1;
      this.unfinished[scope]++;
      for (const ei of t.outEdges) {
        if (this.edges.status[ei] === "PENDING") continue;
        this.edges.reset(ei);
        this.fx.touchDataflow(this.edges.mark, ei, this.g.edges[ei].key);
      }
      reset.push(ti);
      if (t.childScope >= 0) this.resetScope(t.childScope, reset);
      else if (t.isMap) {
        // Its started iterations keep what completed; the Map's new start re-activates the rest.
        const m = this.maps.get(ti);
        if (m) for (const it of m.iterations) this.resetScope(it.scope, reset);
      }
    }
  }

  /** Back to a fresh PENDING row; attempt numbers keep growing so reports from earlier attempts stay stale. */
  private resetRow(row: TaskRow): void {
    row.status = "PENDING";
    row.attemptBase = row.attempts;
    if (row.replicaOf >= 0) row.progress = 0; // its task restarts its replica accounting
    else this.setProgress(row, 0);
    row.input = undefined;
    row.output = undefined;
    row.error = undefined;
    row.reason = undefined;
    row.routed = false;
    row.endedByFailure = false;
    row.startedAt = -1;
    row.completedAt = -1;
    this.fx.touchTask(row);
  }

  // ————————————————————————————————————————— progress & values —————————————————————————————————————————

  private setProgress(row: TaskRow, p: number): void {
    if (p === row.progress) return;
    if (row.replicaOf >= 0) {
      const parent = this.rows[row.replicaOf];
      parent.replicaProgress += p - row.progress;
      row.progress = p;
      this.setProgress(parent, Math.floor(parent.replicaProgress / parent.replicas));
      return;
    }
    if (this.g.tasks[row.node].countsProgress) this.progressSum += p - row.progress;
    row.progress = p;
    this.fx.touchTask(row);
  }

  /** `graph progress` = mean task progress, emitted when its whole-number value changes. */
  private flushProgress(): void {
    const s = this.run.status;
    if (s !== "PROCESSING" && s !== "PAUSED") return;
    const total = this.g.progressTasks;
    const p = total === 0 ? 100 : Math.floor(this.progressSum / total);
    if (p !== this.run.progress) {
      this.run.progress = p;
      this.fx.graph("progress", { progress: p });
    }
  }

  /** `{ ref, size }` when `value` is above maxInlineValueBytes (SPEC §7), else undefined. */
  /** The ref is `prefix + name`, built only when the value is large (most are not). */
  private refFor(value: unknown, prefix: string, name: string, known?: number): { ref: string; size: number } | undefined {
    if (this.maxInline === Number.POSITIVE_INFINITY) return undefined;
    // `known`: sizeAbove(value, sizeLimit), already measured (sizeLimit ≤ maxInline).
    const size = known === undefined ? sizeAbove(value, this.maxInline) : known > this.maxInline ? known : -1;
    return size >= 0 ? { ref: prefix + name, size } : undefined;
  }

  /** `dataflow complete` data: `{ value }`, or `{ ref }` for a large value. */
  private valueData(value: unknown, key: string): Record<string, unknown> {
    const ref = this.refFor(value, "dataflow:", key);
    return ref ? { ref } : { value };
  }

  /** `task complete` / `graph complete` data: `{ output }`, or `{ ref }` for a large output. */
  private outputData(output: unknown, prefix: string, name: string, size?: number): Record<string, unknown> {
    const r = this.refFor(output, prefix, name, size);
    return r ? { ref: r } : { output };
  }

  // ————————————————————————————————————————— state in and out —————————————————————————————————————————

  private orderedRows(): TaskRow[] {
    const n = this.staticTasks;
    if (this.rows.length === n) return this.rows;
    if (this.maps.size === 0) {
      const replicas = this.rows.slice(n).sort((a, b) => a.replicaOf - b.replicaOf || a.replica - b.replica);
      return this.rows.slice(0, n).concat(replicas);
    }
    // Iteration rows are created in time order; the order shown follows the structure instead, so
    // that a restored runner (which rebuilds iterations in another order) lists the same rows alike.
    const out: TaskRow[] = [];
    this.collectRows(0, out);
    const position = new Int32Array(this.rows.length);
    out.forEach((r, i) => {
      position[r.index] = i;
    });
    const replicas = this.rows.filter((r) => r.replicaOf >= 0).sort((a, b) => position[a.replicaOf] - position[b.replicaOf] || a.replica - b.replica);
    return out.concat(replicas);
  }

  /** Pre-order over a scope: each task, then its GraphAsTask's subgraph or its Map's iterations. */
  private collectRows(scope: number, out: TaskRow[]): void {
    for (const ti of this.g.scopes[scope].tasks) {
      out.push(this.rows[ti]);
      const t = this.g.tasks[ti];
      if (t.childScope >= 0) this.collectRows(t.childScope, out);
      else if (t.isMap) {
        const m = this.maps.get(ti);
        if (m) for (const it of m.iterations) this.collectRows(it.scope, out);
      }
    }
  }

  /** The dataflows of every Map iteration inside a scope, in the order collectRows visits them. */
  private collectIterationEdges(scope: number, out: DataflowState[]): void {
    for (const ti of this.g.scopes[scope].tasks) {
      const t = this.g.tasks[ti];
      if (t.childScope >= 0) this.collectIterationEdges(t.childScope, out);
      else if (t.isMap) {
        const m = this.maps.get(ti);
        if (!m) continue;
        const n = (t.template as CompiledGraph).edges.length;
        for (const it of m.iterations) {
          for (let e = it.firstEdge; e < it.firstEdge + n; e++) out.push(this.edgeStateOf(e));
          this.collectIterationEdges(it.scope, out);
        }
      }
    }
  }

  private taskStateOf(row: TaskRow): TaskState {
    return row.toState(row.replicaOf >= 0 ? this.rows[row.replicaOf].key : undefined);
  }

  private edgeStateOf(i: number): DataflowState {
    const e = this.g.edges[i];
    return this.edges.toState(i, e.key, this.rows[e.source].key, this.run.runId);
  }

  private attemptOf(row: TaskRow, t: CompiledTask): InFlightAttempt {
    return {
      key: row.key,
      taskId: row.taskId,
      path: row.path,
      type: row.type,
      execution: t.execution === "queue" ? "queue" : "inline",
      attempt: row.attempts,
      input: row.input as Record<string, unknown>,
      config: t.config,
      status: row.status as "QUEUED" | "PROCESSING",
    };
  }

  private load(snapshot: RunSnapshot): void {
    if (snapshot?.version !== 1) throw new SnapshotMismatchError("unknown snapshot version");
    if (snapshot.run.runId !== this.run.runId) throw new SnapshotMismatchError(`snapshot of run ${snapshot.run.runId}, not ${this.run.runId}`);
    Object.assign(this.run, snapshot.run, { signals: snapshot.run.signals.slice() });
    const seen = new Set<string>();
    const replicaStates: TaskState[] = [];
    const iterationStates: TaskState[] = [];
    for (const s of snapshot.tasks) {
      if (s.replicaOf !== undefined) {
        replicaStates.push(s);
        continue;
      }
      const i = this.g.taskIndex.get(s.key);
      if (i === undefined) {
        if (enclosingIteration(s.path) === undefined) throw new SnapshotMismatchError(`task ${s.key} is not in the graph`);
        iterationStates.push(s);
        continue;
      }
      this.rows[i].load(s);
      seen.add(s.key);
    }
    if (seen.size !== this.staticTasks) throw new SnapshotMismatchError("the snapshot lacks some of the graph's tasks");
    this.loadIterations(iterationStates);
    const parentIndex = (s: TaskState) => {
      const i = this.g.taskIndex.get(s.replicaOf as string);
      if (i === undefined) throw new SnapshotMismatchError(`replica ${s.key} of unknown task ${s.replicaOf}`);
      return i;
    };
    replicaStates.sort((a, b) => parentIndex(a) - parentIndex(b) || (a.replica ?? 0) - (b.replica ?? 0));
    for (const s of replicaStates) {
      const pi = parentIndex(s);
      const parent = this.rows[pi];
      const i = s.replica ?? 0;
      const row = new TaskRow(this.rows.length, pi, `${parent.key}[${i}]`, `${parent.taskId}[${i}]`, parent.path, parent.type, pi, i);
      row.load(s);
      this.rows.push(row);
      this.g.tasks.push(this.g.tasks[pi]);
      this.replicaIndex.set(row.key, row.index);
      (parent.replicaRows ??= [])[i] = row.index;
    }
    const edgeIndex = edgeIndexOf(this.g);
    for (const s of snapshot.dataflows) {
      const i = edgeIndex.get(s.key);
      if (i === undefined) throw new SnapshotMismatchError(`dataflow ${s.key} is not in the graph`);
      this.edges.load(i, s);
    }
    this.derive();
  }

  /**
   * Rebuilds the started Map iterations from their rows (keys `map[3]/inner`): outer iterations
   * first (fewer "/" in the key), since a nested Map's row lives in an outer iteration. A Map's
   * iterations start in index order, so iteration k implies 0..k-1; each must have rows.
   */
  private loadIterations(states: TaskState[]): void {
    if (states.length === 0) return;
    const depth = (key: string) => {
      let n = 0;
      for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) === 47) n++;
      return n;
    };
    const withDepth = states.map((s) => ({ s, d: depth(s.key) })).sort((a, b) => a.d - b.d);
    const withRows = new Set<number>();
    for (const { s } of withDepth) {
      let i = this.g.taskIndex.get(s.key);
      if (i === undefined) {
        const at = enclosingIteration(s.path) as { mapKey: string; index: number };
        const mi = this.g.taskIndex.get(at.mapKey);
        const t = mi === undefined ? undefined : this.g.tasks[mi];
        if (mi === undefined || !t?.isMap || at.index >= MAX_ITERATIONS) throw new SnapshotMismatchError(`task ${s.key} is in no iteration of a Map`);
        let m = this.maps.get(mi);
        if (!m) this.maps.set(mi, (m = { plan: undefined, iterations: [], done: 0 }));
        while (m.iterations.length <= at.index) this.addIteration(this.rows[mi], t, m, false);
        i = this.g.taskIndex.get(s.key);
        if (i === undefined) throw new SnapshotMismatchError(`task ${s.key} is not in ${at.mapKey}'s subgraph`);
      }
      this.rows[i].load(s);
      withRows.add(this.g.tasks[i].scope);
    }
    for (const m of this.maps.values()) {
      for (const it of m.iterations) if (!withRows.has(it.scope)) throw new SnapshotMismatchError(`the snapshot lacks the tasks of a started Map iteration`);
    }
  }

  /** Recomputes everything not stored: counters, ready queue, waiters, timers, progress. */
  private derive(): void {
    for (let s = 0; s < this.unfinished.length; s++) this.unfinished[s] = 0;
    this.progressSum = 0;
    this.inFlightCount = 0;
    const queued: TaskRow[] = [];
    const waiting: TaskRow[] = [];
    for (const row of this.rows) {
      const t = this.g.tasks[row.node];
      if (row.replicaOf < 0) {
        row.pending = 0;
        row.completedIn = 0;
        for (const ei of t.inEdges) {
          const s: DataflowStatus = this.edges.status[ei];
          if (s === "PENDING") row.pending++;
          else if (s === "COMPLETED") row.completedIn++;
        }
        if (!isTerminalTask(row.status)) this.unfinished[t.scope]++;
        if (t.countsProgress) this.progressSum += row.progress;
      } else {
        const parent = this.rows[row.replicaOf];
        if (row.replica < parent.replicas) {
          parent.replicaProgress += row.progress;
          if (row.status === "COMPLETED") parent.replicasDone++;
        }
      }
      if (this.isDispatched(row, t)) this.inFlightCount++;
      if (row.queuedAt >= 0) queued.push(row);
      if (row.wait?.kind === "signal") waiting.push(row);
      if (row.retryAt >= 0) this.timers.set(this.timerId(row, RETRY), { row: row.index, kind: RETRY });
      if (row.timeoutAt >= 0) this.timers.set(this.timerId(row, TIMEOUT), { row: row.index, kind: TIMEOUT });
      if (row.waitAt >= 0) this.timers.set(this.timerId(row, WAIT), { row: row.index, kind: WAIT });
    }
    for (const m of this.maps.values()) {
      m.done = 0;
      for (const it of m.iterations) if (this.unfinished[it.scope] === 0) m.done++;
    }
    this.ready = queued.sort((a, b) => a.queuedAt - b.queuedAt).map((r) => r.index);
    this.readyHead = 0;
    for (const row of waiting.sort((a, b) => a.waitOrder - b.waitOrder)) {
      const name = (row.wait as { name: string }).name;
      let list = this.waiters.get(name);
      if (!list) this.waiters.set(name, (list = []));
      list.push(row.index);
    }
  }
}
