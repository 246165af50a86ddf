import { Type } from "@sinclair/typebox";
import { defineTask } from "../core/task/define-task";
import { PermanentTaskError } from "../core/task/errors";
import { throwIfAborted } from "./lib/abort";
import { getAt, InvalidPathError, parsePath } from "./lib/value-path";

const hasOwn = Object.prototype.hasOwnProperty;

export const Pick = defineTask({
  type: "Pick",
  title: "Pick",
  category: "Data",
  description:
    "Reads one part of `value` by `path`: a JSON Pointer (`/items/0/name`) or a dotted path (`items.0.name`, `items[0].name`). " +
    "A missing path gives `default` when set, else fails (permanently, code `path_not_found`).",
  execution: "inline",
  input: Type.Object(
    {
      value: Type.Unknown({ description: "The value to read from" }),
      path: Type.String({ maxLength: 1024, description: 'JSON Pointer ("/a/0") or dotted path ("a.0", "a[0]"); "" is the whole value' }),
      default: Type.Optional(Type.Unknown({ description: "The result when nothing is at `path`" })),
    },
    { additionalProperties: false },
  ),
  output: Type.Object({ value: Type.Unknown() }, { additionalProperties: false }),
  run: (inp, ctx) => {
    throwIfAborted(ctx.signal);
    let segments: string[];
    try {
      segments = parsePath(inp.path);
    } catch (err) {
      if (err instanceof InvalidPathError) throw new PermanentTaskError(err.message, "invalid_path");
      throw err;
    }
    const found = getAt(inp.value, segments);
    if (found !== undefined) return { value: found };
    if (hasOwn.call(inp, "default")) return { value: inp.default };
    throw new PermanentTaskError(`nothing at path "${inp.path}"`, "path_not_found");
  },
});
