import type { Context } from "hono";
import type { Graph } from "../../core/graph/schema";
import { validateGraph } from "../../core/graph/validate";
import { createDb } from "../../db/client";
import { VersionConflictError } from "../../db/errors";
import { TaskTooLargeToStoreError } from "../../db/graph-rows";
import { type GraphRecord, type GraphSummary, type GraphVersionSummary, createGraph, deleteGraph, getGraph, listGraphVersions, listGraphs, updateGraph } from "../../db/graphs";
import { readJsonBody } from "../body";
import { parseIfMatch, versionETag } from "../etag";
import { listParams } from "../list-params";
import { HttpProblem } from "../problem";
import type { RouteTable } from "../route-table";
import type { ApiDeps, AppEnv } from "../types";

/*
 * Graphs (SPEC §5, §8): validation dry run, create, list, read (latest or a version), version
 * history, update with If-Match, delete. Writes need "run", reads "read" (see scopes.ts).
 */
export function registerGraphRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.post("/graphs/validate", "read", async (c) => {
    const body = await readJsonBody(c.req.raw, deps.limits.maxGraphBytes);
    const result = validateGraph(body, deps.registry, deps.limits);
    return c.json({ valid: result.valid, errors: result.errors });
  });

  routes.post("/graphs", "run", async (c) => {
    const graph = await readValidGraph(c, deps);
    const record = await storing(() => createGraph(createDb(c.env.DB), graph));
    return graphResponse(c, record, 201, { Location: `/graphs/${record.id}` });
  });

  routes.get("/graphs", "read", async (c) => {
    const name = c.req.query("name");
    const page = await listGraphs(createDb(c.env.DB), { ...listParams(c), ...(name === undefined ? {} : { name }) });
    return c.json({ items: page.items.map(summaryJson), nextCursor: page.nextCursor });
  });

  routes.get("/graphs/:id", "read", async (c) => {
    const record = await getGraph(createDb(c.env.DB), c.req.param("id"));
    if (!record) throw graphNotFound(c.req.param("id"));
    return graphResponse(c, record, 200);
  });

  routes.get("/graphs/:id/versions", "read", async (c) => {
    const page = await listGraphVersions(createDb(c.env.DB), c.req.param("id"), listParams(c));
    if (!page) throw graphNotFound(c.req.param("id"));
    return c.json({ items: page.items.map(versionSummaryJson), nextCursor: page.nextCursor });
  });

  routes.get("/graphs/:id/versions/:version", "read", async (c) => {
    const raw = c.req.param("version");
    const version = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
    if (!(version >= 1)) throw new HttpProblem("malformed-request", `A graph version is a positive integer; got ${JSON.stringify(raw.slice(0, 32))}.`);
    const record = await getGraph(createDb(c.env.DB), c.req.param("id"), { version });
    if (!record) throw new HttpProblem("not-found", `Graph ${c.req.param("id")} has no version ${version}.`);
    return graphResponse(c, record, 200);
  });

  routes.put("/graphs/:id", "run", async (c) => {
    const id = c.req.param("id");
    const ifMatch = parseIfMatch(c.req.header("If-Match"));
    const graph = await readValidGraph(c, deps);
    let record: GraphRecord | null;
    try {
      record = await storing(() => updateGraph(createDb(c.env.DB), id, graph, ifMatch === "any" ? {} : { expectedVersions: ifMatch }));
    } catch (err) {
      if (err instanceof VersionConflictError) {
        const current = err.currentVersion === undefined ? "" : ` The latest version is ${err.currentVersion}.`;
        throw new HttpProblem("precondition-failed", `The graph changed since the version in If-Match.${current} Fetch it, reapply your change and retry.`);
      }
      throw err;
    }
    if (!record) throw graphNotFound(id);
    return graphResponse(c, record, 200);
  });

  routes.delete("/graphs/:id", "run", async (c) => {
    const deleted = await deleteGraph(createDb(c.env.DB), c.req.param("id"));
    if (!deleted) throw graphNotFound(c.req.param("id"));
    return c.body(null, 204);
  });
}

function graphNotFound(id: string): HttpProblem {
  return new HttpProblem("not-found", `There is no graph ${JSON.stringify(id.slice(0, 128))}.`);
}

/** Reads the body (size-guarded) and validates it; 422 lists every problem. */
async function readValidGraph(c: Context<AppEnv>, deps: ApiDeps): Promise<Graph> {
  const body = await readJsonBody(c.req.raw, deps.limits.maxGraphBytes);
  const result = validateGraph(body, deps.registry, deps.limits);
  if (!result.valid) {
    const n = result.errors.length;
    throw new HttpProblem("validation-failed", `The graph is not valid: ${n} problem${n === 1 ? "" : "s"}.`, { errors: result.errors });
  }
  return result.graph;
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
