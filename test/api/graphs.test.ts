import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Graph } from "../../src/core/graph/schema";
import { createDb } from "../../src/db/client";
import { getGraph } from "../../src/db/graphs";
import { call, createGraphViaApi, greetGraph, problem } from "./helpers";

interface GraphJson extends Graph {
  id: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

async function put(id: string, graph: unknown, ifMatch?: string) {
  return call(`/graphs/${id}`, { method: "PUT", json: graph, headers: ifMatch === undefined ? {} : { "If-Match": ifMatch } });
}

describe("POST /graphs", () => {
  it("stores a graph as version 1 and answers 201 with Location and ETag", async () => {
    const graph = greetGraph();
    const res = await call("/graphs", { json: graph });
    expect(res.status).toBe(201);
    const body = (await res.json()) as GraphJson;
    expect(body.id).toMatch(/^g_[0-9a-z]{26}$/);
    expect(res.headers.get("Location")).toBe(`/graphs/${body.id}`);
    expect(res.headers.get("ETag")).toBe('"1"');
    expect(body).toEqual({ ...graph, id: body.id, version: 1, createdAt: body.createdAt, updatedAt: body.createdAt });
    expect(new Date(body.createdAt).toISOString()).toBe(body.createdAt);
  });

  it("stores only graph fields: extra top-level fields (e.g. from a GET) are not kept", async () => {
    const res = await call("/graphs", { json: { ...greetGraph(), id: "g_chosen", version: 7, createdAt: "2020-01-01T00:00:00.000Z" } });
    expect(res.status).toBe(201);
    const body = (await res.json()) as GraphJson;
    expect(body.id).not.toBe("g_chosen");
    expect(body.version).toBe(1);
    expect(body.createdAt).not.toBe("2020-01-01T00:00:00.000Z");
  });

  it("answers 422 with every error and its path for an invalid graph, storing nothing", async () => {
    const before = await env.DB.prepare("select count(*) as n from graphs").first<number>("n");
    const res = await call("/graphs", {
      json: {
        name: "broken",
        tasks: [
          { id: "a", type: "Template", defaults: { template: "x" } },
          { id: "b", type: "NoSuchType" },
          { id: "a", type: "Uppercase" },
        ],
        dataflows: [{ sourceTaskId: "a", sourceTaskPortId: "text", targetTaskId: "ghost", targetTaskPortId: "text" }],
      },
    });
    expect(res.status).toBe(422);
    const p = await problem(res);
    expect(p.type).toBe("urn:weft:problem:validation-failed");
    const paths = p.errors!.map((e) => e.path);
    expect(paths).toContain("/tasks/1/type");
    expect(paths).toContain("/tasks/2/id");
    expect(paths.some((path) => path.startsWith("/dataflows/0"))).toBe(true);
    for (const e of p.errors!) expect(typeof e.message).toBe("string");
    expect(await env.DB.prepare("select count(*) as n from graphs").first<number>("n")).toBe(before);
  });

  it("answers 422 for a graph over the task count limit", async () => {
    const tasks = Array.from({ length: 10_001 }, (_, i) => ({ id: `t${i}`, type: "Identity" }));
    const res = await call("/graphs", { json: { name: "too many", tasks, dataflows: [] } });
    expect(res.status).toBe(422);
    expect((await problem(res)).errors?.length).toBeGreaterThan(0);
  });

  it("answers 422 naming the task when one task is too large for a D1 row", async () => {
    const graph: Graph = { name: "huge task", tasks: [{ id: "t", type: "Identity", defaults: { value: "x".repeat(2_100_000) } }], dataflows: [] };
    const res = await call("/graphs", { json: graph });
    expect(res.status).toBe(422);
    expect((await problem(res)).errors).toEqual([expect.objectContaining({ path: "/tasks/0" })]);
  });
});

describe("request bodies", () => {
  it("refuses a non-JSON content type with 415", async () => {
    for (const contentType of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      const res = await call("/graphs", { body: JSON.stringify(greetGraph()), headers: { "Content-Type": contentType } });
      expect(res.status, contentType).toBe(415);
      expect((await problem(res)).type).toBe("urn:weft:problem:unsupported-media-type");
    }
    // No Content-Type at all.
    const bare = await call("/graphs", { body: new TextEncoder().encode(JSON.stringify(greetGraph())) });
    expect(bare.status).toBe(415);
  });

  it("accepts JSON with a charset parameter or a +json type", async () => {
    expect((await call("/graphs", { json: greetGraph(), headers: { "Content-Type": "application/json; charset=utf-8" } })).status).toBe(201);
    expect((await call("/graphs", { json: greetGraph(), headers: { "Content-Type": "application/vnd.weft.graph+json" } })).status).toBe(201);
  });

  it.each([
    ["truncated", '{"name": "x", "tasks": ['],
    ["trailing garbage", '{"name": "x", "tasks": [], "dataflows": []} x'],
    ["empty", ""],
    ["single quotes", "{'name': 'x'}"],
  ])("refuses %s JSON with 400", async (_, text) => {
    const res = await call("/graphs", { body: text, headers: { "Content-Type": "application/json" } });
    expect(res.status).toBe(400);
    expect((await problem(res)).type).toBe("urn:weft:problem:malformed-json");
  });

  it("refuses a body that is not UTF-8 with 400", async () => {
    const res = await call("/graphs", { body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), headers: { "Content-Type": "application/json" } });
    expect(res.status).toBe(400);
    expect((await problem(res)).detail).toContain("UTF-8");
  });

  it("refuses a body over 5 MiB with 413, with or without Content-Length", async () => {
    const oversize = JSON.stringify({ ...greetGraph(), description: "x".repeat(5 * 1024 * 1024) });
    const declared = await call("/graphs", { body: oversize, headers: { "Content-Type": "application/json" } });
    expect(declared.status).toBe(413);
    expect((await problem(declared)).type).toBe("urn:weft:problem:payload-too-large");

    // Streamed in chunks without a length: the reader counts and stops.
    const bytes = new TextEncoder().encode(oversize);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 256 * 1024) controller.enqueue(bytes.slice(i, i + 256 * 1024));
        controller.close();
      },
    });
    const streamed = await call("/graphs", { body: stream, headers: { "Content-Type": "application/json" } });
    expect(streamed.status).toBe(413);
    await problem(streamed);

    // The validation route has the same limit.
    expect((await call("/graphs/validate", { body: oversize, headers: { "Content-Type": "application/json" } })).status).toBe(413);
  });

  it("accepts a body just under the limit (it is the size, not the route, that decides)", async () => {
    const graph = { ...greetGraph(), description: "d" };
    const padding = 5 * 1024 * 1024 - JSON.stringify(graph).length - 64;
    const body = JSON.stringify(graph).replace('"name"', `${" ".repeat(padding)}"name"`);
    expect(new TextEncoder().encode(body).length).toBeLessThanOrEqual(5 * 1024 * 1024);
    expect((await call("/graphs", { body, headers: { "Content-Type": "application/json" } })).status).toBe(201);
  });
});

describe("POST /graphs/validate", () => {
  it("answers 200 valid for a valid graph, storing nothing", async () => {
    const before = await env.DB.prepare("select count(*) as n from graphs").first<number>("n");
    const res = await call("/graphs/validate", { json: greetGraph() });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ valid: true, errors: [] });
    expect(await env.DB.prepare("select count(*) as n from graphs").first<number>("n")).toBe(before);
  });

  it("answers 200 with valid false and the errors for an invalid graph", async () => {
    const res = await call("/graphs/validate", { json: { name: "x", tasks: [{ id: "a", type: "Nope" }], dataflows: [] } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { valid: boolean; errors: { path: string }[] };
    expect(body.valid).toBe(false);
    expect(body.errors.map((e) => e.path)).toContain("/tasks/0/type");
  });

  it("still answers 400 for malformed JSON and 415 for a non-JSON body", async () => {
    expect((await call("/graphs/validate", { body: "{", headers: { "Content-Type": "application/json" } })).status).toBe(400);
    expect((await call("/graphs/validate", { body: "{}", headers: { "Content-Type": "text/plain" } })).status).toBe(415);
  });
});

describe("GET /graphs/:id", () => {
  it("returns the latest version with tasks, dataflows and ETag", async () => {
    const { id } = await createGraphViaApi();
    const res = await call(`/graphs/${id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("ETag")).toBe('"1"');
    const body = (await res.json()) as GraphJson;
    expect(body.tasks).toEqual(greetGraph().tasks);
    expect(body.dataflows).toEqual(greetGraph().dataflows);
  });

  it("answers 404 problem for an unknown graph", async () => {
    const res = await call("/graphs/g_doesnotexist");
    expect(res.status).toBe(404);
    expect((await problem(res)).type).toBe("urn:weft:problem:not-found");
  });
});

describe("GET /graphs (cursor pagination)", () => {
  it("pages newest first with no duplicates or gaps, summaries without tasks", async () => {
    const created: string[] = [];
    for (let i = 0; i < 7; i++) created.push((await createGraphViaApi(greetGraph("paging"))).id);
    const pages: GraphJson[][] = [];
    let cursor: string | null = null;
    do {
      const res = await call(`/graphs?name=paging&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { items: GraphJson[]; nextCursor: string | null };
      pages.push(body.items);
      cursor = body.nextCursor;
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    const items = pages.flat();
    expect(new Set(items.map((g) => g.id))).toEqual(new Set(created));
    // Newest first: creation times never increase down the list.
    for (let i = 1; i < items.length; i++) expect(items[i - 1].createdAt >= items[i].createdAt).toBe(true);
    for (const item of items) {
      expect(item).not.toHaveProperty("tasks");
      expect(item).not.toHaveProperty("dataflows");
      expect(item).toMatchObject({ name: "paging", version: 1, taskCount: 2, dataflowCount: 1 });
    }
  });

  it("puts a newly created graph first", async () => {
    await createGraphViaApi(greetGraph("ordering"));
    await new Promise((r) => setTimeout(r, 5));
    const { id } = await createGraphViaApi(greetGraph("ordering"));
    const body = (await (await call("/graphs?name=ordering")).json()) as { items: GraphJson[] };
    expect(body.items[0].id).toBe(id);
  });

  it("defaults to 50 per page", async () => {
    for (let i = 0; i < 51; i++) await createGraphViaApi({ name: "many", tasks: [], dataflows: [] });
    const first = (await (await call("/graphs?name=many")).json()) as { items: unknown[]; nextCursor: string | null };
    expect(first.items).toHaveLength(50);
    expect(first.nextCursor).not.toBeNull();
    const rest = (await (await call(`/graphs?name=many&cursor=${first.nextCursor}`)).json()) as { items: unknown[]; nextCursor: string | null };
    expect(rest.items).toHaveLength(1);
    expect(rest.nextCursor).toBeNull();
    // Above the maximum the limit is clamped, not refused.
    expect((await call("/graphs?name=many&limit=5000")).status).toBe(200);
  });

  it("answers 400 for a bad limit or a forged cursor", async () => {
    for (const q of ["limit=0", "limit=-1", "limit=abc", "limit=1.5", "cursor=not-a-cursor!", `cursor=${btoa("[1]")}`, `cursor=${btoa('["x","y"]')}`]) {
      const res = await call(`/graphs?${q}`);
      expect(res.status, q).toBe(400);
      await problem(res);
    }
  });
});

describe("versions and If-Match", () => {
  it("updates with a quoted or bare If-Match and keeps every version readable", async () => {
    const { id } = await createGraphViaApi();
    const v2 = { ...greetGraph(), name: "greet v2" };
    const res2 = await put(id, v2, '"1"');
    expect(res2.status).toBe(200);
    expect(res2.headers.get("ETag")).toBe('"2"');
    expect(await res2.json()).toMatchObject({ id, version: 2, name: "greet v2" });

    const v3 = { ...greetGraph(), name: "greet v3", tasks: greetGraph().tasks.slice(0, 1), dataflows: [] };
    const res3 = await put(id, v3, "2");
    expect(res3.status).toBe(200);
    expect((await res3.json()) as GraphJson).toMatchObject({ version: 3, name: "greet v3", tasks: v3.tasks, dataflows: [] });

    const latest = await call(`/graphs/${id}`);
    expect(latest.headers.get("ETag")).toBe('"3"');
    const v1 = await call(`/graphs/${id}/versions/1`);
    expect(v1.status).toBe(200);
    expect(v1.headers.get("ETag")).toBe('"1"');
    expect(await v1.json()).toMatchObject({ version: 1, name: "greet", tasks: greetGraph().tasks });
    expect(await (await call(`/graphs/${id}/versions/2`)).json()).toMatchObject({ version: 2, name: "greet v2" });

    const history = (await (await call(`/graphs/${id}/versions`)).json()) as { items: { version: number; name: string }[]; nextCursor: null };
    expect(history.items.map((v) => [v.version, v.name])).toEqual([
      [3, "greet v3"],
      [2, "greet v2"],
      [1, "greet"],
    ]);
    expect(history.nextCursor).toBeNull();
  });

  it("round-trips: a GET response sent back as the PUT body is accepted", async () => {
    const { id } = await createGraphViaApi();
    const got = await call(`/graphs/${id}`);
    const res = await put(id, await got.json(), got.headers.get("ETag")!);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ version: 2, ...greetGraph() });
  });

  it("answers 412 for a stale version and 428 without If-Match", async () => {
    const { id } = await createGraphViaApi();
    expect((await put(id, greetGraph(), '"1"')).status).toBe(200);
    const stale = await put(id, greetGraph(), '"1"');
    expect(stale.status).toBe(412);
    expect((await problem(stale)).detail).toContain("2");
    const future = await put(id, greetGraph(), "9");
    expect(future.status).toBe(412);
    const missing = await put(id, greetGraph());
    expect(missing.status).toBe(428);
    expect((await problem(missing)).type).toBe("urn:weft:problem:precondition-required");
    expect((await call(`/graphs/${id}`)).headers.get("ETag")).toBe('"2"');
  });

  it("accepts a list of versions or *, and refuses weak or malformed tags", async () => {
    const { id } = await createGraphViaApi();
    expect((await put(id, greetGraph(), '"7", "1"')).status).toBe(200);
    expect((await put(id, greetGraph(), "*")).status).toBe(200);
    for (const tag of ['W/"3"', "abc", '"3', "0", "-1", '""']) {
      const res = await put(id, greetGraph(), tag);
      expect(res.status, tag).toBe(400);
      await problem(res);
    }
    expect((await call(`/graphs/${id}`)).headers.get("ETag")).toBe('"3"');
  });

  it("answers 422 for an invalid update and keeps the version", async () => {
    const { id } = await createGraphViaApi();
    const res = await put(id, { name: "x", tasks: [{ id: "a", type: "Nope" }], dataflows: [] }, '"1"');
    expect(res.status).toBe(422);
    expect((await problem(res)).errors?.map((e) => e.path)).toContain("/tasks/0/type");
    expect((await call(`/graphs/${id}`)).headers.get("ETag")).toBe('"1"');
  });

  it("answers 404 for an unknown graph or version, 400 for a malformed version", async () => {
    const { id } = await createGraphViaApi();
    expect((await put("g_missing", greetGraph(), '"1"')).status).toBe(404);
    expect((await call(`/graphs/${id}/versions/2`)).status).toBe(404);
    expect((await call("/graphs/g_missing/versions/1")).status).toBe(404);
    expect((await call("/graphs/g_missing/versions")).status).toBe(404);
    for (const v of ["0", "abc", "1.5", "-1"]) expect((await call(`/graphs/${id}/versions/${v}`)).status, v).toBe(400);
  });
});

describe("DELETE /graphs/:id", () => {
  it("answers 204, then the graph is gone from the API while its versions stay stored for runs", async () => {
    const { id } = await createGraphViaApi(greetGraph("to delete"));
    expect((await put(id, { ...greetGraph(), name: "to delete v2" }, "1")).status).toBe(200);
    const res = await call(`/graphs/${id}`, { method: "DELETE" });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");

    expect((await call(`/graphs/${id}`)).status).toBe(404);
    expect((await call(`/graphs/${id}/versions/1`)).status).toBe(404);
    expect((await call(`/graphs/${id}/versions`)).status).toBe(404);
    expect((await put(id, greetGraph(), "2")).status).toBe(404);
    expect((await call(`/graphs/${id}`, { method: "DELETE" })).status).toBe(404);
    const list = (await (await call("/graphs?name=to%20delete%20v2")).json()) as { items: unknown[] };
    expect(list.items).toHaveLength(0);

    const pinned = await getGraph(createDb(env.DB), id, { version: 1, includeDeleted: true });
    expect(pinned).toMatchObject({ id, version: 1, name: "to delete", tasks: greetGraph().tasks, dataflows: greetGraph().dataflows });
  });
});

describe("the example graph npm start stores", () => {
  it("is valid", async () => {
    const { default: example } = await import("../../examples/graphs/greet.json");
    const res = await call("/graphs/validate", { json: example });
    expect(await res.json()).toEqual({ valid: true, errors: [] });
  });
});
