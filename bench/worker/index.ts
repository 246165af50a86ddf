/**
 * The benchmarks' Worker: Weft exactly as deployed, plus the no-op task types the benchmarks
 * run (a deployment adds its own types the same way). Config: bench/wrangler.bench.toml.
 */
import { registry } from "../../src/registry";
import { BenchQueueStep, BenchStep } from "./bench-tasks";

registry.register(BenchStep).register(BenchQueueStep);

export { default, RunObject } from "../../src/index";
