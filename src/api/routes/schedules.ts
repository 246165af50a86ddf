import type { Context } from "hono";
import { CronError, type CronSchedule, nextFireAfter, parseCron } from "../../core/cron";
import { validateRunInput } from "../../core/graph/run-input";
import { createDb } from "../../db/client";
import { getGraph, getLatestVersion } from "../../db/graphs";
import { newId } from "../../db/ids";
import { type ScheduleRecord, deleteSchedule, getSchedule, insertSchedule, listSchedules, updateSchedule } from "../../db/schedules";
import { readJsonBody } from "../body";
import { checkBody } from "../check-body";
import { listParams } from "../list-params";
import { HttpProblem } from "../problem";
import type { RouteTable } from "../route-table";
import { ListQuery } from "../schemas/common";
import { CreateScheduleBodySchema, SchedulePageSchema, ScheduleSchema, UpdateScheduleBodySchema } from "../schemas/schedule";
import type { ApiDeps, AppEnv } from "../types";

/** A schedule's body holds its run input, which lives in one D1 row: kept well under D1's limits. */
export const SCHEDULE_BODY_BYTES = 256 * 1024;

/*
 * Cron schedules on graphs (SPEC §5). The Worker's `scheduled` handler (src/scheduled.ts) starts
 * the due ones, each fire at most once. Expressions are evaluated in UTC (the only time zone
 * supported). A cron that does not parse, or never fires, and an input that does not fit the
 * graph are 400 with the field's path, like a run input that does not fit.
 */
export function registerScheduleRoutes(routes: RouteTable, deps: ApiDeps): void {
  const now = deps.clock ?? Date.now;

  routes.post(
    "/graphs/:id/schedules",
    {
      scope: "admin",
      summary: "Schedule runs of a graph with a cron expression (UTC)",
      tags: ["schedules"],
      body: CreateScheduleBodySchema,
      responses: { 201: { description: "The schedule", schema: ScheduleSchema, headers: { Location: "The schedule's URL." } } },
    },
    async (c) => {
      const body = checkBody(CreateScheduleBodySchema, await readJsonBody(c.req.raw, SCHEDULE_BODY_BYTES), 'A schedule needs a "cron" expression; "input", "timezone" ("UTC") and "enabled" are optional.');
      const graphId = c.req.param("id");
      const input = body.input ?? {};
      const enabled = body.enabled ?? true;
      const at = now();
      const cron = parseCronField(body.cron);
      const nextFireAt = firstFire(cron, at);
      await requireFittingInput(c, deps, graphId, input);
      const record: ScheduleRecord = {
        id: newId("sch"),
        graphId,
        cron: cron.expression,
        timezone: "UTC",
        input,
        enabled,
        nextFireAt: enabled ? nextFireAt : null,
        lastFireAt: null,
        lastRunId: null,
        lastError: null,
        createdAt: at,
        updatedAt: at,
      };
      await insertSchedule(createDb(c.env.DB), record);
      return c.json(scheduleJson(record), 201, { Location: `/schedules/${record.id}` });
    },
  );

  routes.get(
    "/graphs/:id/schedules",
    { scope: "admin", summary: "List a graph's schedules", tags: ["schedules"], query: ListQuery, responses: { 200: { description: "A page of schedules", schema: SchedulePageSchema } } },
    async (c) => {
      const db = createDb(c.env.DB);
      const graphId = c.req.param("id");
      const page = await listSchedules(db, graphId, listParams(c));
      if (page.items.length === 0 && (await getLatestVersion(db, graphId)) === null) throw new HttpProblem("not-found", `There is no graph ${graphId}.`);
      return c.json({ items: page.items.map(scheduleJson), nextCursor: page.nextCursor });
    },
  );

  routes.get(
    "/schedules/:scheduleId",
    { scope: "admin", summary: "Read a schedule", tags: ["schedules"], responses: { 200: { description: "The schedule", schema: ScheduleSchema } } },
    async (c) => c.json(scheduleJson(await requireSchedule(c))),
  );

  routes.patch(
    "/schedules/:scheduleId",
    {
      scope: "admin",
      summary: "Change a schedule's cron, input, or enable/disable it",
      tags: ["schedules"],
      body: UpdateScheduleBodySchema,
      responses: { 200: { description: "The schedule", schema: ScheduleSchema } },
      problems: [409],
    },
    async (c) => {
      const body = checkBody(UpdateScheduleBodySchema, await readJsonBody(c.req.raw, SCHEDULE_BODY_BYTES), 'A schedule update takes "cron", "input" and "enabled", each optional.');
      const schedule = await requireSchedule(c);
      const at = now();
      const cron = parseCronField(body.cron ?? schedule.cron);
      const input = body.input ?? schedule.input;
      const enabled = body.enabled ?? schedule.enabled;
      if (body.input) await requireFittingInput(c, deps, schedule.graphId, input);
      // A new cron, or enabling, starts counting from now; otherwise the pending fire stays.
      const recompute = body.cron !== undefined || (enabled && !schedule.enabled) || schedule.nextFireAt === null;
      const nextFireAt = !enabled ? null : recompute ? firstFire(cron, at) : schedule.nextFireAt;
      const fields = { cron: cron.expression, input, enabled, nextFireAt };
      if (!(await updateSchedule(createDb(c.env.DB), schedule.id, schedule, fields, Math.max(at, schedule.updatedAt + 1)))) {
        throw new HttpProblem("conflict", `Schedule ${schedule.id} changed meanwhile (it may just have fired); read it again and retry.`);
      }
      return c.json(scheduleJson({ ...schedule, ...fields, updatedAt: Math.max(at, schedule.updatedAt + 1) }));
    },
  );

  routes.delete("/schedules/:scheduleId", { scope: "admin", summary: "Delete a schedule", tags: ["schedules"], responses: { 204: { description: "Deleted" } } }, async (c) => {
    if (!(await deleteSchedule(createDb(c.env.DB), c.req.param("scheduleId")))) throw notFound(c.req.param("scheduleId"));
    return c.body(null, 204);
  });
}

function parseCronField(expression: string): CronSchedule {
  try {
    return parseCron(expression);
  } catch (err) {
    if (!(err instanceof CronError)) throw err;
    throw new HttpProblem("malformed-request", `The cron expression is not valid: ${err.message}.`, { errors: [{ path: "/cron", message: err.message }] });
  }
}

function firstFire(cron: CronSchedule, at: number): number {
  const next = nextFireAfter(cron, at);
  if (next === null) {
    throw new HttpProblem("malformed-request", "The cron expression does not fire in the next years.", { errors: [{ path: "/cron", message: "never fires" }] });
  }
  return next;
}

/** 404 for a missing graph; 400 with `/input/…` paths when the input does not fit its root tasks (as a run would be). */
async function requireFittingInput(c: Context<AppEnv>, deps: ApiDeps, graphId: string, input: Record<string, unknown>): Promise<void> {
  const graph = await getGraph(createDb(c.env.DB), graphId);
  if (!graph) throw new HttpProblem("not-found", `There is no graph ${graphId}.`);
  const errors = validateRunInput(graph, input, deps.registry);
  if (errors.length) throw new HttpProblem("malformed-request", `The schedule's input does not fit graph ${graphId}: ${errors.length} problem(s).`, { errors });
}

function notFound(id: string): HttpProblem {
  return new HttpProblem("not-found", `There is no schedule ${JSON.stringify(id.slice(0, 128))}.`);
}

async function requireSchedule(c: Context<AppEnv>): Promise<ScheduleRecord> {
  const id = c.req.param("scheduleId") ?? "";
  const schedule = await getSchedule(createDb(c.env.DB), id);
  if (!schedule) throw notFound(id);
  return schedule;
}

const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function scheduleJson(s: ScheduleRecord) {
  return {
    id: s.id,
    graphId: s.graphId,
    cron: s.cron,
    timezone: s.timezone,
    input: s.input,
    enabled: s.enabled,
    nextFireAt: isoOrNull(s.nextFireAt),
    lastFireAt: isoOrNull(s.lastFireAt),
    lastRunId: s.lastRunId,
    lastError: s.lastError,
    createdAt: new Date(s.createdAt).toISOString(),
    updatedAt: new Date(s.updatedAt).toISOString(),
  };
}
