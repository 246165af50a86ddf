import { Type } from "@sinclair/typebox";
import { defineTask } from "../core/task/define-task";
import { PermanentTaskError } from "../core/task/errors";
import { throwIfAborted } from "./lib/abort";
import { render } from "./lib/render";
import { InvalidPathError } from "./lib/value-path";

/** A log line is an event in the run's log: keep it a line, not a payload. */
export const MAX_LOG_MESSAGE = 4096;

function truncate(text: string): string {
  if (text.length <= MAX_LOG_MESSAGE) return text;
  let end = MAX_LOG_MESSAGE - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--; // never split a surrogate pair
  return `${text.slice(0, end)}…`;
}

export const Log = defineTask({
  type: "Log",
  title: "Log",
  category: "Control",
  description:
    "Writes `message` to the run's event log (a `task progress` event with `data.message`) and passes `value` through. " +
    `{{value}} and {{value.path}} placeholders in the message read the value; the line is cut at ${MAX_LOG_MESSAGE} characters.`,
  execution: "inline",
  input: Type.Object(
    {
      message: Type.String({ minLength: 1, description: "The line to log; {{value}} / {{value.some.path}} insert the value or part of it" }),
      value: Type.Optional(Type.Unknown()),
    },
    { additionalProperties: false },
  ),
  output: Type.Object({ value: Type.Unknown(), message: Type.String() }, { additionalProperties: false }),
  run: ({ message, value }, ctx) => {
    throwIfAborted(ctx.signal);
    let line: string;
    try {
      line = truncate(render(message, { value }));
    } catch (err) {
      if (err instanceof InvalidPathError) throw new PermanentTaskError(err.message, "invalid_path");
      throw err;
    }
    ctx.log(line);
    return { value, message: line };
  },
});
