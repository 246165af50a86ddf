import { describe, expect, it } from "vitest";
import type { GraphBody, TaskNode } from "../../../src/core/graph/schema";
import { runGraph } from "../../../src/core/runner/index";
import { checkLog, eventsOf, flow, graph, Harness, registry, task, trace } from "./helpers";

function sub(id: string, tasks: TaskNode[], flows: string[], extra: Partial<TaskNode> = {}): TaskNode {
  const subgraph: GraphBody = { tasks, dataflows: flows.map(flow) };
  return { id, type: "GraphAsTask", subgraph, ...extra };
}

/** a → outer{ x → inner{ y → z } } → final */
function nested(innerZ: TaskNode = task("z", "Echo")) {
  return graph(
    [
      task("a", "Echo"),
      sub("outer", [task("x", "Echo"), sub("inner", [task("y", "Echo"), innerZ], ["y.v->z.v"])], ["x.v->inner.v"]),
      task("final", "Echo"),
    ],
    ["a.v->outer.v", "outer.v->final.v"],
  );
}

describe("GraphAsTask", () => {
  it("runs a subgraph two levels deep inside the same machine, with paths and its own start/complete events", async () => {
    const r = await runGraph(nested(), { v: 1 }, registry, { startTime: 0 });
    checkLog(r.events);
    expect(r.status).toBe("COMPLETED");
    expect(r.tasks.map((t) => [t.key, t.taskId, t.path, t.status])).toEqual([
      ["a", "a", "", "COMPLETED"],
      ["outer", "outer", "", "COMPLETED"],
      ["outer/x", "x", "outer", "COMPLETED"],
      ["outer/inner", "inner", "outer", "COMPLETED"],
      ["outer/inner/y", "y", "outer/inner", "COMPLETED"],
      ["outer/inner/z", "z", "outer/inner", "COMPLETED"],
      ["final", "final", "", "COMPLETED"],
    ]);
    expect(trace(r.events).filter((l) => !l.startsWith("graph progress"))).toEqual([
      "graph start",
      "task start a",
      "task complete a",
      "dataflow complete a[v] ==> outer[v]",
      "task start outer",
      "task start outer/x",
      "task complete outer/x",
      "dataflow complete outer/x[v] ==> inner[v]",
      "task start outer/inner",
      "task start outer/inner/y",
      "task complete outer/inner/y",
      "dataflow complete outer/inner/y[v] ==> z[v]",
      "task start outer/inner/z",
      "task complete outer/inner/z",
      "task complete outer/inner",
      "task complete outer",
      "dataflow complete outer[v] ==> final[v]",
      "task start final",
      "task complete final",
      "graph complete",
    ]);
    const innerStart = r.events.find((e) => e.kind === "task" && e.taskId === "y");
    expect(innerStart).toMatchObject({ taskId: "y", path: "outer/inner" });
    expect(r.output).toEqual({ v: 1 });
  });

  it("routes the GraphAsTask's input to its subgraph like a run input", async () => {
    const g = graph(
      [task("src", "Echo"), sub("s", [task("m", "Times"), task("c", "Collect")], ["m.product->c.n"])],
      ["src.x->s.x", "src.y->s.y"],
    );
    const r = await runGraph(g, { x: 6, y: 7, unrelated: 1 }, registry);
    expect(r.status).toBe("COMPLETED");
    const m = r.tasks.find((t) => t.key === "s/m");
    expect(m?.output).toEqual({ product: 42, label: "6x7" });
    expect(r.output).toEqual({ items: [], pairs: [], n: 42 });
  });

  it("merges its leaves with its own merge; the run's merge governs only the top level", async () => {
    const g = graph([sub("s", [task("p", "Echo"), task("q", "Echo")], [], { merge: "GRAPH_RESULT_ARRAY" }), task("t", "Echo")], ["s.*->t.results"]);
    const r = await runGraph(g, { k: 1 }, registry, { merge: "PROPERTY_ARRAY" });
    const s = r.tasks.find((t) => t.key === "s");
    expect(s?.output).toEqual([
      { id: "p", type: "Echo", data: { k: 1 } },
      { id: "q", type: "Echo", data: { k: 1 } },
    ]);
    expect(r.output).toEqual({ k: 1, results: s?.output });
  });

  it("an empty subgraph completes at once with an empty merge", async () => {
    const r = await runGraph(graph([sub("s", [], [])]), {}, registry);
    expect(r.status).toBe("COMPLETED");
    expect(r.output).toEqual({});
  });

  it("an unhandled inner failure fails each enclosing GraphAsTask in turn, then the run, with the inner error", async () => {
    const r = await runGraph(nested(task("z", "Boom", { config: { message: "deep" } })), { v: 1 }, registry);
    checkLog(r.events);
    expect(r.status).toBe("FAILED");
    expect(r.error).toEqual({ name: "BoomError", message: "deep", code: "boom" });
    expect(trace(r.events).slice(-6)).toEqual([
      "task error outer/inner/z",
      "task error outer/inner",
      "task error outer",
      "dataflow error outer[v] ==> final[v]",
      "task skipped final",
      "graph error",
    ]);
    expect(Object.fromEntries(r.tasks.map((t) => [t.key, t.status]))).toMatchObject({
      outer: "FAILED",
      "outer/inner": "FAILED",
      "outer/inner/z": "FAILED",
      "outer/inner/y": "COMPLETED",
      final: "SKIPPED",
    });
  });

  it("an inner failure routed along the GraphAsTask's [error] dataflow lets the run go on", async () => {
    const g = graph(
      [sub("s", [task("ok", "QueueEcho"), task("bad", "Boom")], []), task("handler", "Echo"), task("next", "Echo")],
      ["s.[error]->handler.error", "s.ok->next.v"],
    );
    const h = new Harness(g);
    h.start({});
    h.fail("s/bad", { name: "BoomError", message: "boom" }); // while s/ok is still queued
    h.runInline();
    expect(h.runner.status).toBe("COMPLETED");
    expect(Object.fromEntries(h.runner.tasks().map((t) => [t.key, t.status]))).toEqual({
      s: "FAILED",
      "s/ok": "ABORTED",
      "s/bad": "FAILED",
      handler: "COMPLETED",
      next: "SKIPPED",
    });
    expect(h.runner.taskState("s")).toMatchObject({ routed: true, error: { name: "BoomError" } });
    expect(h.aborts).toEqual([{ key: "s/ok", attempt: 1, reason: 'task "s/bad" failed' }]);
    checkLog(h.events);
  });

  it("a GraphAsTask's timeout fails it with TaskTimeoutError and aborts its running tasks", () => {
    const g = graph([sub("s", [task("slow", "QueueEcho"), task("later", "Echo")], ["slow.x->later.x"], { config: { timeoutMs: 1000 } })]);
    const h = new Harness(g);
    h.start({});
    expect(h.timers.get("timeout:s:1")).toBe(h.now + 1000);
    const fx = h.fire("timeout:s:1");
    expect(fx.aborts).toEqual([{ key: "s/slow", attempt: 1, reason: 'task "s" timed out' }]);
    expect(trace(fx.events)).toEqual(["task abort s/slow", "task skipped s/later", "task error s", "graph error"]);
    expect(h.runner.runState().error).toMatchObject({ name: "TaskTimeoutError" });
  });

  it("a GraphAsTask whose inputs are all skipped is skipped with its whole subgraph", async () => {
    const g = graph([task("br", "Branch"), sub("s", [task("i", "Echo")], []), task("other", "Echo")], ["br.else->s.v", "br.then->other.v"]);
    const r = await runGraph(g, { cond: true, value: 1 }, registry);
    expect(r.status).toBe("COMPLETED");
    expect(r.tasks.map((t) => [t.key, t.status])).toEqual([
      ["br", "COMPLETED"],
      ["s", "SKIPPED"],
      ["s/i", "SKIPPED"],
      ["other", "COMPLETED"],
    ]);
    expect(eventsOf(r.events, "task", "skipped", "i")[0]).toMatchObject({ path: "s", data: { reason: 'task "s" skipped' } });
  });

  it("retry() after an inner failure keeps the subgraph's completed outputs and restarts the GraphAsTask", () => {
    const g = graph([sub("s", [task("first", "QueueEcho"), task("second", "QueueEcho")], ["first.x->second.x"]), task("after", "Echo")], ["s.x->after.x"]);
    const h = new Harness(g);
    h.start({ x: 1 });
    h.complete("s/first", { x: 2 });
    h.fail("s/second", { name: "E", message: "m" });
    expect(h.runner.status).toBe("FAILED");
    const fx = h.apply(h.runner.retry(h.now));
    expect(trace(fx.events)).toEqual(["graph start", "task start s", "task queued s/second"]);
    expect(fx.events[1].data).toEqual({ attempt: 2 });
    expect(fx.dispatch[0]).toMatchObject({ key: "s/second", attempt: 2, input: { x: 2 } });
    h.complete("s/second", { x: 3 });
    h.runInline();
    expect(h.runner.status).toBe("COMPLETED");
    expect(h.runner.runState().output).toEqual({ x: 3 });
    expect(h.runner.taskState("s/first")?.attempts).toBe(1);
    checkLog(h.events);
  });
});
