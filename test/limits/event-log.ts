import { expect } from "vitest";
import type { RunEvent } from "../../src/core/events";
import { call } from "../api/helpers";

/**
 * Every event of a run, read page by page with `GET /runs/:id/events` (`after` = last seq seen)
 * until a page comes back empty: a page may hold fewer than `limit` events when they are large.
 * `pages` counts the pages that held events.
 */
export async function pagedEvents(runId: string, limit: number): Promise<{ events: RunEvent[]; pages: number }> {
  const events: RunEvent[] = [];
  let pages = 0;
  for (;;) {
    const res = await call(`/runs/${runId}/events?after=${events.at(-1)?.seq ?? 0}&limit=${limit}`);
    expect(res.status).toBe(200);
    const page = ((await res.json()) as { events: RunEvent[] }).events;
    if (page.length === 0) return { events, pages };
    pages++;
    expect(page.length).toBeLessThanOrEqual(limit);
    events.push(...page);
  }
}

/**
 * The log invariants SPEC §8 states, for a run that ended: seq 1…n with no gap, `ts` never
 * decreasing, the terminal graph event last and alone. Checked in one pass, so a 10,000-task log
 * costs no more than reading it.
 */
export function expectGapFreeLog(events: RunEvent[], terminal: "complete" | "error" | "abort"): void {
  let lastTs = ""; // ISO 8601 in UTC: string order is time order
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e.seq !== i + 1) throw new Error(`event ${i} has seq ${e.seq}, expected ${i + 1}`);
    if (e.ts < lastTs) throw new Error(`ts decreases at seq ${e.seq}`);
    lastTs = e.ts;
  }
  const graphEnds = events.filter((e) => e.kind === "graph" && (e.type === "complete" || e.type === "error" || e.type === "abort"));
  expect(graphEnds).toHaveLength(1);
  expect(events.at(-1)).toMatchObject({ kind: "graph", type: terminal });
}

/** How many events of `kind`/`type` each id (task id or dataflow id) has. */
export function countBy(events: RunEvent[], kind: string, type: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of events) {
    if (e.kind !== kind || e.type !== type) continue;
    const id = (e as { taskId?: string; dataflowId?: string }).taskId ?? (e as { dataflowId?: string }).dataflowId ?? "";
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}
