import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { findActiveApiKeyByHash, insertApiKey, listApiKeys, revokeApiKey, touchApiKey } from "../../src/db/api-keys";
import { createDb } from "../../src/db/client";

const db = createDb(env.DB);

describe("API key storage", () => {
  it("finds an active key by hash, and not once revoked", async () => {
    const key = await insertApiKey(db, { name: "k", hash: "h1", prefix: "weft_abcdef", scopes: ["read", "run"] }, 100);
    expect(await findActiveApiKeyByHash(db, "h1")).toEqual({ ...key, scopes: ["read", "run"] });
    expect(await findActiveApiKeyByHash(db, "h2")).toBeNull();
    expect(await revokeApiKey(db, key.id, 200)).toBe(true);
    expect(await findActiveApiKeyByHash(db, "h1")).toBeNull();
    expect(await revokeApiKey(db, key.id, 300)).toBe(true);
    const listed = await listApiKeys(db, { limit: 200 });
    expect(listed.items.find((k) => k.id === key.id)?.revokedAt).toBe(200);
    expect(await revokeApiKey(db, "key_missing")).toBe(false);
  });

  it("records last use", async () => {
    const key = await insertApiKey(db, { name: "k", hash: "h3", prefix: "weft_abcdef", scopes: ["read"] });
    await touchApiKey(db, key.id, 12_345);
    expect((await findActiveApiKeyByHash(db, "h3"))?.lastUsedAt).toBe(12_345);
  });

  it("refuses two keys with the same hash", async () => {
    await insertApiKey(db, { name: "a", hash: "same", prefix: "p", scopes: ["read"] });
    await expect(insertApiKey(db, { name: "b", hash: "same", prefix: "p", scopes: ["read"] })).rejects.toThrow();
  });
});
