import { DurableObject } from "cloudflare:workers";
import type { GraphEditFrame } from "../core/graph/edit-events";
import type { Env } from "../env";

/** The tag of editor sockets (`ctx.getWebSockets(EDITOR_TAG)`). */
const EDITOR_TAG = "editor";
/** Storage keys: the latest version this object has heard of, its graph's id, and whether the graph is deleted. */
const VERSION_KEY = "version";
const GRAPH_ID_KEY = "graphId";
const DELETED_KEY = "deleted";

/**
 * A frame larger than this is not sent: its events are replaced by one `graph_replaced` with a
 * `ref` to fetch the version from (SPEC §7: big values travel by reference). 1 MiB is also what a
 * Worker accepts in one received WebSocket message, so any Weft peer can take every frame.
 */
export const MAX_FRAME_BYTES = 1024 * 1024;

/** Query parameters of the upgrade request the API forwards (src/api/routes/graph-ws.ts). */
export const CONNECT_GRAPH_ID = "graphId";
export const CONNECT_VERSION = "version";

/**
 * The editors of one graph (SPEC §5, `GET /graphs/:id/ws`): holds their WebSockets through the
 * Hibernation API and fans out each new version's structure events as one frame. Addressed by
 * `idFromName(graphId)`. It owns no graph data — D1 does — only the latest version number it has
 * heard of, so that an editor connecting between a commit and the D1 read that preceded its
 * upgrade still learns, in its hello frame, that there is a newer version.
 *
 * Sockets are one-way: edits go through `PATCH`/`PUT` (versioned, If-Match, "run" scope), the
 * socket only needs "read". Between frames the object hibernates; ping → pong is answered by the
 * runtime without waking it.
 */
export class GraphObject extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  /**
   * Accepts an editor's WebSocket. The API has already authenticated the caller, checked that
   * the graph exists and that this is an upgrade; it passes the graph id and the latest version
   * it read from D1. 404 (no body: the API turns it into a problem) when the graph was deleted
   * since that read.
   */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected Upgrade: websocket", { status: 426, headers: { Upgrade: "websocket" } });
    }
    const params = new URL(request.url).searchParams;
    const graphId = params.get(CONNECT_GRAPH_ID);
    const readVersion = Number(params.get(CONNECT_VERSION));
    if (!graphId || !Number.isSafeInteger(readVersion) || readVersion < 1) {
      return new Response("expected ?graphId=<id>&version=<n>", { status: 400 });
    }
    // Deleted after the API read it from D1: the socket would never hear anything.
    if (this.deleted) return new Response(null, { status: 404 });
    const version = this.noteVersion(graphId, readVersion);

    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server, [EDITOR_TAG]);
    const hello: GraphEditFrame = { graphId, version, events: [] };
    server.send(JSON.stringify(hello));
    return new Response(null, { status: 101, webSocket: client });
  }

  /**
   * RPC: a committed version's events, sent to every editor as one frame. Returns how many
   * sockets it was sent to. Frames normally arrive in version order; two writers committing at
   * the same moment may have theirs swapped, which editors see as a version that is not last + 1.
   */
  async publish(frame: GraphEditFrame): Promise<number> {
    // A write that committed before the deletion but reached us after it has no one to tell.
    if (this.deleted) return 0;
    this.noteVersion(frame.graphId, frame.version);
    const sockets = this.ctx.getWebSockets(EDITOR_TAG);
    if (sockets.length === 0) return 0;
    const text = fitFrame(frame);
    for (const ws of sockets) sendQuietly(ws, text);
    return sockets.length;
  }

  /**
   * RPC: the graph is gone. Tells every editor, closes their sockets (1000) and keeps only a
   * marker, so that an upgrade or a publish that raced the deletion finds it.
   */
  async graphDeleted(graphId: string): Promise<number> {
    const kv = this.ctx.storage.kv;
    const version = kv.get<number>(VERSION_KEY) ?? 0;
    const frame: GraphEditFrame = { graphId, version, events: [{ type: "graph_deleted", graphId, version }] };
    const text = JSON.stringify(frame);
    const sockets = this.ctx.getWebSockets(EDITOR_TAG);
    for (const ws of sockets) {
      sendQuietly(ws, text);
      closeQuietly(ws, 1000, "graph deleted");
    }
    kv.delete(VERSION_KEY);
    kv.put(DELETED_KEY, true);
    return sockets.length;
  }

  /** Editors send nothing but pings (answered by the auto-response); anything else is ignored. */
  override async webSocketMessage(_ws: WebSocket, _message: string | ArrayBuffer): Promise<void> {}

  /**
   * The peer closed. The runtime answers the close handshake itself (compatibility flag
   * web_socket_auto_reply_to_close); answering here covers older compatibility dates. 1005 (no
   * code) and 1006 (dropped connection) are reported but may not be sent, so those get 1000.
   */
  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    closeQuietly(ws, code === 1005 || code === 1006 ? 1000 : code, reason);
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    console.error("[weft] editor socket error", this.ctx.storage.kv.get<string>(GRAPH_ID_KEY), error);
    closeQuietly(ws, 1011, "socket error");
  }

  private get deleted(): boolean {
    return this.ctx.storage.kv.get<boolean>(DELETED_KEY) === true;
  }

  /** Records `version` when it is newer than what is known; returns the latest known. */
  private noteVersion(graphId: string, version: number): number {
    const kv = this.ctx.storage.kv;
    const known = kv.get<number>(VERSION_KEY) ?? 0;
    if (kv.get<string>(GRAPH_ID_KEY) === undefined) kv.put(GRAPH_ID_KEY, graphId);
    if (version <= known) return known;
    kv.put(VERSION_KEY, version);
    return version;
  }
}

/** The frame as text, or — when it exceeds MAX_FRAME_BYTES — a frame pointing at the version instead. */
export function fitFrame(frame: GraphEditFrame): string {
  const text = JSON.stringify(frame);
  // Each UTF-16 unit is at most 3 UTF-8 bytes: encode only when the size could matter.
  if (text.length * 3 <= MAX_FRAME_BYTES || new TextEncoder().encode(text).byteLength <= MAX_FRAME_BYTES) return text;
  const { graphId, version } = frame;
  const ref = `/graphs/${encodeURIComponent(graphId)}/versions/${version}`;
  return JSON.stringify({ graphId, version, events: [{ type: "graph_replaced", graphId, version, ref }] } satisfies GraphEditFrame);
}

/** A socket may have closed since it was listed; that is not the sender's error. */
function sendQuietly(ws: WebSocket, text: string): void {
  try {
    ws.send(text);
  } catch {
    // Closed or closing: its close handler (or the next reconnect) takes it from here.
  }
}

function closeQuietly(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason);
  } catch {
    // Already closed, or a code/reason the peer sent that may not be echoed (reserved, too long).
  }
}
