import { describe, expect, it } from "vitest";
import { SMALL_BODY_BYTES } from "../../src/api/body";
import { SCHEDULE_BODY_BYTES } from "../../src/api/routes/schedules";
import { DEFAULT_LIMITS } from "../../src/core/limits";
import { call, createGraphViaApi, greetGraph, problem } from "../api/helpers";
import { createHook } from "./helpers";

/** A JSON object body of exactly `bytes` bytes. */
function jsonOf(bytes: number): string {
  const shell = '{"pad":""}';
  return `{"pad":"${"x".repeat(bytes - shell.length)}"}`;
}

describe("every trigger route with a body has a size limit (413 past it)", () => {
  it.each([
    ["POST /graphs/:id/hooks", SMALL_BODY_BYTES],
    ["POST /hooks/:hookId/rotate", SMALL_BODY_BYTES],
    ["POST /hooks/:hookId", DEFAULT_LIMITS.maxRunInputBytes],
    ["PUT /endpoints/:slug", SMALL_BODY_BYTES],
    ["POST /endpoints/:slug/rotate", SMALL_BODY_BYTES],
    ["POST /endpoints/:slug", DEFAULT_LIMITS.maxRunInputBytes],
    ["POST /graphs/:id/schedules", SCHEDULE_BODY_BYTES],
    ["PATCH /schedules/:scheduleId", SCHEDULE_BODY_BYTES],
  ])("%s: %i bytes", async (route, limit) => {
    const graph = await createGraphViaApi(greetGraph());
    const hook = await createHook(graph.id);
    const slug = `limits-${crypto.randomUUID().slice(0, 8)}`;
    const endpoint = (await (await call(`/endpoints/${slug}`, { method: "PUT", json: { graphId: graph.id, auth: "hmac" } })).json()) as any;
    expect(endpoint.slug).toBe(slug);
    const schedule = (await (await call(`/graphs/${graph.id}/schedules`, { json: { cron: "@daily", input: { name: "x" } } })).json()) as any;
    const [method, pattern] = route.split(" ");
    const path = pattern.replace(":id", graph.id).replace(":hookId", hook.id).replace(":slug", slug).replace(":scheduleId", schedule.id);

    // Past the limit: 413, whether or not the length is declared (a chunked body is counted as it streams).
    const over = jsonOf(limit + 1);
    const declared = await call(path, { method, body: over, headers: { "Content-Type": "application/json" } });
    expect((await problem(declared)).status).toBe(413);
    const stream = new ReadableStream({
      start(controller) {
        const bytes = new TextEncoder().encode(over);
        for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.slice(i, i + 64 * 1024));
        controller.close();
      },
    });
    const chunked = await call(path, { method, body: stream, headers: { "Content-Type": "application/json" } });
    expect((await problem(chunked)).status).toBe(413);

    // At the limit the body is read: whatever the answer, it is not 413.
    const at = await call(path, { method, body: jsonOf(limit), headers: { "Content-Type": "application/json" } });
    expect(at.status).not.toBe(413);
  });
});
