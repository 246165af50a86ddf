import type { Graph, TaskNode } from "../src/core/graph/schema";

/** The DAG shapes every benchmark measures (issue 3): chain, fan-out, layered, lattice. */
export type Shape = "chain" | "fanout" | "layered" | "lattice";
export const SHAPES: Shape[] = ["chain", "fanout", "layered", "lattice"];

/** Seeded PRNG so "layered" is the same graph in every run and every benchmark. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ShapeTasks {
  /** The task type of every node. */
  type: string;
  /** Output port each dataflow leaves from, input port it enters (an array port for the fan-out join). */
  outPort: string;
  inPort: string;
  /** Defaults of node i. */
  defaults(i: number): Record<string, unknown>;
}

/**
 * `n` tasks `t0…t(n−1)` in the given shape: chain (each fed by the previous), fanout (1 → n−2 → 1,
 * the join collecting every value into its array port), layered (width 100, 1–3 inputs per node
 * from the previous layer, seeded), lattice (rows of 100, each node fed by its left and upper
 * neighbours).
 */
export function buildShape(shape: Shape, n: number, tasks: ShapeTasks): Graph {
  const nodes: TaskNode[] = [];
  const dataflows: Graph["dataflows"] = [];
  const id = (i: number) => `t${i}`;
  for (let i = 0; i < n; i++) nodes.push({ id: id(i), type: tasks.type, defaults: tasks.defaults(i) });
  const edge = (a: number, b: number) => dataflows.push({ sourceTaskId: id(a), sourceTaskPortId: tasks.outPort, targetTaskId: id(b), targetTaskPortId: tasks.inPort });
  const width = 100;
  switch (shape) {
    case "chain":
      for (let i = 1; i < n; i++) edge(i - 1, i);
      break;
    case "fanout":
      for (let i = 1; i < n - 1; i++) {
        edge(0, i);
        edge(i, n - 1);
      }
      break;
    case "layered": {
      const random = mulberry32(0x5eed);
      for (let i = width; i < n; i++) {
        const prev = Math.floor(i / width) * width - width;
        const picks = new Set<number>();
        const k = 1 + Math.floor(random() * 3);
        while (picks.size < k) picks.add(prev + Math.floor(random() * width));
        for (const p of picks) edge(p, i);
      }
      break;
    }
    case "lattice":
      for (let i = 0; i < n; i++) {
        if (i % width > 0) edge(i - 1, i);
        if (i >= width) edge(i - width, i);
      }
      break;
  }
  return { name: `${shape}-${n}`, tasks: nodes, dataflows };
}
