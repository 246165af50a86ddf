import { lt, sql } from "drizzle-orm";
import type { Db } from "./client";
import { rateLimitWindows } from "./schema";

/**
 * Counts one request for `key` in the fixed window of `periodMs` that contains `now`, and
 * returns the window's count including it. One atomic upsert: concurrent requests each get a
 * distinct count. A row left from an earlier window is reset in the same statement.
 */
export async function countInWindow(db: Db, key: string, periodMs: number, now: number): Promise<{ count: number; windowStart: number }> {
  const windowStart = Math.floor(now / periodMs) * periodMs;
  const row = await db
    .insert(rateLimitWindows)
    .values({ key, windowStart, count: 1, expiresAt: windowStart + periodMs })
    .onConflictDoUpdate({
      target: rateLimitWindows.key,
      set: {
        count: sql`case when ${rateLimitWindows.windowStart} = excluded.window_start then ${rateLimitWindows.count} + 1 else 1 end`,
        windowStart: sql`excluded.window_start`,
        expiresAt: sql`excluded.expires_at`,
      },
    })
    .returning({ count: rateLimitWindows.count, windowStart: rateLimitWindows.windowStart })
    .get();
  return row ?? { count: 1, windowStart };
}

/** Deletes counters whose window ended before `before`. */
export async function purgeRateLimitWindows(db: Db, before: number): Promise<void> {
  await db.delete(rateLimitWindows).where(lt(rateLimitWindows.expiresAt, before)).run();
}
