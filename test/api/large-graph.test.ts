import { expect, it } from "vitest";
import { DEFAULT_LIMITS } from "../../src/core/limits";
import { largeGraph } from "../db/fixtures";
import { call } from "./helpers";

it("stores a 10,000-task, 30,000-dataflow graph through the API and serves it back identical", async () => {
  const graph = largeGraph(DEFAULT_LIMITS.maxTasks, 3, "big through the API");
  const body = JSON.stringify(graph);
  expect(body.length).toBeLessThan(DEFAULT_LIMITS.maxGraphBytes);

  const created = await call("/graphs", { body, headers: { "Content-Type": "application/json" } });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };

  const res = await call(`/graphs/${id}`);
  expect(res.status).toBe(200);
  const read = (await res.json()) as typeof graph & { id: string; version: number };
  const { id: _id, version, createdAt: _c, updatedAt: _u, ...content } = read as typeof read & { createdAt: string; updatedAt: string };
  expect(version).toBe(1);
  expect(content).toEqual(graph);
  // Same order, same bytes for the lists.
  expect(JSON.stringify(content.tasks)).toBe(JSON.stringify(graph.tasks));
  expect(JSON.stringify(content.dataflows)).toBe(JSON.stringify(graph.dataflows));

  const summary = (await (await call(`/graphs?name=${encodeURIComponent(graph.name)}`)).json()) as { items: { taskCount: number; dataflowCount: number }[] };
  expect(summary.items[0]).toMatchObject({ taskCount: 10_000, dataflowCount: graph.dataflows.length });
});
