import { Type } from "@sinclair/typebox";
import { defineTask } from "../core/task/define-task";
import { AssertionError } from "../core/task/errors";

export const Assert = defineTask({
  type: "Assert",
  title: "Assert",
  category: "Control",
  description: "Fails with AssertionError and `message` when `condition` is false; passes `value` through.",
  execution: "inline",
  input: Type.Object({
    condition: Type.Boolean(),
    message: Type.Optional(Type.String()),
    value: Type.Optional(Type.Unknown()),
  }),
  output: Type.Object({ value: Type.Unknown() }),
  run: ({ condition, message, value }) => {
    if (!condition) throw new AssertionError(message ?? "assertion failed");
    return { value };
  },
});
