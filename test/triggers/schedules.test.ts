import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { nextFireAfter, parseCron } from "../../src/core/cron";
import { runDueSchedules } from "../../src/scheduled";
import { call, createGraphViaApi, greetGraph, pollRun, problem } from "../api/helpers";

async function createSchedule(graphId: string, body: Record<string, unknown>) {
  const res = await call(`/graphs/${graphId}/schedules`, { json: body });
  if (res.status !== 201) throw new Error(`schedule creation failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as any;
}

/** Makes a schedule due at `due` (ms), as if its time had come. */
async function makeDue(id: string, due: number) {
  await env.DB.prepare("update schedules set next_fire_at = ? where id = ?").bind(due, id).run();
}

async function runsOf(graphId: string): Promise<{ id: string; trigger: string }[]> {
  const { results } = await env.DB.prepare("select id, trigger from runs where graph_id = ? order by created_at").bind(graphId).all<{ id: string; trigger: string }>();
  return results;
}

const minute = (ms: number) => Math.floor(ms / 60_000) * 60_000;

describe("schedule routes", () => {
  it("creates a schedule with its next fire in UTC, lists, reads and deletes it", async () => {
    const graph = await createGraphViaApi(greetGraph());
    const before = Date.now();
    const res = await call(`/graphs/${graph.id}/schedules`, { json: { cron: "*/5 * * * *", input: { name: "Ada" } } });
    expect(res.status).toBe(201);
    const schedule = (await res.json()) as any;
    expect(res.headers.get("Location")).toBe(`/schedules/${schedule.id}`);
    expect(schedule).toMatchObject({ graphId: graph.id, cron: "*/5 * * * *", timezone: "UTC", input: { name: "Ada" }, enabled: true, lastFireAt: null, lastRunId: null, lastError: null });
    const next = Date.parse(schedule.nextFireAt);
    expect(next).toBe(nextFireAfter(parseCron("*/5 * * * *"), Date.parse(schedule.createdAt)));
    expect(next).toBeGreaterThan(before);
    expect(new Date(next).getUTCMinutes() % 5).toBe(0);

    const list = (await (await call(`/graphs/${graph.id}/schedules`)).json()) as any;
    expect(list.items.map((s: any) => s.id)).toEqual([schedule.id]);
    expect(((await (await call(`/schedules/${schedule.id}`)).json()) as any).id).toBe(schedule.id);
    expect((await call(`/schedules/${schedule.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await call(`/schedules/${schedule.id}`)).status).toBe(404);
    expect((await call(`/schedules/${schedule.id}`, { method: "DELETE" })).status).toBe(404);
  });

  it.each([
    ["", /empty/],
    ["* * * *", /5 fields/],
    ["61 * * * *", /minute/],
    ["* * * * MONDAY", /not a value/],
    ["0 0 30 2 *", /never fires/],
    ["@reboot", /nickname/],
    ["*/0 * * * *", /step/],
  ])("refuses the cron %j with 400 pointing at /cron", async (cron, message) => {
    const graph = await createGraphViaApi(greetGraph());
    const res = await call(`/graphs/${graph.id}/schedules`, { json: { cron } });
    const p = await problem(res);
    if (cron === "") {
      expect(p.status).toBe(422); // the schema already refuses an empty string
      return;
    }
    expect(p.status).toBe(400);
    expect(p.errors?.[0].path).toBe("/cron");
    expect(p.errors?.[0].message).toMatch(message);
  });

  it("refuses an input that does not fit the graph (400), other time zones and bad fields (422), unknown graphs (404)", async () => {
    const graph = await createGraphViaApi(greetGraph());
    const misfit = await problem(await call(`/graphs/${graph.id}/schedules`, { json: { cron: "@hourly", input: { template: 5 } } }));
    expect(misfit.status).toBe(400);
    expect(misfit.errors?.[0].path).toBe("/input/template");
    for (const body of [{ cron: "@hourly", timezone: "Europe/Paris" }, { cron: 5 }, { cron: "@hourly", input: [1] }, { cron: "@hourly", extra: true }, {}]) {
      expect((await call(`/graphs/${graph.id}/schedules`, { json: body })).status, JSON.stringify(body)).toBe(422);
    }
    expect((await call("/graphs/g_missing/schedules", { json: { cron: "@hourly" } })).status).toBe(404);
    expect((await call("/graphs/g_missing/schedules")).status).toBe(404);
  });

  it("disables and re-enables a schedule, and changes its cron", async () => {
    const graph = await createGraphViaApi(greetGraph());
    const schedule = await createSchedule(graph.id, { cron: "0 * * * *", input: { name: "x" }, enabled: false });
    expect(schedule.enabled).toBe(false);
    expect(schedule.nextFireAt).toBeNull();
    const enabled = (await (await call(`/schedules/${schedule.id}`, { method: "PATCH", json: { enabled: true } })).json()) as any;
    expect(enabled.enabled).toBe(true);
    expect(new Date(enabled.nextFireAt).getUTCMinutes()).toBe(0);
    const recron = (await (await call(`/schedules/${schedule.id}`, { method: "PATCH", json: { cron: "30 12 * * *" } })).json()) as any;
    expect(recron.cron).toBe("30 12 * * *");
    expect(new Date(recron.nextFireAt).toISOString()).toMatch(/T12:30:00\.000Z$/);
    const off = (await (await call(`/schedules/${schedule.id}`, { method: "PATCH", json: { enabled: false } })).json()) as any;
    expect(off.nextFireAt).toBeNull();
    expect((await problem(await call(`/schedules/${schedule.id}`, { method: "PATCH", json: { cron: "nope" } }))).status).toBe(400);
    expect((await problem(await call(`/schedules/${schedule.id}`, { method: "PATCH", json: { input: { template: 1 } } }))).status).toBe(400);
  });
});

describe("the scheduled handler", () => {
  // The handler serves every due schedule in the database: start each test from none.
  beforeEach(async () => {
    await env.DB.prepare("delete from schedules").run();
  });

  it("starts a due schedule's run once, and moves its next fire forward", async () => {
    const graph = await createGraphViaApi(greetGraph());
    const schedule = await createSchedule(graph.id, { cron: "* * * * *", input: { name: "Cron" } });
    const due = minute(Date.now()) - 60_000;
    await makeDue(schedule.id, due);
    const now = due + 60_000;
    await worker.scheduled(createScheduledController({ scheduledTime: now, cron: "* * * * *" }), env);

    const runs = await runsOf(graph.id);
    expect(runs).toHaveLength(1);
    expect(runs[0].trigger).toBe("schedule");
    const run = await pollRun(runs[0].id, (r) => r.status === "COMPLETED");
    expect(run.output).toEqual({ text: "HELLO, CRON!" });
    const after = (await (await call(`/schedules/${schedule.id}`)).json()) as any;
    expect(after.lastRunId).toBe(runs[0].id);
    expect(Date.parse(after.lastFireAt)).toBe(due);
    expect(Date.parse(after.nextFireAt)).toBe(now + 60_000);

    // The same invocation again (a retry): nothing is due any more.
    await worker.scheduled(createScheduledController({ scheduledTime: now, cron: "* * * * *" }), env);
    expect(await runsOf(graph.id)).toHaveLength(1);
  });

  it("fires at most once when two invocations run at the same time", async () => {
    const graph = await createGraphViaApi(greetGraph());
    const schedules = await Promise.all([1, 2, 3].map((i) => createSchedule(graph.id, { cron: "*/10 * * * *", input: { name: `s${i}` } })));
    const due = minute(Date.now()) - 120_000;
    for (const s of schedules) await makeDue(s.id, due);
    const now = minute(Date.now());
    const [a, b, c] = await Promise.all([runDueSchedules(env, now), runDueSchedules(env, now), runDueSchedules(env, now)]);
    // Each of the three fires was claimed by exactly one invocation.
    expect(a.fired + b.fired + c.fired).toBe(3);
    const runs = await runsOf(graph.id);
    expect(runs).toHaveLength(3);
    const inputs = await Promise.all(runs.map(async (r) => ((await (await call(`/runs/${r.id}`)).json()) as any).input.name));
    expect(inputs.sort()).toEqual(["s1", "s2", "s3"]);
  });

  it("also holds through the Worker's scheduled handler invoked twice concurrently", async () => {
    const graph = await createGraphViaApi(greetGraph());
    const schedule = await createSchedule(graph.id, { cron: "* * * * *", input: { name: "twice" } });
    const due = minute(Date.now());
    await makeDue(schedule.id, due);
    const controller = () => createScheduledController({ scheduledTime: due, cron: "* * * * *" });
    await Promise.all([worker.scheduled(controller(), env), worker.scheduled(controller(), env)]);
    expect(await runsOf(graph.id)).toHaveLength(1);
  });

  it("collapses missed fires into one and schedules the next from now", async () => {
    const graph = await createGraphViaApi(greetGraph());
    const schedule = await createSchedule(graph.id, { cron: "* * * * *", input: { name: "late" } });
    const now = minute(Date.now());
    await makeDue(schedule.id, now - 6 * 3600_000);
    const report = await runDueSchedules(env, now);
    expect(report.fired).toBeGreaterThanOrEqual(1);
    expect(await runsOf(graph.id)).toHaveLength(1);
    expect(Date.parse(((await (await call(`/schedules/${schedule.id}`)).json()) as any).nextFireAt)).toBe(now + 60_000);
  });

  it("leaves disabled and not-yet-due schedules alone", async () => {
    const graph = await createGraphViaApi(greetGraph());
    const later = await createSchedule(graph.id, { cron: "* * * * *", input: { name: "later" } });
    const off = await createSchedule(graph.id, { cron: "* * * * *", input: { name: "off" }, enabled: false });
    const now = minute(Date.now());
    await makeDue(later.id, now + 60_000);
    await env.DB.prepare("update schedules set next_fire_at = ? where id = ?").bind(now - 60_000, off.id).run(); // enabled = 0
    await runDueSchedules(env, now);
    expect(await runsOf(graph.id)).toHaveLength(0);
  });

  it("records why a fire could not start, and disables a schedule whose graph was deleted", async () => {
    const graph = await createGraphViaApi(greetGraph());
    const schedule = await createSchedule(graph.id, { cron: "* * * * *", input: { name: "gone" } });
    expect((await call(`/graphs/${graph.id}`, { method: "DELETE" })).status).toBe(204);
    const now = minute(Date.now());
    await makeDue(schedule.id, now);
    await runDueSchedules(env, now);
    const after = (await (await call(`/schedules/${schedule.id}`)).json()) as any;
    expect(after.lastError).toMatchObject({ name: "ScheduleFireError", code: "not-found" });
    expect(after.enabled).toBe(false);
    expect(after.nextFireAt).toBeNull();
  });
});
