import { describe, expect, it } from "vitest";
import { InvalidCursorError, decodeCreatedCursor, decodeVersionCursor, encodeCreatedCursor, encodeVersionCursor } from "../../src/db/cursor";

describe("cursors", () => {
  it("round-trip and are URL-safe", () => {
    const key = { createdAt: 1_780_000_000_123, id: "g_0123456789abcdefghjkmnpqrs" };
    const cursor = encodeCreatedCursor(key);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCreatedCursor(cursor)).toEqual(key);
    expect(decodeVersionCursor(encodeVersionCursor(42))).toBe(42);
  });

  it.each([
    ["not base64url", "a+b/c="],
    ["empty", ""],
    ["not JSON", btoa("hello").replace(/=+$/, "")],
    ["wrong arity", encodeVersionCursor(3)],
    ["wrong types", btoa(JSON.stringify(["1", 2])).replace(/=+$/, "")],
    ["unsafe number", btoa(JSON.stringify([1e300, "g"])).replace(/=+$/, "")],
    ["too long", "A".repeat(2000)],
  ])("refuses a %s created-cursor", (_, cursor) => {
    expect(() => decodeCreatedCursor(cursor)).toThrow(InvalidCursorError);
  });

  it("refuses version cursors that are not positive integers", () => {
    for (const v of [[0], [-1], [1.5], ["1"], []]) {
      expect(() => decodeVersionCursor(btoa(JSON.stringify(v)).replace(/=+$/, ""))).toThrow(InvalidCursorError);
    }
  });
});
