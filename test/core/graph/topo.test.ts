import { describe, expect, it } from "vitest";
import type { GraphBody } from "../../../src/core/graph/schema";
import { topologicalOrder } from "../../../src/core/graph/topo";
import { df } from "./fixtures";

const body = (ids: string[], flows: [string, string][]): GraphBody => ({
  tasks: ids.map((id) => ({ id, type: "Identity" })),
  dataflows: flows.map(([s, t]) => df(s, "value", t, "value")),
});

describe("topologicalOrder", () => {
  it("orders every task after the tasks that feed it", () => {
    const order = topologicalOrder(body(["d", "c", "b", "a"], [["a", "b"], ["b", "c"], ["c", "d"], ["a", "d"]]));
    expect(order).toEqual(["a", "b", "c", "d"]);
  });

  it("breaks ties by task-list order", () => {
    expect(topologicalOrder(body(["x", "y", "z"], []))).toEqual(["x", "y", "z"]);
    expect(topologicalOrder(body(["z", "y", "x"], []))).toEqual(["z", "y", "x"]);
    // a list already in dependency order comes back unchanged (a FIFO queue would give a, b, c)
    expect(topologicalOrder(body(["a", "c", "b"], [["a", "c"]]))).toEqual(["a", "c", "b"]);
    // ready tasks are taken in list order, not in the order they became ready
    expect(topologicalOrder(body(["r", "s", "late", "early"], [["s", "early"], ["r", "late"]]))).toEqual(["r", "s", "late", "early"]);
  });

  it("counts several dataflows between the same tasks once each", () => {
    const b = body(["a", "b"], [["a", "b"]]);
    b.dataflows.push(df("a", "other", "b", "other"));
    expect(topologicalOrder(b)).toEqual(["a", "b"]);
  });

  it("handles an empty body", () => {
    expect(topologicalOrder({ tasks: [], dataflows: [] })).toEqual([]);
  });

  it("throws on a cycle or a dangling dataflow (it expects a validated graph)", () => {
    expect(() => topologicalOrder(body(["a", "b", "c"], [["a", "b"], ["b", "a"]]))).toThrow(/not acyclic: a, b/);
    expect(() => topologicalOrder(body(["a"], [["a", "ghost"]]))).toThrow(/not in the graph/);
  });

  it("orders a long chain without recursion", () => {
    const n = 20_000;
    const ids = Array.from({ length: n }, (_, i) => `t${n - 1 - i}`);
    const flows: [string, string][] = Array.from({ length: n - 1 }, (_, i) => [`t${i}`, `t${i + 1}`]);
    const order = topologicalOrder(body(ids, flows));
    expect(order[0]).toBe("t0");
    expect(order[n - 1]).toBe(`t${n - 1}`);
  });
});
