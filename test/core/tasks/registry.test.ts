import { Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { describe, expect, it } from "vitest";
import type { TaskNode } from "../../../src/core/graph/schema";
import { RUNNER_CONFIG_KEYS } from "../../../src/core/graph/schema";
import { builtinTasks, createRegistry, defineGraphTask, defineQueueTask, Fetch } from "../../../src/tasks/index";
import { run, TestContext } from "./helpers";

const EXPECTED = [
  "Add", "Assert", "Concat", "Condition", "Delay", "Divide", "Fetch", "FormatDate", "GraphAsTask", "Identity", "Length", "Log",
  "Lowercase", "Map", "Merge", "Multiply", "Pick", "Replace", "Round", "Split", "Subtract", "Template", "Transform", "Uppercase", "WaitForSignal",
];

describe("the built-in library", () => {
  it("registers every built-in once", () => {
    expect(createRegistry().types().sort()).toEqual(EXPECTED);
  });

  it("describes each type for /task-types: title, category, description, object schemas", () => {
    for (const info of createRegistry().catalog()) {
      expect(info.title.length, info.type).toBeGreaterThan(0);
      expect(info.category.length, info.type).toBeGreaterThan(0);
      expect(info.description?.length ?? 0, info.type).toBeGreaterThan(10);
      expect(info.inputSchema, info.type).toMatchObject({ type: "object" });
      expect(info.outputSchema, info.type).toMatchObject({ type: "object" });
      expect(info.configSchema, info.type).toMatchObject({ type: "object" });
      // The catalog is JSON: it must survive a round trip and stay small.
      expect(JSON.stringify(info).length, info.type).toBeLessThan(20_000);
    }
  });

  it("keeps config keys apart from the runner's", () => {
    for (const def of builtinTasks) {
      for (const key of Object.keys(def.config?.properties ?? {})) expect(RUNNER_CONFIG_KEYS as readonly string[], `${def.type}.${key}`).not.toContain(key);
    }
  });

  it("has run() or a durable wait, never both, except graph tasks", () => {
    for (const def of builtinTasks) {
      if (def.execution === "graph") expect(def.run ?? def.wait, def.type).toBeUndefined();
      else expect(Boolean(def.run) !== Boolean(def.wait && def.resume), def.type).toBe(true);
    }
  });

  it("registers custom types in one line and refuses a second type of the same name", () => {
    const Echo = defineQueueTask({
      type: "Echo",
      title: "Echo",
      category: "Test",
      input: Type.Object({ v: Type.String() }),
      output: Type.Object({ v: Type.String() }),
      run: ({ v }) => ({ v }),
    });
    expect(createRegistry([Echo]).get("Echo")).toBe(Echo);
    expect(() => createRegistry([{ ...Echo, type: "Fetch" }])).toThrow(/already registered/);
  });

  it("configures Fetch for the deployment", async () => {
    expect(createRegistry().get("Fetch")).toBe(Fetch);
    const registry = createRegistry([], { fetch: { allowHosts: ["api.example.com"] } });
    const configured = registry.get("Fetch");
    expect(configured).not.toBe(Fetch);
    expect(configured?.execution).toBe("queue");
    // The deployment list rules: another host is refused before any request is made.
    await expect(run(configured as typeof Fetch, { url: "https://example.org/" }, new TestContext())).rejects.toMatchObject({ code: "host_not_allowed" });
  });
});

describe("defineQueueTask", () => {
  it("makes a queue task with typed run", async () => {
    const Double = defineQueueTask({
      type: "Double",
      title: "Double",
      category: "Test",
      input: Type.Object({ n: Type.Number() }),
      output: Type.Object({ n: Type.Number() }),
      run: async ({ n }) => ({ n: n * 2 }),
    });
    expect(Double.execution).toBe("queue");
    expect(await run(Double, { n: 21 })).toEqual({ n: 42 });
  });

  it("refuses a definition without run (from untyped JavaScript)", () => {
    expect(() => defineQueueTask({ type: "X", title: "X", category: "T", input: Type.Object({}), output: Type.Object({}) } as never)).toThrow(/needs run/);
  });
});

describe("defineGraphTask", () => {
  it("makes a graph-executed type whose ports come from each instance's subgraph", () => {
    const Pipeline = defineGraphTask({ type: "Pipeline", title: "Pipeline", category: "Flows", description: "A reusable step" });
    expect(Pipeline.execution).toBe("graph");
    const registry = createRegistry([Pipeline]);
    const node: TaskNode = {
      id: "p",
      type: "Pipeline",
      subgraph: {
        tasks: [
          { id: "a", type: "Uppercase" },
          { id: "b", type: "Template", defaults: { template: "<{{text}}>" } },
        ],
        dataflows: [{ sourceTaskId: "a", sourceTaskPortId: "text", targetTaskId: "b", targetTaskPortId: "text" }],
      },
    };
    const ports = registry.portsOf(node);
    expect(Object.keys(ports?.input.properties ?? {})).toEqual(["text"]);
    expect(Object.keys(ports?.output.properties ?? {})).toEqual(["text"]);
    expect(Value.Check(ports?.input ?? Type.Never(), { text: 1 })).toBe(false);
  });
});
