import { Type, type TObject, type TSchema } from "@sinclair/typebox";
import { defineTask } from "../core/task/define-task";
import { PermanentTaskError } from "../core/task/errors";
import { throwIfAborted } from "./lib/abort";
import { placeholders, render } from "./lib/render";
import { InvalidPathError } from "./lib/value-path";

/**
 * The top-level input ports a template reads: `{{user.name}}` and `{{user[0]}}` read port `user`.
 * Throws InvalidPathError on a malformed placeholder path.
 */
export function templateVariables(template: string): string[] {
  const names = new Set<string>();
  for (const p of placeholders(template)) if (p.segments.length > 0) names.add(p.segments[0]);
  return [...names];
}

/** Renders `{{path}}` placeholders against the input; a missing value renders as "", objects as JSON. */
export function renderTemplate(template: string, input: Record<string, unknown>): string {
  return render(template, input);
}

const input = Type.Object({ template: Type.String({ description: "Text with {{variable}} placeholders" }) }, { additionalProperties: true });
const output = Type.Object({ text: Type.String() }, { additionalProperties: false });
const config = Type.Object(
  {
    strict: Type.Optional(Type.Boolean({ description: "Fail (permanently) when a placeholder has no value instead of rendering it empty" })),
  },
  { additionalProperties: false },
);

export const Template = defineTask({
  type: "Template",
  title: "Template",
  category: "String",
  description:
    "Renders a string template. Each {{name}} is an input port; dotted paths ({{user.name}}, {{items[0]}}) read into objects. " +
    "Missing values render empty, or fail the task with config `strict`.",
  execution: "inline",
  input,
  output,
  config,
  // With the template known from defaults, the ports are exactly `template` + its variables;
  // otherwise (template fed by a dataflow) the schema stays open.
  ports(task) {
    const template = task.defaults?.template;
    if (typeof template !== "string") return { input, output };
    const props: Record<string, TSchema> = { template: Type.String() };
    for (const name of templateVariables(template)) if (name !== "template") props[name] = Type.Unknown();
    return { input: Type.Object(props, { additionalProperties: false }) as TObject, output };
  },
  run: (inp, ctx) => {
    throwIfAborted(ctx.signal);
    try {
      const text = render(inp.template, inp, ctx.config.strict ? (path) => {
        throw new PermanentTaskError(`template placeholder {{${path}}} has no value`, "missing_value");
      } : undefined);
      return { text };
    } catch (err) {
      if (err instanceof InvalidPathError) throw new PermanentTaskError(err.message, "invalid_path");
      throw err;
    }
  },
});
