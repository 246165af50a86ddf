import { Type } from "@sinclair/typebox";
import { defineTask } from "../core/task/define-task";
import { PermanentTaskError, TaskError } from "../core/task/errors";

export const Fetch = defineTask({
  type: "Fetch",
  title: "HTTP request",
  category: "Network",
  description: "Makes an HTTP request from a queue worker. 429 and 5xx responses fail retryably; other 4xx permanently.",
  execution: "queue",
  input: Type.Object({
    url: Type.String({ format: "uri", minLength: 1 }),
    method: Type.Optional(Type.Union(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"].map((m) => Type.Literal(m)))),
    headers: Type.Optional(Type.Record(Type.String(), Type.String())),
    body: Type.Optional(Type.Unknown()),
    responseType: Type.Optional(Type.Union([Type.Literal("json"), Type.Literal("text")])),
  }),
  output: Type.Object({
    status: Type.Integer(),
    headers: Type.Record(Type.String(), Type.String()),
    body: Type.Unknown(),
  }),
  async run(inp, ctx) {
    const headers = new Headers(inp.headers);
    let body: string | undefined;
    if (inp.body !== undefined) {
      body = typeof inp.body === "string" ? inp.body : JSON.stringify(inp.body);
      if (typeof inp.body !== "string" && !headers.has("content-type")) headers.set("content-type", "application/json");
    }
    const res = await fetch(inp.url, { method: inp.method ?? "GET", headers, body, signal: ctx.signal });
    if (res.status === 429 || res.status >= 500) throw new TaskError(`HTTP ${res.status} from ${inp.url}`, { name: "HttpError", code: String(res.status) });
    if (res.status >= 400) throw new PermanentTaskError(`HTTP ${res.status} from ${inp.url}`, String(res.status));
    const text = await res.text();
    const responseHeaders: Record<string, string> = {};
    res.headers.forEach((v, k) => (responseHeaders[k] = v));
    let parsed: unknown = text;
    if ((inp.responseType ?? "json") === "json" && text.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new PermanentTaskError(`response from ${inp.url} is not JSON`, "invalid_json");
      }
    }
    return { status: res.status, headers: responseHeaders, body: parsed };
  },
});
