import { Type } from "@sinclair/typebox";
import { defineTask } from "../../src/core/task/define-task";
import { TaskError } from "../../src/core/task/errors";
import { registry } from "../../src/registry";

/**
 * Task types the runtime tests need and a deployment would not ship. They are registered in the
 * Worker's own registry: the vitest plugin runs tests in the same isolate as the Worker, so the
 * RunObject and the queue consumer see them too.
 */

/** How many times each (run, task) was executed, to prove exactly-once recording. */
export const executions = new Map<string, number>();

export const QueueEcho = defineTask({
  type: "TestQueueEcho",
  title: "Echo (queue)",
  category: "Test",
  execution: "queue",
  input: Type.Object({ value: Type.Optional(Type.Unknown()), delayMs: Type.Optional(Type.Number()) }),
  output: Type.Object({ value: Type.Unknown() }),
  async run({ value, delayMs }, ctx) {
    const k = `${ctx.runId}/${ctx.path ? `${ctx.path}/` : ""}${ctx.taskId}`;
    executions.set(k, (executions.get(k) ?? 0) + 1);
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    ctx.progress(100);
    return { value };
  },
});

/** Fails its first `failures` attempts (per run and task), then echoes. */
export const Flaky = defineTask({
  type: "TestFlaky",
  title: "Flaky",
  category: "Test",
  execution: "queue",
  input: Type.Object({ failures: Type.Number(), value: Type.Optional(Type.Unknown()), permanent: Type.Optional(Type.Boolean()) }),
  output: Type.Object({ value: Type.Unknown() }),
  run({ failures, value, permanent }, ctx) {
    if (ctx.attempt <= failures) throw new TaskError(`planned failure ${ctx.attempt}`, { name: "FlakyError", permanent: permanent ?? false });
    return { value };
  },
});

/** Throws outside the task contract in the consumer: simulates a worker crash (the message is retried). */
export const crashes = new Map<string, number>();
export const Crashy = defineTask({
  type: "TestCrashy",
  title: "Crashes the consumer",
  category: "Test",
  execution: "queue",
  input: Type.Object({ crashes: Type.Number() }),
  output: Type.Object({ ok: Type.Boolean() }),
  run() {
    return { ok: true };
  },
});

/** An inline task that never finishes unless aborted. */
export const Hang = defineTask({
  type: "TestHang",
  title: "Hang",
  category: "Test",
  execution: "inline",
  input: Type.Object({}),
  output: Type.Object({}),
  run(_input, ctx) {
    return new Promise((_resolve, reject) => ctx.signal.addEventListener("abort", () => reject(new Error("aborted"))));
  },
});

for (const t of [QueueEcho, Flaky, Crashy, Hang]) if (!registry.has(t.type)) registry.register(t);

/** An inline task that awaits a timer: it is "running" long enough to be interrupted. */
export const SleepInline = defineTask({
  type: "TestSleepInline",
  title: "Sleep (inline)",
  category: "Test",
  execution: "inline",
  input: Type.Object({ ms: Type.Number(), value: Type.Optional(Type.Unknown()) }),
  output: Type.Object({ value: Type.Unknown() }),
  async run({ ms, value }) {
    await new Promise((r) => setTimeout(r, ms));
    return { value };
  },
});
if (!registry.has(SleepInline.type)) registry.register(SleepInline);

/**
 * A deterministic ASCII string of exactly `bytes` characters, "seed:0;seed:1;…": no two stretches
 * alike, so a value cut, padded or reassembled out of order (blob parts, frames) does not compare equal.
 */
export function bigText(bytes: number, seed = "v"): string {
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < bytes; i++) {
    const part = `${seed}:${i};`;
    parts.push(part);
    length += part.length;
  }
  return parts.join("").slice(0, bytes);
}

const BigValueInput = Type.Object({ bytes: Type.Integer({ minimum: 0 }), seed: Type.Optional(Type.String()) });
const BigValueOutput = Type.Object({ value: Type.String() });

/** Produces a large value (bigText) inline: values passed by reference. */
export const BigValue = defineTask({
  type: "TestBigValue",
  title: "Big value (inline)",
  category: "Test",
  execution: "inline",
  input: BigValueInput,
  output: BigValueOutput,
  run: ({ bytes, seed }) => ({ value: bigText(bytes, seed) }),
});

/** Produces a large value (bigText) on the queue: a large completion reported back to the object. */
export const QueueBigValue = defineTask({
  type: "TestQueueBigValue",
  title: "Big value (queue)",
  category: "Test",
  execution: "queue",
  input: BigValueInput,
  output: BigValueOutput,
  run: async ({ bytes, seed }) => ({ value: bigText(bytes, seed) }),
});

for (const t of [BigValue, QueueBigValue]) if (!registry.has(t.type)) registry.register(t);
