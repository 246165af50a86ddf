import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Graph } from "../../src/core/graph/schema";
import { RunObject } from "../../src/durable/run-object";
import type { HandedOver } from "../../src/durable/protocol";
import { call, createGraphViaApi, pollRun } from "../api/helpers";
import { executions } from "../support/test-tasks";

/*
 * Hand-over (src/queue/handover.ts): the worker that reports a queue task's completion runs the
 * next queue task itself, without a queue message; the run's object posts that message only if the
 * worker stops saying it is alive (for 1 s in tests).
 */

function queueChain(name: string, n: number, delayMs: (i: number) => number = () => 0): Graph {
  return {
    name,
    tasks: Array.from({ length: n }, (_, i) => ({ id: `t${i}`, type: "TestQueueEcho", defaults: { ...(i === 0 ? { value: 0 } : {}), ...(delayMs(i) ? { delayMs: delayMs(i) } : {}) } })),
    dataflows: Array.from({ length: n - 1 }, (_, i) => ({ sourceTaskId: `t${i}`, sourceTaskPortId: "value", targetTaskId: `t${i + 1}`, targetTaskPortId: "value" })),
  };
}

async function startRun(graph: Graph): Promise<string> {
  const { id } = await createGraphViaApi(graph);
  const res = await call(`/graphs/${id}/runs`, { json: { input: {} } });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

const finished = (r: { status: string }) => ["COMPLETED", "FAILED", "ABORTED"].includes(r.status);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `body` while the first report of a task t1 whose output value is "dies" is lost: the worker
 * "dies" after running it, before its completion reaches the object. `dropped()` counts the losses.
 */
async function whileT1ReportsAreLost(body: (dropped: () => number) => Promise<void>): Promise<void> {
  const proto = RunObject.prototype;
  const complete = proto.complete;
  let dropped = 0;
  proto.complete = async function (this: RunObject, key: string, attempt: number, output: unknown, take?: number): Promise<HandedOver[]> {
    if (key === "t1" && dropped === 0 && (output as { value?: unknown }).value === "dies") {
      dropped++;
      throw new Error("the worker died before reporting");
    }
    return complete.call(this, key, attempt, output, take);
  };
  try {
    await body(() => dropped);
  } finally {
    proto.complete = complete;
  }
}

describe("hand-over of queue tasks", () => {
  it("runs a chain's next queue task in the worker that reported the previous one, each once", { timeout: 60_000 }, async () => {
    const n = 30;
    const runId = await startRun(queueChain("handover-chain", n));
    const run = await pollRun(runId, finished, 45_000);
    expect(run.status).toBe("COMPLETED");
    const stats = (await (await call(`/runs/${runId}/stats`)).json()) as { handovers: number };
    expect(stats.handovers).toBe(n - 1);
    // Nothing runs a handed-over attempt a second time, even after the object's check.
    await sleep(2_000);
    for (let i = 0; i < n; i++) expect(executions.get(`${runId}/t${i}`), `t${i}`).toBe(1);
  });

  it("deals a wide wave to the workers that report the wave before it; the rest go by queue; each task runs once", { timeout: 60_000 }, async () => {
    // root → 10 tasks → 10 tasks (each of the second layer fed by one of the first) → sink.
    const width = 10;
    const graph: Graph = {
      name: "handover-layers",
      tasks: [
        { id: "root", type: "TestQueueEcho", defaults: { value: 1 } },
        ...Array.from({ length: width }, (_, i) => ({ id: `a${i}`, type: "TestQueueEcho" })),
        ...Array.from({ length: width }, (_, i) => ({ id: `b${i}`, type: "TestQueueEcho" })),
        { id: "sink", type: "TestQueueEcho" },
      ],
      dataflows: [
        ...Array.from({ length: width }, (_, i) => ({ sourceTaskId: "root", sourceTaskPortId: "value", targetTaskId: `a${i}`, targetTaskPortId: "value" })),
        ...Array.from({ length: width }, (_, i) => ({ sourceTaskId: `a${i}`, sourceTaskPortId: "value", targetTaskId: `b${i}`, targetTaskPortId: "value" })),
        { sourceTaskId: "b0", sourceTaskPortId: "value", targetTaskId: "sink", targetTaskPortId: "value" },
      ],
    };
    const runId = await startRun(graph);
    const run = await pollRun(runId, finished, 45_000);
    expect(run.status).toBe("COMPLETED");
    const stats = (await (await call(`/runs/${runId}/stats`)).json()) as { handovers: number };
    // The root's worker takes two of the ten it made ready (eight go by queue); each a_i's report
    // deals its b_i to a reporting worker (its own, or one storing in the same group), b0's the sink.
    expect(stats.handovers).toBe(2 + width + 1);
    await sleep(1_500);
    for (const id of ["root", "sink", ...Array.from({ length: width }, (_, i) => [`a${i}`, `b${i}`]).flat()]) expect(executions.get(`${runId}/${id}`), id).toBe(1);
  });

  it("leaves a handed-over task its worker is still running to that worker (heartbeats), however long it takes", { timeout: 60_000 }, async () => {
    const runId = await startRun(queueChain("handover-slow", 3, (i) => (i === 1 ? 3_500 : 0)));
    const run = await pollRun(runId, finished, 45_000);
    expect(run.status).toBe("COMPLETED");
    await sleep(1_500);
    expect(executions.get(`${runId}/t1`)).toBe(1);
  });

  it("posts a handed-over task to the queue when its worker dies after running it, and it runs again", { timeout: 60_000 }, async () => {
    await whileT1ReportsAreLost(async (dropped) => {
      const graph = queueChain("handover-dies", 3);
      graph.tasks[0].defaults = { value: "dies" };
      const runId = await startRun(graph);
      const run = await pollRun(runId, finished, 45_000);
      expect(run.status).toBe("COMPLETED");
      expect(dropped()).toBe(1);
      expect(executions.get(`${runId}/t1`)).toBe(2); // once in the worker that died, once from the message the object posted
      expect(executions.get(`${runId}/t2`)).toBe(1);
      expect(run.tasks.map((t: { attempts: number }) => t.attempts)).toEqual([1, 1, 1]);
    });
  });

  it("after an eviction, watches the queue tasks that were running: a live worker keeps its task, a dead one's is posted", { timeout: 60_000 }, async () => {
    await whileT1ReportsAreLost(async (dropped) => {
      const lives = queueChain("handover-evict-lives", 3, (i) => (i === 1 ? 2_500 : 0));
      const dies = queueChain("handover-evict-dies", 3, (i) => (i === 1 ? 800 : 0));
      dies.tasks[0].defaults = { value: "dies" };
      const runIds = [await startRun(lives), await startRun(dies)];
      // Evict both objects while t1 runs in its worker: the hand-over bookkeeping in memory is gone.
      for (const runId of runIds) {
        await pollRun(runId, (r) => r.tasks.some((t: { id: string; status: string }) => t.id === "t1" && t.status === "PROCESSING"), 20_000);
        await evictDurableObject(env.RUNS.get(env.RUNS.idFromName(runId)));
      }
      const [lived, died] = await Promise.all(runIds.map((runId) => pollRun(runId, finished, 45_000)));
      expect(lived.status).toBe("COMPLETED");
      expect(died.status).toBe("COMPLETED");
      await sleep(1_500);
      expect(executions.get(`${runIds[0]}/t1`)).toBe(1); // its worker kept saying it was alive
      expect(executions.get(`${runIds[1]}/t1`)).toBe(2); // posted after its worker went silent
      expect(dropped()).toBe(1);
    });
  });
});
