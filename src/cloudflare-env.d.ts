// The Worker's bindings (as declared in wrangler.toml) and main module, tied into the global
// `Cloudflare` namespace so `env` and `exports` from "cloudflare:workers" are typed everywhere.
declare namespace Cloudflare {
  interface Env {
    DB: D1Database;
    RUNS: DurableObjectNamespace<import("./durable/run-object").RunObject>;
    TASK_QUEUE: Queue<unknown>;
    ASSETS: Fetcher;
    /** Bootstrap admin token: `.dev.vars` locally, `wrangler secret put ADMIN_TOKEN` in production. */
    ADMIN_TOKEN?: string;
    WEFT_ENV?: string;
  }
  interface GlobalProps {
    mainModule: typeof import("./index");
    durableNamespaces: "RunObject";
  }
}
