import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { DEFAULT_LIMITS } from "../core/limits";
import { InvalidCursorError } from "../db/cursor";
import { registry } from "../registry";
import { HttpProblem, PROBLEM_KINDS, type ProblemKind, problemBody, problemResponse } from "./problem";
import { RouteTable, type RouteSpec } from "./route-table";
import { cors } from "./cors";
import { PlatformRateLimiter, limitApiKeys } from "./rate-limit";
import { registerEndpointRoutes } from "./routes/endpoints";
import { registerGraphRoutes } from "./routes/graphs";
import { registerHealthRoutes } from "./routes/health";
import { registerHookRoutes } from "./routes/hooks";
import { registerKeyRoutes } from "./routes/keys";
import { registerRunRoutes } from "./routes/runs";
import { registerOpenApiRoutes } from "./routes/openapi";
import { registerScheduleRoutes } from "./routes/schedules";
import { registerTaskTypeRoutes } from "./routes/task-types";
import { securityHeaders } from "./security-headers";
import type { ApiDeps, AppEnv } from "./types";

/** The HTTP API: every router registered through one RouteTable, problem+json for every error. */
export function createApp(deps: ApiDeps = { registry, limits: DEFAULT_LIMITS }): { app: Hono<AppEnv>; routes: readonly RouteSpec[] } {
  const app = new Hono<AppEnv>();
  const rateLimiter = deps.rateLimiter ?? new PlatformRateLimiter();
  deps = { ...deps, rateLimiter };
  const routes = new RouteTable(app, [limitApiKeys(rateLimiter)]);

  app.use("*", securityHeaders());
  app.use("*", cors((path) => routes.methodsFor(path)));

  registerHealthRoutes(routes);
  registerTaskTypeRoutes(routes, deps);
  registerGraphRoutes(routes, deps);
  registerKeyRoutes(routes);
  registerRunRoutes(routes, deps);
  registerHookRoutes(routes, deps);
  registerEndpointRoutes(routes, deps);
  registerScheduleRoutes(routes, deps);
  registerOpenApiRoutes(routes);

  app.notFound((c) => {
    const allowed = routes.methodsFor(c.req.path);
    if (allowed.length > 0) {
      return problemResponse(problemBody("method-not-allowed", `${c.req.method} is not allowed on ${c.req.path}; use ${allowed.join(", ")}.`), {
        Allow: allowed.join(", "),
      });
    }
    return problemResponse(problemBody("not-found", `There is no route ${c.req.method} ${c.req.path}.`));
  });

  app.onError((err) => errorResponse(err));

  return { app, routes: routes.routes };
}

function kindForStatus(status: number): ProblemKind | undefined {
  return (Object.keys(PROBLEM_KINDS) as ProblemKind[]).find((k) => PROBLEM_KINDS[k].status === status);
}

/** Any error as problem+json. Unexpected ones are logged with an id the client can quote, and nothing else. */
export function errorResponse(err: unknown): Response {
  if (err instanceof HttpProblem) return problemResponse(err.body(), err.extra.headers);
  if (err instanceof InvalidCursorError) return problemResponse(problemBody("malformed-request", "The cursor is not valid; use a nextCursor from a previous page."));
  if (err instanceof HTTPException && err.status < 500) {
    const kind = kindForStatus(err.status) ?? "malformed-request";
    return problemResponse(problemBody(kind, err.message || PROBLEM_KINDS[kind].title));
  }
  const id = crypto.randomUUID();
  console.error(`[weft] unhandled error ${id}:`, err);
  return problemResponse(problemBody("internal-error", `Something went wrong on our side. Quote ${id} when reporting it.`, undefined, `urn:uuid:${id}`));
}

const api = createApp();
/** The Worker's API app. */
export const app = api.app;
/** Every route with its method, path and scope, for tests and documentation. */
export const routeTable = api.routes;
