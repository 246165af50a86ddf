import type { TObject, TSchema } from "@sinclair/typebox";
import type { Handler, Hono, MiddlewareHandler } from "hono";
import { requireScope } from "./auth";
import type { Scope } from "./scopes";
import type { AppEnv } from "./types";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
/** The scope a route needs; `public` routes take no credential (health, signed webhooks…). */
export type RouteScope = Scope | "public";

/** One documented response of a route: its description and, for a JSON body, the body's schema. */
export interface ResponseDoc {
  description: string;
  /** Schema of the JSON body; absent for an empty body (204) or a non-JSON one. */
  schema?: TSchema;
  /** Response headers worth knowing (ETag, Location…), name → description. */
  headers?: Record<string, string>;
}

/**
 * What a route tells its readers, from the same TypeBox schemas the handler validates with:
 * the OpenAPI document (src/api/openapi.ts) is generated from these, never written by hand.
 * Every field is optional: an undocumented route still appears, with its path parameters,
 * scope and the problem responses every route can give.
 */
export interface RouteDoc {
  summary?: string;
  description?: string;
  /** Groups operations in the reference; defaults to the path's first segment. */
  tags?: string[];
  /** The JSON request body. */
  body?: TSchema;
  /** Query parameters: each property is one parameter, required when the object requires it. */
  query?: TObject;
  /** Request headers the route reads (If-Match, Idempotency-Key…): same convention as `query`. */
  headers?: TObject;
  /** Successful responses by status; problem responses are added by the generator. */
  responses?: Record<number, ResponseDoc>;
  /** Problem statuses this route may answer besides the ones every route of its kind can (401, 403, 404…). */
  problems?: number[];
}

export interface RouteSpec {
  method: HttpMethod;
  /** Hono pattern, e.g. `/graphs/:id`. */
  path: string;
  scope: RouteScope;
  doc?: RouteDoc;
}

/** The second argument of a registration: a bare scope, or the scope with the route's documentation. */
export type RouteOptions = RouteScope | ({ scope: RouteScope; acceptsQueryToken?: boolean } & RouteDoc);

/**
 * The only way routes are added to the API: every route states its scope, and the table of
 * {method, path, scope} it keeps lets a test walk every route and prove it refuses callers
 * without that scope, and lets the app answer 405 with `Allow` for a known path.
 */
export class RouteTable {
  readonly routes: RouteSpec[] = [];

  /**
   * @param afterAuth middleware run on every authenticated route once the caller is known and
   *   holds the scope (per-key rate limits), before the handler.
   */
  constructor(
    private readonly app: Hono<AppEnv>,
    private readonly afterAuth: readonly MiddlewareHandler<AppEnv>[] = [],
  ) {}

  get<P extends string>(path: P, options: RouteOptions, handler: Handler<AppEnv, P>): this {
    return this.add("GET", path, options, handler);
  }
  post<P extends string>(path: P, options: RouteOptions, handler: Handler<AppEnv, P>): this {
    return this.add("POST", path, options, handler);
  }
  put<P extends string>(path: P, options: RouteOptions, handler: Handler<AppEnv, P>): this {
    return this.add("PUT", path, options, handler);
  }
  patch<P extends string>(path: P, options: RouteOptions, handler: Handler<AppEnv, P>): this {
    return this.add("PATCH", path, options, handler);
  }
  delete<P extends string>(path: P, options: RouteOptions, handler: Handler<AppEnv, P>): this {
    return this.add("DELETE", path, options, handler);
  }

  private add<P extends string>(method: HttpMethod, path: P, options: RouteOptions, handler: Handler<AppEnv, P>): this {
    if (this.routes.some((r) => r.method === method && r.path === path)) throw new Error(`route ${method} ${path} is registered twice`);
    const { scope, acceptsQueryToken, ...doc } = typeof options === "string" ? { scope: options, acceptsQueryToken: false } : options;
    this.routes.push(Object.keys(doc).length > 0 ? { method, path, scope, doc } : { method, path, scope });
    if (scope === "public") this.app.on(method, path, handler);
    else this.app.on(method, path, requireScope(scope, { queryToken: acceptsQueryToken ?? false }), ...this.afterAuth, handler);
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
