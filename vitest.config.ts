import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import path from "node:path";

export default defineConfig({
  test: {
    projects: [
      {
        // Pure core: runs in plain Node, proving src/core has no Cloudflare import.
        test: { name: "core", include: ["test/core/**/*.test.ts"], environment: "node", setupFiles: ["./test/core/fast-check-seed.ts"] },
      },
      {
        // Node-side clients (CLI, viewer logic); the CLI tests start their own `wrangler dev`.
        test: { name: "node", include: ["test/node/**/*.test.ts"], environment: "node", testTimeout: 60_000, hookTimeout: 180_000 },
      },
      {
        plugins: [
          cloudflareTest(async () => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                ADMIN_TOKEN: "test-admin-token",
                // A handed-over queue attempt's silent worker counts as dead after 1 s, not 10: the soak's lost reports would otherwise wait.
                HANDOVER_BACKUP_S: "1",
                TEST_MIGRATIONS: await readD1Migrations(path.join(import.meta.dirname, "migrations")),
                // The fuzzers' seed and run scale (test/core/fuzz/fuzz-params.ts): workerd does not see process.env.
                ...(process.env.FUZZ_SEED ? { FUZZ_SEED: process.env.FUZZ_SEED } : {}),
                ...(process.env.FUZZ_RUNS ? { FUZZ_RUNS: process.env.FUZZ_RUNS } : {}),
                // The soak's knobs (`npm run soak -- --seed N …` sets SOAK_SEED, SOAK_RUNS, SOAK_MINUTES…).
                ...Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith("SOAK_") && e[1] !== undefined)),
              },
              queueConsumers: {
                "weft-tasks": { maxBatchTimeout: 0.05, maxRetries: 3, deadLetterQueue: "weft-tasks-dlq" },
                "weft-tasks-dlq": { maxBatchTimeout: 0.05 },
              },
            },
          })),
        ],
        test: {
          name: "worker",
          include: ["test/**/*.test.ts"],
          exclude: ["test/core/**", "test/node/**"],
          setupFiles: ["./test/apply-migrations.ts"],
          testTimeout: 30_000,
        },
      },
    ],
  },
});
