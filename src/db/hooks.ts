import { and, desc, eq, lt, or, type SQL } from "drizzle-orm";
import type { Db } from "./client";
import { type Page, decodeCreatedCursor, encodeCreatedCursor } from "./cursor";
import { hooks } from "./schema";

/** A webhook as stored: its secrets sealed (src/api/signing-secrets.ts). */
export interface HookRecord {
  id: string;
  graphId: string;
  secret: string;
  previousSecret: string | null;
  previousExpiresAt: number | null;
  inputMapping: Record<string, string> | null;
  createdAt: number;
  rotatedAt: number | null;
}

type Row = typeof hooks.$inferSelect;

function toRecord(row: Row): HookRecord {
  return { ...row, inputMapping: row.inputMapping === null ? null : (JSON.parse(row.inputMapping) as Record<string, string>) };
}

export async function insertHook(db: Db, hook: HookRecord): Promise<void> {
  await db
    .insert(hooks)
    .values({ ...hook, inputMapping: hook.inputMapping === null ? null : JSON.stringify(hook.inputMapping) })
    .run();
}

export async function getHook(db: Db, id: string): Promise<HookRecord | null> {
  const row = await db.select().from(hooks).where(eq(hooks.id, id)).get();
  return row ? toRecord(row) : null;
}

/** A graph's hooks, newest first. */
export async function listHooks(db: Db, graphId: string, options: { limit: number; cursor?: string }): Promise<Page<HookRecord>> {
  const conditions: (SQL | undefined)[] = [eq(hooks.graphId, graphId)];
  if (options.cursor !== undefined) {
    const after = decodeCreatedCursor(options.cursor);
    conditions.push(or(lt(hooks.createdAt, after.createdAt), and(eq(hooks.createdAt, after.createdAt), lt(hooks.id, after.id))));
  }
  const rows = await db
    .select()
    .from(hooks)
    .where(and(...conditions))
    .orderBy(desc(hooks.createdAt), desc(hooks.id))
    .limit(options.limit + 1);
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return { items: page.map(toRecord), nextCursor: rows.length > options.limit && last ? encodeCreatedCursor(last) : null };
}

/**
 * Stores rotated secrets, only if the current secret is still `expectedSecret`: of two
 * concurrent rotations one wins, and the loser does not drop the winner's previous secret.
 */
export async function rotateHookSecrets(
  db: Db,
  id: string,
  expectedSecret: string,
  sealed: { secret: string; previousSecret: string | null; previousExpiresAt: number | null },
  now: number,
): Promise<boolean> {
  const updated = await db
    .update(hooks)
    .set({ ...sealed, rotatedAt: now })
    .where(and(eq(hooks.id, id), eq(hooks.secret, expectedSecret)))
    .returning({ id: hooks.id });
  return updated.length === 1;
}

export async function deleteHook(db: Db, id: string): Promise<boolean> {
  const deleted = await db.delete(hooks).where(eq(hooks.id, id)).returning({ id: hooks.id });
  return deleted.length === 1;
}
