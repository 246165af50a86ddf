import type { DataflowStatus, TaskStatus } from "../status";
import type { ErrorInfo } from "../task/errors";
import type { DataflowState, TaskState, WaitState } from "./types";

/** Fields most tasks never set (retries, waits, failures, replicas): kept apart so a row stays small. */
class RareFields {
  attemptBase = 0;
  error: ErrorInfo | undefined = undefined;
  reason: string | undefined = undefined;
  routed = false;
  endedByFailure = false;
  wait: WaitState | undefined = undefined;
  waitOrder = -1;
  retryAt = -1;
  timeoutAt = -1;
  waitAt = -1;
  replicas = -1;
  iterations = -1;
  replicaRows: number[] | undefined = undefined;
  replicasDone = 0;
  replicaProgress = 0;
}

const DEFAULTS = Object.freeze(new RareFields());

/**
 * The runner's live task row: the persisted `TaskState` fields (with -1 for "no time") plus
 * counters derived from the dataflows, which `restore` recomputes instead of storing. A run holds
 * one per task, so the fields most tasks never touch live in a `RareFields` object made on first write.
 */
export class TaskRow {
  /** Dirty-marking stamp (see EffectsBuilder). */
  mark = 0;
  status: TaskStatus = "PENDING";
  attempts = 0;
  progress = 0;
  input: Record<string, unknown> | undefined = undefined;
  output: unknown = undefined;
  startedAt = -1;
  completedAt = -1;
  queuedAt = -1;
  // Derived (not persisted).
  /** Incoming dataflows still PENDING. */
  pending = 0;
  /** Incoming dataflows COMPLETED. */
  completedIn = 0;
  private rare: RareFields | undefined = undefined;

  constructor(
    readonly index: number,
    /** Compiled task index (a replica shares its task's). */
    readonly node: number,
    readonly key: string,
    readonly taskId: string,
    readonly path: string,
    readonly type: string,
    /** Row index of the replicated task for a replica row, else -1. */
    readonly replicaOf: number,
    readonly replica: number,
  ) {}

  private get r(): RareFields {
    return this.rare ?? DEFAULTS;
  }

  private get w(): RareFields {
    return (this.rare ??= new RareFields());
  }

  get attemptBase(): number {
    return this.r.attemptBase;
  }
  set attemptBase(v: number) {
    if (v !== this.r.attemptBase) this.w.attemptBase = v;
  }
  get error(): ErrorInfo | undefined {
    return this.r.error;
  }
  set error(v: ErrorInfo | undefined) {
    if (v !== this.r.error) this.w.error = v;
  }
  get reason(): string | undefined {
    return this.r.reason;
  }
  set reason(v: string | undefined) {
    if (v !== this.r.reason) this.w.reason = v;
  }
  get routed(): boolean {
    return this.r.routed;
  }
  set routed(v: boolean) {
    if (v !== this.r.routed) this.w.routed = v;
  }
  get endedByFailure(): boolean {
    return this.r.endedByFailure;
  }
  set endedByFailure(v: boolean) {
    if (v !== this.r.endedByFailure) this.w.endedByFailure = v;
  }
  get wait(): WaitState | undefined {
    return this.r.wait;
  }
  set wait(v: WaitState | undefined) {
    if (v !== this.r.wait) this.w.wait = v;
  }
  get waitOrder(): number {
    return this.r.waitOrder;
  }
  set waitOrder(v: number) {
    if (v !== this.r.waitOrder) this.w.waitOrder = v;
  }
  get retryAt(): number {
    return this.r.retryAt;
  }
  set retryAt(v: number) {
    if (v !== this.r.retryAt) this.w.retryAt = v;
  }
  get timeoutAt(): number {
    return this.r.timeoutAt;
  }
  set timeoutAt(v: number) {
    if (v !== this.r.timeoutAt) this.w.timeoutAt = v;
  }
  get waitAt(): number {
    return this.r.waitAt;
  }
  set waitAt(v: number) {
    if (v !== this.r.waitAt) this.w.waitAt = v;
  }
  /** Replicated task: replica count once expanded, -1 before. */
  get replicas(): number {
    return this.r.replicas;
  }
  set replicas(v: number) {
    if (v !== this.r.replicas) this.w.replicas = v;
  }
  /** Map: how many iterations it runs once started, -1 before. */
  get iterations(): number {
    return this.r.iterations;
  }
  set iterations(v: number) {
    if (v !== this.r.iterations) this.w.iterations = v;
  }
  /** Replicated task: row index of replica i at [i] (derived). */
  get replicaRows(): number[] | undefined {
    return this.r.replicaRows;
  }
  set replicaRows(v: number[] | undefined) {
    if (v !== this.r.replicaRows) this.w.replicaRows = v;
  }
  get replicasDone(): number {
    return this.r.replicasDone;
  }
  set replicasDone(v: number) {
    if (v !== this.r.replicasDone) this.w.replicasDone = v;
  }
  get replicaProgress(): number {
    return this.r.replicaProgress;
  }
  set replicaProgress(v: number) {
    if (v !== this.r.replicaProgress) this.w.replicaProgress = v;
  }

  toState(replicaOfKey: string | undefined): TaskState {
    const s: TaskState = {
      key: this.key,
      taskId: this.taskId,
      path: this.path,
      type: this.type,
      status: this.status,
      attempts: this.attempts,
      attemptBase: this.attemptBase,
      progress: this.progress,
    };
    if (this.input !== undefined) s.input = this.input;
    if (this.output !== undefined) s.output = this.output;
    if (this.error !== undefined) s.error = this.error;
    if (this.reason !== undefined) s.reason = this.reason;
    if (this.routed) s.routed = true;
    if (this.endedByFailure) s.endedByFailure = true;
    if (this.startedAt >= 0) s.startedAt = this.startedAt;
    if (this.completedAt >= 0) s.completedAt = this.completedAt;
    if (this.queuedAt >= 0) s.queuedAt = this.queuedAt;
    if (this.wait !== undefined) s.wait = this.wait;
    if (this.waitOrder >= 0) s.waitOrder = this.waitOrder;
    if (this.retryAt >= 0) s.retryAt = this.retryAt;
    if (this.timeoutAt >= 0) s.timeoutAt = this.timeoutAt;
    if (this.waitAt >= 0) s.waitAt = this.waitAt;
    if (replicaOfKey !== undefined) {
      s.replicaOf = replicaOfKey;
      s.replica = this.replica;
    }
    if (this.replicas >= 0) s.replicas = this.replicas;
    if (this.iterations >= 0) s.iterations = this.iterations;
    return s;
  }

  load(s: TaskState): void {
    this.status = s.status;
    this.attempts = s.attempts;
    this.attemptBase = s.attemptBase ?? 0;
    this.progress = s.progress ?? 0;
    this.input = s.input;
    this.output = s.output;
    this.error = s.error;
    this.reason = s.reason;
    this.routed = s.routed === true;
    this.endedByFailure = s.endedByFailure === true;
    this.startedAt = s.startedAt ?? -1;
    this.completedAt = s.completedAt ?? -1;
    this.queuedAt = s.queuedAt ?? -1;
    this.wait = s.wait;
    this.waitOrder = s.waitOrder ?? -1;
    this.retryAt = s.retryAt ?? -1;
    this.timeoutAt = s.timeoutAt ?? -1;
    this.waitAt = s.waitAt ?? -1;
    this.replicas = s.replicas ?? -1;
    this.iterations = s.iterations ?? -1;
  }
}

/**
 * The runner's dataflow rows as columns (one entry per dataflow index): a run has more dataflows
 * than tasks, and columns cost a handful of allocations instead of one object per dataflow.
 * Map iterations add rows while the run goes on (`grow`).
 */
export class EdgeTable {
  readonly status: DataflowStatus[];
  readonly value: unknown[];
  readonly error: Array<ErrorInfo | undefined>;
  /** Attempt of the source task that produced the value; -1 without one. Capacity may exceed `size`. */
  sourceAttempt: Int32Array;
  /** Dirty-marking stamps (see EffectsBuilder). Capacity may exceed `size`. */
  mark: Int32Array;

  constructor(public size: number) {
    this.status = new Array<DataflowStatus>(size).fill("PENDING");
    this.value = new Array<unknown>(size).fill(undefined);
    this.error = new Array<ErrorInfo | undefined>(size).fill(undefined);
    this.sourceAttempt = new Int32Array(size).fill(-1);
    this.mark = new Int32Array(size);
  }

  /** Adds PENDING rows up to `size` (typed columns double their capacity, so growing is amortised O(1) per row). */
  grow(size: number): void {
    if (size <= this.size) return;
    if (size > this.sourceAttempt.length) {
      const capacity = Math.max(size, this.sourceAttempt.length * 2);
      const attempts = new Int32Array(capacity).fill(-1);
      attempts.set(this.sourceAttempt.subarray(0, this.size));
      this.sourceAttempt = attempts;
      const marks = new Int32Array(capacity);
      marks.set(this.mark.subarray(0, this.size));
      this.mark = marks;
    }
    for (let i = this.size; i < size; i++) {
      this.status.push("PENDING");
      this.value.push(undefined);
      this.error.push(undefined);
    }
    this.size = size;
  }

  reset(i: number): void {
    this.status[i] = "PENDING";
    this.value[i] = undefined;
    this.error[i] = undefined;
    this.sourceAttempt[i] = -1;
  }

  toState(i: number, key: string, sourceKey: string, runId: string): DataflowState {
    const s: DataflowState = { key, status: this.status[i] };
    if (this.value[i] !== undefined) s.value = this.value[i];
    if (this.error[i] !== undefined) s.error = this.error[i];
    if (this.sourceAttempt[i] >= 0) s.provenance = { taskKey: sourceKey, attempt: this.sourceAttempt[i], runId };
    return s;
  }

  load(i: number, s: DataflowState): void {
    this.status[i] = s.status;
    this.value[i] = s.value;
    this.error[i] = s.error;
    this.sourceAttempt[i] = s.provenance?.attempt ?? -1;
  }
}
