import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { runSoak } from "./harness";

/**
 * The soak (docs/soak.md). Under `npm test`: seed 1, 20 runs, 8 at a time — a fixed sample that
 * must find no violation. `npm run soak -- --seed N --runs M [--minutes T]` runs this same file
 * with SOAK_* bindings (vitest.config.ts passes them through from the environment).
 */
const knobs = env as unknown as Record<string, string | undefined>;
const num = (name: string, fallback: number | undefined): number | undefined => {
  const raw = knobs[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got ${JSON.stringify(raw)}`);
  return n;
};

const seed = num("SOAK_SEED", 1) as number;
const minutes = num("SOAK_MINUTES", undefined);
const runs = num("SOAK_RUNS", minutes ? 0 : 20) as number;
const concurrency = num("SOAK_CONCURRENCY", 8) as number;
const only = num("SOAK_RUN", undefined);
const fixedSample = knobs.SOAK_SEED === undefined && minutes === undefined && only === undefined && knobs.SOAK_RUNS === undefined;
const timeout = minutes ? (minutes + 5) * 60_000 : Math.max(180_000, runs * 20_000);

describe("soak: random graphs under injected faults", () => {
  it(
    only !== undefined ? `seed ${seed}, run ${only}` : minutes ? `seed ${seed} for ${minutes} min` : `seed ${seed}, ${runs} runs`,
    async () => {
      const report = await runSoak({ seed, runs, minutes, concurrency, only });
      expect(report.violations.map((v) => `seed=${v.seed} run=${v.run} runId=${v.runId} ${v.invariant}: ${v.detail}`)).toEqual([]);
      expect(report.runs).toBeGreaterThan(0);
      if (fixedSample) {
        // The fixed sample must keep exercising every kind of fault, or it proves nothing.
        const f = report.faults;
        for (const [kind, n] of Object.entries(f)) expect.soft(n, `fault kind ${kind}`).toBeGreaterThan(0);
        expect(Object.keys(report.statuses).sort()).toEqual(expect.arrayContaining(["ABORTED", "COMPLETED"]));
      }
    },
    timeout,
  );
});
