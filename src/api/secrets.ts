/** Secrets: API key generation, hashing, and comparison that does not leak through timing. */

const encoder = new TextEncoder();

/** Visible start of every API key, so leaked keys are easy to recognise (e.g. by secret scanners). */
export const API_KEY_PREFIX = "weft_";
/** Characters of a key kept in clear for listings: the prefix and a few random characters. */
const DISPLAY_PREFIX_LENGTH = API_KEY_PREFIX.length + 6;

function base64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** A new API key: `weft_` + 256 random bits (base64url), and the part shown in listings. */
export function generateApiKey(): { key: string; displayPrefix: string } {
  const key = API_KEY_PREFIX + base64Url(crypto.getRandomValues(new Uint8Array(32)));
  return { key, displayPrefix: key.slice(0, DISPLAY_PREFIX_LENGTH) };
}

/** True when `token` has the shape of an API key (cheap filter before a database lookup). */
export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX) && token.length === API_KEY_PREFIX.length + 43;
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

/**
 * Hex SHA-256 of a secret. API keys carry 256 random bits, so a fast hash is enough: there is
 * nothing to brute-force that a slow hash would protect.
 */
export async function hashSecret(secret: string): Promise<string> {
  return [...(await sha256(secret))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Compares two secrets in constant time. Both sides are hashed first, so the comparison runs
 * over equal-length digests and neither the content nor the length of the expected secret leaks.
 */
export async function secretsEqual(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256(given), sha256(expected)]);
  return crypto.subtle.timingSafeEqual(a, b);
}
