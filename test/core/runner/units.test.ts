import { describe, expect, it } from "vitest";
import { jitter, nextRandom, seedFrom } from "../../../src/core/runner/backoff";
import { GraphCompileError, TaskGraphRunner } from "../../../src/core/runner/index";
import { expandReplicas } from "../../../src/core/runner/replicate";
import { dataflowId } from "../../../src/core/graph/dataflow-id";
import { flatDataflowId } from "../../../src/core/runner/compile";
import { TimerQueue } from "../../../src/core/runner/timer-queue";
import { sizeAbove, utf8Length } from "../../../src/core/runner/value-size";
import { graph, registry, task } from "./helpers";

describe("graph compilation refuses graphs it cannot run", () => {
  const compile = (g: unknown) => () => new TaskGraphRunner(g as never, registry, { runId: "r" });
  it.each([
    ["unknown type", graph([task("a", "Nope")]), "/tasks/0/type: unknown task type \"Nope\""],
    ["duplicate id", graph([task("a", "Echo"), task("a", "Echo")]), "/tasks/1/id: duplicate task id \"a\""],
    ["reserved characters", graph([task("a/b", "Echo")]), "/tasks/0/id"],
    ["missing source", graph([task("a", "Echo")], ["x.v->a.v"]), "/dataflows/0/sourceTaskId: no task \"x\""],
    ["missing target", graph([task("a", "Echo")], ["a.v->y.v"]), "/dataflows/0/targetTaskId: no task \"y\""],
    ["cycle", graph([task("a", "Echo"), task("b", "Echo"), task("c", "Echo")], ["a.v->b.v", "b.v->c.v", "c.v->b.w"]), "cycle through b, c"],
    ["subgraph on a plain task", graph([task("a", "Echo", { subgraph: { tasks: [], dataflows: [] } })]), "/tasks/0/subgraph"],
    ["GraphAsTask without subgraph", graph([task("a", "GraphAsTask")]), "needs a `subgraph`"],
    ["replicate on a GraphAsTask", graph([task("a", "GraphAsTask", { subgraph: { tasks: [], dataflows: [] }, config: { replicate: ["x"] } })]), "/tasks/0/config/replicate"],
    ["not a graph", { name: "x", tasks: "nope", dataflows: [] }, "needs `tasks` and `dataflows`"],
    [
      "a problem inside a subgraph",
      graph([task("s", "GraphAsTask", { subgraph: { tasks: [task("i", "Nope")], dataflows: [] } })]),
      "/tasks/0/subgraph/tasks/0/type",
    ],
  ])("%s", (_name, g, message) => {
    expect(compile(g)).toThrow(GraphCompileError);
    expect(compile(g)).toThrow(message);
  });
});

it("refuses a duplicate dataflow once rows are looked up by key", () => {
  const runner = new TaskGraphRunner(graph([task("a", "Echo"), task("b", "Echo")], ["a.v->b.v", "a.v->b.v"]), registry, { runId: "r" });
  expect(() => runner.dataflowState("a[v] ==> b[v]")).toThrow(/duplicate dataflow a\[v\] ==> b\[v\]/);
});

it("builds dataflow ids exactly as dataflowId() does", () => {
  for (const df of [
    { sourceTaskId: "a", sourceTaskPortId: "out", targetTaskId: "b", targetTaskPortId: "in" },
    { sourceTaskId: "x", sourceTaskPortId: "[error]", targetTaskId: "y", targetTaskPortId: "*" },
  ]) {
    expect(flatDataflowId(df)).toBe(dataflowId(df));
  }
});

describe("jitter", () => {
  it("stays within ±20% and is reproducible from the seed", () => {
    let state = seedFrom("run-1");
    expect(seedFrom("run-1")).toBe(state);
    expect(seedFrom("run-2")).not.toBe(state);
    const values: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const [r, next] = nextRandom(state);
      state = next;
      expect(r).toBeGreaterThanOrEqual(0);
      expect(r).toBeLessThan(1);
      values.push(jitter(1000, r));
    }
    expect(Math.min(...values)).toBeGreaterThanOrEqual(800);
    expect(Math.max(...values)).toBeLessThanOrEqual(1200);
    expect(jitter(1000, 0)).toBe(800);
    expect(jitter(0, 0.5)).toBe(0);
  });
});

describe("replica expansion", () => {
  it("returns undefined without arrays and the cartesian product with them", () => {
    expect(expandReplicas({ a: 1 }, ["a"])).toBeUndefined();
    expect(expandReplicas({ a: [1, 2], b: ["x", "y"], c: 0 }, ["a", "b", "missing"])).toEqual([
      { a: 1, b: "x", c: 0 },
      { a: 1, b: "y", c: 0 },
      { a: 2, b: "x", c: 0 },
      { a: 2, b: "y", c: 0 },
    ]);
    expect(expandReplicas({ a: [1, 2], b: [] }, ["a", "b"])).toEqual([]);
  });
});

describe("value sizes", () => {
  it("counts UTF-8 bytes", () => {
    expect(utf8Length("abc")).toBe(3);
    expect(utf8Length("é")).toBe(2);
    expect(utf8Length("€")).toBe(3);
    expect(utf8Length("😀")).toBe(4);
    expect(utf8Length("\ud800")).toBe(3); // a lone surrogate
  });

  it("answers -1 at or under the limit and the JSON size above it", () => {
    expect(sizeAbove(12345, 64)).toBe(-1);
    expect(sizeAbove("x".repeat(10), 12)).toBe(-1);
    expect(sizeAbove("x".repeat(11), 12)).toBe(13);
    expect(sizeAbove({ a: "€".repeat(10) }, 20)).toBe(38);
    expect(sizeAbove(null, 2)).toBe(4);
    expect(sizeAbove(undefined, 0)).toBe(-1);
  });
});

describe("TimerQueue", () => {
  it("pops by due time, then arming order, skipping cancelled timers", () => {
    const q = new TimerQueue<string>();
    q.add("c", 30, "c");
    q.add("a", 10, "a");
    q.add("b", 10, "b");
    q.add("d", 5, "d");
    q.cancel("d");
    q.add("a", 40, "a2"); // re-arming replaces
    expect(q.size).toBe(3);
    expect([q.pop()?.item, q.pop()?.item, q.pop()?.item, q.pop()]).toEqual(["b", "c", "a2", undefined]);
  });
});
