import type { Handler, Hono } from "hono";
import { requireScope } from "./auth";
import type { Scope } from "./scopes";
import type { AppEnv } from "./types";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
/** The scope a route needs; `public` routes take no credential (health, signed webhooks…). */
export type RouteScope = Scope | "public";

export interface RouteSpec {
  method: HttpMethod;
  /** Hono pattern, e.g. `/graphs/:id`. */
  path: string;
  scope: RouteScope;
}

/**
 * The only way routes are added to the API: every route states its scope, and the table of
 * {method, path, scope} it keeps lets a test walk every route and prove it refuses callers
 * without that scope, and lets the app answer 405 with `Allow` for a known path.
 */
export class RouteTable {
  readonly routes: RouteSpec[] = [];

  constructor(private readonly app: Hono<AppEnv>) {}

  get<P extends string>(path: P, scope: RouteScope, handler: Handler<AppEnv, P>): this {
    return this.add("GET", path, scope, handler);
  }
  post<P extends string>(path: P, scope: RouteScope, handler: Handler<AppEnv, P>): this {
    return this.add("POST", path, scope, handler);
  }
  put<P extends string>(path: P, scope: RouteScope, handler: Handler<AppEnv, P>): this {
    return this.add("PUT", path, scope, handler);
  }
  patch<P extends string>(path: P, scope: RouteScope, handler: Handler<AppEnv, P>): this {
    return this.add("PATCH", path, scope, handler);
  }
  delete<P extends string>(path: P, scope: RouteScope, handler: Handler<AppEnv, P>): this {
    return this.add("DELETE", path, scope, handler);
  }

  private add<P extends string>(method: HttpMethod, path: P, scope: RouteScope, handler: Handler<AppEnv, P>): this {
    if (this.routes.some((r) => r.method === method && r.path === path)) throw new Error(`route ${method} ${path} is registered twice`);
    this.routes.push({ method, path, scope });
    if (scope === "public") this.app.on(method, path, handler);
    else this.app.on(method, path, requireScope(scope), handler);
    return this;
  }

  /** The methods registered for a concrete request path (HEAD comes with GET). */
  methodsFor(pathname: string): string[] {
    const methods = new Set<string>();
    for (const r of this.routes) if (patternToRegExp(r.path).test(pathname)) methods.add(r.method);
    if (methods.has("GET")) methods.add("HEAD");
    return [...methods];
  }
}

const patternCache = new Map<string, RegExp>();

function patternToRegExp(pattern: string): RegExp {
  let re = patternCache.get(pattern);
  if (!re) {
    const source = pattern
      .split("/")
      .map((segment) => (segment.startsWith(":") ? "[^/]+" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
      .join("/");
    re = new RegExp(`^${source}$`);
    patternCache.set(pattern, re);
  }
  return re;
}
