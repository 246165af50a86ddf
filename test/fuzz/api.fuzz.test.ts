import { env, exports } from "cloudflare:workers";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { routeTable } from "../../src/api/app";
import type { RouteSpec } from "../../src/api/route-table";
import { ADMIN_TOKEN, BASE, call, createKey } from "../api/helpers";
import { fuzzParams, runsOf } from "../core/fuzz/fuzz-params";
import { DEEP, SEED_GRAPHS, deepValue } from "../core/fuzz/arbitraries";
import { type Fixtures, createFixtures } from "./fixtures";
import { type Snapshot, brokenGraphs, canonicalJson, changes, readAnswer, snapshot, withTimeout } from "./invariants";
import { type BodySpec, type FuzzRequest, type SendContext, concretePath, describeRequest, requestArb, toRequest } from "./requests";

/*
 * Property-based fuzzing of every route in the route table (issue 9): whatever a client sends —
 * random and mutated JSON, wrong types, huge strings, deep nesting, unicode, broken UTF-8, wrong
 * content types, invalid ids and query parameters, odd headers — the answer is a success or a
 * 4xx problem+json, never a 5xx and never a hang, and a failed write stores nothing (no half
 * graph). The routes are read from the route table when the file runs, so routes added later
 * are fuzzed too.
 *
 * Reproducible: a fixed seed (test/core/fuzz/fuzz-params.ts). Longer or other runs:
 *   FUZZ_SEED=7 FUZZ_RUNS=10 npx vitest run --project worker test/fuzz
 * (vitest.config.ts hands both variables to the workerd bindings).
 */

const params = fuzzParams(env as unknown as Record<string, unknown>);
/** Per-request bound: the slowest legitimate answer here is a run of a three-task graph. */
const REQUEST_TIMEOUT_MS = 10_000;
/** Fuzzed requests per route (times FUZZ_RUNS). */
const RUNS_PER_ROUTE = 20;

/** Deletes and secret rotations go last, so the other routes meet the fixtures intact. */
function destructiveness(r: RouteSpec): number {
  if (r.method === "DELETE") return 2;
  if (/\/(rotate|cancel)$/.test(r.path)) return 1;
  return 0;
}
const routes = [...routeTable].sort((a, b) => destructiveness(a) - destructiveness(b));

let fixtures: Fixtures;
let ctxFor: (route: RouteSpec) => SendContext;

beforeAll(async () => {
  fixtures = await createFixtures(routeTable);
  const readKey = (await createKey(["read"], "fuzz reader")).key;
  ctxFor = (route) => ({
    fixtures,
    readKey,
    currentVersion: async () => {
      const id = route.path === "/graphs/:id" ? fixtures.editableGraphId : undefined;
      if (!id) return 1;
      const row = await env.DB.prepare("SELECT latest_version AS v FROM graphs WHERE id = ?").bind(id).first<{ v: number }>();
      return row?.v;
    },
  });
}, 60_000);

/** Answers per route and status: printed at the end, and checked so a broken generator cannot pass unnoticed. */
const statuses = new Map<string, Map<number, number>>();
function tally(route: RouteSpec, status: number): void {
  const key = `${route.method} ${route.path}`;
  const byStatus = statuses.get(key) ?? new Map<number, number>();
  byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  statuses.set(key, byStatus);
}

afterAll(() => {
  const lines = [...statuses].map(([route, byStatus]) => `${route.padEnd(36)} ${[...byStatus].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(" ")}`);
  console.log(`API fuzz (seed ${params.seed}), answers by route:\n${lines.join("\n")}`);
});

/** Writes of a graph whose success must leave exactly what the answer shows. */
const GRAPH_WRITES = new Set(["POST /graphs", "PUT /graphs/:id", "PATCH /graphs/:id"]);
/** Problems that mean "the run ran and failed or was cancelled": the run it started stays, rightly. */
const RAN_BUT_FAILED = new Set(["urn:weft:problem:run-failed", "urn:weft:problem:run-aborted"]);

/** Sends one fuzzed request and returns every broken promise (empty when all held). */
async function check(route: RouteSpec, req: FuzzRequest): Promise<string[]> {
  const writes = route.method !== "GET";
  const before: Snapshot | undefined = writes ? await snapshot() : undefined;
  const request = await toRequest(route, req, ctxFor(route));
  const res = await withTimeout(exports.default.fetch(request), REQUEST_TIMEOUT_MS, `${route.method} ${route.path}`);
  const { answer, problems } = await readAnswer(res);
  tally(route, answer.status);
  if (!writes || !before) return problems;
  const ok = answer.status >= 200 && answer.status < 300;
  const after = await snapshot();
  if (!ok) {
    const except = answer.problemType && RAN_BUT_FAILED.has(answer.problemType) ? ["runs"] : [];
    problems.push(...changes(before, after, except).map((c) => `a ${answer.status} changed stored data: ${c}`));
  } else if (GRAPH_WRITES.has(`${route.method} ${route.path}`)) {
    // The stored graph is the one the answer shows, whole.
    type GraphJson = { id: string; version: number; name: string; description?: string; merge?: string; tasks: unknown[]; dataflows: unknown[] };
    const shown = JSON.parse(answer.text) as GraphJson;
    const stored = (await (await call(`/graphs/${shown.id}/versions/${shown.version}`)).json()) as GraphJson;
    const graphOf = (g: GraphJson) => canonicalJson({ name: g.name, description: g.description, merge: g.merge, tasks: g.tasks, dataflows: g.dataflows });
    if (graphOf(stored) !== graphOf(shown)) {
      problems.push(`stored version ${shown.version} differs from the answer: ${JSON.stringify(stored).slice(0, 1000)}`);
    }
    problems.push(...(await brokenGraphs()));
    problems.push(...(await startsAndCancels(shown.id)));
  }
  if (ok) problems.push(...(await readsBackAsAnswered(route, answer.text)));
  if (problems.length > 0) problems.push(`answer: ${answer.status} ${answer.contentType} ${answer.text.slice(0, 500)}`);
  return problems;
}

/**
 * A graph the API accepted can be run: starting it answers a success or a 4xx (an input that
 * does not fit), never a 5xx — validation and the runner agree on what a graph is. The run is
 * cancelled at once: the seeds hold Fetch, Delay and WaitForSignal tasks that would linger.
 */
async function startsAndCancels(graphId: string): Promise<string[]> {
  const res = await withTimeout(call(`/graphs/${graphId}/runs`, { json: { input: {} } }), REQUEST_TIMEOUT_MS, `run of ${graphId}`);
  const { answer, problems } = await readAnswer(res);
  if (answer.status === 201) {
    const run = JSON.parse(answer.text) as { id: string };
    const cancel = await readAnswer(await call(`/runs/${run.id}/cancel`, { method: "POST" }));
    problems.push(...cancel.problems.map((p) => `cancelling its run: ${p}`));
  }
  return problems.map((p) => `starting a run of the stored graph: ${p} ${answer.text.slice(0, 300)}`);
}

/**
 * A created or changed resource reads back as the write answered it (minus what is shown once,
 * like secrets): nothing is lost or re-encoded on the way into storage.
 */
async function readsBackAsAnswered(route: RouteSpec, text: string): Promise<string[]> {
  const key = `${route.method} ${route.path}`;
  const reads: Record<string, (shown: Record<string, unknown>) => string> = {
    "POST /keys": () => "/keys?limit=200",
    "PUT /endpoints/:slug": (e) => `/endpoints/${e.slug}`,
    "POST /graphs/:id/schedules": (sch) => `/schedules/${sch.id}`,
    "PATCH /schedules/:scheduleId": (sch) => `/schedules/${sch.id}`,
    "POST /graphs/:id/hooks": (h) => `/graphs/${h.graphId}/hooks?limit=200`,
  };
  if (!(key in reads)) return [];
  const shown = JSON.parse(text) as Record<string, unknown>;
  const { secret: _s, key: _k, lastUsedAt: _l, ...expected } = shown;
  let read = (await (await call(reads[key](shown))).json()) as Record<string, unknown>;
  if (Array.isArray(read.items)) read = (read.items as Record<string, unknown>[]).find((item) => item.id === shown.id) ?? {};
  const { lastUsedAt: _l2, ...actual } = read;
  return canonicalJson(actual) === canonicalJson(expected) ? [] : [`reads back as ${JSON.stringify(actual).slice(0, 500)}`];
}

/** A request with every choice at its plain default: real ids, admin token, JSON, no odd header. */
function plain(route: RouteSpec, body: BodySpec, overrides: Partial<FuzzRequest> = {}): FuzzRequest {
  const params: FuzzRequest["params"] = {};
  for (const m of route.path.matchAll(/:(\w+)/g)) params[m[1]] = { kind: "real" };
  return {
    params,
    query: "",
    body,
    contentType: "application/json",
    auth: { kind: "admin" },
    ifMatch: { kind: "current" },
    idempotencyKey: null,
    signature: { kind: "current" },
    delivery: null,
    upgrade: null,
    ...overrides,
  };
}

/**
 * One valid request per write route, checked to succeed before the fuzzing starts: the success
 * paths (where a half-stored graph would come from) are then exercised whatever the seed draws,
 * and a valid body template that stopped being valid is caught here, not silently fuzzed around.
 */
const VALID_WRITES: Record<string, (f: Fixtures) => { body: unknown; status: number }> = {
  "POST /graphs/validate": () => ({ body: SEED_GRAPHS[2], status: 200 }),
  "POST /graphs": () => ({ body: SEED_GRAPHS[4], status: 201 }),
  "PUT /graphs/:id": () => ({ body: SEED_GRAPHS[0], status: 200 }),
  "PATCH /graphs/:id": () => ({ body: { ops: [{ op: "addTask", task: { id: "sanity", type: "Identity" } }] }, status: 200 }),
  "POST /graphs/:id/runs": () => ({ body: { input: { name: "Ada" } }, status: 201 }),
  "POST /keys": () => ({ body: { name: "sanity", scopes: ["read"] }, status: 201 }),
  "POST /runs/:id/signals/:name": () => ({ body: { approved: true }, status: 202 }),
  "POST /runs/:id/ticket": () => ({ body: undefined, status: 200 }),
  "POST /runs/:id/pause": () => ({ body: undefined, status: 200 }),
  "POST /runs/:id/resume": () => ({ body: undefined, status: 200 }),
  "POST /graphs/:id/hooks": () => ({ body: {}, status: 201 }),
  "POST /hooks/:hookId": () => ({ body: { name: "Ada" }, status: 202 }),
  "POST /hooks/:hookId/rotate": () => ({ body: { graceSeconds: 86_400 }, status: 200 }),
  "PUT /endpoints/:slug": (f) => ({ body: { graphId: f.runGraphId, auth: "hmac", timeoutMs: 5000 }, status: 201 }),
  "POST /endpoints/:slug/rotate": () => ({ body: {}, status: 200 }),
  "POST /endpoints/:slug": () => ({ body: { name: "Ada" }, status: 200 }),
  "POST /graphs/:id/schedules": () => ({ body: { cron: "0 0 1 1 *", input: { name: "Ada" } }, status: 201 }),
  "PATCH /schedules/:scheduleId": () => ({ body: { enabled: false }, status: 200 }),
};

describe("API fuzzing: the valid request of each write route succeeds", () => {
  it.each(routes.filter((r) => `${r.method} ${r.path}` in VALID_WRITES).map((r) => [`${r.method} ${r.path}`, r] as const))("%s", async (key, route) => {
    const { body, status } = VALID_WRITES[key](fixtures);
    const req = plain(route, body === undefined ? { kind: "none" } : { kind: "json", value: body });
    const problems = await check(route, req);
    if (problems.length > 0) expect.fail(`${problems.join("\n")}\nrequest:\n${describeRequest(route, req, fixtures)}`);
    expect(statuses.get(key)?.get(status), `expected a ${status}: ${JSON.stringify([...(statuses.get(key) ?? [])])}`).toBe(1);
  });
});

describe("API fuzzing: every route answers a success or a 4xx problem", () => {
  it("has routes to fuzz and fixtures to aim at", () => {
    expect(routes.length).toBeGreaterThan(20);
    expect(fixtures.editableGraphId).toMatch(/\S/);
  });

  it.each(routes.map((r) => [`${r.method} ${r.path}`, r] as const))(
    "%s",
    async (_, route) => {
      await fc.assert(
        fc.asyncProperty(requestArb(route, fixtures), async (req) => {
          const problems = await check(route, req);
          if (problems.length > 0) expect.fail(`${problems.join("\n")}\nrequest:\n${describeRequest(route, req, fixtures)}`);
        }),
        // Shrinking replays requests against a server whose state moved on: keep it short.
        { ...runsOf(params, RUNS_PER_ROUTE), maxSkipsPerRun: 0, endOnFailure: true },
      );
      // Some requests must get past routing and authentication, or the fuzzer only tested those.
      const byStatus = statuses.get(`${route.method} ${route.path}`) ?? new Map<number, number>();
      if (route.method !== "DELETE") expect([...byStatus.keys()].some((s) => ![401, 403, 404, 405].includes(s)), JSON.stringify([...byStatus])).toBe(true);
      // The WebSocket routes must have upgraded sometimes: the handshake's own checks are inputs too.
      if (route.path.endsWith("/ws")) expect(byStatus.has(101), JSON.stringify([...byStatus])).toBe(true);
    },
    120_000 * Math.max(1, params.scale),
  );

  it("leaves every stored graph whole", async () => {
    expect(await brokenGraphs()).toEqual([]);
  });
});

/** Where each route's body naturally holds a client's value (a run input key, a default…), with `v` there. */
function bodyHolding(route: RouteSpec, v: unknown): unknown {
  switch (`${route.method} ${route.path}`) {
    case "POST /graphs/validate":
    case "POST /graphs":
    case "PUT /graphs/:id":
      return { name: "deep", tasks: [{ id: "a", type: "Identity", defaults: { value: v } }], dataflows: [] };
    case "PATCH /graphs/:id":
      return { ops: [{ op: "addTask", task: { id: "deep", type: "Identity", defaults: { value: v } } }] };
    case "POST /graphs/:id/runs":
    case "POST /graphs/:id/schedules":
    case "PATCH /schedules/:scheduleId":
      return { input: { name: v } };
    case "PUT /endpoints/:slug":
      return { graphId: fixtures.runGraphId, auth: "public", description: v };
    default:
      return { name: v };
  }
}

describe("API fuzzing: the hard cases, each route deterministically", () => {
  const writeRoutes = routes.filter((r) => r.method !== "GET" && r.method !== "DELETE");
  const shapes = ["array", "object", "predicate"] as const;

  it.each(writeRoutes.flatMap((r) => shapes.map((shape) => [`${r.method} ${r.path}, ${shape} ${DEEP} deep`, r, shape] as const)))(
    "%s: as the body and inside a valid body",
    async (_, route, shape) => {
      for (const value of [deepValue(DEEP, shape), bodyHolding(route, deepValue(DEEP, shape))]) {
        const req = plain(route, { kind: "json", value });
        const problems = await check(route, req);
        if (problems.length > 0) expect.fail(`${problems.join("\n")}\nrequest:\n${describeRequest(route, req, fixtures)}`);
      }
    },
  );

  it.each(writeRoutes.map((r) => [`${r.method} ${r.path}`, r] as const))("%s: a 6 MiB body (over every body limit) is refused, sized or streamed", async (_, route) => {
    const req = plain(route, { kind: "text", text: JSON.stringify({ x: "x".repeat(6 * 1024 * 1024) }) });
    const problems = await check(route, req);
    if (problems.length > 0) expect.fail(`${problems.join("\n")}\nrequest:\n${describeRequest(route, req, fixtures)}`);
    // Streamed in 64 KiB chunks without a Content-Length: the limit must hold while reading.
    const chunk = new Uint8Array(64 * 1024).fill(0x20); // JSON whitespace: only the size matters
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 6 * 1024 * 1024) return controller.close();
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const request = await toRequest(route, plain(route, { kind: "none" }), ctxFor(route));
    const headers = new Headers(request.headers);
    headers.set("Content-Type", "application/json");
    const res = await withTimeout(exports.default.fetch(new Request(request.url, { method: route.method, headers, body: stream })), REQUEST_TIMEOUT_MS, `${route.method} ${route.path} streamed`);
    const streamed = await readAnswer(res);
    expect(streamed.problems, `${route.method} ${route.path} streamed: ${streamed.answer.text.slice(0, 300)}`).toEqual([]);
  });

  it("every method on every path (HEAD and OPTIONS included) answers a success or a 4xx", async () => {
    const paths = [...new Set(routes.map((r) => r.path))];
    for (const pattern of paths) {
      const route = routes.find((r) => r.path === pattern) as RouteSpec;
      const path = concretePath(route, plain(route, { kind: "none" }), fixtures);
      for (const method of ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]) {
        // DELETE would remove the fixtures; the other registered methods were fuzzed above.
        if (method === "DELETE" || (method !== "GET" && method !== "HEAD" && routes.some((r) => r.path === pattern && r.method === method))) continue;
        const res = await withTimeout(
          exports.default.fetch(new Request(BASE + path, { method, headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, Origin: "https://elsewhere.test", "Access-Control-Request-Method": "POST" } })),
          REQUEST_TIMEOUT_MS,
          `${method} ${path}`,
        );
        if (method === "HEAD") {
          expect(res.status < 300 || (res.status >= 400 && res.status < 500), `${method} ${path}: ${res.status}`).toBe(true);
          continue;
        }
        const { problems, answer } = await readAnswer(res);
        expect(problems, `${method} ${path}: ${answer.text.slice(0, 300)}`).toEqual([]);
      }
    }
  });
});

describe("API fuzzing: deleting the real resources, with odd bodies and headers", () => {
  it("deletes each fixture once (204), then answers 404, with the rest of the data untouched", async () => {
    const targets = [
      fixtures.scheduleId && `/schedules/${fixtures.scheduleId}`,
      fixtures.endpointSlug && `/endpoints/${fixtures.endpointSlug}`,
      fixtures.hook && `/hooks/${fixtures.hook.id}`,
      `/keys/${fixtures.keyId}`,
      `/graphs/${fixtures.editableGraphId}`,
    ].filter((t): t is string => typeof t === "string");
    for (const path of targets) {
      // Revoking a key is idempotent (it stays listed, revoked): the second DELETE may answer 204 again.
      const again = path.startsWith("/keys/") ? [204, 404] : [404];
      for (const expected of [[204], again]) {
        const before = await snapshot();
        const res = await call(path, { method: "DELETE", body: "\uFEFF{not json", headers: { "Content-Type": "text/plain", "If-Match": "garbage", "Idempotency-Key": "k".repeat(10_240) } });
        const { answer, problems } = await readAnswer(res);
        expect(problems, path).toEqual([]);
        expect(expected, path).toContain(answer.status);
        if (expected === again) expect(changes(before, await snapshot()), path).toEqual([]);
      }
    }
    expect(await brokenGraphs()).toEqual([]);
  });
});
