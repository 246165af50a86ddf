import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ticketSecret } from "../../src/api/auth";
import { mintTicket } from "../../src/api/tickets";
import type { GraphEditFrame } from "../../src/core/graph/edit-events";
import type { Graph } from "../../src/core/graph/schema";
import { ADMIN_TOKEN, BASE, call, createGraphViaApi, createKey, greetGraph, problem } from "./helpers";

/*
 * GET /graphs/:id/ws (SPEC §5): editors' sockets on a graph's GraphObject, and the frames PATCH,
 * PUT and DELETE send them.
 */

interface Editor {
  ws: WebSocket;
  /** Every JSON frame received, the hello first. */
  frames: GraphEditFrame[];
  /** Every non-JSON text message (pong). */
  texts: string[];
  closed: Promise<CloseEvent>;
  /** Resolves once `n` frames have arrived. */
  waitForFrames(n: number): Promise<GraphEditFrame[]>;
}

function upgrade(graphId: string, options: { token?: string | null; query?: string; upgrade?: boolean } = {}): Promise<Response> {
  const headers = new Headers();
  if (options.upgrade !== false) headers.set("Upgrade", "websocket");
  const token = options.token === undefined ? ADMIN_TOKEN : options.token;
  if (token !== null) headers.set("Authorization", `Bearer ${token}`);
  return exports.default.fetch(new Request(`${BASE}/graphs/${graphId}/ws${options.query ?? ""}`, { headers }));
}

async function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function connect(graphId: string, options: { token?: string | null; query?: string } = {}): Promise<Editor> {
  const res = await upgrade(graphId, options);
  if (res.status !== 101) throw new Error(`expected 101, got ${res.status}: ${await res.text()}`);
  const ws = res.webSocket as WebSocket;
  const frames: GraphEditFrame[] = [];
  const texts: string[] = [];
  const closed = new Promise<CloseEvent>((resolve) => ws.addEventListener("close", resolve));
  ws.addEventListener("message", (e) => {
    const text = e.data as string;
    if (text.startsWith("{")) frames.push(JSON.parse(text) as GraphEditFrame);
    else texts.push(text);
  });
  ws.accept();
  const editor: Editor = {
    ws,
    frames,
    texts,
    closed,
    waitForFrames: (n) => until(`${n} frames (have ${frames.length})`, () => (frames.length >= n ? frames : undefined)),
  };
  await editor.waitForFrames(1);
  return editor;
}

function graphObject(graphId: string) {
  return env.GRAPHS.get(env.GRAPHS.idFromName(graphId));
}

async function patch(id: string, ops: unknown[], ifMatch: string): Promise<Response> {
  return call(`/graphs/${id}`, { method: "PATCH", json: { ops }, headers: { "If-Match": ifMatch } });
}

async function patchOk(id: string, ops: unknown[], ifMatch: string): Promise<{ version: number }> {
  const res = await patch(id, ops, ifMatch);
  if (res.status !== 200) throw new Error(`PATCH answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as { version: number };
}

describe("GET /graphs/:id/ws: connecting", () => {
  it("upgrades and sends a hello frame with the latest version and no events", async () => {
    const { id } = await createGraphViaApi();
    await patchOk(id, [{ op: "addTask", task: { id: "x", type: "Identity" } }], "1");
    const editor = await connect(id);
    expect(editor.frames).toEqual([{ graphId: id, version: 2, events: [] }]);
    editor.ws.close(1000);
  });

  it("accepts ?token= with a read key (browsers cannot set headers), and the Authorization header", async () => {
    const { id } = await createGraphViaApi();
    const { key } = await createKey(["read"], "editor");
    const viaQuery = await connect(id, { token: null, query: `?token=${encodeURIComponent(key)}` });
    const viaHeader = await connect(id, { token: key });
    for (const editor of [viaQuery, viaHeader]) expect(editor.frames[0].version).toBe(1);
  });

  it("401 without a credential, with a bad ?token= or a bad bearer — a problem, not an upgrade", async () => {
    const { id } = await createGraphViaApi();
    for (const res of [
      await upgrade(id, { token: null }),
      await upgrade(id, { token: null, query: "?token=wrong" }),
      await upgrade(id, { token: null, query: "?token=weft_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }),
      await upgrade(id, { token: "wrong" }),
    ]) {
      expect(res.status).toBe(401);
      expect(res.webSocket).toBeNull();
      expect((await problem(res)).type).toBe("urn:weft:problem:unauthorized");
    }
  });

  it("403 for a run ticket: it opens its run's socket only", async () => {
    const { id } = await createGraphViaApi();
    const { ticket } = await mintTicket(ticketSecret(env) as string, "r_some_run");
    const res = await upgrade(id, { token: null, query: `?token=${encodeURIComponent(ticket)}` });
    expect(res.status).toBe(403);
    expect(res.webSocket).toBeNull();
    expect((await problem(res)).type).toBe("urn:weft:problem:forbidden");
  });

  it("404 for an unknown graph and for a deleted one", async () => {
    const unknown = await upgrade("g_nope");
    expect(unknown.status).toBe(404);
    expect(unknown.webSocket).toBeNull();
    expect((await problem(unknown)).type).toBe("urn:weft:problem:not-found");
    const { id } = await createGraphViaApi();
    expect((await call(`/graphs/${id}`, { method: "DELETE" })).status).toBe(204);
    expect((await problem(await upgrade(id))).status).toBe(404);
  });

  it("426 with Upgrade: websocket for a request that is not an upgrade", async () => {
    const { id } = await createGraphViaApi();
    const res = await upgrade(id, { upgrade: false });
    expect(res.status).toBe(426);
    expect(res.headers.get("Upgrade")).toBe("websocket");
    expect((await problem(res)).type).toBe("urn:weft:problem:upgrade-required");
  });

  it("answers ping with pong", async () => {
    const { id } = await createGraphViaApi();
    const editor = await connect(id);
    editor.ws.send("ping");
    await until("pong", () => (editor.texts.length > 0 ? editor.texts : undefined));
    expect(editor.texts).toEqual(["pong"]);
  });
});

describe("GET /graphs/:id/ws: frames", () => {
  it("a 200-operation PATCH is one version and one frame of 200 events, on every socket", async () => {
    const { id } = await createGraphViaApi();
    const editors = [await connect(id), await connect(id)];
    const ops = Array.from({ length: 100 }, (_, i) => [
      { op: "addTask", task: { id: `t${i}`, type: "Identity" } },
      { op: "addDataflow", dataflow: { sourceTaskId: "shout", sourceTaskPortId: "text", targetTaskId: `t${i}`, targetTaskPortId: "value" } },
    ]).flat();
    expect(ops).toHaveLength(200);
    expect((await patchOk(id, ops, "1")).version).toBe(2);
    // A one-operation patch after it: had the bulk patch sent more than one frame, its frame would not be the third.
    expect((await patchOk(id, [{ op: "removeTask", taskId: "t0" }], "2")).version).toBe(3);

    for (const editor of editors) {
      const [hello, bulk, next] = await editor.waitForFrames(3);
      expect(editor.frames).toHaveLength(3);
      expect(hello).toEqual({ graphId: id, version: 1, events: [] });
      expect(bulk.version).toBe(2);
      expect(bulk.events).toHaveLength(200);
      expect(bulk.events.every((e) => e.graphId === id && e.version === 2)).toBe(true);
      expect(bulk.events.slice(0, 2)).toEqual([
        { type: "task_added", graphId: id, version: 2, task: { id: "t0", type: "Identity" } },
        {
          type: "dataflow_added",
          graphId: id,
          version: 2,
          dataflowId: "shout[text] ==> t0[value]",
          dataflow: { sourceTaskId: "shout", sourceTaskPortId: "text", targetTaskId: "t0", targetTaskPortId: "value" },
        },
      ]);
      expect(next.version).toBe(3);
      expect(next.events.map((e) => e.type)).toEqual(["dataflow_removed", "task_removed"]);
    }
    const versions = (await (await call(`/graphs/${id}/versions`)).json()) as { items: { version: number }[] };
    expect(versions.items.map((v) => v.version)).toEqual([3, 2, 1]);
  });

  it("each operation's event, in operation order", async () => {
    const { id } = await createGraphViaApi();
    const editor = await connect(id);
    await patchOk(
      id,
      [
        { op: "replaceTask", task: { id: "shout", type: "Lowercase" } },
        { op: "removeDataflow", dataflowId: "greeting[text] ==> shout[text]" },
        { op: "addTask", task: { id: "echo", type: "Identity" } },
        { op: "removeTask", taskId: "shout" },
      ],
      "1",
    );
    const [, frame] = await editor.waitForFrames(2);
    const origin = { graphId: id, version: 2 };
    expect(frame).toEqual({
      ...origin,
      events: [
        { type: "task_replaced", ...origin, task: { id: "shout", type: "Lowercase" } },
        {
          type: "dataflow_removed",
          ...origin,
          dataflowId: "greeting[text] ==> shout[text]",
          dataflow: { sourceTaskId: "greeting", sourceTaskPortId: "text", targetTaskId: "shout", targetTaskPortId: "text" },
        },
        { type: "task_added", ...origin, task: { id: "echo", type: "Identity" } },
        { type: "task_removed", ...origin, taskId: "shout" },
      ],
    });
  });

  it("a rejected patch sends nothing", async () => {
    const { id } = await createGraphViaApi();
    const editor = await connect(id);
    expect((await patch(id, [{ op: "addTask", task: { id: "a", type: "Identity" } }, { op: "removeTask", taskId: "ghost" }], "1")).status).toBe(422);
    expect((await patch(id, [{ op: "addTask", task: { id: "b", type: "NoSuchType" } }], "1")).status).toBe(422);
    expect((await patch(id, [{ op: "addTask", task: { id: "c", type: "Identity" } }], "7")).status).toBe(412);
    await patchOk(id, [{ op: "addTask", task: { id: "d", type: "Identity" } }], "1");
    const frames = await editor.waitForFrames(2);
    expect(frames.map((f) => f.version)).toEqual([1, 2]);
    expect(frames[1].events.map((e) => e.type === "task_added" && e.task.id)).toEqual(["d"]);
  });

  it("PUT sends graph_replaced with the new version inline", async () => {
    const { id } = await createGraphViaApi();
    const editor = await connect(id);
    const next: Graph = { ...greetGraph("renamed"), tasks: [{ id: "only", type: "Identity" }], dataflows: [] };
    const res = await call(`/graphs/${id}`, { method: "PUT", json: next, headers: { "If-Match": "1" } });
    expect(res.status).toBe(200);
    const [, frame] = await editor.waitForFrames(2);
    expect(frame).toEqual({ graphId: id, version: 2, events: [{ type: "graph_replaced", graphId: id, version: 2, graph: next }] });
  });

  it("a frame over 1 MiB carries a ref to the version instead, which fetches it", async () => {
    const { id } = await createGraphViaApi();
    const editor = await connect(id);
    await patchOk(id, [{ op: "addTask", task: { id: "big", type: "Identity", defaults: { value: "x".repeat(1_100_000) } } }], "1");
    const [, frame] = await editor.waitForFrames(2);
    expect(frame).toEqual({ graphId: id, version: 2, events: [{ type: "graph_replaced", graphId: id, version: 2, ref: `/graphs/${id}/versions/2` }] });
    const fetched = (await (await call(`/graphs/${id}/versions/2`)).json()) as Graph;
    expect(fetched.tasks.at(-1)?.id).toBe("big");
  });

  it("DELETE sends graph_deleted, then closes every socket with 1000", async () => {
    const { id } = await createGraphViaApi();
    const editors = [await connect(id), await connect(id)];
    await patchOk(id, [{ op: "removeTask", taskId: "shout" }], "1");
    expect((await call(`/graphs/${id}`, { method: "DELETE" })).status).toBe(204);
    for (const editor of editors) {
      const close = await editor.closed;
      expect(close.code).toBe(1000);
      expect(editor.frames.at(-1)).toEqual({ graphId: id, version: 2, events: [{ type: "graph_deleted", graphId: id, version: 2 }] });
    }
  });
});

describe("GET /graphs/:id/ws: the object hibernates and sockets come and go", () => {
  it("a socket survives the eviction of the GraphObject and receives the next patch's frame", async () => {
    const { id } = await createGraphViaApi();
    const editor = await connect(id);
    await evictDurableObject(graphObject(id));
    await patchOk(id, [{ op: "addTask", task: { id: "after", type: "Identity" } }], "1");
    const [, frame] = await editor.waitForFrames(2);
    expect(frame.version).toBe(2);
    expect(frame.events).toEqual([{ type: "task_added", graphId: id, version: 2, task: { id: "after", type: "Identity" } }]);
    // A new editor after another eviction still hears of the latest version.
    await evictDurableObject(graphObject(id));
    expect((await connect(id)).frames[0].version).toBe(2);
    editor.ws.send("ping");
    await until("pong", () => (editor.texts.length > 0 ? editor.texts : undefined));
  });

  it("clients closing without a code (1005) or with their own code are let go; the others still get frames", async () => {
    const { id } = await createGraphViaApi();
    const quiet = await connect(id);
    const custom = await connect(id);
    const staying = await connect(id);
    const open = () => runInDurableObject(graphObject(id), (_, state) => state.getWebSockets("editor").length);
    expect(await open()).toBe(3);
    quiet.ws.close();
    custom.ws.close(4000, "editor closed");
    await until("the closed sockets to be dropped", async () => ((await open()) === 1 ? true : undefined));
    await patchOk(id, [{ op: "removeTask", taskId: "shout" }], "1");
    const [, frame] = await staying.waitForFrames(2);
    expect(frame.version).toBe(2);
    expect(quiet.frames).toHaveLength(1);
    expect(custom.frames).toHaveLength(1);
  });
});
