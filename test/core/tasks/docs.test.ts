import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { validateGraph } from "../../../src/core/graph/validate";
import type { Graph } from "../../../src/core/graph/schema";
import { runGraph } from "../../../src/core/runner/index";
import { builtinTasks } from "../../../src/tasks/index";
import { registry } from "./helpers";

/**
 * docs/tasks.md is tested: every example graph must validate, and every
 * "Input: `…` → output: `…`" (or "→ fails: `…`") line under it must be what a run gives.
 */
const doc = readFileSync(new URL("../../../docs/tasks.md", import.meta.url), "utf8");

interface Example {
  graph: Graph;
  runs: Array<{ input: Record<string, unknown>; output?: unknown; fails?: Record<string, unknown> }>;
}

function examples(): Example[] {
  const out: Example[] = [];
  const parts = doc.split(/^```json\n([\s\S]*?)^```\n/m);
  // split with a capture group: [text, block, text, block, …, text]
  for (let i = 1; i < parts.length; i += 2) {
    const parsed = JSON.parse(parts[i]);
    if (!parsed || !Array.isArray(parsed.tasks)) continue;
    const after = parts[i + 1] ?? "";
    const runs: Example["runs"] = [];
    for (const m of after.matchAll(/^Input: `(.+?)` → (output|fails): `(.+)`$/gm)) {
      const input = JSON.parse(m[1]);
      runs.push(m[2] === "output" ? { input, output: JSON.parse(m[3]) } : { input, fails: JSON.parse(m[3]) });
    }
    out.push({ graph: parsed, runs });
  }
  return out;
}

const all = examples();

describe("docs/tasks.md", () => {
  it("has an example graph for every built-in type", () => {
    const used = new Set<string>();
    const collect = (tasks: Array<{ type: string; subgraph?: { tasks: [] } }>) => {
      for (const t of tasks) {
        used.add(t.type);
        if (t.subgraph) collect(t.subgraph.tasks);
      }
    };
    for (const e of all) collect(e.graph.tasks as never);
    expect(builtinTasks.map((d) => d.type).filter((t) => !used.has(t))).toEqual([]);
  });

  it("documents every built-in in its table", () => {
    for (const def of builtinTasks) expect(doc, def.type).toContain(`\`${def.type}\``);
  });

  for (const e of all) {
    it(`example "${e.graph.name}" validates`, () => {
      const result = validateGraph(e.graph, registry);
      expect(result.errors).toEqual([]);
    });
    for (const [i, r] of e.runs.entries()) {
      it(`example "${e.graph.name}" run ${i + 1} gives what the docs say`, async () => {
        const result = await runGraph(e.graph, r.input, registry, { startTime: Date.parse("2026-11-26T00:00:00Z") });
        if (r.fails) {
          expect(result.status).toBe("FAILED");
          expect(result.error).toMatchObject(r.fails);
        } else {
          expect(result.error).toBeUndefined();
          expect(result.status).toBe("COMPLETED");
          expect(result.output).toEqual(r.output);
        }
      });
    }
  }
});
