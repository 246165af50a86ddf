import type { Context } from "hono";
import { HttpProblem } from "./problem";

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 200;

/**
 * `limit` and `cursor` of a list request (SPEC §8). `limit` defaults to 50; above 200 it is
 * clamped; anything but a positive integer is a 400.
 */
export function listParams(c: Context): { limit: number; cursor?: string } {
  const rawLimit = c.req.query("limit");
  let limit = DEFAULT_PAGE_LIMIT;
  if (rawLimit !== undefined) {
    if (!/^\d{1,9}$/.test(rawLimit) || Number(rawLimit) < 1) {
      throw new HttpProblem("malformed-request", `limit must be a positive integer (at most ${MAX_PAGE_LIMIT}); got ${JSON.stringify(rawLimit.slice(0, 32))}.`);
    }
    limit = Math.min(Number(rawLimit), MAX_PAGE_LIMIT);
  }
  const cursor = c.req.query("cursor");
  return cursor === undefined || cursor === "" ? { limit } : { limit, cursor };
}
