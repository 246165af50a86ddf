import { Kind, OptionalKind, type TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";

/** A validator for one schema: `true` when Value.Check(schema, value) would be. */
export type Check = (value: unknown) => boolean;

const cache = new WeakMap<TSchema, Check>();
const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Value.Check interprets the schema on every call; the runner checks every task's input, so it
 * turns each input schema once into a tree of closures (no `new Function`, which Workers forbid).
 * Only the TypeBox kinds and keywords below are compiled, with Value.Check's exact semantics under
 * the default TypeSystemPolicy for plain data (objects' keys are their own enumerable ones); a
 * schema using anything else anywhere (formats, references, records, uniqueItems…) is checked by
 * Value.Check itself.
 */
export function checkerFor(schema: TSchema): Check {
  let check = cache.get(schema);
  if (!check) {
    check = compile(schema) ?? ((value: unknown) => Value.Check(schema, value));
    cache.set(schema, check);
  }
  return check;
}

type Keywords = TSchema & Record<string, unknown>;

const OBJECT_KEYWORDS = new Set(["type", "properties", "required", "additionalProperties", "description", "title", "default", "examples", "$schema"]);
const ARRAY_KEYWORDS = new Set(["type", "items", "minItems", "maxItems", "description", "title", "default", "examples"]);
const NUMBER_KEYWORDS = new Set(["type", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "description", "title", "default", "examples"]);
const STRING_KEYWORDS = new Set(["type", "minLength", "maxLength", "pattern", "description", "title", "default", "examples"]);
const PLAIN_KEYWORDS = new Set(["type", "const", "anyOf", "description", "title", "default", "examples"]);

/** Only keywords we implement; a `$id` (references) or anything unknown sends the schema to Value.Check. */
function onlyKnown(schema: Keywords, known: Set<string>): boolean {
  for (const key of Object.keys(schema)) if (!known.has(key)) return false;
  return true;
}

function num(schema: Keywords, key: string): number | undefined {
  const v = schema[key];
  return typeof v === "number" ? v : undefined;
}

function compile(schema: TSchema): Check | undefined {
  const s = schema as Keywords;
  switch (s[Kind]) {
    case "Any":
    case "Unknown":
      return onlyKnown(s, PLAIN_KEYWORDS) ? () => true : undefined;
    case "Boolean":
      return onlyKnown(s, PLAIN_KEYWORDS) ? (v) => typeof v === "boolean" : undefined;
    case "Null":
      return onlyKnown(s, PLAIN_KEYWORDS) ? (v) => v === null : undefined;
    case "Literal": {
      if (!onlyKnown(s, PLAIN_KEYWORDS)) return undefined;
      const c = s.const;
      return (v) => v === c;
    }
    case "Number":
    case "Integer":
      return compileNumber(s, s[Kind] === "Integer");
    case "String":
      return compileString(s);
    case "Array":
      return compileArray(s);
    case "Union":
      return compileUnion(s);
    case "Object":
      return compileObject(s);
    default:
      return undefined;
  }
}

function compileNumber(s: Keywords, integer: boolean): Check | undefined {
  if (!onlyKnown(s, NUMBER_KEYWORDS)) return undefined;
  const min = num(s, "minimum");
  const max = num(s, "maximum");
  const xmin = num(s, "exclusiveMinimum");
  const xmax = num(s, "exclusiveMaximum");
  const mul = num(s, "multipleOf");
  if (min === undefined && max === undefined && xmin === undefined && xmax === undefined && mul === undefined) {
    return integer ? (v) => Number.isInteger(v) : (v) => Number.isFinite(v);
  }
  return (v) => {
    if (integer ? !Number.isInteger(v) : !Number.isFinite(v)) return false;
    const n = v as number;
    if (xmax !== undefined && !(n < xmax)) return false;
    if (xmin !== undefined && !(n > xmin)) return false;
    if (min !== undefined && !(n >= min)) return false;
    if (max !== undefined && !(n <= max)) return false;
    if (mul !== undefined && !(n % mul === 0)) return false;
    return true;
  };
}

function compileString(s: Keywords): Check | undefined {
  if (!onlyKnown(s, STRING_KEYWORDS)) return undefined;
  const min = num(s, "minLength");
  const max = num(s, "maxLength");
  const pattern = typeof s.pattern === "string" ? new RegExp(s.pattern) : undefined;
  if (s.pattern !== undefined && pattern === undefined) return undefined;
  return (v) => {
    if (typeof v !== "string") return false;
    if (min !== undefined && !(v.length >= min)) return false;
    if (max !== undefined && !(v.length <= max)) return false;
    if (pattern !== undefined && !pattern.test(v)) return false;
    return true;
  };
}

function compileArray(s: Keywords): Check | undefined {
  if (!onlyKnown(s, ARRAY_KEYWORDS) || typeof s.items !== "object" || s.items === null) return undefined;
  const item = compile(s.items as TSchema);
  if (!item) return undefined;
  const min = num(s, "minItems");
  const max = num(s, "maxItems");
  return (v) => {
    if (!Array.isArray(v)) return false;
    if (min !== undefined && !(v.length >= min)) return false;
    if (max !== undefined && !(v.length <= max)) return false;
    for (let i = 0; i < v.length; i++) if (!item(v[i])) return false;
    return true;
  };
}

function compileUnion(s: Keywords): Check | undefined {
  if (!onlyKnown(s, PLAIN_KEYWORDS) || !Array.isArray(s.anyOf)) return undefined;
  const branches: Check[] = [];
  for (const b of s.anyOf as TSchema[]) {
    const c = compile(b);
    if (!c) return undefined;
    branches.push(c);
  }
  return (v) => {
    for (let i = 0; i < branches.length; i++) if (branches[i](v)) return true;
    return false;
  };
}

interface PropertyCheck {
  key: string;
  check: Check;
  required: boolean;
  /** Any/Unknown required properties must be present (Value.Check tests `key in value`). */
  mustExist: boolean;
}

function compileObject(s: Keywords): Check | undefined {
  if (!onlyKnown(s, OBJECT_KEYWORDS)) return undefined;
  const additional = s.additionalProperties;
  if (additional !== undefined && typeof additional !== "boolean") return undefined;
  const properties = (s.properties ?? {}) as Record<string, TSchema>;
  const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : []);
  const list: PropertyCheck[] = [];
  const known = Object.getOwnPropertyNames(properties);
  for (const key of known) {
    const p = properties[key] as Keywords;
    const check = compile(p);
    if (!check) return undefined;
    const isRequired = required.has(key);
    // An Optional property is never in `required`; TypeBox marks it with OptionalKind.
    if (isRequired && p[OptionalKind] === "Optional") return undefined;
    list.push({ key, check, required: isRequired, mustExist: isRequired && (p[Kind] === "Any" || p[Kind] === "Unknown") });
  }
  const closed = additional === false;
  const allRequired = Array.isArray(s.required) && s.required.length === known.length;
  return (v) => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
    const o = v as Record<string, unknown>;
    let present = 0;
    for (let i = 0; i < list.length; i++) {
      const p = list[i];
      const value = o[p.key];
      if (p.required) {
        if (!p.check(value)) return false;
        if (p.mustExist && !(p.key in o)) return false;
      } else if (value !== undefined && !p.check(value)) return false;
      if (closed && hasOwn.call(o, p.key)) present++;
    }
    if (!closed) return true;
    // No key beyond the declared ones: count the own keys instead of listing them (inputs are plain objects).
    let keys = 0;
    for (const k in o) if (hasOwn.call(o, k)) keys++;
    // Value.Check's shortcut, kept so both always agree: with every property required, as many keys as properties passes.
    if (allRequired && keys === list.length) return true;
    return keys === present;
  };
}
