import { type Static, Type } from "@sinclair/typebox";
import { getAt, parsePath } from "./value-path";

/**
 * A small JSON-logic-style predicate language for Condition, evaluated against one value.
 *
 *   { "op": "gt", "path": "score", "value": 5 }        a comparison at a path ("" or absent: the value itself)
 *   { "all": [p, …] }  { "any": [p, …] }  { "not": p }  combinators
 *
 * Comparisons never coerce: "5" is not greater than 4, and comparing a number with a string is false.
 */
export const COMPARISON_OPS = [
  "eq", // deep equality (JSON values)
  "ne", // not eq
  "gt", // numbers, or strings in code-unit order (ISO dates compare correctly)
  "gte",
  "lt",
  "lte",
  "in", // equals one element of `value` (an array)
  "contains", // a string containing `value` (a string), or an array with an element equal to `value`
  "startsWith", // strings
  "endsWith",
  "matches", // a string matching the regular expression `value`
  "exists", // the path has a value (null counts)
  "truthy", // not false, 0, "", null, [], {} or missing
  "empty", // null, missing, "", [] or {}
] as const;
export type ComparisonOp = (typeof COMPARISON_OPS)[number];

const OPS_TAKING_NO_VALUE: ReadonlySet<string> = new Set(["exists", "truthy", "empty"]);

export const ComparisonSchema = Type.Object(
  {
    op: Type.Union(COMPARISON_OPS.map((op) => Type.Literal(op))),
    path: Type.Optional(Type.String({ maxLength: 1024, description: "Where in the value to look; absent or \"\" is the value itself" })),
    value: Type.Optional(Type.Unknown({ description: "The operand (not used by exists, truthy, empty)" })),
  },
  { additionalProperties: false },
);

/** Nesting is bounded at evaluation so a hostile rule set cannot blow the stack. */
export const MAX_PREDICATE_DEPTH = 32;

export type Comparison = Static<typeof ComparisonSchema>;
export type Predicate = Comparison | { all: Predicate[] } | { any: Predicate[] } | { not: Predicate };

/** The predicate schema: a comparison or a combinator of predicates (one `$ref`, so it stays small in /task-types). */
export const PredicateSchema = Type.Recursive(
  (This) =>
    Type.Union([
      ComparisonSchema,
      Type.Object({ all: Type.Array(This, { minItems: 1, maxItems: 64 }) }, { additionalProperties: false }),
      Type.Object({ any: Type.Array(This, { minItems: 1, maxItems: 64 }) }, { additionalProperties: false }),
      Type.Object({ not: This }, { additionalProperties: false }),
    ]),
  { $id: "WeftPredicate", description: "A comparison { op, path?, value? } or { all: […] } / { any: […] } / { not: … }" },
);

export class PredicateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PredicateError";
  }
}

/** Deep equality of JSON values (key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => jsonEqual(x, bb[i]));
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  const ob = b as Record<string, unknown>;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(ob, k) && jsonEqual((a as Record<string, unknown>)[k], ob[k]));
}

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === "") return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === "object" && Object.keys(v as object).length === 0;
}

function ordered(a: unknown, b: unknown): a is number | string {
  return (typeof a === "number" && typeof b === "number") || (typeof a === "string" && typeof b === "string");
}

const regexCache = new Map<string, RegExp>();

function regex(source: unknown): RegExp {
  if (typeof source !== "string") throw new PredicateError(`"matches" needs a regular expression string as value`);
  let re = regexCache.get(source);
  if (!re) {
    try {
      re = new RegExp(source, "u");
    } catch (err) {
      throw new PredicateError(`invalid regular expression ${JSON.stringify(source)}: ${(err as Error).message}`);
    }
    if (regexCache.size >= 256) regexCache.clear();
    regexCache.set(source, re);
  }
  return re;
}

function compare(c: Comparison, subject: unknown): boolean {
  const v = c.value;
  if (!OPS_TAKING_NO_VALUE.has(c.op) && !("value" in c)) throw new PredicateError(`"${c.op}" needs a value`);
  switch (c.op) {
    case "eq":
      return subject !== undefined && jsonEqual(subject, v);
    case "ne":
      return !(subject !== undefined && jsonEqual(subject, v));
    case "gt":
      return ordered(subject, v) && subject > (v as typeof subject);
    case "gte":
      return ordered(subject, v) && subject >= (v as typeof subject);
    case "lt":
      return ordered(subject, v) && subject < (v as typeof subject);
    case "lte":
      return ordered(subject, v) && subject <= (v as typeof subject);
    case "in":
      if (!Array.isArray(v)) throw new PredicateError(`"in" needs an array as value`);
      return subject !== undefined && v.some((x) => jsonEqual(subject, x));
    case "contains":
      if (typeof subject === "string") return typeof v === "string" && subject.includes(v);
      return Array.isArray(subject) && subject.some((x) => jsonEqual(x, v));
    case "startsWith":
      return typeof subject === "string" && typeof v === "string" && subject.startsWith(v);
    case "endsWith":
      return typeof subject === "string" && typeof v === "string" && subject.endsWith(v);
    case "matches":
      return typeof subject === "string" && regex(v).test(subject);
    case "exists":
      return subject !== undefined;
    case "truthy":
      return !isEmpty(subject) && subject !== false && subject !== 0;
    case "empty":
      return isEmpty(subject);
  }
}

/** Evaluates a predicate against `value`; throws PredicateError on a malformed one. */
export function evaluate(p: Predicate, value: unknown, depth = 0): boolean {
  if (depth > MAX_PREDICATE_DEPTH) throw new PredicateError(`predicates nest deeper than ${MAX_PREDICATE_DEPTH} levels`);
  if ("all" in p) return p.all.every((q) => evaluate(q, value, depth + 1));
  if ("any" in p) return p.any.some((q) => evaluate(q, value, depth + 1));
  if ("not" in p) return !evaluate(p.not, value, depth + 1);
  let segments: string[];
  try {
    segments = parsePath(p.path ?? "");
  } catch (err) {
    throw new PredicateError((err as Error).message);
  }
  return compare(p, getAt(value, segments));
}
