import type { TSchema } from "@sinclair/typebox";

/**
 * SPEC §8 port compatibility of a dataflow, judged on the two port schemas alone:
 * - `static`: every value the source schema allows is valid for the target;
 * - `runtime`: some are (an untyped or wider source): the value must be checked when it flows;
 * - `incompatible`: none are (string → number). Only this one is a validation error.
 *
 * The comparison works on JSON Schema keywords (what TypeBox emits), so it also understands
 * hand-written schemas. Whatever it cannot reason about (`$ref`, `not`, non-JSON types) it
 * answers `runtime`: never a false error, never a false promise.
 */
export type PortCompatibility = "static" | "runtime" | "incompatible";

type Schema = Record<string, unknown>;

const RANK: Record<PortCompatibility, number> = { incompatible: 0, runtime: 1, static: 2 };
const worst = (a: PortCompatibility, b: PortCompatibility): PortCompatibility => (RANK[a] <= RANK[b] ? a : b);

/** Schemas in the graph are shared objects (a task type's ports), so a pair cache pays off. */
const cache = new WeakMap<object, WeakMap<object, PortCompatibility>>();

export function portCompatibility(source: TSchema, target: TSchema): PortCompatibility {
  // Untyped target ports (`{}`: Template variables, open schemas) are the commonest case and
  // often a fresh object per task: answer without touching the caches.
  if (isEmptySchema(target)) return "static";
  let row = cache.get(source);
  if (!row) cache.set(source, (row = new WeakMap()));
  let result = row.get(target);
  if (result === undefined) {
    result = compare(source as Schema, target as Schema, 0);
    row.set(target, result);
  }
  return result;
}

/**
 * The compatibility of a dataflow from a port typed `source` into a port typed `target`.
 * Dataflows into an array port append (SPEC §2: several dataflows into one array port build
 * the array), so a value of the element type fits such a port as well as a whole array does;
 * the better of the two readings counts.
 */
export function dataflowCompatibility(source: TSchema, target: TSchema): PortCompatibility {
  const whole = portCompatibility(source, target);
  if (whole === "static") return whole;
  const v = view(target);
  if (v.kind !== "type" || v.type !== "array" || tupleItems(v.schema)) return whole;
  const element = portCompatibility(source, (v.schema.items ?? ANY) as TSchema);
  return RANK[element] > RANK[whole] ? element : whole;
}

/** `{}` (Type.Unknown / Type.Any: TypeBox's Kind marker is a symbol, not enumerated here). */
function isEmptySchema(schema: object): boolean {
  for (const _ in schema) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// A schema seen as one of a few shapes.

type View =
  | { kind: "any" }
  | { kind: "never" }
  | { kind: "opaque" }
  | { kind: "union"; branches: Schema[]; exclusive: boolean }
  | { kind: "all"; parts: Schema[] }
  | { kind: "const"; value: unknown }
  | { kind: "type"; type: JsonType; schema: Schema };

type JsonType = "string" | "number" | "integer" | "boolean" | "null" | "array" | "object";
const JSON_TYPES = new Set<string>(["string", "number", "integer", "boolean", "null", "array", "object"]);

/** Keywords that say nothing about which values are valid. */
const ANNOTATIONS = new Set([
  "title", "description", "default", "examples", "$id", "$schema", "$comment", "$anchor", "$defs",
  "definitions", "readOnly", "writeOnly", "deprecated", "contentMediaType", "contentEncoding",
]);

const viewCache = new WeakMap<object, View>();

function view(schema: unknown): View {
  if (schema === true) return { kind: "any" };
  if (schema === false) return { kind: "never" };
  if (typeof schema !== "object" || schema === null) return { kind: "opaque" };
  let v = viewCache.get(schema);
  if (!v) viewCache.set(schema, (v = computeView(schema as Schema)));
  return v;
}

function computeView(s: Schema): View {
  if ("const" in s) return { kind: "const", value: s.const };
  if (Array.isArray(s.enum)) return { kind: "union", branches: s.enum.map((value) => ({ const: value })), exclusive: false };
  if (Array.isArray(s.anyOf)) return { kind: "union", branches: s.anyOf as Schema[], exclusive: false };
  if (Array.isArray(s.oneOf)) return { kind: "union", branches: s.oneOf as Schema[], exclusive: true };
  if (Array.isArray(s.allOf)) {
    const parts = [...(s.allOf as Schema[])];
    if (s.type !== undefined) parts.push({ type: s.type });
    return { kind: "all", parts };
  }
  if ("$ref" in s) return { kind: "opaque" };
  if ("not" in s) {
    const inner = s.not;
    const isEmpty = inner === true || (typeof inner === "object" && inner !== null && Object.keys(inner).length === 0);
    return isEmpty ? { kind: "never" } : { kind: "opaque" };
  }
  const t = s.type;
  if (typeof t === "string") return JSON_TYPES.has(t) ? { kind: "type", type: t as JsonType, schema: s } : { kind: "opaque" };
  if (Array.isArray(t)) {
    if (!t.every((x) => typeof x === "string" && JSON_TYPES.has(x))) return { kind: "opaque" };
    // {"type": ["string","null"], "minLength": 1}: one branch per type, sharing the other keywords.
    return { kind: "union", branches: t.map((type) => ({ ...s, type })), exclusive: false };
  }
  for (const key of Object.keys(s)) if (!ANNOTATIONS.has(key)) return { kind: "opaque" };
  return { kind: "any" };
}

// ---------------------------------------------------------------------------------------------
// Comparison

/** Deep enough for any real port schema; beyond it (recursive schemas), give up to `runtime`. */
const MAX_DEPTH = 32;

function compare(s: Schema, t: Schema, depth: number): PortCompatibility {
  if (s === t) return "static";
  if (depth > MAX_DEPTH) return "runtime";
  const vt = view(t);
  if (vt.kind === "any") return "static";
  const vs = view(s);
  if (vs.kind === "never") return "static"; // no value at all: vacuously fine
  if (vt.kind === "never") return "incompatible";
  if (vs.kind === "any" || vs.kind === "opaque" || vt.kind === "opaque") return "runtime";
  const d = depth + 1;

  // Source alternatives: every branch must fit for `static`; all must fail for `incompatible`.
  if (vs.kind === "union") {
    let all: PortCompatibility | undefined;
    let anyFits = false;
    for (const b of vs.branches) {
      const c = compare(b, t, d);
      if (c !== "incompatible") anyFits = true;
      all = all === undefined ? c : worst(all, c);
    }
    if (all === undefined) return "static"; // an empty union allows nothing
    return all === "static" ? "static" : anyFits ? "runtime" : "incompatible";
  }
  if (vs.kind === "all") {
    // The values are in every part: one part that fits makes the whole fit; one that cannot
    // fit leaves no value that does.
    const results = vs.parts.map((p) => compare(p, t, d));
    if (results.includes("static")) return "static";
    if (results.includes("incompatible")) return "incompatible";
    return "runtime";
  }
  if (vt.kind === "union") {
    // One branch accepting every source value is enough. Branches that only jointly cover the
    // source (boolean → true|false) are left to `runtime`, which is safe.
    let staticBranches = 0;
    let otherFits = 0;
    for (const b of vt.branches) {
      const c = compare(s, b, d);
      if (c === "static") staticBranches++;
      else if (c === "runtime") otherFits++;
    }
    if (staticBranches > 0 && !vt.exclusive) return "static";
    // oneOf rejects a value two branches accept, so any other accepting branch spoils `static`.
    if (staticBranches === 1 && otherFits === 0) return "static";
    return staticBranches + otherFits > 0 ? "runtime" : "incompatible";
  }
  if (vt.kind === "all") {
    let result: PortCompatibility = "static";
    for (const p of vt.parts) result = worst(result, compare(s, p, d));
    return result;
  }
  if (vs.kind === "const") return constFits(vs.value, t, d);
  if (vt.kind === "const") return constFits(vt.value, s, d) === "incompatible" ? "incompatible" : "runtime";
  // vs.kind === "type" && vt.kind === "type" here (all other kinds returned above).
  return compareTypes(vs as TypeView, vt as TypeView, d);
}

type TypeView = Extract<View, { kind: "type" }>;

function compareTypes(vs: TypeView, vt: TypeView, depth: number): PortCompatibility {
  let base: PortCompatibility;
  if (vs.type === vt.type || (vs.type === "integer" && vt.type === "number")) base = "static";
  else if (vs.type === "number" && vt.type === "integer") base = "runtime";
  else return "incompatible";
  const s = vs.schema;
  const t = vt.schema;
  switch (vt.type) {
    case "string":
      return worst(base, worst(compareRange(lengthRange(s), lengthRange(t)), sameOrAbsent(s, t, ["pattern", "format"])));
    case "number":
    case "integer":
      return worst(base, worst(compareRange(numberRange(s), numberRange(t)), multipleOf(s, t)));
    case "array":
      return worst(base, compareArrays(s, t, depth));
    case "object":
      return worst(base, compareObjects(s, t, depth));
    default:
      return base; // boolean, null: nothing more to say
  }
}

/** A keyword the target constrains and the source does not constrain identically → `runtime`. */
function sameOrAbsent(s: Schema, t: Schema, keys: string[]): PortCompatibility {
  for (const k of keys) if (t[k] !== undefined && t[k] !== s[k]) return "runtime";
  return "static";
}

function multipleOf(s: Schema, t: Schema): PortCompatibility {
  const tm = t.multipleOf;
  if (typeof tm !== "number") return "static";
  const sm = s.multipleOf;
  return typeof sm === "number" && Number.isInteger(sm / tm) ? "static" : "runtime";
}

// Ranges: lengths, item counts, numbers. `lo`/`hi` may be exclusive.
interface Range {
  lo: number;
  hi: number;
  loEx: boolean;
  hiEx: boolean;
}

const num = (v: unknown, fallback: number): number => (typeof v === "number" ? v : fallback);

function lengthRange(s: Schema): Range {
  return { lo: num(s.minLength, 0), hi: num(s.maxLength, Infinity), loEx: false, hiEx: false };
}

function itemRange(s: Schema): Range {
  return { lo: num(s.minItems, 0), hi: num(s.maxItems, Infinity), loEx: false, hiEx: false };
}

function numberRange(s: Schema): Range {
  const r: Range = { lo: num(s.minimum, -Infinity), hi: num(s.maximum, Infinity), loEx: false, hiEx: false };
  if (typeof s.exclusiveMinimum === "number" && s.exclusiveMinimum >= r.lo) Object.assign(r, { lo: s.exclusiveMinimum, loEx: true });
  if (typeof s.exclusiveMaximum === "number" && s.exclusiveMaximum <= r.hi) Object.assign(r, { hi: s.exclusiveMaximum, hiEx: true });
  return r;
}

/** static when the source range lies inside the target's, incompatible when they do not meet. */
function compareRange(s: Range, t: Range): PortCompatibility {
  const disjoint =
    s.hi < t.lo || t.hi < s.lo || (s.hi === t.lo && (s.hiEx || t.loEx)) || (t.hi === s.lo && (t.hiEx || s.loEx));
  if (disjoint) return "incompatible";
  const loInside = s.lo > t.lo || (s.lo === t.lo && (s.loEx || !t.loEx));
  const hiInside = s.hi < t.hi || (s.hi === t.hi && (s.hiEx || !t.hiEx));
  return loInside && hiInside ? "static" : "runtime";
}

// Arrays ----------------------------------------------------------------------------------------

function tupleItems(s: Schema): Schema[] | undefined {
  if (Array.isArray(s.prefixItems)) return s.prefixItems as Schema[];
  if (Array.isArray(s.items)) return s.items as Schema[];
  return undefined;
}

/** The schema every element satisfies: `items`, or the union of a tuple's element schemas. */
function elementSchema(s: Schema): Schema {
  const tuple = tupleItems(s);
  if (tuple) return { anyOf: tuple };
  return (s.items as Schema | undefined) ?? {};
}

function compareArrays(s: Schema, t: Schema, depth: number): PortCompatibility {
  const lengths = compareRange(itemRange(s), itemRange(t));
  if (lengths === "incompatible") return lengths;
  let result: PortCompatibility = lengths;
  if (t.uniqueItems === true && s.uniqueItems !== true) result = worst(result, "runtime");
  const st = tupleItems(s);
  const tt = tupleItems(t);
  let items: PortCompatibility;
  if (tt) {
    if (st && st.length === tt.length) {
      items = "static";
      for (let i = 0; i < tt.length; i++) items = worst(items, compare(st[i], tt[i], depth));
    } else {
      // Position-by-position typing against a plain or differently shaped array: only at run time.
      items = compare(elementSchema(s), elementSchema(t), depth) === "incompatible" ? "incompatible" : "runtime";
    }
  } else {
    items = compare(elementSchema(s), elementSchema(t), depth);
  }
  if (items === "incompatible") {
    // Elements never fit, yet an empty array is a value of both when both allow it.
    const emptyOk = num(s.minItems, 0) === 0 && num(t.minItems, 0) === 0 && !(st && st.length > 0) && !(tt && tt.length > 0);
    return emptyOk ? "runtime" : "incompatible";
  }
  return worst(result, items);
}

// Objects ---------------------------------------------------------------------------------------

const ANY: Schema = {};
const MATCH_ALL = new Set(["^(.*)$", "^.*$", ".*", "^.*", ""]);

/**
 * What a key outside `properties` may hold: `null` when no such key is allowed, a schema
 * otherwise. `exact` is false when pattern-restricted keys make the schema an approximation.
 */
function extraKeys(s: Schema): { schema: Schema | null; exact: boolean } {
  const patterns = s.patternProperties as Record<string, Schema> | undefined;
  const ap = s.additionalProperties;
  const additional: Schema | null = ap === false ? null : ap === undefined || ap === true ? ANY : (ap as Schema);
  if (!patterns || Object.keys(patterns).length === 0) return { schema: additional, exact: true };
  const entries = Object.entries(patterns);
  if (entries.length === 1 && MATCH_ALL.has(entries[0][0])) return { schema: entries[0][1], exact: true };
  const branches = entries.map(([, v]) => v);
  if (additional) branches.push(additional);
  return { schema: { anyOf: branches }, exact: false };
}

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

function compareObjects(s: Schema, t: Schema, depth: number): PortCompatibility {
  const sp = (s.properties ?? {}) as Record<string, Schema>;
  const tp = (t.properties ?? {}) as Record<string, Schema>;
  const sReq = new Set((s.required ?? []) as string[]);
  const tReq = new Set((t.required ?? []) as string[]);
  const sExtra = extraKeys(s);
  const tExtra = extraKeys(t);
  let result: PortCompatibility = tExtra.exact ? "static" : "runtime";

  for (const k of Object.keys(tp)) {
    const required = tReq.has(k);
    let c: PortCompatibility;
    if (hasOwn(sp, k)) {
      c = compare(sp[k], tp[k], depth);
      if (!sReq.has(k)) {
        // The source may leave k out: fine for an optional target key, a risk for a required one.
        c = required ? worst(c, "runtime") : c === "incompatible" ? "runtime" : c;
      }
    } else if (sExtra.schema === null) {
      c = required ? "incompatible" : "static"; // the source never has k
    } else {
      const extra = compare(sExtra.schema, tp[k], depth);
      c = required ? worst(extra, "runtime") : extra === "static" ? "static" : "runtime";
    }
    result = worst(result, c);
    if (result === "incompatible") return result;
  }

  for (const k of Object.keys(sp)) {
    if (hasOwn(tp, k)) continue;
    let c: PortCompatibility;
    if (tExtra.schema === null) c = sReq.has(k) ? "incompatible" : "runtime";
    else {
      c = compare(sp[k], tExtra.schema, depth);
      if (c === "incompatible" && !sReq.has(k)) c = "runtime";
    }
    result = worst(result, c);
    if (result === "incompatible") return result;
  }

  // Keys the source does not declare: possible only when it is open, and never required.
  if (sExtra.schema !== null) {
    if (tExtra.schema === null) result = worst(result, "runtime");
    else if (compare(sExtra.schema, tExtra.schema, depth) !== "static") result = worst(result, "runtime");
  }

  if (t.minProperties !== undefined || t.maxProperties !== undefined) {
    if (t.minProperties !== s.minProperties || t.maxProperties !== s.maxProperties) result = worst(result, "runtime");
  }
  return result;
}

// Constants -------------------------------------------------------------------------------------

/** Whether one known value is valid for `t`: static (yes), incompatible (no), runtime (cannot tell). */
function constFits(value: unknown, t: Schema, depth: number): PortCompatibility {
  if (depth > MAX_DEPTH) return "runtime";
  const v = view(t);
  switch (v.kind) {
    case "any":
      return "static";
    case "never":
      return "incompatible";
    case "opaque":
      return "runtime";
    case "const":
      return deepEqual(value, v.value) ? "static" : "incompatible";
    case "union": {
      let fits = 0;
      let maybe = false;
      for (const b of v.branches) {
        const c = constFits(value, b, depth + 1);
        if (c === "static") fits++;
        else if (c === "runtime") maybe = true;
      }
      if (fits === 1 || (fits > 1 && !v.exclusive)) return maybe && v.exclusive ? "runtime" : "static";
      return maybe || fits > 1 ? "runtime" : "incompatible";
    }
    case "all": {
      let result: PortCompatibility = "static";
      for (const p of v.parts) result = worst(result, constFits(value, p, depth + 1));
      return result;
    }
    case "type":
      return constFitsType(value, v.type, v.schema, depth);
  }
}

function constFitsType(value: unknown, type: JsonType, t: Schema, depth: number): PortCompatibility {
  switch (type) {
    case "null":
      return value === null ? "static" : "incompatible";
    case "boolean":
      return typeof value === "boolean" ? "static" : "incompatible";
    case "number":
    case "integer": {
      if (typeof value !== "number" || (type === "integer" && !Number.isInteger(value))) return "incompatible";
      const r = numberRange(t);
      const inRange = (value > r.lo || (value === r.lo && !r.loEx)) && (value < r.hi || (value === r.hi && !r.hiEx));
      if (!inRange) return "incompatible";
      if (typeof t.multipleOf === "number" && !Number.isInteger(value / t.multipleOf)) return "incompatible";
      return "static";
    }
    case "string": {
      if (typeof value !== "string") return "incompatible";
      if (value.length < num(t.minLength, 0) || value.length > num(t.maxLength, Infinity)) return "incompatible";
      if (typeof t.pattern === "string") {
        try {
          if (!new RegExp(t.pattern).test(value)) return "incompatible";
        } catch {
          return "runtime";
        }
      }
      return t.format === undefined ? "static" : "runtime";
    }
    case "array": {
      if (!Array.isArray(value)) return "incompatible";
      if (value.length < num(t.minItems, 0) || value.length > num(t.maxItems, Infinity)) return "incompatible";
      const tuple = tupleItems(t);
      let result: PortCompatibility = t.uniqueItems === true ? "runtime" : "static";
      value.forEach((item, i) => {
        const itemSchema: Schema | null = tuple
          ? (tuple[i] ?? (t.additionalItems === false ? null : ANY))
          : ((t.items as Schema | undefined) ?? ANY);
        result = worst(result, itemSchema === null ? "incompatible" : constFits(item, itemSchema, depth + 1));
      });
      return result;
    }
    case "object": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return "incompatible";
      const obj = value as Record<string, unknown>;
      const props = (t.properties ?? {}) as Record<string, Schema>;
      for (const k of (t.required ?? []) as string[]) if (!hasOwn(obj, k)) return "incompatible";
      const extra = extraKeys(t);
      let result: PortCompatibility = extra.exact ? "static" : "runtime";
      for (const [k, item] of Object.entries(obj)) {
        const schema = hasOwn(props, k) ? props[k] : extra.schema;
        result = worst(result, schema === null ? "incompatible" : constFits(item, schema, depth + 1));
        if (result === "incompatible") return result;
      }
      return result;
    }
  }
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => hasOwn(b, k) && deepEqual((a as Schema)[k], (b as Schema)[k]));
}

// ---------------------------------------------------------------------------------------------

/** A short human name of a schema for messages: `string`, `array of number`, `{ name, code? }`. */
export function describeSchema(schema: TSchema, depth = 0): string {
  const v = view(schema);
  switch (v.kind) {
    case "any":
      return "any value";
    case "never":
      return "no value";
    case "opaque":
      return "a custom schema";
    case "const":
      return JSON.stringify(v.value) ?? "a constant";
    case "union":
      return v.branches.length > 6
        ? `one of ${v.branches.length} alternatives`
        : v.branches.map((b) => describeSchema(b as TSchema, depth + 1)).join(" | ");
    case "all":
      return v.parts.map((p) => describeSchema(p as TSchema, depth + 1)).join(" & ");
    case "type": {
      const s = v.schema;
      if (v.type === "array") {
        if (depth > 2) return "array";
        const tuple = tupleItems(s);
        if (tuple) return `[${tuple.map((x) => describeSchema(x as TSchema, depth + 1)).join(", ")}]`;
        const items = view(s.items ?? {});
        return items.kind === "any" ? "array" : `array of ${describeSchema((s.items ?? {}) as TSchema, depth + 1)}`;
      }
      if (v.type === "object") {
        const props = Object.keys((s.properties ?? {}) as object);
        if (props.length === 0 || depth > 1) return "object";
        const req = new Set((s.required ?? []) as string[]);
        const shown = props.slice(0, 6).map((k) => (req.has(k) ? k : `${k}?`));
        if (props.length > 6) shown.push("…");
        return `{ ${shown.join(", ")} }`;
      }
      return v.type;
    }
  }
}
