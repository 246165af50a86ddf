import { exports } from "cloudflare:workers";
import { ADMIN_TOKEN, BASE } from "../api/helpers";
import type { RunEvent } from "../../src/core/events";

/** A test-side WebSocket client that records every event it receives and how the socket closed. */
export interface TestSocket {
  events: RunEvent[];
  frames: number;
  /** The largest frame received, in UTF-8 bytes (a Worker accepts at most 1 MiB per message). */
  maxFrameBytes: number;
  closed: Promise<{ code: number; reason: string }>;
  ws: WebSocket;
  /** Resolves once an event with seq ≥ `seq` has arrived. */
  until(seq: number, timeoutMs?: number): Promise<void>;
  /** `closed`, or a failure saying how far the socket got if it is still open after `timeoutMs`. */
  closedWithin(timeoutMs: number): Promise<{ code: number; reason: string }>;
}

export async function openRunSocket(runId: string, opts: { after?: number; token?: string | null; query?: string } = {}): Promise<TestSocket> {
  const headers = new Headers({ Upgrade: "websocket" });
  const token = opts.token === undefined ? ADMIN_TOKEN : opts.token;
  if (token !== null) headers.set("Authorization", `Bearer ${token}`);
  const qs = [opts.after !== undefined ? `after=${opts.after}` : "", opts.query ?? ""].filter(Boolean).join("&");
  const res = await exports.default.fetch(new Request(`${BASE}/runs/${runId}/ws${qs ? `?${qs}` : ""}`, { headers }));
  if (res.status !== 101 || !res.webSocket) throw new Error(`no upgrade: ${res.status} ${await res.text()}`);
  const ws = res.webSocket;
  const sock: TestSocket = {
    events: [],
    frames: 0,
    maxFrameBytes: 0,
    ws,
    closed: new Promise((resolve) => ws.addEventListener("close", (e) => resolve({ code: e.code, reason: e.reason }))),
    async until(seq, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!sock.events.some((e) => e.seq >= seq)) {
        if (Date.now() > deadline) throw new Error(`socket did not reach seq ${seq}; last ${sock.events.at(-1)?.seq}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async closedWithin(timeoutMs) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms; last seq ${sock.events.at(-1)?.seq}`)), timeoutMs);
      });
      try {
        return await Promise.race([sock.closed, timeout]);
      } finally {
        if (timer !== undefined) clearTimeout(timer);
      }
    },
  };
  ws.addEventListener("message", (m) => {
    sock.frames++;
    sock.maxFrameBytes = Math.max(sock.maxFrameBytes, new TextEncoder().encode(m.data as string).length);
    const frame = JSON.parse(m.data as string) as { events: RunEvent[] };
    sock.events.push(...frame.events);
  });
  ws.accept();
  return sock;
}

/** The upgrade response itself (for status checks before any upgrade). */
export function upgradeRequest(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return exports.default.fetch(new Request(`${BASE}${path}`, { headers: { Upgrade: "websocket", ...headers } }));
}
