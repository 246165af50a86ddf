/**
 * The benchmarks' Worker: Weft exactly as deployed, plus the no-op task types the benchmarks
 * run (a deployment adds its own types the same way). Config: bench/wrangler.bench.toml.
 */
import { registry } from "../../src/registry";
import { BenchQueueStep, BenchSleep, BenchStep } from "./bench-tasks";

registry.register(BenchStep).register(BenchQueueStep).register(BenchSleep);

// Every Durable Object and entrypoint the product exports, and its default handler.
export * from "../../src/index";
export { default } from "../../src/index";
