import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { hashSecret } from "../../src/api/secrets";
import { call, createKey, problem } from "./helpers";

interface KeyJson {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
  key?: string;
}

describe("API key lifecycle", () => {
  it("creates a key shown once, stores only its hash, lists it without secrets, and revokes it", async () => {
    const res = await call("/keys", { json: { name: "ci", scopes: ["read", "run"] } });
    expect(res.status).toBe(201);
    const created = (await res.json()) as KeyJson;
    expect(created.key).toMatch(/^weft_[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({ name: "ci", scopes: ["read", "run"], revokedAt: null, lastUsedAt: null });
    expect(created.key!.startsWith(created.prefix)).toBe(true);
    expect(new Date(created.createdAt).toISOString()).toBe(created.createdAt);

    // Stored: the hash, never the key.
    const row = await env.DB.prepare("select * from api_keys where id = ?").bind(created.id).first<Record<string, unknown>>();
    expect(row?.hash).toBe(await hashSecret(created.key!));
    expect(JSON.stringify(row)).not.toContain(created.key);

    // The key works for what its scopes allow, and its use is recorded.
    expect((await call("/graphs", { token: created.key })).status).toBe(200);
    // Recorded off the request path (waitUntil), so give it a moment.
    const listed = await vi.waitFor(async () => {
      const body = (await (await call("/keys")).json()) as { items: KeyJson[] };
      expect(body.items.find((k) => k.id === created.id)?.lastUsedAt).not.toBeNull();
      return body;
    });
    const entry = listed.items.find((k) => k.id === created.id)!;
    expect(entry).not.toHaveProperty("key");
    const listText = JSON.stringify(listed);
    expect(listText).not.toContain(created.key);
    expect(listText).not.toContain(row?.hash as string);

    // Revoked: 204, then the key is refused and the listing says so.
    expect((await call(`/keys/${created.id}`, { method: "DELETE" })).status).toBe(204);
    const refused = await call("/graphs", { token: created.key });
    expect(refused.status).toBe(401);
    await problem(refused);
    const after = (await (await call("/keys")).json()) as { items: KeyJson[] };
    expect(after.items.find((k) => k.id === created.id)?.revokedAt).not.toBeNull();
  });

  it("makes every key different", async () => {
    const a = await createKey(["read"]);
    const b = await createKey(["read"]);
    expect(a.key).not.toBe(b.key);
    expect(a.id).not.toBe(b.id);
  });

  it("keeps a revocation when revoked again, and 404s an unknown key", async () => {
    const { id } = await createKey(["read"]);
    expect((await call(`/keys/${id}`, { method: "DELETE" })).status).toBe(204);
    const first = await env.DB.prepare("select revoked_at from api_keys where id = ?").bind(id).first<number>("revoked_at");
    expect((await call(`/keys/${id}`, { method: "DELETE" })).status).toBe(204);
    expect(await env.DB.prepare("select revoked_at from api_keys where id = ?").bind(id).first<number>("revoked_at")).toBe(first);
    const missing = await call("/keys/key_nope", { method: "DELETE" });
    expect(missing.status).toBe(404);
    expect((await problem(missing)).type).toBe("urn:weft:problem:not-found");
  });

  it("lets an admin key manage keys, but not a run key", async () => {
    const admin = await createKey(["admin"]);
    const made = await call("/keys", { token: admin.key, json: { name: "made by a key", scopes: ["read"] } });
    expect(made.status).toBe(201);
    const run = await createKey(["run"]);
    expect((await call("/keys", { token: run.key, json: { name: "x", scopes: ["admin"] } })).status).toBe(403);
    expect((await call("/keys", { token: run.key })).status).toBe(403);
  });

  it("pages through keys newest first", async () => {
    for (let i = 0; i < 5; i++) await createKey(["read"], `page ${i}`);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await call(`/keys?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      const body = (await res.json()) as { items: KeyJson[]; nextCursor: string | null };
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((k) => k.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    const all = (await (await call("/keys?limit=200")).json()) as { items: KeyJson[] };
    expect(seen).toEqual(all.items.map((k) => k.id));
    expect(pages).toBe(Math.ceil(seen.length / 2));
  });
});

describe("POST /keys input", () => {
  it.each([
    ["no name", { scopes: ["read"] }, "/name"],
    ["empty name", { name: "", scopes: ["read"] }, "/name"],
    ["no scopes", { name: "x" }, "/scopes"],
    ["empty scopes", { name: "x", scopes: [] }, "/scopes"],
    ["unknown scope", { name: "x", scopes: ["read", "root"] }, "/scopes/1"],
    ["repeated scope", { name: "x", scopes: ["read", "read"] }, "/scopes"],
    ["extra field", { name: "x", scopes: ["read"], expires: 3 }, "/expires"],
    ["not an object", ["read"], ""],
  ])("refuses %s with 422 and the path", async (_, body, path) => {
    const res = await call("/keys", { json: body });
    expect(res.status).toBe(422);
    const p = await problem(res);
    expect(p.errors?.map((e) => e.path)).toContain(path);
  });

  it("refuses malformed JSON (400), a non-JSON type (415) and an oversize body (413)", async () => {
    const malformed = await call("/keys", { body: '{"name": "x", ', headers: { "Content-Type": "application/json" } });
    expect(malformed.status).toBe(400);
    expect((await problem(malformed)).type).toBe("urn:weft:problem:malformed-json");
    const wrongType = await call("/keys", { body: "name=x", headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    expect(wrongType.status).toBe(415);
    await problem(wrongType);
    const big = await call("/keys", { json: { name: "x".repeat(20_000), scopes: ["read"] } });
    expect(big.status).toBe(413);
    await problem(big);
  });
});
