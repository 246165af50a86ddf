import { env, exports } from "cloudflare:workers";
import type { Graph } from "../../src/core/graph/schema";

export const BASE = "http://weft.test";
export const ADMIN_TOKEN = env.ADMIN_TOKEN as string;

export interface CallOptions {
  method?: string;
  /** Bearer token; defaults to the admin token, null sends no Authorization header. */
  token?: string | null;
  /** Sent as JSON with Content-Type: application/json. */
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
}

/** A request through the Worker's real fetch handler. */
export function call(path: string, options: CallOptions = {}): Promise<Response> {
  const headers = new Headers(options.headers);
  const token = options.token === undefined ? ADMIN_TOKEN : options.token;
  if (token !== null) headers.set("Authorization", `Bearer ${token}`);
  let body = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    if (!headers.has("Content-Type")) headers.set("Content-Type", "application/json");
  }
  return exports.default.fetch(new Request(BASE + path, { method: options.method ?? (body === undefined ? "GET" : "POST"), headers, body }));
}

/** Parses a problem+json response and checks the fields every problem has. */
export async function problem(res: Response): Promise<{ type: string; title: string; status: number; detail: string; errors?: { path: string; message: string }[]; instance?: string }> {
  if (!res.headers.get("Content-Type")?.startsWith("application/problem+json")) {
    throw new Error(`expected problem+json, got ${res.status} ${res.headers.get("Content-Type")}: ${await res.text()}`);
  }
  const body = (await res.json()) as { type: string; title: string; status: number; detail: string };
  if (body.status !== res.status || typeof body.type !== "string" || typeof body.title !== "string" || typeof body.detail !== "string") {
    throw new Error(`incomplete problem: ${JSON.stringify(body)}`);
  }
  return body;
}

/** A small valid graph: Template → Uppercase. */
export function greetGraph(name = "greet"): Graph {
  return {
    name,
    description: "Greets, then shouts",
    tasks: [
      { id: "greeting", type: "Template", defaults: { template: "Hello, {{name}}!" } },
      { id: "shout", type: "Uppercase", name: "Shout it" },
    ],
    dataflows: [{ sourceTaskId: "greeting", sourceTaskPortId: "text", targetTaskId: "shout", targetTaskPortId: "text" }],
  };
}

export async function createGraphViaApi(graph: Graph = greetGraph()): Promise<{ id: string; version: number }> {
  const res = await call("/graphs", { json: graph });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; version: number };
}

/** Creates an API key with `scopes` through the API and returns it with its id. */
export async function createKey(scopes: string[], name = "test key"): Promise<{ id: string; key: string }> {
  const res = await call("/keys", { json: { name, scopes } });
  if (res.status !== 201) throw new Error(`key creation failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; key: string };
}
