import { describe, expect, it } from "vitest";
import { mergeLeaves, mergeReplicas, propertyArrays, runGraph } from "../../../src/core/runner/index";
import { graph, registry, task } from "./helpers";

describe("merge strategies (unit)", () => {
  const leaf = (id: string, data: unknown) => ({ id, type: "T", data });

  it("PROPERTY_ARRAY: none → {}, one → as is, several → each key's values of the leaves that have it", () => {
    expect(mergeLeaves("PROPERTY_ARRAY", [])).toEqual({});
    const only = { a: 1, nested: { b: 2 } };
    expect(mergeLeaves("PROPERTY_ARRAY", [leaf("x", only)])).toBe(only);
    expect(mergeLeaves("PROPERTY_ARRAY", [leaf("x", { a: 1, b: 2 }), leaf("y", { b: 3, c: 4 }), leaf("z", { a: 5 })])).toEqual({
      a: [1, 5],
      b: [2, 3],
      c: [4],
    });
  });

  it("PROPERTY_ARRAY keeps keys in first-appearance order and arrays whole", () => {
    const merged = propertyArrays([{ z: [1] }, { a: 1, z: [2] }]);
    expect(Object.keys(merged)).toEqual(["z", "a"]);
    expect(merged.z).toEqual([[1], [2]]);
  });

  it("PROPERTY_ARRAY ignores outputs that are not objects among several leaves", () => {
    expect(mergeLeaves("PROPERTY_ARRAY", [leaf("x", [1, 2]), leaf("y", { a: 1 })])).toEqual({ a: [1] });
  });

  it("GRAPH_RESULT_ARRAY: one entry per leaf, in order", () => {
    expect(mergeLeaves("GRAPH_RESULT_ARRAY", [])).toEqual([]);
    expect(mergeLeaves("GRAPH_RESULT_ARRAY", [leaf("x", { a: 1 })])).toEqual([{ id: "x", type: "T", data: { a: 1 } }]);
    expect(mergeLeaves("GRAPH_RESULT_ARRAY", [leaf("x", { a: 1 }), leaf("y", { a: 2 })])).toEqual([
      { id: "x", type: "T", data: { a: 1 } },
      { id: "y", type: "T", data: { a: 2 } },
    ]);
  });

  it("replicas always merge into arrays; none gives the declared ports empty", () => {
    expect(mergeReplicas([{ a: 1 }], ["a"])).toEqual({ a: [1] });
    expect(mergeReplicas([], ["a", "b"])).toEqual({ a: [], b: [] });
  });
});

describe("merge of a run's leaves", () => {
  const oneLeaf = graph([task("a", "Echo"), task("b", "Echo")], ["a.v->b.v"]);
  const twoLeaves = graph([task("a", "Echo"), task("b", "Echo"), task("c", "Echo", { defaults: { extra: true } })], ["a.v->b.v", "a.v->c.v"]);

  it("PROPERTY_ARRAY with one leaf and with several", async () => {
    expect((await runGraph(oneLeaf, { v: 1 }, registry)).output).toEqual({ v: 1 });
    expect((await runGraph(twoLeaves, { v: 1 }, registry)).output).toEqual({ v: [1, 1], extra: [true] });
  });

  it("GRAPH_RESULT_ARRAY with one leaf and with several, in task order", async () => {
    expect((await runGraph({ ...oneLeaf, merge: "GRAPH_RESULT_ARRAY" }, { v: 1 }, registry)).output).toEqual([{ id: "b", type: "Echo", data: { v: 1 } }]);
    expect((await runGraph({ ...twoLeaves, merge: "GRAPH_RESULT_ARRAY" }, { v: 1 }, registry)).output).toEqual([
      { id: "b", type: "Echo", data: { v: 1 } },
      { id: "c", type: "Echo", data: { v: 1, extra: true } },
    ]);
  });

  it("the run's merge wins over the graph's, which wins over the default", async () => {
    const g = { ...twoLeaves, merge: "GRAPH_RESULT_ARRAY" as const };
    expect((await runGraph(g, { v: 1 }, registry, { merge: "PROPERTY_ARRAY" })).output).toEqual({ v: [1, 1], extra: [true] });
    expect(Array.isArray((await runGraph(g, { v: 1 }, registry)).output)).toBe(true);
  });

  it("a task with only an [error] dataflow out is not a leaf; skipped leaves are not merged", async () => {
    const g = graph([task("a", "Echo"), task("h", "Echo"), task("br", "Branch"), task("never", "Echo")], ["a.[error]->h.e", "br.else->never.v"]);
    const r = await runGraph(g, { cond: true, value: 2 }, registry);
    // Leaves: h (SKIPPED: a succeeded) and never (SKIPPED): nothing to merge.
    expect(r.output).toEqual({});
  });
});
