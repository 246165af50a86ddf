import { Type } from "@sinclair/typebox";
import { defineTask } from "../../src/core/task/define-task";

/** No-op benchmark steps: `v` = k + the sum of what flowed in (so outputs have a checksum). */
const input = Type.Object({ k: Type.Number(), in: Type.Optional(Type.Array(Type.Number())) });
const output = Type.Object({ v: Type.Number() });
const step = ({ k, in: xs }: { k: number; in?: number[] }) => ({ v: (k + (xs ?? []).reduce((s, x) => s + x, 0)) % 1_000_003 });

export const BenchStep = defineTask({ type: "BenchStep", title: "Bench step (inline)", category: "Bench", execution: "inline", input, output, run: step });
export const BenchQueueStep = defineTask({ type: "BenchQueueStep", title: "Bench step (queue)", category: "Bench", execution: "queue", input, output, run: step });
