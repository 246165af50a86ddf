import { Type } from "@sinclair/typebox";
import { defineTask } from "../core/task/define-task";

/** Thirty days: longer waits belong in a schedule, not in a run. */
export const MAX_DELAY_MS = 30 * 86_400_000;

/**
 * A durable wait: `wait()` asks the runner to park the task on the run's alarm, so no timer lives
 * in memory and a Durable Object eviction loses nothing; `resume()` passes `value` through.
 * Its schemas stay open (any port name validates), as other parts of the project rely on.
 */
export const Delay = defineTask({
  type: "Delay",
  title: "Delay",
  category: "Control",
  description: "Waits `ms` milliseconds on the run's durable alarm (no timer in memory, survives eviction), then passes `value` through.",
  execution: "inline",
  input: Type.Object({
    ms: Type.Number({ minimum: 0, maximum: MAX_DELAY_MS, description: "How long to wait, at most 30 days" }),
    value: Type.Optional(Type.Unknown()),
  }),
  output: Type.Object({ value: Type.Unknown() }),
  wait: ({ ms }) => ({ kind: "timer", ms }),
  resume: ({ value }) => ({ value }),
});
