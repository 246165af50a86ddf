import { describe, expect, it } from "vitest";
import { runGraph, TaskGraphRunner } from "../../../src/core/runner/index";
import { checkLog, eventsOf, graph, Harness, registry, task, trace } from "./helpers";

const T0 = Date.UTC(2026, 10, 26, 10, 0, 0);

describe("a single task", () => {
  it("logs graph start, task start, progress, complete, graph progress and complete, in that order", async () => {
    const g = graph([task("a", "Progressing")]);
    const r = await runGraph(g, { x: 1 }, registry, { runId: "r_1", graphId: "g_1", graphVersion: 3, startTime: T0 });
    checkLog(r.events);
    expect(trace(r.events)).toEqual([
      "graph start",
      "task start a",
      "task progress a",
      "graph progress",
      "task progress a",
      "task progress a",
      "graph progress",
      "task complete a",
      "graph progress",
      "graph complete",
    ]);
    const [start, taskStart, p25, g25, log, p75, g75, complete, progress, done] = r.events;
    expect(g25.data).toEqual({ progress: 25 });
    expect(g75.data).toEqual({ progress: 75 });
    expect(start.data).toEqual({ graphId: "g_1", graphVersion: 3, input: { x: 1 } });
    expect(start.ts).toBe("2026-11-26T10:00:00.000Z");
    expect(start.runId).toBe("r_1");
    expect(taskStart.data).toEqual({ attempt: 1 });
    expect(p25.data).toEqual({ attempt: 1, progress: 25 });
    expect(log.data).toEqual({ attempt: 1, progress: 25, message: "halfway" });
    expect(p75.data).toEqual({ attempt: 1, progress: 75 });
    expect(complete.data).toEqual({ output: { x: 1 } });
    expect(progress.data).toEqual({ progress: 100 });
    expect(done.data).toEqual({ output: { x: 1 } });
    expect(r.status).toBe("COMPLETED");
    expect(r.output).toEqual({ x: 1 });
    expect(r.tasks).toMatchObject([{ key: "a", status: "COMPLETED", attempts: 1, progress: 100 }]);
    // Top-level events carry no path.
    expect("path" in taskStart).toBe(false);
  });

  it("an empty graph completes at once with an empty merge", async () => {
    const r = await runGraph(graph([]), {}, registry, { startTime: T0 });
    expect(r.status).toBe("COMPLETED");
    expect(r.output).toEqual({});
    expect(trace(r.events)).toEqual(["graph start", "graph progress", "graph complete"]);
  });

  it("rejects a run input that is not an object and a second start", () => {
    const runner = new TaskGraphRunner(graph([task("a", "Echo")]), registry, { runId: "r" });
    expect(() => runner.start([] as unknown as Record<string, unknown>, 0)).toThrow(TypeError);
    runner.start({}, 0);
    expect(() => runner.start({}, 0)).toThrow(/cannot start a run that is PROCESSING/);
  });

  it("rejects bad options", () => {
    const g = graph([task("a", "Echo")]);
    expect(() => new TaskGraphRunner(g, registry, { runId: "" })).toThrow(/runId/);
    expect(() => new TaskGraphRunner(g, registry, { runId: "r", maxConcurrency: 0 })).toThrow(/maxConcurrency/);
    expect(() => new TaskGraphRunner(g, registry, { runId: "r", maxConcurrency: 1.5 })).toThrow(/maxConcurrency/);
    expect(() => new TaskGraphRunner(g, registry, { runId: "r", maxInlineValueBytes: -1 })).toThrow(/maxInlineValueBytes/);
  });
});

describe("dependencies and dataflows", () => {
  it("runs a diamond: the join starts only after both branches' dataflows complete", async () => {
    const g = graph(
      [task("a", "Echo"), task("b", "Echo"), task("c", "Echo"), task("d", "Echo")],
      ["a.v->b.left", "a.v->c.right", "b.left->d.l", "c.right->d.r"],
    );
    const r = await runGraph(g, { v: 7 }, registry, { startTime: T0 });
    checkLog(r.events);
    const t = trace(r.events);
    const at = (s: string) => t.indexOf(s);
    expect(at("task start d")).toBeGreaterThan(at("dataflow complete b[left] ==> d[l]"));
    expect(at("task start d")).toBeGreaterThan(at("dataflow complete c[right] ==> d[r]"));
    expect(at("dataflow complete b[left] ==> d[l]")).toBeGreaterThan(at("task complete b"));
    expect(eventsOf(r.events, "task", "start", "d")).toHaveLength(1);
    // Only d is a leaf. Echo's schema is open, so every task also gets the unfed run-input keys.
    expect(r.output).toEqual({ v: 7, l: 7, r: 7 });
    expect(r.tasks.every((s) => s.status === "COMPLETED" && s.attempts === 1)).toBe(true);
  });

  it("carries several dataflows between the same two tasks", async () => {
    const g = graph([task("a", "Echo"), task("b", "Echo")], ["a.x->b.first", "a.y->b.second", "a.*->b.whole"]);
    const r = await runGraph(g, { x: 1, y: 2 }, registry);
    expect(r.output).toEqual({ x: 1, y: 2, first: 1, second: 2, whole: { x: 1, y: 2 } });
    expect(eventsOf(r.events, "dataflow", "complete").map((e) => ("dataflowId" in e ? e.dataflowId : ""))).toEqual([
      "a[x] ==> b[first]",
      "a[y] ==> b[second]",
      "a[*] ==> b[whole]",
    ]);
  });

  it("appends several dataflows into an array port in dataflow order, whatever the completion order", () => {
    const g = graph(
      [task("s1", "QueueEcho"), task("s2", "QueueEcho"), task("s3", "QueueEcho"), task("c", "Collect")],
      ["s2.v->c.items", "s3.v->c.items", "s1.v->c.items"],
    );
    const h = new Harness(g);
    h.start({});
    expect([...h.open.keys()]).toEqual(["s1", "s2", "s3"]);
    h.complete("s3", { v: "three" });
    h.complete("s1", { v: ["one", "uno"] }); // an array value is spread into an array port
    h.complete("s2", { v: "two" });
    expect(h.open.get("c")?.input).toEqual({ items: ["two", "three", "one", "uno"] });
  });

  it("pushes array values whole into a port whose items are arrays, and lets the later dataflow win on a scalar port", () => {
    const g = graph(
      [task("p", "Echo"), task("q", "Echo"), task("c", "Collect")],
      ["p.pair->c.pairs", "q.pair->c.pairs", "q.n->c.n", "p.n->c.n"],
    );
    const h = new Harness(g);
    h.start({});
    h.complete("p", { pair: [1, 2], n: 1 });
    h.complete("q", { pair: [3, 4], n: 2 });
    expect(h.open.get("c")?.input).toEqual({ pairs: [[1, 2], [3, 4]], n: 1 });
  });

  it("wraps a single scalar dataflow into an array port", async () => {
    const g = graph([task("a", "Echo"), task("c", "Collect")], ["a.v->c.items"]);
    const r = await runGraph(g, { v: 5 }, registry);
    expect(r.output).toEqual({ items: [5], pairs: [] });
  });
});

describe("input assembly", () => {
  it("layers defaults < run input < * dataflows < port dataflows", () => {
    const g = graph(
      [task("a", "Echo"), task("b", "Echo", { defaults: { k: "default", d: "default", w: "default" } })],
      ["a.*->b.*", "a.p->b.k"],
    );
    const h = new Harness(g);
    h.start({ k: "run", w: "run", extra: "run" });
    h.complete("a", { p: "port", w: "whole", k: "whole" });
    // k: the port dataflow wins over the * dataflow; w: the * dataflow over the run input;
    // d: only the default; extra: run input (b's schema is open); k is fed, so the run's k never reaches b.
    expect(h.open.get("b")?.input).toEqual({ k: "port", d: "default", w: "whole", extra: "run", p: "port" });
  });

  it("gives a non-root task with a closed schema only its declared, unfed ports from the run input", () => {
    const g = graph([task("a", "Echo"), task("m", "Times")], ["a.v->m.x"]);
    const h = new Harness(g);
    h.start({ v: 6, x: 100, y: 7, other: "x" });
    h.complete("a", { v: 6 });
    expect(h.open.get("m")?.input).toEqual({ x: 6, y: 7 });
  });

  it("gives a task with an open schema every run-input key no dataflow into it feeds", () => {
    const g = graph([task("a", "Echo"), task("m", "OpenPair")], ["a.v->m.a"]);
    const h = new Harness(g);
    h.start({ v: 6, a: 100, b: 7, other: "x" });
    h.complete("a", { v: 6 });
    expect(h.open.get("m")?.input).toEqual({ v: 6, a: 6, b: 7, other: "x" });
  });

  it("filters the run input for a root with a closed schema too", async () => {
    const g = graph([task("t", "Template", { defaults: { template: "Hi {{name}}" } })]);
    const r = await runGraph(g, { name: "Ada", unrelated: true }, registry);
    expect(r.status).toBe("COMPLETED");
    expect(r.output).toEqual({ text: "Hi Ada" });
  });

  it("fails a task whose input does not match its schema with TaskInvalidInputError naming the port, without retrying", async () => {
    const g = graph([task("a", "Echo"), task("m", "OpenPair", { config: { retry: { maxAttempts: 5 } } })], ["a.v->m.a"]);
    const r = await runGraph(g, { v: "six", b: 2 }, registry);
    expect(r.status).toBe("FAILED");
    expect(r.error?.name).toBe("TaskInvalidInputError");
    expect(r.error?.message).toMatch(/port "a"/);
    expect(r.error?.code).toBe("invalid_input");
    expect(eventsOf(r.events, "task", "retry")).toHaveLength(0);
    expect(eventsOf(r.events, "task", "start", "m")).toHaveLength(0);
    expect(r.tasks.find((t) => t.key === "m")).toMatchObject({ status: "FAILED", attempts: 1 });
  });

  it("reports a missing required port", async () => {
    const r = await runGraph(graph([task("m", "OpenPair")]), { a: 1 }, registry);
    expect(r.error?.name).toBe("TaskInvalidInputError");
    expect(r.error?.message).toMatch(/port "b"/);
  });

  it("fails a task fed a non-object through a * target", async () => {
    const g = graph([task("a", "Echo"), task("b", "Echo")], ["a.v->b.*"]);
    const r = await runGraph(g, { v: [1, 2] }, registry);
    expect(r.status).toBe("FAILED");
    expect(r.error).toMatchObject({ name: "TaskInvalidInputError" });
    expect(r.error?.message).toMatch(/a\[v\] ==> b\[\*\].*array/);
  });

  it("fails a task whose run() returns something that is not an object", async () => {
    const r = await runGraph(graph([task("x", "BadOutput", { config: { retry: { maxAttempts: 3 } } })]), {}, registry);
    expect(r.error).toMatchObject({ name: "TaskInvalidOutputError", code: "invalid_output" });
    expect(eventsOf(r.events, "task", "retry")).toHaveLength(0);
  });
});

describe("dispatch", () => {
  it("dispatches every ready task at once, bounded by maxConcurrency", () => {
    const tasks = ["a", "b", "c", "d", "e"].map((id) => task(id, "QueueEcho"));
    const h = new Harness(graph(tasks), { maxConcurrency: 2 });
    const fx = h.start({});
    expect(fx.dispatch.map((d) => d.key)).toEqual(["a", "b"]);
    h.complete("b", {});
    expect([...h.open.keys()]).toEqual(["a", "c"]);
    h.complete("a", {});
    h.complete("c", {});
    expect([...h.open.keys()]).toEqual(["d", "e"]);

    const unbounded = new Harness(graph(tasks));
    expect(unbounded.start({}).dispatch).toHaveLength(5);
  });

  it("queue tasks: QUEUED with a queued event at dispatch, PROCESSING with start when claimed", () => {
    const h = new Harness(graph([task("q", "QueueEcho", { config: { custom: 1 } })]));
    const fx = h.start({ a: 1 });
    expect(fx.dispatch).toEqual([{ key: "q", taskId: "q", path: "", type: "QueueEcho", execution: "queue", attempt: 1, input: { a: 1 }, config: { custom: 1 } }]);
    expect(h.runner.taskState("q")?.status).toBe("QUEUED");
    expect(trace(fx.events)).toEqual(["graph start", "task queued q"]);
    expect(fx.events[1].data).toEqual({ attempt: 1 });
    expect(h.runner.liveAttempt("q", 1)).toMatchObject({ status: "QUEUED", input: { a: 1 } });
    const claimed = h.started("q");
    expect(trace(claimed.events)).toEqual(["task start q"]);
    expect(h.runner.taskState("q")?.status).toBe("PROCESSING");
    // A second claim of the same attempt (redelivered message) changes nothing.
    expect(h.started("q").events).toEqual([]);
    h.complete("q", { ok: true });
    expect(h.runner.status).toBe("COMPLETED");
  });

  it("a completion of a queued attempt that was never claimed implies its start", () => {
    const h = new Harness(graph([task("q", "QueueEcho")]));
    h.start({});
    const fx = h.complete("q", {});
    expect(trace(fx.events)).toEqual(["task start q", "task complete q", "graph progress", "graph complete"]);
  });

  it("inline tasks are PROCESSING with a start event at dispatch", () => {
    const h = new Harness(graph([task("a", "Echo")]));
    const fx = h.start({});
    expect(fx.dispatch[0].execution).toBe("inline");
    expect(trace(fx.events)).toEqual(["graph start", "task start a"]);
    expect(h.runner.taskState("a")).toMatchObject({ status: "PROCESSING", attempts: 1, startedAt: h.now });
  });

  it("replaces values above maxInlineValueBytes by references in events", async () => {
    const big = "x".repeat(200);
    const g = graph([task("a", "Echo"), task("b", "Echo")], ["a.big->b.big", "a.small->b.small"]);
    const r = await runGraph(g, { big, small: 1 }, registry, { maxInlineValueBytes: 100, runId: "r" });
    const flows = eventsOf(r.events, "dataflow", "complete");
    expect(flows[0].data).toEqual({ ref: { ref: "dataflow:a[big] ==> b[big]", size: 202 } });
    expect(flows[1].data).toEqual({ value: 1 });
    expect(r.events[0].data).toEqual({ graphId: null, graphVersion: null, ref: { ref: "run:input", size: JSON.stringify({ big, small: 1 }).length } });
    expect(eventsOf(r.events, "task", "complete", "a")[0].data).toMatchObject({ ref: { ref: "task:a" } });
    expect(r.events.at(-1)?.data).toMatchObject({ ref: { ref: "run:output" } });
    // The values themselves stay in the state.
    expect(r.output).toEqual({ big, small: 1 });
  });

  it("counts multi-byte characters in UTF-8 bytes for the reference size", async () => {
    const g = graph([task("a", "Echo"), task("b", "Echo")], ["a.s->b.s"]);
    const r = await runGraph(g, { s: "é".repeat(40) }, registry, { maxInlineValueBytes: 60 });
    expect(eventsOf(r.events, "dataflow", "complete")[0].data).toEqual({ ref: { ref: "dataflow:a[s] ==> b[s]", size: 82 } });
  });
});

describe("the output cap (maxValueBytes)", () => {
  it("fails a task whose output is larger, for good (no retry), and says how large it was", async () => {
    const g = graph([{ ...task("a", "Echo"), config: { retry: { maxAttempts: 3 } } }, task("b", "Echo")], ["a.big->b.big"]);
    const big = "x".repeat(500);
    const r = await runGraph(g, { big }, registry, { maxValueBytes: 300, runId: "r" });
    expect(r.status).toBe("FAILED");
    const a = r.tasks.find((t) => t.key === "a");
    expect(a).toMatchObject({ status: "FAILED", attempts: 1, error: { name: "OutputTooLargeError", code: "output_too_large" } });
    expect(a?.error?.message).toMatch(/the task's output is 510 bytes of JSON; at most 300 bytes/);
    expect(eventsOf(r.events, "task", "retry")).toEqual([]);
    expect(r.tasks.find((t) => t.key === "b")?.status).not.toBe("COMPLETED");
  });

  it("fails the run when the merged output is larger, though every task completed", async () => {
    const g = graph([task("a", "Echo"), task("b", "Echo")]);
    const r = await runGraph(g, { s: "y".repeat(200) }, registry, { maxValueBytes: 300, runId: "r" });
    expect(r.tasks.map((t) => t.status)).toEqual(["COMPLETED", "COMPLETED"]);
    expect(r.status).toBe("FAILED");
    expect(r.error).toMatchObject({ name: "OutputTooLargeError", code: "output_too_large" });
    expect(r.error?.message).toMatch(/the run's merged output is \d+ bytes/);
    expect(r.events.at(-1)).toMatchObject({ kind: "graph", type: "error" });
  });

  it("lets outputs at the cap through, by reference above maxInlineValueBytes", async () => {
    const g = graph([task("a", "Echo")]);
    const s = "z".repeat(290); // {"s":"…"} is 298 bytes
    const r = await runGraph(g, { s }, registry, { maxValueBytes: 298, maxInlineValueBytes: 100, runId: "r" });
    expect(r.status).toBe("COMPLETED");
    expect(eventsOf(r.events, "task", "complete", "a")[0].data).toEqual({ ref: { ref: "task:a", size: 298 } });
    expect(() => new TaskGraphRunner(g, registry, { runId: "r", maxValueBytes: -1 })).toThrow(/maxValueBytes/);
  });
});

describe("dirty rows and state", () => {
  it("reports exactly the rows each step changed", () => {
    const g = graph([task("a", "Echo"), task("b", "Echo"), task("c", "Echo")], ["a.x->b.x"]);
    const h = new Harness(g);
    const fx = h.start({ x: 1 });
    expect(fx.dirty).toEqual({ run: true, tasks: ["a", "c"], dataflows: [] });
    const done = h.complete("a", { x: 2 });
    expect(done.dirty).toEqual({ run: true, tasks: ["a", "b"], dataflows: ["a[x] ==> b[x]"] });
    expect(h.runner.dataflowState("a[x] ==> b[x]")).toEqual({
      key: "a[x] ==> b[x]",
      status: "COMPLETED",
      value: 2,
      provenance: { taskKey: "a", attempt: 1, runId: "r1" },
    });
    expect(h.runner.dataflowState("nope")).toBeUndefined();
    expect(h.runner.taskState("nope")).toBeUndefined();
  });

  it("keeps ts from the clock and never lets it go back", () => {
    const h = new Harness(graph([task("a", "QueueEcho"), task("b", "QueueEcho")]), {}, T0);
    h.start({});
    h.now = T0 - 5000; // a late fact with an older clock
    const fx = h.complete("a", {});
    expect(fx.events.every((e) => e.ts === "2026-11-26T10:00:00.000Z")).toBe(true);
    h.now = T0 + 1500;
    expect(h.complete("b", {}).events[0].ts).toBe("2026-11-26T10:00:01.500Z");
    checkLog(h.events);
  });
});
