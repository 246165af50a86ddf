import { describe, expect, it } from "vitest";
import { EdgeList, findCycles } from "../../../src/core/graph/cycles";

function edges(pairs: [number, number][]): EdgeList {
  const list = new EdgeList();
  pairs.forEach(([from, to], i) => list.add(from, to, 100 + i));
  return list;
}

/** Checks that a reported cycle is a real one: consecutive nodes joined, closed by its edge. */
function assertRealCycle(pairs: [number, number][], cycle: { nodes: number[]; edge: number }) {
  const has = (a: number, b: number) => pairs.some(([f, t]) => f === a && t === b);
  for (let i = 0; i + 1 < cycle.nodes.length; i++) expect(has(cycle.nodes[i], cycle.nodes[i + 1])).toBe(true);
  const closing = pairs[cycle.edge - 100];
  expect(closing).toEqual([cycle.nodes[cycle.nodes.length - 1], cycle.nodes[0]]);
  expect(new Set(cycle.nodes).size).toBe(cycle.nodes.length);
}

describe("findCycles", () => {
  it("finds nothing in a DAG", () => {
    expect(findCycles(4, edges([[0, 1], [1, 2], [0, 2], [2, 3]]))).toEqual([]);
    expect(findCycles(0, edges([]))).toEqual([]);
  });

  it("finds one cycle per strongly connected component, with the closing edge id", () => {
    const pairs: [number, number][] = [[0, 1], [1, 2], [2, 0], [3, 3], [4, 5], [5, 4], [2, 4]];
    const cycles = findCycles(6, edges(pairs));
    expect(cycles).toEqual([
      { nodes: [0, 1, 2], edge: 102 },
      { nodes: [3], edge: 103 },
      { nodes: [4, 5], edge: 105 },
    ]);
    for (const c of cycles) assertRealCycle(pairs, c);
  });

  it("reports a real simple cycle inside a dense component", () => {
    const pairs: [number, number][] = [];
    for (let a = 0; a < 6; a++) for (let b = 0; b < 6; b++) if (a !== b) pairs.push([a, b]);
    const cycles = findCycles(6, edges(pairs));
    expect(cycles).toHaveLength(1);
    assertRealCycle(pairs, cycles[0]);
  });

  it("handles a 100,000-node ring without recursion", () => {
    const n = 100_000;
    const pairs: [number, number][] = Array.from({ length: n }, (_, i) => [i, (i + 1) % n]);
    const [cycle] = findCycles(n, edges(pairs));
    expect(cycle.nodes).toHaveLength(n);
    expect(cycle.edge).toBe(100 + n - 1);
  });
});
