import { Type } from "@sinclair/typebox";
import { defineTask } from "../core/task/define-task";
import { PermanentTaskError } from "../core/task/errors";
import { throwIfAborted } from "./lib/abort";

/**
 * Arithmetic on JSON numbers. A result that is not finite (overflow) cannot travel as JSON, so it
 * fails the task permanently instead of turning into `null` downstream.
 */
function finite(n: number, what: string): number {
  if (!Number.isFinite(n)) throw new PermanentTaskError(`${what} is not a finite number`, "non_finite_result");
  return n;
}

const closed = { additionalProperties: false } as const;

export const Add = defineTask({
  type: "Add",
  title: "Add numbers",
  category: "Math",
  description: "`sum` of `a`, `b` and every number in `values` (absent ones count as 0).",
  execution: "inline",
  input: Type.Object(
    {
      a: Type.Optional(Type.Number()),
      b: Type.Optional(Type.Number()),
      values: Type.Optional(Type.Array(Type.Number(), { description: "More addends; several dataflows into it append" })),
    },
    closed,
  ),
  output: Type.Object({ sum: Type.Number() }, closed),
  run: ({ a, b, values }, ctx) => {
    throwIfAborted(ctx.signal);
    let sum = (a ?? 0) + (b ?? 0);
    for (const v of values ?? []) sum += v;
    return { sum: finite(sum, "the sum") };
  },
});

export const Subtract = defineTask({
  type: "Subtract",
  title: "Subtract",
  category: "Math",
  description: "`difference` = `a` − `b`.",
  execution: "inline",
  input: Type.Object({ a: Type.Number(), b: Type.Number() }, closed),
  output: Type.Object({ difference: Type.Number() }, closed),
  run: ({ a, b }, ctx) => {
    throwIfAborted(ctx.signal);
    return { difference: finite(a - b, "the difference") };
  },
});

export const Multiply = defineTask({
  type: "Multiply",
  title: "Multiply numbers",
  category: "Math",
  description: "`product` = `a` × `b`.",
  execution: "inline",
  input: Type.Object({ a: Type.Number(), b: Type.Number() }, closed),
  output: Type.Object({ product: Type.Number() }, closed),
  run: ({ a, b }, ctx) => {
    throwIfAborted(ctx.signal);
    return { product: finite(a * b, "the product") };
  },
});

export const Divide = defineTask({
  type: "Divide",
  title: "Divide",
  category: "Math",
  description: "`quotient` = `a` ÷ `b` and `remainder` = `a` mod `b` (sign of `a`); dividing by zero fails permanently (code `division_by_zero`).",
  execution: "inline",
  input: Type.Object({ a: Type.Number(), b: Type.Number() }, closed),
  output: Type.Object({ quotient: Type.Number(), remainder: Type.Number() }, closed),
  run: ({ a, b }, ctx) => {
    throwIfAborted(ctx.signal);
    if (b === 0) throw new PermanentTaskError(`cannot divide ${a} by zero`, "division_by_zero");
    return { quotient: finite(a / b, "the quotient"), remainder: a % b };
  },
});

export const ROUNDING_MODES = ["half-away-from-zero", "half-even", "floor", "ceil", "trunc"] as const;
type RoundingMode = (typeof ROUNDING_MODES)[number];

/** Shifts the decimal point through the string form, so 1.005 rounds to 1.01 (not 1.00 as with × 100). */
function shift(n: number, places: number): number {
  const [mantissa, exp = "0"] = String(n).split("e");
  return Number(`${mantissa}e${Number(exp) + places}`);
}

function roundInteger(x: number, mode: RoundingMode): number {
  switch (mode) {
    case "floor":
      return Math.floor(x);
    case "ceil":
      return Math.ceil(x);
    case "trunc":
      return Math.trunc(x);
    case "half-away-from-zero":
      return Math.sign(x) * Math.round(Math.abs(x));
    case "half-even": {
      const r = Math.round(x);
      return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
    }
  }
}

/** Rounds `n` to `decimals` places (negative: tens, hundreds…). */
export function roundTo(n: number, decimals: number, mode: RoundingMode): number {
  const r = shift(roundInteger(shift(n, decimals), mode), -decimals);
  return Object.is(r, -0) ? 0 : r;
}

export const Round = defineTask({
  type: "Round",
  title: "Round",
  category: "Math",
  description:
    "Rounds `value` to `decimals` places (default 0; negative rounds to tens, hundreds…). `mode`: half-away-from-zero (default), " +
    "half-even, floor, ceil, trunc.",
  execution: "inline",
  input: Type.Object(
    {
      value: Type.Number(),
      decimals: Type.Optional(Type.Integer({ minimum: -15, maximum: 15 })),
      mode: Type.Optional(Type.Union(ROUNDING_MODES.map((m) => Type.Literal(m)))),
    },
    closed,
  ),
  output: Type.Object({ value: Type.Number() }, closed),
  run: ({ value, decimals, mode }, ctx) => {
    throwIfAborted(ctx.signal);
    return { value: roundTo(value, decimals ?? 0, mode ?? "half-away-from-zero") };
  },
});
