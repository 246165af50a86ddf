import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Dataflow, Graph } from "../../src/core/graph/schema";
import { call, createGraphViaApi, problem } from "./helpers";

/*
 * PATCH /graphs/:id (SPEC §5, §8): operations applied as one new version, all or nothing.
 * The base graph is helpers' greetGraph: greeting (Template "Hello, {{name}}!") → shout (Uppercase).
 */

interface GraphJson extends Graph {
  id: string;
  version: number;
}

const GREETING_TO_SHOUT: Dataflow = { sourceTaskId: "greeting", sourceTaskPortId: "text", targetTaskId: "shout", targetTaskPortId: "text" };

function patch(id: string, body: unknown, ifMatch: string | null = '"1"', token?: string) {
  return call(`/graphs/${id}`, { method: "PATCH", json: body, headers: ifMatch === null ? {} : { "If-Match": ifMatch }, ...(token ? { token } : {}) });
}

async function patched(id: string, ops: unknown[], ifMatch = '"1"'): Promise<GraphJson> {
  const res = await patch(id, { ops }, ifMatch);
  if (res.status !== 200) throw new Error(`PATCH answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as GraphJson;
}

async function latest(id: string): Promise<GraphJson> {
  return (await (await call(`/graphs/${id}`)).json()) as GraphJson;
}

/** Version rows stored for a graph, straight from D1. */
async function storedVersions(id: string): Promise<number> {
  return (await env.DB.prepare("select count(*) as n from graph_versions where graph_id = ?").bind(id).first<number>("n")) ?? 0;
}

/** A failed patch must leave no trace: still version 1, one version row, the same content. */
async function expectUnchanged(id: string, before: GraphJson): Promise<void> {
  expect(await latest(id)).toEqual(before);
  expect(await storedVersions(id)).toBe(1);
}

describe("PATCH /graphs/:id: each operation", () => {
  it("addTask appends a task: 200, the new version, its ETag, and GET agrees", async () => {
    const { id } = await createGraphViaApi();
    const res = await patch(id, { ops: [{ op: "addTask", task: { id: "echo", type: "Identity", name: "Echo" } }] });
    expect(res.status).toBe(200);
    expect(res.headers.get("ETag")).toBe('"2"');
    const body = (await res.json()) as GraphJson;
    expect(body.version).toBe(2);
    expect(body.tasks.map((t) => t.id)).toEqual(["greeting", "shout", "echo"]);
    expect(body.tasks[2]).toEqual({ id: "echo", type: "Identity", name: "Echo" });
    expect(await latest(id)).toEqual(body);
    expect(await storedVersions(id)).toBe(2);
  });

  it("removeTask removes the task and its dataflows", async () => {
    const { id } = await createGraphViaApi();
    const body = await patched(id, [{ op: "removeTask", taskId: "shout" }]);
    expect(body.tasks.map((t) => t.id)).toEqual(["greeting"]);
    expect(body.dataflows).toEqual([]);
  });

  it("replaceTask swaps the whole task in place", async () => {
    const { id } = await createGraphViaApi();
    const body = await patched(id, [{ op: "replaceTask", task: { id: "shout", type: "Lowercase" } }]);
    expect(body.tasks).toEqual([
      { id: "greeting", type: "Template", defaults: { template: "Hello, {{name}}!" } },
      { id: "shout", type: "Lowercase" },
    ]);
    expect(body.dataflows).toEqual([GREETING_TO_SHOUT]);
  });

  it("addDataflow appends a dataflow", async () => {
    const { id } = await createGraphViaApi();
    const echo: Dataflow = { sourceTaskId: "shout", sourceTaskPortId: "text", targetTaskId: "echo", targetTaskPortId: "value" };
    const body = await patched(id, [{ op: "addTask", task: { id: "echo", type: "Identity" } }, { op: "addDataflow", dataflow: echo }]);
    expect(body.dataflows).toEqual([GREETING_TO_SHOUT, echo]);
  });

  it("removeDataflow by its fields and by its derived id", async () => {
    for (const op of [
      { op: "removeDataflow", dataflow: GREETING_TO_SHOUT },
      { op: "removeDataflow", dataflowId: "greeting[text] ==> shout[text]" },
    ]) {
      const { id } = await createGraphViaApi();
      const body = await patched(id, [op]);
      expect(body.dataflows).toEqual([]);
      expect(body.tasks).toHaveLength(2);
    }
  });

  it("builds on the version in If-Match, bare, quoted, among several, or *", async () => {
    const { id } = await createGraphViaApi();
    expect((await patched(id, [{ op: "addTask", task: { id: "t2", type: "Identity" } }], "1")).version).toBe(2);
    expect((await patched(id, [{ op: "addTask", task: { id: "t3", type: "Identity" } }], '"2"')).version).toBe(3);
    expect((await patched(id, [{ op: "addTask", task: { id: "t4", type: "Identity" } }], '"1", "3"')).version).toBe(4);
    expect((await patched(id, [{ op: "addTask", task: { id: "t5", type: "Identity" } }], "*")).version).toBe(5);
    expect((await latest(id)).tasks.map((t) => t.id)).toEqual(["greeting", "shout", "t2", "t3", "t4", "t5"]);
  });
});

describe("PATCH /graphs/:id: If-Match", () => {
  const ops = [{ op: "removeTask", taskId: "shout" }];

  it("428 without If-Match, 400 for a malformed one, 412 when stale — nothing stored", async () => {
    const { id } = await createGraphViaApi();
    const before = await latest(id);
    const missing = await patch(id, { ops }, null);
    expect(missing.status).toBe(428);
    expect((await problem(missing)).type).toBe("urn:weft:problem:precondition-required");
    expect((await patch(id, { ops }, "W/\"1\"")).status).toBe(400);
    await patched(id, [{ op: "addTask", task: { id: "x", type: "Identity" } }]);
    const stale = await patch(id, { ops }, '"1"');
    expect(stale.status).toBe(412);
    const p = await problem(stale);
    expect(p.type).toBe("urn:weft:problem:precondition-failed");
    expect(p.detail).toContain("The latest version is 2");
    expect((await latest(id)).version).toBe(2);
    expect((await latest(id)).tasks.map((t) => t.id)).toEqual([...before.tasks.map((t) => t.id), "x"]);
  });

  it("two patches on the same version at once: one wins, the other gets 412", async () => {
    const { id } = await createGraphViaApi();
    const [a, b] = await Promise.all([
      patch(id, { ops: [{ op: "addTask", task: { id: "from_a", type: "Identity" } }] }),
      patch(id, { ops: [{ op: "addTask", task: { id: "from_b", type: "Identity" } }] }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 412]);
    const body = await latest(id);
    expect(body.version).toBe(2);
    expect(body.tasks.filter((t) => t.id.startsWith("from_"))).toHaveLength(1);
    expect(await storedVersions(id)).toBe(2);
  });

  it("404 for an unknown or deleted graph", async () => {
    expect((await problem(await patch("g_nope", { ops }))).status).toBe(404);
    const { id } = await createGraphViaApi();
    expect((await call(`/graphs/${id}`, { method: "DELETE" })).status).toBe(204);
    expect((await patch(id, { ops })).status).toBe(404);
  });
});

describe("PATCH /graphs/:id: a bad operation rejects the whole patch", () => {
  async function rejected(ops: unknown[] | unknown, body?: unknown): Promise<{ path: string; message: string }[]> {
    const { id } = await createGraphViaApi();
    const before = await latest(id);
    const res = await patch(id, body ?? { ops });
    expect(res.status).toBe(422);
    const p = await problem(res);
    expect(p.type).toBe("urn:weft:problem:validation-failed");
    await expectUnchanged(id, before);
    return p.errors ?? [];
  }

  it("unknown task", async () => {
    expect(await rejected([{ op: "removeTask", taskId: "b" }])).toEqual([{ path: "/ops/0/taskId", message: 'no task "b"' }]);
    expect(await rejected([{ op: "replaceTask", task: { id: "b", type: "Identity" } }])).toEqual([
      { path: "/ops/0/task/id", message: 'no task "b" to replace (addTask adds one)' },
    ]);
  });

  it("duplicate task id", async () => {
    expect(await rejected([{ op: "addTask", task: { id: "shout", type: "Identity" } }])).toEqual([
      { path: "/ops/0/task/id", message: 'task "shout" already exists (replaceTask changes it)' },
    ]);
  });

  it("dangling or duplicate dataflow", async () => {
    expect(await rejected([{ op: "addDataflow", dataflow: { ...GREETING_TO_SHOUT, targetTaskId: "ghost" } }])).toEqual([
      { path: "/ops/0/dataflow/targetTaskId", message: 'no task "ghost"' },
    ]);
    expect(await rejected([{ op: "addDataflow", dataflow: GREETING_TO_SHOUT }])).toEqual([
      { path: "/ops/0/dataflow", message: 'dataflow "greeting[text] ==> shout[text]" already exists' },
    ]);
    expect(await rejected([{ op: "removeDataflow", dataflowId: "shout[text] ==> greeting[name]" }])).toEqual([
      { path: "/ops/0/dataflowId", message: 'no dataflow "shout[text] ==> greeting[name]"' },
    ]);
  });

  it("bad operation shapes", async () => {
    expect(await rejected([{ op: "renameTask", taskId: "shout" }])).toEqual([
      { path: "/ops/0/op", message: 'unknown operation "renameTask" (one of addTask, removeTask, replaceTask, addDataflow, removeDataflow)' },
    ]);
    expect(await rejected([{ op: "addTask", task: { id: "x y", type: "Identity" }, extra: 1 }])).toEqual([
      { path: "/ops/0/extra", message: "is not a field of addTask (it takes op, task)" },
    ]);
    expect(await rejected(null, { ops: "all of them" })).toEqual([{ path: "/ops", message: "must be an array of operations" }]);
    expect(await rejected(null, { ops: [] })).toEqual([{ path: "/ops", message: "must hold at least one operation" }]);
  });

  it("good operations before a bad one are not applied either", async () => {
    const errors = await rejected([
      { op: "addTask", task: { id: "echo", type: "Identity" } },
      { op: "addDataflow", dataflow: { sourceTaskId: "shout", sourceTaskPortId: "text", targetTaskId: "echo", targetTaskPortId: "value" } },
      { op: "removeTask", taskId: "nobody" },
    ]);
    expect(errors).toEqual([{ path: "/ops/2/taskId", message: 'no task "nobody"' }]);
  });

  it("a graph the operations make invalid: 422 with the graph's paths", async () => {
    expect(await rejected([{ op: "addTask", task: { id: "odd", type: "NoSuchType" } }])).toEqual([
      { path: "/tasks/2/type", message: 'unknown task type "NoSuchType"' },
    ]);
    // Identity has no output port "text", which the existing dataflow reads.
    const [port] = await rejected([{ op: "replaceTask", task: { id: "greeting", type: "Identity" } }]);
    expect(port.path).toBe("/dataflows/0/sourceTaskPortId");
    // shout → greeting closes a cycle.
    const [cycle] = await rejected([{ op: "addDataflow", dataflow: { sourceTaskId: "shout", sourceTaskPortId: "text", targetTaskId: "greeting", targetTaskPortId: "name" } }]);
    expect(cycle.path).toBe("/dataflows/1");
    expect(cycle.message).toContain("cycle");
  });

  it("more than 10,000 operations: 422 on /ops", async () => {
    const ops = Array.from({ length: 10_001 }, (_, i) => ({ op: "removeTask", taskId: `t${i}` }));
    const errors = await rejected(ops);
    expect(errors).toEqual([{ path: "/ops", message: "has 10001 operations, more than the limit of 10000; send the whole graph with PUT instead" }]);
  });

  it("a task too large for a D1 row: 422 naming it, nothing stored", async () => {
    const errors = await rejected([{ op: "addTask", task: { id: "huge", type: "Identity", defaults: { value: "x".repeat(2_100_000) } } }]);
    expect(errors).toEqual([expect.objectContaining({ path: "/tasks/2" })]);
  });
});

describe("PATCH /graphs/:id: request bodies", () => {
  it("415 without a JSON content type, 400 for malformed JSON, 413 over the graph size limit", async () => {
    const { id } = await createGraphViaApi();
    const headers = { "If-Match": '"1"' };
    const text = await call(`/graphs/${id}`, { method: "PATCH", body: '{"ops":[]}', headers: { ...headers, "Content-Type": "text/plain" } });
    expect(text.status).toBe(415);
    const bad = await call(`/graphs/${id}`, { method: "PATCH", body: '{"ops": [', headers: { ...headers, "Content-Type": "application/json" } });
    expect(bad.status).toBe(400);
    expect((await problem(bad)).type).toBe("urn:weft:problem:malformed-json");
    const big = await patch(id, { ops: [{ op: "addTask", task: { id: "big", type: "Identity", defaults: { value: "x".repeat(5 * 1024 * 1024) } } }] });
    expect(big.status).toBe(413);
    expect((await latest(id)).version).toBe(1);
  });

  it("needs the run scope: a read key gets 403", async () => {
    const { id } = await createGraphViaApi();
    const res = await call("/keys", { json: { name: "reader", scopes: ["read"] } });
    const { key } = (await res.json()) as { key: string };
    expect((await patch(id, { ops: [{ op: "removeTask", taskId: "shout" }] }, '"1"', key)).status).toBe(403);
    expect((await latest(id)).version).toBe(1);
  });
});
