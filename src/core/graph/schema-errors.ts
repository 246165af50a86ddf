import { Kind, type TSchema } from "@sinclair/typebox";
import { type ValueError, ValueErrorType } from "@sinclair/typebox/errors";
import { Value } from "@sinclair/typebox/value";
import type { ValidationError } from "./validation-error";

/**
 * Checks `value` against a TypeBox schema and returns every problem as `{ path, message }`,
 * `path` being `basePath` followed by TypeBox's own (RFC 6901 escaped) pointer into the value.
 *
 * Messages are written for the people who wrote the graph ("must be a string", "must be one of
 * "GET", "POST""), not in schema vocabulary. Unknown string formats are not errors here:
 * JSON Schema treats `format` as an annotation unless a validator knows the format, and a task
 * type must not become unusable because a deployment registered no `uri` checker.
 */
export function schemaErrors(schema: TSchema, value: unknown, basePath: string): ValidationError[] {
  // Value.Check is much cheaper than walking the error iterator, and almost every value is valid.
  if (Value.Check(schema, value)) return [];
  let raw: ValueError[];
  try {
    raw = [...Value.Errors(schema, value)];
  } catch (err) {
    // A schema TypeBox cannot walk (an unregistered Kind) is a task-definition bug; say so once.
    return [{ path: basePath, message: `cannot be checked: the task type's schema is not usable (${(err as Error).message})` }];
  }
  return translate(raw, basePath);
}

function translate(raw: ValueError[], basePath: string): ValidationError[] {
  // A missing required property yields both "required" and the property's own type error at the
  // same path (for `undefined`); keep only "is required".
  const requiredAt = new Set<string>();
  for (const e of raw) if (e.type === ValueErrorType.ObjectRequiredProperty) requiredAt.add(e.path);
  const out: ValidationError[] = [];
  const seen = new Set<string>();
  for (const e of raw) {
    if (e.type !== ValueErrorType.ObjectRequiredProperty && requiredAt.has(e.path) && e.value === undefined) continue;
    for (const item of describe(e)) {
      const path = basePath + item.path;
      const key = `${path}\u0000${item.message}`;
      if (seen.has(key)) continue; // the same message twice at one path adds nothing
      seen.add(key);
      out.push({ path, message: item.message });
    }
  }
  return out;
}

/** Messages for one TypeBox error; a union may expand into the errors of its one plausible branch. */
function describe(e: ValueError): ValidationError[] {
  const s = e.schema as Record<string, unknown>;
  const one = (message: string): ValidationError[] => [{ path: e.path, message }];
  switch (e.type) {
    case ValueErrorType.StringFormatUnknown:
    case ValueErrorType.Intersect: // only follows the errors of its parts, already reported
      return [];
    case ValueErrorType.Union:
      return describeUnion(e);
    case ValueErrorType.ObjectRequiredProperty:
      return one("is required");
    case ValueErrorType.ObjectAdditionalProperties:
    case ValueErrorType.IntersectUnevaluatedProperties:
      return one("is not an accepted property");
    case ValueErrorType.Object:
      return one("must be an object");
    case ValueErrorType.ObjectMinProperties:
      return one(`must have at least ${plural(s.minProperties, "property", "properties")}`);
    case ValueErrorType.ObjectMaxProperties:
      return one(`must have at most ${plural(s.maxProperties, "property", "properties")}`);
    case ValueErrorType.Array:
    case ValueErrorType.Tuple:
      return one("must be an array");
    case ValueErrorType.TupleLength:
      return one(`must have exactly ${plural(s.maxItems ?? 0, "item", "items")}`);
    case ValueErrorType.ArrayMinItems:
      return one(`must have at least ${plural(s.minItems, "item", "items")}`);
    case ValueErrorType.ArrayMaxItems:
      return one(`must have at most ${plural(s.maxItems, "item", "items")}`);
    case ValueErrorType.ArrayUniqueItems:
      return one("must not contain duplicate items");
    case ValueErrorType.ArrayContains:
      return one("must contain at least one matching item");
    case ValueErrorType.ArrayMinContains:
      return one(`must contain at least ${plural(s.minContains, "matching item", "matching items")}`);
    case ValueErrorType.ArrayMaxContains:
      return one(`must contain at most ${plural(s.maxContains, "matching item", "matching items")}`);
    case ValueErrorType.String:
      return one("must be a string");
    case ValueErrorType.StringMinLength:
      return one(s.minLength === 1 ? "must not be empty" : `must be at least ${plural(s.minLength, "character", "characters")}`);
    case ValueErrorType.StringMaxLength:
      return one(`must be at most ${plural(s.maxLength, "character", "characters")}`);
    case ValueErrorType.StringPattern:
    case ValueErrorType.RegExp:
      return one(`must match the pattern ${String(s.pattern ?? s.source)}`);
    case ValueErrorType.StringFormat:
      return one(`must be a valid ${String(s.format)}`);
    case ValueErrorType.Number:
      return one("must be a number");
    case ValueErrorType.Integer:
      return one("must be an integer");
    case ValueErrorType.Boolean:
      return one("must be a boolean");
    case ValueErrorType.Null:
      return one("must be null");
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.IntegerMinimum:
      return one(`must be at least ${s.minimum}`);
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.IntegerMaximum:
      return one(`must be at most ${s.maximum}`);
    case ValueErrorType.NumberExclusiveMinimum:
    case ValueErrorType.IntegerExclusiveMinimum:
      return one(`must be greater than ${s.exclusiveMinimum}`);
    case ValueErrorType.NumberExclusiveMaximum:
    case ValueErrorType.IntegerExclusiveMaximum:
      return one(`must be less than ${s.exclusiveMaximum}`);
    case ValueErrorType.NumberMultipleOf:
    case ValueErrorType.IntegerMultipleOf:
      return one(`must be a multiple of ${s.multipleOf}`);
    case ValueErrorType.Literal:
      return one(`must be ${JSON.stringify(s.const)}`);
    case ValueErrorType.Never:
      return one("is not allowed");
    case ValueErrorType.Not:
      return one("matches a value this port excludes");
    case ValueErrorType.Undefined:
    case ValueErrorType.Void:
      return one("must be absent");
    default:
      // Non-JSON kinds (Date, Uint8Array, functions…) never come out of JSON input.
      return one(`must be ${kindName(e.schema)}`);
  }
}

/**
 * A failed union: when exactly one branch has the value's basic type (an object among
 * object|string), its own errors are the helpful ones; otherwise list what would be accepted.
 */
function describeUnion(e: ValueError): ValidationError[] {
  const branches = ((e.schema as { anyOf?: TSchema[] }).anyOf ?? []) as TSchema[];
  const actual = jsonTypeOf(e.value);
  const plausible: number[] = [];
  branches.forEach((b, i) => {
    if (!("const" in b) && basicTypes(b).includes(actual)) plausible.push(i);
  });
  if (plausible.length === 1 && e.errors[plausible[0]]) {
    const inner = [...e.errors[plausible[0]]];
    if (inner.length > 0) return inner.flatMap(describe);
  }
  const consts = branches.filter((b) => "const" in b).map((b) => JSON.stringify((b as unknown as { const: unknown }).const));
  const others = [...new Set(branches.filter((b) => !("const" in b)).map(kindName))];
  const options = [...consts, ...others];
  if (others.length === 0) return [{ path: e.path, message: `must be one of ${options.join(", ")}` }];
  return [{ path: e.path, message: `must be ${joinOr(options)}` }];
}

function basicTypes(schema: TSchema): string[] {
  const t = (schema as { type?: unknown }).type;
  if (typeof t === "string") return t === "integer" ? ["number"] : [t];
  if (Array.isArray(t)) return t.map((x) => (x === "integer" ? "number" : String(x)));
  if (schema[Kind] === "Union") return ((schema as { anyOf?: TSchema[] }).anyOf ?? []).flatMap(basicTypes);
  return [];
}

function jsonTypeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

/** "a string", "an array"… for messages. */
function kindName(schema: TSchema): string {
  if ("const" in schema) return JSON.stringify(schema.const);
  switch (schema[Kind]) {
    case "String":
    case "TemplateLiteral":
    case "RegExp":
      return "a string";
    case "Number":
      return "a number";
    case "Integer":
      return "an integer";
    case "Boolean":
      return "a boolean";
    case "Null":
      return "null";
    case "Array":
    case "Tuple":
      return "an array";
    case "Object":
    case "Record":
      return "an object";
    case "Date":
      return "a date";
    case "Uint8Array":
      return "binary data";
    default:
      return "a valid value";
  }
}

function joinOr(items: string[]): string {
  if (items.length <= 1) return items[0] ?? "a valid value";
  return `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}

function plural(n: unknown, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
