/*
 * The signature scheme of webhooks and HMAC endpoints (SPEC §5, §8):
 *
 *   Weft-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>[,v1=<hex>…]
 *
 * keyed with the secret's UTF-8 bytes, over the body's exact bytes (never a re-serialisation of
 * its JSON: any byte of difference is a different message). A header may carry several `v1`
 * values — a sender that holds both the old and the new secret during a rotation signs with
 * both — and it is valid when any of them matches any secret the receiver accepts. The
 * timestamp must be within `toleranceS` of the receiver's clock, inclusive, either way.
 *
 * Pure WebCrypto: no bindings, so it runs in the Worker, in Node and in tests alike.
 * Comparisons go through `crypto.subtle.verify`, which compares MACs in constant time.
 */

export const SIGNATURE_HEADER = "Weft-Signature";
/** SPEC §8: |now − t| ≤ 300 s. */
export const SIGNATURE_TOLERANCE_S = 300;
/** Bounds the work a forged header can cause: header length and MACs checked per request. */
const MAX_HEADER_LENGTH = 2048;
const MAX_SIGNATURES = 8;
const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

const encoder = new TextEncoder();

export interface ParsedSignature {
  /** `t` exactly as sent: the signed message starts with these characters. */
  timestampText: string;
  timestamp: number;
  signatures: Uint8Array<ArrayBuffer>[];
}

export type SignatureFailure = "missing" | "malformed" | "expired" | "mismatch";

export type SignatureCheck = { ok: true; secretIndex: number } | { ok: false; reason: SignatureFailure; detail: string };

/** Parses a `Weft-Signature` value; a string says what is wrong with it. */
export function parseSignatureHeader(header: string): ParsedSignature | string {
  if (header.length > MAX_HEADER_LENGTH) return `the header is longer than ${MAX_HEADER_LENGTH} characters`;
  let timestampText: string | undefined;
  const signatures: Uint8Array<ArrayBuffer>[] = [];
  for (const item of header.split(",")) {
    const part = item.trim();
    const eq = part.indexOf("=");
    if (eq <= 0) return `${JSON.stringify(part.slice(0, 32))} is not a key=value pair`;
    const key = part.slice(0, eq);
    const value = part.slice(eq + 1);
    if (key === "t") {
      if (timestampText !== undefined) return "t is given more than once";
      if (!/^\d{1,12}$/.test(value)) return "t must be whole unix seconds";
      timestampText = value;
    } else if (key === "v1") {
      if (!HEX_SHA256.test(value)) return "each v1 must be 64 hex digits (an HMAC-SHA256)";
      if (signatures.length === MAX_SIGNATURES) return `at most ${MAX_SIGNATURES} v1 values are accepted`;
      signatures.push(hexToBytes(value));
    }
    // Other schemes (v0, v2…) are ignored, so senders can add newer ones alongside v1.
  }
  if (timestampText === undefined) return "t=<unix seconds> is missing";
  if (signatures.length === 0) return "no v1=<hex> signature is given";
  return { timestampText, timestamp: Number(timestampText), signatures };
}

function hexToBytes(hex: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function bytesToHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

/** The signed message: the ASCII of `<t>.` followed by the body's bytes. */
function signedMessage(timestampText: string, body: Uint8Array): Uint8Array<ArrayBuffer> {
  const prefix = encoder.encode(`${timestampText}.`);
  const out = new Uint8Array(prefix.length + body.length);
  out.set(prefix, 0);
  out.set(body, prefix.length);
  return out;
}

function hmacKey(secret: string, usage: "sign" | "verify"): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [usage]);
}

/** The hex HMAC-SHA256 of `<t>.<body>` under `secret`. */
export async function signatureHex(secret: string, unixSeconds: number, body: Uint8Array): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret, "sign"), signedMessage(String(unixSeconds), body));
  return bytesToHex(new Uint8Array(mac));
}

/** A complete `Weft-Signature` value, signed with each of `secrets` (one v1 per secret). */
export async function signatureHeader(secrets: string | string[], unixSeconds: number, body: Uint8Array): Promise<string> {
  if (!Number.isSafeInteger(unixSeconds) || unixSeconds < 0) throw new RangeError("the timestamp must be whole unix seconds");
  const list = typeof secrets === "string" ? [secrets] : secrets;
  const macs = await Promise.all(list.map((s) => signatureHex(s, unixSeconds, body)));
  return [`t=${unixSeconds}`, ...macs.map((m) => `v1=${m}`)].join(",");
}

/**
 * Verifies a `Weft-Signature` header over `body` against the secrets accepted now (the current
 * one first, then one still inside its rotation window). `nowMs` is the receiver's clock.
 */
export async function verifySignature(options: {
  header: string | null | undefined;
  body: Uint8Array;
  secrets: readonly string[];
  nowMs: number;
  toleranceS?: number;
}): Promise<SignatureCheck> {
  const { header, body, secrets, nowMs } = options;
  const tolerance = options.toleranceS ?? SIGNATURE_TOLERANCE_S;
  if (!header) return { ok: false, reason: "missing", detail: `The ${SIGNATURE_HEADER} header is missing.` };
  const parsed = parseSignatureHeader(header);
  if (typeof parsed === "string") return { ok: false, reason: "malformed", detail: `The ${SIGNATURE_HEADER} header is malformed: ${parsed}.` };
  const nowS = Math.floor(nowMs / 1000);
  if (Math.abs(nowS - parsed.timestamp) > tolerance) {
    return {
      ok: false,
      reason: "expired",
      detail: `The signature timestamp t=${parsed.timestampText} is more than ${tolerance} s from the server's clock (${nowS}); sign each delivery when sending it.`,
    };
  }
  const message = signedMessage(parsed.timestampText, body);
  for (let i = 0; i < secrets.length; i++) {
    const key = await hmacKey(secrets[i], "verify");
    for (const mac of parsed.signatures) {
      if (await crypto.subtle.verify("HMAC", key, mac, message)) return { ok: true, secretIndex: i };
    }
  }
  return {
    ok: false,
    reason: "mismatch",
    detail: "No v1 signature matches: sign the exact bytes of the body, prefixed with \"<t>.\", with HMAC-SHA256 keyed by the secret's UTF-8 bytes.",
  };
}
