// The Worker's bindings (as declared in wrangler.toml) and main module, tied into the global
// `Cloudflare` namespace so `env` and `exports` from "cloudflare:workers" are typed everywhere.
declare namespace Cloudflare {
  interface Env {
    DB: D1Database;
    RUNS: DurableObjectNamespace<import("./durable/run-object").RunObject>;
    /** One GraphObject per graph: the WebSockets of its editors (GET /graphs/:id/ws). */
    GRAPHS: DurableObjectNamespace<import("./durable/graph-object").GraphObject>;
    TASK_QUEUE: Queue<unknown>;
    ASSETS: Fetcher;
    /** Bootstrap admin token: `.dev.vars` locally, `wrangler secret put ADMIN_TOKEN` in production. */
    ADMIN_TOKEN?: string;
    /** Signs WebSocket tickets; falls back to ADMIN_TOKEN when unset. */
    TICKET_SECRET?: string;
    WEFT_ENV?: string;
    /** Outbound hosts Fetch tasks may reach (comma/space separated; `*.example.com` wildcards). Default: any public host. */
    FETCH_ALLOW_HOSTS?: string;
    /** Encrypts webhook and endpoint signing secrets at rest; falls back to ADMIN_TOKEN when unset. */
    HOOK_SECRET_KEY?: string;
    /** Comma-separated origins a browser client may call the API from (CORS); unset = none. */
    CORS_ORIGINS?: string;
    /** Seconds of silence after which a handed-over queue attempt's worker counts as dead (default 10; src/queue/handover.ts). */
    HANDOVER_BACKUP_S?: string;
    /** Workers rate limiting bindings (src/api/rate-limit.ts); without them a D1 counter limits. */
    RATE_LIMIT_KEYS?: RateLimit;
    RATE_LIMIT_SIGNED?: RateLimit;
    RATE_LIMIT_PUBLIC?: RateLimit;
  }
  interface GlobalProps {
    mainModule: typeof import("./index");
    durableNamespaces: "RunObject" | "GraphObject";
  }
}
