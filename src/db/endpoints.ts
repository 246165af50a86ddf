import { and, desc, eq, lt, or, type SQL } from "drizzle-orm";
import type { Db } from "./client";
import { type Page, decodeCreatedCursor, encodeCreatedCursor } from "./cursor";
import { endpoints } from "./schema";

export type EndpointAuth = "public" | "api-key" | "hmac";

/** An endpoint as stored; `secret` (sealed) is set only in "hmac" mode. */
export interface EndpointRecord {
  slug: string;
  graphId: string;
  auth: EndpointAuth;
  timeoutMs: number;
  description: string | null;
  secret: string | null;
  previousSecret: string | null;
  previousExpiresAt: number | null;
  createdAt: number;
  updatedAt: number;
}

type Row = typeof endpoints.$inferSelect;

function toRecord(row: Row): EndpointRecord {
  return { ...row, auth: row.auth as EndpointAuth };
}

export async function getEndpoint(db: Db, slug: string): Promise<EndpointRecord | null> {
  const row = await db.select().from(endpoints).where(eq(endpoints.slug, slug)).get();
  return row ? toRecord(row) : null;
}

/**
 * Creates the endpoint, or replaces it if `expectedUpdatedAt` still matches the stored row
 * (null: only if it does not exist yet). False when another writer got there first.
 */
export async function putEndpoint(db: Db, record: EndpointRecord, expectedUpdatedAt: number | null): Promise<boolean> {
  if (expectedUpdatedAt === null) {
    const inserted = await db.insert(endpoints).values(record).onConflictDoNothing().returning({ slug: endpoints.slug });
    return inserted.length === 1;
  }
  const { slug, createdAt: _createdAt, ...fields } = record;
  const updated = await db
    .update(endpoints)
    .set(fields)
    .where(and(eq(endpoints.slug, slug), eq(endpoints.updatedAt, expectedUpdatedAt)))
    .returning({ slug: endpoints.slug });
  return updated.length === 1;
}

/** Every endpoint, newest first. */
export async function listEndpoints(db: Db, options: { limit: number; cursor?: string }): Promise<Page<EndpointRecord>> {
  const conditions: (SQL | undefined)[] = [];
  if (options.cursor !== undefined) {
    const after = decodeCreatedCursor(options.cursor);
    conditions.push(or(lt(endpoints.createdAt, after.createdAt), and(eq(endpoints.createdAt, after.createdAt), lt(endpoints.slug, after.id))));
  }
  const rows = await db
    .select()
    .from(endpoints)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(endpoints.createdAt), desc(endpoints.slug))
    .limit(options.limit + 1);
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return { items: page.map(toRecord), nextCursor: rows.length > options.limit && last ? encodeCreatedCursor({ createdAt: last.createdAt, id: last.slug }) : null };
}

export async function deleteEndpoint(db: Db, slug: string): Promise<boolean> {
  const deleted = await db.delete(endpoints).where(eq(endpoints.slug, slug)).returning({ slug: endpoints.slug });
  return deleted.length === 1;
}
