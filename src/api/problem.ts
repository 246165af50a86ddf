import type { ValidationError } from "../core/graph/validate";

/*
 * Errors at the HTTP edge are RFC 9457 problem details (`application/problem+json`):
 * `{ type, title, status, detail, errors?, instance? }`. Handlers throw an HttpProblem; the app's
 * error handler turns it, or any unexpected error, into the response.
 */

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** The problem kinds this API answers with; `type` is `urn:weft:problem:<kind>`. */
export const PROBLEM_KINDS = {
  "malformed-request": { status: 400, title: "Malformed request" },
  "malformed-json": { status: 400, title: "Malformed JSON" },
  unauthorized: { status: 401, title: "Unauthorized" },
  forbidden: { status: 403, title: "Forbidden" },
  "not-found": { status: 404, title: "Not found" },
  "method-not-allowed": { status: 405, title: "Method not allowed" },
  conflict: { status: 409, title: "Conflict" },
  "precondition-failed": { status: 412, title: "Precondition failed" },
  "payload-too-large": { status: 413, title: "Payload too large" },
  "unsupported-media-type": { status: 415, title: "Unsupported media type" },
  "validation-failed": { status: 422, title: "Validation failed" },
  "upgrade-required": { status: 426, title: "Upgrade required" },
  "precondition-required": { status: 428, title: "Precondition required" },
  "too-many-requests": { status: 429, title: "Too many requests" },
  "internal-error": { status: 500, title: "Internal server error" },
  // Synchronous endpoints (src/api/routes/endpoints.ts). Listed after the generic kinds of the
  // same status, which stay the default for that status.
  "run-failed": { status: 422, title: "Run failed" },
  "run-aborted": { status: 409, title: "Run aborted" },
  "run-timeout": { status: 504, title: "Run did not finish in time" },
} as const;
export type ProblemKind = keyof typeof PROBLEM_KINDS;

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: ValidationError[];
  instance?: string;
  /** RFC 9457 extension members (e.g. `runId` on a failed endpoint run). */
  [extension: string]: unknown;
}

export class HttpProblem extends Error {
  override readonly name = "HttpProblem";
  readonly status: number;
  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
    readonly extra: { errors?: ValidationError[]; headers?: Record<string, string>; instance?: string; extensions?: Record<string, unknown> } = {},
  ) {
    super(detail);
    this.status = PROBLEM_KINDS[kind].status;
  }

  body(): ProblemBody {
    return { ...this.extra.extensions, ...problemBody(this.kind, this.detail, this.extra.errors, this.extra.instance) };
  }
}

export function problemBody(kind: ProblemKind, detail: string, errors?: ValidationError[], instance?: string): ProblemBody {
  const { status, title } = PROBLEM_KINDS[kind];
  return { type: `urn:weft:problem:${kind}`, title, status, detail, ...(errors ? { errors } : {}), ...(instance ? { instance } : {}) };
}

export function problemResponse(body: ProblemBody, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status: body.status, headers: { "Content-Type": PROBLEM_CONTENT_TYPE, ...headers } });
}
