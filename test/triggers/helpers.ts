import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createApp } from "../../src/api/app";
import type { ApiDeps } from "../../src/api/types";
import { signatureHeader } from "../../src/api/webhook-signature";
import { DEFAULT_LIMITS } from "../../src/core/limits";
import type { Env } from "../../src/env";
import { registry } from "../../src/registry";
import { BASE, call } from "../api/helpers";

const encoder = new TextEncoder();

export const nowS = () => Math.floor(Date.now() / 1000);

/** A hook on `graphId`, created through the API: its id, delivery path and secret. */
export async function createHook(graphId: string, body?: unknown): Promise<{ id: string; url: string; path: string; secret: string; [k: string]: unknown }> {
  const res = await call(`/graphs/${graphId}/hooks`, body === undefined ? { method: "POST" } : { json: body });
  if (res.status !== 201) throw new Error(`hook creation failed: ${res.status} ${await res.text()}`);
  const hook = (await res.json()) as { id: string; url: string; secret: string };
  return { ...hook, path: new URL(hook.url).pathname };
}

export interface SignedOptions {
  /** Unix seconds to sign with (default: now). */
  t?: number;
  /** Secrets to sign with (one v1 each); default the given secret. */
  secrets?: string[];
  /** The header value as is, instead of computing one. */
  signature?: string | null;
  headers?: Record<string, string>;
  contentType?: string | null;
}

/** The request a sender makes: `body` (bytes or text) signed as Weft-Signature. */
export async function signedRequest(path: string, secret: string, body: string | Uint8Array, options: SignedOptions = {}): Promise<Request> {
  const bytes = typeof body === "string" ? encoder.encode(body) : body;
  const headers = new Headers(options.headers);
  if (options.contentType !== null) headers.set("Content-Type", options.contentType ?? "application/json");
  const signature = options.signature !== undefined ? options.signature : await signatureHeader(options.secrets ?? secret, options.t ?? nowS(), bytes);
  if (signature !== null) headers.set("Weft-Signature", signature);
  return new Request(BASE + path, { method: "POST", headers, body: bytes });
}

/** Sends a request through the Worker's real fetch handler (the default app). */
export async function send(request: Request): Promise<Response> {
  const { exports } = await import("cloudflare:workers");
  return exports.default.fetch(request);
}

/**
 * A fetch through an app built with other deps (a fixed clock, small rate limits) and
 * optionally other Worker vars, over the test's real bindings (D1, Durable Objects, queues).
 */
export function appWith(deps: Partial<ApiDeps>, vars: Partial<Env> = {}): (request: Request) => Promise<Response> {
  const { app } = createApp({ registry, limits: DEFAULT_LIMITS, ...deps });
  const bindings = new Proxy(env, { get: (target, name) => (name in vars ? vars[name as keyof Env] : Reflect.get(target, name)) }) as Env;
  return async (request) => {
    const ctx = createExecutionContext();
    const res = await app.fetch(request, bindings, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  };
}

/** Graph ids used across trigger tests. */
export function assertGraph(): { name: string; tasks: any[]; dataflows: any[] } {
  return { name: "assert", tasks: [{ id: "check", type: "Assert", defaults: { message: "the check failed" } }], dataflows: [] };
}
