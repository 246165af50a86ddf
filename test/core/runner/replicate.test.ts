import { describe, expect, it } from "vitest";
import { MAX_REPLICAS, runGraph, TaskGraphRunner } from "../../../src/core/runner/index";
import { checkLog, eventsOf, graph, Harness, registry, task, trace } from "./helpers";

const times = (replicate: string[], extra = {}) => task("t", "Times", { config: { replicate, ...extra } });

describe("replicate", () => {
  it("runs the cartesian product of two array ports, first port slowest, and merges as property arrays", async () => {
    const g = graph([times(["x", "y"]), task("after", "Echo")], ["t.product->after.products"]);
    const r = await runGraph(g, { x: [1, 2], y: [10, 20, 30] }, registry);
    checkLog(r.events);
    expect(r.status).toBe("COMPLETED");
    const t = r.tasks.find((s) => s.key === "t");
    expect(t).toMatchObject({ status: "COMPLETED", replicas: 6 });
    expect(t?.output).toEqual({
      product: [10, 20, 30, 20, 40, 60],
      label: ["1x10", "1x20", "1x30", "2x10", "2x20", "2x30"],
    });
    expect(r.output).toMatchObject({ products: [10, 20, 30, 20, 40, 60] });
    const replicas = r.tasks.filter((s) => s.replicaOf === "t");
    expect(replicas.map((s) => [s.key, s.taskId, s.replica, s.status])).toEqual(
      [0, 1, 2, 3, 4, 5].map((i) => [`t[${i}]`, `t[${i}]`, i, "COMPLETED"]),
    );
    expect(trace(r.events).filter((l) => /^task \w+ t(\[|$)/.test(l))).toEqual([
      "task start t",
      ...[0, 1, 2, 3, 4, 5].map((i) => `task start t[${i}]`),
      ...[0, 1, 2, 3, 4, 5].map((i) => `task complete t[${i}]`),
      "task complete t",
    ]);
    expect(eventsOf(r.events, "task", "start", "t")[0].data).toEqual({ attempt: 1, replicas: 6 });
  });

  it("dispatches each replica as its own attempt under maxConcurrency, with its own retries", () => {
    const g = graph([task("q", "QueueEcho", { config: { replicate: ["item"], retry: { maxAttempts: 2, initialDelayMs: 10 } } })]);
    const h = new Harness(g, { maxConcurrency: 2 });
    const fx = h.start({ item: ["a", "b", "c"], shared: 1 });
    expect(fx.dispatch.map((d) => [d.key, d.taskId, d.input])).toEqual([
      ["q[0]", "q[0]", { item: "a", shared: 1 }],
      ["q[1]", "q[1]", { item: "b", shared: 1 }],
    ]);
    h.fail("q[1]", { name: "E", message: "once" });
    expect(h.timers.has("retry:q[1]:2")).toBe(true);
    expect([...h.open.keys()]).toEqual(["q[0]", "q[2]"]);
    h.complete("q[0]", { out: "A" });
    h.complete("q[2]", { out: "C" });
    h.fireNext();
    h.complete("q[1]", { out: "B" });
    expect(h.runner.status).toBe("COMPLETED");
    expect(h.runner.runState().output).toEqual({ out: ["A", "B", "C"] });
    expect(h.runner.taskState("q[1]")).toMatchObject({ attempts: 2, replicaOf: "q", replica: 1 });
  });

  it("gives arrays even for one replica, and the declared output ports as [] for none", async () => {
    const one = await runGraph(graph([times(["x"])]), { x: [3], y: 2 }, registry);
    expect(one.output).toEqual({ product: [6], label: ["3x2"] });
    const none = await runGraph(graph([times(["x"])]), { x: [], y: 2 }, registry);
    expect(none.status).toBe("COMPLETED");
    expect(none.output).toEqual({ product: [], label: [] });
  });

  it("runs once, as usual, when no replicate port holds an array", async () => {
    const r = await runGraph(graph([times(["x"])]), { x: 4, y: 2 }, registry);
    expect(r.output).toEqual({ product: 8, label: "4x2" });
    expect(r.tasks).toHaveLength(1);
  });

  it("checks each replica's input against the schema", async () => {
    const r = await runGraph(graph([times(["x"])]), { x: [1, "two"], y: 2 }, registry);
    expect(r.status).toBe("FAILED");
    expect(r.error?.name).toBe("TaskInvalidInputError");
    expect(r.error?.message).toMatch(/port "x"/);
  });

  it("refuses a product above MAX_REPLICAS", async () => {
    const big = Array.from({ length: 101 }, (_, i) => i);
    const r = await runGraph(graph([times(["x", "y"])]), { x: big, y: big }, registry);
    expect(r.error?.message).toMatch(new RegExp(`10201 replicas, more than ${MAX_REPLICAS}`));
  });

  it("a replica that fails for good fails its task and stops the other replicas", () => {
    const h = new Harness(graph([task("q", "QueueEcho", { config: { replicate: ["i"] } })]));
    h.start({ i: [1, 2, 3] });
    h.complete("q[0]", {});
    const fx = h.fail("q[1]", { name: "E", message: "bad element" });
    expect(trace(fx.events)).toEqual(["task error q[1]", "task abort q[2]", "task error q", "graph error"]);
    expect(fx.aborts).toEqual([{ key: "q[2]", attempt: 1, reason: 'replica "q[1]" failed' }]);
    expect(h.runner.taskState("q")).toMatchObject({ status: "FAILED", error: { name: "E", message: "bad element" } });
  });

  it("snapshot/restore keeps replica rows", () => {
    const g = graph([task("q", "QueueEcho", { config: { replicate: ["i"] } })]);
    const h = new Harness(g);
    h.start({ i: [1, 2] });
    h.complete("q[1]", { v: 2 });
    const snap = JSON.parse(JSON.stringify(h.runner.snapshot()));
    const restored = TaskGraphRunner.restore(g, registry, snap, { runId: "r1" });
    expect(restored.snapshot()).toEqual(snap);
    expect(restored.inFlight().map((a) => a.key)).toEqual(["q[0]"]);
    const fx = restored.taskCompleted("q[0]", 1, { v: 1 }, h.now);
    expect(trace(fx.events)).toEqual(["task start q[0]", "task complete q[0]", "task complete q", "graph progress", "graph complete"]);
    expect(restored.runState().output).toEqual({ v: [1, 2] });
  });
});
