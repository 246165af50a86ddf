import { Type } from "@sinclair/typebox";
import { defineTask, PermanentTaskError, throwIfAborted } from "../../src/tasks/index";

/**
 * An inline task: pure, fast, no I/O, so it runs right inside the run's Durable Object.
 * "Héllo, Wörld!" → "hello-world".
 */
export const Slugify = defineTask({
  type: "Slugify",
  title: "Slugify",
  category: "String",
  description: "Turns `text` into a URL slug: accents dropped, lower case, runs of other characters replaced by `separator`, cut at `maxLength`.",
  execution: "inline",
  input: Type.Object({ text: Type.String({ maxLength: 10_000 }) }, { additionalProperties: false }),
  output: Type.Object({ slug: Type.String() }, { additionalProperties: false }),
  config: Type.Object(
    {
      separator: Type.Optional(Type.Union([Type.Literal("-"), Type.Literal("_")])),
      maxLength: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    },
    { additionalProperties: false },
  ),
  run: ({ text }, ctx) => {
    throwIfAborted(ctx.signal); // an attempt the run gave up on must not produce output
    const sep = ctx.config.separator ?? "-";
    let slug = text
      .normalize("NFKD")
      .replace(/\p{M}+/gu, "") // combining accents left by NFKD
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, sep)
      .replace(new RegExp(`^\\${sep}+|\\${sep}+$`, "g"), "");
    const max = ctx.config.maxLength;
    if (max !== undefined && slug.length > max) {
      const cut = slug.slice(0, max + 1);
      const at = cut.lastIndexOf(sep);
      slug = (at > 0 ? cut.slice(0, at) : slug.slice(0, max)).replace(new RegExp(`\\${sep}+$`), "");
    }
    // A permanent error: retrying the same text cannot help.
    if (slug === "") throw new PermanentTaskError(`"${text.slice(0, 40)}" has no letters or digits to make a slug from`, "empty_slug");
    return { slug };
  },
});
