import { describe, expect, it } from "vitest";
import type { Graph, GraphBody } from "../../../src/core/graph/schema";
import { type Effects, type RunSnapshot, SnapshotMismatchError, TaskGraphRunner } from "../../../src/core/runner/index";
import { checkLog, flow, graph, Harness, registry, task } from "./helpers";

type Fact = [method: string, args: unknown[]];
const OPTIONS = { runId: "r1", seed: 99 };
const FACTS = ["start", "taskStarted", "taskProgress", "taskCompleted", "taskFailed", "timerFired", "cancel", "pause", "resume", "signal", "retry"] as const;

/** Records every fact a harness feeds its runner. */
function record(h: Harness): Fact[] {
  const facts: Fact[] = [];
  const runner = h.runner as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const m of FACTS) {
    const original = runner[m].bind(runner);
    runner[m] = (...args: unknown[]) => {
      facts.push([m, structuredClone(args)]);
      return original(...args);
    };
  }
  return facts;
}

function apply(runner: TaskGraphRunner, [method, args]: Fact): Effects {
  return (runner as unknown as Record<string, (...a: unknown[]) => Effects>)[method](...args);
}

const subgraph: GraphBody = {
  tasks: [task("first", "Echo"), task("times", "Times", { config: { replicate: ["x"] } })],
  dataflows: [flow("first.y->times.y")],
};

/** A run that touches most rules: queue, retries with jitter, a durable wait, a signal, a subgraph, replicas, [error] routing, a branch. */
const scenario: Graph = graph(
  [
    task("a", "QueueEcho"),
    task("f", "Flaky", { config: { failures: 2, retry: { maxAttempts: 3, initialDelayMs: 100 } } }),
    task("d", "Delay"),
    task("w", "WaitForSignal"),
    { id: "s", type: "GraphAsTask", subgraph },
    task("b", "Boom"),
    task("h", "Echo"),
    task("br", "Branch"),
    task("yes", "Echo"),
    task("no", "Echo"),
    task("join", "Collect"),
  ],
  ["a.sig->f.sig", "f.sig->d.value", "d.value->w.signal", "b.[error]->h.error", "br.then->yes.v", "br.else->no.v", "yes.v->join.items", "no.v->join.items", "w.payload->join.items", "s.product->join.items"],
);
const input = { x: [1, 2, 3], y: 2, cond: true, ms: 500, value: 0, sig: "go" };

function playScenario(): { h: Harness; facts: Fact[] } {
  const h = new Harness(scenario, OPTIONS);
  const facts = record(h);
  h.start(input);
  h.apply(h.runner.pause(h.now));
  h.now += 10;
  h.apply(h.runner.resume(h.now));
  h.now += 10;
  h.apply(h.runner.signal("go", { ok: true }, h.now));
  h.runToEnd();
  return { h, facts };
}

function playFailureAndRetry(): { h: Harness; facts: Fact[] } {
  const g = graph([task("a", "QueueEcho"), task("b", "QueueEcho"), task("c", "QueueEcho"), task("p", "QueueEcho")], ["a.x->b.x", "b.x->c.x"]);
  const h = new Harness(g, OPTIONS);
  const facts = record(h);
  h.start({ x: 1 });
  h.started("a");
  h.apply(h.runner.taskProgress("a", 1, 40, h.now, "working"));
  h.complete("a", { x: 2 });
  h.fail("b", { name: "E", message: "m" });
  h.apply(h.runner.retry(h.now));
  h.complete("p", {});
  h.complete("b", { x: 3 });
  h.complete("c", { x: 4 });
  return { h, facts };
}

function fresh(g: Graph): TaskGraphRunner {
  return new TaskGraphRunner(g, registry, OPTIONS);
}

const plays = { scenario: playScenario, failureAndRetry: playFailureAndRetry };

describe("determinism", () => {
  it("the scenario itself ends as designed", () => {
    const { h } = playScenario();
    checkLog(h.events);
    expect(h.runner.status).toBe("COMPLETED");
    const state = Object.fromEntries(h.runner.tasks().map((t) => [t.key, t.status]));
    expect(state).toMatchObject({ f: "COMPLETED", b: "FAILED", h: "COMPLETED", no: "SKIPPED", join: "COMPLETED", "s/times": "COMPLETED", "s/times[2]": "COMPLETED" });
    expect(h.runner.taskState("f")?.attempts).toBe(3);
    const join = h.runner.taskState("join")?.output as { items: unknown[] };
    expect(join.items).toEqual([0, { ok: true }, 2, 4, 6]);
  });

  for (const [name, play] of Object.entries(plays)) {
    it(`${name}: the same facts in the same order give byte-identical effects`, () => {
      const { h, facts } = play();
      const original = JSON.stringify(h.log);
      const a = fresh(h.g);
      const b = fresh(h.g);
      const replayA = JSON.stringify(facts.map((f) => apply(a, f)));
      expect(JSON.stringify(facts.map((f) => apply(b, f)))).toBe(replayA);
      expect(replayA).toBe(original);
    });
  }
});

describe("stale and duplicate facts", () => {
  it("change nothing and return empty effects", () => {
    const g = graph(
      [task("a", "QueueEcho", { config: { retry: { maxAttempts: 2, initialDelayMs: 10 } } }), task("b", "Echo"), task("w", "Delay")],
      ["a.x->b.x"],
    );
    const h = new Harness(g);
    h.start({ ms: 100 });
    h.fail("a", { name: "E", message: "first" }); // attempt 1 failed, retry armed
    h.fire("retry:a:2");
    h.started("a");
    const snapshot = JSON.stringify(h.runner.snapshot());
    const empty = { events: [], dispatch: [], timers: [], clearTimers: [], aborts: [], dirty: { run: false, tasks: [], dataflows: [] } };
    const r = h.runner;
    const stale: Array<[string, () => Effects]> = [
      ["completion of a superseded attempt", () => r.taskCompleted("a", 1, { x: 1 }, h.now)],
      ["failure of a superseded attempt", () => r.taskFailed("a", 1, { name: "E", message: "late" }, h.now)],
      ["claim of a superseded attempt", () => r.taskStarted("a", 1, h.now)],
      ["duplicate claim", () => r.taskStarted("a", 2, h.now)],
      ["a future attempt", () => r.taskCompleted("a", 3, {}, h.now)],
      ["an unknown task", () => r.taskCompleted("zzz", 1, {}, h.now)],
      ["a task not dispatched yet", () => r.taskCompleted("b", 1, {}, h.now)],
      ["a durable wait (not a dispatch)", () => r.taskCompleted("w", 1, {}, h.now)],
      ["progress of a superseded attempt", () => r.taskProgress("a", 1, 50, h.now)],
      ["progress that is not a number", () => r.taskProgress("a", 2, Number.NaN, h.now)],
      ["an unknown timer", () => r.timerFired("retry:zzz:1", h.now)],
      ["a timer that already fired", () => r.timerFired("retry:a:2", h.now)],
    ];
    for (const [what, fact] of stale) {
      expect(fact(), what).toEqual(empty);
      expect(JSON.stringify(r.snapshot()), what).toBe(snapshot);
    }
    // Duplicate completion: the first counts, the second is a no-op.
    expect(h.complete("a", { x: 1 }, 2).events.length).toBeGreaterThan(0);
    const after = JSON.stringify(r.snapshot());
    expect(r.taskCompleted("a", 2, { x: 999 }, h.now)).toEqual(empty);
    expect(JSON.stringify(r.snapshot())).toBe(after);
    // Anything after the run ended.
    h.apply(r.cancel(h.now));
    const ended = JSON.stringify(r.snapshot());
    expect(r.taskCompleted("b", 1, {}, h.now)).toEqual(empty);
    expect(r.timerFired("wait:w:1", h.now)).toEqual(empty);
    expect(r.signal("x", 1, h.now)).toEqual({ ...empty, delivered: false });
    expect(JSON.stringify(r.snapshot())).toBe(ended);
  });
});

describe("snapshot and restore", () => {
  for (const [name, play] of Object.entries(plays)) {
    it(`${name}: restoring after any step gives identical subsequent effects`, () => {
      const { facts } = play();
      const g = play === playScenario ? scenario : playFailureAndRetry().h.g;
      for (let k = 0; k <= facts.length; k++) {
        const original = fresh(g);
        for (const f of facts.slice(0, k)) apply(original, f);
        const snap: RunSnapshot = JSON.parse(JSON.stringify(original.snapshot()));
        const restored = TaskGraphRunner.restore(g, registry, snap, OPTIONS);
        expect(restored.snapshot(), `snapshot after ${k} facts`).toEqual(snap);
        expect(restored.pendingTimers()).toEqual(original.pendingTimers());
        expect(restored.inFlight()).toEqual(original.inFlight());
        const rest = facts.slice(k);
        const a = JSON.stringify(rest.map((f) => apply(original, f)));
        const b = JSON.stringify(rest.map((f) => apply(restored, f)));
        expect(b, `effects after restoring at fact ${k}`).toBe(a);
        expect(JSON.stringify(restored.snapshot())).toBe(JSON.stringify(original.snapshot()));
      }
    });

    it(`${name}: persisting only the dirty rows of each step rebuilds the full state`, () => {
      const { h, facts } = play();
      const runner = fresh(h.g);
      const store = { run: runner.runState(), tasks: new Map<string, unknown>(), dataflows: new Map<string, unknown>() };
      for (const t of runner.tasks()) store.tasks.set(t.key, t);
      for (const d of runner.dataflows()) store.dataflows.set(d.key, d);
      for (const f of facts) {
        const fx = apply(runner, f);
        if (fx.dirty.run) store.run = runner.runState();
        for (const key of fx.dirty.tasks) store.tasks.set(key, runner.taskState(key));
        for (const key of fx.dirty.dataflows) store.dataflows.set(key, runner.dataflowState(key));
        const snap = runner.snapshot();
        expect(JSON.stringify(store.run)).toBe(JSON.stringify(snap.run));
        expect(JSON.stringify([...store.tasks.values()].sort(byKey))).toBe(JSON.stringify(snap.tasks.slice().sort(byKey)));
        expect(JSON.stringify([...store.dataflows.values()])).toBe(JSON.stringify(snap.dataflows));
      }
    });
  }

  it("refuses a snapshot of another run or of another graph", () => {
    const g = graph([task("a", "Echo")]);
    const runner = new TaskGraphRunner(g, registry, { runId: "r1" });
    runner.start({}, 0);
    const snap = runner.snapshot();
    expect(() => TaskGraphRunner.restore(g, registry, snap, { runId: "other" })).toThrow(SnapshotMismatchError);
    expect(() => TaskGraphRunner.restore(graph([task("b", "Echo")]), registry, snap, { runId: "r1" })).toThrow(/task a is not in the graph/);
    expect(() => TaskGraphRunner.restore(graph([task("a", "Echo"), task("b", "Echo")]), registry, snap, { runId: "r1" })).toThrow(/lacks/);
    expect(() => TaskGraphRunner.restore(g, registry, { ...snap, version: 2 as 1 }, { runId: "r1" })).toThrow(/version/);
  });
});

function byKey(a: unknown, b: unknown): number {
  const ka = (a as { key: string }).key;
  const kb = (b as { key: string }).key;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
