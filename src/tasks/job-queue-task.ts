import type { TObject } from "@sinclair/typebox";
import { defineTask, type TaskDefinition } from "../core/task/define-task";

/**
 * What a queue task declares: everything a task definition has except `execution` (always
 * "queue") and the durable `wait`/`resume` (a queue worker runs, it does not park); `run` is required.
 */
export type JobQueueTaskDefinition<I extends TObject, O extends TObject, C extends TObject> = Omit<
  TaskDefinition<I, O, C>,
  "execution" | "wait" | "resume" | "run" | "branching"
> & {
  run: NonNullable<TaskDefinition<I, O, C>["run"]>;
};

/**
 * Defines a `JobQueueTask`: a task the run's Durable Object posts to the Cloudflare Queue, executed by
 * a queue-triggered worker (SPEC §1). Use it for I/O and slow work — HTTP calls, model inference,
 * big transformations — so the run's object stays responsive. The queue message carries only ids;
 * the consumer claims the attempt (getting the input), calls `run` and reports back, so `run` must
 * be safe to repeat: delivery is at least once, and a stale attempt's result is dropped.
 *
 * ```ts
 * export const Geocode = defineQueueTask({
 *   type: "Geocode", title: "Geocode an address", category: "Geo",
 *   input: Type.Object({ address: Type.String() }),
 *   output: Type.Object({ lat: Type.Number(), lon: Type.Number() }),
 *   async run({ address }, ctx) {
 *     const res = await fetch(`https://geo.example.com/?q=${encodeURIComponent(address)}`, { signal: ctx.signal });
 *     if (res.status >= 500) throw new TaskError(`geocoder: HTTP ${res.status}`, { code: "upstream" }); // retryable
 *     if (!res.ok) throw new PermanentTaskError(`geocoder: HTTP ${res.status}`, "bad_address");
 *     return (await res.json()) as { lat: number; lon: number };
 *   },
 * });
 * ```
 */
export function defineQueueTask<I extends TObject, O extends TObject, C extends TObject = TObject<{}>>(
  def: JobQueueTaskDefinition<I, O, C>,
): TaskDefinition<I, O, C> {
  // The types already say so; these catch plain-JavaScript definitions.
  if (typeof def.run !== "function") throw new Error(`queue task type ${def.type}: needs run()`);
  if ("wait" in def || "resume" in def) throw new Error(`queue task type ${def.type}: a queue task runs; durable waits (wait/resume) are inline`);
  return defineTask<I, O, C>({ ...def, execution: "queue" });
}
