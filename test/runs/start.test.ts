import { describe, expect, it } from "vitest";
import { call, createGraphViaApi, greetGraph, problem } from "../api/helpers";

describe("starting a run", () => {
  it("runs an inline graph to completion and answers with ?wait", async () => {
    const g = await createGraphViaApi(greetGraph());
    const res = await call(`/graphs/${g.id}/runs?wait=10`, { json: { input: { name: "Ada" } } });
    expect(res.status).toBe(200);
    const run = (await res.json()) as any;
    expect(run.status).toBe("COMPLETED");
    expect(run.output).toEqual({ text: "HELLO, ADA!" });
    expect(run.graphVersion).toBe(1);
    expect(run.tasks.map((t: any) => [t.id, t.status, t.attempts])).toEqual([
      ["greeting", "COMPLETED", 1],
      ["shout", "COMPLETED", 1],
    ]);
    const events = (await (await call(`/runs/${run.id}/events`)).json()) as any;
    expect(events.events.map((e: any) => e.seq)).toEqual(events.events.map((_: unknown, i: number) => i + 1));
    expect(events.events.at(-1)).toMatchObject({ kind: "graph", type: "complete" });
    // The snapshot says which event it reflects: the last one, for a finished run.
    const snapshot = (await (await call(`/runs/${run.id}`)).json()) as any;
    expect(snapshot.lastSeq).toBe(events.events.at(-1).seq);
    const after = (await (await call(`/runs/${run.id}/events?after=${snapshot.lastSeq}`)).json()) as any;
    expect(after.events).toEqual([]);
  });

  it("rejects input that does not fit the root tasks", async () => {
    const g = await createGraphViaApi(greetGraph());
    const res = await call(`/graphs/${g.id}/runs`, { json: { input: { template: 5 } } });
    const p = await problem(res);
    expect(p.status).toBe(400);
    expect(p.errors?.[0].path).toBe("/input/template");
  });
});
