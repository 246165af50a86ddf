import { Type } from "@sinclair/typebox";
import { describe, expect, it } from "vitest";
import { schemaErrors } from "../../../src/core/graph/schema-errors";

describe("schemaErrors", () => {
  it("returns nothing for a valid value", () => {
    expect(schemaErrors(Type.Object({ a: Type.String() }), { a: "x" }, "/v")).toEqual([]);
  });

  it("writes human messages with paths under the base", () => {
    const schema = Type.Object(
      {
        name: Type.String({ minLength: 2, maxLength: 4 }),
        count: Type.Integer({ minimum: 1, maximum: 9 }),
        tags: Type.Array(Type.String(), { maxItems: 1, uniqueItems: true }),
        ratio: Type.Number({ exclusiveMinimum: 0, multipleOf: 0.5 }),
        code: Type.String({ pattern: "^[A-Z]+$" }),
      },
      { additionalProperties: false },
    );
    const errors = schemaErrors(schema, { name: "x", count: 10, tags: ["a", "a"], ratio: 0, code: "abc", more: 1 }, "/tasks/0/defaults");
    expect(errors).toEqual([
      { path: "/tasks/0/defaults/more", message: "is not an accepted property" },
      { path: "/tasks/0/defaults/name", message: "must be at least 2 characters" },
      { path: "/tasks/0/defaults/count", message: "must be at most 9" },
      { path: "/tasks/0/defaults/tags", message: "must have at most 1 item" },
      { path: "/tasks/0/defaults/tags", message: "must not contain duplicate items" },
      { path: "/tasks/0/defaults/ratio", message: "must be greater than 0" },
      { path: "/tasks/0/defaults/code", message: "must match the pattern ^[A-Z]+$" },
    ]);
  });

  it("reports a missing required property once", () => {
    expect(schemaErrors(Type.Object({ a: Type.String(), b: Type.Number() }), { b: 1 }, "")).toEqual([{ path: "/a", message: "is required" }]);
  });

  it("explains unions by their alternatives, or by the one branch of the value's type", () => {
    const methods = Type.Union([Type.Literal("GET"), Type.Literal("POST")]);
    expect(schemaErrors(methods, "PUT", "/m")).toEqual([{ path: "/m", message: 'must be one of "GET", "POST"' }]);
    expect(schemaErrors(Type.Union([Type.String(), Type.Null()]), 3, "/v")).toEqual([{ path: "/v", message: "must be a string or null" }]);
    const shape = Type.Union([Type.String(), Type.Object({ url: Type.String() })]);
    expect(schemaErrors(shape, { url: 5 }, "/v")).toEqual([{ path: "/v/url", message: "must be a string" }]);
  });

  it("escapes keys in paths", () => {
    expect(schemaErrors(Type.Record(Type.String(), Type.Number()), { "a/b": "x" }, "/d")).toEqual([{ path: "/d/a~1b", message: "must be a number" }]);
  });

  it("does not fail a string for a format no checker is registered for", () => {
    expect(schemaErrors(Type.String({ format: "uri" }), "not checked", "/u")).toEqual([]);
    expect(schemaErrors(Type.String({ format: "uri", minLength: 5 }), "ab", "/u")).toEqual([{ path: "/u", message: "must be at least 5 characters" }]);
  });
});
