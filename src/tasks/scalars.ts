import { Type } from "@sinclair/typebox";
import { defineTask } from "../core/task/define-task";

/** Small inline tasks that demos and tests compose. */
export const Identity = defineTask({
  type: "Identity",
  title: "Identity",
  category: "Data",
  description: "Passes `value` through unchanged.",
  execution: "inline",
  input: Type.Object({ value: Type.Optional(Type.Unknown()) }),
  output: Type.Object({ value: Type.Unknown() }),
  run: ({ value }) => ({ value }),
});

export const Add = defineTask({
  type: "Add",
  title: "Add numbers",
  category: "Math",
  description: "`sum` of `a`, `b` and every number in `values`.",
  execution: "inline",
  input: Type.Object({
    a: Type.Optional(Type.Number()),
    b: Type.Optional(Type.Number()),
    values: Type.Optional(Type.Array(Type.Number())),
  }),
  output: Type.Object({ sum: Type.Number() }),
  run: ({ a, b, values }) => ({ sum: (a ?? 0) + (b ?? 0) + (values ?? []).reduce((s, v) => s + v, 0) }),
});

export const Multiply = defineTask({
  type: "Multiply",
  title: "Multiply numbers",
  category: "Math",
  execution: "inline",
  input: Type.Object({ a: Type.Number(), b: Type.Number() }),
  output: Type.Object({ product: Type.Number() }),
  run: ({ a, b }) => ({ product: a * b }),
});

export const Uppercase = defineTask({
  type: "Uppercase",
  title: "Upper-case text",
  category: "String",
  execution: "inline",
  input: Type.Object({ text: Type.String() }),
  output: Type.Object({ text: Type.String() }),
  run: ({ text }) => ({ text: text.toUpperCase() }),
});
