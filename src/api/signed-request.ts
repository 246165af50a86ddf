import type { Env } from "../env";
import { HttpProblem } from "./problem";
import { type SealedSecrets, acceptedSecrets, secretBox } from "./signing-secrets";
import { SIGNATURE_HEADER, parseSignatureHeader, verifySignature } from "./webhook-signature";

/**
 * Checks the `Weft-Signature` of a request to a webhook or HMAC endpoint over its raw `body`
 * against the owner's accepted secrets (current, and previous during a rotation window).
 * Throws 401 when it does not hold.
 * A secret that cannot be opened is the server's fault (its key changed): a logged 500.
 */
export async function verifySignedRequest(env: Env, request: Request, sealed: SealedSecrets, owner: string, body: Uint8Array, now: number): Promise<void> {
  const box = await secretBox(env);
  // SealedSecretError propagates: the app logs it and answers 500 with an id to quote.
  const secrets = await acceptedSecrets(box, sealed, owner, now);
  const check = await verifySignature({ header: request.headers.get(SIGNATURE_HEADER), body, secrets, nowMs: now });
  if (!check.ok) {
    throw new HttpProblem("unauthorized", check.detail, { headers: { "WWW-Authenticate": `${SIGNATURE_HEADER} realm="weft"` } });
  }
}

const MAX_DELIVERY_ID_LENGTH = 255;

/**
 * The idempotency key of a signed request: its `Weft-Delivery` id, else its `Idempotency-Key`,
 * else one derived from the signature's timestamp and the body's hash — so an exact replay of a
 * captured request (same t, same bytes) maps to the run the original started instead of
 * starting another, even when the sender sends no delivery id. Call after verification.
 */
export function signedRequestIdempotencyKey(request: Request, bodyHashHex: string): string {
  for (const name of ["Weft-Delivery", "Idempotency-Key"]) {
    const value = request.headers.get(name);
    if (value === null) continue;
    if (value.length === 0 || value.length > MAX_DELIVERY_ID_LENGTH) {
      throw new HttpProblem("malformed-request", `${name} must be 1 to ${MAX_DELIVERY_ID_LENGTH} characters.`);
    }
    return `delivery:${value}`;
  }
  const parsed = parseSignatureHeader(request.headers.get(SIGNATURE_HEADER) ?? "");
  const t = typeof parsed === "string" ? "?" : parsed.timestampText;
  return `signature:${t}:${bodyHashHex}`;
}
