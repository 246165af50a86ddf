import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { RunObject } from "../../src/durable/run-object";
import { call, createGraphViaApi, pollRun } from "../api/helpers";
import "./soak-tasks";

/** Bugs the soak found in the Durable Object shell, each pinned by the smallest test that shows it. */

const stubOf = (runId: string) => env.RUNS.get(env.RUNS.idFromName(runId));

describe("soak regressions", () => {
  // seed 1, runs 13 and 15 (`nothing-after-end`): GET /runs/:id answered COMPLETED while the log
  // did not hold the last task's `complete` nor the graph's yet — a queue worker's report waits
  // for the group commit (a timer) in memory, and a read in that window saw it. Had the object
  // been evicted then, the client would have seen a state that never existed (SPEC §6).
  it("never shows a state that is not stored yet", async () => {
    const g = await createGraphViaApi({ name: "report-then-read", tasks: [{ id: "q", type: "SoakQueueStep", defaults: { salt: "q", delayMs: 1000 } }], dataflows: [] });
    const res = await call(`/graphs/${g.id}/runs`, { json: { input: {} } });
    const runId = ((await res.json()) as { id: string }).id;
    await pollRun(runId, (r) => r.tasks[0].status === "PROCESSING"); // claimed; the worker sleeps

    await runInDurableObject(stubOf(runId), async (o: RunObject) => {
      // The worker's report, as the RPC would deliver it, and a read arriving right behind it.
      const reported = o.complete("q", 1, { value: "done" });
      const view = await o.view();
      const stored = await o.events(0, 1000);
      await reported;
      const shown = view.status === "COMPLETED" ? "COMPLETED" : "not finished";
      const logged = stored.at(-1)?.kind === "graph" && stored.at(-1)?.type === "complete" ? "COMPLETED" : "not finished";
      expect(shown).toBe(logged);
    });
    const run = await pollRun(runId, (r) => r.status === "COMPLETED");
    expect(run.output).toEqual({ value: "done" });
  });
});
