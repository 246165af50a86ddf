import type { Context } from "hono";
import type { MergeStrategy } from "../../core/graph/schema";
import { schemaErrors } from "../../core/graph/schema-errors";
import { createDb } from "../../db/client";
import { bodyHash } from "../../db/idempotency";
import { getRunIndex, listRuns, type RunIndexEntry } from "../../db/runs";
import type { RunView } from "../../durable/protocol";
import { runStub } from "../../queue/messages";
import { readJsonBody } from "../body";
import { listParams } from "../list-params";
import {
  CreateRunBodySchema,
  CreateRunQuery,
  IdempotencyHeaders,
  RunEventsQuery,
  RunEventsSchema,
  RunListQuery,
  RunPageSchema,
  RunSchema,
  RunSocketQuery,
  RunStatsSchema,
  RunValueQuery,
  RunValueSchema,
  SignalBodySchema,
  SignalResultSchema,
  TicketSchema,
} from "../schemas/run";
import { HttpProblem } from "../problem";
import type { RouteTable } from "../route-table";
import { ticketSecret } from "../auth";
import { startRun } from "../start-run";
import { mintTicket } from "../tickets";
import type { ApiDeps, AppEnv } from "../types";

const RUN_STATUSES = ["PENDING", "PROCESSING", "PAUSED", "COMPLETED", "FAILED", "ABORTED"];
const TERMINAL = new Set(["COMPLETED", "FAILED", "ABORTED"]);
/** SPEC §8: `?wait` above 60 s is clamped. */
const MAX_WAIT_S = 60;
const DEFAULT_EVENTS_LIMIT = 1000;
const MAX_EVENTS_LIMIT = 10_000;
const MAX_SIGNAL_BYTES = 256 * 1024;

/*
 * Runs (SPEC §5, §8): start (with Idempotency-Key and ?wait), list from the D1 index, read and
 * control through the run's Durable Object, the event log, signals, values passed by reference.
 */
export function registerRunRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.post(
    "/graphs/:id/runs",
    {
      scope: "run",
      summary: "Start a run of the graph's latest version",
      tags: ["runs"],
      body: CreateRunBodySchema,
      query: CreateRunQuery,
      headers: IdempotencyHeaders,
      responses: {
        201: { description: "The run was created", schema: RunSchema, headers: { Location: "The run's URL" } },
        200: { description: "With ?wait: the run finished in time; or an Idempotency-Key matched an earlier run", schema: RunSchema },
        202: { description: "With ?wait: the run is still going", schema: RunSchema, headers: { Location: "The run's URL" } },
      },
      problems: [400, 409, 413, 415],
    },
    async (c) => {
    const wait = waitSeconds(c.req.query("wait"));
    const body = await readJsonBody(c.req.raw, deps.limits.maxRunInputBytes);
    const { input, merge } = runRequest(body);
    const key = c.req.header("Idempotency-Key");
    if (key !== undefined && (key.length === 0 || key.length > 255)) throw new HttpProblem("malformed-request", "Idempotency-Key must be 1 to 255 characters.");
    const graphId = c.req.param("id");
    const started = await startRun(c.env, deps, {
      graphId,
      input,
      ...(merge ? { merge } : {}),
      trigger: "api",
      ...(key ? { idempotency: { scope: `graph:${graphId}`, key, bodyHash: await bodyHash(JSON.stringify(body)) } } : {}),
    });
    let run = started.run;
    if (wait > 0 && !TERMINAL.has(run.status)) run = await runStub(c.env, run.id).waitForEnd(wait * 1000);
    const location = { Location: `/runs/${run.id}` };
    if (!started.created) return c.json(run, 200, location);
    if (wait > 0) return c.json(run, TERMINAL.has(run.status) ? 200 : 202, location);
    return c.json(run, 201, location);
  });

  routes.get("/runs", { scope: "read", summary: "List runs from the run index, newest first", tags: ["runs"], query: RunListQuery, responses: { 200: { description: "A page of runs", schema: RunPageSchema } } }, async (c) => {
    const status = c.req.query("status");
    if (status !== undefined && !RUN_STATUSES.includes(status)) {
      throw new HttpProblem("malformed-request", `status must be one of ${RUN_STATUSES.join(", ")}; got ${JSON.stringify(status.slice(0, 32))}.`);
    }
    const graphId = c.req.query("graphId");
    const page = await listRuns(createDb(c.env.DB), { ...listParams(c), ...(status ? { status } : {}), ...(graphId ? { graphId } : {}) });
    return c.json({ items: page.items.map(indexJson), nextCursor: page.nextCursor });
  });

  routes.get("/runs/:id", { scope: "read", summary: "A run with every task's status", tags: ["runs"], responses: { 200: { description: "The run", schema: RunSchema } } }, async (c) => {
    await requireRun(c);
    return c.json(await runStub(c.env, c.req.param("id")).view());
  });

  routes.get("/runs/:id/events", { scope: "read", summary: "The run's event log, in order", tags: ["runs"], query: RunEventsQuery, responses: { 200: { description: "Events with seq > after", schema: RunEventsSchema } } }, async (c) => {
    const after = intParam(c.req.query("after"), "after", 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = intParam(c.req.query("limit"), "limit", DEFAULT_EVENTS_LIMIT, 1, Number.MAX_SAFE_INTEGER);
    await requireRun(c);
    const events = await runStub(c.env, c.req.param("id")).events(after, Math.min(limit, MAX_EVENTS_LIMIT));
    return c.json({ events });
  });

  routes.get("/runs/:id/stats", { scope: "read", summary: "Counters of the run's object (writes, queue sends, sockets)", tags: ["runs"], responses: { 200: { description: "Counters since the object last started", schema: RunStatsSchema } } }, async (c) => {
    await requireRun(c);
    return c.json(await runStub(c.env, c.req.param("id")).stats());
  });

  routes.get("/runs/:id/values", { scope: "read", summary: "A value an event carried by reference (data.ref)", tags: ["runs"], query: RunValueQuery, responses: { 200: { description: "The value", schema: RunValueSchema } } }, async (c) => {
    const ref = c.req.query("ref");
    if (!ref) throw new HttpProblem("malformed-request", "Query parameter ref is required (a data.ref.ref from an event).");
    await requireRun(c);
    const found = await runStub(c.env, c.req.param("id")).value(ref);
    if (!found.found) throw new HttpProblem("not-found", `Run ${c.req.param("id")} has no value ${JSON.stringify(ref.slice(0, 256))}.`);
    return c.json({ ref, value: found.value ?? null });
  });

  for (const action of ["cancel", "pause", "resume", "retry"] as const) {
    routes.post(`/runs/:id/${action}`, { scope: "run", summary: `${action[0].toUpperCase()}${action.slice(1)} the run`, tags: ["runs"], responses: { 200: { description: "The run after the transition", schema: RunSchema } }, problems: [409] }, async (c) => {
      await requireRun(c);
      const result = await runStub(c.env, c.req.param("id")).control(action);
      if (!result.ok) throw new HttpProblem("conflict", result.detail);
      return c.json(result.run);
    });
  }

  routes.post("/runs/:id/ticket", { scope: "read", summary: "A 60-second ticket for ?token= on the run's WebSocket", tags: ["runs"], responses: { 200: { description: "The ticket", schema: TicketSchema } } }, async (c) => {
    await requireRun(c);
    const secret = ticketSecret(c.env);
    if (!secret) throw new HttpProblem("conflict", "Tickets need TICKET_SECRET or ADMIN_TOKEN to be set on the Worker.");
    return c.json(await mintTicket(secret, c.req.param("id")));
  });

  routes.get(
    "/runs/:id/ws",
    {
      scope: "read",
      acceptsQueryToken: true,
      summary: "WebSocket: the run's events as { events: [...] } frames, replayed after ?after, then live",
      tags: ["runs"],
      query: RunSocketQuery,
      responses: { 101: { description: "Switching protocols" } },
      problems: [426],
    },
    async (c) => {
    const principal = c.get("principal");
    if (principal.kind === "ticket" && principal.runId !== c.req.param("id")) {
      throw new HttpProblem("forbidden", "This ticket was issued for another run.");
    }
    const after = intParam(c.req.query("after"), "after", 0, 0, Number.MAX_SAFE_INTEGER);
    await requireRun(c);
    if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
      throw new HttpProblem("upgrade-required", "This route is a WebSocket: send Upgrade: websocket.", { headers: { Upgrade: "websocket" } });
    }
    const url = new URL(c.req.url);
    url.search = `?after=${after}`;
    return runStub(c.env, c.req.param("id")).fetch(new Request(url, c.req.raw));
  });

  routes.post("/runs/:id/signals/:name", { scope: "run", summary: "Deliver a signal to WaitForSignal tasks", tags: ["runs"], body: SignalBodySchema, responses: { 202: { description: "Stored; delivered says whether a waiting task took it now", schema: SignalResultSchema } }, problems: [409, 413] }, async (c) => {
    const name = c.req.param("name");
    if (name.length > 128) throw new HttpProblem("malformed-request", "A signal name is at most 128 characters.");
    const payload = c.req.header("Content-Length") === "0" || !c.req.raw.body ? null : await readJsonBody(c.req.raw, MAX_SIGNAL_BYTES);
    await requireRun(c);
    const result = await runStub(c.env, c.req.param("id")).signal(name, payload);
    if (!result.ok) throw new HttpProblem("conflict", `Run ${c.req.param("id")} is ${result.status}; it takes no more signals.`);
    return c.json({ delivered: result.delivered }, 202);
  });
}

async function requireRun(c: Context<AppEnv>): Promise<RunIndexEntry> {
  const entry = await getRunIndex(createDb(c.env.DB), c.req.param("id") ?? "");
  if (!entry) throw new HttpProblem("not-found", `There is no run ${c.req.param("id")}.`);
  return entry;
}

/** The run request, checked against the same schema the OpenAPI document shows. */
function runRequest(body: unknown): { input: unknown; merge?: MergeStrategy } {
  const errors = schemaErrors(CreateRunBodySchema, body, "");
  if (errors.length) throw new HttpProblem("malformed-request", `The run request is not valid: ${errors.map((e) => `${e.path || "/"} ${e.message}`).join("; ")}.`, { errors });
  const b = body as { input?: Record<string, unknown>; merge?: MergeStrategy };
  return { input: b.input ?? {}, ...(b.merge ? { merge: b.merge } : {}) };
}

function waitSeconds(raw: string | undefined): number {
  if (raw === undefined || raw === "") return 0;
  if (!/^\d{1,9}(\.\d+)?$/.test(raw)) throw new HttpProblem("malformed-request", `wait must be a number of seconds (at most ${MAX_WAIT_S}); got ${JSON.stringify(raw.slice(0, 32))}.`);
  return Math.min(Number(raw), MAX_WAIT_S);
}

function intParam(raw: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d{1,16}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new HttpProblem("malformed-request", `${name} must be an integer ≥ ${min}; got ${JSON.stringify(raw.slice(0, 32))}.`);
  }
  return Number(raw);
}

/** A run index row as `GET /runs` lists it (no task list: that lives in the run's object). */
function indexJson(e: RunIndexEntry): Omit<RunView, "tasks" | "input" | "progress"> {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: e.id,
    graphId: e.graphId,
    graphVersion: e.graphVersion,
    status: e.status,
    trigger: e.trigger as RunView["trigger"],
    output: e.output,
    error: e.error,
    createdAt: iso(e.createdAt) as string,
    startedAt: iso(e.startedAt),
    completedAt: iso(e.completedAt),
  };
}
