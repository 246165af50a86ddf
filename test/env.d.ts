declare namespace Cloudflare {
  interface Env {
    /** Injected by vitest.config.ts: the D1 migrations read from migrations/. */
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
  }
}
