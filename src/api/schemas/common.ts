import { type TSchema, Type } from "@sinclair/typebox";

/*
 * Shapes shared by many resources. A schema with an `$id` becomes a named component of the
 * OpenAPI document (src/api/openapi.ts hoists it to #/components/schemas/<id>).
 */

/** An ISO 8601 timestamp in UTC, e.g. `2026-11-26T10:00:00.000Z`. */
export const Timestamp = Type.String({ format: "date-time" });

/** `{ name, message, code? }` — errors as clients see them (SPEC §4): never a stack trace. */
export const ErrorInfoSchema = Type.Object(
  { name: Type.String(), message: Type.String(), code: Type.Optional(Type.String()) },
  { $id: "ErrorInfo", description: "An error as clients see it: never a stack trace." },
);

/** A list page (SPEC §8): newest first; `nextCursor` is null on the last page. */
export function Page<T extends TSchema>(item: T, name: string) {
  return Type.Object(
    {
      items: Type.Array(item),
      nextCursor: Type.Union([Type.String(), Type.Null()], { description: "Pass as `cursor` for the next page; null on the last." }),
    },
    { $id: name },
  );
}

/** `limit` and `cursor` of every list route (src/api/list-params.ts). */
export const ListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, default: 50, description: "Page size; above 200 it is clamped to 200." })),
  cursor: Type.Optional(Type.String({ description: "The `nextCursor` of the previous page." })),
});
