import { describe, expect, it } from "vitest";
import type { Graph } from "../../src/core/graph/schema";
import { allEvents, call, createGraphViaApi, pollRun, problem, runAndWait } from "../api/helpers";
import "../support/test-tasks";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const one = (name: string, task: Graph["tasks"][number]): Graph => ({ name, tasks: [task], dataflows: [] });

async function start(graph: Graph, input: unknown = {}): Promise<string> {
  const g = await createGraphViaApi(graph);
  const res = await call(`/graphs/${g.id}/runs`, { json: { input } });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

describe("timeouts and retries", () => {
  it("fails a queue attempt that exceeds timeoutMs", async () => {
    const g = await createGraphViaApi(one("timeout-queue", { id: "slow", type: "TestQueueEcho", defaults: { delayMs: 3000 }, config: { timeoutMs: 200 } }));
    const run = await runAndWait(g.id, {}, 10);
    expect(run.status).toBe("FAILED");
    expect(run.error).toMatchObject({ name: "TaskTimeoutError" });
  });

  it("aborts an inline task that exceeds timeoutMs", async () => {
    const g = await createGraphViaApi(one("timeout-inline", { id: "hang", type: "TestHang", config: { timeoutMs: 150 } }));
    const run = await runAndWait(g.id, {}, 10);
    expect(run.status).toBe("FAILED");
    expect(run.error).toMatchObject({ name: "TaskTimeoutError" });
    expect(run.tasks[0].status).toBe("FAILED");
  });

  it("retries with exponential backoff delays as specified", async () => {
    const retry = { maxAttempts: 3, backoff: "exponential" as const, initialDelayMs: 100, maxDelayMs: 10_000 };
    const g = await createGraphViaApi(one("backoff", { id: "f", type: "TestFlaky", defaults: { failures: 2, value: "done" }, config: { retry } }));
    const run = await runAndWait(g.id, {}, 10);
    expect(run).toMatchObject({ status: "COMPLETED", output: { value: "done" }, tasks: [{ attempts: 3 }] });
    const retries = (await allEvents(run.id)).filter((e) => e.type === "retry");
    expect(retries.map((e) => e.data.attempt)).toEqual([1, 2]);
    // delay = min(maxDelayMs, initialDelayMs × 2^(attempt−1)) ± 20 %
    expect(retries[0].data.delayMs).toBeGreaterThanOrEqual(80);
    expect(retries[0].data.delayMs).toBeLessThanOrEqual(120);
    expect(retries[1].data.delayMs).toBeGreaterThanOrEqual(160);
    expect(retries[1].data.delayMs).toBeLessThanOrEqual(240);
    expect(retries[0].data.error).toMatchObject({ name: "FlakyError", message: "planned failure 1" });
  });

  it("does not retry a permanent error", async () => {
    const g = await createGraphViaApi(one("permanent", { id: "f", type: "TestFlaky", defaults: { failures: 5, permanent: true }, config: { retry: { maxAttempts: 5, initialDelayMs: 10 } } }));
    const run = await runAndWait(g.id, {}, 10);
    expect(run).toMatchObject({ status: "FAILED", tasks: [{ attempts: 1, status: "FAILED" }] });
  });
});

describe("control", () => {
  const delayed: Graph = {
    name: "pause-me",
    tasks: [
      { id: "wait", type: "Delay", defaults: { ms: 300, value: 1 } },
      { id: "next", type: "Identity" },
    ],
    dataflows: [{ sourceTaskId: "wait", sourceTaskPortId: "value", targetTaskId: "next", targetTaskPortId: "value" }],
  };

  it("pauses (no new dispatch) and resumes", async () => {
    const runId = await start(delayed);
    const paused = await call(`/runs/${runId}/pause`, { method: "POST" });
    expect(paused.status).toBe(200);
    expect(await paused.json()).toMatchObject({ status: "PAUSED" });
    await sleep(600);
    const still = (await (await call(`/runs/${runId}`)).json()) as any;
    expect(still.status).toBe("PAUSED");
    expect(still.tasks[1].status).toBe("PENDING");
    expect((await call(`/runs/${runId}/pause`, { method: "POST" })).status).toBe(409);
    expect((await call(`/runs/${runId}/resume`, { method: "POST" })).status).toBe(200);
    const done = await pollRun(runId, (r) => r.status === "COMPLETED");
    expect(done.output).toEqual({ value: 1 });
    const types = (await allEvents(runId)).filter((e) => e.kind === "graph").map((e) => e.type);
    expect(types.filter((t) => t !== "progress")).toEqual(["start", "pause", "resume", "complete"]);
  });

  it("cancels a running run, and refuses to cancel it twice", async () => {
    const runId = await start(delayed);
    const res = await call(`/runs/${runId}/cancel`, { method: "POST" });
    expect(await res.json()).toMatchObject({ status: "ABORTED", tasks: [{ status: "ABORTED" }, { status: "ABORTED" }] });
    const p = await problem(await call(`/runs/${runId}/cancel`, { method: "POST" }));
    expect(p.status).toBe(409);
    expect((await call(`/runs/${runId}/resume`, { method: "POST" })).status).toBe(409);
  });

  it("re-runs a failed run, keeping completed outputs", async () => {
    const graph: Graph = {
      name: "retry-run",
      tasks: [
        { id: "first", type: "TestQueueEcho", defaults: { value: "kept" } },
        { id: "flaky", type: "TestFlaky", defaults: { failures: 1, permanent: true } },
      ],
      dataflows: [{ sourceTaskId: "first", sourceTaskPortId: "value", targetTaskId: "flaky", targetTaskPortId: "value" }],
    };
    const g = await createGraphViaApi(graph);
    const failed = await runAndWait(g.id, {}, 10);
    expect(failed.status).toBe("FAILED");
    const res = await call(`/runs/${failed.id}/retry`, { method: "POST" });
    expect(res.status).toBe(200);
    const done = await pollRun(failed.id, (r) => r.status === "COMPLETED");
    expect(done.output).toEqual({ value: "kept" });
    expect(done.tasks).toMatchObject([{ id: "first", attempts: 1 }, { id: "flaky", attempts: 2 }]);
    const firstStarts = (await allEvents(failed.id)).filter((e) => e.taskId === "first" && e.type === "start");
    expect(firstStarts).toHaveLength(1);
  });

  it("delivers signals to a waiting task, and stores one sent before the wait", async () => {
    const waiting = await start(one("approve", { id: "w", type: "WaitForSignal", defaults: { signal: "approve" } }));
    await pollRun(waiting, (r) => r.tasks[0].status === "PROCESSING");
    const sent = await call(`/runs/${waiting}/signals/approve`, { json: { by: "ada" } });
    expect(sent.status).toBe(202);
    expect(await sent.json()).toEqual({ delivered: true });
    expect(await pollRun(waiting, (r) => r.status === "COMPLETED")).toMatchObject({ output: { payload: { by: "ada" } } });
    expect((await call(`/runs/${waiting}/signals/approve`, { json: {} })).status).toBe(409);

    const early = await start({
      name: "approve-later",
      tasks: [
        { id: "d", type: "Delay", defaults: { ms: 200, value: "approve" } },
        { id: "w", type: "WaitForSignal" },
      ],
      dataflows: [{ sourceTaskId: "d", sourceTaskPortId: "value", targetTaskId: "w", targetTaskPortId: "signal" }],
    });
    const stored = await call(`/runs/${early}/signals/approve`, { json: 42 });
    expect(await stored.json()).toEqual({ delivered: false });
    expect(await pollRun(early, (r) => r.status === "COMPLETED")).toMatchObject({ output: { payload: 42 } });
  });
});

describe("starting: wait, idempotency, errors", () => {
  it("answers 202 with the run's URL when ?wait times out", async () => {
    const g = await createGraphViaApi(one("slow-wait", { id: "d", type: "Delay", defaults: { ms: 3000 } }));
    const res = await call(`/graphs/${g.id}/runs?wait=0.2`, { json: { input: {} } });
    expect(res.status).toBe(202);
    const run = (await res.json()) as { id: string; status: string };
    expect(run.status).toBe("PROCESSING");
    expect(res.headers.get("Location")).toBe(`/runs/${run.id}`);
  });

  it("returns the same run for the same Idempotency-Key, 409 for a different body", async () => {
    const g = await createGraphViaApi(one("idem", { id: "a", type: "Identity" }));
    const first = await call(`/graphs/${g.id}/runs`, { json: { input: { value: 1 } }, headers: { "Idempotency-Key": "k-1" } });
    expect(first.status).toBe(201);
    const again = await call(`/graphs/${g.id}/runs`, { json: { input: { value: 1 } }, headers: { "Idempotency-Key": "k-1" } });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { id: string }).id).toBe(((await first.json()) as { id: string }).id);
    const other = await call(`/graphs/${g.id}/runs`, { json: { input: { value: 2 } }, headers: { "Idempotency-Key": "k-1" } });
    expect((await problem(other)).status).toBe(409);
  });

  it("refuses bad run requests with problem+json", async () => {
    const g = await createGraphViaApi(one("bad-req", { id: "a", type: "Identity" }));
    expect((await problem(await call(`/graphs/${g.id}/runs`, { json: [] }))).status).toBe(400);
    expect((await problem(await call(`/graphs/${g.id}/runs`, { json: { input: 3 } }))).errors?.[0].path).toBe("/input");
    expect((await problem(await call(`/graphs/${g.id}/runs`, { json: { input: {}, extra: 1 } }))).errors?.[0].path).toBe("/extra");
    expect((await problem(await call(`/graphs/${g.id}/runs`, { json: { merge: "NOPE" } }))).errors?.[0].path).toBe("/merge");
    expect((await problem(await call(`/graphs/${g.id}/runs?wait=abc`, { json: {} }))).status).toBe(400);
    expect((await problem(await call(`/graphs/g_missing/runs`, { json: {} }))).status).toBe(404);
    expect((await problem(await call(`/runs/r_missing`))).status).toBe(404);
    expect((await problem(await call(`/runs/r_missing/cancel`, { method: "POST" }))).status).toBe(404);
    const big = JSON.stringify({ input: { value: "x".repeat(1024 * 1024) } });
    expect((await problem(await call(`/graphs/${g.id}/runs`, { body: big, headers: { "Content-Type": "application/json" } }))).status).toBe(413);
    const ok = JSON.stringify({ input: { value: "x".repeat(1024 * 1024 - 64) } });
    expect((await call(`/graphs/${g.id}/runs`, { body: ok, headers: { "Content-Type": "application/json" } })).status).toBe(201);
    expect((await problem(await call(`/runs/r_missing/events?after=-1`))).status).toBe(400);
  });

  it("lists runs newest first, filtered by graph and status", async () => {
    const g = await createGraphViaApi(one("listed", { id: "a", type: "Identity" }));
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await runAndWait(g.id, { value: i }, 10)).id);
    const page1 = (await (await call(`/runs?graphId=${g.id}&limit=2`)).json()) as any;
    expect(page1.items.map((r: any) => r.id)).toEqual([ids[2], ids[1]]);
    const page2 = (await (await call(`/runs?graphId=${g.id}&limit=2&cursor=${page1.nextCursor}`)).json()) as any;
    expect(page2.items.map((r: any) => r.id)).toEqual([ids[0]]);
    expect(page2.nextCursor).toBeNull();
    const completed = (await (await call(`/runs?graphId=${g.id}&status=COMPLETED`)).json()) as any;
    expect(completed.items).toHaveLength(3);
    expect(completed.items[0]).toMatchObject({ status: "COMPLETED", output: { value: 2 } });
    expect((await problem(await call(`/runs?status=DONE`))).status).toBe(400);
  });
});
