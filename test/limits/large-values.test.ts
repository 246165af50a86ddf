import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../src/core/events";
import { dataflowId } from "../../src/core/graph/dataflow-id";
import type { Graph } from "../../src/core/graph/schema";
import { DEFAULT_LIMITS } from "../../src/core/limits";
import { call, createGraphViaApi, pollRun } from "../api/helpers";
import { openRunSocket } from "../support/sockets";
import { bigText, executions } from "../support/test-tasks";
import { expectGapFreeLog, pagedEvents } from "./event-log";
import { SQLITE_MAX_ROW_BYTES, largestStoredRow, storedRows } from "./stored-rows";

/*
 * SPEC §7: a value above 64 KiB is not put into a queue message or a WebSocket frame whole — events
 * carry `data.ref` `{ ref, size }` and `GET /runs/:id/values?ref=` serves it — yet every task that
 * consumes it receives it whole. Values above SQLite's 2 MB row limit are stored in parts and
 * survive eviction.
 */

const utf8 = (s: string) => new TextEncoder().encode(s).length;
const jsonBytes = (v: unknown) => utf8(JSON.stringify(v));
const stubOf = (runId: string) => env.RUNS.get(env.RUNS.idFromName(runId));
const ms = (since: number) => `${Math.round(performance.now() - since)} ms`;

const flow = (sourceTaskId: string, sourceTaskPortId: string, targetTaskId: string, targetTaskPortId: string) => ({ sourceTaskId, sourceTaskPortId, targetTaskId, targetTaskPortId });

async function value(runId: string, ref: string): Promise<unknown> {
  const res = await call(`/runs/${runId}/values?ref=${encodeURIComponent(ref)}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { value: unknown }).value;
}

/**
 * Every value an event of this run carries by reference: checks the reference replaced the value
 * (no `value`/`output`/`input` next to it) and returns them by ref name.
 */
function refsOf(events: RunEvent[]): Map<string, { size: number; event: RunEvent }> {
  const refs = new Map<string, { size: number; event: RunEvent }>();
  for (const e of events) {
    const ref = e.data?.ref as { ref: string; size: number } | undefined;
    if (!ref) continue;
    expect(e.data).not.toHaveProperty("value");
    expect(e.data).not.toHaveProperty("output");
    expect(e.data).not.toHaveProperty("input");
    refs.set(ref.ref, { size: ref.size, event: e });
  }
  return refs;
}

describe("a 200 KB task output travels by reference", () => {
  const BYTES = 200_000;
  // big (inline) → qecho (queue): a queue task whose claimed input is larger than a queue message (128 KB).
  // qbig (queue) → iecho (inline): a queue task's large completion, consumed inline.
  const graph: Graph = {
    name: "limits-200kb",
    tasks: [
      { id: "big", type: "TestBigValue", defaults: { bytes: BYTES, seed: "inline" } },
      { id: "qbig", type: "TestQueueBigValue", defaults: { bytes: BYTES, seed: "queue" } },
      { id: "qecho", type: "TestQueueEcho" },
      { id: "iecho", type: "Identity" },
    ],
    dataflows: [flow("big", "value", "qecho", "value"), flow("qbig", "value", "iecho", "value")],
  };
  const inlineValue = bigText(BYTES, "inline");
  const queueValue = bigText(BYTES, "queue");

  it("in events and on the socket as data.ref; consumers, the values route and the output get it whole", { timeout: 60_000 }, async () => {
    const { id } = await createGraphViaApi(graph);
    const t = performance.now();
    const started = await call(`/graphs/${id}/runs`, { json: { input: {} } });
    expect(started.status).toBe(201);
    const runId = ((await started.json()) as { id: string }).id;
    const socket = await openRunSocket(runId);
    expect((await socket.closedWithin(45_000)).code).toBe(1000);
    console.log(`[limits] 200 KB values by reference: run ${ms(t)}`);

    const run = (await (await call(`/runs/${runId}`)).json()) as { status: string; output: { value: string[] } };
    expect(run.status).toBe("COMPLETED");
    // Leaves qecho and iecho, merged PROPERTY_ARRAY in task order.
    expect(run.output.value).toHaveLength(2);
    expect(run.output.value[0] === inlineValue).toBe(true);
    expect(run.output.value[1] === queueValue).toBe(true);
    expect(executions.get(`${runId}/qecho`)).toBe(1);

    const { events } = await pagedEvents(runId, 1000);
    expectGapFreeLog(events, "complete");
    expect(socket.events).toEqual(events);
    // No event holds a value above the inline limit: every one fits a frame as SPEC §7 wants.
    const largestEvent = Math.max(...events.map(jsonBytes));
    expect(largestEvent).toBeLessThan(DEFAULT_LIMITS.maxInlineValueBytes);

    const refs = refsOf(events);
    const expected: [string, unknown][] = [
      ["task:big", { value: inlineValue }],
      ["task:qbig", { value: queueValue }],
      ["task:qecho", { value: inlineValue }],
      ["task:iecho", { value: queueValue }],
      [`dataflow:${dataflowId(graph.dataflows[0])}`, inlineValue],
      [`dataflow:${dataflowId(graph.dataflows[1])}`, queueValue],
      ["run:output", { value: [inlineValue, queueValue] }],
    ];
    expect([...refs.keys()].sort()).toEqual(expected.map(([ref]) => ref).sort());
    for (const [ref, v] of expected) {
      expect(refs.get(ref)?.size, ref).toBe(jsonBytes(v));
      // Compared as JSON: a failing toEqual on 200 KB strings would print them whole.
      expect(JSON.stringify(await value(runId, ref)) === JSON.stringify(v), ref).toBe(true);
    }
    expect(refs.get("task:big")?.event).toMatchObject({ kind: "task", type: "complete", taskId: "big" });
    expect(refs.get(`dataflow:${dataflowId(graph.dataflows[0])}`)?.event).toMatchObject({ kind: "dataflow", type: "complete" });
    expect(refs.get("run:output")?.event).toBe(events.at(-1));

    // Refs that do not exist are 404 problems, not empty values.
    expect((await call(`/runs/${runId}/values?ref=task:nope`)).status).toBe(404);
    expect((await call(`/runs/${runId}/values?ref=dataflow:nope`)).status).toBe(404);
  });
});

describe("a value above SQLite's 2 MB row limit", () => {
  const BYTES = 2_500_000;
  // huge (inline) → pass (inline), qhuge (queue) → qpass (queue): each value sits in a task row,
  // a dataflow row and the run output (two of them: over 5 MB).
  const graph: Graph = {
    name: "limits-2.5mb",
    tasks: [
      { id: "huge", type: "TestBigValue", defaults: { bytes: BYTES, seed: "huge" } },
      { id: "qhuge", type: "TestQueueBigValue", defaults: { bytes: BYTES, seed: "qhuge" } },
      { id: "pass", type: "Identity" },
      { id: "qpass", type: "TestQueueEcho" },
    ],
    dataflows: [flow("huge", "value", "pass", "value"), flow("qhuge", "value", "qpass", "value")],
  };
  const huge = bigText(BYTES, "huge");
  const qhuge = bigText(BYTES, "qhuge");

  it("is stored in blob parts, no row over 2 MB, and is served whole after the object is evicted", { timeout: 60_000 }, async () => {
    const { id } = await createGraphViaApi(graph);
    const t = performance.now();
    const res = await call(`/graphs/${id}/runs?wait=45`, { json: { input: {} } });
    expect(res.status).toBe(200);
    const runId = ((await res.json()) as { id: string }).id;
    const run = await pollRun(runId, (r) => r.status !== "PROCESSING");
    console.log(`[limits] 2.5 MB values: run ${ms(t)}`);
    expect(run.status).toBe("COMPLETED");

    const rows = await storedRows(runId);
    expect(rows.blobParts).toBeGreaterThan(0);
    expect(Math.max(...Object.values(rows.largest))).toBeLessThanOrEqual(SQLITE_MAX_ROW_BYTES);

    await evictDurableObject(stubOf(runId));

    // A fresh instance restores every row from the parts.
    const after = (await (await call(`/runs/${runId}`)).json()) as { status: string; output: { value: string[] } };
    expect(after.status).toBe("COMPLETED");
    expect(after.output.value.length).toBe(2);
    expect(after.output.value[0] === huge && after.output.value[1] === qhuge).toBe(true);
    expect((await value(runId, "task:huge")) as { value: string }).toEqual({ value: huge });
    expect((await value(runId, "task:qpass")) as { value: string }).toEqual({ value: qhuge });
    expect((await value(runId, `dataflow:${dataflowId(graph.dataflows[0])}`)) === huge).toBe(true);
    expect((await value(runId, `dataflow:${dataflowId(graph.dataflows[1])}`)) === qhuge).toBe(true);
    const { events } = await pagedEvents(runId, 1000);
    expectGapFreeLog(events, "complete");
    expect(refsOf(events).get("run:output")?.size).toBe(jsonBytes({ value: [huge, qhuge] }));
  });
});

describe("socket frames with values just under the inline limit", () => {
  it("stay within what a Worker accepts per message (1 MiB) with multi-byte text", { timeout: 60_000 }, async () => {
    // 40 outputs of 21,000 "€" (63 KB of UTF-8 each, under the 64 KiB inline limit): every
    // complete event carries its value, ~2.5 MB in all but only ~0.85 M characters.
    const text = "€".repeat(21_000);
    expect(jsonBytes({ value: text })).toBeLessThan(DEFAULT_LIMITS.maxInlineValueBytes);
    const graph: Graph = {
      name: "limits-multibyte-frames",
      tasks: Array.from({ length: 40 }, (_, i) => ({ id: `t${i}`, type: "Identity", defaults: { value: text } })),
      dataflows: [],
    };
    const { id } = await createGraphViaApi(graph);
    const runId = ((await (await call(`/graphs/${id}/runs?wait=30`, { json: { input: {} } })).json()) as { id: string }).id;
    // Joins after the end: the whole log is replayed in frames.
    const socket = await openRunSocket(runId);
    expect((await socket.closedWithin(30_000)).code).toBe(1000);
    const { events } = await pagedEvents(runId, 1000);
    expect(events.filter((e) => e.type === "complete" && e.kind === "task").every((e) => (e.data?.output as { value: string }).value === text)).toBe(true);
    expect(socket.events).toEqual(events);
    expect(socket.maxFrameBytes).toBeLessThanOrEqual(1024 * 1024);
    expect(await largestStoredRow(runId)).toBeLessThanOrEqual(SQLITE_MAX_ROW_BYTES);
  });
});

describe("event pages of large inline values", () => {
  it("stay within the RPC limit: a page ends early and paging by after reads the whole log", { timeout: 120_000 }, async () => {
    // One 60 KB value (under the 64 KiB inline limit) fanned out to 600 tasks: 600 `dataflow
    // complete` events carry it inline, 36 MB in all — more than one RPC result may hold (32 MiB).
    const n = 600;
    const graph: Graph = {
      name: "limits-fanout-60kb",
      tasks: [
        { id: "src", type: "TestBigValue", defaults: { bytes: 60_000, seed: "fan" } },
        ...Array.from({ length: n }, (_, i) => ({ id: `len${i}`, type: "Length" })),
        { id: "sum", type: "Add" },
      ],
      dataflows: Array.from({ length: n }, (_, i) => [flow("src", "value", `len${i}`, "value"), flow(`len${i}`, "length", "sum", "values")]).flat(),
    };
    const { id } = await createGraphViaApi(graph);
    let t = performance.now();
    const res = await call(`/graphs/${id}/runs?wait=60`, { json: { input: {} } });
    const run = (await res.json()) as { id: string; status: string; output: unknown };
    const took = ms(t);
    expect(run.status).toBe("COMPLETED");
    expect(run.output).toEqual({ sum: n * 60_000 });

    // The default page (limit 1000) would hold every event: it ends early instead of failing.
    t = performance.now();
    const first = await call(`/runs/${run.id}/events`);
    expect(first.status).toBe(200);
    const page = ((await first.json()) as { events: RunEvent[] }).events;
    expect(page.length).toBeGreaterThan(0);
    expect(page.length).toBeLessThan(1000);
    const { events, pages } = await pagedEvents(run.id, 10_000);
    console.log(`[limits] 60 KB fan-out to ${n}: run ${took}; ${events.length} events (${Math.round(events.reduce((s, e) => s + jsonBytes(e), 0) / 1e6)} MB) in ${pages} pages, ${ms(t)}`);
    expect(pages).toBeGreaterThan(1);
    expectGapFreeLog(events, "complete");
    const fanned = events.filter((e) => e.kind === "dataflow" && e.type === "complete" && (e.data?.value as string | undefined)?.length === 60_000);
    expect(fanned).toHaveLength(n);
  });
});

describe("outputs above the cap (Limits.maxValueBytes, 16 MiB)", () => {
  const BYTES = DEFAULT_LIMITS.maxValueBytes + 1024;
  // One run per place the output is made: in the run's object, and in a queue worker (which checks it too, so an
  // output above the 32 MiB RPC limit is reported as this failure instead of failing to cross).
  for (const type of ["TestBigValue", "TestQueueBigValue"]) {
    it(`fail their task (${type}) with OutputTooLargeError, for good, and the run answers normally`, { timeout: 120_000 }, async () => {
      const { id } = await createGraphViaApi({ name: `limits-output-cap-${type}`, tasks: [{ id: "big", type, defaults: { bytes: BYTES } }], dataflows: [] });
      const started = await call(`/graphs/${id}/runs`, { json: { input: {} } });
      expect(started.status).toBe(201);
      const runId = ((await started.json()) as { id: string }).id;
      const run = await pollRun(runId, (r) => r.status === "FAILED" || r.status === "COMPLETED", 90_000);
      expect(run.status).toBe("FAILED");
      expect(run.tasks[0].status).toBe("FAILED");
      expect(run.tasks[0].attempts).toBe(1); // permanent: never retried
      expect(run.tasks[0].error).toMatchObject({ name: "OutputTooLargeError", code: "output_too_large" });
      expect(run.tasks[0].error.message).toMatch(/the task's output is \d+ bytes of JSON; at most 16777216 bytes/);
      expect(run.error).toMatchObject({ name: "OutputTooLargeError" });
    });
  }
});
