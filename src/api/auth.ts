import type { Context, MiddlewareHandler } from "hono";
import { findActiveApiKeyByHash, touchApiKey } from "../db/api-keys";
import { createDb } from "../db/client";
import { HttpProblem } from "./problem";
import { type Scope, isScope, scopeSatisfies } from "./scopes";
import { hashSecret, looksLikeApiKey, secretsEqual } from "./secrets";
import { TICKET_PREFIX, verifyTicket } from "./tickets";
import type { AppEnv, Principal } from "./types";

/** `last_used_at` is refreshed at most this often per key: it is a write on a read path. */
const LAST_USED_RESOLUTION_MS = 60_000;

const BEARER = /^Bearer[ \t]+([\x21-\x7e]+)[ \t]*$/i;

function unauthorized(detail: string): HttpProblem {
  return new HttpProblem("unauthorized", detail, { headers: { "WWW-Authenticate": 'Bearer realm="weft"' } });
}

/** The secret run tickets are signed with (src/api/tickets.ts). */
export function ticketSecret(env: AppEnv["Bindings"]): string | undefined {
  return env.TICKET_SECRET || env.ADMIN_TOKEN || undefined;
}

/**
 * Resolves the caller from `Authorization: Bearer <token>` — or, on routes that allow it (the
 * WebSocket upgrades browsers make), from `?token=`, which may also be a run ticket: the admin
 * token (compared in constant time), an unrevoked API key (looked up by the hash of the token),
 * or a valid ticket. Throws 401.
 */
async function authenticate(c: Context<AppEnv>, queryToken: boolean): Promise<Principal> {
  const header = c.req.header("Authorization");
  const fromQuery = queryToken && !header ? c.req.query("token") : undefined;
  if (!header && !fromQuery) throw unauthorized(queryToken ? "This route needs Authorization: Bearer <token>, or ?token=<ticket or key>." : "This route needs Authorization: Bearer <token>.");
  const token = fromQuery ?? BEARER.exec(header ?? "")?.[1];
  if (!token) throw unauthorized("The Authorization header must be Bearer <token>.");

  if (fromQuery && token.startsWith(TICKET_PREFIX)) {
    const secret = ticketSecret(c.env);
    const claims = secret ? await verifyTicket(secret, token) : undefined;
    if (!claims) throw unauthorized("The ticket is not valid or has expired; get a new one from POST /runs/:id/ticket.");
    return { kind: "ticket", runId: claims.run };
  }

  const adminToken = c.env.ADMIN_TOKEN;
  // An unset or empty ADMIN_TOKEN disables the admin token; it never matches an empty string.
  if (adminToken && (await secretsEqual(token, adminToken))) return { kind: "admin" };

  if (looksLikeApiKey(token)) {
    const db = createDb(c.env.DB);
    const key = await findActiveApiKeyByHash(db, await hashSecret(token));
    if (key) {
      const now = Date.now();
      if (key.lastUsedAt === null || now - key.lastUsedAt >= LAST_USED_RESOLUTION_MS) {
        const touch = touchApiKey(db, key.id, now).catch((err: unknown) => console.error("[weft] could not record API key use", key.id, err));
        waitUntil(c, touch);
      }
      return { kind: "key", keyId: key.id, scopes: key.scopes.filter(isScope) };
    }
  }
  throw unauthorized("The bearer token is not valid (unknown, revoked or mistyped).");
}

function waitUntil(c: Context, promise: Promise<unknown>): void {
  try {
    c.executionCtx.waitUntil(promise);
  } catch {
    // No execution context (e.g. app.request() in a unit test): the promise runs on its own.
  }
}

function holds(principal: Principal, scope: Scope): boolean {
  if (principal.kind === "ticket") return scope === "read"; // and only for its run: checked by the route
  return principal.kind === "admin" || scopeSatisfies(principal.scopes, scope);
}

/**
 * Middleware: the caller must be authenticated (401) and hold `scope` (403). It runs before
 * the handler, so a caller learns nothing about ids (404) it may not see.
 */
export function requireScope(scope: Scope, options: { queryToken?: boolean } = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = await authenticate(c, options.queryToken ?? false);
    if (!holds(principal, scope)) {
      throw new HttpProblem("forbidden", `This route needs the "${scope}" scope, which this API key does not have.`, {
        headers: { "WWW-Authenticate": `Bearer realm="weft", error="insufficient_scope", scope="${scope}"` },
      });
    }
    c.set("principal", principal);
    await next();
  };
}
