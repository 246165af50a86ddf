import { and, eq, lt } from "drizzle-orm";
import type { Db } from "./client";
import { idempotencyKeys } from "./schema";

/** SPEC §8: idempotency keys live 24 hours. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export type IdempotencyClaim =
  | { kind: "new" }
  | { kind: "existing"; runId: string }
  | { kind: "conflict"; runId: string };

/**
 * Claims `key` within `scope` for a run about to be created. The insert is the lock: of two
 * concurrent requests with the same key only one inserts; the other reads the winner's run.
 * The same key with a different body hash is a conflict (409).
 */
export async function claimIdempotencyKey(db: Db, scope: string, key: string, bodyHash: string, runId: string, now = Date.now()): Promise<IdempotencyClaim> {
  await db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key), lt(idempotencyKeys.expiresAt, now)));
  const inserted = await db
    .insert(idempotencyKeys)
    .values({ scope, key, bodyHash, runId, createdAt: now, expiresAt: now + IDEMPOTENCY_TTL_MS })
    .onConflictDoNothing()
    .returning({ runId: idempotencyKeys.runId });
  if (inserted.length === 1) return { kind: "new" };
  const row = await db.select().from(idempotencyKeys).where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key))).get();
  if (!row) return { kind: "new" }; // expired and purged between the two statements: ours to take next time
  return row.bodyHash === bodyHash ? { kind: "existing", runId: row.runId } : { kind: "conflict", runId: row.runId };
}

/** Releases a claim whose run could not be created, so a retry with the same key can succeed. */
export async function releaseIdempotencyKey(db: Db, scope: string, key: string): Promise<void> {
  await db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
}

/** Hex SHA-256 of a request body, for comparing repeated requests. */
export async function bodyHash(body: string | Uint8Array): Promise<string> {
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
