import { describe, expect, it } from "vitest";
import { Pick } from "../../../src/tasks/pick";
import { abortedContext, accepts, failure, run } from "./helpers";

const value = { order: { id: "o1", lines: [{ sku: "A", qty: 2 }, { sku: "B", qty: 0 }] }, note: null };

describe("Pick", () => {
  it("reads by dotted path and by JSON Pointer", async () => {
    expect(await run(Pick, { value, path: "order.lines[1].sku" })).toEqual({ value: "B" });
    expect(await run(Pick, { value, path: "/order/lines/0/qty" })).toEqual({ value: 2 });
    expect(await run(Pick, { value, path: "order.lines.1.qty" })).toEqual({ value: 0 });
    expect(await run(Pick, { value, path: "note" })).toEqual({ value: null });
    expect(await run(Pick, { value, path: "" })).toEqual({ value });
  });

  it("gives the default for a missing path, even a null or false default", async () => {
    expect(await run(Pick, { value, path: "order.customer", default: "anonymous" })).toEqual({ value: "anonymous" });
    expect(await run(Pick, { value, path: "order.customer", default: null })).toEqual({ value: null });
    expect(await run(Pick, { value, path: "x", default: false })).toEqual({ value: false });
  });

  it("fails permanently on a missing path without default, and on a malformed path", async () => {
    expect(await failure(Pick, { value, path: "order.customer" })).toMatchObject({ name: "PermanentTaskError", code: "path_not_found", permanent: true });
    expect(await failure(Pick, { value, path: "order..id" })).toMatchObject({ code: "invalid_path", permanent: true });
  });

  it("rejects input without value or path", () => {
    expect(accepts(Pick.input, { path: "a" })).toBe(false);
    expect(accepts(Pick.input, { value: 1 })).toBe(false);
    expect(accepts(Pick.input, { value: 1, path: 3 })).toBe(false);
    expect(accepts(Pick.input, { value: null, path: "" })).toBe(true);
  });

  it("rejects when aborted", async () => {
    expect(await failure(Pick, { value, path: "note" }, abortedContext())).toMatchObject({ name: "TaskAbortedError" });
  });
});
