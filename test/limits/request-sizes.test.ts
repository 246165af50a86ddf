import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Graph } from "../../src/core/graph/schema";
import { DEFAULT_LIMITS } from "../../src/core/limits";
import { call, createGraphViaApi, problem } from "../api/helpers";
import { bigText } from "../support/test-tasks";
import { expectGapFreeLog, pagedEvents } from "./event-log";
import { SQLITE_MAX_ROW_BYTES, largestStoredRow } from "./stored-rows";

/*
 * SPEC §7 / §8 request sizes at their limits: a run-creation body of exactly 1 MiB works end to
 * end, one byte more is 413; a graph of exactly 5 MiB of JSON is stored, read back identical and
 * run, one byte more is 413. Timings are printed for information only.
 */

const JSON_HEADERS = { "Content-Type": "application/json" };
const utf8 = (s: string) => new TextEncoder().encode(s).length;
const ms = (since: number) => `${Math.round(performance.now() - since)} ms`;

describe("run input at 1 MiB", () => {
  const limit = DEFAULT_LIMITS.maxRunInputBytes;
  /** `{"input":{"value":"…"}}` of exactly `bytes` bytes, the string made of `unit` (1 or more UTF-8 bytes each). */
  function bodyOf(bytes: number, unit = "a"): { body: string; value: string } {
    const overhead = utf8(JSON.stringify({ input: { value: "" } }));
    const unitBytes = utf8(unit);
    const units = Math.floor((bytes - overhead) / unitBytes);
    const value = unit.repeat(units) + "a".repeat(bytes - overhead - units * unitBytes);
    const body = JSON.stringify({ input: { value } });
    expect(utf8(body)).toBe(bytes);
    return { body, value };
  }

  const echoGraph: Graph = { name: "limits-run-input", tasks: [{ id: "echo", type: "Identity" }], dataflows: [] };

  for (const [label, unit] of [["ASCII", "a"], ["3-byte UTF-8", "€"]] as const) {
    it(`runs with a request body of exactly ${limit} bytes (${label}); the input round-trips`, { timeout: 60_000 }, async () => {
      const { id } = await createGraphViaApi(echoGraph);
      const { body, value } = bodyOf(limit, unit);
      const t = performance.now();
      const res = await call(`/graphs/${id}/runs?wait=30`, { body, headers: JSON_HEADERS });
      expect(res.status).toBe(200);
      const run = (await res.json()) as { id: string; status: string; input: { value: string }; output: { value: string } };
      console.log(`[limits] 1 MiB run input (${label}): run in ${ms(t)}`);
      expect(run.status).toBe("COMPLETED");
      expect(run.input.value === value).toBe(true);
      expect(run.output.value === value).toBe(true);

      // Read back: the run, the value its start event references, the log.
      const again = (await (await call(`/runs/${run.id}`)).json()) as typeof run;
      expect(again.input).toEqual({ value });
      const { events } = await pagedEvents(run.id, 1000);
      expectGapFreeLog(events, "complete");
      const start = events[0];
      expect(start).toMatchObject({ kind: "graph", type: "start", data: { ref: { ref: "run:input", size: utf8(JSON.stringify({ value })) } } });
      expect(start.data).not.toHaveProperty("input");
      const ref = (await (await call(`/runs/${run.id}/values?ref=run:input`)).json()) as { value: unknown };
      expect(ref.value).toEqual({ value });
      // Input and output are 1 MiB each: no row of the run's object may hold both (SQLite rows ≤ 2 MB).
      expect(await largestStoredRow(run.id)).toBeLessThanOrEqual(SQLITE_MAX_ROW_BYTES);
      // The run row is stored without its input (the init holds it): a fresh instance puts it back.
      await evictDurableObject(env.RUNS.get(env.RUNS.idFromName(run.id)));
      const restored = (await (await call(`/runs/${run.id}/values?ref=run:input`)).json()) as { value: { value: string } };
      expect(restored.value.value === value).toBe(true);
      const output = (await (await call(`/runs/${run.id}/values?ref=run:output`)).json()) as { value: { value: string } };
      expect(output.value.value === value).toBe(true);
    });
  }

  it("refuses one byte more with 413, whether Content-Length says so or not", async () => {
    const { id } = await createGraphViaApi(echoGraph);
    const { body } = bodyOf(limit + 1);
    const declared = await call(`/graphs/${id}/runs`, { body, headers: JSON_HEADERS });
    expect((await problem(declared)).status).toBe(413);
    // Streamed without a length: counted as it arrives.
    const bytes = new TextEncoder().encode(body);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.slice(i, i + 64 * 1024));
        controller.close();
      },
    });
    const streamed = await call(`/graphs/${id}/runs`, { body: stream, headers: JSON_HEADERS });
    expect((await problem(streamed)).status).toBe(413);
    const listed = (await (await call(`/runs?graphId=${id}`)).json()) as { items: unknown[] };
    expect(listed.items).toEqual([]);
  });
});

describe("a 5 MiB graph", () => {
  const limit = DEFAULT_LIMITS.maxGraphBytes;
  const TASKS = 40;

  /**
   * TASKS independent Identity tasks whose `defaults.value` strings bring the graph's JSON to
   * exactly `bytes` bytes: about 130 KB per task, far under D1's 2 MB per row.
   */
  function graphOf(bytes: number, name: string): Graph {
    const graph: Graph = {
      name,
      description: "Large defaults spread over many tasks",
      tasks: Array.from({ length: TASKS }, (_, i) => ({ id: `t${i}`, type: "Identity", defaults: { value: "" } })),
      dataflows: [],
    };
    const room = bytes - utf8(JSON.stringify(graph));
    const each = Math.floor(room / TASKS);
    graph.tasks.forEach((t, i) => {
      t.defaults = { value: bigText(each + (i === 0 ? room - each * TASKS : 0), `t${i}`) };
    });
    expect(utf8(JSON.stringify(graph))).toBe(bytes);
    return graph;
  }

  it(`stores exactly ${limit} bytes of graph JSON, reads it back identical, and runs it`, { timeout: 120_000 }, async () => {
    const graph = graphOf(limit, "limits-5mib");
    let t = performance.now();
    const created = await call("/graphs", { body: JSON.stringify(graph), headers: JSON_HEADERS });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const log = [`store ${ms(t)}`];

    t = performance.now();
    const res = await call(`/graphs/${id}`);
    expect(res.status).toBe(200);
    const { id: _id, version: _v, createdAt: _c, updatedAt: _u, ...content } = (await res.json()) as Graph & Record<string, unknown>;
    log.push(`read ${ms(t)}`);
    expect(JSON.stringify(content)).toBe(JSON.stringify(graph));

    // Run it: the 5 MiB snapshot goes to the run's object, every task's output is a ~130 KB value
    // (by reference in events) and the run output merges all of them (over 5 MB).
    t = performance.now();
    const runRes = await call(`/graphs/${id}/runs?wait=60`, { json: { input: {} } });
    expect(runRes.status).toBe(200);
    const run = (await runRes.json()) as { id: string; status: string; output: { value: string[] } };
    log.push(`run ${ms(t)}`);
    expect(run.status).toBe("COMPLETED");
    expect(run.output.value).toHaveLength(TASKS);
    expect(run.output.value.every((v, i) => v === graph.tasks[i].defaults?.value)).toBe(true);
    const { events } = await pagedEvents(run.id, 1000);
    expectGapFreeLog(events, "complete");
    expect(events.at(-1)?.data).toMatchObject({ ref: { ref: "run:output" } });
    expect(await largestStoredRow(run.id)).toBeLessThanOrEqual(SQLITE_MAX_ROW_BYTES);
    console.log(`[limits] 5 MiB graph: ${log.join("; ")}`);
  });

  it("refuses one byte more with 413 and stores nothing", async () => {
    const graph = graphOf(limit + 1, "limits-5mib-over");
    const res = await call("/graphs", { body: JSON.stringify(graph), headers: JSON_HEADERS });
    expect((await problem(res)).status).toBe(413);
    const listed = (await (await call(`/graphs?name=${encodeURIComponent(graph.name)}`)).json()) as { items: unknown[] };
    expect(listed.items).toEqual([]);
  });
});
