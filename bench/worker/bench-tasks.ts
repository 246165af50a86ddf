import { Type } from "@sinclair/typebox";
import { defineTask } from "../../src/core/task/define-task";

/** No-op benchmark steps: `v` = k + the sum of what flowed in (so outputs have a checksum). */
const input = Type.Object({ k: Type.Number(), in: Type.Optional(Type.Array(Type.Number())) });
const output = Type.Object({ v: Type.Number() });
const step = ({ k, in: xs }: { k: number; in?: number[] }) => ({ v: (k + (xs ?? []).reduce((s, x) => s + x, 0)) % 1_000_003 });

export const BenchStep = defineTask({ type: "BenchStep", title: "Bench step (inline)", category: "Bench", execution: "inline", input, output, run: step });
export const BenchQueueStep = defineTask({ type: "BenchQueueStep", title: "Bench step (queue)", category: "Bench", execution: "queue", input, output, run: step });

/** An inline step that takes `ms` of wall time (awaiting a timer), so a run's events are spread out. */
export const BenchSleep = defineTask({
  type: "BenchSleep",
  title: "Bench sleep (inline)",
  category: "Bench",
  execution: "inline",
  input: Type.Object({ ms: Type.Number(), k: Type.Optional(Type.Number()), in: Type.Optional(Type.Array(Type.Number())) }),
  output,
  async run({ ms, k, in: xs }) {
    await new Promise((r) => setTimeout(r, ms));
    return step({ k: k ?? 0, in: xs });
  },
});
