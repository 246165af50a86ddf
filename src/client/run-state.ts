import type { RunEvent } from "../core/events";
import { type DataflowStatus, type RunStatus, TASK_STATUS_AFTER_EVENT, type TaskStatus, TERMINAL_RUN_STATUSES, TERMINAL_TASK_STATUSES } from "../core/status";
import { dataflowKey, inIteration, taskKey, templateKey } from "./keys";

/*
 * The viewer's picture of one run, built from its event log (SPEC §4). Pure: events in, changed
 * keys out, so the page repaints only what changed and the logic is tested without a browser.
 */

export interface ErrorLike {
  name: string;
  message: string;
  code?: string;
}

export interface TaskState {
  key: string;
  taskId: string;
  path?: string;
  status: TaskStatus;
  attempts: number;
  /** 0–100 from `task progress`; 100 once completed. */
  progress?: number;
  message?: string;
  startedAt?: string;
  completedAt?: string;
  error?: ErrorLike;
  output?: unknown;
  /** Set while a failed attempt waits for its retry. */
  retry?: { attempt: number; delayMs?: number; error?: ErrorLike };
  /** A task of a Map's subgraph: how many of its iterations' instances have finished, of those started. */
  iterations?: { done: number; total: number };
}

export interface DataflowState {
  key: string;
  dataflowId: string;
  path?: string;
  status: DataflowStatus;
  value?: unknown;
  ref?: { ref: string; size: number };
  error?: ErrorLike;
}

/** What one batch of events changed. */
export interface Changes {
  tasks: Set<string>;
  dataflows: Set<string>;
  run: boolean;
}

const FINISHED_TASK = TERMINAL_TASK_STATUSES;
const TERMINAL_RUN = TERMINAL_RUN_STATUSES;

const RUN_STATUS_BY_EVENT: Partial<Record<string, RunStatus>> = {
  start: "PROCESSING",
  pause: "PAUSED",
  resume: "PROCESSING",
  complete: "COMPLETED",
  error: "FAILED",
  abort: "ABORTED",
};

const DATAFLOW_STATUS_BY_EVENT: Partial<Record<string, DataflowStatus>> = { complete: "COMPLETED", skipped: "SKIPPED", error: "FAILED" };

function asError(v: unknown): ErrorLike | undefined {
  if (!v || typeof v !== "object") return undefined;
  const e = v as Record<string, unknown>;
  if (typeof e.message !== "string") return undefined;
  return { name: typeof e.name === "string" ? e.name : "Error", message: e.message, ...(typeof e.code === "string" ? { code: e.code } : {}) };
}

function asRef(v: unknown): { ref: string; size: number } | undefined {
  if (!v || typeof v !== "object") return undefined;
  const r = v as Record<string, unknown>;
  return typeof r.ref === "string" ? { ref: r.ref, size: typeof r.size === "number" ? r.size : 0 } : undefined;
}

export class RunState {
  status: RunStatus = "PENDING";
  /** From `graph progress`; undefined until the runner reports one. */
  reportedProgress?: number;
  output?: unknown;
  error?: ErrorLike;
  startedAt?: string;
  completedAt?: string;
  lastSeq = 0;
  readonly tasks = new Map<string, TaskState>();
  readonly dataflows = new Map<string, DataflowState>();
  private finished = 0;
  /**
   * The tasks of Map iterations (`m[3]/q`), by key. They are not in `tasks` and not counted on
   * their own: each is drawn through its template task in the Map's subgraph (`m/q`), whose state
   * sums its instances up (see summarize).
   */
  readonly iterationTasks = new Map<string, TaskState>();
  /** Per template task key: how many of its instances are in each status. */
  private readonly instanceCounts = new Map<string, Map<TaskStatus, number>>();
  /** Per Map key: its template task keys, summarized again when the Map itself ends; and back. */
  private readonly templatesOfMap = new Map<string, Set<string>>();
  private readonly mapOfTemplate = new Map<string, string>();
  /** While a replay catches up with a seeded snapshot: the picture the replayed events build. */
  private catchUp: { until: number; shadow: RunState } | undefined;

  /**
   * `taskKeys`: every task of the graph (subgraphs included), so progress counts the tasks that
   * have not said anything yet; `dataflowKeys` likewise for dataflows.
   */
  constructor(taskKeys: Iterable<{ key: string; taskId: string; path?: string }>, dataflowKeys: Iterable<{ key: string; dataflowId: string; path?: string }> = []) {
    for (const t of taskKeys) this.tasks.set(t.key, { key: t.key, taskId: t.taskId, ...(t.path ? { path: t.path } : {}), status: "PENDING", attempts: 0 });
    for (const d of dataflowKeys) this.dataflows.set(d.key, { key: d.key, dataflowId: d.dataflowId, ...(d.path ? { path: d.path } : {}), status: "PENDING" });
  }

  get totalTasks(): number {
    return this.tasks.size;
  }

  get finishedTasks(): number {
    return this.finished;
  }

  /** 0–100: what the runner reported, else the share of finished tasks; 100 once the run is over. */
  get progress(): number {
    if (TERMINAL_RUN.has(this.status)) return 100;
    if (this.reportedProgress !== undefined) return this.reportedProgress;
    return this.tasks.size === 0 ? 0 : Math.floor((100 * this.finished) / this.tasks.size);
  }

  get terminal(): boolean {
    return TERMINAL_RUN.has(this.status);
  }

  /**
   * False while a replay is still catching up with a seeded snapshot: until then the picture is the
   * snapshot's, which has every task's status but no dataflow statuses or values.
   */
  get caughtUp(): boolean {
    return this.catchUp === undefined;
  }

  /**
   * Takes a run resource's snapshot (GET /runs/:id) as the starting picture; the event log,
   * applied afterwards, brings it up to date. When the snapshot says which event it reflects
   * (`lastSeq`), a log replayed from the start is folded into a separate picture until it reaches
   * that event and only then replaces the snapshot, so the page never winds back (a finished run
   * does not show its tasks running again) and still gains what the snapshot lacks (dataflow
   * values, task outputs).
   */
  seed(run: { status: RunStatus; lastSeq?: number; error?: ErrorLike | null; output?: unknown; startedAt?: string | null; completedAt?: string | null; tasks?: { id: string; path?: string; status: TaskStatus; attempts: number; startedAt?: string | null; completedAt?: string | null; error?: ErrorLike }[] }): void {
    if (run.lastSeq !== undefined && run.lastSeq > this.lastSeq) {
      const shadow = new RunState(this.tasks.values(), this.dataflows.values());
      shadow.lastSeq = this.lastSeq;
      this.catchUp = { until: run.lastSeq, shadow };
    }
    this.status = run.status;
    if (run.error) this.error = run.error;
    if (run.output !== undefined && run.output !== null) this.output = run.output;
    if (run.startedAt) this.startedAt = run.startedAt;
    if (run.completedAt) this.completedAt = run.completedAt;
    for (const t of run.tasks ?? []) {
      const task = this.taskFor(t.id, t.path);
      if (inIteration(t.path)) this.countInstance(task, task.status, t.status);
      task.status = t.status;
      task.attempts = t.attempts;
      if (t.startedAt) task.startedAt = t.startedAt;
      if (t.completedAt) task.completedAt = t.completedAt;
      if (t.error) task.error = t.error;
      if (t.status === "COMPLETED") task.progress = 100;
    }
    for (const key of this.instanceCounts.keys()) this.summarize(key);
    this.finished = 0;
    for (const t of this.tasks.values()) if (FINISHED_TASK.has(t.status)) this.finished++;
  }

  /** Applies events in seq order; those at or below the last seq seen are ignored (replays overlap). */
  apply(events: readonly RunEvent[]): Changes {
    const changes: Changes = { tasks: new Set(), dataflows: new Set(), run: false };
    if (this.catchUp) {
      const { until, shadow } = this.catchUp;
      shadow.apply(events.filter((e) => e.seq <= until));
      // Events come in seq order without gaps: one past the snapshot means the replay has caught up.
      if (shadow.lastSeq < until && !events.some((e) => e.seq > until)) return changes;
      this.adopt(shadow, changes);
    }
    for (const e of events) {
      if (e.seq <= this.lastSeq) continue;
      this.lastSeq = e.seq;
      if (e.kind === "graph") this.applyGraph(e, changes);
      else if (e.kind === "task") this.applyTask(e, changes);
      else this.applyDataflow(e, changes);
    }
    return changes;
  }

  /** Takes the event-built picture of a finished catch-up in place of the snapshot; everything counts as changed. */
  private adopt(shadow: RunState, changes: Changes): void {
    this.catchUp = undefined;
    this.status = shadow.status;
    this.reportedProgress = shadow.reportedProgress;
    this.output = shadow.output;
    this.error = shadow.error;
    this.startedAt = shadow.startedAt;
    this.completedAt = shadow.completedAt;
    this.lastSeq = shadow.lastSeq;
    this.finished = shadow.finished;
    for (const [key, t] of shadow.tasks) {
      this.tasks.set(key, t);
      changes.tasks.add(key);
    }
    for (const [key, d] of shadow.dataflows) {
      this.dataflows.set(key, d);
      changes.dataflows.add(key);
    }
    this.iterationTasks.clear();
    for (const [key, t] of shadow.iterationTasks) this.iterationTasks.set(key, t);
    this.instanceCounts.clear();
    for (const [key, c] of shadow.instanceCounts) this.instanceCounts.set(key, c);
    this.templatesOfMap.clear();
    for (const [key, t] of shadow.templatesOfMap) this.templatesOfMap.set(key, t);
    this.mapOfTemplate.clear();
    for (const [key, m] of shadow.mapOfTemplate) this.mapOfTemplate.set(key, m);
    changes.run = true;
  }

  private applyGraph(e: Extract<RunEvent, { kind: "graph" }>, changes: Changes): void {
    changes.run = true;
    const data = e.data ?? {};
    if (e.type === "progress") {
      if (typeof data.progress === "number") this.reportedProgress = Math.max(0, Math.min(100, data.progress));
      return;
    }
    const status = RUN_STATUS_BY_EVENT[e.type];
    if (status) this.status = status;
    if (e.type === "start") this.startedAt ??= e.ts;
    if (e.type === "complete") this.output = data.output;
    if (e.type === "error") this.error = asError(data.error);
    if (TERMINAL_RUN.has(this.status)) this.completedAt = e.ts;
    else this.completedAt = undefined;
  }

  private taskFor(taskId: string, path?: string): TaskState {
    const key = taskKey(taskId, path);
    const iteration = inIteration(path);
    const list = iteration ? this.iterationTasks : this.tasks;
    let task = list.get(key);
    if (!task) {
      // A task the graph did not list (a newer version, a Map iteration's instance): show it all the same.
      task = { key, taskId, ...(path ? { path } : {}), status: "PENDING", attempts: 0 };
      list.set(key, task);
      if (iteration) this.countInstance(task, undefined, "PENDING");
    }
    return task;
  }

  /** An instance of a template task appeared (`from` undefined) or changed status. */
  private countInstance(task: TaskState, from: TaskStatus | undefined, to: TaskStatus): void {
    const template = templateKey(task.key);
    let counts = this.instanceCounts.get(template);
    if (!counts) {
      this.instanceCounts.set(template, (counts = new Map()));
      const map = task.key.slice(0, task.key.indexOf("["));
      this.mapOfTemplate.set(template, map);
      let templates = this.templatesOfMap.get(map);
      if (!templates) this.templatesOfMap.set(map, (templates = new Set()));
      templates.add(template);
    }
    if (from !== undefined) counts.set(from, (counts.get(from) ?? 0) - 1);
    counts.set(to, (counts.get(to) ?? 0) + 1);
  }

  /**
   * A template task's state from its instances: FAILED if one failed for good, PROCESSING while
   * one is pending or running or the Map is still going, else COMPLETED (or SKIPPED / ABORTED when
   * none completed); progress is the share of finished instances.
   */
  private summarize(template: string, changes?: Changes): void {
    const task = this.tasks.get(template);
    const counts = this.instanceCounts.get(template);
    if (!task || !counts) return;
    const n = (s: TaskStatus) => counts.get(s) ?? 0;
    const done = n("COMPLETED") + n("FAILED") + n("SKIPPED") + n("ABORTED");
    const total = done + n("PENDING") + n("QUEUED") + n("PROCESSING");
    const owner = this.tasks.get(this.mapOfTemplate.get(template) ?? "");
    const mapRunning = owner !== undefined && !FINISHED_TASK.has(owner.status);
    const status: TaskStatus =
      n("FAILED") > 0 ? "FAILED" : done < total || mapRunning ? "PROCESSING" : n("COMPLETED") > 0 ? "COMPLETED" : n("ABORTED") > 0 ? "ABORTED" : "SKIPPED";
    const wasFinished = FINISHED_TASK.has(task.status);
    task.status = status;
    task.iterations = { done, total };
    task.progress = total === 0 ? 0 : Math.floor((100 * done) / total);
    const isFinished = FINISHED_TASK.has(status);
    if (isFinished && !wasFinished) this.finished++;
    if (!isFinished && wasFinished) this.finished--;
    changes?.tasks.add(template);
  }

  private applyTask(e: Extract<RunEvent, { kind: "task" }>, changes: Changes): void {
    const task = this.taskFor(e.taskId, e.path);
    const data = e.data ?? {};
    const before = task.status;
    const wasFinished = FINISHED_TASK.has(before);
    const iteration = inIteration(e.path);
    if (!iteration) changes.tasks.add(task.key);
    if (e.type === "progress") {
      if (typeof data.progress === "number") task.progress = Math.max(0, Math.min(100, data.progress));
      if (typeof data.message === "string") task.message = data.message;
      return;
    }
    const status = TASK_STATUS_AFTER_EVENT[e.type];
    if (status) task.status = status;
    if (typeof data.attempt === "number" && (e.type === "start" || e.type === "queued")) task.attempts = Math.max(task.attempts, data.attempt);
    switch (e.type) {
      case "start":
        task.startedAt ??= e.ts;
        task.retry = undefined;
        task.progress = 0;
        break;
      case "retry":
        task.retry = { attempt: typeof data.attempt === "number" ? data.attempt : task.attempts, ...(typeof data.delayMs === "number" ? { delayMs: data.delayMs } : {}), ...(asError(data.error) ? { error: asError(data.error) } : {}) };
        break;
      case "complete":
        task.output = data.output;
        task.progress = 100;
        task.completedAt = e.ts;
        task.retry = undefined;
        break;
      case "error":
        task.error = asError(data.error);
        task.completedAt = e.ts;
        break;
      case "skipped":
      case "abort":
        if (typeof data.reason === "string") task.message = data.reason;
        task.completedAt = e.ts;
        break;
    }
    if (iteration) {
      if (task.status !== before) {
        this.countInstance(task, before, task.status);
        this.summarize(templateKey(task.key), changes);
      }
      return;
    }
    const isFinished = FINISHED_TASK.has(task.status);
    if (isFinished && !wasFinished) this.finished++;
    if (!isFinished && wasFinished) this.finished--;
    // A Map that ends settles its subgraph's template tasks (they show PROCESSING while it runs).
    if (isFinished !== wasFinished) for (const template of this.templatesOfMap.get(task.key) ?? []) this.summarize(template, changes);
  }

  /** A Map iteration's dataflow (`m[3]`) is drawn on its template's (`m`): the latest instance's state shows. */
  private applyDataflow(e: Extract<RunEvent, { kind: "dataflow" }>, changes: Changes): void {
    const key = dataflowKey(e.dataflowId, inIteration(e.path) ? templateKey(e.path as string) : e.path);
    let df = this.dataflows.get(key);
    if (!df) {
      df = { key, dataflowId: e.dataflowId, ...(e.path ? { path: e.path } : {}), status: "PENDING" };
      this.dataflows.set(key, df);
    }
    const data = e.data ?? {};
    const status = DATAFLOW_STATUS_BY_EVENT[e.type];
    if (status) df.status = status;
    if (e.type === "complete") {
      const ref = asRef(data.ref);
      if (ref) df.ref = ref;
      else df.value = data.value;
    }
    if (e.type === "error") df.error = asError(data.error);
    changes.dataflows.add(key);
  }
}
