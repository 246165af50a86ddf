import { type Static, Type } from "@sinclair/typebox";
import { defineTask, type TaskContext } from "../../src/core/task/define-task";
import { TaskError } from "../../src/core/task/errors";
import { registry } from "../../src/registry";
import { hashText } from "./random";

/**
 * The soak graphs' deterministic task types: the output is a pure function of the input (a hash of
 * `salt`, the `in` values in order and the name of a routed error), and whether an attempt hangs or
 * fails depends only on its attempt number. So the same graph gives the same outputs in the run's
 * Durable Object — however deliveries are duplicated, reordered or retried — and in `runGraph`,
 * the reference evaluator. Registered in the Worker's own registry (the tests share its isolate).
 */

const SoakInput = Type.Object(
  {
    salt: Type.String({ description: "Makes each task's output distinct" }),
    in: Type.Optional(Type.Array(Type.String(), { description: "Upstream values, in dataflow order" })),
    err: Type.Optional(Type.Unknown({ description: "An error routed along an [error] dataflow" })),
    hangs: Type.Optional(Type.Integer({ minimum: 0, description: "Attempts 1..hangs never finish (until aborted: a timeout)" })),
    failures: Type.Optional(Type.Integer({ minimum: 0, description: "The next `failures` attempts throw" })),
    permanent: Type.Optional(Type.Boolean({ description: "The planned failures are not retryable" })),
    delayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, description: "Succeeding attempts take this long" })),
  },
  { additionalProperties: false },
);
const SoakOutput = Type.Object({ value: Type.String() });
type SoakIn = Static<typeof SoakInput>;

/** What a succeeding attempt returns: a function of the input only, never of timing or attempt. */
export function soakValue(input: Pick<SoakIn, "salt" | "in" | "err">): string {
  const err = input.err as { name?: unknown } | undefined;
  return hashText(`${input.salt}|${(input.in ?? []).join(",")}|${typeof err?.name === "string" ? err.name : ""}`);
}

/** The name of a planned failure, so a run's error can be told from an infrastructure one. */
export const PLANNED_ERROR = "SoakPlannedError";

async function runSoak(input: SoakIn, ctx: TaskContext): Promise<{ value: string }> {
  const hangs = input.hangs ?? 0;
  const failures = input.failures ?? 0;
  if (ctx.attempt <= hangs) {
    // Never settles by itself: only the run's timeout (or a cancel) ends this attempt.
    return new Promise((_resolve, reject) => {
      const stop = () => reject(ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error(String(ctx.signal.reason ?? "aborted")));
      if (ctx.signal.aborted) stop();
      else ctx.signal.addEventListener("abort", stop, { once: true });
    });
  }
  if (ctx.attempt <= hangs + failures) {
    throw new TaskError(`planned failure at attempt ${ctx.attempt}`, { name: PLANNED_ERROR, permanent: input.permanent ?? false });
  }
  if (input.delayMs) await new Promise((r) => setTimeout(r, input.delayMs));
  return { value: soakValue(input) };
}

/**
 * Inline: synchronous when it neither hangs, fails nor waits (the pump's fast path), else async.
 * TaskDefinition.run may return a value or a promise; both paths are exercised.
 */
export const SoakStep = defineTask({
  type: "SoakStep",
  title: "Soak step (inline)",
  category: "Test",
  execution: "inline",
  input: SoakInput,
  output: SoakOutput,
  run(input, ctx) {
    const quick = !input.delayMs && ctx.attempt > (input.hangs ?? 0) + (input.failures ?? 0);
    return quick ? { value: soakValue(input) } : runSoak(input, ctx as TaskContext);
  },
});

/** The same behaviour dispatched through the queue: claimed, run and reported by the consumer. */
export const SoakQueueStep = defineTask({
  type: "SoakQueueStep",
  title: "Soak step (queue)",
  category: "Test",
  execution: "queue",
  input: SoakInput,
  output: SoakOutput,
  run: (input, ctx) => runSoak(input, ctx as TaskContext),
});

for (const t of [SoakStep, SoakQueueStep]) if (!registry.has(t.type)) registry.register(t);
