import type { Context, MiddlewareHandler } from "hono";
import { createDb } from "../db/client";
import { countInWindow } from "../db/rate-limits";
import type { Env } from "../env";
import { HttpProblem } from "./problem";
import type { AppEnv } from "./types";

/*
 * Abuse limits: how many requests one caller may make per window, answered with 429 and
 * `Retry-After` past it. Three buckets:
 *
 * - "key":    per API key, on every route that takes one (the admin token and run tickets are
 *             not limited: the operator's own secret, and read-only socket tickets);
 * - "signed": per webhook and per HMAC endpoint, counted before the signature is checked, so a
 *             flood of forged deliveries costs a bucket lookup, not an HMAC and a run;
 * - "public": per client IP (CF-Connecting-IP) on public endpoints and their schemas.
 *
 * Where wrangler.toml binds the Workers rate limiting API (RATE_LIMIT_KEYS, RATE_LIMIT_SIGNED,
 * RATE_LIMIT_PUBLIC), it counts: local to each Cloudflare location, no storage round trip.
 * It only says yes or no, so `Retry-After` is then the binding's whole period, an upper bound.
 * Without the binding, a fixed-window counter in D1 counts instead (exact `Retry-After`; one
 * D1 write per limited request). Miniflare simulates the binding, and tests exercise both.
 */

export type RateLimitBucket = "key" | "signed" | "public";

export interface RateLimitRule {
  /** Requests allowed per window. */
  limit: number;
  /** Window length in seconds; the binding supports 10 or 60. */
  periodS: number;
}

/** Keep in step with the [[ratelimits]] bindings in wrangler.toml, which carry their own limits. */
export const DEFAULT_RATE_LIMITS: Readonly<Record<RateLimitBucket, RateLimitRule>> = {
  key: { limit: 600, periodS: 60 },
  signed: { limit: 300, periodS: 60 },
  public: { limit: 120, periodS: 60 },
};

const BINDINGS: Readonly<Record<RateLimitBucket, "RATE_LIMIT_KEYS" | "RATE_LIMIT_SIGNED" | "RATE_LIMIT_PUBLIC">> = {
  key: "RATE_LIMIT_KEYS",
  signed: "RATE_LIMIT_SIGNED",
  public: "RATE_LIMIT_PUBLIC",
};

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterS: number; rule: RateLimitRule };

/** Decides whether one more request for `key` in `bucket` is allowed, and counts it. */
export interface RateLimiter {
  take(env: Env, bucket: RateLimitBucket, key: string): Promise<RateLimitDecision>;
}

/** Fixed windows counted in D1: works wherever D1 does, including Miniflare without the binding. */
export class D1RateLimiter implements RateLimiter {
  constructor(
    private readonly rules: Readonly<Record<RateLimitBucket, RateLimitRule>> = DEFAULT_RATE_LIMITS,
    private readonly clock: () => number = Date.now,
  ) {}

  async take(env: Env, bucket: RateLimitBucket, key: string): Promise<RateLimitDecision> {
    const rule = this.rules[bucket];
    const now = this.clock();
    const periodMs = rule.periodS * 1000;
    const { count, windowStart } = await countInWindow(createDb(env.DB), `${bucket}:${key}`, periodMs, now);
    if (count <= rule.limit) return { allowed: true };
    return { allowed: false, retryAfterS: Math.max(1, Math.ceil((windowStart + periodMs - now) / 1000)), rule };
  }
}

/** The Workers rate limiting binding of each bucket when bound, the D1 counter otherwise. */
export class PlatformRateLimiter implements RateLimiter {
  private readonly fallback: D1RateLimiter;

  constructor(private readonly rules: Readonly<Record<RateLimitBucket, RateLimitRule>> = DEFAULT_RATE_LIMITS) {
    this.fallback = new D1RateLimiter(rules);
  }

  async take(env: Env, bucket: RateLimitBucket, key: string): Promise<RateLimitDecision> {
    const binding = env[BINDINGS[bucket]];
    if (!binding) return this.fallback.take(env, bucket, key);
    const { success } = await binding.limit({ key: `${bucket}:${key}` });
    return success ? { allowed: true } : { allowed: false, retryAfterS: this.rules[bucket].periodS, rule: this.rules[bucket] };
  }
}

/** Throws 429 with Retry-After when `key` is over its bucket's limit. */
export async function enforceRateLimit(limiter: RateLimiter, env: Env, bucket: RateLimitBucket, key: string, what: string): Promise<void> {
  const decision = await limiter.take(env, bucket, key);
  if (decision.allowed) return;
  throw new HttpProblem("too-many-requests", `Too many requests for ${what}: at most ${decision.rule.limit} per ${decision.rule.periodS} s. Retry after ${decision.retryAfterS} s.`, {
    headers: { "Retry-After": String(decision.retryAfterS) },
  });
}

/** Middleware after authentication: limits each API key (see the bucket notes above). */
export function limitApiKeys(limiter: RateLimiter): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = c.get("principal");
    if (principal?.kind === "key") await enforceRateLimit(limiter, c.env, "key", principal.keyId, "this API key");
    await next();
  };
}

/**
 * The caller's IP as Cloudflare saw it. Cloudflare sets CF-Connecting-IP on every request that
 * reaches a Worker (a client cannot forge it there); where it is absent (local development) all
 * callers share one bucket.
 */
export function clientIp(c: Context<AppEnv>): string {
  return c.req.header("CF-Connecting-IP") ?? "local";
}
