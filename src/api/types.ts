import type { Limits } from "../core/limits";
import type { TaskRegistry } from "../core/task/registry";
import type { Env } from "../env";
import type { RateLimiter } from "./rate-limit";
import type { Scope } from "./scopes";

/** Who is calling: the bootstrap admin token, an API key with its scopes, or a run ticket (read access to one run). */
export type Principal = { kind: "admin" } | { kind: "key"; keyId: string; scopes: Scope[] } | { kind: "ticket"; runId: string };

/** Hono's environment for the API: the Worker's bindings and what middleware attaches. */
export interface AppEnv {
  Bindings: Env;
  Variables: { principal: Principal };
}

/** What the routes need besides bindings; injected so tests and embedders can vary them. */
export interface ApiDeps {
  registry: TaskRegistry;
  limits: Limits;
  /** Abuse limits; defaults to the Workers rate limiting bindings, else a D1 counter (src/api/rate-limit.ts). */
  rateLimiter?: RateLimiter;
  /** The clock signatures and rotation windows are checked against (ms since the epoch); defaults to Date.now. */
  clock?: () => number;
}
