import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH } from "../../src/core/json-depth";
import { call, createGraphViaApi, greetGraph, problem } from "../api/helpers";
import { deepValue } from "../core/fuzz/arbitraries";

/*
 * Bugs the API fuzzer found (test/fuzz/api.fuzz.test.ts), each with the exact input that showed
 * it. All were JSON nested 10,000 deep: JSON.parse accepts it, then the structured clone of a
 * Durable Object call or JSON.stringify of the answer overflowed the stack — a 500, and for the
 * graph and run routes after something had already been stored. Bodies now nest at most
 * MAX_JSON_DEPTH levels (src/api/body.ts): 400 before anything is stored.
 */

const DEEP_OBJECT = deepValue(10_000, "object");
const DEEP_ARRAY = deepValue(10_000, "array");

async function count(table: string): Promise<number> {
  return ((await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>()) as { n: number }).n;
}

async function expectTooDeep(res: Response): Promise<void> {
  expect(res.status).toBe(400);
  expect((await problem(res)).detail).toContain(`more than ${MAX_JSON_DEPTH} levels deep`);
}

let graphId: string;
let waitingRunId: string;

beforeAll(async () => {
  graphId = (await createGraphViaApi(greetGraph("regressions"))).id;
  const waiting = (await createGraphViaApi({ name: "waits", tasks: [{ id: "w", type: "WaitForSignal", defaults: { signal: "go", timeoutMs: 600_000 } }], dataflows: [] })).id;
  const res = await call(`/graphs/${waiting}/runs`, { json: { input: {} } });
  waitingRunId = ((await res.json()) as { id: string }).id;
});

describe("deeply nested JSON bodies (found by the API fuzzer)", () => {
  it("POST /runs/:id/signals/:name with a payload 10,000 objects deep: 400, was a 500 from the run object call", async () => {
    await expectTooDeep(await call(`/runs/${waitingRunId}/signals/fuzz-signal`, { json: DEEP_OBJECT }));
  });

  it("POST /graphs with a default 10,000 arrays deep: 400 and nothing stored, was stored and then a 500", async () => {
    const before = await count("graph_versions");
    await expectTooDeep(await call("/graphs", { json: { name: "deep", tasks: [{ id: "a", type: "Identity", defaults: { value: DEEP_ARRAY } }], dataflows: [] } }));
    expect(await count("graph_versions")).toBe(before);
  });

  it("PUT /graphs/:id with a default 10,000 arrays deep: 400 and no new version, was stored and then a 500", async () => {
    const res = await call(`/graphs/${graphId}`, { method: "PUT", headers: { "If-Match": "*" }, json: { name: "deep", tasks: [{ id: "a", type: "Identity", defaults: { value: DEEP_ARRAY } }], dataflows: [] } });
    await expectTooDeep(res);
    expect(((await (await call(`/graphs/${graphId}`)).json()) as { version: number }).version).toBe(1);
  });

  it("POST /graphs/:id/runs with an input 10,000 arrays deep: 400 and no run, was a 500 leaving a run in the index", async () => {
    const before = await count("runs");
    await expectTooDeep(await call(`/graphs/${graphId}/runs`, { json: { input: { name: DEEP_ARRAY } } }));
    expect(await count("runs")).toBe(before);
  });

  it(`takes a body nested exactly ${MAX_JSON_DEPTH} levels, refuses ${MAX_JSON_DEPTH + 1}`, async () => {
    expect((await call(`/runs/${waitingRunId}/signals/fuzz-signal`, { json: deepValue(MAX_JSON_DEPTH, "array") })).status).toBe(202);
    await expectTooDeep(await call(`/runs/${waitingRunId}/signals/fuzz-signal`, { json: deepValue(MAX_JSON_DEPTH + 1, "array") }));
  });
});

describe("lone surrogates in ids and names (found by the API fuzzer)", () => {
  it("a graph whose task ids differ only by a lone surrogate: 422, was stored and its runs then failed with a 500", async () => {
    // D1 stores text as UTF-8: both ids came back as "\uFFFD\uFFFD\uFFFD", a stored graph with
    // duplicate task ids; POST /graphs/:id/runs then answered 500 (GraphCompileError).
    const before = await count("graph_versions");
    const res = await call("/graphs", { json: { name: "collide", tasks: [{ id: "\uD800", type: "Identity" }, { id: "\uD801", type: "Identity" }], dataflows: [] } });
    expect(res.status).toBe(422);
    expect((await problem(res)).errors?.map((e) => e.path)).toEqual(["/tasks/0/id", "/tasks/1/id"]);
    expect(await count("graph_versions")).toBe(before);
  });

  it("an API key named with a lone surrogate: 422, was stored and listed with U+FFFD instead", async () => {
    const res = await call("/keys", { json: { name: "k\uD800", scopes: ["read"] } });
    expect(res.status).toBe(422);
    expect((await problem(res)).errors).toEqual([{ path: "/name", message: "must be valid Unicode text (it holds a lone surrogate, which cannot be stored)" }]);
  });

  it("names, ids, labels and ports of emoji, combining marks and control characters are stored exactly", async () => {
    const graph = {
      name: "👩‍👩‍👧‍👦 e\u0301 \u0000",
      description: "\u202e😀",
      tasks: [
        { id: "😀", type: "Identity", name: "\u0000label", defaults: { value: "\uD800 in a value is fine: values are stored as JSON" } },
        { id: "e\u0301", type: "Identity" },
      ],
      dataflows: [{ sourceTaskId: "😀", sourceTaskPortId: "value", targetTaskId: "e\u0301", targetTaskPortId: "𝄞" }],
    };
    const created = await createGraphViaApi(graph);
    const stored = (await (await call(`/graphs/${created.id}`)).json()) as Record<string, unknown>;
    expect({ name: stored.name, description: stored.description, tasks: stored.tasks, dataflows: stored.dataflows }).toEqual(graph);
  });
});
