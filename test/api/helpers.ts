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

/** Starts a run and waits (server side, `?wait`) up to `wait` seconds for it to end. */
export async function runAndWait(graphId: string, input: unknown, wait = 30): Promise<any> {
  const res = await call(`/graphs/${graphId}/runs?wait=${wait}`, { json: { input } });
  if (res.status !== 200 && res.status !== 202) throw new Error(`run failed to start: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Polls `GET /runs/:id` until `until(run)` holds (or the deadline passes). */
export async function pollRun(runId: string, until: (run: any) => boolean, timeoutMs = 20_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await (await call(`/runs/${runId}`)).json();
    if (until(run)) return run;
    if (Date.now() > deadline) throw new Error(`timed out waiting; run is ${JSON.stringify(run).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function allEvents(runId: string): Promise<any[]> {
  const res = await call(`/runs/${runId}/events?limit=10000`);
  return ((await res.json()) as { events: any[] }).events;
}
