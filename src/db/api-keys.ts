import { and, desc, eq, isNull, lt, or, type SQL } from "drizzle-orm";
import type { Db } from "./client";
import { type Page, decodeCreatedCursor, encodeCreatedCursor } from "./cursor";
import { newId } from "./ids";
import { apiKeys } from "./schema";

/** An API key as listed: never the key itself or its hash. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: number;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

type Row = typeof apiKeys.$inferSelect;

function toRecord(row: Row): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: JSON.parse(row.scopes) as string[],
    createdAt: row.createdAt,
    revokedAt: row.revokedAt,
    lastUsedAt: row.lastUsedAt,
  };
}

/** Stores a key by the hash of its secret; the caller shows the secret once and forgets it. */
export async function insertApiKey(
  db: Db,
  key: { name: string; hash: string; prefix: string; scopes: string[] },
  now = Date.now(),
): Promise<ApiKeyRecord> {
  const row: Row = { id: newId("key"), ...key, scopes: JSON.stringify(key.scopes), createdAt: now, revokedAt: null, lastUsedAt: null };
  await db.insert(apiKeys).values(row).run();
  return toRecord(row);
}

/** The unrevoked key whose secret hashes to `hash`, if any. */
export async function findActiveApiKeyByHash(db: Db, hash: string): Promise<ApiKeyRecord | null> {
  const row = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.hash, hash), isNull(apiKeys.revokedAt)))
    .get();
  return row ? toRecord(row) : null;
}

/** Every key (revoked ones too, with `revokedAt`), newest first. */
export async function listApiKeys(db: Db, options: { limit: number; cursor?: string }): Promise<Page<ApiKeyRecord>> {
  const conditions: SQL[] = [];
  if (options.cursor !== undefined) {
    const after = decodeCreatedCursor(options.cursor);
    const older = or(lt(apiKeys.createdAt, after.createdAt), and(eq(apiKeys.createdAt, after.createdAt), lt(apiKeys.id, after.id)));
    if (older) conditions.push(older);
  }
  const rows = await db
    .select()
    .from(apiKeys)
    .where(and(...conditions))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
    .limit(options.limit + 1);
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return { items: page.map(toRecord), nextCursor: rows.length > options.limit && last ? encodeCreatedCursor(last) : null };
}

/**
 * Revokes key `id`; revoking a revoked key keeps its first revocation time. False when no such
 * key exists.
 */
export async function revokeApiKey(db: Db, id: string, now = Date.now()): Promise<boolean> {
  const [, existing] = await db.batch([
    db
      .update(apiKeys)
      .set({ revokedAt: now })
      .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt))),
    db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.id, id)),
  ]);
  return existing.length > 0;
}

/** Records that key `id` was used (callers throttle this; it is a write). */
export async function touchApiKey(db: Db, id: string, now = Date.now()): Promise<void> {
  await db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, id)).run();
}
