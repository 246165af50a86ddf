import { describe, expect, it } from "vitest";
import type { Graph, GraphBody, TaskNode } from "../../../src/core/graph/schema";
import { outputPortSchema } from "../../../src/core/graph/ports";
import { validateGraph } from "../../../src/core/graph/validate";
import { DEFAULT_MAP_CONCURRENCY, MapTask, MAX_MAP_CONCURRENCY, MAX_MAP_ITEMS } from "../../../src/tasks/index";
import { accepts, configSchema, portsOf, registry } from "./helpers";

const upper: GraphBody = { tasks: [{ id: "u", type: "Uppercase" }], dataflows: [] };

function mapNode(subgraph: GraphBody | undefined, config: Record<string, unknown> = {}, extra: Partial<TaskNode> = {}): TaskNode {
  return { id: "m", type: "Map", ...(subgraph ? { subgraph } : {}), config, ...extra };
}

function errors(graph: Omit<Graph, "name">): Array<{ path: string; message: string }> {
  return validateGraph({ name: "g", ...graph }, registry).errors;
}

describe("Map ports", () => {
  it("takes `items` as an array of what the subgraph's item port accepts, plus its other input ports", () => {
    const sub: GraphBody = {
      tasks: [{ id: "t", type: "Template", defaults: { template: "{{item}} {{suffix}}" } }, { id: "s", type: "Split", defaults: { separator: " " } }],
      dataflows: [{ sourceTaskId: "t", sourceTaskPortId: "text", targetTaskId: "s", targetTaskPortId: "text" }],
    };
    const { input, output } = portsOf(mapNode(sub));
    expect(Object.keys(input.properties)).toEqual(["items", "template", "suffix"]);
    expect(input.required).toEqual(["items"]);
    // The Template instance declares its variables: closed, and so is the Map's input.
    expect(input.additionalProperties).toBe(false);
    expect(portsOf(mapNode({ tasks: [{ id: "e", type: "Identity" }], dataflows: [] })).input.additionalProperties).toBe(true);
    expect(output.properties.results).toMatchObject({ type: "array", items: { type: "object", properties: { parts: { type: "array" } } } });
    expect(accepts(output, { results: [{ parts: ["a"] }] })).toBe(true);
    expect(accepts(output, { results: [{ parts: "a" }] })).toBe(false);

    const typed = portsOf(mapNode(upper, { itemPort: "text" }));
    expect(typed.input.properties.items).toMatchObject({ type: "array", items: { type: "string" }, maxItems: MAX_MAP_ITEMS });
    expect(typed.input.additionalProperties).toBe(false);
    expect(accepts(typed.input, { items: ["a", "b"] })).toBe(true);
    expect(accepts(typed.input, { items: [1] })).toBe(false);
    expect(accepts(typed.input, {})).toBe(false);
  });

  it("with merge GRAPH_RESULT_ARRAY, each result is the leaves list; `*` is still the { results } object", () => {
    const node = mapNode(upper, {}, { merge: "GRAPH_RESULT_ARRAY" });
    const ports = portsOf(node);
    expect(ports.output.properties.results).toMatchObject({ type: "array", items: { type: "array" } });
    expect(outputPortSchema(node, ports, "*")).toBe(ports.output);
    // A GraphAsTask merging that way outputs the array itself.
    const gat: TaskNode = { id: "g", type: "GraphAsTask", subgraph: upper, merge: "GRAPH_RESULT_ARRAY" };
    expect(outputPortSchema(gat, portsOf(gat), "*")).toMatchObject({ type: "array" });
  });

  it("configures concurrency (1–1,000) and the item and index ports", () => {
    const config = configSchema(MapTask);
    expect(accepts(config, {})).toBe(true);
    expect(accepts(config, { concurrency: 1, itemPort: "row", indexPort: "i" })).toBe(true);
    expect(accepts(config, { concurrency: MAX_MAP_CONCURRENCY })).toBe(true);
    for (const bad of [{ concurrency: 0 }, { concurrency: MAX_MAP_CONCURRENCY + 1 }, { concurrency: 2.5 }, { itemPort: "" }, { itemPort: "*" }, { indexPort: "[error]" }, { other: 1 }]) {
      expect(accepts(config, bad), JSON.stringify(bad)).toBe(false);
    }
  });
});

describe("Map.iterate", () => {
  const iterate = MapTask.iterate as NonNullable<typeof MapTask.iterate>;

  it("hands iteration i the shared inputs, the element and its index; output is { results }", () => {
    const plan = iterate({ items: ["a", "b"], suffix: "!" } as { items: unknown[] }, {});
    expect(plan.count).toBe(2);
    expect(plan.concurrency).toBe(DEFAULT_MAP_CONCURRENCY);
    expect(plan.input(1)).toEqual({ suffix: "!", index: 1, item: "b" });
    expect(plan.output([{ x: 1 }])).toEqual({ results: [{ x: 1 }] });
    const renamed = iterate({ items: [7] }, { itemPort: "n", indexPort: "i", concurrency: 3 });
    expect(renamed.input(0)).toEqual({ i: 0, n: 7 });
    expect(renamed.concurrency).toBe(3);
  });
});

describe("Map validation", () => {
  it("accepts a Map with a valid subgraph and dataflows typed by its ports", () => {
    expect(
      errors({
        tasks: [{ id: "src", type: "Split", defaults: { text: "a b", separator: " " } }, mapNode(upper, { itemPort: "text" }), { id: "n", type: "Length" }],
        dataflows: [
          { sourceTaskId: "src", sourceTaskPortId: "parts", targetTaskId: "m", targetTaskPortId: "items" },
          { sourceTaskId: "m", sourceTaskPortId: "results", targetTaskId: "n", targetTaskPortId: "value" },
        ],
      }),
    ).toEqual([]);
  });

  it("requires a subgraph, validates it with pointers into it, and refuses incompatible items", () => {
    expect(errors({ tasks: [mapNode(undefined)], dataflows: [] })).toEqual([{ path: "/tasks/0/subgraph", message: "is required: a Map runs its subgraph" }]);
    const inner = errors({ tasks: [mapNode({ tasks: [{ id: "x", type: "Nope" }, { id: "u", type: "Uppercase" }], dataflows: [{ sourceTaskId: "u", sourceTaskPortId: "text", targetTaskId: "missing", targetTaskPortId: "t" }] })], dataflows: [] });
    expect(inner.map((e) => e.path)).toEqual(["/tasks/0/subgraph/tasks/0/type", "/tasks/0/subgraph/dataflows/0/targetTaskId"]);
    const numbers = errors({
      tasks: [{ id: "src", type: "Add", defaults: { a: 1, b: 2 } }, mapNode(upper, { itemPort: "text" })],
      dataflows: [{ sourceTaskId: "src", sourceTaskPortId: "sum", targetTaskId: "m", targetTaskPortId: "items" }],
    });
    expect(numbers).toHaveLength(1);
    expect(numbers[0].path).toBe("/dataflows/0");
  });

  it("refuses the same name for the item and the index, and bad config", () => {
    const same = errors({ tasks: [mapNode(upper, { itemPort: "k", indexPort: "k" })], dataflows: [] });
    expect(same).toEqual([{ path: "/tasks/0", message: expect.stringMatching(/itemPort and config.indexPort are both "k"/) }]);
    const bad = errors({ tasks: [mapNode(upper, { concurrency: 0 })], dataflows: [] });
    expect(bad.map((e) => e.path)).toEqual(["/tasks/0/config/concurrency"]);
  });
});
