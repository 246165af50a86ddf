import type { MiddlewareHandler } from "hono";
import { problemBody, problemResponse } from "./problem";
import type { AppEnv } from "./types";

/*
 * CORS for browser clients of the API on other origins — and nothing wider. The viewer is served
 * from the API's own origin and needs none of this; so by default no origin is allowed. The
 * Worker var CORS_ORIGINS lists the origins that are, comma-separated and exact
 * (`https://app.example.com,http://localhost:5173`); there is no wildcard.
 *
 * Credentials are bearer tokens the client script sends itself, never cookies, so
 * Access-Control-Allow-Credentials is not sent. A preflight is answered here (204) with the
 * methods of the route and the request headers the API reads; responses expose the headers a
 * client needs (ETag for If-Match, Location of a new run, Retry-After of a 429, the run id of an
 * endpoint call).
 */

export const CORS_ALLOWED_HEADERS = ["Authorization", "Content-Type", "If-Match", "Idempotency-Key"] as const;
export const CORS_EXPOSED_HEADERS = ["ETag", "Location", "Retry-After", "Weft-Run-Id"] as const;
/** Browsers cache a preflight this long (seconds); Chromium caps it at 7200. */
const PREFLIGHT_MAX_AGE_S = 600;

const parsed = new Map<string, ReadonlySet<string>>();

/** The allowed origins in a CORS_ORIGINS value; entries that are not exact origins are dropped with a warning. */
export function parseCorsOrigins(value: string | undefined): ReadonlySet<string> {
  if (!value) return new Set();
  let origins = parsed.get(value);
  if (!origins) {
    const set = new Set<string>();
    for (const raw of value.split(",")) {
      const entry = raw.trim().replace(/\/$/, "");
      if (!entry) continue;
      let origin: string | undefined;
      try {
        origin = new URL(entry).origin;
      } catch {
        origin = undefined;
      }
      if (origin && origin !== "null" && origin === entry) set.add(origin);
      else console.warn(`[weft] CORS_ORIGINS: ${JSON.stringify(entry)} is not an origin (scheme://host[:port]); ignored`);
    }
    origins = set;
    parsed.set(value, origins);
  }
  return origins;
}

function appendVary(headers: Headers, names: string): void {
  const existing = headers.get("Vary");
  headers.set("Vary", existing ? `${existing}, ${names}` : names);
}

/**
 * @param methodsFor the methods served on a request path (from the route table), for preflights.
 */
export function cors(methodsFor: (path: string) => string[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const allowed = parseCorsOrigins(c.env.CORS_ORIGINS);
    const origin = c.req.header("Origin");
    if (allowed.size === 0 || origin === undefined) return next();

    const preflight = c.req.method === "OPTIONS" && c.req.header("Access-Control-Request-Method") !== undefined;
    if (preflight) {
      const methods = methodsFor(c.req.path);
      if (methods.length === 0) return next(); // no such route: 404 as usual
      if (!allowed.has(origin)) {
        return problemResponse(problemBody("forbidden", `Origin ${origin.slice(0, 256)} may not call this API from a browser; add it to CORS_ORIGINS.`));
      }
      const headers = new Headers({
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": methods.join(", "),
        "Access-Control-Allow-Headers": CORS_ALLOWED_HEADERS.join(", "),
        "Access-Control-Max-Age": String(PREFLIGHT_MAX_AGE_S),
        Vary: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
      });
      return new Response(null, { status: 204, headers });
    }

    await next();
    // A WebSocket upgrade carries the socket; browsers do not apply CORS to it.
    if (c.res.status === 101) return;
    appendVary(c.res.headers, "Origin");
    if (!allowed.has(origin)) return;
    c.res.headers.set("Access-Control-Allow-Origin", origin);
    c.res.headers.set("Access-Control-Expose-Headers", CORS_EXPOSED_HEADERS.join(", "));
  };
}
