import { Type } from "@sinclair/typebox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_RETRY_AFTER_MS, retryAfterFloor } from "../../../src/core/runner/backoff";
import { type FailureInfo, runGraph } from "../../../src/core/runner/index";
import { defineTask, TaskError } from "../../../src/core/task/index";
import { createRegistry } from "../../../src/tasks/index";
import { TestServer } from "../tasks/http-server";
import { eventsOf, graph, Harness, task } from "./helpers";

const policy = (r: Record<string, unknown>) => ({ config: { retry: r } });

/** A failure as a worker reports it, asking not to be retried before `retryAfterMs`. */
function throttled(retryAfterMs: unknown, extra: Partial<FailureInfo> = {}): FailureInfo {
  return { name: "HttpError", message: "HTTP 429", code: "http_429", retryAfterMs: retryAfterMs as number, ...extra };
}

/** The delay of the latest retry event. */
function delayAfter(h: Harness): number {
  const retry = eventsOf(h.events, "task", "retry").at(-1);
  if (!retry) throw new Error("no retry event");
  return (retry.data as { delayMs: number }).delayMs;
}

describe("retryAfterMs (a failure's own earliest retry)", () => {
  it("is a floor under the policy's delay: the retry waits at least that long", () => {
    const h = new Harness(graph([task("q", "QueueEcho", policy({ maxAttempts: 2, backoff: "fixed", initialDelayMs: 100 }))]));
    h.start();
    h.fail("q", throttled(5000));
    expect(delayAfter(h)).toBe(5000);
    expect(h.timers.get("retry:q:2")).toBe(h.now + 5000);
    expect(h.runner.taskState("q")).toMatchObject({ status: "PENDING", retryAt: h.now + 5000 });
    // Clients never see it: the error in events and rows is { name, message, code }.
    expect(eventsOf(h.events, "task", "retry")[0].data?.error).toEqual({ name: "HttpError", message: "HTTP 429", code: "http_429" });
    h.fire("retry:q:2");
    expect(h.open.get("q")?.attempt).toBe(2);
  });

  it("leaves a longer policy delay alone (jittered as usual)", () => {
    const h = new Harness(graph([task("q", "QueueEcho", policy({ maxAttempts: 2, backoff: "fixed", initialDelayMs: 10_000 }))]));
    h.start();
    h.fail("q", throttled(1000));
    expect(delayAfter(h)).toBeGreaterThanOrEqual(8000);
    expect(delayAfter(h)).toBeLessThanOrEqual(12_000);
  });

  it("does not make a task retry that would not (permanent error, no attempts left)", () => {
    const perm = new Harness(graph([task("q", "QueueEcho", policy({ maxAttempts: 3 }))]));
    perm.start();
    perm.fail("q", throttled(10, { permanent: true }));
    expect(perm.runner.status).toBe("FAILED");
    const once = new Harness(graph([task("q", "QueueEcho")]));
    once.start();
    once.fail("q", throttled(10));
    expect(once.runner.status).toBe("FAILED");
    expect(eventsOf(once.events, "task", "retry")).toEqual([]);
  });

  it("ignores malformed values and caps huge ones at one day", () => {
    for (const v of [undefined, null, -5, 0, Number.NaN, "5000", {}]) expect(retryAfterFloor(v), String(v)).toBe(0);
    expect(retryAfterFloor(1.2)).toBe(2);
    expect(retryAfterFloor(Number.POSITIVE_INFINITY)).toBe(MAX_RETRY_AFTER_MS);
    const h = new Harness(graph([task("q", "QueueEcho", policy({ maxAttempts: 2, backoff: "fixed", initialDelayMs: 100 }))]));
    h.start();
    h.fail("q", throttled(30 * 86_400_000));
    expect(delayAfter(h)).toBe(MAX_RETRY_AFTER_MS);
  });

  it("comes from a thrown TaskError through runGraph", async () => {
    const Throttled = defineTask({
      type: "Throttled",
      title: "Throttled",
      category: "Test",
      execution: "inline",
      input: Type.Object({}),
      output: Type.Object({ attempt: Type.Number() }),
      run: (_input, ctx) => {
        if (ctx.attempt === 1) throw new TaskError("slow down", { name: "HttpError", code: "http_429", retryAfterMs: 42_000 });
        return { attempt: ctx.attempt };
      },
    });
    const r = await runGraph(graph([task("t", "Throttled", policy({ maxAttempts: 2, initialDelayMs: 10 }))]), {}, createRegistry([Throttled]), { startTime: 0 });
    expect(r.status).toBe("COMPLETED");
    expect(r.output).toEqual({ attempt: 2 });
    expect(eventsOf(r.events, "task", "retry")[0].data?.delayMs).toBe(42_000);
    const second = eventsOf(r.events, "task", "start")[1];
    expect(Date.parse(second.ts)).toBe(42_000);
  });
});

describe("Fetch honouring Retry-After in a run", () => {
  let hits = 0;
  const server = new TestServer({
    "/limited": (_req, res) => {
      hits++;
      if (hits === 1) res.writeHead(429, { "content-type": "application/json", "retry-after": "7" }).end('{"error":"slow down"}');
      else res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    },
  });
  beforeAll(() => server.start());
  afterAll(() => server.stop());

  it("waits the server's Retry-After before the second attempt", async () => {
    const registry = createRegistry([], { fetch: { allowHosts: ["127.0.0.1"] } });
    const g = graph([task("f", "Fetch", { defaults: { url: `${server.origin}/limited` }, config: { allowHosts: ["127.0.0.1"], retry: { maxAttempts: 3, initialDelayMs: 100 } } })]);
    const r = await runGraph(g, {}, registry, { startTime: 0 });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe("COMPLETED");
    expect(r.output).toMatchObject({ status: 200, body: { ok: true } });
    expect(hits).toBe(2);
    expect(eventsOf(r.events, "task", "retry").map((e) => e.data?.delayMs)).toEqual([7000]);
  });
});
