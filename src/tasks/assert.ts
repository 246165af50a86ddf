import { Type } from "@sinclair/typebox";
import { defineTask } from "../core/task/define-task";
import { AssertionError } from "../core/task/errors";
import { throwIfAborted } from "./lib/abort";

export const Assert = defineTask({
  type: "Assert",
  title: "Assert",
  category: "Control",
  description: "Fails with AssertionError and `message` when `condition` is false (not retried); otherwise passes `value` through.",
  execution: "inline",
  // The input stays open (a `*` dataflow may bring other keys along), as other parts of the
  // project rely on; the ports that matter are typed.
  input: Type.Object({
    condition: Type.Boolean(),
    message: Type.Optional(Type.String({ maxLength: 4096 })),
    value: Type.Optional(Type.Unknown()),
  }),
  output: Type.Object({ value: Type.Unknown() }, { additionalProperties: false }),
  run: ({ condition, message, value }, ctx) => {
    throwIfAborted(ctx.signal);
    if (!condition) throw new AssertionError(message ?? "assertion failed");
    return { value };
  },
});
