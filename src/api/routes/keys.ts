import type { Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { LONE_SURROGATE_MESSAGE, isWellFormedText } from "../../core/unicode";
import { type ApiKeyRecord, insertApiKey, listApiKeys, revokeApiKey } from "../../db/api-keys";
import { createDb } from "../../db/client";
import { SMALL_BODY_BYTES, readJsonBody } from "../body";
import { listParams } from "../list-params";
import { HttpProblem } from "../problem";
import type { RouteTable } from "../route-table";
import { ListQuery } from "../schemas/common";
import { ApiKeyPageSchema, CreateKeyBodySchema, CreatedApiKeySchema } from "../schemas/key";
import { generateApiKey, hashSecret } from "../secrets";

const CreateKeyBody = CreateKeyBodySchema;
type CreateKeyBody = Static<typeof CreateKeyBody>;

/** API keys: create (the key is in that response only), list (never secrets), revoke. Admin only. */
export function registerKeyRoutes(routes: RouteTable): void {
  routes.post(
    "/keys",
    {
      scope: "admin",
      summary: "Create an API key (the key is shown in this response only)",
      body: CreateKeyBodySchema,
      responses: { 201: { description: "The key, with its secret", schema: CreatedApiKeySchema } },
    }, async (c) => {
    const body = await readJsonBody(c.req.raw, SMALL_BODY_BYTES);
    if (!Value.Check(CreateKeyBody, body)) {
      const errors = [...Value.Errors(CreateKeyBody, body)].map((e) => ({ path: e.path, message: e.message }));
      throw new HttpProblem("validation-failed", 'An API key needs a "name" and a non-empty list of "scopes" (read, run, admin).', { errors });
    }
    const { name, scopes } = body as CreateKeyBody;
    // Stored as UTF-8 text: a lone surrogate would come back as U+FFFD (src/core/unicode.ts).
    if (!isWellFormedText(name)) throw new HttpProblem("validation-failed", "The key's name is not valid Unicode.", { errors: [{ path: "/name", message: LONE_SURROGATE_MESSAGE }] });
    const { key, displayPrefix } = generateApiKey();
    const record = await insertApiKey(createDb(c.env.DB), { name, scopes, hash: await hashSecret(key), prefix: displayPrefix });
    return c.json({ ...keyJson(record), key }, 201);
  });

  routes.get(
    "/keys",
    { scope: "admin", summary: "List API keys (never their secrets)", query: ListQuery, responses: { 200: { description: "A page of keys", schema: ApiKeyPageSchema } } }, async (c) => {
    const page = await listApiKeys(createDb(c.env.DB), listParams(c));
    return c.json({ items: page.items.map(keyJson), nextCursor: page.nextCursor });
  });

  routes.delete("/keys/:id", { scope: "admin", summary: "Revoke an API key", responses: { 204: { description: "Revoked" } } }, async (c) => {
    const found = await revokeApiKey(createDb(c.env.DB), c.req.param("id"));
    if (!found) throw new HttpProblem("not-found", `There is no API key ${JSON.stringify(c.req.param("id").slice(0, 128))}.`);
    return c.body(null, 204);
  });
}

const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function keyJson(k: ApiKeyRecord) {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    scopes: k.scopes,
    createdAt: new Date(k.createdAt).toISOString(),
    revokedAt: isoOrNull(k.revokedAt),
    lastUsedAt: isoOrNull(k.lastUsedAt),
  };
}
