import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import type { Graph } from "../../src/core/graph/schema";
import { RunObject } from "../../src/durable/run-object";
import type { ClaimResult, HandedOver, TaskReport } from "../../src/durable/protocol";
import { call, createGraphViaApi, pollRun } from "../api/helpers";
import { executions } from "../support/test-tasks";

/*
 * The queue consumer claims a batch's messages of one run in one call (claimMany) and sends the
 * reports that finish together in one call (report); when such a call fails, each item goes on
 * its own (src/queue/batched-calls.ts). RPC dispatches through the class, so the tests count and
 * break the batched calls by wrapping the prototype's methods.
 */

const proto = RunObject.prototype;
const original = { claimMany: proto.claimMany, report: proto.report };
afterEach(() => {
  proto.claimMany = original.claimMany;
  proto.report = original.report;
});

/** Counts the batched calls, and makes the first `failures` of each kind fail (before or after it is recorded). */
function instrument(opts: { claimFailures?: number; reportFailures?: number; reportFailsAfterRecording?: boolean } = {}) {
  const seen = { claimMany: 0, claimManyItems: 0, report: 0, reportItems: 0, failed: 0 };
  let claimFailures = opts.claimFailures ?? 0;
  let reportFailures = opts.reportFailures ?? 0;
  proto.claimMany = async function (this: RunObject, items: { key: string; attempt: number }[]): Promise<ClaimResult[]> {
    seen.claimMany++;
    seen.claimManyItems += items.length;
    if (claimFailures > 0) {
      claimFailures--;
      seen.failed++;
      throw new Error("the object is briefly unreachable");
    }
    return original.claimMany.call(this, items);
  };
  proto.report = async function (this: RunObject, reports: TaskReport[]): Promise<HandedOver[][]> {
    seen.report++;
    seen.reportItems += reports.length;
    if (reportFailures > 0 && !opts.reportFailsAfterRecording) {
      reportFailures--;
      seen.failed++;
      throw new Error("the object is briefly unreachable");
    }
    const result = await original.report.call(this, reports);
    if (reportFailures > 0) {
      reportFailures--;
      seen.failed++;
      throw new Error("the answer was lost");
    }
    return result;
  };
  return seen;
}

function fanOut(name: string, width: number): Graph {
  return {
    name,
    tasks: [{ id: "root", type: "TestQueueEcho", defaults: { value: 1 } }, ...Array.from({ length: width }, (_, i) => ({ id: `w${i}`, type: "TestQueueEcho" }))],
    dataflows: Array.from({ length: width }, (_, i) => ({ sourceTaskId: "root", sourceTaskPortId: "value", targetTaskId: `w${i}`, targetTaskPortId: "value" })),
  };
}

async function run(graph: Graph): Promise<{ runId: string; status: string; outputs: unknown }> {
  const { id } = await createGraphViaApi(graph);
  const res = await call(`/graphs/${id}/runs`, { json: { input: {} } });
  expect(res.status).toBe(201);
  const runId = ((await res.json()) as { id: string }).id;
  const done = (await pollRun(runId, (r) => ["COMPLETED", "FAILED", "ABORTED"].includes(r.status), 45_000)) as { status: string; output: unknown };
  return { runId, status: done.status, outputs: done.output };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function expectEachRanOnce(runId: string, width: number): void {
  expect(executions.get(`${runId}/root`)).toBe(1);
  for (let i = 0; i < width; i++) expect(executions.get(`${runId}/w${i}`), `w${i}`).toBe(1);
}

describe("batched claims and reports", () => {
  it("claims a batch's messages of one run together and reports what finishes together in one call", { timeout: 60_000 }, async () => {
    const seen = instrument();
    const width = 30;
    const { runId, status } = await run(fanOut("batched-fanout", width));
    expect(status).toBe("COMPLETED");
    // The root's worker took two leaves; the other 28 came as messages, several per batch.
    expect(seen.claimMany).toBeGreaterThanOrEqual(1);
    expect(seen.claimManyItems).toBeGreaterThan(seen.claimMany);
    expect(seen.report).toBeGreaterThanOrEqual(1);
    expect(seen.reportItems).toBeGreaterThan(seen.report);
    await sleep(1_500);
    expectEachRanOnce(runId, width);
  });

  /** Width of the fan-outs run while batched calls fail. */
  const failingWidth = 20;

  /** A fan-out run while batched calls fail as `failures` says: it completes, and the failures did happen. */
  async function runWhileBatchedCallsFail(name: string, failures: Parameters<typeof instrument>[0]): Promise<string> {
    const seen = instrument(failures);
    const { runId, status } = await run(fanOut(name, failingWidth));
    expect(status).toBe("COMPLETED");
    expect(seen.failed).toBeGreaterThanOrEqual(1);
    return runId;
  }

  it("claims each message on its own when a batched claim fails, and runs each task once", { timeout: 60_000 }, async () => {
    const runId = await runWhileBatchedCallsFail("batched-claim-fails", { claimFailures: 100 });
    await sleep(1_500);
    expectEachRanOnce(runId, failingWidth);
  });

  it("sends each report on its own when a batched report fails before it is recorded; nothing is lost or run twice", { timeout: 60_000 }, async () => {
    const runId = await runWhileBatchedCallsFail("batched-report-fails", { reportFailures: 100 });
    await sleep(1_500);
    expectEachRanOnce(runId, failingWidth);
  });

  it("when a batched report's answer is lost after it was recorded, the reports sent again change nothing", { timeout: 60_000 }, async () => {
    const runId = await runWhileBatchedCallsFail("batched-report-answer-lost", { reportFailures: 100, reportFailsAfterRecording: true });
    const events = (await (await call(`/runs/${runId}/events?limit=10000`)).json()) as { events: { kind: string; type: string; taskId?: string }[] };
    const completes = events.events.filter((e) => e.kind === "task" && e.type === "complete").map((e) => e.taskId);
    expect(completes.length).toBe(failingWidth + 1);
    expect(new Set(completes).size).toBe(failingWidth + 1);
    await sleep(1_500);
    expectEachRanOnce(runId, failingWidth);
  });

  it("claimMany answers stale for attempts the run does not have", async () => {
    const { runId, status } = await run(fanOut("batched-stale", 2));
    expect(status).toBe("COMPLETED");
    const stub = env.RUNS.get(env.RUNS.idFromName(runId));
    expect(await stub.claimMany([{ key: "w0", attempt: 1 }, { key: "nope", attempt: 1 }, { key: "root", attempt: 7 }])).toEqual([{ status: "stale" }, { status: "stale" }, { status: "stale" }]);
  });
});
