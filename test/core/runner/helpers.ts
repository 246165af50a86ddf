import { Type } from "@sinclair/typebox";
import type { RunEvent } from "../../../src/core/events";
import type { Dataflow, Graph, TaskNode } from "../../../src/core/graph/schema";
import {
  type AbortRequest,
  type Dispatch,
  type Effects,
  type RunnerOptions,
  TaskGraphRunner,
} from "../../../src/core/runner/index";
import { defineTask, PermanentTaskError, TaskError, toErrorInfo } from "../../../src/core/task/index";
import { createRegistry } from "../../../src/tasks/index";

/** Test-only task types. */

/** Output = its input (every key, open schema). */
export const Echo = defineTask({
  type: "Echo",
  title: "Echo",
  category: "Test",
  execution: "inline",
  input: Type.Object({}, { additionalProperties: true }),
  output: Type.Object({}, { additionalProperties: true }),
  run: (input) => ({ ...input }),
});

/** The same, executed through the queue. */
export const QueueEcho = defineTask({
  type: "QueueEcho",
  title: "Queue echo",
  category: "Test",
  execution: "queue",
  input: Type.Object({}, { additionalProperties: true }),
  output: Type.Object({}, { additionalProperties: true }),
  run: (input) => ({ ...input }),
});

/** Collects into an array port; `n` is a scalar port. */
export const Collect = defineTask({
  type: "Collect",
  title: "Collect",
  category: "Test",
  execution: "inline",
  input: Type.Object(
    {
      items: Type.Optional(Type.Array(Type.Unknown())),
      pairs: Type.Optional(Type.Array(Type.Array(Type.Number()))),
      n: Type.Optional(Type.Number()),
    },
    { additionalProperties: false },
  ),
  output: Type.Object({ items: Type.Array(Type.Unknown()), pairs: Type.Array(Type.Array(Type.Number())), n: Type.Optional(Type.Number()) }),
  run: ({ items, pairs, n }) => ({ items: items ?? [], pairs: pairs ?? [], ...(n !== undefined ? { n } : {}) }),
});

/** Fails its first `config.failures` attempts (retryable), then echoes its input. */
export const Flaky = defineTask({
  type: "Flaky",
  title: "Flaky",
  category: "Test",
  execution: "inline",
  input: Type.Object({}, { additionalProperties: true }),
  output: Type.Object({}, { additionalProperties: true }),
  config: Type.Object({ failures: Type.Optional(Type.Number()) }),
  run: (input, ctx) => {
    if (ctx.attempt <= (ctx.config.failures ?? 0)) throw new TaskError(`flaky failure ${ctx.attempt}`, { name: "FlakyError", code: "flaky" });
    return { ...input, attempt: ctx.attempt };
  },
});

/** Always fails; `config.permanent` makes the failure permanent. */
export const Boom = defineTask({
  type: "Boom",
  title: "Boom",
  category: "Test",
  execution: "inline",
  input: Type.Object({}, { additionalProperties: true }),
  output: Type.Object({ never: Type.Optional(Type.Unknown()) }),
  config: Type.Object({ permanent: Type.Optional(Type.Boolean()), message: Type.Optional(Type.String()) }),
  run: (_input, ctx) => {
    const message = ctx.config.message ?? "boom";
    if (ctx.config.permanent) throw new PermanentTaskError(message, "bad");
    throw new TaskError(message, { name: "BoomError", code: "boom" });
  },
});

/** Branching: outputs `then` or `else` (the other port is inactive). */
export const Branch = defineTask({
  type: "Branch",
  title: "Branch",
  category: "Test",
  execution: "inline",
  branching: true,
  input: Type.Object({ cond: Type.Boolean(), value: Type.Optional(Type.Unknown()) }),
  output: Type.Object({ then: Type.Optional(Type.Unknown()), else: Type.Optional(Type.Unknown()) }),
  run: ({ cond, value }) => (cond ? { then: value } : { else: value }),
});

/** Multiplies `x` by `y`: a task to replicate. */
export const Times = defineTask({
  type: "Times",
  title: "Times",
  category: "Test",
  execution: "inline",
  input: Type.Object({ x: Type.Number(), y: Type.Number() }, { additionalProperties: false }),
  output: Type.Object({ product: Type.Number(), label: Type.String() }),
  run: ({ x, y }) => ({ product: x * y, label: `${x}x${y}` }),
});

/** Reports progress and a log line, then echoes. */
export const Progressing = defineTask({
  type: "Progressing",
  title: "Progressing",
  category: "Test",
  execution: "inline",
  input: Type.Object({}, { additionalProperties: true }),
  output: Type.Object({}, { additionalProperties: true }),
  run: (input, ctx) => {
    ctx.progress(25);
    ctx.progress(25.7); // same whole number: coalesced
    ctx.log("halfway");
    ctx.progress(75);
    return { ...input };
  },
});

/** Declares ports `a` and `b` but leaves its schema open (any other key passes too). */
export const OpenPair = defineTask({
  type: "OpenPair",
  title: "Open pair",
  category: "Test",
  execution: "inline",
  input: Type.Object({ a: Type.Number(), b: Type.Number() }),
  output: Type.Object({}, { additionalProperties: true }),
  run: (input) => ({ ...input }),
});

/** Returns something that is not an object. */
export const BadOutput = defineTask({
  type: "BadOutput",
  title: "Bad output",
  category: "Test",
  execution: "inline",
  input: Type.Object({}, { additionalProperties: true }),
  output: Type.Object({}),
  run: () => 42 as unknown as Record<string, never>,
});

/** Async: resolves on a later macrotask, or rejects when aborted. */
export const Async = defineTask({
  type: "Async",
  title: "Async",
  category: "Test",
  execution: "inline",
  input: Type.Object({}, { additionalProperties: true }),
  output: Type.Object({}, { additionalProperties: true }),
  run: (input, ctx) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => resolve({ ...input }), 1);
      ctx.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(new TaskError(`aborted: ${String(ctx.signal.reason)}`));
      });
    }),
});

export const testTasks = [Echo, QueueEcho, Collect, Flaky, Boom, Branch, Times, OpenPair, Progressing, BadOutput, Async];
export const registry = createRegistry(testTasks);

/** Graph-building shorthands. */
export function task(id: string, type: string, extra: Partial<TaskNode> = {}): TaskNode {
  return { id, type, ...extra };
}

/** "a.x->b.y" → a dataflow. */
export function flow(spec: string): Dataflow {
  const m = /^([^.]+)\.(.+)->([^.]+)\.(.+)$/.exec(spec);
  if (!m) throw new Error(`bad flow spec ${spec}`);
  return { sourceTaskId: m[1], sourceTaskPortId: m[2], targetTaskId: m[3], targetTaskPortId: m[4] };
}

export function graph(tasks: TaskNode[], flows: string[] = [], extra: Partial<Graph> = {}): Graph {
  return { name: "test", tasks, dataflows: flows.map(flow), ...extra };
}

/** "kind type id" lines, the shape most order assertions need. */
export function trace(events: RunEvent[]): string[] {
  return events.map((e) => {
    if (e.kind === "graph") return `graph ${e.type}`;
    if (e.kind === "task") return `task ${e.type} ${e.path ? `${e.path}/` : ""}${e.taskId}`;
    return `dataflow ${e.type} ${e.path ? `${e.path}/` : ""}${e.dataflowId}`;
  });
}

export function eventsOf(events: RunEvent[], kind: string, type: string, id?: string): RunEvent[] {
  return events.filter(
    (e) => e.kind === kind && e.type === type && (id === undefined || ("taskId" in e ? e.taskId : "dataflowId" in e ? e.dataflowId : undefined) === id),
  );
}

/** Checks the invariants every log must keep: seq gap-free from 1, ts never decreasing, one run id, terminal event last. */
export function checkLog(events: RunEvent[]): void {
  events.forEach((e, i) => {
    if (e.seq !== i + 1) throw new Error(`seq gap at ${i}: ${e.seq}`);
    if (i > 0 && e.ts < events[i - 1].ts) throw new Error(`ts decreased at seq ${e.seq}`);
    if (e.runId !== events[0].runId) throw new Error("run id changed");
  });
  // A terminal graph event is the last one, unless retry() re-started the failed run.
  events.forEach((e, i) => {
    if (e.kind !== "graph" || !["complete", "error", "abort"].includes(e.type) || i === events.length - 1) return;
    const next = events[i + 1];
    if (!(e.type === "error" && next.kind === "graph" && next.type === "start")) throw new Error(`terminal event at seq ${e.seq} is not last`);
  });
}

/**
 * Drives a runner by hand: records every effect, keeps the in-flight dispatches and armed timers,
 * and can execute inline dispatches synchronously with the registry's run().
 */
export class Harness {
  readonly runner: TaskGraphRunner;
  readonly events: RunEvent[] = [];
  readonly log: Effects[] = [];
  readonly dispatched: Dispatch[] = [];
  readonly aborts: AbortRequest[] = [];
  readonly timers = new Map<string, number>();
  /** Dispatches not yet reported on, by key. */
  readonly open = new Map<string, Dispatch>();
  now: number;

  constructor(
    readonly g: Graph,
    options: Partial<RunnerOptions> = {},
    start = 1_000_000,
  ) {
    this.runner = new TaskGraphRunner(g, registry, { runId: "r1", ...options });
    this.now = start;
  }

  apply<T extends Effects>(fx: T): T {
    this.log.push(fx);
    this.events.push(...fx.events);
    for (const id of fx.clearTimers) this.timers.delete(id);
    for (const t of fx.timers) this.timers.set(t.id, t.at);
    for (const a of fx.aborts) {
      this.aborts.push(a);
      if (this.open.get(a.key)?.attempt === a.attempt) this.open.delete(a.key);
    }
    for (const d of fx.dispatch) {
      this.dispatched.push(d);
      this.open.set(d.key, d);
    }
    return fx;
  }

  start(input: Record<string, unknown> = {}): Effects {
    return this.apply(this.runner.start(input, this.now));
  }

  attempt(key: string): number {
    const d = this.open.get(key);
    if (!d) throw new Error(`no open dispatch for ${key}`);
    return d.attempt;
  }

  complete(key: string, output: unknown, attempt = this.attempt(key)): Effects {
    this.open.delete(key);
    return this.apply(this.runner.taskCompleted(key, attempt, output, this.now));
  }

  fail(key: string, error: { name: string; message: string; code?: string; permanent?: boolean }, attempt = this.attempt(key)): Effects {
    this.open.delete(key);
    return this.apply(this.runner.taskFailed(key, attempt, error, this.now));
  }

  started(key: string, attempt = this.attempt(key)): Effects {
    return this.apply(this.runner.taskStarted(key, attempt, this.now));
  }

  /** Fires the earliest armed timer, moving the clock to its due time. */
  fireNext(): string {
    const [id, at] = [...this.timers].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))[0] ?? [];
    if (id === undefined) throw new Error("no timer armed");
    this.now = Math.max(this.now, at as number);
    this.timers.delete(id);
    this.apply(this.runner.timerFired(id, this.now));
    return id;
  }

  fire(id: string): Effects {
    const at = this.timers.get(id);
    if (at === undefined) throw new Error(`timer ${id} is not armed`);
    this.now = Math.max(this.now, at);
    this.timers.delete(id);
    return this.apply(this.runner.timerFired(id, this.now));
  }

  /** Runs open dispatches with their task's run() (synchronous ones only) until none is left. */
  runInline(): void {
    for (let d = this.open.values().next().value; d; d = this.open.values().next().value) {
      const def = registry.get(d.type);
      if (!def?.run) throw new Error(`no run() for ${d.type}`);
      if (d.execution === "queue") this.started(d.key, d.attempt);
      let out: unknown;
      try {
        out = def.run(d.input, {
          runId: "r1",
          taskId: d.taskId,
          path: d.path,
          attempt: d.attempt,
          config: d.config,
          signal: new AbortController().signal,
          progress: (p, m) => this.apply(this.runner.taskProgress(d.key, d.attempt, p, this.now, m)),
          log: (m) => this.apply(this.runner.taskProgress(d.key, d.attempt, 0, this.now, m)),
        });
      } catch (err) {
        this.fail(d.key, toErrorInfo(err), d.attempt);
        continue;
      }
      if (out instanceof Promise) throw new Error("runInline runs synchronous tasks only");
      this.complete(d.key, out, d.attempt);
    }
  }

  /** Runs inline work and fires timers until the run is finished or stuck. */
  runToEnd(): void {
    for (let guard = 0; guard < 10_000; guard++) {
      this.runInline();
      if (["COMPLETED", "FAILED", "ABORTED"].includes(this.runner.status) || this.timers.size === 0) return;
      this.fireNext();
    }
    throw new Error("runToEnd did not settle");
  }

  trace(): string[] {
    return trace(this.events);
  }
}
