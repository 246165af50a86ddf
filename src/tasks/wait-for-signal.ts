import { Type } from "@sinclair/typebox";
import { defineTask } from "../core/task/define-task";
import { TaskTimeoutError } from "../core/task/errors";

export const WaitForSignal = defineTask({
  type: "WaitForSignal",
  title: "Wait for signal",
  category: "Control",
  description:
    "Waits until `POST /runs/:id/signals/:name` delivers a payload (the oldest unconsumed one of that name), " +
    "failing with TaskTimeoutError after `timeoutMs` when set.",
  execution: "inline",
  input: Type.Object({
    signal: Type.String({ minLength: 1, maxLength: 128 }),
    timeoutMs: Type.Optional(Type.Number({ minimum: 1 })),
  }),
  output: Type.Object({ payload: Type.Unknown() }),
  wait: ({ signal, timeoutMs }) => ({ kind: "signal", name: signal, ...(timeoutMs ? { timeoutMs } : {}) }),
  resume: (inp, outcome) => {
    if (outcome.kind !== "signal") throw new TaskTimeoutError(inp.timeoutMs ?? 0);
    return { payload: outcome.payload };
  },
});
