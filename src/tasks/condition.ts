import { type Static, Type, type TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import type { TaskNode } from "../core/graph/schema";
import { defineTask } from "../core/task/define-task";
import { PermanentTaskError } from "../core/task/errors";
import { throwIfAborted } from "./lib/abort";
import { evaluate, type Predicate, PredicateError, PredicateSchema } from "./lib/predicate";

/** The port taken when no rule matches. */
export const DEFAULT_PORT = "default";

/** A rule's port: an identifier, not "default" (that is the no-match port) and not a reserved port. */
const RulePort = Type.String({ maxLength: 128, pattern: "^(?!default$)[A-Za-z_$][A-Za-z0-9_$-]*$" });

export const RuleSchema = Type.Object(
  { port: RulePort, when: PredicateSchema },
  { additionalProperties: false, description: 'Activate output port `port` when `when` holds, e.g. { "port": "high", "when": { "op": "gt", "path": "score", "value": 5 } }' },
);
export const RulesSchema = Type.Array(RuleSchema, { minItems: 1, maxItems: 64 });
export type Rule = Static<typeof RuleSchema>;

const Mode = Type.Union([Type.Literal("first"), Type.Literal("all")], {
  description: '"first" (default): only the first matching rule\'s port; "all": every matching rule\'s port',
});

const input = Type.Object(
  {
    value: Type.Unknown({ description: "What the rules look at; it is also what the active ports carry" }),
    rules: Type.Optional(RulesSchema),
  },
  { additionalProperties: false },
);
const config = Type.Object({ rules: Type.Optional(RulesSchema), mode: Type.Optional(Mode) }, { additionalProperties: false });
const openOutput = Type.Object({}, { additionalProperties: true });

/** The rules a task instance declares statically (defaults win over config, as at run time). */
function declaredRules(task: TaskNode): Rule[] | undefined {
  for (const r of [task.defaults?.rules, task.config?.rules]) {
    if (r !== undefined) return Value.Check(RulesSchema, r) ? (r as Rule[]) : undefined;
  }
  return undefined;
}

/** The active ports for `value`, in rule order; `default` when none matches. */
export function activePorts(rules: readonly Rule[], value: unknown, mode: "first" | "all"): string[] {
  const ports: string[] = [];
  for (const rule of rules) {
    if (!evaluate(rule.when as Predicate, value)) continue;
    if (!ports.includes(rule.port)) ports.push(rule.port);
    if (mode === "first") break;
  }
  return ports.length > 0 ? ports : [DEFAULT_PORT];
}

export const Condition = defineTask({
  type: "Condition",
  title: "Condition",
  category: "Control",
  description:
    "Branches: evaluates `rules` (input or config; each { port, when }) against `value` and activates the matching rules' output ports, " +
    "or `default` when none matches. Active ports carry `value`; the dataflows of the others are SKIPPED. " +
    'Config `mode`: "first" (default) or "all" matching rules.',
  execution: "inline",
  branching: true,
  input,
  output: openOutput,
  config,
  ports(task) {
    const rules = declaredRules(task);
    if (!rules) return { input, output: openOutput };
    const props: Record<string, TSchema> = {};
    for (const rule of rules) props[rule.port] = Type.Optional(Type.Unknown());
    props[DEFAULT_PORT] = Type.Optional(Type.Unknown());
    return { input, output: Type.Object(props, { additionalProperties: false }) };
  },
  run: (inp, ctx) => {
    throwIfAborted(ctx.signal);
    const rules = inp.rules ?? ctx.config.rules;
    if (!rules) throw new PermanentTaskError("Condition needs `rules` (input or config)", "missing_rules");
    let ports: string[];
    try {
      ports = activePorts(rules, inp.value, ctx.config.mode ?? "first");
    } catch (err) {
      if (err instanceof PredicateError) throw new PermanentTaskError(err.message, "invalid_rule");
      throw err;
    }
    const out: Record<string, unknown> = {};
    for (const port of ports) out[port] = inp.value;
    return out;
  },
});
