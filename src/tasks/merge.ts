import { Type, type TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { defineTask } from "../core/task/define-task";
import { PermanentTaskError } from "../core/task/errors";
import { throwIfAborted } from "./lib/abort";
import { deepMergeInto, isPlainObject, type JsonObject, shallowMergeInto } from "./lib/objects";

const ObjectValue = Type.Object({}, { additionalProperties: true, description: "A JSON object" });
/** Port names a Merge may declare: not its own `objects`, not the reserved "*" or "[error]". */
const PortName = Type.String({ minLength: 1, maxLength: 128, pattern: "^(?!objects$)[A-Za-z_$][A-Za-z0-9_$-]*$" });

const config = Type.Object(
  {
    deep: Type.Optional(Type.Boolean({ description: "Merge nested objects recursively (default: shallow, later keys replace earlier ones)" })),
    arrays: Type.Optional(Type.Union([Type.Literal("replace"), Type.Literal("concat")], { description: "Deep merge only: arrays under the same key are replaced (default) or concatenated" })),
    ports: Type.Optional(
      Type.Array(PortName, { maxItems: 64, uniqueItems: true, description: "Named object input ports, merged after `objects`, in this order" }),
    ),
  },
  { additionalProperties: false },
);

const objectsPort = Type.Optional(Type.Array(Type.Union([ObjectValue, Type.Null()]), { description: "Objects to merge, in order; null entries are skipped" }));
const input = Type.Object({ objects: objectsPort }, { additionalProperties: false });
const output = Type.Object({ value: Type.Object({}, { additionalProperties: true }) }, { additionalProperties: false });

/** The named ports from `config.ports`, when it is well-formed. */
function namedPorts(config: unknown): string[] {
  const ports = (config as { ports?: unknown } | undefined)?.ports;
  return Array.isArray(ports) && Value.Check(Type.Array(PortName), ports) ? (ports as string[]) : [];
}

export const Merge = defineTask({
  type: "Merge",
  title: "Merge objects",
  category: "Data",
  description:
    "Merges objects into one `value`: the `objects` array (several dataflows into it append), then the ports named in config `ports`, " +
    "in that order; later keys win. Shallow by default; config `deep` merges nested objects (`arrays`: replace or concat).",
  execution: "inline",
  input,
  output,
  config,
  ports(task) {
    const names = namedPorts(task.config);
    if (names.length === 0) return { input, output };
    const props: Record<string, TSchema> = { objects: objectsPort };
    for (const name of names) props[name] = Type.Optional(Type.Union([ObjectValue, Type.Null()]));
    return { input: Type.Object(props, { additionalProperties: false }), output };
  },
  run: (inp, ctx) => {
    throwIfAborted(ctx.signal);
    const parts: Array<[string, unknown]> = (inp.objects ?? []).map((o, i) => [`objects[${i}]`, o]);
    const all = inp as Record<string, unknown>;
    for (const name of ctx.config.ports ?? []) parts.push([name, all[name]]);
    const deep = ctx.config.deep === true;
    const arrays = ctx.config.arrays ?? "replace";
    const value: JsonObject = {};
    for (const [where, part] of parts) {
      if (part === undefined || part === null) continue;
      if (!isPlainObject(part)) throw new PermanentTaskError(`${where} is not an object`, "not_an_object");
      if (deep) deepMergeInto(value, part, arrays);
      else shallowMergeInto(value, part);
    }
    return { value };
  },
});
