import { describe, expect, it } from "vitest";
import { runGraph } from "../../../src/core/runner/index";
import { checkLog, eventsOf, graph, Harness, registry, task, trace } from "./helpers";

describe("durable timer waits (Delay)", () => {
  it("parks the task on a wait timer, dispatches nothing, and resumes when it fires", () => {
    const g = graph([task("d", "Delay"), task("e", "Echo")], ["d.value->e.v"]);
    const h = new Harness(g);
    const fx = h.start({ ms: 60_000, value: "later" });
    expect(fx.dispatch).toEqual([]);
    expect(fx.timers).toEqual([{ id: "wait:d:1", at: h.now + 60_000 }]);
    expect(trace(fx.events)).toEqual(["graph start", "task start d"]);
    expect(h.runner.taskState("d")).toMatchObject({ status: "PROCESSING", wait: { kind: "timer" }, waitAt: h.now + 60_000 });
    const fired = h.fire("wait:d:1");
    expect(trace(fired.events)).toEqual(["task complete d", "dataflow complete d[value] ==> e[v]", "task start e", "graph progress"]);
    expect(fired.events[0].ts).toBe(new Date(h.now).toISOString());
    h.runInline();
    expect(h.runner.runState().output).toMatchObject({ v: "later" });
  });

  it("runGraph advances its virtual clock through a day-long delay at once", async () => {
    const t0 = Date.UTC(2026, 0, 1);
    const r = await runGraph(graph([task("d", "Delay")]), { ms: 86_400_000, value: 1 }, registry, { startTime: t0 });
    expect(r.status).toBe("COMPLETED");
    expect(r.events.at(-1)?.ts).toBe("2026-01-02T00:00:00.000Z");
  });

  it("a timer wait is not a dispatch: it takes no maxConcurrency slot", () => {
    const h = new Harness(graph([task("d1", "Delay"), task("d2", "Delay"), task("q", "QueueEcho")]), { maxConcurrency: 1 });
    const fx = h.start({ ms: 10 });
    expect(fx.dispatch.map((d) => d.key)).toEqual(["q"]);
    expect(fx.timers.map((t) => t.id)).toEqual(["wait:d1:1", "wait:d2:1"]);
  });
});

describe("signals (WaitForSignal)", () => {
  it("a signal sent after the wait began resumes the task with its payload", () => {
    const h = new Harness(graph([task("w", "WaitForSignal", { defaults: { signal: "approve" } })]));
    h.start({});
    expect(h.runner.taskState("w")).toMatchObject({ status: "PROCESSING", wait: { kind: "signal", name: "approve" } });
    const other = h.apply(h.runner.signal("reject", { no: 1 }, h.now));
    expect(other.delivered).toBe(false);
    expect(h.runner.runState().signals).toEqual([{ name: "reject", payload: { no: 1 } }]);
    const fx = h.apply(h.runner.signal("approve", { by: "ada" }, h.now));
    expect(fx.delivered).toBe(true);
    expect(h.runner.status).toBe("COMPLETED");
    expect(h.runner.runState().output).toEqual({ payload: { by: "ada" } });
    // The unrelated signal stays stored.
    expect(h.runner.runState().signals).toEqual([{ name: "reject", payload: { no: 1 } }]);
    checkLog(h.events);
  });

  it("a signal sent before the wait began is stored and consumed when it begins, oldest first", () => {
    // gate feeds w1 the signal name; w1's payload names w2's signal.
    const g = graph([task("gate", "QueueEcho"), task("w1", "WaitForSignal"), task("w2", "WaitForSignal")], ["gate.name->w1.signal", "w1.payload->w2.signal"]);
    const h = new Harness(g);
    h.start({});
    expect(h.apply(h.runner.signal("go", "go", h.now)).delivered).toBe(false);
    expect(h.apply(h.runner.signal("go", "second", h.now)).delivered).toBe(false);
    expect(h.runner.runState().signals).toHaveLength(2);
    h.complete("gate", { name: "go" });
    expect(h.runner.status).toBe("COMPLETED");
    expect(eventsOf(h.events, "task", "complete", "w1")[0].data).toEqual({ output: { payload: "go" } });
    expect(eventsOf(h.events, "task", "complete", "w2")[0].data).toEqual({ output: { payload: "second" } });
    expect(h.runner.runState().signals).toEqual([]);
  });

  it("the task that has waited longest consumes a signal first", () => {
    const g = graph([task("w1", "WaitForSignal"), task("w2", "WaitForSignal")]);
    const h = new Harness(g);
    h.start({ signal: "s" });
    h.apply(h.runner.signal("s", "first", h.now));
    expect(h.runner.taskState("w1")?.status).toBe("COMPLETED");
    expect(h.runner.taskState("w2")?.status).toBe("PROCESSING");
    h.apply(h.runner.signal("s", "second", h.now));
    expect(h.runner.runState().output).toEqual({ payload: ["first", "second"] });
  });

  it("fails with TaskTimeoutError when the signal does not come in time", () => {
    const h = new Harness(graph([task("w", "WaitForSignal", { defaults: { signal: "s", timeoutMs: 500 } })]));
    h.start({});
    expect(h.timers.get("wait:w:1")).toBe(h.now + 500);
    h.fire("wait:w:1");
    expect(h.runner.status).toBe("FAILED");
    expect(h.runner.runState().error).toMatchObject({ name: "TaskTimeoutError", code: "timeout" });
    // The run is over: a late signal is ignored, not stored.
    expect(h.runner.signal("s", 1, h.now)).toMatchObject({ delivered: false, events: [] });
  });

  it("a signal arriving in time clears the wait's timeout timer", () => {
    const h = new Harness(graph([task("w", "WaitForSignal", { defaults: { signal: "s", timeoutMs: 500 } })]));
    h.start({});
    const fx = h.apply(h.runner.signal("s", "ok", h.now));
    expect(fx.clearTimers).toEqual(["wait:w:1"]);
    expect(h.runner.timerFired("wait:w:1", h.now + 1000).events).toEqual([]);
  });

  it("runGraph delivers scheduled signals on its clock, before or after the wait began", async () => {
    const g = graph([task("d", "Delay"), task("w", "WaitForSignal"), task("w0", "WaitForSignal", { defaults: { signal: "early" } })], ["d.value->w.signal"]);
    const r = await runGraph(g, { ms: 1000, value: "late" }, registry, {
      startTime: 0,
      signals: [
        { name: "late", payload: "L", afterMs: 5000 },
        { name: "early", payload: "E" },
      ],
    });
    expect(r.status).toBe("COMPLETED");
    expect(r.output).toEqual({ payload: ["L", "E"] });
    expect(r.events.at(-1)?.ts).toBe("1970-01-01T00:00:05.000Z");
  });

  it("runGraph returns the unfinished status when a wait can never end", async () => {
    const r = await runGraph(graph([task("w", "WaitForSignal", { defaults: { signal: "never" } })]), {}, registry);
    expect(r.status).toBe("PROCESSING");
    expect(r.tasks[0]).toMatchObject({ status: "PROCESSING", wait: { kind: "signal", name: "never" } });
  });
});
