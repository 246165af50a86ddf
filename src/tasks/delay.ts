import { Type } from "@sinclair/typebox";
import { defineTask } from "../core/task/define-task";

export const Delay = defineTask({
  type: "Delay",
  title: "Delay",
  category: "Control",
  description: "Waits `ms` milliseconds on the run's durable alarm (no timer in memory), then passes `value` through.",
  execution: "inline",
  input: Type.Object({
    ms: Type.Number({ minimum: 0, maximum: 30 * 86_400_000 }),
    value: Type.Optional(Type.Unknown()),
  }),
  output: Type.Object({ value: Type.Unknown() }),
  wait: ({ ms }) => ({ kind: "timer", ms }),
  resume: ({ value }) => ({ value }),
});
