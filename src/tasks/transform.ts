import { type Static, Type, type TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import type { TaskNode } from "../core/graph/schema";
import { defineTask } from "../core/task/define-task";
import { PermanentTaskError } from "../core/task/errors";
import { throwIfAborted } from "./lib/abort";
import { setOwn } from "./lib/objects";
import { render } from "./lib/render";
import { getAt, InvalidPathError, parsePath } from "./lib/value-path";

/**
 * A mapping entry says where one output field comes from:
 * - `"a.b"` / `"/a/b"`: the value at that path in `value` (null when missing);
 * - `{ "path": "a.b", "default": x }`: the same, with `x` when missing;
 * - `{ "const": x }`: the literal x;
 * - `{ "template": "Hi {{name}}" }`: a string rendered with `{{path}}` placeholders read from `value`.
 */
export const MappingEntrySchema = Type.Union([
  Type.String({ maxLength: 1024, description: "A path into `value`" }),
  Type.Object({ path: Type.String({ maxLength: 1024 }), default: Type.Optional(Type.Unknown()) }, { additionalProperties: false }),
  Type.Object({ const: Type.Unknown() }, { additionalProperties: false }),
  Type.Object({ template: Type.String({ maxLength: 65_536 }) }, { additionalProperties: false }),
]);
export type MappingEntry = Static<typeof MappingEntrySchema>;

/** Output field names: any port name but the reserved "*" and "[error]" ports. */
const FIELD_NAME = "^(?!\\*$|\\[error\\]$).{1,128}$";

export const MappingSchema = Type.Record(Type.String({ pattern: FIELD_NAME }), MappingEntrySchema, {
  maxProperties: 256,
  additionalProperties: false, // keys outside FIELD_NAME
  description: "Output field → where it comes from",
});
export type Mapping = Static<typeof MappingSchema>;

const input = Type.Object(
  {
    value: Type.Unknown({ description: "The source the mapping reads from" }),
    mapping: Type.Optional(MappingSchema),
  },
  { additionalProperties: false },
);
const config = Type.Object({ mapping: Type.Optional(MappingSchema) }, { additionalProperties: false });
const openOutput = Type.Object({}, { additionalProperties: true });

/** The mapping a task instance declares statically (defaults win over config, as at run time). */
function declaredMapping(task: TaskNode): Mapping | undefined {
  for (const m of [task.defaults?.mapping, task.config?.mapping]) {
    if (m !== undefined) return Value.Check(MappingSchema, m) ? (m as Mapping) : undefined;
  }
  return undefined;
}

/** One output field. */
function resolve(entry: MappingEntry, value: unknown): unknown {
  if (typeof entry === "string") return getAt(value, parsePath(entry)) ?? null;
  if ("const" in entry) return entry.const;
  if ("template" in entry) return render(entry.template, value);
  const found = getAt(value, parsePath(entry.path));
  return found !== undefined ? found : "default" in entry ? entry.default : null;
}

export const Transform = defineTask({
  type: "Transform",
  title: "Transform",
  category: "Data",
  description:
    "Builds an object from `value` with a declarative `mapping` (input, or config): each output field is a path into the value, " +
    "{ path, default }, { const } or { template }. A missing path gives null (or its default). The output ports are the mapping's keys.",
  execution: "inline",
  input,
  output: openOutput,
  config,
  ports(task) {
    const mapping = declaredMapping(task);
    if (!mapping) return { input, output: openOutput };
    const props: Record<string, TSchema> = {};
    for (const [key, entry] of Object.entries(mapping)) {
      props[key] = typeof entry === "object" && "template" in entry ? Type.String() : Type.Unknown();
    }
    return { input, output: Type.Object(props, { additionalProperties: false }) };
  },
  run: (inp, ctx) => {
    throwIfAborted(ctx.signal);
    const mapping = inp.mapping ?? ctx.config.mapping;
    if (!mapping) throw new PermanentTaskError("Transform needs a `mapping` (input or config)", "missing_mapping");
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(mapping)) {
      try {
        const v = resolve(mapping[key], inp.value);
        setOwn(out, key, v);
      } catch (err) {
        if (err instanceof InvalidPathError) throw new PermanentTaskError(`mapping "${key}": ${err.message}`, "invalid_path");
        throw err;
      }
    }
    return out;
  },
});
