import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Dataflow, TaskNode } from "../../../src/core/graph/schema";
import { validateGraph } from "../../../src/core/graph/validate";
import { createRegistry } from "../../../src/tasks/index";

const registry = createRegistry();

/**
 * Built-in task kinds with the ports random DAGs may join. Outputs are typed by what flows
 * (`text` strings, numbers, any value); inputs list the ports that accept each kind, so every
 * generated dataflow is compatible by construction (the validator decides the rest).
 */
type Kind = "string" | "number" | "any";
interface Spec {
  make(id: string): TaskNode;
  outputs: [port: string, kind: Kind][];
  accepts: Record<Kind, string[]>;
}

const SPECS: Spec[] = [
  {
    make: (id) => ({ id, type: "Template", defaults: { template: "{{x}} + {{y}}" } }),
    outputs: [["text", "string"]],
    accepts: { string: ["x", "y"], number: ["x", "y"], any: ["x", "y"] },
  },
  { make: (id) => ({ id, type: "Uppercase" }), outputs: [["text", "string"]], accepts: { string: ["text"], number: [], any: ["text"] } },
  { make: (id) => ({ id, type: "Identity" }), outputs: [["value", "any"]], accepts: { string: ["value"], number: ["value"], any: ["value"] } },
  { make: (id) => ({ id, type: "Add" }), outputs: [["sum", "number"]], accepts: { string: [], number: ["a", "b", "values"], any: ["a", "b", "values"] } },
  { make: (id) => ({ id, type: "Multiply", defaults: { b: 2 } }), outputs: [["product", "number"]], accepts: { string: [], number: ["a"], any: ["a"] } },
  {
    make: (id) => ({ id, type: "Assert", defaults: { condition: true } }),
    outputs: [["value", "any"]],
    accepts: { string: ["message", "value"], number: ["value"], any: ["condition", "value"] },
  },
  { make: (id) => ({ id, type: "Delay", defaults: { ms: 1 } }), outputs: [["value", "any"]], accepts: { string: ["value"], number: ["ms", "value"], any: ["value"] } },
];

const dagArb = fc
  .record({
    kinds: fc.array(fc.nat({ max: SPECS.length - 1 }), { minLength: 2, maxLength: 25 }),
    edges: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat()), { maxLength: 80 }),
  })
  .map(({ kinds, edges }) => {
    const tasks = kinds.map((k, i) => SPECS[k].make(`t${i}`));
    const dataflows: Dataflow[] = [];
    const seen = new Set<string>();
    for (const [a, b, pick] of edges) {
      // Always from a lower to a higher index: acyclic by construction.
      const s = a % (tasks.length - 1);
      const t = s + 1 + (b % (tasks.length - 1 - s));
      const [sourcePort, kind] = SPECS[kinds[s]].outputs[0];
      const ports = SPECS[kinds[t]].accepts[kind];
      if (ports.length === 0) continue;
      const targetPort = ports[pick % ports.length];
      const key = `${s} ${sourcePort} ${t} ${targetPort}`;
      if (seen.has(key)) continue;
      seen.add(key);
      dataflows.push({ sourceTaskId: `t${s}`, sourceTaskPortId: sourcePort, targetTaskId: `t${t}`, targetTaskPortId: targetPort });
    }
    return { name: "random", tasks, dataflows };
  });

describe("validateGraph (properties)", () => {
  it("accepts random DAGs of built-in tasks joined by compatible ports", () => {
    fc.assert(
      fc.property(dagArb, (graph) => {
        const result = validateGraph(graph, registry);
        expect(result.errors).toEqual([]);
        expect(result.valid).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("reports a cycle naming its tasks whenever a back edge is added", () => {
    fc.assert(
      fc.property(
        dagArb.filter((g) => g.dataflows.length > 0),
        fc.nat(),
        (graph, pick) => {
          // Reverse a random existing dataflow: target → source closes at least that cycle.
          const forward = graph.dataflows[pick % graph.dataflows.length];
          const back: Dataflow = { sourceTaskId: forward.targetTaskId, sourceTaskPortId: "*", targetTaskId: forward.sourceTaskId, targetTaskPortId: "*" };
          const dataflows = [...graph.dataflows, back];
          const result = validateGraph({ ...graph, dataflows }, registry);
          expect(result.valid).toBe(false);
          const cycles = result.errors.filter((e) => e.message.startsWith("cycle: "));
          // The graph was acyclic, so every cycle now uses the back edge: one component, one error.
          expect(cycles).toHaveLength(1);
          const names = cycles[0].message.slice("cycle: ".length).split(" → ");
          expect(names[0]).toBe(names[names.length - 1]);
          expect(names).toContain(forward.sourceTaskId);
          expect(names).toContain(forward.targetTaskId);
          // Consecutive names are joined by dataflows, and the error points at one of them.
          const joined = (s: string, t: string) => dataflows.some((d) => d.sourceTaskId === s && d.targetTaskId === t);
          for (let i = 0; i + 1 < names.length; i++) expect(joined(names[i], names[i + 1])).toBe(true);
          const at = dataflows[Number(cycles[0].path.split("/")[2])];
          const pos = names.indexOf(at.sourceTaskId);
          expect(pos).toBeGreaterThanOrEqual(0);
          expect(names[pos + 1]).toBe(at.targetTaskId);
          // Nothing else is wrong with the graph but, possibly, the back edge's ports.
          for (const e of result.errors) if (e !== cycles[0]) expect(e.path).toBe(`/dataflows/${dataflows.length - 1}`);
        },
      ),
      { numRuns: 300 },
    );
  });
});
