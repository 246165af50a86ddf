/**
 * Seed and run counts of the fuzzers. CI runs a fixed seed, so a failure reproduces; fast-check
 * prints the seed and the counterexample's path whenever a property fails.
 *
 * Longer or different runs, locally:
 *   FUZZ_SEED=123 FUZZ_RUNS=20 npx vitest run --project core test/core/fuzz
 * FUZZ_RUNS multiplies every property's run count. The API fuzzer runs inside workerd, which does
 * not see the shell's environment: vitest.config.ts passes FUZZ_SEED / FUZZ_RUNS to it as bindings.
 */
export const DEFAULT_FUZZ_SEED = 20_261_126;

export interface FuzzParams {
  seed: number;
  /** Multiplier of each property's base run count. */
  scale: number;
}

/** Reads FUZZ_SEED / FUZZ_RUNS from `env` (process.env in Node, the Worker env in workerd). */
export function fuzzParams(env: Record<string, unknown> | undefined): FuzzParams {
  const num = (v: unknown, fallback: number) => {
    const n = typeof v === "string" && v.trim() !== "" ? Number(v) : typeof v === "number" ? v : NaN;
    return Number.isFinite(n) ? n : fallback;
  };
  return { seed: Math.trunc(num(env?.FUZZ_SEED, DEFAULT_FUZZ_SEED)), scale: Math.max(num(env?.FUZZ_RUNS, 1), 0.01) };
}

/** fast-check parameters for a property with `baseRuns` runs. */
export function runsOf(params: FuzzParams, baseRuns: number): { seed: number; numRuns: number } {
  return { seed: params.seed, numRuns: Math.max(1, Math.round(baseRuns * params.scale)) };
}
