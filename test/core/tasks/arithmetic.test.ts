import { describe, expect, it } from "vitest";
import { Add, Divide, Multiply, Round, roundTo, Subtract } from "../../../src/tasks/arithmetic";
import { abortedContext, accepts, failure, run } from "./helpers";

describe("arithmetic", () => {
  it("adds a, b and values (absent ones count as 0)", async () => {
    expect(await run(Add, { a: 1, b: 2, values: [3, 4] })).toEqual({ sum: 10 });
    expect(await run(Add, {})).toEqual({ sum: 0 });
    expect(await run(Add, { values: [0.1, 0.2] })).toEqual({ sum: 0.1 + 0.2 });
  });

  it("subtracts, multiplies and divides", async () => {
    expect(await run(Subtract, { a: 10, b: 15 })).toEqual({ difference: -5 });
    expect(await run(Multiply, { a: -3, b: 4 })).toEqual({ product: -12 });
    expect(await run(Divide, { a: 7, b: 2 })).toEqual({ quotient: 3.5, remainder: 1 });
    expect(await run(Divide, { a: -7, b: 2 })).toEqual({ quotient: -3.5, remainder: -1 });
  });

  it("fails permanently on division by zero", async () => {
    for (const a of [1, 0, -1]) {
      const err = await failure(Divide, { a, b: 0 });
      expect(err).toMatchObject({ name: "PermanentTaskError", code: "division_by_zero", permanent: true });
    }
  });

  it("fails permanently when a result overflows (it could not travel as JSON)", async () => {
    expect(await failure(Multiply, { a: 1e308, b: 10 })).toMatchObject({ code: "non_finite_result", permanent: true });
    expect(await failure(Add, { a: 1.7e308, b: 1.7e308 })).toMatchObject({ code: "non_finite_result" });
    expect(await failure(Subtract, { a: -1.7e308, b: 1.7e308 })).toMatchObject({ code: "non_finite_result" });
    expect(await failure(Divide, { a: 1e308, b: 1e-308 })).toMatchObject({ code: "non_finite_result" });
  });

  it("rejects missing, non-numeric and unknown ports", () => {
    expect(accepts(Subtract.input, { a: 1 })).toBe(false);
    expect(accepts(Multiply.input, { a: "2", b: 3 })).toBe(false);
    expect(accepts(Divide.input, { a: 1, b: Number.NaN })).toBe(false);
    expect(accepts(Add.input, { values: [1, "2"] })).toBe(false);
    expect(accepts(Add.input, { c: 1 })).toBe(false);
  });

  it("rejects when aborted", async () => {
    for (const [def, input] of [
      [Add, { a: 1 }],
      [Subtract, { a: 1, b: 1 }],
      [Multiply, { a: 1, b: 1 }],
      [Divide, { a: 1, b: 1 }],
      [Round, { value: 1.5 }],
    ] as const) {
      expect(await failure(def, input, abortedContext()), def.type).toMatchObject({ name: "TaskAbortedError" });
    }
  });
});

describe("Round", () => {
  it("rounds half away from zero by default, at any number of decimals", async () => {
    expect(await run(Round, { value: 2.5 })).toEqual({ value: 3 });
    expect(await run(Round, { value: -2.5 })).toEqual({ value: -3 });
    expect(await run(Round, { value: 1.005, decimals: 2 })).toEqual({ value: 1.01 });
    expect(await run(Round, { value: 1234.5, decimals: -2 })).toEqual({ value: 1200 });
    expect(await run(Round, { value: -0.4 })).toEqual({ value: 0 });
  });

  it("supports half-even, floor, ceil and trunc", () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5].map((v) => roundTo(v, 0, "half-even"))).toEqual([0, 2, 2, 0, -2, -2]);
    expect(roundTo(2.675, 2, "half-even")).toBe(2.68);
    expect(roundTo(-1.21, 1, "floor")).toBe(-1.3);
    expect(roundTo(-1.29, 1, "ceil")).toBe(-1.2);
    expect(roundTo(-1.29, 1, "trunc")).toBe(-1.2);
    expect(roundTo(1e21 + 0.5, 2, "half-away-from-zero")).toBe(1e21);
    expect(roundTo(1.23e-7, 8, "half-away-from-zero")).toBe(1.2e-7);
  });

  it("rejects bad decimals and modes", () => {
    expect(accepts(Round.input, { value: 1, decimals: 1.5 })).toBe(false);
    expect(accepts(Round.input, { value: 1, decimals: 16 })).toBe(false);
    expect(accepts(Round.input, { value: 1, mode: "bankers" })).toBe(false);
    expect(accepts(Round.input, { value: 1, decimals: -15, mode: "ceil" })).toBe(true);
  });
});
