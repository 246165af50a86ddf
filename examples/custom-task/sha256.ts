import { Type } from "@sinclair/typebox";
import { defineQueueTask, throwIfAborted } from "../../src/tasks/index";

/**
 * A queue task: work that may take a while runs on a queue-triggered worker, not in the run's
 * Durable Object. It reports progress and stops when its AbortSignal fires (cancel, a failure
 * elsewhere in the run, or its timeout).
 */
export const Sha256 = defineQueueTask({
  type: "Sha256",
  title: "SHA-256 digests",
  category: "Crypto",
  description: "The hex SHA-256 digest of each string in `items` (UTF-8), in order.",
  input: Type.Object({ items: Type.Array(Type.String(), { maxItems: 10_000 }) }, { additionalProperties: false }),
  output: Type.Object({ digests: Type.Array(Type.String({ pattern: "^[0-9a-f]{64}$" })) }, { additionalProperties: false }),
  async run({ items }, ctx) {
    const encoder = new TextEncoder();
    const digests: string[] = [];
    for (const [i, item] of items.entries()) {
      throwIfAborted(ctx.signal); // checked between items: a cancelled run stops here
      const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(item)));
      digests.push(Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join(""));
      ctx.progress(Math.floor(((i + 1) / items.length) * 100));
    }
    return { digests };
  },
});
