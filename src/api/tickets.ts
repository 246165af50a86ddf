/**
 * Short-lived WebSocket tickets (SPEC §8): browsers cannot set headers on a WebSocket, and an API
 * key in a URL ends up in logs. `POST /runs/:id/ticket` mints `wt_<payload>.<signature>` — read
 * access to that one run, valid 60 s — signed with HMAC-SHA256 under a key derived from the
 * Worker's TICKET_SECRET (or, when unset, its ADMIN_TOKEN), so no storage is needed to check one.
 */

export const TICKET_PREFIX = "wt_";
export const TICKET_TTL_MS = 60_000;

const encoder = new TextEncoder();

export interface TicketClaims {
  /** The run the ticket opens. */
  run: string;
  /** Expiry, ms since the epoch. */
  exp: number;
}

function b64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromB64url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    return Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

async function key(secret: string): Promise<CryptoKey> {
  // A key of its own for tickets: a ticket signature never doubles as anything else.
  const material = await crypto.subtle.digest("SHA-256", encoder.encode(`weft-ticket-v1:${secret}`));
  return crypto.subtle.importKey("raw", material, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

export async function mintTicket(secret: string, runId: string, now = Date.now()): Promise<{ ticket: string; expiresAt: string }> {
  const claims: TicketClaims = { run: runId, exp: now + TICKET_TTL_MS };
  const payload = b64url(encoder.encode(JSON.stringify(claims)));
  const sig = new Uint8Array(await crypto.subtle.sign("HMAC", await key(secret), encoder.encode(payload)));
  return { ticket: `${TICKET_PREFIX}${payload}.${b64url(sig)}`, expiresAt: new Date(claims.exp).toISOString() };
}

/** The ticket's claims when its signature is valid and it has not expired; undefined otherwise. */
export async function verifyTicket(secret: string, ticket: string, now = Date.now()): Promise<TicketClaims | undefined> {
  if (!ticket.startsWith(TICKET_PREFIX) || ticket.length > 512) return undefined;
  const [payload, sig, ...rest] = ticket.slice(TICKET_PREFIX.length).split(".");
  if (!payload || !sig || rest.length) return undefined;
  const sigBytes = fromB64url(sig);
  if (!sigBytes) return undefined;
  // crypto.subtle.verify compares in constant time.
  if (!(await crypto.subtle.verify("HMAC", await key(secret), sigBytes, encoder.encode(payload)))) return undefined;
  const raw = fromB64url(payload);
  if (!raw) return undefined;
  try {
    const claims = JSON.parse(new TextDecoder().decode(raw)) as TicketClaims;
    if (typeof claims.run !== "string" || typeof claims.exp !== "number" || claims.exp < now) return undefined;
    return claims;
  } catch {
    return undefined;
  }
}
