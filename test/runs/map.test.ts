import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Graph } from "../../src/core/graph/schema";
import { allEvents, call, createGraphViaApi, pollRun, runAndWait } from "../api/helpers";
import { executions } from "../support/test-tasks";

const stubOf = (runId: string) => env.RUNS.get(env.RUNS.idFromName(runId));

/** A Map of queue tasks: each iteration posts one TestQueueEcho with the element as its value. */
function queueMap(name: string, concurrency: number, delayMs: number): Graph {
  return {
    name,
    tasks: [
      {
        id: "m",
        type: "Map",
        config: { concurrency, itemPort: "value" },
        defaults: { delayMs },
        subgraph: { tasks: [{ id: "q", type: "TestQueueEcho" }], dataflows: [] },
      },
    ],
    dataflows: [],
  };
}

/** The most iterations of `m` between their first event and their last `complete`, over the log. */
function maxOverlap(events: any[]): number {
  const spans = new Map<string, [number, number]>();
  events.forEach((e, pos) => {
    if (e.kind !== "task" || !/^m\[\d+\]$/.test(e.path ?? "")) return;
    const span = spans.get(e.path) ?? [pos, -1];
    if (e.type === "complete") span[1] = pos;
    spans.set(e.path, span);
  });
  const points = [...spans.values()].flatMap(([a, b]) => [[a, 1], [b, -1]] as const).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of points) max = Math.max(max, (now += d));
  return max;
}

describe("Map through the RunObject and the queue", () => {
  it("runs a queue task per element, at most `concurrency` at once, results in item order", async () => {
    const n = 40;
    const g = await createGraphViaApi(queueMap("map-queue", 4, 15));
    const items = Array.from({ length: n }, (_, i) => `v${i}`);
    const run = await runAndWait(g.id, { items }, 60);
    expect(run.status).toBe("COMPLETED");
    expect(run.output).toEqual({ results: items.map((value) => ({ value })) });
    // GET /runs/:id lists the Map and each iteration's task with its path.
    expect(run.tasks[0]).toMatchObject({ id: "m", type: "Map", status: "COMPLETED" });
    expect(run.tasks.slice(1).map((t: any) => [t.id, t.path, t.status])).toEqual(items.map((_, i) => ["q", `m[${i}]`, "COMPLETED"]));
    for (let i = 0; i < n; i++) expect(executions.get(`${run.id}/m[${i}]/q`), `m[${i}]`).toBe(1);

    const events = await allEvents(run.id);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const overlap = maxOverlap(events);
    expect(overlap).toBeLessThanOrEqual(4);
    expect(overlap).toBeGreaterThan(1);
    const queued = events.filter((e) => e.kind === "task" && e.type === "queued");
    expect(queued.map((e) => e.path)).toEqual(items.map((_, i) => `m[${i}]`));
    expect(events.find((e) => e.kind === "task" && e.taskId === "m" && e.type === "start")?.data).toEqual({ attempt: 1, iterations: n });
  });

  it("survives eviction mid-map: the restored object rebuilds the iterations and finishes them", async () => {
    const n = 12;
    const g = await createGraphViaApi(queueMap("map-evict", 3, 60));
    const items = Array.from({ length: n }, (_, i) => i * 10);
    const res = await call(`/graphs/${g.id}/runs`, { json: { input: { items } } });
    expect(res.status).toBe(201);
    const runId = ((await res.json()) as { id: string }).id;
    const before = await pollRun(runId, (r) => r.tasks.filter((t: any) => t.path && t.status === "COMPLETED").length >= 3);
    expect(before.status).toBe("PROCESSING");
    expect(before.tasks.length).toBeLessThan(1 + n); // iterations not started yet have no rows
    await evictDurableObject(stubOf(runId));
    const run = await pollRun(runId, (r) => r.status === "COMPLETED" || r.status === "FAILED", 30_000);
    expect(run.status).toBe("COMPLETED");
    expect(run.output).toEqual({ results: items.map((value) => ({ value })) });
    const events = await allEvents(runId);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    // Every iteration completed exactly once, whatever was redelivered.
    const completes = events.filter((e) => e.kind === "task" && e.taskId === "q" && e.type === "complete").map((e) => e.path);
    expect(completes.sort()).toEqual(items.map((_, i) => `m[${i}]`).sort());
    expect(maxOverlap(events)).toBeLessThanOrEqual(3);
  });

  it("fails the run when an iteration's task fails for good; later iterations never start", async () => {
    const graph: Graph = {
      name: "map-fail",
      tasks: [
        {
          id: "m",
          type: "Map",
          config: { concurrency: 1, itemPort: "failures" },
          defaults: { permanent: true, value: "x" },
          subgraph: { tasks: [{ id: "f", type: "TestFlaky" }], dataflows: [] },
        },
      ],
      dataflows: [],
    };
    const g = await createGraphViaApi(graph);
    const run = await runAndWait(g.id, { items: [0, 0, 1, 0] });
    expect(run.status).toBe("FAILED");
    expect(run.error).toMatchObject({ name: "FlakyError", message: "planned failure 1" });
    expect(run.tasks.map((t: any) => [t.id, t.path ?? "", t.status])).toEqual([
      ["m", "", "FAILED"],
      ["f", "m[0]", "COMPLETED"],
      ["f", "m[1]", "COMPLETED"],
      ["f", "m[2]", "FAILED"],
    ]);
  });
});
