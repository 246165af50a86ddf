import { describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import type { RunObject } from "../../src/durable/run-object";
import { call, createGraphViaApi, runAndWait } from "../api/helpers";
import "../support/test-tasks";
import type { Graph } from "../../src/core/graph/schema";


describe("queue tasks", () => {
  it("runs a diamond of inline and queue tasks", async () => {
    const graph: Graph = {
      name: "diamond",
      tasks: [
        { id: "a", type: "Template", defaults: { template: "x{{n}}" } },
        { id: "b", type: "TestQueueEcho" },
        { id: "c", type: "Uppercase" },
        { id: "d", type: "Template", defaults: { template: "{{left}}|{{right}}" } },
      ],
      dataflows: [
        { sourceTaskId: "a", sourceTaskPortId: "text", targetTaskId: "b", targetTaskPortId: "value" },
        { sourceTaskId: "a", sourceTaskPortId: "text", targetTaskId: "c", targetTaskPortId: "text" },
        { sourceTaskId: "b", sourceTaskPortId: "value", targetTaskId: "d", targetTaskPortId: "left" },
        { sourceTaskId: "c", sourceTaskPortId: "text", targetTaskId: "d", targetTaskPortId: "right" },
      ],
    };
    const g = await createGraphViaApi(graph);
    const run = await runAndWait(g.id, { n: 1 });
    expect(run.status).toBe("COMPLETED");
    expect(run.output).toEqual({ text: "x1|X1" });
    const { events } = (await (await call(`/runs/${run.id}/events`)).json()) as any;
    const b = events.filter((e: any) => e.taskId === "b").map((e: any) => e.type);
    expect(b.slice(0, 2)).toEqual(["queued", "start"]);
    expect(b.at(-1)).toBe("complete");
  });
});

describe("queue fan-out and delivery faults", () => {
  it("fans 500 queue tasks out in chunks of 100 and records each exactly once", async () => {
    const { executions } = await import("../support/test-tasks");
    const n = 500;
    const graph: Graph = {
      name: "fanout-500",
      tasks: [
        { id: "src", type: "Identity", defaults: { value: 0 } },
        ...Array.from({ length: n }, (_, i) => ({ id: `q${i}`, type: "TestQueueEcho", defaults: { value: i } })),
        { id: "sum", type: "Add" },
      ],
      dataflows: Array.from({ length: n }, (_, i) => [
        { sourceTaskId: "src", sourceTaskPortId: "value", targetTaskId: `q${i}`, targetTaskPortId: "delayMs" },
        { sourceTaskId: `q${i}`, sourceTaskPortId: "value", targetTaskId: "sum", targetTaskPortId: "values" },
      ]).flat(),
    };
    const g = await createGraphViaApi(graph);
    const run = await runAndWait(g.id, {}, 60);
    expect(run.status).toBe("COMPLETED");
    expect(run.output).toEqual({ sum: (n * (n - 1)) / 2 });
    for (let i = 0; i < n; i++) expect(executions.get(`${run.id}/q${i}`)).toBe(1);
    const stub = env.RUNS.get(env.RUNS.idFromName(run.id));
    const sends = await runInDurableObject(stub, (o: RunObject) => o.queueSends);
    // One wave of 500 dispatches: ceil(500 / 100) sendBatch calls.
    expect(sends).toBe(5);
  });
});
