/** The longest wait a `Retry-After` may ask for; beyond it the value is clamped. */
export const MAX_RETRY_AFTER_MS = 86_400_000;

/**
 * Parses an HTTP `Retry-After` header (RFC 9110 §10.2.3): delay-seconds or an HTTP-date.
 * Returns the delay in milliseconds (0 for a date in the past), or undefined when absent or malformed.
 */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (header === null) return undefined;
  const v = header.trim();
  if (/^\d+$/.test(v)) return Math.min(Number(v) * 1000, MAX_RETRY_AFTER_MS);
  // IMF-fixdate, and the obsolete RFC 850 / asctime forms Date.parse also reads; require a weekday
  // or month name so a bare number with junk is not taken for a date.
  if (!/[A-Za-z]{3}/.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - now), MAX_RETRY_AFTER_MS);
}
