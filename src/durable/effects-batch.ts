import type { Dispatch, Effects, AbortRequest } from "../core/runner";
import type { RunEvent } from "../core/events";

/**
 * The effects of several facts, merged so the object persists and acts once per turn: events in
 * order, each dirty row once, the last word on each timer (set or cleared) kept.
 */
export class EffectsBatch {
  readonly events: RunEvent[] = [];
  readonly dispatch: Dispatch[] = [];
  readonly aborts: AbortRequest[] = [];
  readonly dirtyTasks = new Set<string>();
  readonly dirtyDataflows = new Set<string>();
  /** Timer id → due time, or null when cleared. */
  readonly timers = new Map<string, number | null>();
  dirtyRun = false;

  add(fx: Effects): void {
    for (const e of fx.events) this.events.push(e);
    for (const d of fx.dispatch) this.dispatch.push(d);
    for (const a of fx.aborts) this.aborts.push(a);
    for (const k of fx.dirty.tasks) this.dirtyTasks.add(k);
    for (const k of fx.dirty.dataflows) this.dirtyDataflows.add(k);
    for (const id of fx.clearTimers) this.timers.set(id, null);
    for (const t of fx.timers) this.timers.set(t.id, t.at);
    this.dirtyRun ||= fx.dirty.run;
  }

  /**
   * Removes the inline dispatches and returns them, leaving queue ones to be sent: the object runs
   * a synchronous task's inline successors in the same turn instead of flushing once per task.
   */
  takeInline(): Dispatch[] {
    const inline: Dispatch[] = [];
    let kept = 0;
    for (const d of this.dispatch) {
      if (d.execution === "inline") inline.push(d);
      else this.dispatch[kept++] = d;
    }
    this.dispatch.length = kept;
    return inline;
  }

  get empty(): boolean {
    return !this.dirtyRun && this.events.length === 0 && this.dispatch.length === 0 && this.aborts.length === 0 && this.dirtyTasks.size === 0 && this.dirtyDataflows.size === 0 && this.timers.size === 0;
  }

  timersToSet(): { id: string; at: number }[] {
    const out: { id: string; at: number }[] = [];
    for (const [id, at] of this.timers) if (at !== null) out.push({ id, at });
    return out;
  }

  timersToClear(): string[] {
    const out: string[] = [];
    for (const [id, at] of this.timers) if (at === null) out.push(id);
    return out;
  }
}
