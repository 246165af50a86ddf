import { Type, type TObject, type TSchema } from "@sinclair/typebox";
import { defineTask } from "../core/task/define-task";

const VARIABLE = /\{\{\s*([^{}\s]+)\s*\}\}/g;

/** The top-level input ports a template reads: `{{user.name}}` reads port `user`. */
export function templateVariables(template: string): string[] {
  const names = new Set<string>();
  for (const m of template.matchAll(VARIABLE)) names.add(m[1].split(".")[0]);
  return [...names];
}

function lookup(input: Record<string, unknown>, path: string): unknown {
  let v: unknown = input;
  for (const key of path.split(".")) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** Renders `{{path}}` placeholders; a missing value renders as the empty string, objects as JSON. */
export function renderTemplate(template: string, input: Record<string, unknown>): string {
  return template.replace(VARIABLE, (_, path: string) => {
    const v = lookup(input, path);
    if (v === undefined || v === null) return "";
    return typeof v === "object" ? JSON.stringify(v) : String(v);
  });
}

const input = Type.Object({ template: Type.String({ description: "Text with {{variable}} placeholders" }) }, { additionalProperties: true });
const output = Type.Object({ text: Type.String() });

export const Template = defineTask({
  type: "Template",
  title: "Template",
  category: "String",
  description: "Renders a string template; each {{name}} is an input port (dotted paths read into objects).",
  execution: "inline",
  input,
  output,
  // With the template known from defaults, the ports are exactly `template` + its variables;
  // otherwise (template fed by a dataflow) the schema stays open.
  ports(task) {
    const template = task.defaults?.template;
    if (typeof template !== "string") return { input, output };
    const props: Record<string, TSchema> = { template: Type.String() };
    for (const name of templateVariables(template)) if (name !== "template") props[name] = Type.Unknown();
    return { input: Type.Object(props, { additionalProperties: false }) as TObject, output };
  },
  run: (inp) => ({ text: renderTemplate(inp.template, inp as Record<string, unknown>) }),
});
