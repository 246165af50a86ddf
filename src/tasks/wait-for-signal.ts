import { Type } from "@sinclair/typebox";
import { defineTask } from "../core/task/define-task";
import { TaskTimeoutError } from "../core/task/errors";

/**
 * A durable wait on a named signal (`POST /runs/:id/signals/:name`): the runner parks the task and
 * hands it the oldest unconsumed signal of that name, whether it arrived before or after the wait
 * began. Human approvals and external callbacks are built on it.
 */
export const WaitForSignal = defineTask({
  type: "WaitForSignal",
  title: "Wait for signal",
  category: "Control",
  description:
    "Waits until `POST /runs/:id/signals/:name` delivers a payload (the oldest unconsumed one of that name), " +
    "failing with TaskTimeoutError after `timeoutMs` when set.",
  execution: "inline",
  input: Type.Object(
    {
      signal: Type.String({ minLength: 1, maxLength: 128, description: "The signal name to wait for" }),
      timeoutMs: Type.Optional(Type.Number({ minimum: 1, maximum: 30 * 86_400_000, description: "Fail after this long without a signal" })),
    },
    { additionalProperties: false },
  ),
  output: Type.Object({ payload: Type.Unknown() }, { additionalProperties: false }),
  wait: ({ signal, timeoutMs }) => ({ kind: "signal", name: signal, ...(timeoutMs ? { timeoutMs } : {}) }),
  resume: (inp, outcome) => {
    if (outcome.kind !== "signal") throw new TaskTimeoutError(inp.timeoutMs ?? 0);
    return { payload: outcome.payload };
  },
});
