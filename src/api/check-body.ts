import type { Static, TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { HttpProblem } from "./problem";

/**
 * The body as `schema` types it, or 422 listing every problem with its JSON Pointer — the answer
 * every management route gives to a well-formed body of the wrong shape (SPEC §8).
 */
export function checkBody<T extends TSchema>(schema: T, body: unknown, detail: string): Static<T> {
  if (Value.Check(schema, body)) return body as Static<T>;
  const errors = [...Value.Errors(schema, body)].map((e) => ({ path: e.path, message: e.message }));
  throw new HttpProblem("validation-failed", detail, { errors });
}
