import { Type } from "@sinclair/typebox";
import { defineTask } from "../core/task/define-task";
import { PermanentTaskError } from "../core/task/errors";
import { throwIfAborted } from "./lib/abort";

/** String tasks. Lengths and splits count Unicode code points, so an emoji is one character. */

const closed = { additionalProperties: false } as const;
const Text = Type.String({ maxLength: 1_048_576 });

export const Uppercase = defineTask({
  type: "Uppercase",
  title: "Upper-case text",
  category: "String",
  description: "`text` in upper case (locale-independent).",
  execution: "inline",
  input: Type.Object({ text: Text }, closed),
  output: Type.Object({ text: Type.String() }, closed),
  run: ({ text }, ctx) => {
    throwIfAborted(ctx.signal);
    return { text: text.toUpperCase() };
  },
});

export const Lowercase = defineTask({
  type: "Lowercase",
  title: "Lower-case text",
  category: "String",
  description: "`text` in lower case (locale-independent).",
  execution: "inline",
  input: Type.Object({ text: Text }, closed),
  output: Type.Object({ text: Type.String() }, closed),
  run: ({ text }, ctx) => {
    throwIfAborted(ctx.signal);
    return { text: text.toLowerCase() };
  },
});

const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]);

export const Concat = defineTask({
  type: "Concat",
  title: "Concatenate",
  category: "String",
  description: "Joins `values` (strings, numbers, booleans; null as empty) with `separator` (default \"\"). Several dataflows into `values` append.",
  execution: "inline",
  input: Type.Object(
    {
      values: Type.Array(Scalar, { maxItems: 100_000 }),
      separator: Type.Optional(Type.String({ maxLength: 1024 })),
    },
    closed,
  ),
  output: Type.Object({ text: Type.String() }, closed),
  run: ({ values, separator }, ctx) => {
    throwIfAborted(ctx.signal);
    return { text: values.map((v) => (v === null ? "" : String(v))).join(separator ?? "") };
  },
});

export const Split = defineTask({
  type: "Split",
  title: "Split text",
  category: "String",
  description:
    "Splits `text` at each `separator` into `parts`; an empty separator splits into characters (code points). " +
    "`limit` caps the number of parts (the rest is dropped).",
  execution: "inline",
  input: Type.Object(
    {
      text: Text,
      separator: Type.String({ maxLength: 1024 }),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    },
    closed,
  ),
  output: Type.Object({ parts: Type.Array(Type.String()) }, closed),
  run: ({ text, separator, limit }, ctx) => {
    throwIfAborted(ctx.signal);
    const parts = separator === "" ? Array.from(text) : text.split(separator);
    return { parts: limit !== undefined ? parts.slice(0, limit) : parts };
  },
});

export const Replace = defineTask({
  type: "Replace",
  title: "Replace text",
  category: "String",
  description:
    "Replaces `pattern` in `text` with `replacement`: every occurrence unless `all` is false. With `regex`, `pattern` is a regular " +
    "expression (`ignoreCase` applies) and `replacement` may use $1, $<name>; without it both are taken literally.",
  execution: "inline",
  input: Type.Object(
    {
      text: Text,
      pattern: Type.String({ minLength: 1, maxLength: 1024 }),
      replacement: Type.String({ maxLength: 65_536 }),
      all: Type.Optional(Type.Boolean({ description: "Every occurrence (default true) or only the first" })),
      regex: Type.Optional(Type.Boolean({ description: "Treat `pattern` as a regular expression (default false)" })),
      ignoreCase: Type.Optional(Type.Boolean()),
    },
    closed,
  ),
  output: Type.Object({ text: Type.String(), count: Type.Integer({ minimum: 0 }) }, closed),
  run: (inp, ctx) => {
    throwIfAborted(ctx.signal);
    const all = inp.all ?? true;
    const flags = `u${all ? "g" : ""}${inp.ignoreCase ? "i" : ""}`;
    let re: RegExp;
    try {
      re = new RegExp(inp.regex ? inp.pattern : escapeRegExp(inp.pattern), flags);
    } catch (err) {
      throw new PermanentTaskError(`invalid regular expression ${JSON.stringify(inp.pattern)}: ${(err as Error).message}`, "invalid_pattern");
    }
    if (inp.regex) {
      // Native substitution keeps $1, $<name>, $& working; the matches are counted separately.
      const count = all ? Array.from(inp.text.matchAll(re)).length : re.test(inp.text) ? 1 : 0;
      return { text: inp.text.replace(re, inp.replacement), count };
    }
    let count = 0;
    // A function replacement keeps a literal replacement literal ("$&" stays "$&").
    const text = inp.text.replace(re, () => {
      count++;
      return inp.replacement;
    });
    return { text, count };
  },
});

/** Escapes the characters that are syntax in a (unicode-mode) regular expression. */
function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

export const Length = defineTask({
  type: "Length",
  title: "Length",
  category: "String",
  description: "`length` of `value`: characters (code points) of a string, elements of an array, keys of an object.",
  execution: "inline",
  input: Type.Object(
    { value: Type.Union([Type.String(), Type.Array(Type.Unknown()), Type.Object({}, { additionalProperties: true })]) },
    closed,
  ),
  output: Type.Object({ length: Type.Integer({ minimum: 0 }) }, closed),
  run: ({ value }, ctx) => {
    throwIfAborted(ctx.signal);
    if (typeof value === "string") {
      let n = 0;
      for (const _ of value) n++;
      return { length: n };
    }
    return { length: Array.isArray(value) ? value.length : Object.keys(value).length };
  },
});
