import { describe, expect, it } from "vitest";
import { chunkRows } from "../../src/db/batch-chunks";

describe("chunkRows", () => {
  it("puts floor(100 / columns) rows in each chunk, keeping order", () => {
    const rows = Array.from({ length: 25 }, (_, i) => i);
    const chunks = chunkRows(rows, 10);
    expect(chunks.map((c) => c.length)).toEqual([10, 10, 5]);
    expect(chunks.flat()).toEqual(rows);
    expect(chunkRows(rows, 8).every((c) => c.length * 8 <= 100)).toBe(true);
    expect(chunkRows(rows, 8)[0]).toHaveLength(12);
  });

  it("handles the edges: no rows, one column, a row as wide as the limit", () => {
    expect(chunkRows([], 5)).toEqual([]);
    expect(chunkRows(Array.from({ length: 250 }), 1).map((c) => c.length)).toEqual([100, 100, 50]);
    expect(chunkRows([1, 2], 100)).toEqual([[1], [2]]);
  });

  it("refuses widths that cannot fit", () => {
    expect(() => chunkRows([1], 101)).toThrow(RangeError);
    expect(() => chunkRows([1], 0)).toThrow(RangeError);
    expect(() => chunkRows([1], 2.5)).toThrow(RangeError);
  });
});
