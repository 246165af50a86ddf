import { Type } from "@sinclair/typebox";
import { defineTask } from "../core/task/define-task";
import { throwIfAborted } from "./lib/abort";

/**
 * Passes `value` through unchanged. Its input stays open (any port name validates), which makes it
 * the catch-all sink that tests and other parts of the project use.
 */
export const Identity = defineTask({
  type: "Identity",
  title: "Identity",
  category: "Data",
  description: "Passes `value` through unchanged.",
  execution: "inline",
  input: Type.Object({ value: Type.Optional(Type.Unknown()) }),
  output: Type.Object({ value: Type.Unknown() }, { additionalProperties: false }),
  run: ({ value }, ctx) => {
    throwIfAborted(ctx.signal);
    return { value };
  },
});
