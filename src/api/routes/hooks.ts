import type { Context } from "hono";
import { createDb } from "../../db/client";
import { getLatestVersion } from "../../db/graphs";
import { type HookRecord, deleteHook, getHook, insertHook, listHooks, rotateHookSecrets } from "../../db/hooks";
import { bodyHash } from "../../db/idempotency";
import { newId } from "../../db/ids";
import { SMALL_BODY_BYTES, hasBody, parseJsonBytes, readBodyBytes, readJsonBody, requireJsonContentType } from "../body";
import { checkBody } from "../check-body";
import { applyInputMapping, inputMappingErrors, mappingReadsBody } from "../input-mapping";
import { listParams } from "../list-params";
import { HttpProblem } from "../problem";
import { PlatformRateLimiter, enforceRateLimit } from "../rate-limit";
import type { RouteTable } from "../route-table";
import { CreateHookBodySchema, CreatedHookSchema, DeliveryHeadersSchema, DeliveryResultSchema, HookPageSchema, HookSchema, RotateSecretBodySchema } from "../schemas/hook";
import { ListQuery } from "../schemas/common";
import { signedRequestIdempotencyKey, verifySignedRequest } from "../signed-request";
import { DEFAULT_ROTATION_GRACE_S, generateSigningSecret, rotateSecrets, secretBox } from "../signing-secrets";
import { startRun } from "../start-run";
import type { ApiDeps, AppEnv } from "../types";

/*
 * Webhooks (SPEC §5, §8): an admin creates a hook on a graph and gets its URL and signing secret
 * (once); senders POST signed deliveries to the URL, each starting one run — at most one per
 * delivery id.
 */
export function registerHookRoutes(routes: RouteTable, deps: ApiDeps): void {
  const limiter = deps.rateLimiter ?? new PlatformRateLimiter();
  const now = deps.clock ?? Date.now;

  routes.post(
    "/graphs/:id/hooks",
    {
      scope: "admin",
      summary: "Create a webhook that starts runs of the graph (the secret is shown in this response only)",
      tags: ["hooks"],
      body: CreateHookBodySchema,
      responses: { 201: { description: "The hook, with its URL and secret", schema: CreatedHookSchema, headers: { Location: "The hook's delivery URL." } } },
    },
    async (c) => {
      const raw = hasBody(c.req.raw) ? await readJsonBody(c.req.raw, SMALL_BODY_BYTES) : {};
      // The mapping's own check first: it reports every entry (the schema check stops at the first).
      const mapping = raw !== null && typeof raw === "object" ? (raw as { inputMapping?: unknown }).inputMapping : undefined;
      const mappingErrors = mapping === undefined ? [] : inputMappingErrors(mapping, "/inputMapping");
      if (mappingErrors.length) throw new HttpProblem("validation-failed", "The input mapping is not valid.", { errors: mappingErrors });
      const body = checkBody(CreateHookBodySchema, raw, 'A hook takes an optional "inputMapping" only.');
      const db = createDb(c.env.DB);
      const graphId = c.req.param("id");
      if ((await getLatestVersion(db, graphId)) === null) throw new HttpProblem("not-found", `There is no graph ${graphId}.`);
      const box = await secretBox(c.env);
      const id = newId("hk");
      const secret = generateSigningSecret();
      const record: HookRecord = {
        id,
        graphId,
        secret: await box.seal(secret, id),
        previousSecret: null,
        previousExpiresAt: null,
        inputMapping: body.inputMapping ?? null,
        createdAt: now(),
        rotatedAt: null,
      };
      await insertHook(db, record);
      const json = hookJson(c, record);
      return c.json({ ...json, secret }, 201, { Location: json.url });
    },
  );

  routes.get(
    "/graphs/:id/hooks",
    { scope: "admin", summary: "List a graph's webhooks (never their secrets)", tags: ["hooks"], query: ListQuery, responses: { 200: { description: "A page of hooks", schema: HookPageSchema } } },
    async (c) => {
      const db = createDb(c.env.DB);
      const graphId = c.req.param("id");
      if ((await getLatestVersion(db, graphId)) === null) throw new HttpProblem("not-found", `There is no graph ${graphId}.`);
      const page = await listHooks(db, graphId, listParams(c));
      return c.json({ items: page.items.map((h) => hookJson(c, h)), nextCursor: page.nextCursor });
    },
  );

  routes.post(
    "/hooks/:hookId/rotate",
    {
      scope: "admin",
      summary: "Rotate a webhook's secret; the old one stays valid for graceSeconds (default 24 h)",
      tags: ["hooks"],
      body: RotateSecretBodySchema,
      responses: { 200: { description: "The hook, with its new secret (shown in this response only)", schema: CreatedHookSchema } },
      problems: [409],
    },
    async (c) => {
      const raw = hasBody(c.req.raw) ? await readJsonBody(c.req.raw, SMALL_BODY_BYTES) : {};
      const { graceSeconds = DEFAULT_ROTATION_GRACE_S } = checkBody(RotateSecretBodySchema, raw, 'A rotation takes an optional "graceSeconds" only.');
      const db = createDb(c.env.DB);
      const hook = await requireHook(c);
      const at = now();
      const rotated = await rotateSecrets(await secretBox(c.env), hook, hook.id, at, graceSeconds);
      if (!(await rotateHookSecrets(db, hook.id, hook.secret, rotated.sealed, at))) {
        throw new HttpProblem("conflict", `Hook ${hook.id} was rotated or deleted concurrently; read it again and retry.`);
      }
      return c.json({ ...hookJson(c, { ...hook, ...rotated.sealed, rotatedAt: at }), secret: rotated.secret });
    },
  );

  routes.delete("/hooks/:hookId", { scope: "admin", summary: "Delete a webhook", tags: ["hooks"], responses: { 204: { description: "Deleted" } } }, async (c) => {
    if (!(await deleteHook(createDb(c.env.DB), c.req.param("hookId")))) throw notFound(c.req.param("hookId"));
    return c.body(null, 204);
  });

  // Public: a delivery authenticates with its signature (Weft-Signature), not a bearer token.
  routes.post(
    "/hooks/:hookId",
    {
      scope: "public",
      summary: "Deliver an event: starts a run (signed with the hook's secret)",
      description:
        "The body (a JSON object, or what the hook's inputMapping picks from it) is the run input. Signature: " +
        "`Weft-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, \"<t>.<raw body>\")>`, |now − t| ≤ 300 s. " +
        "A repeated Weft-Delivery (or Idempotency-Key) answers 200 with the first delivery's run.",
      tags: ["hooks"],
      headers: DeliveryHeadersSchema,
      responses: {
        202: { description: "A run was started", schema: DeliveryResultSchema },
        200: { description: "A repeated delivery: the run the first one started", schema: DeliveryResultSchema },
      },
      problems: [400, 401, 409, 413, 415, 429],
    },
    async (c) => {
      const hook = await requireHook(c);
      await enforceRateLimit(limiter, c.env, "signed", `hook:${hook.id}`, `hook ${hook.id}`);
      const bytes = await readBodyBytes(c.req.raw, deps.limits.maxRunInputBytes);
      await verifySignedRequest(c.env, c.req.raw, hook, hook.id, bytes, now());

      const input = deliveryInput(c.req.raw, hook, bytes);
      const hash = await bodyHash(bytes);
      const key = signedRequestIdempotencyKey(c.req.raw, hash);
      const started = await startRun(c.env, deps, {
        graphId: hook.graphId,
        input,
        trigger: "webhook",
        idempotency: { scope: `hook:${hook.id}`, key, bodyHash: hash },
      });
      return c.json({ runId: started.run.id, status: started.run.status }, started.created ? 202 : 200);
    },
  );
}

/** The run input of a delivery: the mapped values, or the JSON object body itself. */
function deliveryInput(request: Request, hook: HookRecord, bytes: Uint8Array): Record<string, unknown> {
  if (hook.inputMapping) {
    let body: unknown;
    if (bytes.length > 0 || mappingReadsBody(hook.inputMapping)) {
      requireJsonContentType(request);
      body = parseJsonBytes(bytes);
    }
    return applyInputMapping(hook.inputMapping, body, request.headers);
  }
  requireJsonContentType(request);
  const body = parseJsonBytes(bytes);
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new HttpProblem("malformed-request", "The delivery body must be a JSON object: it becomes the run input. (A hook with an inputMapping can take other shapes.)");
  }
  return body as Record<string, unknown>;
}

function notFound(id: string): HttpProblem {
  return new HttpProblem("not-found", `There is no hook ${JSON.stringify(id.slice(0, 128))}.`);
}

async function requireHook(c: Context<AppEnv>): Promise<HookRecord> {
  const id = c.req.param("hookId") ?? "";
  const hook = await getHook(createDb(c.env.DB), id);
  if (!hook) throw notFound(id);
  return hook;
}

const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function hookJson(c: Context<AppEnv>, h: HookRecord) {
  return {
    id: h.id,
    graphId: h.graphId,
    url: `${new URL(c.req.url).origin}/hooks/${h.id}`,
    createdAt: new Date(h.createdAt).toISOString(),
    rotatedAt: isoOrNull(h.rotatedAt),
    previousSecretExpiresAt: h.previousSecret === null ? null : isoOrNull(h.previousExpiresAt),
    ...(h.inputMapping ? { inputMapping: h.inputMapping } : {}),
  };
}
