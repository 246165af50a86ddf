/**
 * Retry policy (SPEC §8): `maxAttempts` counts every attempt, the first included (default 1);
 * delay before attempt n+1 = min(maxDelayMs, initialDelayMs × 2^(n−1)) for `exponential`,
 * min(maxDelayMs, initialDelayMs) for `fixed`, then ±20% jitter from a seeded PRNG whose
 * state lives in the run row — so a replay draws the same delays.
 */
export interface RetrySettings {
  maxAttempts: number;
  backoff: "fixed" | "exponential";
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_INITIAL_DELAY_MS = 1000;
export const DEFAULT_MAX_DELAY_MS = 60_000;
export const JITTER = 0.2;

function nonNegativeInt(v: unknown, fallback: number): number {
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? Math.floor(v) : fallback;
}

export function normalizeRetry(policy: unknown): RetrySettings {
  const p = (typeof policy === "object" && policy !== null ? policy : {}) as Record<string, unknown>;
  return {
    maxAttempts: Math.max(1, nonNegativeInt(p.maxAttempts, 1)),
    backoff: p.backoff === "fixed" ? "fixed" : "exponential",
    initialDelayMs: nonNegativeInt(p.initialDelayMs, DEFAULT_INITIAL_DELAY_MS),
    maxDelayMs: nonNegativeInt(p.maxDelayMs, DEFAULT_MAX_DELAY_MS),
  };
}

/** The delay before the retry that follows failed attempt `failedAttempt` (1-based), before jitter. */
export function baseDelay(settings: RetrySettings, failedAttempt: number): number {
  const raw = settings.backoff === "fixed" ? settings.initialDelayMs : settings.initialDelayMs * 2 ** (failedAttempt - 1);
  return Math.min(settings.maxDelayMs, raw);
}

/** The longest `retryAfterMs` the runner honours (one day, as much as Fetch reads from a `Retry-After`). */
export const MAX_RETRY_AFTER_MS = 86_400_000;

/**
 * The least delay a failure asks for (ErrorInfo.retryAfterMs, e.g. an HTTP 429's `Retry-After`):
 * a floor under the policy's delay, since retrying sooner is wasted. 0 when absent or malformed.
 */
export function retryAfterFloor(retryAfterMs: unknown): number {
  if (typeof retryAfterMs !== "number" || !(retryAfterMs > 0)) return 0;
  return Math.min(Math.ceil(retryAfterMs), MAX_RETRY_AFTER_MS);
}

/** Applies ±20% jitter with `random` in [0, 1); whole milliseconds. */
export function jitter(delay: number, random: number): number {
  return Math.round(delay * (1 - JITTER + 2 * JITTER * random));
}

/** mulberry32: one step of a small, fast, seedable PRNG. Returns [value in [0,1), next state]. */
export function nextRandom(state: number): [number, number] {
  const next = (state + 0x6d2b79f5) >>> 0;
  let t = next;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return [((t ^ (t >>> 14)) >>> 0) / 4294967296, next];
}

/** FNV-1a: a stable 32-bit seed from the run id when no seed is given. */
export function seedFrom(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
