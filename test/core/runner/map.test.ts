import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../../src/core/events";
import type { Graph, GraphBody, TaskNode } from "../../../src/core/graph/schema";
import { MAX_ITERATION_TASKS } from "../../../src/core/runner/iteration";
import { type Effects, runGraph, type RunSnapshot, TaskGraphRunner } from "../../../src/core/runner/index";
import { checkLog, eventsOf, flow, graph, Harness, registry, task, trace } from "./helpers";

function body(tasks: TaskNode[], flows: string[] = []): GraphBody {
  return { tasks, dataflows: flows.map(flow) };
}

function map(id: string, subgraph: GraphBody, config: Record<string, unknown> = {}, extra: Partial<TaskNode> = {}): TaskNode {
  return { id, type: "Map", subgraph, config, ...extra };
}

/** Each iteration's span in the log: the positions of its first event and of its last `complete`. */
function iterationSpans(events: RunEvent[], mapKey: string): Map<number, { first: number; last: number }> {
  const spans = new Map<number, { first: number; last: number }>();
  const prefix = `${mapKey}[`;
  events.forEach((e, pos) => {
    if (e.kind !== "task" || !e.path?.startsWith(prefix)) return;
    const i = Number(e.path.slice(prefix.length, e.path.indexOf("]", prefix.length)));
    const span = spans.get(i);
    if (!span) spans.set(i, { first: pos, last: e.type === "complete" ? pos : -1 });
    else if (e.type === "complete") span.last = pos;
  });
  return spans;
}

/** The most iterations running at one point of the log (between their first event and last complete). */
function maxOverlap(spans: Map<number, { first: number; last: number }>): number {
  const points: Array<[number, number]> = [];
  for (const { first, last } of spans.values()) {
    points.push([first, 1]);
    points.push([last, -1]);
  }
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of points) max = Math.max(max, (now += d));
  return max;
}

const noProgress = (lines: string[]) => lines.filter((l) => !l.includes(" progress"));

describe("Map", () => {
  it("runs its subgraph once per element with item, index and the shared inputs, results in item order", async () => {
    const g = graph([
      map("m", body([task("t", "Template", { defaults: { template: "{{index}}:{{item}}{{suffix}}" } }), task("u", "Uppercase")], ["t.text->u.text"]), { concurrency: 2 }),
    ]);
    const r = await runGraph(g, { items: ["a", "b", "c"], suffix: "!" }, registry, { startTime: 0 });
    checkLog(r.events);
    expect(r.status).toBe("COMPLETED");
    expect(r.output).toEqual({ results: [{ text: "0:A!" }, { text: "1:B!" }, { text: "2:C!" }] });
    expect(eventsOf(r.events, "task", "start", "m")[0].data).toEqual({ attempt: 1, iterations: 3 });
    expect(r.tasks.map((t) => [t.key, t.taskId, t.path, t.status])).toEqual([
      ["m", "m", "", "COMPLETED"],
      ["m[0]/t", "t", "m[0]", "COMPLETED"],
      ["m[0]/u", "u", "m[0]", "COMPLETED"],
      ["m[1]/t", "t", "m[1]", "COMPLETED"],
      ["m[1]/u", "u", "m[1]", "COMPLETED"],
      ["m[2]/t", "t", "m[2]", "COMPLETED"],
      ["m[2]/u", "u", "m[2]", "COMPLETED"],
    ]);
    expect(r.tasks[0]).toMatchObject({ iterations: 3, progress: 100 });
    // Iteration 2 starts only when iteration 0 is done (concurrency 2); events carry path m[i].
    expect(noProgress(trace(r.events))).toEqual([
      "graph start",
      "task start m",
      "task start m[0]/t",
      "task start m[1]/t",
      "task complete m[0]/t",
      "dataflow complete m[0]/t[text] ==> u[text]",
      "task start m[0]/u",
      "task complete m[1]/t",
      "dataflow complete m[1]/t[text] ==> u[text]",
      "task start m[1]/u",
      "task complete m[0]/u",
      "task start m[2]/t",
      "task complete m[1]/u",
      "task complete m[2]/t",
      "dataflow complete m[2]/t[text] ==> u[text]",
      "task start m[2]/u",
      "task complete m[2]/u",
      "task complete m",
      "graph complete",
    ]);
    expect(eventsOf(r.events, "task", "progress", "m").map((e) => e.data?.progress)).toEqual([33, 66]);
    const progress = eventsOf(r.events, "graph", "progress").map((e) => e.data?.progress as number);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it("feeds `items` from a dataflow and its results onward; itemPort and indexPort rename what iterations read", async () => {
    const g = graph(
      [
        task("src", "Split", { defaults: { text: "x,y", separator: "," } }),
        map("m", body([task("t", "Template", { defaults: { template: "{{n}}={{word}}" } })]), { itemPort: "word", indexPort: "n" }),
        task("count", "Length"),
      ],
      ["src.parts->m.items", "m.results->count.value"],
    );
    const r = await runGraph(g, {}, registry);
    expect(r.status).toBe("COMPLETED");
    expect(r.tasks.find((t) => t.key === "m")?.output).toEqual({ results: [{ text: "0=x" }, { text: "1=y" }] });
    expect(r.output).toEqual({ length: 2 });
  });

  it("merges each iteration's leaves with the Map's merge", async () => {
    const sub = body([task("p", "Identity"), task("q", "Length")], ["p.value->q.value"]);
    const two = body([task("p", "Identity"), task("q", "Identity")]);
    const input = { items: ["ab", "c"] };
    const gra = await runGraph(graph([map("m", two, { itemPort: "value" }, { merge: "GRAPH_RESULT_ARRAY" })]), input, registry);
    expect(gra.output).toEqual({
      results: [
        [
          { id: "p", type: "Identity", data: { value: "ab" } },
          { id: "q", type: "Identity", data: { value: "ab" } },
        ],
        [
          { id: "p", type: "Identity", data: { value: "c" } },
          { id: "q", type: "Identity", data: { value: "c" } },
        ],
      ],
    });
    const pa = await runGraph(graph([map("m", two, { itemPort: "value" })]), input, registry);
    expect(pa.output).toEqual({ results: [{ value: ["ab", "ab"] }, { value: ["c", "c"] }] });
    const chain = await runGraph(graph([map("m", sub, { itemPort: "value" })]), input, registry);
    expect(chain.output).toEqual({ results: [{ length: 2 }, { length: 1 }] });
  });

  it("over an empty array completes at once with no iteration; an empty subgraph gives one merged nothing per element", async () => {
    const g = graph([map("m", body([task("t", "Echo")])), task("after", "Length")], ["m.results->after.value"]);
    const r = await runGraph(g, { items: [] }, registry, { startTime: 0 });
    expect(r.status).toBe("COMPLETED");
    expect(r.output).toEqual({ length: 0 });
    expect(r.tasks.map((t) => [t.key, t.output])).toEqual([
      ["m", { results: [] }],
      ["after", { length: 0 }],
    ]);
    expect(noProgress(trace(r.events))).toEqual([
      "graph start",
      "task start m",
      "task complete m",
      "dataflow complete m[results] ==> after[value]",
      "task start after",
      "task complete after",
      "graph complete",
    ]);
    const empty = await runGraph(graph([map("m", body([]))]), { items: [1, 2] }, registry);
    expect(empty.output).toEqual({ results: [{}, {}] });
    const emptyGra = await runGraph(graph([map("m", body([]), {}, { merge: "GRAPH_RESULT_ARRAY" })]), { items: [1] }, registry);
    expect(emptyGra.output).toEqual({ results: [[]] });
  });

  it("runs 1,000 elements without ever exceeding its concurrency, in item order", async () => {
    const n = 1000;
    const concurrency = 7;
    // Async tasks resolve on later macrotasks, so iterations really overlap in the log.
    const g = graph([map("m", body([task("a", "Async"), task("b", "Echo")], ["a.item->b.item", "a.index->b.index"]), { concurrency })]);
    const items = Array.from({ length: n }, (_, i) => i * 2);
    const r = await runGraph(g, { items }, registry);
    checkLog(r.events);
    expect(r.status).toBe("COMPLETED");
    expect(r.output).toEqual({ results: items.map((item, index) => ({ item, index })) });
    const spans = iterationSpans(r.events, "m");
    expect(spans.size).toBe(n);
    for (const s of spans.values()) expect(s.last).toBeGreaterThan(s.first);
    expect(maxOverlap(spans)).toBe(concurrency);
    // Iterations start in index order.
    const firsts = [...spans.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => s.first);
    expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
    expect(r.tasks).toHaveLength(1 + 2 * n);
  });

  it("dispatches only `concurrency` iterations' tasks; each one finishing lets the next start", () => {
    const h = new Harness(graph([map("m", body([task("q", "QueueEcho")]), { concurrency: 3 })]));
    h.start({ items: ["a", "b", "c", "d", "e"] });
    expect(h.dispatched.map((d) => [d.key, d.taskId, d.path, d.input])).toEqual([
      ["m[0]/q", "q", "m[0]", { item: "a", index: 0 }],
      ["m[1]/q", "q", "m[1]", { item: "b", index: 1 }],
      ["m[2]/q", "q", "m[2]", { item: "c", index: 2 }],
    ]);
    expect(h.runner.taskState("m[3]/q")).toBeUndefined();
    h.complete("m[1]/q", { out: "B" });
    expect(h.dispatched.map((d) => d.key).slice(3)).toEqual(["m[3]/q"]);
    h.complete("m[0]/q", { out: "A" });
    h.complete("m[3]/q", { out: "D" });
    h.complete("m[2]/q", { out: "C" });
    expect(h.dispatched.map((d) => d.key).slice(3)).toEqual(["m[3]/q", "m[4]/q"]);
    h.complete("m[4]/q", { out: "E" });
    expect(h.runner.status).toBe("COMPLETED");
    expect(h.runner.runState().output).toEqual({ results: ["A", "B", "C", "D", "E"].map((out) => ({ out })) });
  });

  it("marks every new iteration row dirty, so a store that writes only dirty rows can restore the run", () => {
    const g = graph([map("m", body([task("q", "QueueEcho"), task("e", "Echo")], ["q.out->e.out"]), { concurrency: 2 })]);
    /** Writes, after each fact, only the rows its effects mark dirty (as the RunObject does); values are copied. */
    class Store extends Harness {
      readonly rows = new Map<string, unknown>();
      readonly flows = new Map<string, unknown>();
      run: unknown;
      override apply<T extends Effects>(fx: T): T {
        super.apply(fx);
        const copy = (v: unknown) => JSON.parse(JSON.stringify(v));
        if (fx.dirty.run) this.run = copy(this.runner.runState());
        for (const k of fx.dirty.tasks) this.rows.set(k, copy(this.runner.taskState(k)));
        for (const k of fx.dirty.dataflows) this.flows.set(k, copy(this.runner.dataflowState(k)));
        return fx;
      }
    }
    const h = new Store(g);
    h.start({ items: [1, 2, 3, 4] });
    h.complete("m[0]/q", { out: 1 });
    h.complete("m[0]/e", { out: 1 }); // iteration 2 starts
    h.complete("m[1]/q", { out: 2 });
    expect([...h.rows.keys()]).toEqual(expect.arrayContaining(["m", "m[0]/q", "m[0]/e", "m[1]/q", "m[1]/e", "m[2]/q", "m[2]/e"]));
    expect([...h.rows.keys()]).not.toContain("m[3]/q");
    const stored = { version: 1, run: h.run, tasks: [...h.rows.values()].reverse(), dataflows: [...h.flows.values()] } as RunSnapshot;
    const restored = TaskGraphRunner.restore(g, registry, stored, { runId: "r1" });
    expect(restored.snapshot()).toEqual(JSON.parse(JSON.stringify(h.runner.snapshot())));
  });

  it("is deterministic: the same facts give byte-identical events", async () => {
    const g = graph([
      map(
        "m",
        body([task("s", "Split", { defaults: { separator: "" } }), map("inner", body([task("l", "Length")]), { itemPort: "value", concurrency: 2 })], ["s.parts->inner.items"]),
        { itemPort: "text", concurrency: 4 },
      ),
    ]);
    const input = { items: Array.from({ length: 50 }, (_, i) => `v${i}`) };
    const a = await runGraph(g, input, registry, { startTime: 1_000 });
    const b = await runGraph(g, input, registry, { startTime: 1_000 });
    expect(a.status).toBe("COMPLETED");
    expect(a.events.length).toBeGreaterThan(500);
    expect(JSON.stringify(a.events)).toBe(JSON.stringify(b.events));
    expect(a.output).toEqual({ results: input.items.map((v) => ({ results: Array.from(v, () => ({ length: 1 })) })) });
  });
});

describe("Map nesting", () => {
  it("runs inside a GraphAsTask and inside another Map, with paths through both", async () => {
    const inner = map("inner", body([task("len", "Length")]), { itemPort: "value" });
    const g = graph([
      {
        id: "sub",
        type: "GraphAsTask",
        subgraph: body([map("outer", body([task("split", "Split", { defaults: { separator: "" } }), inner], ["split.parts->inner.items"]), { itemPort: "text" })]),
      },
    ]);
    const r = await runGraph(g, { items: ["ab", "c"] }, registry, { startTime: 0 });
    checkLog(r.events);
    expect(r.status).toBe("COMPLETED");
    expect(r.output).toEqual({
      results: [{ results: [{ length: 1 }, { length: 1 }] }, { results: [{ length: 1 }] }],
    });
    expect(r.tasks.map((t) => [t.key, t.path])).toEqual([
      ["sub", ""],
      ["sub/outer", "sub"],
      ["sub/outer[0]/split", "sub/outer[0]"],
      ["sub/outer[0]/inner", "sub/outer[0]"],
      ["sub/outer[0]/inner[0]/len", "sub/outer[0]/inner[0]"],
      ["sub/outer[0]/inner[1]/len", "sub/outer[0]/inner[1]"],
      ["sub/outer[1]/split", "sub/outer[1]"],
      ["sub/outer[1]/inner", "sub/outer[1]"],
      ["sub/outer[1]/inner[0]/len", "sub/outer[1]/inner[0]"],
    ]);
    const len = r.events.find((e) => e.kind === "task" && e.taskId === "len");
    expect(len).toMatchObject({ path: "sub/outer[0]/inner[0]" });
    const df = r.events.find((e) => e.kind === "dataflow");
    expect(df).toMatchObject({ dataflowId: "split[parts] ==> inner[items]", path: "sub/outer[0]" });
    // The run's progress counts the Map as one task and never goes backwards.
    const progress = eventsOf(r.events, "graph", "progress").map((e) => e.data?.progress as number);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(100);
  });

  it("runs a GraphAsTask inside each iteration", async () => {
    const g = graph([map("m", body([{ id: "g", type: "GraphAsTask", subgraph: body([task("u", "Uppercase")]) }]), { itemPort: "text" })]);
    const r = await runGraph(g, { items: ["a", "b"] }, registry);
    expect(r.output).toEqual({ results: [{ text: "A" }, { text: "B" }] });
    expect(r.tasks.map((t) => t.key)).toEqual(["m", "m[0]/g", "m[0]/g/u", "m[1]/g", "m[1]/g/u"]);
  });
});

describe("Map failures", () => {
  const asserting = (extra: Partial<TaskNode> = {}) =>
    map("m", body([task("check", "Assert", { defaults: { message: "element is false" } })]), { itemPort: "condition", concurrency: 2 }, extra);

  it("an iteration failing without [error] fails the Map and the run; running iterations abort, later ones never start", () => {
    const g = graph([map("m", body([task("q", "QueueEcho"), task("e", "Echo")], ["q.v->e.v"]), { concurrency: 3 }), task("after", "Echo")], ["m.results->after.results"]);
    const h = new Harness(g);
    h.start({ items: [1, 2, 3, 4, 5] });
    h.complete("m[0]/q", { v: 1 });
    h.complete("m[0]/e", { v: 1 }); // iteration 0 done: iteration 3 starts
    expect([...h.open.keys()]).toEqual(["m[1]/q", "m[2]/q", "m[3]/q"]);
    h.fail("m[2]/q", { name: "Broken", message: "no", permanent: true });
    expect(h.runner.status).toBe("FAILED");
    expect(h.runner.runState().error).toEqual({ name: "Broken", message: "no" });
    const status = Object.fromEntries(h.runner.tasks().map((t) => [t.key, t.status]));
    expect(status).toEqual({
      m: "FAILED",
      "m[0]/q": "COMPLETED",
      "m[0]/e": "COMPLETED",
      "m[1]/q": "ABORTED",
      "m[1]/e": "SKIPPED",
      "m[2]/q": "FAILED",
      "m[2]/e": "SKIPPED",
      "m[3]/q": "ABORTED",
      "m[3]/e": "SKIPPED",
      after: "SKIPPED",
    });
    expect(h.aborts.map((a) => a.key)).toEqual(["m[1]/q", "m[3]/q"]);
    expect(h.runner.taskState("m[4]/q")).toBeUndefined();
    expect(noProgress(h.trace()).slice(-11)).toEqual([
      "task error m[2]/q",
      "dataflow error m[2]/q[v] ==> e[v]",
      "task abort m[1]/q",
      "task skipped m[1]/e",
      "task skipped m[2]/e",
      "task abort m[3]/q",
      "task skipped m[3]/e",
      "task error m",
      "dataflow error m[results] ==> after[results]",
      "task skipped after",
      "graph error",
    ]);
    checkLog(h.events);
  });

  it("routes the Map's failure along its [error] dataflow; the run completes", async () => {
    const g = graph([asserting(), task("handle", "Identity")], ["m.[error]->handle.value"]);
    const r = await runGraph(g, { items: [true, false, true] }, registry);
    expect(r.status).toBe("COMPLETED");
    expect(r.output).toEqual({ value: { name: "AssertionError", message: "element is false", code: "assertion_failed" } });
    const m = r.tasks.find((t) => t.key === "m");
    expect(m).toMatchObject({ status: "FAILED", routed: true });
  });

  it("a failure routed inside an iteration leaves the iteration and the Map going", async () => {
    const sub = body([task("check", "Assert", { defaults: { message: "no" } }), task("ok", "Identity", { defaults: { value: "ok" } }), task("caught", "Identity", { defaults: { value: "caught" } })], ["check.value->ok.x", "check.[error]->caught.error"]);
    const r = await runGraph(graph([map("m", sub, { itemPort: "condition" })]), { items: [true, false] }, registry);
    expect(r.status).toBe("COMPLETED");
    // Each iteration has one COMPLETED leaf (the other branch was skipped).
    expect(r.output).toEqual({ results: [{ value: "ok" }, { value: "caught" }] });
  });

  it("fails at dispatch on input that is not an array, or too many iterations for its subgraph", async () => {
    const notArray = await runGraph(graph([asserting()]), { items: "nope" }, registry);
    expect(notArray.status).toBe("FAILED");
    expect(notArray.error).toMatchObject({ name: "TaskInvalidInputError" });
    expect(notArray.error?.message).toMatch(/port "items"/);
    const tooMany = await runGraph(graph([asserting()]), { items: Array.from({ length: 10_001 }, () => true) }, registry);
    expect(tooMany.error).toMatchObject({ name: "TaskInvalidInputError" });
    const wide = Math.floor(MAX_ITERATION_TASKS / 10_000) + 1;
    const big = map("m", body(Array.from({ length: wide }, (_, i) => task(`t${i}`, "Echo"))));
    const expand = await runGraph(graph([big]), { items: Array.from({ length: 10_000 }, (_, i) => i) }, registry);
    expect(expand.error).toMatchObject({ name: "TaskInvalidInputError" });
    expect(expand.error?.message).toMatch(/more than 100000/);
    expect(expand.tasks).toHaveLength(1);
  });

  it("times out as a whole (config.timeoutMs covers every iteration)", () => {
    const h = new Harness(graph([map("m", body([task("q", "QueueEcho")]), { concurrency: 1, timeoutMs: 5000 })]));
    h.start({ items: [1, 2] });
    h.complete("m[0]/q", { v: 1 });
    expect(h.timers.get("timeout:m:1")).toBe(h.now + 5000);
    h.fire("timeout:m:1");
    expect(h.runner.status).toBe("FAILED");
    expect(h.runner.runState().error).toMatchObject({ name: "TaskTimeoutError" });
    expect(h.runner.taskState("m[1]/q")).toMatchObject({ status: "ABORTED" });
    expect(h.aborts.map((a) => a.key)).toEqual(["m[1]/q"]);
  });

  it("retry() re-runs the failed iteration, keeps the completed ones and finishes the rest", () => {
    const g = graph([map("m", body([task("q", "QueueEcho")]), { concurrency: 2 })]);
    const h = new Harness(g);
    h.start({ items: ["a", "b", "c", "d"] });
    h.complete("m[0]/q", { v: "A" });
    h.fail("m[1]/q", { name: "Down", message: "service down" });
    expect(h.runner.status).toBe("FAILED");
    expect(h.runner.taskState("m[2]/q")).toMatchObject({ status: "ABORTED" });
    const before = h.dispatched.length;
    h.apply(h.runner.retry(h.now));
    expect(h.runner.status).toBe("PROCESSING");
    // The failed and the aborted iteration run again; the Map starts anew (attempt 2); m[0] keeps its output.
    expect(h.dispatched.slice(before).map((d) => [d.key, d.attempt])).toEqual([
      ["m[1]/q", 2],
      ["m[2]/q", 2],
    ]);
    expect(eventsOf(h.events, "task", "start", "m").map((e) => e.data)).toEqual([
      { attempt: 1, iterations: 4 },
      { attempt: 2, iterations: 4 },
    ]);
    h.complete("m[1]/q", { v: "B" });
    h.complete("m[2]/q", { v: "C" });
    h.complete("m[3]/q", { v: "D" });
    expect(h.runner.status).toBe("COMPLETED");
    expect(h.runner.runState().output).toEqual({ results: ["A", "B", "C", "D"].map((v) => ({ v })) });
    checkLog(h.events);
  });
});

describe("Map control", () => {
  it("cancel aborts every unfinished iteration task; no new iteration starts", () => {
    const h = new Harness(graph([map("m", body([task("q", "QueueEcho")]), { concurrency: 2 })]));
    h.start({ items: [1, 2, 3] });
    h.complete("m[0]/q", { v: 1 });
    h.apply(h.runner.cancel(h.now, "stop"));
    expect(h.runner.status).toBe("ABORTED");
    expect(h.runner.tasks().map((t) => [t.key, t.status])).toEqual([
      ["m", "ABORTED"],
      ["m[0]/q", "COMPLETED"],
      ["m[1]/q", "ABORTED"],
      ["m[2]/q", "ABORTED"],
    ]);
    expect(h.aborts.map((a) => a.key)).toEqual(["m[1]/q", "m[2]/q"]);
    expect(h.runner.taskCompleted("m[1]/q", 1, { v: 2 }, h.now).events).toEqual([]);
  });

  it("pause: an iteration may finish and the next one is instantiated, but nothing is dispatched until resume", () => {
    const h = new Harness(graph([map("m", body([task("q", "QueueEcho")]), { concurrency: 1 })]));
    h.start({ items: [1, 2] });
    h.apply(h.runner.pause(h.now));
    h.complete("m[0]/q", { v: 1 });
    expect(h.runner.taskState("m[1]/q")).toMatchObject({ status: "PENDING" });
    expect(h.open.size).toBe(0);
    h.apply(h.runner.resume(h.now));
    expect([...h.open.keys()]).toEqual(["m[1]/q"]);
    h.complete("m[1]/q", { v: 2 });
    expect(h.runner.status).toBe("COMPLETED");
  });

  it("is skipped with its whole (not yet expanded) subgraph when all its inputs are skipped", async () => {
    const g = graph(
      [task("b", "Branch", { defaults: { cond: false, value: [1, 2] } }), map("m", body([task("e", "Echo")])), task("other", "Echo")],
      ["b.then->m.items", "b.else->other.v"],
    );
    const r = await runGraph(g, {}, registry);
    expect(r.status).toBe("COMPLETED");
    expect(r.tasks.map((t) => [t.key, t.status])).toEqual([
      ["b", "COMPLETED"],
      ["m", "SKIPPED"],
      ["other", "COMPLETED"],
    ]);
  });
});

describe("Map snapshot and restore", () => {
  /** A Map of queue tasks with a nested Map and a GraphAsTask in each iteration. */
  const g: Graph = graph([
    map(
      "m",
      body(
        [
          task("q", "QueueEcho"),
          map("inner", body([task("iq", "QueueEcho")]), { itemPort: "v", concurrency: 2 }),
          { id: "g", type: "GraphAsTask", subgraph: body([task("gq", "QueueEcho")]) },
        ],
        ["q.list->inner.items", "inner.results->g.results"],
      ),
      { concurrency: 2 },
    ),
  ]);

  /** Completes whatever is open, in key order, with a deterministic output; returns how many it completed. */
  function step(h: Harness): number {
    const keys = [...h.open.keys()].sort();
    for (const key of keys) {
      const d = h.open.get(key);
      if (!d) continue;
      const out = key.endsWith("/q")
        ? { list: [d.input.item, `${String(d.input.item)}!`] }
        : key.endsWith("/iq")
          ? { v: d.input.v, at: d.input.index }
          : { n: (d.input.results as unknown[]).length };
      h.complete(key, out, d.attempt);
    }
    return keys.length;
  }

  it("restores mid-map from a JSON snapshot: same rows, same dataflows, identical subsequent events", () => {
    const a = new Harness(g);
    a.start({ items: ["x", "y", "z"] });
    step(a);
    step(a);
    expect(a.runner.status).toBe("PROCESSING");
    const snapshot = JSON.parse(JSON.stringify(a.runner.snapshot())) as RunSnapshot;
    // Rows from a store come in any order.
    snapshot.tasks.reverse();
    snapshot.dataflows.reverse();
    const restored = TaskGraphRunner.restore(g, registry, snapshot, { runId: "r1" });
    expect(restored.snapshot()).toEqual(JSON.parse(JSON.stringify(a.runner.snapshot())));
    expect(restored.inFlight()).toEqual(a.runner.inFlight());

    const b = new Harness(g);
    (b as { runner: TaskGraphRunner }).runner = restored;
    b.now = a.now;
    for (const d of restored.inFlight()) b.open.set(d.key, d);
    const mark = a.events.length;
    while (step(a) > 0) {}
    while (step(b) > 0) {}
    expect(a.runner.status).toBe("COMPLETED");
    expect(b.events.length).toBeGreaterThan(20);
    expect(JSON.stringify(b.events)).toBe(JSON.stringify(a.events.slice(mark)));
    expect(a.runner.runState().output).toEqual({ results: [{ n: 2 }, { n: 2 }, { n: 2 }] });
    const inner = a.runner.taskState("m[2]/inner");
    expect(inner?.output).toEqual({ results: [{ v: "z", at: 0 }, { v: "z!", at: 1 }] });
    expect(b.runner.snapshot()).toEqual(a.runner.snapshot());
  });

  it("restores iterations holding a replicated task and a signal wait, and serves waiters in order", () => {
    const sub = body(
      [task("id", "Identity"), task("times", "Times", { config: { replicate: ["x"] }, defaults: { y: 10 } }), task("wait", "WaitForSignal", { defaults: { signal: "go" } })],
      ["id.value->times.x"],
    );
    const g2 = graph([map("m", sub, { itemPort: "value", concurrency: 2 })]);
    const a = new Harness(g2);
    a.start({ items: [[1, 2], [3]] });
    a.runInline();
    expect(a.runner.taskState("m[0]/times")).toMatchObject({ status: "COMPLETED", output: { product: [10, 20], label: ["1x10", "2x10"] } });
    expect(a.runner.taskState("m[1]/wait")).toMatchObject({ status: "PROCESSING", wait: { kind: "signal", name: "go" } });
    const snapshot = JSON.parse(JSON.stringify(a.runner.snapshot())) as RunSnapshot;
    expect(snapshot.tasks.map((t) => t.key)).toEqual(["m", "m[0]/id", "m[0]/times", "m[0]/wait", "m[1]/id", "m[1]/times", "m[1]/wait", "m[0]/times[0]", "m[0]/times[1]", "m[1]/times[0]"]);
    const restored = TaskGraphRunner.restore(g2, registry, { ...snapshot, tasks: [...snapshot.tasks].reverse() }, { runId: "r1" });
    expect(restored.snapshot()).toEqual(snapshot);
    // The earliest waiter (iteration 0) takes the first signal, in both runners alike.
    const first = a.runner.signal("go", { n: 1 }, a.now);
    expect(restored.signal("go", { n: 1 }, a.now).events).toEqual(first.events);
    expect(first.events.find((e) => e.kind === "task" && e.type === "complete")).toMatchObject({ taskId: "wait", path: "m[0]" });
    const second = a.runner.signal("go", { n: 2 }, a.now);
    expect(restored.signal("go", { n: 2 }, a.now).events).toEqual(second.events);
    expect(restored.status).toBe("COMPLETED");
    expect(restored.runState().output).toEqual({
      results: [
        { product: [[10, 20]], label: [["1x10", "2x10"]], payload: [{ n: 1 }] },
        { product: [[30]], label: [["3x10"]], payload: [{ n: 2 }] },
      ],
    });
  });

  it("refuses a snapshot whose iteration rows do not fit the graph", () => {
    const a = new Harness(g);
    a.start({ items: ["x"] });
    const snapshot = JSON.parse(JSON.stringify(a.runner.snapshot())) as RunSnapshot;
    const bad = { ...snapshot, tasks: [...snapshot.tasks, { ...snapshot.tasks[1], key: "m[0]/nope", taskId: "nope" }] };
    expect(() => TaskGraphRunner.restore(g, registry, bad, { runId: "r1" })).toThrow(/not in m's subgraph/);
    const stray = { ...snapshot, tasks: [...snapshot.tasks, { ...snapshot.tasks[1], key: "x[0]/q", path: "x[0]" }] };
    expect(() => TaskGraphRunner.restore(g, registry, stray, { runId: "r1" })).toThrow(/no iteration of a Map/);
    const gap = { ...snapshot, tasks: [...snapshot.tasks, { ...snapshot.tasks[1], key: "m[2]/q", path: "m[2]" }] };
    expect(() => TaskGraphRunner.restore(g, registry, gap, { runId: "r1" })).toThrow(/lacks the tasks of a started Map iteration/);
  });
});
