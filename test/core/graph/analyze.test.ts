import { describe, expect, it } from "vitest";
import { analyzeGraph } from "../../../src/core/graph/analyze";
import type { Graph } from "../../../src/core/graph/schema";
import { validateGraph } from "../../../src/core/graph/validate";
import { df, registry } from "./fixtures";

describe("analyzeGraph", () => {
  it("gives each dataflow's compatibility, index-aligned, and recurses into subgraphs", () => {
    const graph: Graph = {
      name: "analysis",
      tasks: [
        { id: "a", type: "Emit" },
        { id: "b", type: "Sink" },
        { id: "i", type: "Identity" },
        {
          id: "g",
          type: "GraphAsTask",
          subgraph: {
            tasks: [
              { id: "x", type: "Identity" },
              { id: "y", type: "Uppercase" },
            ],
            dataflows: [df("x", "value", "y", "text")],
          },
        },
      ],
      dataflows: [
        df("a", "text", "b", "text"), // string → string
        df("a", "ratio", "b", "i"), // number → integer
        df("i", "value", "b", "n"), // unknown → number
        df("a", "count", "b", "numbers"), // integer appended to number[]
        df("a", "[error]", "i", "value"), // error object → unknown
        df("a", "text", "g", "value"), // into the subgraph root's port
      ],
    };
    expect(validateGraph(graph, registry).valid).toBe(true);
    const analysis = analyzeGraph(graph, registry);
    expect(analysis.compatibility).toEqual(["static", "runtime", "runtime", "static", "static", "static"]);
    expect([...analysis.subgraphs.keys()]).toEqual(["g"]);
    expect(analysis.subgraphs.get("g")?.compatibility).toEqual(["runtime"]);
  });
});
