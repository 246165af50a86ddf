import { describe, expect, it } from "vitest";
import { escapePointerToken, parsePointer, pointer } from "../../../src/core/graph/pointer";

describe("JSON pointers", () => {
  it("escapes ~ before / so the result stays unambiguous", () => {
    expect(escapePointerToken("plain")).toBe("plain");
    expect(escapePointerToken(3)).toBe("3");
    expect(escapePointerToken("a/b")).toBe("a~1b");
    expect(escapePointerToken("a~b")).toBe("a~0b");
    expect(escapePointerToken("~1")).toBe("~01");
    expect(escapePointerToken("/~")).toBe("~1~0");
  });

  it("joins tokens onto a base and parses them back", () => {
    const p = pointer("/tasks/0", "defaults", "a/b~c", 7);
    expect(p).toBe("/tasks/0/defaults/a~1b~0c/7");
    expect(parsePointer(p)).toEqual(["tasks", "0", "defaults", "a/b~c", "7"]);
    expect(parsePointer("")).toEqual([]);
    expect(parsePointer("/")).toEqual([""]);
    expect(parsePointer(pointer("", "~01"))).toEqual(["~01"]);
    expect(() => parsePointer("tasks")).toThrow(/not a JSON pointer/);
  });
});
