import { describe, expect, it } from "vitest";
import { getPath, InvalidPathError, parsePath } from "../../../src/tasks/lib/value-path";

describe("parsePath", () => {
  it("reads dotted paths, brackets and quoted keys", () => {
    expect(parsePath("")).toEqual([]);
    expect(parsePath("a")).toEqual(["a"]);
    expect(parsePath("a.b.0.c")).toEqual(["a", "b", "0", "c"]);
    expect(parsePath("items[0].name")).toEqual(["items", "0", "name"]);
    expect(parsePath('x["a.b"].y')).toEqual(["x", "a.b", "y"]);
    expect(parsePath("first name")).toEqual(["first name"]);
  });

  it("reads JSON Pointers with ~0 and ~1 escapes", () => {
    expect(parsePath("/")).toEqual([""]);
    expect(parsePath("/a/0")).toEqual(["a", "0"]);
    expect(parsePath("/a~1b/c~0d")).toEqual(["a/b", "c~d"]);
  });

  it("rejects malformed paths", () => {
    for (const bad of ["a..b", ".a", "a.", "a[x]", "a[0", "a]", "/a~2", "/a~", "a[0]b"]) {
      expect(() => parsePath(bad), bad).toThrow(InvalidPathError);
    }
  });
});

describe("getPath", () => {
  const doc = { user: { name: "Ada", tags: ["x", "y"] }, "a/b": 1, zero: 0, nil: null };

  it("walks objects and arrays", () => {
    expect(getPath(doc, "user.name")).toBe("Ada");
    expect(getPath(doc, "/user/tags/1")).toBe("y");
    expect(getPath(doc, "user.tags[0]")).toBe("x");
    expect(getPath(doc, "/a~1b")).toBe(1);
    expect(getPath(doc, "zero")).toBe(0);
    expect(getPath(doc, "nil")).toBeNull();
    expect(getPath(doc, "")).toBe(doc);
  });

  it("is undefined for anything missing", () => {
    expect(getPath(doc, "user.age")).toBeUndefined();
    expect(getPath(doc, "user.tags.2")).toBeUndefined();
    expect(getPath(doc, "user.tags.01")).toBeUndefined(); // not a canonical index
    expect(getPath(doc, "user.tags.length")).toBeUndefined();
    expect(getPath(doc, "nil.x")).toBeUndefined();
    expect(getPath(doc, "user.name.length")).toBeUndefined(); // no properties of primitives
  });

  it("never reads inherited properties", () => {
    expect(getPath(doc, "__proto__")).toBeUndefined();
    expect(getPath(doc, "constructor")).toBeUndefined();
    expect(getPath(doc, "user.toString")).toBeUndefined();
  });
});
