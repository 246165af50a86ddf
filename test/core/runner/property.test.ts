import { Type } from "@sinclair/typebox";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Graph } from "../../../src/core/graph/schema";
import { runGraph, TaskGraphRunner } from "../../../src/core/runner/index";
import { defineTask, TaskRegistry } from "../../../src/core/task/index";

const M = 1_000_003;

/** Folds its inputs in order (so dataflow order matters): acc = k; acc = acc·31 + v. */
function fold(k: number, values: number[]): number {
  let acc = k;
  for (const v of values) acc = (acc * 31 + v) % M;
  return acc;
}

const input = Type.Object({ in: Type.Optional(Type.Array(Type.Number())), k: Type.Number() }, { additionalProperties: false });
const output = Type.Object({ out: Type.Number() });
const Fold = defineTask({ type: "Fold", title: "Fold", category: "Test", execution: "inline", input, output, run: (i) => ({ out: fold(i.k, i.in ?? []) }) });
const QueueFold = defineTask({ type: "QueueFold", title: "Fold", category: "Test", execution: "queue", input, output, run: (i) => ({ out: fold(i.k, i.in ?? []) }) });
const AsyncFold = defineTask({
  type: "AsyncFold",
  title: "Fold",
  category: "Test",
  execution: "inline",
  input,
  output,
  run: async (i) => {
    await Promise.resolve();
    return { out: fold(i.k, i.in ?? []) };
  },
});
const registry = new TaskRegistry([Fold, QueueFold, AsyncFold]);

interface Dag {
  graph: Graph;
  /** Dataflows as [source, target] ids, in graph order. */
  edges: Array<[string, string]>;
}

/** A random DAG: edges only from lower to higher index, then tasks and dataflows listed in shuffled order. */
const dagArbitrary = fc
  .integer({ min: 1, max: 25 })
  .chain((n) =>
    fc.record({
      n: fc.constant(n),
      types: fc.array(fc.constantFrom("Fold", "QueueFold", "AsyncFold"), { minLength: n, maxLength: n }),
      ks: fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: n, maxLength: n }),
      pairs: fc.array(fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: n - 1 })), { maxLength: n * 3 }),
      taskOrder: fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
    }),
  )
  .map(({ types, ks, pairs, taskOrder }): Dag => {
    const id = (i: number) => `t${i}`;
    // Orient every pair from the lower to the higher index (acyclic), dropping self-loops and repeats.
    const seen = new Set<string>();
    const edges: Array<[number, number]> = [];
    for (const [x, y] of pairs) {
      const [a, b] = x < y ? [x, y] : [y, x];
      if (a === b || seen.has(`${a}-${b}`)) continue;
      seen.add(`${a}-${b}`);
      edges.push([a, b]);
    }
    return {
      graph: {
        name: "random",
        tasks: taskOrder.map((i) => ({ id: id(i), type: types[i], defaults: { k: ks[i] } })),
        dataflows: edges.map(([a, b]) => ({ sourceTaskId: id(a), sourceTaskPortId: "out", targetTaskId: id(b), targetTaskPortId: "in" })),
      },
      edges: edges.map(([a, b]) => [id(a), id(b)]),
    };
  });

/** The obvious evaluator: memoised recursion over the dataflows in graph order. */
function reference(dag: Dag): unknown {
  const k = new Map(dag.graph.tasks.map((t) => [t.id, (t.defaults as { k: number }).k]));
  const memo = new Map<string, number>();
  const value = (id: string): number => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    const v = fold(k.get(id) as number, dag.edges.filter(([, b]) => b === id).map(([a]) => value(a)));
    memo.set(id, v);
    return v;
  };
  const leaves = dag.graph.tasks.filter((t) => !dag.edges.some(([a]) => a === t.id));
  if (leaves.length === 1) return { out: value(leaves[0].id) };
  return { out: leaves.map((l) => value(l.id)) };
}

describe("random DAGs (property)", () => {
  it("runGraph: each task completes exactly once, in topological order, with the reference output", async () => {
    await fc.assert(
      fc.asyncProperty(dagArbitrary, fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }), async (dag, maxConcurrency) => {
        const r = await runGraph(dag.graph, {}, registry, { startTime: 0, maxConcurrency });
        expect(r.status).toBe("COMPLETED");
        const seqOf = new Map<string, number>();
        for (const e of r.events) {
          if (e.kind === "task" && (e.type === "start" || e.type === "complete")) {
            const key = `${e.type} ${e.taskId}`;
            expect(seqOf.has(key), `${key} twice`).toBe(false);
            seqOf.set(key, e.seq);
          }
          if (e.kind === "dataflow") seqOf.set(`flow ${e.dataflowId}`, e.seq);
        }
        for (const t of dag.graph.tasks) {
          expect(seqOf.get(`start ${t.id}`)).toBeDefined();
          expect(seqOf.get(`complete ${t.id}`)).toBeGreaterThan(seqOf.get(`start ${t.id}`) as number);
        }
        for (const [a, b] of dag.edges) {
          const flow = seqOf.get(`flow ${a}[out] ==> ${b}[in]`) as number;
          expect(flow).toBeGreaterThan(seqOf.get(`complete ${a}`) as number);
          expect(seqOf.get(`start ${b}`)).toBeGreaterThan(flow);
        }
        expect(r.output).toEqual(reference(dag));
      }),
      { numRuns: 150 },
    );
  });

  it("the state machine: any completion order and any restore point give the reference output", () => {
    fc.assert(
      fc.property(dagArbitrary, fc.array(fc.nat(), { minLength: 60, maxLength: 60 }), fc.nat(), (dag, picks, restoreAt) => {
        let runner = new TaskGraphRunner(dag.graph, registry, { runId: "p" });
        const open = new Map<string, { attempt: number; input: Record<string, unknown> }>();
        const take = (fx: ReturnType<TaskGraphRunner["start"]>) => {
          for (const d of fx.dispatch) open.set(d.key, { attempt: d.attempt, input: d.input });
        };
        take(runner.start({}, 0));
        let step = 0;
        while (open.size > 0) {
          if (step === restoreAt % (dag.graph.tasks.length + 1)) {
            runner = TaskGraphRunner.restore(dag.graph, registry, JSON.parse(JSON.stringify(runner.snapshot())), { runId: "p" });
            expect(new Set(runner.inFlight().map((a) => a.key))).toEqual(new Set(open.keys()));
          }
          const keys = [...open.keys()];
          const key = keys[picks[step % picks.length] % keys.length];
          const { attempt, input: inp } = open.get(key) as { attempt: number; input: { k: number; in?: number[] } };
          open.delete(key);
          take(runner.taskCompleted(key, attempt, { out: fold(inp.k, inp.in ?? []) }, step));
          step++;
        }
        expect(runner.status).toBe("COMPLETED");
        expect(runner.runState().output).toEqual(reference(dag));
        expect(runner.tasks().every((t) => t.status === "COMPLETED" && t.attempts === 1)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});
