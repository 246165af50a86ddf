import { type Static, Type } from "@sinclair/typebox";
import "../core/task/formats";
import { type TaskContext, type TaskDefinition, defineTask } from "../core/task/define-task";
import { PermanentTaskError, TaskAbortedError, TaskError } from "../core/task/errors";
import { abortReason, throwIfAborted } from "./lib/abort";
import { decoderFor, readLimited, toBase64 } from "./http/body";
import { HOST_ENTRY_PATTERN, type HostList, hostAllowed } from "./http/allow-list";
import { parseRetryAfter } from "./http/retry-after";

/**
 * Fetch: one HTTP request from a queue worker.
 *
 * Safety: every hop (the first URL and each redirect) must be http(s) and admitted by the
 * deployment's allow-list and by the task's `config.allowHosts`; redirects are followed by hand
 * for that reason. The body is streamed and cut at `maxResponseBytes`. Credentials are not
 * forwarded across origins on a redirect.
 *
 * Failures: 429 and 5xx are retryable (`HttpError`, code `http_<status>`, with `retryAfterMs` from
 * `Retry-After`); other 4xx, bad URLs, disallowed hosts, oversized or non-JSON bodies are permanent.
 * Network errors and the request timeout are retryable. Retries happen when the task's
 * `config.retry.maxAttempts` allows them.
 */

/** Deployment-wide Fetch settings, passed to `createRegistry(extra, { fetch })` by the Worker. */
export interface FetchDeploymentOptions {
  /**
   * Hosts any Fetch task may reach (the ceiling; a task's `config.allowHosts` can only narrow it).
   * Default `["*"]`: any public host. Internal addresses (localhost, 127.0.0.1, 10.x…) are only
   * reachable when listed here exactly.
   */
  allowHosts?: HostList;
  /** The largest response body any task may read, and the default (1 MiB). */
  maxResponseBytes?: number;
  /** The request timeout when the input sets none (30 s). */
  defaultTimeoutMs?: number;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 1_048_576;
export const DEFAULT_FETCH_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_REDIRECTS = 5;

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] as const;
const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
/** Headers that must not follow a redirect to another origin. */
const CREDENTIAL_HEADERS = ["authorization", "cookie", "proxy-authorization"];

const FetchInput = Type.Object(
  {
    url: Type.String({ format: "uri", minLength: 1, maxLength: 8192, description: "http(s) URL" }),
    method: Type.Optional(Type.Union(METHODS.map((m) => Type.Literal(m)), { description: "Default GET" })),
    headers: Type.Optional(Type.Record(Type.String(), Type.String(), { description: "Request headers" })),
    body: Type.Optional(Type.Unknown({ description: "A string is sent as is; anything else as JSON (content-type application/json); null sends no body" })),
    responseType: Type.Optional(
      Type.Union([Type.Literal("json"), Type.Literal("text"), Type.Literal("bytes")], {
        description: "How to read the body: json (default), text, or bytes (as a base64 string)",
      }),
    ),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 900_000, description: "Request timeout, redirects and body included (default 30 s)" })),
  },
  { additionalProperties: false },
);

const FetchOutput = Type.Object(
  {
    status: Type.Integer(),
    headers: Type.Record(Type.String(), Type.String()),
    body: Type.Unknown({ description: "Parsed JSON, text, or base64 bytes; null when there is none" }),
    url: Type.String({ description: "The final URL, after redirects" }),
  },
  { additionalProperties: false },
);

const FetchConfig = Type.Object(
  {
    allowHosts: Type.Optional(
      Type.Array(Type.String({ pattern: HOST_ENTRY_PATTERN, maxLength: 253 }), {
        maxItems: 256,
        description: 'Hosts this task may reach: "api.example.com", "*.example.com" (subdomains), "*"; within the deployment\'s list',
      }),
    ),
    maxRedirects: Type.Optional(Type.Integer({ minimum: 0, maximum: 20, description: "Redirects followed before failing (default 5)" })),
    maxResponseBytes: Type.Optional(Type.Integer({ minimum: 1, maximum: 268_435_456, description: "Body size limit; capped by the deployment's (default 1 MiB)" })),
  },
  { additionalProperties: false },
);

type FetchIn = Static<typeof FetchInput>;
type FetchOut = Static<typeof FetchOutput>;
type FetchConf = Static<typeof FetchConfig>;

/** The URL as it may appear in errors and events: no query string or credentials (they may hold secrets). */
function shown(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

class HostNotAllowedError extends PermanentTaskError {
  constructor(url: URL) {
    super(`host ${url.hostname} is not in the allow-list (${shown(url)})`, "host_not_allowed");
  }
}

function checkTarget(url: URL, deployment: HostList, task: HostList | undefined): void {
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new PermanentTaskError(`only http and https URLs can be fetched, not ${url.protocol}`, "unsupported_protocol");
  }
  if (!hostAllowed(deployment, url.hostname) || (task !== undefined && !hostAllowed(task, url.hostname))) throw new HostNotAllowedError(url);
}

function requestBody(inp: FetchIn, headers: Headers, method: string): string | undefined {
  if (inp.body === undefined || inp.body === null) return undefined;
  if (method === "GET" || method === "HEAD") throw new PermanentTaskError(`a ${method} request cannot have a body`, "invalid_request");
  if (typeof inp.body === "string") return inp.body;
  if (!headers.has("content-type")) headers.set("content-type", "application/json");
  return JSON.stringify(inp.body);
}

function httpError(res: Response, url: URL): TaskError {
  const message = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""} from ${shown(url)}`;
  const code = `http_${res.status}`;
  if (res.status === 429 || res.status >= 500) {
    const retryAfterMs = parseRetryAfter(res.headers.get("retry-after"));
    return new TaskError(retryAfterMs !== undefined ? `${message} (retry after ${Math.ceil(retryAfterMs / 1000)} s)` : message, {
      name: "HttpError",
      code,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }
  return new TaskError(message, { name: "HttpError", code, permanent: true });
}

function decodeBody(bytes: Uint8Array, res: Response, responseType: "json" | "text" | "bytes", url: URL): unknown {
  if (responseType === "bytes") return toBase64(bytes);
  const text = decoderFor(res.headers.get("content-type")).decode(bytes);
  if (responseType === "text") return text;
  if (text.trim() === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new PermanentTaskError(`response from ${shown(url)} is not JSON (content-type: ${res.headers.get("content-type") ?? "none"})`, "invalid_json");
  }
}

/** Reports download progress in 10% steps when the size is known. */
function progressReporter(ctx: TaskContext<unknown>, res: Response): ((n: number) => void) | undefined {
  const length = Number(res.headers.get("content-length"));
  if (!Number.isFinite(length) || length <= 0) return undefined;
  let last = 0;
  return (received) => {
    const step = Math.min(100, Math.floor((received / length) * 10) * 10);
    if (step > last) {
      last = step;
      ctx.progress(step);
    }
  };
}

async function performFetch(inp: FetchIn, ctx: TaskContext<FetchConf>, options: Required<FetchDeploymentOptions>): Promise<FetchOut> {
  throwIfAborted(ctx.signal);
  const cfg = ctx.config ?? {};
  const maxBytes = Math.min(cfg.maxResponseBytes ?? options.maxResponseBytes, options.maxResponseBytes);
  const maxRedirects = cfg.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const timeoutMs = inp.timeoutMs ?? options.defaultTimeoutMs;
  const responseType = inp.responseType ?? "json";

  let url: URL;
  try {
    url = new URL(inp.url);
  } catch {
    throw new PermanentTaskError(`invalid URL ${JSON.stringify(inp.url.slice(0, 200))}`, "invalid_url");
  }
  let method: string = inp.method ?? "GET";
  let headers: Headers;
  try {
    headers = new Headers(inp.headers);
  } catch (err) {
    // A header name with spaces, a value with a newline…: the same request can never be sent.
    throw new PermanentTaskError(`invalid request headers: ${(err as Error).message}`, "invalid_request");
  }
  let body = requestBody(inp, headers, method);

  // One controller for the whole exchange: the run's signal and the request timeout both end it.
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = () => controller.abort(ctx.signal.reason);
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`timed out after ${timeoutMs} ms`));
  }, timeoutMs);

  try {
    let res: Response;
    for (let hop = 0; ; hop++) {
      checkTarget(url, options.allowHosts, cfg.allowHosts);
      res = await fetch(url, { method, headers, body, redirect: "manual", signal: controller.signal });
      const location = REDIRECTS.has(res.status) ? res.headers.get("location") : null;
      if (location === null) break;
      await res.body?.cancel().catch(() => {});
      if (hop >= maxRedirects) {
        throw new PermanentTaskError(`more than ${maxRedirects} redirects (last from ${shown(url)})`, "too_many_redirects");
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new PermanentTaskError(`invalid redirect location from ${shown(url)}`, "invalid_redirect");
      }
      // RFC 9110 §15.4: 303 turns any method but HEAD into GET; 301/302 do so for POST (as browsers do).
      if ((res.status === 303 && method !== "HEAD") || ((res.status === 301 || res.status === 302) && method === "POST")) {
        method = "GET";
        body = undefined;
        headers.delete("content-type");
        headers.delete("content-length");
      }
      if (next.origin !== url.origin) for (const h of CREDENTIAL_HEADERS) headers.delete(h);
      url = next;
    }
    if (res.status >= 400) {
      await res.body?.cancel().catch(() => {});
      throw httpError(res, url);
    }
    const declared = Number(res.headers.get("content-length"));
    if (Number.isFinite(declared) && declared > maxBytes) {
      await res.body?.cancel().catch(() => {});
      throw new PermanentTaskError(`response from ${shown(url)} is larger than ${maxBytes} bytes (content-length ${declared})`, "response_too_large");
    }
    const bytes = method === "HEAD" ? new Uint8Array(0) : await readLimited(res.body, maxBytes, shown(url), progressReporter(ctx, res));
    const responseHeaders: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      responseHeaders[k] = v;
    });
    const parsed = method === "HEAD" ? null : decodeBody(bytes, res, responseType, url);
    return { status: res.status, headers: responseHeaders, body: parsed, url: url.href };
  } catch (err) {
    if (ctx.signal.aborted) throw new TaskAbortedError(abortReason(ctx.signal));
    if (err instanceof TaskError) throw err;
    if (timedOut) throw new TaskError(`request to ${shown(url)} timed out after ${timeoutMs} ms`, { name: "HttpTimeoutError", code: "timeout" });
    const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
    const detail = typeof cause?.code === "string" ? cause.code : err instanceof Error ? err.message : String(err);
    throw new TaskError(`request to ${shown(url)} failed: ${detail}`, { name: "NetworkError", code: "network_error" });
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener("abort", onAbort);
  }
}

/**
 * The Fetch task type for a deployment's settings. `Fetch` (below) is the one with the defaults;
 * `createRegistry(extra, { fetch: { allowHosts } })` registers this one instead.
 */
export function createFetchTask(options: FetchDeploymentOptions = {}): TaskDefinition<typeof FetchInput, typeof FetchOutput, typeof FetchConfig> {
  const resolved: Required<FetchDeploymentOptions> = {
    allowHosts: options.allowHosts ?? ["*"],
    maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    defaultTimeoutMs: options.defaultTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS,
  };
  return defineTask({
    type: "Fetch",
    title: "HTTP request",
    category: "Network",
    description:
      "Makes an HTTP request from a queue worker and returns `status`, `headers`, `body` (json, text or base64 bytes) and the final `url`. " +
      "Hosts are limited by the deployment's allow-list and config `allowHosts`; redirects are followed (config `maxRedirects`, default 5), " +
      "each hop checked. 429 and 5xx fail retryably (honouring Retry-After), other 4xx permanently; bodies over `maxResponseBytes` fail.",
    execution: "queue",
    input: FetchInput,
    output: FetchOutput,
    config: FetchConfig,
    run: (inp, ctx) => performFetch(inp, ctx, resolved),
  });
}

export const Fetch = createFetchTask();
