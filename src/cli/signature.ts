import { createHmac } from "node:crypto";

/**
 * The webhook signature header (SPEC §5): `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`,
 * keyed with the secret's UTF-8 bytes over the body's exact bytes.
 */
export function webhookSignature(secret: string, body: Uint8Array, unixSeconds: number): string {
  if (!Number.isSafeInteger(unixSeconds) || unixSeconds < 0) throw new RangeError("the timestamp must be a whole number of seconds");
  const mac = createHmac("sha256", Buffer.from(secret, "utf8"));
  mac.update(`${unixSeconds}.`);
  mac.update(body);
  return `t=${unixSeconds},v1=${mac.digest("hex")}`;
}
