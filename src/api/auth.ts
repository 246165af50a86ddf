import type { Context, MiddlewareHandler } from "hono";
import { findActiveApiKeyByHash, touchApiKey } from "../db/api-keys";
import { createDb } from "../db/client";
import { HttpProblem } from "./problem";
import { type Scope, isScope, scopeSatisfies } from "./scopes";
import { hashSecret, looksLikeApiKey, secretsEqual } from "./secrets";
import type { AppEnv, Principal } from "./types";

/** `last_used_at` is refreshed at most this often per key: it is a write on a read path. */
const LAST_USED_RESOLUTION_MS = 60_000;

const BEARER = /^Bearer[ \t]+([\x21-\x7e]+)[ \t]*$/i;

function unauthorized(detail: string): HttpProblem {
  return new HttpProblem("unauthorized", detail, { headers: { "WWW-Authenticate": 'Bearer realm="weft"' } });
}

/**
 * Resolves the caller from `Authorization: Bearer <token>`: the admin token (compared in
 * constant time) or an unrevoked API key (looked up by the hash of the token). Throws 401.
 */
async function authenticate(c: Context<AppEnv>): Promise<Principal> {
  const header = c.req.header("Authorization");
  if (!header) throw unauthorized("This route needs Authorization: Bearer <token>.");
  const token = BEARER.exec(header)?.[1];
  if (!token) throw unauthorized("The Authorization header must be Bearer <token>.");

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
  return principal.kind === "admin" || scopeSatisfies(principal.scopes, scope);
}

/**
 * Middleware: the caller must be authenticated (401) and hold `scope` (403). It runs before
 * the handler, so a caller learns nothing about ids (404) it may not see.
 */
export function requireScope(scope: Scope): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = await authenticate(c);
    if (!holds(principal, scope)) {
      throw new HttpProblem("forbidden", `This route needs the "${scope}" scope, which this API key does not have.`, {
        headers: { "WWW-Authenticate": `Bearer realm="weft", error="insufficient_scope", scope="${scope}"` },
      });
    }
    c.set("principal", principal);
    await next();
  };
}
