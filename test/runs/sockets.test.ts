import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Graph } from "../../src/core/graph/schema";
import { ADMIN_TOKEN, allEvents, call, createGraphViaApi, pollRun, problem } from "../api/helpers";
import { openRunSocket, upgradeRequest } from "../support/sockets";
import "../support/test-tasks";

const stubOf = (runId: string) => env.RUNS.get(env.RUNS.idFromName(runId));
const seqs = (events: { seq: number }[]) => events.map((e) => e.seq);

/** a → Delay → b → Delay → c: long enough to join mid-run, with waits where the object can be evicted. */
const slowChain: Graph = {
  name: "slow-chain",
  tasks: [
    { id: "a", type: "Identity", defaults: { value: "v" } },
    { id: "d1", type: "Delay", defaults: { ms: 250 } },
    { id: "b", type: "TestQueueEcho" },
    { id: "d2", type: "Delay", defaults: { ms: 250 } },
    { id: "c", type: "Identity" },
  ],
  dataflows: ["a", "d1", "b", "d2", "c"].slice(1).map((t, i, all) => ({
    sourceTaskId: i === 0 ? "a" : all[i - 1],
    sourceTaskPortId: "value",
    targetTaskId: t,
    targetTaskPortId: "value",
  })),
};

async function startRun(graph: Graph): Promise<string> {
  const g = await createGraphViaApi(graph);
  const res = await call(`/graphs/${g.id}/runs`, { json: { input: {} } });
  return ((await res.json()) as { id: string }).id;
}

describe("run sockets", () => {
  it("streams every event to a client from the start and to one joining mid-run with after=k", async () => {
    const runId = await startRun(slowChain);
    const early = await openRunSocket(runId);
    await pollRun(runId, (r) => r.tasks[2].status !== "PENDING");
    const k = (await allEvents(runId)).length - 1;
    const late = await openRunSocket(runId, { after: k });
    const [e1, e2] = await Promise.all([early.closed, late.closed]);
    expect(e1.code).toBe(1000);
    expect(e2.code).toBe(1000);
    const log = await allEvents(runId);
    expect(early.events).toEqual(log);
    expect(late.events).toEqual(log.filter((e) => e.seq > k));
    expect(log.at(-1)).toMatchObject({ kind: "graph", type: "complete" });
  });

  it("replays a finished run and closes with 1000", async () => {
    const runId = await startRun({ name: "done", tasks: [{ id: "a", type: "Identity" }], dataflows: [] });
    await pollRun(runId, (r) => r.status === "COMPLETED");
    const s = await openRunSocket(runId, { after: 2 });
    expect((await s.closed).code).toBe(1000);
    expect(seqs(s.events)).toEqual(seqs((await allEvents(runId)).slice(2)));
  });

  it("keeps streaming across eviction of the object between events", async () => {
    const runId = await startRun(slowChain);
    const s = await openRunSocket(runId);
    await s.until(1);
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 120));
      await evictDurableObject(stubOf(runId)).catch(() => {});
    }
    expect((await s.closed).code).toBe(1000);
    expect(s.events).toEqual(await allEvents(runId));
  });

  it("serves 100 clients every event, and a client that reconnects with its last seq misses nothing", async () => {
    const runId = await startRun(slowChain);
    const clients = await Promise.all(Array.from({ length: 100 }, () => openRunSocket(runId)));
    const leaver = await openRunSocket(runId);
    await leaver.until(3);
    leaver.ws.close(1000, "bye");
    const resumed = await openRunSocket(runId, { after: leaver.events.at(-1)!.seq });
    await Promise.all([...clients.map((c) => c.closed), resumed.closed]);
    const log = await allEvents(runId);
    for (const c of clients) expect(seqs(c.events)).toEqual(seqs(log));
    expect(seqs([...leaver.events, ...resumed.events])).toEqual(seqs(log));
  });

  it("authenticates with a ticket in ?token=, and refuses bad requests before the upgrade", async () => {
    const runId = await startRun({ name: "auth", tasks: [{ id: "a", type: "Identity" }], dataflows: [] });
    const other = await startRun({ name: "auth-2", tasks: [{ id: "a", type: "Identity" }], dataflows: [] });
    const ticketRes = await call(`/runs/${runId}/ticket`, { method: "POST" });
    expect(ticketRes.status).toBe(200);
    const { ticket, expiresAt } = (await ticketRes.json()) as { ticket: string; expiresAt: string };
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(60_000);
    const s = await openRunSocket(runId, { token: null, query: `token=${encodeURIComponent(ticket)}` });
    expect((await s.closed).code).toBe(1000);
    expect(s.events.length).toBeGreaterThan(0);

    expect((await problem(await upgradeRequest(`/runs/${runId}/ws`))).status).toBe(401);
    const forged = ticket.slice(0, -3) + (ticket.endsWith("AAA") ? "BBB" : "AAA");
    expect((await problem(await upgradeRequest(`/runs/${runId}/ws?token=${forged}`))).status).toBe(401);
    expect((await problem(await upgradeRequest(`/runs/${runId}/ws?token=wt_garbage`))).status).toBe(401);
    expect((await problem(await upgradeRequest(`/runs/${other}/ws?token=${encodeURIComponent(ticket)}`))).status).toBe(403);
    expect((await problem(await upgradeRequest(`/runs/r_nope/ws`, { Authorization: `Bearer ${ADMIN_TOKEN}` }))).status).toBe(404);
    expect((await problem(await call(`/runs/${runId}/ws`))).status).toBe(426);
    expect((await problem(await call(`/runs/${runId}/ws`, { method: "POST" }))).status).toBe(405);
    // A ticket is for sockets only: it opens no other route.
    expect((await problem(await call(`/runs/${runId}`, { token: ticket }))).status).toBe(401);
  });
});
