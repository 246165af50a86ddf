import { describe, expect, it } from "vitest";
import { Concat, Length, Lowercase, Replace, Split, Uppercase } from "../../../src/tasks/text";
import { abortedContext, accepts, failure, run } from "./helpers";

describe("string tasks", () => {
  it("changes case", async () => {
    expect(await run(Uppercase, { text: "straße ok" })).toEqual({ text: "STRASSE OK" });
    expect(await run(Lowercase, { text: "ÀB C" })).toEqual({ text: "àb c" });
  });

  it("concatenates scalars with a separator", async () => {
    expect(await run(Concat, { values: ["a", 1, true, null, "z"], separator: "-" })).toEqual({ text: "a-1-true--z" });
    expect(await run(Concat, { values: [] })).toEqual({ text: "" });
  });

  it("splits at a separator, into code points with an empty one, capped by limit", async () => {
    expect(await run(Split, { text: "a,b,,c", separator: "," })).toEqual({ parts: ["a", "b", "", "c"] });
    expect(await run(Split, { text: "a😀b", separator: "" })).toEqual({ parts: ["a", "😀", "b"] });
    expect(await run(Split, { text: "a b c d", separator: " ", limit: 2 })).toEqual({ parts: ["a", "b"] });
  });

  it("replaces literally by default, every occurrence, counting them", async () => {
    expect(await run(Replace, { text: "1+1=2, 1+1", pattern: "1+1", replacement: "$&two" })).toEqual({ text: "$&two=2, $&two", count: 2 });
    expect(await run(Replace, { text: "a.a.a", pattern: ".", replacement: "-", all: false })).toEqual({ text: "a-a.a", count: 1 });
    expect(await run(Replace, { text: "Hello hello", pattern: "HELLO", replacement: "bye", ignoreCase: true })).toEqual({ text: "bye bye", count: 2 });
    expect(await run(Replace, { text: "abc", pattern: "x", replacement: "y" })).toEqual({ text: "abc", count: 0 });
  });

  it("replaces by regular expression with group references", async () => {
    expect(await run(Replace, { text: "2026-11-26", pattern: "(\\d+)-(\\d+)-(\\d+)", replacement: "$3/$2/$1", regex: true })).toEqual({
      text: "26/11/2026",
      count: 1,
    });
    expect(await run(Replace, { text: "a1b22", pattern: "(?<n>\\d+)", replacement: "[$<n>]", regex: true })).toEqual({ text: "a[1]b[22]", count: 2 });
    expect(await run(Replace, { text: "aaa", pattern: "a", replacement: "b", regex: true, all: false })).toEqual({ text: "baa", count: 1 });
  });

  it("fails permanently on an invalid regular expression", async () => {
    expect(await failure(Replace, { text: "x", pattern: "(", replacement: "", regex: true })).toMatchObject({ code: "invalid_pattern", permanent: true });
  });

  it("measures strings in code points, arrays and objects", async () => {
    expect(await run(Length, { value: "a😀" })).toEqual({ length: 2 });
    expect(await run(Length, { value: [1, 2, 3] })).toEqual({ length: 3 });
    expect(await run(Length, { value: { a: 1, b: 2 } })).toEqual({ length: 2 });
    expect(await run(Length, { value: "" })).toEqual({ length: 0 });
  });

  it("rejects bad input", () => {
    expect(accepts(Uppercase.input, { text: 5 })).toBe(false);
    expect(accepts(Uppercase.input, { text: "a", other: 1 })).toBe(false);
    expect(accepts(Concat.input, { values: [{}] })).toBe(false);
    expect(accepts(Concat.input, { values: "abc" })).toBe(false);
    expect(accepts(Split.input, { text: "a" })).toBe(false);
    expect(accepts(Split.input, { text: "a", separator: ",", limit: 0 })).toBe(false);
    expect(accepts(Replace.input, { text: "a", pattern: "", replacement: "" })).toBe(false);
    expect(accepts(Length.input, { value: 5 })).toBe(false);
    expect(accepts(Length.input, { value: null })).toBe(false);
  });

  it("rejects when aborted", async () => {
    for (const [def, input] of [
      [Uppercase, { text: "a" }],
      [Lowercase, { text: "a" }],
      [Concat, { values: [] }],
      [Split, { text: "a", separator: "" }],
      [Replace, { text: "a", pattern: "a", replacement: "b" }],
      [Length, { value: "a" }],
    ] as const) {
      expect(await failure(def, input, abortedContext()), def.type).toMatchObject({ name: "TaskAbortedError" });
    }
  });
});
