import type { Context } from "hono";
import type { RunView } from "../../durable/protocol";
import { createDb } from "../../db/client";
import { type EndpointRecord, deleteEndpoint, getEndpoint, listEndpoints, putEndpoint } from "../../db/endpoints";
import { getGraph, getLatestVersion } from "../../db/graphs";
import { bodyHash } from "../../db/idempotency";
import { runStub } from "../../queue/messages";
import { requireScope } from "../auth";
import { SMALL_BODY_BYTES, hasBody, parseJsonBytes, readBodyBytes, readJsonBody, requireJsonContentType } from "../body";
import { checkBody } from "../check-body";
import { listParams } from "../list-params";
import { HttpProblem } from "../problem";
import { PlatformRateLimiter, type RateLimiter, clientIp, enforceRateLimit } from "../rate-limit";
import type { RouteTable } from "../route-table";
import { runInputJsonSchema } from "../run-input-schema";
import { ListQuery } from "../schemas/common";
import {
  DEFAULT_ENDPOINT_TIMEOUT_MS,
  EndpointOutputSchema,
  EndpointPageSchema,
  EndpointSchema,
  PutEndpointBodySchema,
  PutEndpointResultSchema,
  SLUG_PATTERN,
} from "../schemas/endpoint";
import { RotateSecretBodySchema } from "../schemas/hook";
import { signedRequestIdempotencyKey, verifySignedRequest } from "../signed-request";
import { DEFAULT_ROTATION_GRACE_S, generateSigningSecret, rotateSecrets, secretBox } from "../signing-secrets";
import { startRun } from "../start-run";
import type { ApiDeps, AppEnv } from "../types";

const SLUG = new RegExp(SLUG_PATTERN);
const TERMINAL = new Set(["COMPLETED", "FAILED", "ABORTED"]);

/*
 * Endpoints (SPEC §5): a graph published as a synchronous HTTP endpoint. `POST /endpoints/:slug`
 * takes the run input as its body and answers with the run's merged output, waiting up to the
 * endpoint's timeout. Outcomes:
 *   200 the output · 400 the body does not fit the graph's input (errors name each field) ·
 *   422 run-failed: the graph ran and failed (its error and run id) — the request was fine and the
 *       server is fine, the work it asked for failed, so neither 400 nor 5xx ·
 *   409 run-aborted: someone cancelled the run · 504 run-timeout: still running at the deadline
 *       (it goes on; the problem carries its id and URL).
 */
export function registerEndpointRoutes(routes: RouteTable, deps: ApiDeps): void {
  const limiter = deps.rateLimiter ?? new PlatformRateLimiter();
  const now = deps.clock ?? Date.now;

  routes.put(
    "/endpoints/:slug",
    {
      scope: "admin",
      summary: "Publish a graph at POST /endpoints/:slug (create or replace)",
      tags: ["endpoints"],
      body: PutEndpointBodySchema,
      responses: {
        201: { description: "Created; an hmac endpoint's new secret is in this response only", schema: PutEndpointResultSchema },
        200: { description: "Replaced (an hmac endpoint keeps its secret)", schema: PutEndpointResultSchema },
      },
      problems: [409],
    },
    async (c) => {
      const slug = validSlug(c.req.param("slug"));
      const body = checkBody(PutEndpointBodySchema, await readJsonBody(c.req.raw, SMALL_BODY_BYTES), 'An endpoint needs "graphId" and "auth" (public, api-key or hmac); "timeoutMs" ≤ 60000 and "description" are optional.');
      const db = createDb(c.env.DB);
      if ((await getLatestVersion(db, body.graphId)) === null) {
        throw new HttpProblem("validation-failed", `There is no graph ${body.graphId}.`, { errors: [{ path: "/graphId", message: "is not a graph" }] });
      }
      const existing = await getEndpoint(db, slug);
      const at = now();
      let secret: string | undefined;
      let sealed = { secret: null as string | null, previousSecret: null as string | null, previousExpiresAt: null as number | null };
      if (body.auth === "hmac") {
        if (existing?.secret) sealed = { secret: existing.secret, previousSecret: existing.previousSecret, previousExpiresAt: existing.previousExpiresAt };
        else {
          secret = generateSigningSecret();
          sealed = { secret: await (await secretBox(c.env)).seal(secret, endpointOwner(slug)), previousSecret: null, previousExpiresAt: null };
        }
      }
      const record: EndpointRecord = {
        slug,
        graphId: body.graphId,
        auth: body.auth,
        timeoutMs: body.timeoutMs ?? DEFAULT_ENDPOINT_TIMEOUT_MS,
        description: body.description ?? null,
        ...sealed,
        createdAt: existing?.createdAt ?? at,
        updatedAt: Math.max(at, (existing?.updatedAt ?? 0) + 1),
      };
      if (!(await putEndpoint(db, record, existing?.updatedAt ?? null))) {
        throw new HttpProblem("conflict", `Endpoint ${slug} was changed concurrently; read it again and retry.`);
      }
      return c.json({ ...endpointJson(c, record), ...(secret ? { secret } : {}) }, existing ? 200 : 201);
    },
  );

  routes.get(
    "/endpoints",
    { scope: "admin", summary: "List endpoints", tags: ["endpoints"], query: ListQuery, responses: { 200: { description: "A page of endpoints", schema: EndpointPageSchema } } },
    async (c) => {
      const page = await listEndpoints(createDb(c.env.DB), listParams(c));
      return c.json({ items: page.items.map((e) => endpointJson(c, e)), nextCursor: page.nextCursor });
    },
  );

  routes.get(
    "/endpoints/:slug",
    { scope: "admin", summary: "Read an endpoint's binding (never its secret)", tags: ["endpoints"], responses: { 200: { description: "The endpoint", schema: EndpointSchema } } },
    async (c) => c.json(endpointJson(c, await requireEndpoint(c))),
  );

  routes.delete("/endpoints/:slug", { scope: "admin", summary: "Unpublish an endpoint", tags: ["endpoints"], responses: { 204: { description: "Deleted" } } }, async (c) => {
    if (!(await deleteEndpoint(createDb(c.env.DB), c.req.param("slug")))) throw notFound(c.req.param("slug"));
    return c.body(null, 204);
  });

  routes.post(
    "/endpoints/:slug/rotate",
    {
      scope: "admin",
      summary: "Rotate an hmac endpoint's secret; the old one stays valid for graceSeconds (default 24 h)",
      tags: ["endpoints"],
      body: RotateSecretBodySchema,
      responses: { 200: { description: "The endpoint, with its new secret (shown in this response only)", schema: PutEndpointResultSchema } },
      problems: [409],
    },
    async (c) => {
      const raw = hasBody(c.req.raw) ? await readJsonBody(c.req.raw, SMALL_BODY_BYTES) : {};
      const { graceSeconds = DEFAULT_ROTATION_GRACE_S } = checkBody(RotateSecretBodySchema, raw, 'A rotation takes an optional "graceSeconds" only.');
      const endpoint = await requireEndpoint(c);
      if (endpoint.auth !== "hmac" || endpoint.secret === null) throw new HttpProblem("conflict", `Endpoint ${endpoint.slug} is ${endpoint.auth}; only hmac endpoints have a secret.`);
      const at = now();
      const rotated = await rotateSecrets(await secretBox(c.env), { secret: endpoint.secret, previousSecret: endpoint.previousSecret, previousExpiresAt: endpoint.previousExpiresAt }, endpointOwner(endpoint.slug), at, graceSeconds);
      const record: EndpointRecord = { ...endpoint, ...rotated.sealed, updatedAt: Math.max(at, endpoint.updatedAt + 1) };
      if (!(await putEndpoint(createDb(c.env.DB), record, endpoint.updatedAt))) {
        throw new HttpProblem("conflict", `Endpoint ${endpoint.slug} was changed concurrently; read it again and retry.`);
      }
      return c.json({ ...endpointJson(c, record), secret: rotated.secret });
    },
  );

  // Public at the router: the handler applies the endpoint's own mode (public, api-key, hmac).
  routes.post(
    "/endpoints/:slug",
    {
      scope: "public",
      summary: "Call an endpoint: runs its graph with the body as input and answers with the output",
      description:
        "Auth depends on the endpoint: none (public), `Authorization: Bearer <key>` with the run scope (api-key), or " +
        "`Weft-Signature` as for webhooks (hmac). 200 with the merged output; 400 when the body does not fit the input " +
        "schema (GET /endpoints/:slug/schema); 422 run-failed when the run failed; 409 run-aborted; 504 run-timeout when " +
        "it did not finish within the endpoint's timeout (the run goes on: see its id). `Weft-Run-Id` names the run.",
      tags: ["endpoints"],
      responses: { 200: { description: "The run's merged output", schema: EndpointOutputSchema, headers: { "Weft-Run-Id": "The run this call started." } } },
      problems: [400, 401, 403, 409, 413, 415, 422, 429, 504],
    },
    async (c) => {
      const started = now();
      const endpoint = await requireEndpoint(c);
      const bytes = await admit(c, endpoint, limiter, deps.limits.maxRunInputBytes, now);
      const input = endpointInput(c.req.raw, bytes);
      const idempotencyKey = endpoint.auth === "hmac" || c.req.header("Idempotency-Key") !== undefined ? signedOrPlainKey(c.req.raw, endpoint, await bodyHash(bytes)) : undefined;

      let run: RunView;
      try {
        run = (
          await startRun(c.env, deps, {
            graphId: endpoint.graphId,
            input,
            trigger: "endpoint",
            ...(idempotencyKey ? { idempotency: { scope: `endpoint:${endpoint.slug}`, key: idempotencyKey.key, bodyHash: idempotencyKey.hash } } : {}),
          })
        ).run;
      } catch (err) {
        throw bodyRelative(err, endpoint.slug);
      }
      const remaining = endpoint.timeoutMs - (now() - started);
      if (!TERMINAL.has(run.status) && remaining > 0) run = await runStub(c.env, run.id).waitForEnd(remaining);
      return endpointOutcome(c, endpoint, run);
    },
  );

  routes.get(
    "/endpoints/:slug/schema",
    {
      scope: "public",
      summary: "The JSON Schema of an endpoint's input (public for public endpoints; otherwise a key with the read scope)",
      tags: ["endpoints"],
      responses: { 200: { description: "A JSON Schema (2020-12) object" } },
      problems: [401, 403, 429],
    },
    async (c) => {
      const endpoint = await requireEndpoint(c);
      if (endpoint.auth === "public") await enforceRateLimit(limiter, c.env, "public", `${endpoint.slug}|${clientIp(c)}`, "this endpoint from your address");
      else await authenticate(c, "read", limiter);
      const graph = await getGraph(createDb(c.env.DB), endpoint.graphId);
      if (!graph) throw new HttpProblem("not-found", `Endpoint ${endpoint.slug} serves graph ${endpoint.graphId}, which was deleted.`);
      return c.json(runInputJsonSchema(graph, deps.registry), 200, { "Content-Type": "application/schema+json" });
    },
  );
}

/** Applies the endpoint's auth mode and limits; returns the body's bytes. */
async function admit(c: Context<AppEnv>, endpoint: EndpointRecord, limiter: RateLimiter, maxBytes: number, now: () => number): Promise<Uint8Array> {
  switch (endpoint.auth) {
    case "public":
      await enforceRateLimit(limiter, c.env, "public", `${endpoint.slug}|${clientIp(c)}`, "this endpoint from your address");
      return readBodyBytes(c.req.raw, maxBytes);
    case "api-key":
      await authenticate(c, "run", limiter);
      return readBodyBytes(c.req.raw, maxBytes);
    case "hmac": {
      await enforceRateLimit(limiter, c.env, "signed", `endpoint:${endpoint.slug}`, `endpoint ${endpoint.slug}`);
      const bytes = await readBodyBytes(c.req.raw, maxBytes);
      if (endpoint.secret === null) throw new Error(`hmac endpoint ${endpoint.slug} has no secret`);
      await verifySignedRequest(c.env, c.req.raw, { secret: endpoint.secret, previousSecret: endpoint.previousSecret, previousExpiresAt: endpoint.previousExpiresAt }, endpointOwner(endpoint.slug), bytes, now());
      return bytes;
    }
  }
}

/** Bearer auth inside a public route (401/403 exactly as on protected routes), then the per-key limit. */
async function authenticate(c: Context<AppEnv>, scope: "read" | "run", limiter: RateLimiter): Promise<void> {
  await requireScope(scope)(c, async () => {});
  const principal = c.get("principal");
  if (principal.kind === "key") await enforceRateLimit(limiter, c.env, "key", principal.keyId, "this API key");
}

/** The body is the run input: a JSON object, or nothing (an empty input). */
function endpointInput(request: Request, bytes: Uint8Array): Record<string, unknown> {
  if (bytes.length === 0) return {};
  requireJsonContentType(request);
  const body = parseJsonBytes(bytes);
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new HttpProblem("malformed-request", "The body must be a JSON object: it is the run input.", { errors: [{ path: "", message: "must be a JSON object" }] });
  }
  return body as Record<string, unknown>;
}

function signedOrPlainKey(request: Request, endpoint: EndpointRecord, hash: string): { key: string; hash: string } {
  if (endpoint.auth === "hmac") return { key: signedRequestIdempotencyKey(request, hash), hash };
  const key = request.headers.get("Idempotency-Key") ?? "";
  if (key.length === 0 || key.length > 255) throw new HttpProblem("malformed-request", "Idempotency-Key must be 1 to 255 characters.");
  return { key: `delivery:${key}`, hash };
}

/** startRun's input errors point into a runs-API body (`/input/name`); here the body is the input (`/name`). */
function bodyRelative(err: unknown, slug: string): unknown {
  if (!(err instanceof HttpProblem) || err.kind !== "malformed-request" || !err.extra.errors) return err;
  const errors = err.extra.errors.map((e) => ({ ...e, path: e.path === "/input" ? "" : e.path.replace(/^\/input(?=\/)/, "") }));
  const fields = [...new Set(errors.map((e) => e.path || "(body)"))].join(", ");
  return new HttpProblem("malformed-request", `The body does not fit the input of endpoint ${slug} (see GET /endpoints/${slug}/schema): ${fields}.`, { errors });
}

function endpointOutcome(c: Context<AppEnv>, endpoint: EndpointRecord, run: RunView): Response {
  const runPath = `/runs/${run.id}`;
  const extensions = { runId: run.id, runStatus: run.status };
  switch (run.status) {
    case "COMPLETED":
      return c.json((run.output ?? null) as object, 200, { "Weft-Run-Id": run.id });
    case "FAILED":
      throw new HttpProblem("run-failed", `The run of endpoint ${endpoint.slug} failed: ${run.error?.message ?? "unknown error"}`, {
        instance: runPath,
        extensions: { ...extensions, error: run.error },
        headers: { "Weft-Run-Id": run.id },
      });
    case "ABORTED":
      throw new HttpProblem("run-aborted", `The run of endpoint ${endpoint.slug} was cancelled before it finished.`, { instance: runPath, extensions, headers: { "Weft-Run-Id": run.id } });
    default:
      throw new HttpProblem("run-timeout", `The run did not finish within the endpoint's ${endpoint.timeoutMs} ms; it goes on as ${runPath}.`, {
        instance: runPath,
        extensions,
        headers: { "Weft-Run-Id": run.id, Location: runPath },
      });
  }
}

function validSlug(slug: string): string {
  if (!SLUG.test(slug)) {
    throw new HttpProblem("malformed-request", "An endpoint slug is 1 to 63 lower-case letters, digits and dashes, starting with a letter or digit.", {
      errors: [{ path: "/slug", message: `must match ${SLUG_PATTERN}` }],
    });
  }
  return slug;
}

/** Associated data of an endpoint's sealed secret (distinct from any hook id). */
function endpointOwner(slug: string): string {
  return `endpoint:${slug}`;
}

function notFound(slug: string): HttpProblem {
  return new HttpProblem("not-found", `There is no endpoint ${JSON.stringify(slug.slice(0, 128))}.`);
}

async function requireEndpoint(c: Context<AppEnv>): Promise<EndpointRecord> {
  const slug = c.req.param("slug") ?? "";
  const endpoint = SLUG.test(slug) ? await getEndpoint(createDb(c.env.DB), slug) : null;
  if (!endpoint) throw notFound(slug);
  return endpoint;
}

function endpointJson(c: Context<AppEnv>, e: EndpointRecord) {
  const origin = new URL(c.req.url).origin;
  return {
    slug: e.slug,
    graphId: e.graphId,
    auth: e.auth,
    timeoutMs: e.timeoutMs,
    description: e.description,
    url: `${origin}/endpoints/${e.slug}`,
    schemaUrl: `${origin}/endpoints/${e.slug}/schema`,
    createdAt: new Date(e.createdAt).toISOString(),
    updatedAt: new Date(e.updatedAt).toISOString(),
    previousSecretExpiresAt: e.previousSecret === null || e.previousExpiresAt === null ? null : new Date(e.previousExpiresAt).toISOString(),
  };
}
