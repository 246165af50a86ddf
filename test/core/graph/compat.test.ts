import { type TSchema, Type } from "@sinclair/typebox";
import { describe, expect, it } from "vitest";
import { dataflowCompatibility, describeSchema, type PortCompatibility, portCompatibility } from "../../../src/core/graph/compat";

const S = Type.String();
const N = Type.Number();
const I = Type.Integer();
const B = Type.Boolean();
const Null = Type.Null();
const U = Type.Unknown();

type Case = [string, TSchema, TSchema, PortCompatibility];

function check(cases: Case[]) {
  for (const [name, source, target, expected] of cases) {
    expect(portCompatibility(source, target), name).toBe(expected);
  }
}

describe("portCompatibility", () => {
  it("compares scalar types", () => {
    check([
      ["string → string", S, S, "static"],
      ["integer → number", I, N, "static"],
      ["integer → integer", I, Type.Integer(), "static"],
      ["number → integer", N, I, "runtime"],
      ["string → number", S, N, "incompatible"],
      ["number → string", N, S, "incompatible"],
      ["boolean → null", B, Null, "incompatible"],
      ["null → null", Null, Type.Null(), "static"],
      ["boolean → boolean", B, Type.Boolean(), "static"],
    ]);
  });

  it("treats {} as unknown: runtime as a source, static as a target", () => {
    check([
      ["unknown → string", U, S, "runtime"],
      ["unknown → object", U, Type.Object({ a: S }), "runtime"],
      ["any → number", Type.Any(), N, "runtime"],
      ["string → unknown", S, U, "static"],
      ["object → any", Type.Object({ a: S }), Type.Any(), "static"],
      ["unknown → unknown", U, Type.Unknown(), "static"],
      ["raw {} → raw {}", {} as TSchema, {} as TSchema, "static"],
    ]);
  });

  it("handles unions on either side", () => {
    const SorN = Type.Union([S, N]);
    check([
      ["string → string | number", S, SorN, "static"],
      ["integer → string | number", I, SorN, "static"],
      ["string | number → string", SorN, S, "runtime"],
      ["string | number → boolean", SorN, B, "incompatible"],
      ["boolean → string | number", B, SorN, "incompatible"],
      ["string | null → string | number | null", Type.Union([S, Null]), Type.Union([S, N, Null]), "static"],
      ["type array [string, null] → string", { type: ["string", "null"] } as unknown as TSchema, S, "runtime"],
      ["type array [string, null] → number", { type: ["string", "null"] } as unknown as TSchema, N, "incompatible"],
    ]);
  });

  it("handles literals, const and enum", () => {
    const mode = Type.Union([Type.Literal("fast"), Type.Literal("slow")]);
    check([
      ['"fast" → string', Type.Literal("fast"), S, "static"],
      ['"fast" → "fast" | "slow"', Type.Literal("fast"), mode, "static"],
      ['"medium" → "fast" | "slow"', Type.Literal("medium"), mode, "incompatible"],
      ['string → "fast" | "slow"', S, mode, "runtime"],
      ['number → "fast" | "slow"', N, mode, "incompatible"],
      ['"fast" | "slow" → string', mode, S, "static"],
      ['"fast" | "slow" → "fast"', mode, Type.Literal("fast"), "runtime"],
      ["1 → integer", Type.Literal(1), I, "static"],
      ["1.5 → integer", { const: 1.5 } as unknown as TSchema, I, "incompatible"],
      ["true → boolean", Type.Literal(true), B, "static"],
      ["enum [a, b] → string", { enum: ["a", "b"] } as unknown as TSchema, S, "static"],
      ["enum [a, 1] → string", { enum: ["a", 1] } as unknown as TSchema, S, "runtime"],
      ['"ab" → string minLength 3', Type.Literal("ab"), Type.String({ minLength: 3 }), "incompatible"],
      ['"abc" → string pattern ^a', Type.Literal("abc"), Type.String({ pattern: "^a" }), "static"],
      ['"xyz" → string pattern ^a', Type.Literal("xyz"), Type.String({ pattern: "^a" }), "incompatible"],
      ["5 → number maximum 4", Type.Literal(5), Type.Number({ maximum: 4 }), "incompatible"],
      ["object const → object", { const: { a: 1 } } as unknown as TSchema, Type.Object({ a: N }), "static"],
      ["object const → closed object without a", { const: { a: 1 } } as unknown as TSchema, Type.Object({}, { additionalProperties: false }), "incompatible"],
    ]);
  });

  it("compares constraints: inside is static, overlapping runtime, disjoint incompatible", () => {
    check([
      ["string → string minLength 1", S, Type.String({ minLength: 1 }), "runtime"],
      ["string minLength 2 → string minLength 1", Type.String({ minLength: 2 }), Type.String({ minLength: 1 }), "static"],
      ["string maxLength 2 → string minLength 3", Type.String({ maxLength: 2 }), Type.String({ minLength: 3 }), "incompatible"],
      ["string → string format uri", S, Type.String({ format: "uri" }), "runtime"],
      ["string format uri → string format uri", Type.String({ format: "uri" }), Type.String({ format: "uri" }), "static"],
      ["string → string pattern", S, Type.String({ pattern: "^a" }), "runtime"],
      ["number 0..10 → number 0..100", Type.Number({ minimum: 0, maximum: 10 }), Type.Number({ minimum: 0, maximum: 100 }), "static"],
      ["number → number ≥ 0", N, Type.Number({ minimum: 0 }), "runtime"],
      ["number > 10 → number ≤ 10", Type.Number({ exclusiveMinimum: 10 }), Type.Number({ maximum: 10 }), "incompatible"],
      ["number ≥ 10 → number ≤ 10", Type.Number({ minimum: 10 }), Type.Number({ maximum: 10 }), "runtime"],
      ["integer multipleOf 4 → multipleOf 2", Type.Integer({ multipleOf: 4 }), Type.Integer({ multipleOf: 2 }), "static"],
      ["integer → multipleOf 2", I, Type.Integer({ multipleOf: 2 }), "runtime"],
    ]);
  });

  it("compares arrays by their items", () => {
    check([
      ["string[] → string[]", Type.Array(S), Type.Array(Type.String()), "static"],
      ["integer[] → number[]", Type.Array(I), Type.Array(N), "static"],
      ["number[] → integer[]", Type.Array(N), Type.Array(I), "runtime"],
      ["unknown[] → string[]", Type.Array(U), Type.Array(S), "runtime"],
      ["string[] → unknown[]", Type.Array(S), Type.Array(U), "static"],
      // Only the empty array fits both: not an error, checked when it flows.
      ["string[] → number[]", Type.Array(S), Type.Array(N), "runtime"],
      ["string[] minItems 1 → number[]", Type.Array(S, { minItems: 1 }), Type.Array(N), "incompatible"],
      ["string[] → number[] minItems 1", Type.Array(S), Type.Array(N, { minItems: 1 }), "incompatible"],
      ["array → string", Type.Array(S), S, "incompatible"],
      ["string → array", S, Type.Array(S), "incompatible"],
      ["array maxItems 1 → minItems 2", Type.Array(S, { maxItems: 1 }), Type.Array(S, { minItems: 2 }), "incompatible"],
      ["string[] → unique string[]", Type.Array(S), Type.Array(S, { uniqueItems: true }), "runtime"],
      ["[string, number] → (string | number)[]", Type.Tuple([S, N]), Type.Array(Type.Union([S, N])), "static"],
      ["[string, number] → [string, number]", Type.Tuple([S, N]), Type.Tuple([Type.String(), Type.Number()]), "static"],
      ["[string, number] → [number, number]", Type.Tuple([S, N]), Type.Tuple([N, N]), "incompatible"],
      ["[string] → [string, string]", Type.Tuple([S]), Type.Tuple([S, S]), "incompatible"],
      ["string[] → [string, string]", Type.Array(S), Type.Tuple([S, S]), "runtime"],
    ]);
  });

  it("compares objects by their properties and required keys", () => {
    const person = Type.Object({ name: S, age: I });
    check([
      ["{name, age} → {name}", person, Type.Object({ name: S }), "static"],
      ["{name, age} → closed {name}", person, Type.Object({ name: S }, { additionalProperties: false }), "incompatible"],
      ["{name, age?} → closed {name}", Type.Object({ name: S, age: Type.Optional(I) }), Type.Object({ name: S }, { additionalProperties: false }), "runtime"],
      ["{name} → {name, age}", Type.Object({ name: S }), person, "runtime"],
      ["closed {name} → {name, age}", Type.Object({ name: S }, { additionalProperties: false }), person, "incompatible"],
      ["closed {name} → {name, age?}", Type.Object({ name: S }, { additionalProperties: false }), Type.Object({ name: S, age: Type.Optional(I) }), "static"],
      ["{name: number} → {name: string}", Type.Object({ name: N }), Type.Object({ name: S }), "incompatible"],
      ["{name?: number} → {name?: string}", Type.Object({ name: Type.Optional(N) }), Type.Object({ name: Type.Optional(S) }), "runtime"],
      ["{name?: string} → {name: string}", Type.Object({ name: Type.Optional(S) }), Type.Object({ name: S }), "runtime"],
      ["{age: integer} → {age: number}", Type.Object({ age: I }), Type.Object({ age: N }), "static"],
      ["{} open → {name}", Type.Object({}), Type.Object({ name: S }), "runtime"],
      ["object → string", person, S, "incompatible"],
      ["nested mismatch", Type.Object({ a: Type.Object({ b: S }) }), Type.Object({ a: Type.Object({ b: N }) }), "incompatible"],
    ]);
  });

  it("understands records (patternProperties) and typed additionalProperties", () => {
    const strings = Type.Record(Type.String(), Type.String());
    check([
      ["record<string> → record<string>", strings, Type.Record(Type.String(), Type.String()), "static"],
      ["record<string> → record<number>", strings, Type.Record(Type.String(), N), "runtime"],
      ["{a: string} → record<string>", Type.Object({ a: S }, { additionalProperties: false }), strings, "static"],
      ["{a: number} → record<string>", Type.Object({ a: N }, { additionalProperties: false }), strings, "incompatible"],
      ["record<string> → {a: string}", strings, Type.Object({ a: S }), "runtime"],
      ["additional: string → additional: number", Type.Object({}, { additionalProperties: S }), Type.Object({}, { additionalProperties: N }), "runtime"],
    ]);
  });

  it("handles intersections and never", () => {
    const both = Type.Intersect([Type.Object({ a: S }), Type.Object({ b: N })]);
    check([
      ["a & b → {a}", both, Type.Object({ a: S }), "static"],
      ["{a, b} → a & b", Type.Object({ a: S, b: N }), both, "static"],
      ["{a} → a & b", Type.Object({ a: S }), both, "runtime"],
      ["{a: number} → a & b", Type.Object({ a: N, b: N }), both, "incompatible"],
      ["never → string", Type.Never(), S, "static"],
      ["string → never", S, Type.Never(), "incompatible"],
    ]);
  });

  it("answers runtime for what it cannot reason about", () => {
    check([
      ["$ref → string", Type.Ref("Thing"), S, "runtime"],
      ["string → $ref", S, Type.Ref("Thing"), "runtime"],
      ["not → string", Type.Not(S), S, "runtime"],
      ["Date → string", Type.Date(), S, "runtime"],
      ["untyped with properties → object", { properties: { a: S } } as unknown as TSchema, Type.Object({ a: S }), "runtime"],
    ]);
  });

  it("accepts a schema compared with itself, whatever it is", () => {
    const weird = Type.Ref("Anything");
    expect(portCompatibility(weird, weird)).toBe("static");
  });

  it("ignores annotations", () => {
    expect(portCompatibility(Type.String({ description: "a name", title: "Name" }), Type.String({ default: "x" }))).toBe("static");
    expect(portCompatibility(Type.Unknown({ description: "anything" }), S)).toBe("runtime");
  });
});

describe("dataflowCompatibility", () => {
  it("lets an element flow into an array port (appending) as well as a whole array", () => {
    expect(dataflowCompatibility(N, Type.Array(N))).toBe("static");
    expect(dataflowCompatibility(I, Type.Array(N))).toBe("static");
    expect(dataflowCompatibility(Type.Array(N), Type.Array(N))).toBe("static");
    expect(dataflowCompatibility(U, Type.Array(N))).toBe("runtime");
    expect(dataflowCompatibility(S, Type.Array(N))).toBe("incompatible");
    expect(dataflowCompatibility(S, N)).toBe("incompatible");
  });
});

describe("describeSchema", () => {
  it("names schemas briefly", () => {
    expect(describeSchema(S)).toBe("string");
    expect(describeSchema(U)).toBe("any value");
    expect(describeSchema(Type.Array(I))).toBe("array of integer");
    expect(describeSchema(Type.Union([Type.Literal("a"), Null]))).toBe('"a" | null');
    expect(describeSchema(Type.Object({ name: S, code: Type.Optional(S) }))).toBe("{ name, code? }");
    expect(describeSchema(Type.Tuple([S, N]))).toBe("[string, number]");
  });
});
