import { describe, expect, it } from "vitest";
import { buildShape } from "../../bench/shapes";
import type { RunEvent } from "../../src/core/events";
import { dataflowId } from "../../src/core/graph/dataflow-id";
import type { Graph } from "../../src/core/graph/schema";
import { DEFAULT_LIMITS } from "../../src/core/limits";
import { call, createGraphViaApi, pollRun } from "../api/helpers";
import { openRunSocket } from "../support/sockets";
import { countBy, expectGapFreeLog, pagedEvents } from "./event-log";

/*
 * SPEC §7 at full size: a graph of the maximum task count, stored through the API, run to
 * completion, listed, its log read page by page and streamed over a WebSocket. Timings are
 * printed for information, never asserted.
 */

const N = DEFAULT_LIMITS.maxTasks;

/** The benchmark's layered shape: layers of 100 Add tasks, each fed 1–3 sums of the layer before into `values`. */
function layeredAdds(): Graph {
  const graph = buildShape("layered", N, { type: "Add", outPort: "sum", inPort: "values", defaults: (i) => ({ a: i % 7 }) });
  return { ...graph, name: `limits-layered-${N}` };
}

/**
 * The run output computed independently of the runtime: each task's sum is `a` plus its inputs in
 * dataflow order (the order Add receives them), and the leaves — tasks with no outgoing dataflow —
 * are merged PROPERTY_ARRAY in task order.
 */
function expectedOutput(graph: Graph): { sum: number[] } {
  const sums = new Map<string, number>();
  const into = new Map<string, string[]>();
  const hasOut = new Set<string>();
  for (const d of graph.dataflows) {
    hasOut.add(d.sourceTaskId);
    into.set(d.targetTaskId, [...(into.get(d.targetTaskId) ?? []), d.sourceTaskId]);
  }
  // buildShape lists tasks layer by layer, so every source precedes its targets.
  for (const t of graph.tasks) {
    let sum = (t.defaults?.a as number) + 0;
    for (const s of into.get(t.id) ?? []) sum += sums.get(s) as number;
    sums.set(t.id, sum);
  }
  return { sum: graph.tasks.filter((t) => !hasOut.has(t.id)).map((t) => sums.get(t.id) as number) };
}

const ms = (since: number) => `${Math.round(performance.now() - since)} ms`;

describe(`a ${N.toLocaleString("en")}-task graph end to end`, () => {
  it("is stored, run to completion, listed, paged and streamed", { timeout: 180_000 }, async () => {
    const graph = layeredAdds();
    expect(graph.tasks).toHaveLength(N);
    expect(graph.dataflows.length).toBeGreaterThan(15_000);
    const expected = expectedOutput(graph);
    const log: string[] = [`${N} tasks, ${graph.dataflows.length} dataflows, ${JSON.stringify(graph).length} bytes of JSON`];

    let t = performance.now();
    const { id: graphId } = await createGraphViaApi(graph);
    log.push(`store: ${ms(t)}`);

    // Start without waiting, then follow it live: the socket joins while the run is going.
    t = performance.now();
    const started = await call(`/graphs/${graphId}/runs`, { json: { input: {} } });
    expect(started.status).toBe(201);
    const runId = ((await started.json()) as { id: string }).id;
    log.push(`start (201): ${ms(t)}`);
    const socket = await openRunSocket(runId);

    const closed = await socket.closedWithin(150_000);
    log.push(`start → run completed and streamed (socket closed): ${ms(t)}`);
    expect(closed.code).toBe(1000);

    t = performance.now();
    const runRes = await call(`/runs/${runId}`);
    expect(runRes.status).toBe(200);
    const run = (await runRes.json()) as { status: string; output: unknown; tasks: { id: string; status: string; attempts: number }[] };
    log.push(`GET /runs/:id: ${ms(t)}`);
    expect(run.status).toBe("COMPLETED");
    expect(run.output).toEqual(expected);
    expect(run.tasks).toHaveLength(N);
    expect(run.tasks.map((x) => x.id)).toEqual(graph.tasks.map((x) => x.id));
    expect(run.tasks.filter((x) => x.status !== "COMPLETED" || x.attempts !== 1)).toEqual([]);

    // Listed: the D1 run index has it, finished (the object writes the index just after the terminal event).
    expect(await listedUntil(graphId, (items) => items[0]?.status === "COMPLETED")).toEqual([expect.objectContaining({ id: runId, status: "COMPLETED" })]);

    // The log, page by page at the largest page size.
    t = performance.now();
    const { events, pages } = await pagedEvents(runId, 10_000);
    log.push(`events: ${events.length} in ${pages} pages, ${ms(t)}`);
    expect(pages).toBeGreaterThan(1);
    expectGapFreeLog(events, "complete");
    expectConsistent(events, graph);

    // The socket saw exactly the stored log, in order.
    log.push(`socket: ${socket.frames} frames`);
    expect(socket.events.length).toBe(events.length);
    expect(socket.events).toEqual(events);
    log.push(`storage writes: ${(await statsOf(runId)).storageWrites}`);
    console.log(`[limits] layered: ${log.join("; ")}`);
  });

  it("runs a chain 10,000 tasks deep to completion", { timeout: 180_000 }, async () => {
    // Depth instead of width: each task makes only its successor ready, so the object must run
    // successive inline tasks in one turn rather than persist and yield after each.
    const graph = { ...buildShape("chain", N, { type: "Add", outPort: "sum", inPort: "values", defaults: () => ({ a: 1 }) }), name: `limits-chain-${N}` };
    const { id: graphId } = await createGraphViaApi(graph);
    const t = performance.now();
    const res = await call(`/graphs/${graphId}/runs?wait=60`, { json: { input: {} } });
    const runId = ((await res.json()) as { id: string }).id;
    const run = await pollRun(runId, (r) => r.status !== "PROCESSING", 120_000);
    const took = ms(t);
    expect(run.status).toBe("COMPLETED");
    expect(run.output).toEqual({ sum: N });
    expect(run.tasks.filter((x: { status: string; attempts: number }) => x.status !== "COMPLETED" || x.attempts !== 1)).toEqual([]);
    const { events } = await pagedEvents(runId, 10_000);
    expectGapFreeLog(events, "complete");
    expectConsistent(events, graph);
    console.log(`[limits] chain: run ${took}; ${events.length} events; storage writes: ${(await statsOf(runId)).storageWrites}`);
  });
});

/** `GET /runs?graphId=` until `until(items)` holds, for at most 10 s. */
async function listedUntil(graphId: string, until: (items: { id: string; status: string }[]) => boolean): Promise<{ id: string; status: string }[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await call(`/runs?graphId=${graphId}`);
    expect(res.status).toBe(200);
    const { items } = (await res.json()) as { items: { id: string; status: string }[] };
    if (until(items) || Date.now() > deadline) return items;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function statsOf(runId: string): Promise<{ storageWrites: number }> {
  const res = await call(`/runs/${runId}/stats`);
  expect(res.status).toBe(200);
  return (await res.json()) as { storageWrites: number };
}

/**
 * The log agrees with the final state: every task started and completed exactly once, every
 * dataflow completed exactly once, and causal order holds (a source's `complete` before its
 * dataflow's `complete`, before the target's `start`).
 */
function expectConsistent(events: RunEvent[], graph: Graph): void {
  const starts = countBy(events, "task", "start");
  const completes = countBy(events, "task", "complete");
  const flows = countBy(events, "dataflow", "complete");
  const wrong = graph.tasks.filter((t) => starts.get(t.id) !== 1 || completes.get(t.id) !== 1).map((t) => t.id);
  expect(wrong).toEqual([]);
  expect(completes.size).toBe(graph.tasks.length);
  const ids = graph.dataflows.map(dataflowId);
  expect(ids.filter((id) => flows.get(id) !== 1)).toEqual([]);
  expect(flows.size).toBe(ids.length);
  expect(events.some((e) => e.kind === "task" && !["start", "complete", "queued", "progress"].includes(e.type))).toBe(false);

  const at = new Map<string, number>();
  for (const e of events) {
    if (e.kind === "task" && e.type !== "progress") at.set(`task ${e.type} ${e.taskId}`, e.seq);
    if (e.kind === "dataflow") at.set(`dataflow ${e.dataflowId}`, e.seq);
  }
  const broken = graph.dataflows.filter((d) => {
    const flow = at.get(`dataflow ${dataflowId(d)}`) as number;
    return !((at.get(`task complete ${d.sourceTaskId}`) as number) < flow && flow < (at.get(`task start ${d.targetTaskId}`) as number));
  });
  expect(broken).toEqual([]);
}
