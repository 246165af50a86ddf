import type { MiddlewareHandler } from "hono";

/**
 * Headers for JSON API responses: no MIME sniffing, never framed, no referrer leaks, nothing
 * rendered as a document (a JSON body opened in a browser runs no script), and no caching of
 * what may be private data. CORS is deliberately not granted here.
 */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
  "Cache-Control": "no-store",
};

export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    // A WebSocket upgrade (101) carries the socket, not a document; leave it alone.
    if (c.res.status === 101) return;
    for (const [name, value] of Object.entries(API_SECURITY_HEADERS)) {
      if (!c.res.headers.has(name)) c.res.headers.set(name, value);
    }
  };
}
