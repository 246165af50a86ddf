import { describe, expect, it } from "vitest";
import type { Graph } from "../../../src/core/graph/schema";
import { TaskGraphRunner, runGraph } from "../../../src/core/runner";
import { createRegistry } from "../../../src/tasks";

/** Runner bugs the soak found (docs/soak.md): each reproduced here in its smallest form. */
describe("soak regressions", () => {
  it("skips the subgraph of a GraphAsTask whose input is refused (soak seed 9 run 1127)", async () => {
    const graph: Graph = {
      name: "g",
      tasks: [
        { id: "n", type: "Identity" },
        { id: "g", type: "GraphAsTask", subgraph: { tasks: [{ id: "x", type: "Uppercase" }], dataflows: [] } },
        { id: "h", type: "Identity" },
      ],
      dataflows: [
        { sourceTaskId: "n", sourceTaskPortId: "value", targetTaskId: "g", targetTaskPortId: "text" },
        { sourceTaskId: "g", sourceTaskPortId: "[error]", targetTaskId: "h", targetTaskPortId: "value" },
      ],
    };
    const r = await runGraph(graph, { value: 5 }, createRegistry());
    expect(r.status).toBe("COMPLETED");
    expect(r.tasks.find((t) => t.key === "g")?.status).toBe("FAILED");
    expect(r.tasks.find((t) => t.key === "g/x")?.status).toBe("SKIPPED");
  });

  it("merges the same output whether or not the state went through JSON (soak seed 9 runs 1469, 1741)", () => {
    const graph: Graph = {
      name: "merge-undefined",
      tasks: [
        { id: "d", type: "Identity" },
        { id: "e", type: "Identity", defaults: { value: "x" } },
      ],
      dataflows: [],
    };
    const registry = createRegistry();
    const direct = new TaskGraphRunner(graph, registry, { runId: "r1" });
    const fx = direct.start({}, 0);
    const [d, e] = fx.dispatch;
    direct.taskCompleted(d.key, d.attempt, { value: undefined }, 1);
    // A second runner restored from the JSON of the first one's state after `d` completed.
    const restored = TaskGraphRunner.restore(graph, registry, JSON.parse(JSON.stringify(direct.snapshot())), { runId: "r1" });
    direct.taskCompleted(e.key, e.attempt, { value: "x" }, 2);
    restored.taskCompleted(e.key, e.attempt, { value: "x" }, 2);
    expect(direct.runState().output).toEqual({ value: ["x"] });
    expect(restored.runState().output).toEqual(direct.runState().output);
  });
});
