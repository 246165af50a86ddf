import { Type } from "@sinclair/typebox";

/** One validation problem: a JSON Pointer (RFC 6901) to where it is, and what is wrong. */
export const ValidationErrorSchema = Type.Object(
  { path: Type.String({ description: "JSON Pointer into the request body, e.g. /tasks/3/type" }), message: Type.String() },
  { $id: "ValidationError" },
);

/** RFC 9457 problem details, the body of every error response (src/api/problem.ts). */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: "urn:weft:problem:<kind>" }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    errors: Type.Optional(Type.Array(ValidationErrorSchema, { description: "Every validation problem, for 422 (and dry-run validation)." })),
    instance: Type.Optional(Type.String({ description: "Identifies this occurrence (quote it when reporting a 500)." })),
  },
  { $id: "Problem", description: "RFC 9457 problem details, sent as application/problem+json." },
);
