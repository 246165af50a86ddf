import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Graph } from "../../src/core/graph/schema";
import { RunObject as RunObjectClass, type RunObject } from "../../src/durable/run-object";
import { allEvents, call, createGraphViaApi, pollRun, runAndWait } from "../api/helpers";
import { executions } from "../support/test-tasks";

const stubOf = (runId: string) => env.RUNS.get(env.RUNS.idFromName(runId));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function chain(name: string, tasks: Graph["tasks"], port: [string, string][] = []): Graph {
  return {
    name,
    tasks,
    dataflows: tasks.slice(1).map((t, i) => ({
      sourceTaskId: tasks[i].id,
      sourceTaskPortId: port[i]?.[0] ?? "value",
      targetTaskId: t.id,
      targetTaskPortId: port[i]?.[1] ?? "value",
    })),
  };
}

async function startRun(graph: Graph, input: unknown = {}): Promise<string> {
  const g = await createGraphViaApi(graph);
  const res = await call(`/graphs/${g.id}/runs`, { json: { input } });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

describe("duplicate and stale deliveries", () => {
  it("ignores a duplicate message, a stale completion and a completion for an old attempt", async () => {
    const g = await createGraphViaApi(
      chain("flaky", [
        { id: "f", type: "TestFlaky", defaults: { failures: 1, value: "ok" }, config: { retry: { maxAttempts: 2, backoff: "fixed", initialDelayMs: 10 } } },
        { id: "out", type: "Identity" },
      ]),
    );
    const run = await runAndWait(g.id, {});
    expect(run.status).toBe("COMPLETED");
    expect(run.tasks[0]).toMatchObject({ id: "f", status: "COMPLETED", attempts: 2 });
    const before = await allEvents(run.id);

    // A redelivered message for each attempt: the claim says stale, nothing runs or changes.
    await env.TASK_QUEUE.sendBatch([{ body: { runId: run.id, key: "f", attempt: 1 } }, { body: { runId: run.id, key: "f", attempt: 2 } }]);
    const stub = stubOf(run.id);
    expect(await stub.claim("f", 2)).toEqual({ status: "stale" });
    // Late reports for the failed first attempt and the finished second one.
    await stub.complete("f", 1, { value: "stale" });
    await stub.complete("f", 2, { value: "again" });
    await stub.fail("f", 2, { name: "Late", message: "late failure" });
    await sleep(300);
    expect(await allEvents(run.id)).toEqual(before);
    const after = await (await call(`/runs/${run.id}`)).json();
    expect(after).toMatchObject({ status: "COMPLETED", output: { value: "ok" } });
  });

  it("ignores a completion that arrives after cancel", async () => {
    const runId = await startRun(chain("cancel-late", [{ id: "slow", type: "TestQueueEcho", defaults: { value: 1, delayMs: 400 } }, { id: "out", type: "Identity" }]));
    await pollRun(runId, (r) => r.tasks[0].status === "PROCESSING");
    const res = await call(`/runs/${runId}/cancel`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ABORTED", tasks: [{ id: "slow", status: "ABORTED" }, { id: "out", status: "ABORTED" }] });
    await sleep(700); // the worker finishes and reports; the object ignores it
    const run = await (await call(`/runs/${runId}`)).json();
    expect(run).toMatchObject({ status: "ABORTED", output: null, tasks: [{ status: "ABORTED" }, { status: "ABORTED" }] });
    const events = await allEvents(runId);
    expect(events.at(-1)).toMatchObject({ kind: "graph", type: "abort" });
    expect(events.some((e) => e.taskId === "slow" && e.type === "complete")).toBe(false);
    expect((await call(`/runs/${runId}/cancel`, { method: "POST" })).status).toBe(409);
  });
});

/**
 * Makes the run's object throw on `claim` while `fail()` says so — to the queue consumer, exactly
 * what an unreachable object looks like. RPC dispatches through the class, so the prototype is
 * patched, for this run only; the returned function undoes it.
 */
function breakClaims(runId: string, fail: () => boolean): () => void {
  const original = RunObjectClass.prototype.claim;
  RunObjectClass.prototype.claim = async function (this: RunObject, key: string, attempt: number) {
    if ((this as unknown as { init?: { runId: string } }).init?.runId === runId && fail()) throw new Error("object unreachable");
    return original.call(this, key, attempt);
  };
  return () => {
    RunObjectClass.prototype.claim = original;
  };
}

describe("consumer failures", () => {
  /** The queue task waits behind a durable Delay, so the test can break the object's claim first. */
  const delayed = (name: string): Graph => ({
    name,
    tasks: [
      { id: "wait", type: "Delay", defaults: { ms: 300, value: 7 } },
      { id: "q", type: "TestQueueEcho" },
    ],
    dataflows: [{ sourceTaskId: "wait", sourceTaskPortId: "value", targetTaskId: "q", targetTaskPortId: "value" }],
  });

  it("retries a message whose consumer throws", async () => {
    const runId = await startRun(delayed("consumer-throws"));
    let throws = 0;
    const restore = breakClaims(runId, () => throws++ < 2);
    const run = await pollRun(runId, (r) => r.status === "COMPLETED", 20_000).finally(restore);
    expect(throws).toBe(3);
    expect(run.output).toEqual({ value: 7 });
    expect(executions.get(`${runId}/q`)).toBe(1);
  });

  it("fails the attempt through the dead-letter queue when the consumer always throws", async () => {
    const runId = await startRun(delayed("consumer-dead"));
    const restore = breakClaims(runId, () => true);
    const run = await pollRun(runId, (r) => r.status === "FAILED", 25_000).finally(restore);
    expect(run.error).toMatchObject({ name: "DeliveryFailedError", code: "dead_letter" });
    expect(run.tasks[1]).toMatchObject({ id: "q", status: "FAILED" });
  });
});

describe("durability", () => {
  it("resumes after eviction mid-run with the same output as an undisturbed run", async () => {
    const graph = chain("evict", [
      { id: "a", type: "Delay", defaults: { ms: 150, value: "v" } },
      { id: "b", type: "TestQueueEcho", defaults: { delayMs: 150 } },
      { id: "c", type: "Delay", defaults: { ms: 150 } },
      { id: "d", type: "Identity" },
    ]);
    const undisturbed = await runAndWait((await createGraphViaApi(graph)).id, {});
    expect(undisturbed.status).toBe("COMPLETED");

    const runId = await startRun(graph);
    const stub = stubOf(runId);
    for (let i = 0; i < 6; i++) {
      await sleep(80);
      await evictDurableObject(stub).catch(() => {}); // not running at that instant: nothing to evict
    }
    const run = await pollRun(runId, (r) => r.status === "COMPLETED");
    expect(run.output).toEqual(undisturbed.output);
    const events = await allEvents(runId);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.filter((e) => e.kind === "task" && e.type === "complete").map((e) => e.taskId)).toEqual(["a", "b", "c", "d"]);
  });

  it("re-runs inline tasks that were running when the object was evicted", async () => {
    const runId = await startRun(chain("evict-inline", [{ id: "a", type: "TestSleepInline", defaults: { ms: 300, value: 1 } }, { id: "b", type: "Identity" }]));
    await pollRun(runId, (r) => r.tasks[0].status === "PROCESSING");
    await evictDurableObject(stubOf(runId));
    // The next request wakes the object, which restores the run and runs `a` again.
    const run = await pollRun(runId, (r) => r.status === "COMPLETED");
    expect(run.output).toEqual({ value: 1 });
  });

  it("changes nothing when the alarm fires again", async () => {
    const g = await createGraphViaApi(chain("alarm-twice", [{ id: "a", type: "Delay", defaults: { ms: 50, value: 1 } }, { id: "b", type: "Identity" }]));
    const run = await runAndWait(g.id, {});
    expect(run.status).toBe("COMPLETED");
    const before = await allEvents(run.id);
    await runInDurableObject(stubOf(run.id), async (o: RunObject) => {
      await o.alarm();
      await o.alarm();
    });
    expect(await allEvents(run.id)).toEqual(before);
  });
});
