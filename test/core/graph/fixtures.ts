import { Type } from "@sinclair/typebox";
import { defineTask } from "../../../src/core/task/define-task";
import { createRegistry } from "../../../src/tasks/index";

/**
 * Test-local task types with closed, precisely typed ports (the built-ins are mostly open,
 * which accepts any port name), so port existence and compatibility can be exercised.
 */
export const Emit = defineTask({
  type: "Emit",
  title: "Emit",
  category: "Test",
  execution: "inline",
  input: Type.Object({}, { additionalProperties: false }),
  output: Type.Object(
    {
      text: Type.String(),
      count: Type.Integer(),
      ratio: Type.Number(),
      flag: Type.Boolean(),
      words: Type.Array(Type.String()),
      data: Type.Unknown(),
      user: Type.Object({ name: Type.String(), age: Type.Integer() }),
    },
    { additionalProperties: false },
  ),
  run: () => ({ text: "t", count: 1, ratio: 0.5, flag: true, words: [], data: null, user: { name: "a", age: 1 } }),
});

export const Sink = defineTask({
  type: "Sink",
  title: "Sink",
  category: "Test",
  execution: "inline",
  input: Type.Object(
    {
      text: Type.String(),
      n: Type.Optional(Type.Number()),
      i: Type.Optional(Type.Integer()),
      flag: Type.Optional(Type.Boolean()),
      numbers: Type.Optional(Type.Array(Type.Number())),
      user: Type.Optional(Type.Object({ name: Type.String() })),
      any: Type.Optional(Type.Unknown()),
      mode: Type.Optional(Type.Union([Type.Literal("fast"), Type.Literal("slow")])),
    },
    { additionalProperties: false },
  ),
  output: Type.Object({ done: Type.Boolean() }, { additionalProperties: false }),
  run: () => ({ done: true }),
});

/** A type with its own config schema (a required key, a closed schema). */
export const Configured = defineTask({
  type: "Configured",
  title: "Configured",
  category: "Test",
  execution: "inline",
  input: Type.Object({ x: Type.Optional(Type.Number()) }, { additionalProperties: false }),
  output: Type.Object({ y: Type.Number() }, { additionalProperties: false }),
  config: Type.Object(
    { mode: Type.Union([Type.Literal("fast"), Type.Literal("slow")]), level: Type.Optional(Type.Integer({ minimum: 0 })) },
    { additionalProperties: false },
  ),
  run: ({ x }) => ({ y: x ?? 0 }),
});

/** A type whose port resolution throws for some instances (a buggy or strict ports()). */
export const Fussy = defineTask({
  type: "Fussy",
  title: "Fussy",
  category: "Test",
  execution: "inline",
  input: Type.Object({}),
  output: Type.Object({}),
  ports(task) {
    if (task.defaults?.explode) throw new Error("explode is not supported");
    return { input: Type.Object({ explode: Type.Optional(Type.Boolean()) }), output: Type.Object({}) };
  },
  run: () => ({}),
});

export const registry = createRegistry([Emit, Sink, Configured, Fussy]);

/** Graph JSON (possibly malformed: that is what is under test) with the missing top-level fields filled in. */
export function graph(body: Record<string, unknown>): Record<string, unknown> {
  return { name: "test", tasks: [], dataflows: [], ...body };
}

export function df(source: string, sourcePort: string, target: string, targetPort: string) {
  return { sourceTaskId: source, sourceTaskPortId: sourcePort, targetTaskId: target, targetTaskPortId: targetPort };
}
