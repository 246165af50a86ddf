import { type TSchema, Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkerFor } from "../../../src/core/runner/schema-check";

/** Random schemas from the kinds the compiled checker handles, plus some it must hand to Value.Check. */
const schemaArb: fc.Arbitrary<TSchema> = fc.letrec<{ schema: TSchema }>((tie) => ({
  schema: fc.oneof(
    { depthSize: "small" },
    fc.constant(Type.Unknown()),
    fc.constant(Type.Any()),
    fc.constant(Type.Boolean()),
    fc.constant(Type.Null()),
    fc.oneof(fc.string({ maxLength: 2 }), fc.integer({ min: -2, max: 2 }), fc.boolean()).map((c) => Type.Literal(c)),
    fc
      .record({ minimum: fc.option(fc.integer({ min: -5, max: 5 }), { nil: undefined }), maximum: fc.option(fc.integer({ min: -5, max: 5 }), { nil: undefined }), multipleOf: fc.option(fc.constantFrom(2, 3, 0.5), { nil: undefined }), exclusiveMinimum: fc.option(fc.integer({ min: -5, max: 5 }), { nil: undefined }) }, { requiredKeys: [] })
      .chain((o) => fc.constantFrom(Type.Number(clean(o)), Type.Integer(clean(o)))),
    fc
      .record({ minLength: fc.option(fc.nat(3), { nil: undefined }), maxLength: fc.option(fc.nat(3), { nil: undefined }), pattern: fc.option(fc.constantFrom("^a", "b$", "[0-9]"), { nil: undefined }) }, { requiredKeys: [] })
      .map((o) => Type.String(clean(o))),
    fc.constant(Type.String({ format: "uri" })), // format: Value.Check's job
    fc.record({ items: tie("schema"), minItems: fc.option(fc.nat(2), { nil: undefined }), maxItems: fc.option(fc.nat(3), { nil: undefined }) }).map(({ items, ...o }) => Type.Array(items, clean(o))),
    fc.array(tie("schema"), { minLength: 1, maxLength: 3 }).map((anyOf) => Type.Union(anyOf)),
    fc
      .record({
        props: fc.dictionary(fc.constantFrom("a", "b", "c", "d"), fc.tuple(tie("schema"), fc.boolean()), { maxKeys: 3 }),
        additional: fc.constantFrom(undefined, true, false),
      })
      .map(({ props, additional }) =>
        Type.Object(
          Object.fromEntries(Object.entries(props).map(([k, [s, optional]]) => [k, optional ? Type.Optional(s) : s])),
          additional === undefined ? {} : { additionalProperties: additional },
        ),
      ),
    fc.constant(Type.Record(Type.String(), Type.Number())),
  ),
})).schema;

function clean<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const valueArb = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(fc.constantFrom("a", "b", "c", "d", "e"), fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined)), { maxKeys: 4 }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, undefined, -0, 1.5, [], {}, [1, 2], ["a"], [[1]]),
);

describe("the compiled schema checker", () => {
  it("answers exactly as Value.Check for random schemas and values", () => {
    fc.assert(
      fc.property(schemaArb, fc.array(valueArb, { minLength: 1, maxLength: 8 }), (schema, values) => {
        const check = checkerFor(schema);
        for (const v of values) expect(check(v), JSON.stringify({ schema, v })).toBe(Value.Check(schema, v));
      }),
      { numRuns: 2000 },
    );
  });

  it("handles the shapes task inputs use", () => {
    const s = Type.Object({ in: Type.Optional(Type.Array(Type.Number())), k: Type.Number() }, { additionalProperties: false });
    const check = checkerFor(s);
    expect(check({ k: 1 })).toBe(true);
    expect(check({ k: 1, in: [1, 2] })).toBe(true);
    expect(check({ k: 1, in: undefined })).toBe(true);
    expect(check({ k: 1, extra: 1 })).toBe(false);
    expect(check({ in: [1] })).toBe(false);
    expect(check({ k: Number.NaN })).toBe(false);
    expect(check({ k: 1, in: ["x"] })).toBe(false);
    expect(checkerFor(s)).toBe(check); // cached per schema
  });
});
