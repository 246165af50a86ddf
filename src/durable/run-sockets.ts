import type { RunEvent } from "../core/events";
import { utf8Length } from "../core/runner/value-size";
import type { RunStore } from "./run-store";

/** The tag every run socket is accepted with (the object holds no other kind). */
const TAG = "run";
/** A replay frame holds at most this many events… */
const PAGE_EVENTS = 500;
/**
 * …and at most about this many bytes of UTF-8 (values above 64 KiB are references already), well
 * under the 1 MiB a Worker accepts per received message. Counted in bytes, not characters: 512 K
 * characters of non-ASCII text made 1.5 MB frames.
 */
const FRAME_BYTES = 512 * 1024;

/** What each socket remembers across hibernation: the last seq it was sent. */
interface SocketState {
  cursor: number;
}

/**
 * The run's WebSockets (SPEC §5 `GET /runs/:id/ws`), on the Hibernation API: the object can
 * sleep between events and each socket's cursor lives in its attachment, so a woken object
 * continues every socket exactly where it was — no gap, no duplicate. A socket that is behind
 * (joining with an old `after`, or woken behind) catches up from the stored log in bounded pages,
 * yielding between pages, before it gets live frames again.
 */
export class RunSockets {
  private readonly catchingUp = new Set<WebSocket>();
  /** Stored events not yet sent (see `broadcast`), and when frames last went out. */
  private pending: RunEvent[] = [];
  private pendingTimer: ReturnType<typeof setTimeout> | undefined;
  private lastSentAt = 0;
  /** Frames sent by this instance (the fan-out benchmark reads it). */
  framesSent = 0;
  bytesSent = 0;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly store: RunStore,
    private readonly isFinished: () => boolean,
  ) {
    // Answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  /** Accepts an upgrade: replays the log after `after`, then live events follow. */
  accept(after: number): Response {
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server, [TAG]);
    server.serializeAttachment({ cursor: after } satisfies SocketState);
    void this.catchUp(server);
    return new Response(null, { status: 101, webSocket: client });
  }

  count(): number {
    return this.ctx.getWebSockets(TAG).length;
  }

  /**
   * Sends newly stored events to every socket. With few sockets each flush goes out at once; with
   * many, events are gathered for a short window (1 ms per 10 sockets, at most 100 ms) so one
   * frame per socket carries them all — frames grow instead of multiplying, which keeps a
   * 1,000-socket run from spending its time in per-socket sends. The terminal event goes out at once.
   */
  broadcast(events: RunEvent[]): void {
    if (events.length === 0) return;
    for (const e of events) this.pending.push(e);
    const sockets = this.ctx.getWebSockets(TAG).length;
    const windowMs = Math.min(100, Math.floor(sockets / 10));
    const terminal = events.some((e) => e.kind === "graph" && (e.type === "complete" || e.type === "error" || e.type === "abort"));
    const wait = this.lastSentAt + windowMs - Date.now();
    if (terminal || windowMs === 0 || wait <= 0) return this.sendPending();
    this.pendingTimer ??= setTimeout(() => this.sendPending(), wait);
  }

  private sendPending(): void {
    if (this.pendingTimer !== undefined) clearTimeout(this.pendingTimer);
    this.pendingTimer = undefined;
    const events = this.pending;
    this.pending = [];
    this.lastSentAt = Date.now();
    if (events.length === 0) return;
    const first = events[0].seq;
    const frames = frame(events);
    for (const ws of this.ctx.getWebSockets(TAG)) {
      if (this.catchingUp.has(ws)) continue;
      const state = cursorOf(ws);
      if (state.cursor < first - 1) {
        void this.catchUp(ws);
        continue;
      }
      for (const f of frames) {
        const fresh = f.events.filter((e) => e.seq > state.cursor);
        if (fresh.length === 0) continue;
        this.send(ws, fresh.length === f.events.length ? f.json : JSON.stringify({ events: fresh }));
        state.cursor = fresh[fresh.length - 1].seq;
      }
      ws.serializeAttachment(state);
      this.closeIfDone(ws, state);
    }
  }

  /** Client messages: pings are answered by the auto-response; anything else is ignored. */
  message(_ws: WebSocket, _message: string | ArrayBuffer): void {}

  closed(ws: WebSocket, code: number, reason: string): void {
    this.catchingUp.delete(ws);
    // 1005 (no status) and 1006 (abnormal) may not be sent back; answer those with 1000.
    try {
      ws.close(code === 1005 || code === 1006 || code < 1000 ? 1000 : code, reason);
    } catch {
      // already closed
    }
  }

  private async catchUp(ws: WebSocket): Promise<void> {
    if (this.catchingUp.has(ws)) return;
    this.catchingUp.add(ws);
    try {
      const state = cursorOf(ws);
      for (;;) {
        const page = this.store.events(state.cursor, PAGE_EVENTS);
        if (page.length === 0) break;
        for (const f of frame(page)) this.send(ws, f.json);
        state.cursor = page[page.length - 1].seq;
        ws.serializeAttachment(state);
        if (page.length < PAGE_EVENTS) break;
        // A long log is paged, and other work (live events, requests) gets turns in between.
        await new Promise((r) => setTimeout(r, 0));
        if (ws.readyState !== WebSocket.OPEN) return;
      }
      this.closeIfDone(ws, state);
    } catch (err) {
      console.error("[weft] socket catch-up failed", err);
    } finally {
      this.catchingUp.delete(ws);
    }
  }

  private closeIfDone(ws: WebSocket, state: SocketState): void {
    if (this.isFinished() && state.cursor >= this.store.lastSeq()) {
      try {
        ws.close(1000, "run finished");
      } catch {
        // already closing
      }
    }
  }

  private send(ws: WebSocket, json: string): void {
    try {
      ws.send(json);
      this.framesSent++;
      this.bytesSent += json.length;
    } catch {
      // The client went away; webSocketClose tidies up.
    }
  }
}

function cursorOf(ws: WebSocket): SocketState {
  const a = ws.deserializeAttachment() as SocketState | null;
  return { cursor: a?.cursor ?? 0 };
}

/** Splits events into `{ events }` frames within the page and size bounds. */
function frame(events: RunEvent[]): { events: RunEvent[]; json: string }[] {
  const frames: { events: RunEvent[]; json: string }[] = [];
  let current: RunEvent[] = [];
  let parts: string[] = [];
  let size = 0;
  const flush = () => {
    if (current.length) frames.push({ events: current, json: `{"events":[${parts.join(",")}]}` });
    current = [];
    parts = [];
    size = 0;
  };
  for (const e of events) {
    const json = JSON.stringify(e);
    const bytes = utf8Length(json);
    if (current.length && (current.length >= PAGE_EVENTS || size + bytes > FRAME_BYTES)) flush();
    current.push(e);
    parts.push(json);
    size += bytes + 1;
  }
  flush();
  return frames;
}
