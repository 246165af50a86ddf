import { describe, expect, it } from "vitest";
import { RunTransitionError, runGraph, TaskGraphRunner } from "../../../src/core/runner/index";
import { checkLog, eventsOf, graph, Harness, registry, task, trace } from "./helpers";

const chain = graph([task("a", "QueueEcho"), task("b", "QueueEcho"), task("c", "Echo")], ["a.x->b.x", "b.x->c.x"]);

describe("cancel", () => {
  it("before start: every task ABORTED, run ABORTED, graph abort with the reason last", () => {
    const runner = new TaskGraphRunner(chain, registry, { runId: "r" });
    const fx = runner.cancel(5, "user asked");
    expect(trace(fx.events)).toEqual(["task abort a", "task abort b", "task abort c", "graph abort"]);
    expect(fx.events[0].data).toEqual({ reason: "user asked" });
    expect(fx.events.at(-1)?.data).toEqual({ reason: "user asked" });
    expect(fx.aborts).toEqual([]);
    expect(runner.status).toBe("ABORTED");
    expect(runner.tasks().map((t) => t.status)).toEqual(["ABORTED", "ABORTED", "ABORTED"]);
    expect(() => runner.start({}, 6)).toThrow(RunTransitionError);
  });

  it("mid-run: running attempts get abort requests, later reports are ignored, completed work stays", () => {
    const g = graph([task("a", "QueueEcho"), task("b", "Echo"), task("c", "QueueEcho"), task("d", "Echo")], ["a.x->c.x", "b.x->d.x"]);
    const h = new Harness(g, { runId: "r" });
    h.start({ x: 1 });
    h.complete("a", { x: 2 }); // c is now queued; b still running
    h.started("c");
    const fx = h.apply(h.runner.cancel(h.now));
    expect(fx.aborts).toEqual([
      { key: "b", attempt: 1, reason: "cancelled" },
      { key: "c", attempt: 1, reason: "cancelled" },
    ]);
    expect(trace(fx.events)).toEqual(["task abort b", "task abort c", "task abort d", "graph abort"]);
    expect(h.runner.tasks().map((t) => [t.key, t.status])).toEqual([
      ["a", "COMPLETED"],
      ["b", "ABORTED"],
      ["c", "ABORTED"],
      ["d", "ABORTED"],
    ]);
    expect(h.runner.dataflowState("b[x] ==> d[x]")?.status).toBe("ABORTED");
    expect(h.runner.taskCompleted("c", 1, {}, h.now).events).toEqual([]);
    expect(h.runner.inFlight()).toEqual([]);
    checkLog(h.events);
  });

  it("clears pending timers", () => {
    const h = new Harness(graph([task("q", "QueueEcho", { config: { timeoutMs: 100 } }), task("d", "Delay")]));
    h.start({ ms: 1000 });
    h.started("q");
    expect([...h.timers.keys()].sort()).toEqual(["timeout:q:1", "wait:d:1"]);
    const fx = h.apply(h.runner.cancel(h.now));
    expect(fx.clearTimers.sort()).toEqual(["timeout:q:1", "wait:d:1"]);
    expect(h.runner.pendingTimers()).toEqual([]);
  });

  it("through runGraph's abort signal", async () => {
    const controller = new AbortController();
    const g = graph([task("a", "Async"), task("b", "Echo")], ["a.x->b.x"]);
    const promise = runGraph(g, {}, registry, { abortSignal: controller.signal });
    controller.abort("stop now");
    const r = await promise;
    expect(r.status).toBe("ABORTED");
    expect(r.events.at(-1)?.data).toEqual({ reason: "stop now" });
  });
});

describe("pause and resume", () => {
  it("pause stops new dispatch at once; running attempts finish; resume dispatches what became ready", () => {
    const h = new Harness(chain);
    h.start({ x: 1 });
    h.started("a");
    const paused = h.apply(h.runner.pause(h.now));
    expect(trace(paused.events)).toEqual(["graph pause"]);
    expect(h.runner.status).toBe("PAUSED");
    const done = h.complete("a", { x: 2 });
    expect(trace(done.events)).toEqual(["task complete a", "dataflow complete a[x] ==> b[x]", "graph progress"]);
    expect(done.dispatch).toEqual([]);
    expect(h.runner.taskState("b")).toMatchObject({ status: "PENDING", queuedAt: expect.any(Number) });
    const resumed = h.apply(h.runner.resume(h.now));
    expect(trace(resumed.events)).toEqual(["graph resume", "task queued b"]);
    expect(resumed.dispatch.map((d) => d.key)).toEqual(["b"]);
    h.runToEnd();
    expect(h.runner.status).toBe("COMPLETED");
    checkLog(h.events);
  });

  it("a run whose last running task finishes while paused completes", () => {
    const h = new Harness(graph([task("a", "QueueEcho")]));
    h.start({});
    h.apply(h.runner.pause(h.now));
    h.complete("a", { done: true });
    expect(h.runner.status).toBe("COMPLETED");
  });

  it("illegal transitions throw RunTransitionError; canTransition tells beforehand", () => {
    const runner = new TaskGraphRunner(chain, registry, { runId: "r" });
    expect(() => runner.pause(0)).toThrow(RunTransitionError);
    runner.start({}, 0);
    expect(runner.canTransition("resume")).toBe(false);
    try {
      runner.resume(0);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RunTransitionError);
      expect(e).toMatchObject({ name: "RunTransitionError", action: "resume", status: "PROCESSING" });
    }
    runner.pause(0);
    expect(() => runner.pause(0)).toThrow(/cannot pause a run that is PAUSED/);
    expect(runner.canTransition("retry")).toBe(false);
    expect(() => runner.retry(0)).toThrow(RunTransitionError);
    runner.cancel(0);
    expect(runner.canTransition("cancel")).toBe(false);
    expect(() => runner.cancel(0)).toThrow(/cannot cancel a run that is ABORTED/);
    expect(() => runner.resume(0)).toThrow(RunTransitionError);
  });
});

describe("retry of a failed run", () => {
  it("re-runs the failed and failure-skipped tasks, keeping completed outputs", () => {
    const g = graph(
      [task("a", "QueueEcho"), task("b", "QueueEcho"), task("c", "QueueEcho"), task("side", "QueueEcho")],
      ["a.x->b.x", "b.x->c.x"],
    );
    const h = new Harness(g);
    h.start({ x: 1 });
    h.complete("a", { x: 2 });
    h.fail("b", { name: "Down", message: "service down" }); // side is in flight: aborted
    expect(h.runner.status).toBe("FAILED");
    expect(h.runner.tasks().map((t) => t.status)).toEqual(["COMPLETED", "FAILED", "SKIPPED", "ABORTED"]);

    const fx = h.apply(h.runner.retry(h.now));
    expect(trace(fx.events)).toEqual(["graph start", "task queued b", "task queued side"]);
    expect(fx.events[0].data).toMatchObject({ retry: 1, input: { x: 1 } });
    expect(fx.dispatch.map((d) => [d.key, d.attempt, d.input])).toEqual([
      ["b", 2, { x: 2 }],
      ["side", 2, { x: 1 }],
    ]);
    // The old attempts stay stale.
    expect(h.runner.taskCompleted("side", 1, {}, h.now).events).toEqual([]);
    h.complete("side", {});
    h.complete("b", { x: 3 });
    h.complete("c", { x: 4 });
    expect(h.runner.status).toBe("COMPLETED");
    expect(eventsOf(h.events, "task", "queued", "a")).toHaveLength(1);
    expect(h.runner.taskState("a")?.attempts).toBe(1);
    expect(h.runner.runState()).toMatchObject({ retries: 1, output: { x: [4] } });
    expect(h.runner.runState().error).toBeUndefined();
    checkLog(h.events);
  });

  it("gives the re-run tasks a fresh retry budget", () => {
    const g = graph([task("q", "QueueEcho", { config: { retry: { maxAttempts: 2, initialDelayMs: 1 } } })]);
    const h = new Harness(g);
    h.start({});
    h.fail("q", { name: "E", message: "1" });
    h.fireNext();
    h.fail("q", { name: "E", message: "2" });
    expect(h.runner.status).toBe("FAILED");
    h.apply(h.runner.retry(h.now));
    h.fail("q", { name: "E", message: "3" });
    expect(h.runner.taskState("q")).toMatchObject({ status: "PENDING", attempts: 3, attemptBase: 2 });
    expect(h.timers.has("retry:q:4")).toBe(true);
  });

  it("does not re-run a failure that [error] routing handled", () => {
    const g = graph([task("b", "Boom"), task("h", "Echo"), task("q", "QueueEcho")], ["b.[error]->h.e"]);
    const h = new Harness(g);
    h.start({});
    h.fail("b", { name: "E", message: "b" });
    expect(h.runner.taskState("b")).toMatchObject({ status: "FAILED", routed: true });
    h.complete("h", {});
    h.fail("q", { name: "E", message: "m" });
    h.apply(h.runner.retry(h.now));
    expect([...h.open.keys()]).toEqual(["q"]);
    expect(h.runner.taskState("b")?.status).toBe("FAILED");
  });
});
