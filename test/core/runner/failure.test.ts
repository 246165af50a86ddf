import { describe, expect, it } from "vitest";
import { baseDelay, normalizeRetry, runGraph } from "../../../src/core/runner/index";
import { checkLog, eventsOf, graph, Harness, registry, task, trace } from "./helpers";

const retry = (r: Record<string, unknown>) => ({ config: { retry: r } });

describe("an unhandled failure", () => {
  it("in a chain: the run FAILED with the first error, downstream SKIPPED and never started, graph error last", async () => {
    const g = graph([task("a", "Echo"), task("b", "Boom"), task("c", "Echo")], ["a.x->b.x", "b.never->c.x"]);
    const r = await runGraph(g, { x: 1 }, registry);
    checkLog(r.events);
    expect(r.status).toBe("FAILED");
    expect(r.error).toEqual({ name: "BoomError", message: "boom", code: "boom" });
    expect(trace(r.events).slice(-4)).toEqual(["task error b", "dataflow error b[never] ==> c[x]", "task skipped c", "graph error"]);
    expect(r.events.at(-1)?.data).toEqual({ error: { name: "BoomError", message: "boom", code: "boom" } });
    expect(eventsOf(r.events, "task", "skipped", "c")[0].data).toEqual({ reason: 'task "b" failed' });
    expect(eventsOf(r.events, "task", "start", "c")).toHaveLength(0);
    expect(r.tasks.map((t) => [t.key, t.status])).toEqual([
      ["a", "COMPLETED"],
      ["b", "FAILED"],
      ["c", "SKIPPED"],
    ]);
    expect(r.output).toBeUndefined();
  });

  it("aborts running inline attempts, invalidates queued ones, and ignores their late reports", () => {
    const g = graph([task("a", "Echo"), task("b", "Echo"), task("q", "QueueEcho"), task("z", "Echo")], ["a.x->z.x"]);
    const h = new Harness(g);
    h.start({});
    const fx = h.fail("b", { name: "Nope", message: "no" });
    expect(fx.aborts).toEqual([
      { key: "a", attempt: 1, reason: 'task "b" failed' },
      { key: "q", attempt: 1, reason: 'task "b" failed' },
    ]);
    expect(fx.dispatch).toEqual([]);
    expect(trace(fx.events)).toEqual(["task error b", "task abort a", "task abort q", "task skipped z", "graph error"]);
    expect(fx.events[2].data).toEqual({ reason: 'task "b" failed', attempt: 1 });
    expect(h.runner.taskState("a")?.status).toBe("ABORTED");
    expect(h.runner.taskState("q")?.status).toBe("ABORTED");
    const before = JSON.stringify(h.runner.snapshot());
    expect(h.runner.taskCompleted("a", 1, { x: 1 }, h.now).events).toEqual([]);
    expect(h.runner.taskStarted("q", 1, h.now).events).toEqual([]);
    expect(h.runner.taskFailed("q", 1, { name: "E", message: "m" }, h.now).events).toEqual([]);
    expect(JSON.stringify(h.runner.snapshot())).toBe(before);
    expect(h.runner.runState().error).toEqual({ name: "Nope", message: "no" });
  });

  it("strips anything but name, message and code from reported errors", () => {
    const h = new Harness(graph([task("a", "QueueEcho")]));
    h.start({});
    h.fail("a", { name: "E", message: "m", code: "c", stack: "at secret.js:1" } as never);
    expect(h.runner.runState().error).toEqual({ name: "E", message: "m", code: "c" });
  });
});

describe("retries", () => {
  it("retries with exponential backoff within ±20% jitter, then succeeds", () => {
    const g = graph([task("f", "Flaky", { config: { failures: 3, retry: { maxAttempts: 4, backoff: "exponential", initialDelayMs: 1000, maxDelayMs: 3000 } } })]);
    const h = new Harness(g, { seed: 42 });
    h.start({ v: 1 });
    const expected = [1000, 2000, 3000]; // the third is capped by maxDelayMs
    for (let failed = 1; failed <= 3; failed++) {
      const failedAt = h.now;
      h.runInline();
      const retryEvent = eventsOf(h.events, "task", "retry", "f")[failed - 1];
      const { delayMs } = retryEvent.data as { delayMs: number };
      expect(retryEvent.data).toEqual({ attempt: failed, delayMs, error: { name: "FlakyError", message: `flaky failure ${failed}`, code: "flaky" } });
      expect(delayMs).toBeGreaterThanOrEqual(expected[failed - 1] * 0.8);
      expect(delayMs).toBeLessThanOrEqual(expected[failed - 1] * 1.2);
      const id = `retry:f:${failed + 1}`;
      expect(h.timers.get(id)).toBe(failedAt + delayMs);
      expect(h.runner.taskState("f")).toMatchObject({ status: "PENDING", attempts: failed, retryAt: failedAt + delayMs });
      h.fire(id);
      expect(h.open.get("f")?.attempt).toBe(failed + 1);
    }
    h.runInline();
    expect(h.runner.status).toBe("COMPLETED");
    expect(h.runner.runState().output).toEqual({ v: 1, attempt: 4 });
    expect(eventsOf(h.events, "task", "start", "f").map((e) => e.data)).toEqual([1, 2, 3, 4].map((attempt) => ({ attempt })));
    checkLog(h.events);
  });

  it("uses the fixed delay for fixed backoff", () => {
    const s = normalizeRetry({ maxAttempts: 5, backoff: "fixed", initialDelayMs: 250 });
    expect([1, 2, 3, 4].map((a) => baseDelay(s, a))).toEqual([250, 250, 250, 250]);
    const e = normalizeRetry({ maxAttempts: 5, initialDelayMs: 100, maxDelayMs: 500 });
    expect([1, 2, 3, 4].map((a) => baseDelay(e, a))).toEqual([100, 200, 400, 500]);
    expect(normalizeRetry(undefined)).toEqual({ maxAttempts: 1, backoff: "exponential", initialDelayMs: 1000, maxDelayMs: 60000 });
  });

  it("spreads jitter over the whole ±20% band and draws the same delays for the same seed", async () => {
    const delays = async (seed: number) => {
      const g = graph(
        Array.from({ length: 40 }, (_, i) => task(`f${i}`, "Flaky", { config: { failures: 1, retry: { maxAttempts: 2, initialDelayMs: 1000 } } })),
      );
      const r = await runGraph(g, {}, registry, { seed, startTime: 0 });
      return eventsOf(r.events, "task", "retry").map((e) => (e.data as { delayMs: number }).delayMs);
    };
    const a = await delays(7);
    expect(await delays(7)).toEqual(a);
    expect(await delays(8)).not.toEqual(a);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(800);
    expect(Math.max(...a)).toBeLessThanOrEqual(1200);
    expect(Math.min(...a)).toBeLessThan(900);
    expect(Math.max(...a)).toBeGreaterThan(1100);
  });

  it("fails for good after maxAttempts, counting the first attempt", async () => {
    const r = await runGraph(graph([task("b", "Boom", retry({ maxAttempts: 3, initialDelayMs: 10 }))]), {}, registry);
    expect(r.status).toBe("FAILED");
    expect(eventsOf(r.events, "task", "start", "b")).toHaveLength(3);
    expect(eventsOf(r.events, "task", "retry", "b").map((e) => (e.data as { attempt: number }).attempt)).toEqual([1, 2]);
    expect(eventsOf(r.events, "task", "error", "b")[0].data).toMatchObject({ attempt: 3 });
    expect(r.tasks[0]).toMatchObject({ status: "FAILED", attempts: 3 });
  });

  it("does not retry permanent errors, AssertionError or errors reported as permanent", async () => {
    const perm = await runGraph(graph([task("b", "Boom", { config: { permanent: true, retry: { maxAttempts: 3 } } })]), {}, registry);
    expect(perm.error).toMatchObject({ name: "PermanentTaskError", code: "bad" });
    expect(eventsOf(perm.events, "task", "retry")).toHaveLength(0);

    const assert = await runGraph(graph([task("a", "Assert", retry({ maxAttempts: 3 }))]), { condition: false, message: "nope" }, registry);
    expect(assert.error).toEqual({ name: "AssertionError", message: "nope", code: "assertion_failed" });
    expect(eventsOf(assert.events, "task", "retry")).toHaveLength(0);

    const h = new Harness(graph([task("q", "QueueEcho", retry({ maxAttempts: 3 }))]));
    h.start({});
    h.fail("q", { name: "HttpError", message: "404", permanent: true });
    expect(h.runner.status).toBe("FAILED");
  });

  it("a retry timer that fires while paused queues the task until resume", () => {
    const h = new Harness(graph([task("q", "QueueEcho", retry({ maxAttempts: 2, initialDelayMs: 100 }))]));
    h.start({});
    h.fail("q", { name: "E", message: "m" });
    h.apply(h.runner.pause(h.now));
    expect(h.fireNext()).toBe("retry:q:2");
    expect(h.open.size).toBe(0);
    expect(h.runner.taskState("q")).toMatchObject({ status: "PENDING", queuedAt: expect.any(Number) });
    const fx = h.apply(h.runner.resume(h.now));
    expect(fx.dispatch.map((d) => [d.key, d.attempt])).toEqual([["q", 2]]);
  });
});

describe("timeouts", () => {
  it("fail the attempt with a retryable TaskTimeoutError and abort it", () => {
    const h = new Harness(graph([task("q", "QueueEcho", { config: { timeoutMs: 5000, retry: { maxAttempts: 2, initialDelayMs: 10 } } })]));
    h.start({});
    expect(h.timers.size).toBe(0); // a queue task's time starts when it is claimed
    h.started("q");
    expect(h.timers.get("timeout:q:1")).toBe(h.now + 5000);
    const fx = h.fire("timeout:q:1");
    expect(fx.aborts).toEqual([{ key: "q", attempt: 1, reason: "timeout" }]);
    expect(eventsOf(fx.events, "task", "retry")[0].data).toMatchObject({
      attempt: 1,
      error: { name: "TaskTimeoutError", message: "task timed out after 5000 ms", code: "timeout" },
    });
    // The timed-out attempt's late completion is stale.
    expect(h.runner.taskCompleted("q", 1, {}, h.now).events).toEqual([]);
    h.fireNext(); // retry
    h.started("q");
    const done = h.complete("q", { ok: 1 });
    expect(done.clearTimers).toEqual(["timeout:q:2"]);
    expect(h.runner.status).toBe("COMPLETED");
  });

  it("times out an inline task from its dispatch and fails the run when no retry is left", () => {
    const h = new Harness(graph([task("a", "Echo", { config: { timeoutMs: 100 } })]));
    h.start({});
    expect(h.timers.get("timeout:a:1")).toBe(h.now + 100);
    h.fire("timeout:a:1");
    expect(h.runner.status).toBe("FAILED");
    expect(h.runner.runState().error?.name).toBe("TaskTimeoutError");
    expect(h.aborts).toEqual([{ key: "a", attempt: 1, reason: "timeout" }]);
  });

  it("a timeout timer that was cleared does nothing when it fires late", () => {
    const h = new Harness(graph([task("a", "Echo", { config: { timeoutMs: 100 } })]));
    h.start({});
    h.runInline();
    expect(h.runner.status).toBe("COMPLETED");
    expect(h.runner.timerFired("timeout:a:1", h.now + 1000).events).toEqual([]);
  });
});

describe("[error] routing", () => {
  it("routes the error along [error] dataflows, skips the others, and the run goes on to COMPLETED", async () => {
    const g = graph(
      [task("b", "Boom", { config: { message: "bad input" } }), task("handler", "Echo"), task("next", "Echo"), task("after", "Echo")],
      ["b.[error]->handler.error", "b.never->next.x", "next.x->after.x"],
    );
    const r = await runGraph(g, {}, registry);
    checkLog(r.events);
    expect(r.status).toBe("COMPLETED");
    const error = { name: "BoomError", message: "bad input", code: "boom" };
    expect(eventsOf(r.events, "dataflow", "complete", "b[[error]] ==> handler[error]")[0].data).toEqual({ value: error });
    expect(eventsOf(r.events, "dataflow", "skipped", "b[never] ==> next[x]")[0].data).toEqual({ reason: 'task "b" failed' });
    expect(r.tasks.map((t) => [t.key, t.status])).toEqual([
      ["b", "FAILED"],
      ["handler", "COMPLETED"],
      ["next", "SKIPPED"],
      ["after", "SKIPPED"],
    ]);
    expect(r.tasks[0]).toMatchObject({ routed: true, error });
    // Leaves: handler (completed) and after (skipped): only COMPLETED leaves merge.
    expect(r.output).toEqual({ error });
  });

  it("skips the [error] dataflows of a task that succeeds", async () => {
    const g = graph([task("a", "Echo"), task("handler", "Echo"), task("b", "Echo")], ["a.[error]->handler.error", "a.x->b.x"]);
    const r = await runGraph(g, { x: 1 }, registry);
    expect(r.status).toBe("COMPLETED");
    expect(eventsOf(r.events, "dataflow", "skipped", "a[[error]] ==> handler[error]")[0].data).toEqual({ reason: "no error" });
    expect(r.tasks.find((t) => t.key === "handler")?.status).toBe("SKIPPED");
    expect(r.output).toEqual({ x: 1 });
  });

  it("routes only the final failure: retries come first", async () => {
    const g = graph([task("f", "Flaky", { config: { failures: 1, retry: { maxAttempts: 2, initialDelayMs: 5 } } }), task("h", "Echo")], ["f.[error]->h.e"]);
    const r = await runGraph(g, {}, registry);
    expect(r.tasks.map((t) => t.status)).toEqual(["COMPLETED", "SKIPPED"]);
  });
});

describe("skip propagation and branching", () => {
  it("skips a task whose inputs are all skipped and runs one with some completed inputs on those", async () => {
    const g = graph(
      [task("br", "Branch"), task("yes", "Echo"), task("no", "Echo"), task("noAgain", "Echo"), task("join", "Echo")],
      ["br.then->yes.v", "br.else->no.v", "no.v->noAgain.v", "yes.v->join.fromYes", "no.v->join.fromNo"],
    );
    const r = await runGraph(g, { cond: true, value: "V" }, registry);
    checkLog(r.events);
    expect(r.status).toBe("COMPLETED");
    expect(eventsOf(r.events, "dataflow", "skipped", "br[else] ==> no[v]")[0].data).toEqual({ reason: 'branch "else" not taken' });
    expect(eventsOf(r.events, "task", "skipped", "no")[0].data).toEqual({ reason: "all inputs skipped" });
    const status = Object.fromEntries(r.tasks.map((t) => [t.key, t.status]));
    expect(status).toEqual({ br: "COMPLETED", yes: "COMPLETED", no: "SKIPPED", noAgain: "SKIPPED", join: "COMPLETED" });
    // join ran with the completed input only (a skipped port is left to its defaults).
    const join = eventsOf(r.events, "task", "complete", "join")[0].data as { output: Record<string, unknown> };
    expect(join.output.fromYes).toBe("V");
    expect("fromNo" in join.output).toBe(false);
  });

  it("a non-branching task's missing output key completes its dataflow with no value", async () => {
    const g = graph([task("a", "Echo"), task("c", "Collect", { defaults: { n: 3 } })], ["a.missing->c.n"]);
    const r = await runGraph(g, {}, registry);
    expect(eventsOf(r.events, "dataflow", "complete")[0].data).toEqual({});
    expect(r.output).toEqual({ items: [], pairs: [], n: 3 });
  });

  it("propagates a skip down a long chain without recursion", async () => {
    const n = 20_000;
    const tasks = [task("br", "Branch"), ...Array.from({ length: n }, (_, i) => task(`t${i}`, "Echo"))];
    const flows = ["br.else->t0.v", ...Array.from({ length: n - 1 }, (_, i) => `t${i}.v->t${i + 1}.v`)];
    const r = await runGraph(graph(tasks, flows), { cond: true }, registry);
    expect(r.status).toBe("COMPLETED");
    expect(eventsOf(r.events, "task", "skipped")).toHaveLength(n);
  });
});
