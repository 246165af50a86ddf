import { Type } from "@sinclair/typebox";
import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../../src/core/events";
import { runGraph } from "../../../src/core/runner/index";
import { defineTask, TaskError } from "../../../src/core/task/index";
import { createRegistry } from "../../../src/tasks/index";
import { checkLog, eventsOf, graph, registry, task, testTasks, trace } from "./helpers";

/** Never settles on its own: resolves only if its attempt is aborted (then rejects). */
const Hang = defineTask({
  type: "Hang",
  title: "Hang",
  category: "Test",
  execution: "inline",
  input: Type.Object({}, { additionalProperties: true }),
  output: Type.Object({}),
  run: (_input, ctx) =>
    new Promise<Record<string, never>>((_resolve, reject) => {
      ctx.signal.addEventListener("abort", () => reject(new TaskError(`stopped: ${String(ctx.signal.reason)}`)));
    }),
});
const withHang = createRegistry([...testTasks, Hang]);

describe("runGraph", () => {
  it("runs async tasks side by side and feeds their results back", async () => {
    const g = graph([task("a", "Async"), task("b", "Async"), task("join", "Collect")], ["a.v->join.items", "b.v->join.items"]);
    const r = await runGraph(g, { v: 1 }, registry);
    expect(r.status).toBe("COMPLETED");
    expect(r.output).toEqual({ items: [1, 1], pairs: [] });
    // Both started before either completed: fan-out.
    const t = trace(r.events);
    expect(t.indexOf("task start b")).toBeLessThan(t.indexOf("task complete a"));
  });

  it("runs queue tasks inline too, with their queued and start events", async () => {
    const r = await runGraph(graph([task("q", "QueueEcho")]), { x: 1 }, registry);
    expect(trace(r.events)).toEqual(["graph start", "task queued q", "task start q", "task complete q", "graph progress", "graph complete"]);
  });

  it("aborts a running async task through its AbortSignal when another task fails", async () => {
    const g = graph([task("slow", "Hang"), task("bad", "Async"), task("boom", "Boom")], ["bad.x->boom.x"]);
    const r = await runGraph(g, {}, withHang);
    expect(r.status).toBe("FAILED");
    expect(r.tasks.find((t) => t.key === "slow")).toMatchObject({ status: "ABORTED", reason: 'task "boom" failed' });
    // The aborted attempt's rejection came back stale: no second error for it.
    expect(eventsOf(r.events, "task", "error", "slow")).toHaveLength(0);
    checkLog(r.events);
  });

  it("with the real clock, a timeout interrupts a task that hangs", async () => {
    const r = await runGraph(graph([task("h", "Hang", { config: { timeoutMs: 20 } })]), {}, withHang, { clock: "real" });
    expect(r.status).toBe("FAILED");
    expect(r.error).toMatchObject({ name: "TaskTimeoutError" });
  });

  it("with the real clock, a durable wait takes its time", async () => {
    const started = Date.now();
    const r = await runGraph(graph([task("d", "Delay")]), { ms: 30, value: "v" }, registry, { clock: "real" });
    expect(r.status).toBe("COMPLETED");
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it("streams every event to onEvent as it happens", async () => {
    const seen: RunEvent[] = [];
    const r = await runGraph(graph([task("a", "Echo"), task("b", "Echo")], ["a.x->b.x"]), { x: 1 }, registry, { onEvent: (e) => seen.push(e) });
    expect(seen).toEqual(r.events);
  });

  it("gives each attempt its own context: attempt number, config and path", async () => {
    const seen: unknown[] = [];
    const Spy = defineTask({
      type: "Spy",
      title: "Spy",
      category: "Test",
      execution: "inline",
      input: Type.Object({}, { additionalProperties: true }),
      output: Type.Object({}),
      run: (_input, ctx) => {
        seen.push({ runId: ctx.runId, taskId: ctx.taskId, path: ctx.path, attempt: ctx.attempt, config: ctx.config, aborted: ctx.signal.aborted });
        if (ctx.attempt === 1) throw new Error("again");
        return {};
      },
    });
    const g = graph([{ id: "s", type: "GraphAsTask", subgraph: { tasks: [task("spy", "Spy", { config: { retry: { maxAttempts: 2, initialDelayMs: 5 }, k: 1 } })], dataflows: [] } }]);
    const r = await runGraph(g, {}, createRegistry([Spy]), { runId: "r9" });
    expect(r.status).toBe("COMPLETED");
    const config = { retry: { maxAttempts: 2, initialDelayMs: 5 }, k: 1 };
    expect(seen).toEqual([
      { runId: "r9", taskId: "spy", path: "s", attempt: 1, config, aborted: false },
      { runId: "r9", taskId: "spy", path: "s", attempt: 2, config, aborted: false },
    ]);
  });
});
