import type { RouteSpec } from "../../src/api/route-table";
import type { Graph } from "../../src/core/graph/schema";
import { call, createGraphViaApi, greetGraph } from "../api/helpers";

/*
 * The real resources the API fuzzer aims at, so fuzzed requests reach the handlers' deep ends
 * (body parsing, validation, storage) and not only their 404s. Two graphs, both greetGraph (inline
 * tasks only: a run ends in milliseconds, whatever its input): one that fuzzed PUT and PATCH
 * requests change at will, and one that runs, hooks, endpoints and schedules use, which no fuzzed
 * request edits — so no fuzzed edit can turn it into a slow graph that a `?wait` or an endpoint
 * call would then sit on.
 */

/** WaitForSignal on "go": a run that stays open, so signals, pause and cancel have something to act on. */
function waitingGraph(): Graph {
  return {
    name: "fuzz waiting",
    tasks: [{ id: "wait", type: "WaitForSignal", defaults: { signal: "go", timeoutMs: 600_000 } }],
    dataflows: [],
  };
}

export interface Fixtures {
  /** Edited by fuzzed PUT and PATCH requests. */
  editableGraphId: string;
  /** Runs, hooks, endpoints and schedules point here; never edited. */
  runGraphId: string;
  /** A finished run. */
  finishedRunId: string;
  /** A run waiting for a signal (until a fuzzed cancel ends it). */
  waitingRunId: string;
  keyId: string;
  hook?: { id: string; secret: string };
  endpointSlug?: string;
  scheduleId?: string;
}

async function json<T>(res: Response, expected: number[], what: string): Promise<T> {
  if (!expected.includes(res.status)) throw new Error(`fixture ${what}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Creates the fixtures through the API; the trigger resources only when their routes exist. */
export async function createFixtures(routes: readonly RouteSpec[]): Promise<Fixtures> {
  const has = (method: string, path: string) => routes.some((r) => r.method === method && r.path === path);
  const editableGraphId = (await createGraphViaApi(greetGraph("fuzz editable"))).id;
  const runGraphId = (await createGraphViaApi(greetGraph("fuzz runs"))).id;
  const waitingGraphId = (await createGraphViaApi(waitingGraph())).id;
  const finished = await json<{ id: string; status: string }>(await call(`/graphs/${runGraphId}/runs?wait=10`, { json: { input: { name: "Ada" } } }), [200], "finished run");
  const waiting = await json<{ id: string }>(await call(`/graphs/${waitingGraphId}/runs`, { json: { input: {} } }), [201], "waiting run");
  const key = await json<{ id: string }>(await call("/keys", { json: { name: "fuzz", scopes: ["read"] } }), [201], "key");
  const fixtures: Fixtures = { editableGraphId, runGraphId, finishedRunId: finished.id, waitingRunId: waiting.id, keyId: key.id };
  if (has("POST", "/graphs/:id/hooks")) {
    fixtures.hook = await json<{ id: string; secret: string }>(await call(`/graphs/${runGraphId}/hooks`, { json: {} }), [201], "hook");
  }
  if (has("PUT", "/endpoints/:slug")) {
    await json(await call("/endpoints/fuzz-endpoint", { method: "PUT", json: { graphId: runGraphId, auth: "public", timeoutMs: 5000 } }), [200, 201], "endpoint");
    fixtures.endpointSlug = "fuzz-endpoint";
  }
  if (has("POST", "/graphs/:id/schedules")) {
    fixtures.scheduleId = (await json<{ id: string }>(await call(`/graphs/${runGraphId}/schedules`, { json: { cron: "0 0 1 1 *", input: { name: "Ada" } } }), [201], "schedule")).id;
  }
  return fixtures;
}

/**
 * The real id for a path parameter of `route`, or undefined when there is none (the fuzzer then
 * only sends made-up ids). DELETE routes get none: the fixtures must outlive the fuzzing (the
 * deletes of real resources have their own test).
 */
export function realParam(route: RouteSpec, name: string, f: Fixtures): string | undefined {
  if (route.method === "DELETE") return undefined;
  const first = route.path.split("/")[1];
  switch (name) {
    case "id":
      if (first === "graphs") {
        // Only edits (PUT, PATCH) aim at the editable graph; everything else at the one runs use.
        return route.path === "/graphs/:id" && (route.method === "PUT" || route.method === "PATCH") ? f.editableGraphId : f.runGraphId;
      }
      if (first === "runs") return route.path.endsWith("/signals/:name") || /\/(cancel|pause|resume)$/.test(route.path) ? f.waitingRunId : f.finishedRunId;
      if (first === "keys") return f.keyId;
      return undefined;
    case "version":
      return "1";
    case "hookId":
      return f.hook?.id;
    case "slug":
      // PUT may turn an endpoint into api-key or hmac: it gets its own, so the one calls go to stays public.
      return route.method === "PUT" || route.path.endsWith("/rotate") ? "fuzz-put-endpoint" : f.endpointSlug;
    case "scheduleId":
      return f.scheduleId;
    case "name":
      // Not "go": a signal that ends the waiting run would leave later requests only 409s.
      return "fuzz-signal";
    default:
      return undefined;
  }
}
