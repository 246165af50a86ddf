/**
 * WebSocket fan-out on Miniflare (issue 5): one run, N sockets (100 and 1,000), ~1,000 events.
 * Printed, never asserted.
 *
 *   npx tsx bench/sockets.ts [--json] [--clients 100,1000]
 *
 * The run waits 3 s (a durable Delay) while the clients connect, then a 250-task chain of inline
 * steps that each take 2 ms produces the events. Reported: events, frames and bytes the object
 * sent (GET /runs/:id/stats), frames and events each client received, and the latency from an
 * event's append (its `ts`) to its receipt by a client (p50 / p99 over all clients and events; the
 * server and the clients share this machine's clock).
 */
import type { Graph } from "../src/core/graph/schema";
import { writeBenchConfig } from "./support/bench-config";
import { startLocalWeft } from "../test/support/local-weft.mjs";

const args = process.argv.slice(2);
const json = args.includes("--json");
const ci = args.indexOf("--clients");
const clientCounts = (ci >= 0 ? args[ci + 1] : "100,1000").split(",").map(Number);
const CHAIN = 250;

const server = await startLocalWeft({ config: writeBenchConfig() });
const headers = { authorization: `Bearer ${server.adminToken}`, "content-type": "application/json" };
async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const send = () => fetch(server.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let res = await send();
  for (let i = 0; i < 3 && res.status === 503; i++) res = await send();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${(await res.text()).slice(0, 300)}`);
  return (await res.json()) as T;
}

const graph: Graph = {
  name: "socket-fanout",
  tasks: [
    { id: "wait", type: "Delay", defaults: { ms: 3000, value: 0 } },
    ...Array.from({ length: CHAIN }, (_, i) => ({ id: `t${i}`, type: "BenchSleep", defaults: { ms: 2, k: i } })),
  ],
  dataflows: Array.from({ length: CHAIN }, (_, i) => ({
    sourceTaskId: i === 0 ? "wait" : `t${i - 1}`,
    sourceTaskPortId: i === 0 ? "value" : "v",
    targetTaskId: `t${i}`,
    targetTaskPortId: i === 0 ? "k" : "in",
  })),
};

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
const rows: Record<string, unknown>[] = [];
try {
  const graphId = (await api<{ id: string }>("POST", "/graphs", graph)).id;
  for (const clients of clientCounts) {
    const run = await api<{ id: string }>("POST", `/graphs/${graphId}/runs`, { input: {} });
    const wsUrl = `${server.url.replace("http", "ws")}/runs/${run.id}/ws?after=0&token=${encodeURIComponent(server.adminToken)}`;
    const latencies: number[] = [];
    let frames = 0;
    let events = 0;
    const t0 = performance.now();
    const done = await Promise.all(
      Array.from({ length: clients }, () =>
        new Promise<number>((resolve, reject) => {
          const ws = new WebSocket(wsUrl);
          let mine = 0;
          ws.onmessage = (m) => {
            const now = Date.now();
            frames++;
            const batch = (JSON.parse(String(m.data)) as { events: { ts: string }[] }).events;
            events += batch.length;
            mine += batch.length;
            for (const e of batch) latencies.push(now - Date.parse(e.ts));
          };
          ws.onclose = () => resolve(mine);
          ws.onerror = () => reject(new Error("socket error"));
        }),
      ),
    );
    const wallMs = performance.now() - t0;
    const stats = await api<{ events: number; socketFrames: number; socketBytes: number }>("GET", `/runs/${run.id}/stats`);
    const complete = done.every((n) => n === stats.events);
    const row = {
      bench: "sockets",
      clients,
      events: stats.events,
      framesSent: stats.socketFrames,
      bytesSent: stats.socketBytes,
      framesPerClient: Math.round((frames / clients) * 10) / 10,
      everyClientGotEveryEvent: complete,
      p50Ms: pct(latencies, 50),
      p99Ms: pct(latencies, 99),
      wallMs: Math.round(wallMs),
    };
    rows.push(row);
    if (json) console.log(JSON.stringify(row));
    void events;
  }
} finally {
  await server.stop();
}
if (!json) {
  console.log(`\nRun WebSocket fan-out on Miniflare (wrangler dev, loopback) — ${new Date().toISOString()}`);
  console.log("clients  events  frames sent  bytes sent  frames/client  all events  p50 ms  p99 ms");
  for (const r of rows as Record<string, number | boolean>[]) {
    console.log(`${String(r.clients).padStart(7)} ${String(r.events).padStart(7)} ${String(r.framesSent).padStart(12)} ${String(r.bytesSent).padStart(11)} ${String(r.framesPerClient).padStart(14)} ${String(r.everyClientGotEveryEvent).padStart(11)} ${String(r.p50Ms).padStart(7)} ${String(r.p99Ms).padStart(7)}`);
  }
}
