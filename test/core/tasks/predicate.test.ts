import { Value } from "@sinclair/typebox/value";
import { describe, expect, it } from "vitest";
import { evaluate, jsonEqual, MAX_PREDICATE_DEPTH, type Predicate, PredicateError, PredicateSchema } from "../../../src/tasks/lib/predicate";

const v = { score: 7, name: "Ada Lovelace", tags: ["vip", "beta"], at: "2026-11-26T10:00:00Z", zero: 0, nil: null, empty: [], obj: { a: [1, { b: 2 }] } };
const holds = (p: Predicate, value: unknown = v) => evaluate(p, value);

describe("predicate comparisons", () => {
  it("compares numbers and strings without coercion", () => {
    expect(holds({ op: "gt", path: "score", value: 5 })).toBe(true);
    expect(holds({ op: "gte", path: "score", value: 7 })).toBe(true);
    expect(holds({ op: "lt", path: "score", value: 7 })).toBe(false);
    expect(holds({ op: "lte", path: "score", value: 7 })).toBe(true);
    expect(holds({ op: "gt", path: "score", value: "5" })).toBe(false);
    expect(holds({ op: "gt", path: "at", value: "2026-01-01" })).toBe(true); // ISO strings order
    expect(holds({ op: "gt", path: "missing", value: 0 })).toBe(false);
  });

  it("tests deep equality", () => {
    expect(holds({ op: "eq", path: "obj", value: { a: [1, { b: 2 }] } })).toBe(true);
    expect(holds({ op: "eq", path: "obj", value: { a: [1, { b: 3 }] } })).toBe(false);
    expect(holds({ op: "ne", path: "score", value: 7 })).toBe(false);
    expect(holds({ op: "eq", path: "nil", value: null })).toBe(true);
    expect(holds({ op: "eq", path: "missing", value: null })).toBe(false);
    expect(holds({ op: "ne", path: "missing", value: null })).toBe(true);
    expect(jsonEqual({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
    expect(jsonEqual([1], { 0: 1 })).toBe(false);
  });

  it("tests membership, substrings and patterns", () => {
    expect(holds({ op: "in", path: "score", value: [1, 7] })).toBe(true);
    expect(holds({ op: "in", path: "score", value: ["7"] })).toBe(false);
    expect(holds({ op: "contains", path: "tags", value: "vip" })).toBe(true);
    expect(holds({ op: "contains", path: "name", value: "Love" })).toBe(true);
    expect(holds({ op: "contains", path: "score", value: 7 })).toBe(false);
    expect(holds({ op: "startsWith", path: "name", value: "Ada" })).toBe(true);
    expect(holds({ op: "endsWith", path: "name", value: "Ada" })).toBe(false);
    expect(holds({ op: "matches", path: "name", value: "^A\\w+ L" })).toBe(true);
    expect(holds({ op: "matches", path: "score", value: "7" })).toBe(false);
  });

  it("tests presence, truthiness and emptiness", () => {
    expect(holds({ op: "exists", path: "nil" })).toBe(true);
    expect(holds({ op: "exists", path: "missing" })).toBe(false);
    for (const path of ["zero", "nil", "empty", "missing"]) expect(holds({ op: "truthy", path }), path).toBe(false);
    expect(holds({ op: "truthy", path: "score" })).toBe(true);
    expect(holds({ op: "empty", path: "empty" })).toBe(true);
    expect(holds({ op: "empty", path: "zero" })).toBe(false);
    expect(holds({ op: "empty" }, {})).toBe(true);
  });

  it("compares the value itself without a path", () => {
    expect(holds({ op: "eq", value: "yes" }, "yes")).toBe(true);
    expect(holds({ op: "gt", path: "", value: 1 }, 2)).toBe(true);
  });
});

describe("predicate combinators", () => {
  it("combines with all, any and not", () => {
    expect(holds({ all: [{ op: "gt", path: "score", value: 5 }, { op: "contains", path: "tags", value: "vip" }] })).toBe(true);
    expect(holds({ any: [{ op: "gt", path: "score", value: 50 }, { op: "eq", path: "name", value: "x" }] })).toBe(false);
    expect(holds({ not: { op: "exists", path: "missing" } })).toBe(true);
  });
});

describe("malformed predicates", () => {
  it("throws PredicateError for operands of the wrong kind and bad regexes", () => {
    expect(() => holds({ op: "in", path: "score", value: 7 })).toThrow(PredicateError);
    expect(() => holds({ op: "gt", path: "score" })).toThrow(/needs a value/);
    expect(() => holds({ op: "matches", path: "name", value: "(" })).toThrow(/invalid regular expression/);
    expect(() => holds({ op: "eq", path: "a..b", value: 1 })).toThrow(PredicateError);
  });

  it("bounds nesting", () => {
    let p: Predicate = { op: "exists" };
    for (let i = 0; i <= MAX_PREDICATE_DEPTH; i++) p = { not: p };
    expect(() => holds(p)).toThrow(/nest deeper/);
  });

  it("is described by its schema", () => {
    expect(Value.Check(PredicateSchema, { op: "gt", path: "a", value: 1 })).toBe(true);
    expect(Value.Check(PredicateSchema, { all: [{ any: [{ not: { op: "exists" } }] }] })).toBe(true);
    expect(Value.Check(PredicateSchema, { op: "greater", value: 1 })).toBe(false);
    expect(Value.Check(PredicateSchema, { all: [] })).toBe(false);
    expect(Value.Check(PredicateSchema, { op: "eq", value: 1, extra: true })).toBe(false);
    expect(Value.Check(PredicateSchema, { all: [{ op: "eq" }], any: [] })).toBe(false);
    expect(JSON.stringify(PredicateSchema).length).toBeLessThan(4000); // one $ref, not an unrolled tree
  });
});
