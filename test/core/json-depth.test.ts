import { describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH, tooDeepAt } from "../../src/core/json-depth";

/** `[[…[leaf]…]]`, `depth` levels, built without recursion. */
function nested(depth: number, wrap: (v: unknown) => unknown = (v) => [v]): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = wrap(v);
  return v;
}

describe("tooDeepAt", () => {
  it("counts a scalar as depth 0 and each array or object as one level", () => {
    for (const scalar of [1, "x", null, true, undefined]) expect(tooDeepAt(scalar, 0)).toBeUndefined();
    expect(tooDeepAt([], 1)).toBeUndefined();
    expect(tooDeepAt([], 0)).toEqual([]);
    expect(tooDeepAt({ a: [1] }, 2)).toBeUndefined();
    expect(tooDeepAt({ a: [1] }, 1)).toEqual(["a"]);
  });

  it(`accepts ${MAX_JSON_DEPTH} levels by default and names the first container past them`, () => {
    expect(tooDeepAt(nested(MAX_JSON_DEPTH))).toBeUndefined();
    const at = tooDeepAt(nested(MAX_JSON_DEPTH + 1));
    expect(at).toHaveLength(MAX_JSON_DEPTH);
    expect(at?.every((t) => t === "0")).toBe(true);
  });

  it("finds the deep branch among shallow siblings, with object keys and array indexes in its path", () => {
    const value = { shallow: [1, 2, { x: 1 }], deep: [0, { inner: nested(10, (v) => ({ k: v })) }] };
    expect(tooDeepAt(value, 8)).toEqual(["deep", "1", "inner", "k", "k", "k", "k", "k"]);
    expect(tooDeepAt(value, 13)).toBeUndefined();
  });

  it("walks 100,000 levels without overflowing the stack", () => {
    expect(tooDeepAt(nested(100_000))).toHaveLength(MAX_JSON_DEPTH);
    expect(tooDeepAt(nested(100_000, (v) => ({ a: v })), 100_000)).toBeUndefined();
  });
});
