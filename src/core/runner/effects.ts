import type { DataflowEventType, GraphEventType, RunEvent, TaskEventType } from "../events";
import type { AbortRequest, Dispatch, Effects, RunState, Timer } from "./types";

/** Rows the builder can mark dirty at most once per step. */
export interface Markable {
  key: string;
  mark: number;
}

/** The shared empty list of every effect field nothing was added to (frozen: effects are read-only). */
const NONE: never[] = [];
Object.freeze(NONE);

export function emptyEffects(): Effects {
  return { events: NONE, dispatch: NONE, timers: NONE, clearTimers: NONE, aborts: NONE, dirty: { run: false, tasks: NONE, dataflows: NONE } };
}

/** Attempt numbers' `{ attempt }` event data, shared (events are read-only), since every start and queued event carries one. */
const ATTEMPT_DATA: Array<{ attempt: number }> = [];
export function attemptData(attempt: number): { attempt: number } {
  return (ATTEMPT_DATA[attempt] ??= Object.freeze({ attempt }) as { attempt: number });
}

/** In-process drivers (runGraph) take events and dispatches straight into their own lists. */
export interface EffectsSink {
  events: RunEvent[];
  dispatch: Dispatch[];
}

/**
 * Collects one step's effects: events with gap-free `seq` and a `ts` from the run's clock (which
 * never goes back), and each changed row once. One builder lives as long as the runner; `begin`
 * opens a step, `finish` hands its effects over.
 */
export class EffectsBuilder {
  private fx: Effects = emptyEffects();
  private step = 0;
  private tsMs = Number.NaN;
  private tsText = "";

  constructor(
    private readonly run: RunState,
    /** Off when nobody persists rows (runGraph): no dirty lists are built. */
    private readonly trackDirty: boolean,
    /** With a sink, events and dispatches go there and one Effects object is reused for the rest. */
    private readonly sink: EffectsSink | undefined,
  ) {}

  begin(now: number): void {
    if (this.sink) {
      const fx = this.fx;
      fx.timers = NONE;
      fx.clearTimers = NONE;
      fx.aborts = NONE;
      fx.dirty.run = true;
      fx.dirty.tasks = NONE;
      fx.dirty.dataflows = NONE;
    } else {
      this.fx = { events: NONE, dispatch: NONE, timers: NONE, clearTimers: NONE, aborts: NONE, dirty: { run: true, tasks: NONE, dataflows: NONE } };
    }
    this.step++;
    if (Number.isFinite(now) && now > this.run.clock) this.run.clock = now;
  }

  finish(): Effects {
    return this.fx;
  }

  dispatch(d: Dispatch): void {
    if (this.sink) this.sink.dispatch.push(d);
    else if (this.fx.dispatch === NONE) this.fx.dispatch = [d];
    else this.fx.dispatch.push(d);
  }

  timer(t: Timer): void {
    if (this.fx.timers === NONE) this.fx.timers = [t];
    else this.fx.timers.push(t);
  }

  clearTimer(id: string): void {
    if (this.fx.clearTimers === NONE) this.fx.clearTimers = [id];
    else this.fx.clearTimers.push(id);
  }

  abort(a: AbortRequest): void {
    if (this.fx.aborts === NONE) this.fx.aborts = [a];
    else this.fx.aborts.push(a);
  }

  private event(e: RunEvent): void {
    if (this.sink) this.sink.events.push(e);
    else if (this.fx.events === NONE) this.fx.events = [e];
    else this.fx.events.push(e);
  }

  /** The step's timestamp: ISO text of the run clock, cached while the clock stands still. */
  ts(): string {
    const now = this.run.clock;
    if (now !== this.tsMs) {
      this.tsMs = now;
      this.tsText = new Date(now).toISOString();
    }
    return this.tsText;
  }

  touchTask(row: Markable): void {
    if (row.mark !== this.step && this.trackDirty) {
      row.mark = this.step;
      const dirty = this.fx.dirty;
      if (dirty.tasks === NONE) dirty.tasks = [row.key];
      else dirty.tasks.push(row.key);
    }
  }

  /** Dataflow rows live in an EdgeTable: the caller passes its mark array. */
  touchDataflow(marks: Int32Array, index: number, key: string): void {
    if (marks[index] !== this.step && this.trackDirty) {
      marks[index] = this.step;
      const dirty = this.fx.dirty;
      if (dirty.dataflows === NONE) dirty.dataflows = [key];
      else dirty.dataflows.push(key);
    }
  }

  graph(type: GraphEventType, data: Record<string, unknown>): void {
    this.event({ seq: ++this.run.seq, ts: this.ts(), runId: this.run.runId, kind: "graph", type, data });
  }

  task(type: TaskEventType, taskId: string, path: string, data: Record<string, unknown>): void {
    const seq = ++this.run.seq;
    const event: RunEvent = path
      ? { seq, ts: this.ts(), runId: this.run.runId, kind: "task", type, taskId, path, data }
      : { seq, ts: this.ts(), runId: this.run.runId, kind: "task", type, taskId, data };
    this.event(event);
  }

  dataflow(type: DataflowEventType, dataflowId: string, path: string, data: Record<string, unknown>): void {
    const seq = ++this.run.seq;
    const event: RunEvent = path
      ? { seq, ts: this.ts(), runId: this.run.runId, kind: "dataflow", type, dataflowId, path, data }
      : { seq, ts: this.ts(), runId: this.run.runId, kind: "dataflow", type, dataflowId, data };
    this.event(event);
  }
}
