import { Type } from "@sinclair/typebox";
import type { Context } from "hono";
import { applyPatch } from "../../core/graph/patch";
import { GraphPatchSchema, MAX_PATCH_OPS } from "../../core/graph/patch-ops";
import type { Graph } from "../../core/graph/schema";
import { type ValidationError, validateGraph } from "../../core/graph/validate";
import { createDb } from "../../db/client";
import { VersionConflictError } from "../../db/errors";
import { TaskTooLargeToStoreError } from "../../db/graph-rows";
import { type GraphRecord, type GraphSummary, type GraphVersionSummary, createGraph, deleteGraph, getGraph, listGraphVersions, listGraphs, updateGraph } from "../../db/graphs";
import { readJsonBody } from "../body";
import { parseIfMatch, versionETag } from "../etag";
import { notifyDeleted, notifyPatched, notifyReplaced } from "../graph-editors";
import { listParams } from "../list-params";
import { HttpProblem } from "../problem";
import type { RouteTable } from "../route-table";
import { ListQuery } from "../schemas/common";
import {
  GraphInputSchema,
  GraphPageSchema,
  GraphResourceSchema,
  GraphValidationResultSchema,
  GraphVersionPageSchema,
} from "../schemas/graph";
import type { ApiDeps, AppEnv } from "../types";
import { registerGraphSocketRoute } from "./graph-ws";

/*
 * Graphs (SPEC §5, §8): validation dry run, create, list, read (latest or a version), version
 * history, replace (PUT) or edit (PATCH) with If-Match, delete, and the editors' WebSocket
 * (graph-ws.ts). Writes need "run", reads "read" (see scopes.ts). Every write that changes the
 * graph is then announced to its editors (graph-editors.ts).
 */
export function registerGraphRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.post(
    "/graphs/validate",
    {
      scope: "read",
      summary: "Validate a graph without storing it",
      body: GraphInputSchema,
      responses: { 200: { description: "Every problem found, each with its JSON Pointer", schema: GraphValidationResultSchema } },
    }, async (c) => {
    const body = await readJsonBody(c.req.raw, deps.limits.maxGraphBytes);
    const result = validateGraph(body, deps.registry, deps.limits);
    return c.json({ valid: result.valid, errors: result.errors });
  });

  routes.post(
    "/graphs",
    {
      scope: "run",
      summary: "Create a graph (version 1)",
      body: GraphInputSchema,
      responses: { 201: { description: "The stored graph", schema: GraphResourceSchema, headers: { ETag: 'The version, quoted: "1"', Location: "/graphs/<id>" } } },
    }, async (c) => {
    const graph = await readValidGraph(c, deps);
    const record = await storing(() => createGraph(createDb(c.env.DB), graph));
    return graphResponse(c, record, 201, { Location: `/graphs/${record.id}` });
  });

  routes.get(
    "/graphs",
    {
      scope: "read",
      summary: "List graphs, newest first",
      query: Type.Composite([ListQuery, Type.Object({ name: Type.Optional(Type.String({ description: "Only graphs with exactly this name." })) })]),
      responses: { 200: { description: "A page of graph summaries", schema: GraphPageSchema } },
    }, async (c) => {
    const name = c.req.query("name");
    const page = await listGraphs(createDb(c.env.DB), { ...listParams(c), ...(name === undefined ? {} : { name }) });
    return c.json({ items: page.items.map(summaryJson), nextCursor: page.nextCursor });
  });

  routes.get(
    "/graphs/:id",
    {
      scope: "read",
      summary: "Read a graph's latest version",
      responses: { 200: { description: "The graph with its tasks and dataflows", schema: GraphResourceSchema, headers: { ETag: 'The version, quoted: "3"' } } },
    }, async (c) => {
    const record = await getGraph(createDb(c.env.DB), c.req.param("id"));
    if (!record) throw graphNotFound(c.req.param("id"));
    return graphResponse(c, record, 200);
  });

  routes.get(
    "/graphs/:id/versions",
    {
      scope: "read",
      summary: "List a graph's versions, newest first",
      query: ListQuery,
      responses: { 200: { description: "A page of version summaries", schema: GraphVersionPageSchema } },
    }, async (c) => {
    const page = await listGraphVersions(createDb(c.env.DB), c.req.param("id"), listParams(c));
    if (!page) throw graphNotFound(c.req.param("id"));
    return c.json({ items: page.items.map(versionSummaryJson), nextCursor: page.nextCursor });
  });

  routes.get(
    "/graphs/:id/versions/:version",
    {
      scope: "read",
      summary: "Read one version of a graph",
      problems: [400],
      responses: { 200: { description: "That version", schema: GraphResourceSchema, headers: { ETag: "The version, quoted" } } },
    }, async (c) => {
    const raw = c.req.param("version");
    const version = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
    if (!(version >= 1)) throw new HttpProblem("malformed-request", `A graph version is a positive integer; got ${JSON.stringify(raw.slice(0, 32))}.`);
    const record = await getGraph(createDb(c.env.DB), c.req.param("id"), { version });
    if (!record) throw new HttpProblem("not-found", `Graph ${c.req.param("id")} has no version ${version}.`);
    return graphResponse(c, record, 200);
  });

  routes.put(
    "/graphs/:id",
    {
      scope: "run",
      summary: "Replace a graph, making a new version",
      body: GraphInputSchema,
      headers: Type.Object({ "If-Match": Type.String({ description: 'The version the change is based on, bare or quoted ("3"), or *.' }) }),
      problems: [412, 428],
      responses: { 200: { description: "The new version", schema: GraphResourceSchema, headers: { ETag: "The new version, quoted" } } },
    }, async (c) => {
    const id = c.req.param("id");
    const ifMatch = parseIfMatch(c.req.header("If-Match"));
    const graph = await readValidGraph(c, deps);
    const record = await storeVersion(c, id, graph, ifMatch === "any" ? undefined : ifMatch);
    await notifyReplaced(c.env, { graphId: id, version: record.version }, storedGraph(record));
    return graphResponse(c, record, 200);
  });

  routes.patch(
    "/graphs/:id",
    {
      scope: "run",
      summary: "Edit a graph with operations, making one new version",
      description:
        "Applies `ops` in order to the latest version — all of them or none — and stores the result as one new version, validated " +
        "like a PUT. addTask appends a task with a new id; replaceTask swaps the whole task of that id in place; removeTask also " +
        "removes every dataflow into or out of the task; addDataflow appends a dataflow between existing tasks; removeDataflow " +
        "names one by its four fields or its derived id. Errors under /ops/… point into this body; errors under /tasks/… and " +
        `/dataflows/… point into the graph the operations produced. At most ${MAX_PATCH_OPS} operations. Editors on ` +
        "GET /graphs/:id/ws receive the version's events as one frame.",
      body: GraphPatchSchema,
      headers: Type.Object({ "If-Match": Type.String({ description: 'The version the operations are based on, bare or quoted ("3"), or *.' }) }),
      problems: [412, 428],
      responses: { 200: { description: "The new version", schema: GraphResourceSchema, headers: { ETag: "The new version, quoted" } } },
    }, async (c) => {
    const id = c.req.param("id");
    const ifMatch = parseIfMatch(c.req.header("If-Match"));
    const body = await readJsonBody(c.req.raw, deps.limits.maxGraphBytes);
    const current = await getGraph(createDb(c.env.DB), id);
    if (!current) throw graphNotFound(id);
    // The operations are meant for the version in If-Match; applied to any other they could mean something else.
    if (ifMatch !== "any" && !ifMatch.includes(current.version)) throw versionConflict(current.version);
    const patched = applyPatch(storedGraph(current), body);
    if (!patched.ok) throw invalid("The patch is not valid", patched.errors);
    const result = validateGraph(patched.graph, deps.registry, deps.limits);
    if (!result.valid) throw invalid("The graph the patch makes is not valid", result.errors);
    // Stored only on top of the version the operations were applied to.
    const record = await storeVersion(c, id, result.graph, [current.version]);
    await notifyPatched(c.env, { graphId: id, version: record.version }, patched.changes);
    return graphResponse(c, record, 200);
  });

  routes.delete(
    "/graphs/:id",
    { scope: "run", summary: "Delete a graph (runs keep their snapshot)", responses: { 204: { description: "Deleted" } } }, async (c) => {
    const deleted = await deleteGraph(createDb(c.env.DB), c.req.param("id"));
    if (!deleted) throw graphNotFound(c.req.param("id"));
    await notifyDeleted(c.env, c.req.param("id"));
    return c.body(null, 204);
  });

  registerGraphSocketRoute(routes);
}

function graphNotFound(id: string): HttpProblem {
  return new HttpProblem("not-found", `There is no graph ${JSON.stringify(id.slice(0, 128))}.`);
}

function versionConflict(latest: number | undefined): HttpProblem {
  const current = latest === undefined ? "" : ` The latest version is ${latest}.`;
  return new HttpProblem("precondition-failed", `The graph changed since the version in If-Match.${current} Fetch it, reapply your change and retry.`);
}

/** 422 listing every problem. */
function invalid(what: string, errors: ValidationError[]): HttpProblem {
  const n = errors.length;
  return new HttpProblem("validation-failed", `${what}: ${n} problem${n === 1 ? "" : "s"}.`, { errors });
}

/** Reads the body (size-guarded) and validates it; 422 lists every problem. */
async function readValidGraph(c: Context<AppEnv>, deps: ApiDeps): Promise<Graph> {
  const body = await readJsonBody(c.req.raw, deps.limits.maxGraphBytes);
  const result = validateGraph(body, deps.registry, deps.limits);
  if (!result.valid) throw invalid("The graph is not valid", result.errors);
  return result.graph;
}

/**
 * Stores `graph` as the next version of `id`, on top of one of `expectedVersions` (any when
 * omitted): 404 when the graph is gone, 412 when it moved on, 422 when a task is too large.
 */
async function storeVersion(c: Context<AppEnv>, id: string, graph: Graph, expectedVersions: readonly number[] | undefined): Promise<GraphRecord> {
  let record: GraphRecord | null;
  try {
    record = await storing(() => updateGraph(createDb(c.env.DB), id, graph, expectedVersions ? { expectedVersions } : {}));
  } catch (err) {
    if (err instanceof VersionConflictError) throw versionConflict(err.currentVersion);
    throw err;
  }
  if (!record) throw graphNotFound(id);
  return record;
}

/** The graph of a stored version, without its resource fields (id, version, timestamps). */
function storedGraph(r: GraphRecord): Graph {
  return {
    name: r.name,
    ...(r.description !== undefined ? { description: r.description } : {}),
    ...(r.merge !== undefined ? { merge: r.merge } : {}),
    tasks: r.tasks,
    dataflows: r.dataflows,
  };
}

/** Runs a store operation, turning a task too large for a D1 row into a 422 naming it. */
async function storing<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (err instanceof TaskTooLargeToStoreError) {
      throw new HttpProblem("validation-failed", "The graph cannot be stored: a task is too large.", { errors: [{ path: err.path, message: err.message }] });
    }
    throw err;
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The graph resource; absent optional fields stay absent so it can be sent back as a PUT body. */
function graphJson(r: GraphRecord) {
  return {
    id: r.id,
    version: r.version,
    name: r.name,
    ...(r.description !== undefined ? { description: r.description } : {}),
    ...(r.merge !== undefined ? { merge: r.merge } : {}),
    tasks: r.tasks,
    dataflows: r.dataflows,
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
  };
}

function graphResponse(c: Context<AppEnv>, record: GraphRecord, status: 200 | 201, headers: Record<string, string> = {}): Response {
  return c.json(graphJson(record), status, { ETag: versionETag(record.version), ...headers });
}

function summaryJson(s: GraphSummary) {
  return { ...s, createdAt: iso(s.createdAt), updatedAt: iso(s.updatedAt) };
}

function versionSummaryJson(s: GraphVersionSummary) {
  return { ...s, createdAt: iso(s.createdAt) };
}
