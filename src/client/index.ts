/**
 * A small typed client for the Weft HTTP API and run event stream. Plain `fetch` and `WebSocket`,
 * so it runs in browsers (the viewer), Node 22+ (the CLI) and Workers alike.
 */
import type { RunEvent } from "../core/events";
import type { Graph } from "../core/graph/schema";
import type { RunStatus, TaskStatus } from "../core/status";

export type { RunEvent };

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { path: string; message: string }[];
}

/** A non-2xx answer from the API, carrying its problem+json body. */
export class WeftApiError extends Error {
  constructor(readonly status: number, readonly problem: Problem) {
    super(`${status} ${problem.title}: ${problem.detail}`);
    this.name = "WeftApiError";
  }
}

export interface StoredGraph extends Graph {
  id: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface GraphSummary {
  id: string;
  name: string;
  description?: string;
  version: number;
  taskCount?: number;
  dataflowCount?: number;
  createdAt: string;
  updatedAt: string;
}

export interface RunTask {
  id: string;
  path?: string;
  type: string;
  status: TaskStatus;
  attempts: number;
  startedAt: string | null;
  completedAt: string | null;
  progress?: number;
  error?: { name: string; message: string; code?: string };
}

export interface Run {
  id: string;
  graphId: string;
  graphVersion: number;
  status: RunStatus;
  input: unknown;
  output: unknown;
  error: { name: string; message: string; code?: string } | null;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  /** GET /runs/:id: the seq of the last event the snapshot reflects. */
  lastSeq?: number;
  tasks?: RunTask[];
}

/** One entry of `GET /task-types`. */
export interface TaskTypeInfo {
  type: string;
  title: string;
  category: string;
  description?: string;
  execution: "inline" | "queue" | "graph";
  inputSchema: unknown;
  outputSchema: unknown;
  configSchema: unknown;
}

/** `POST /graphs/:id/hooks`: the secret is in this answer only. */
export interface Hook {
  id: string;
  url: string;
  secret: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ClientOptions {
  /** Base URL of the Weft Worker, e.g. http://127.0.0.1:8787 */
  url: string;
  /** API key or admin token. */
  token?: string;
  fetch?: typeof fetch;
}

export interface SubscribeOptions {
  /** Resume after this seq (0 = the whole log). */
  after?: number;
  /** Called with each batch of events, in order, without gaps or duplicates. */
  onEvents: (events: RunEvent[]) => void;
  /** Called once the run's terminal event has been received and the server closed the socket. */
  onEnd?: () => void;
  onError?: (err: unknown) => void;
  /** Reconnect after an unexpected close (default true), resuming from the last seq received. */
  reconnect?: boolean;
  /**
   * Consecutive connections that end without delivering anything before giving up with
   * `onError` (default 5), so a caller can fall back to polling `events()`.
   */
  maxFailures?: number;
}

export interface Subscription {
  /** The last seq received. */
  readonly lastSeq: number;
  close(): void;
}

const TERMINAL = new Set(["COMPLETED", "FAILED", "ABORTED"]);

export class WeftClient {
  private readonly base: string;
  private readonly doFetch: typeof fetch;

  constructor(private readonly opts: ClientOptions) {
    this.base = opts.url.replace(/\/+$/, "");
    this.doFetch = opts.fetch ?? ((...a) => fetch(...a));
  }

  /** Any API call: JSON in, JSON out, problem+json turned into WeftApiError. */
  async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T; headers: Headers }> {
    const h: Record<string, string> = { accept: "application/json", ...headers };
    if (this.opts.token) h.authorization = `Bearer ${this.opts.token}`;
    if (body !== undefined) h["content-type"] = "application/json";
    const res = await this.doFetch(`${this.base}${path}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    const parsed = text ? safeJson(text) : undefined;
    if (!res.ok) {
      const p = (parsed ?? {}) as Partial<Problem>;
      throw new WeftApiError(res.status, { type: p.type ?? "about:blank", title: p.title ?? res.statusText, status: res.status, detail: p.detail ?? text, ...(p.errors ? { errors: p.errors } : {}) });
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  health() {
    return this.request<{ status: string }>("GET", "/health").then((r) => r.body);
  }
  taskTypes() {
    return this.request<Page<TaskTypeInfo>>("GET", "/task-types").then((r) => r.body.items);
  }
  /** The OpenAPI 3.1 document (public). */
  openapi() {
    return this.request<Record<string, unknown>>("GET", "/openapi.json").then((r) => r.body);
  }
  validateGraph(graph: unknown) {
    return this.request<{ valid: boolean; errors: { path: string; message: string }[] }>("POST", "/graphs/validate", graph).then((r) => r.body);
  }
  createGraph(graph: Graph) {
    return this.request<StoredGraph>("POST", "/graphs", graph).then((r) => r.body);
  }
  updateGraph(id: string, version: number, graph: Graph) {
    return this.request<StoredGraph>("PUT", `/graphs/${enc(id)}`, graph, { "if-match": `"${version}"` }).then((r) => r.body);
  }
  getGraph(id: string) {
    return this.request<StoredGraph>("GET", `/graphs/${enc(id)}`).then((r) => r.body);
  }
  listGraphs(cursor?: string, limit?: number, name?: string) {
    return this.request<Page<GraphSummary>>("GET", `/graphs${query({ cursor, limit, name })}`).then((r) => r.body);
  }
  getGraphVersion(id: string, version: number) {
    return this.request<StoredGraph>("GET", `/graphs/${enc(id)}/versions/${version}`).then((r) => r.body);
  }
  /** Finds a graph by id, or else by exact name (the latest graph with that name); null when neither exists. */
  async findGraph(idOrName: string): Promise<StoredGraph | null> {
    try {
      return await this.getGraph(idOrName);
    } catch (err) {
      if (!(err instanceof WeftApiError) || err.status !== 404) throw err;
    }
    const page = await this.listGraphs(undefined, 1, idOrName);
    return page.items.length > 0 ? this.getGraph(page.items[0].id) : null;
  }
  createHook(graphId: string) {
    return this.request<Hook>("POST", `/graphs/${enc(graphId)}/hooks`, {}).then((r) => r.body);
  }
  deleteGraph(id: string) {
    return this.request<void>("DELETE", `/graphs/${enc(id)}`).then(() => undefined);
  }
  startRun(graphId: string, input: unknown, opts: { wait?: number; idempotencyKey?: string; merge?: string } = {}) {
    const headers: Record<string, string> = opts.idempotencyKey ? { "idempotency-key": opts.idempotencyKey } : {};
    return this.request<Run>("POST", `/graphs/${enc(graphId)}/runs${query({ wait: opts.wait })}`, { input, ...(opts.merge ? { merge: opts.merge } : {}) }, headers).then((r) => r.body);
  }
  getRun(id: string) {
    return this.request<Run>("GET", `/runs/${enc(id)}`).then((r) => r.body);
  }
  listRuns(filter: { graphId?: string; status?: string; cursor?: string; limit?: number } = {}) {
    return this.request<Page<Run>>("GET", `/runs${query(filter)}`).then((r) => r.body);
  }
  events(id: string, after = 0, limit?: number) {
    return this.request<{ events: RunEvent[] }>("GET", `/runs/${enc(id)}/events${query({ after, limit })}`).then((r) => r.body.events);
  }
  /** A value kept by reference (a `data.ref.ref` from a dataflow or task event). */
  value(id: string, ref: string) {
    return this.request<{ ref: string; value: unknown }>("GET", `/runs/${enc(id)}/values${query({ ref })}`).then((r) => r.body.value);
  }
  control(id: string, action: "cancel" | "pause" | "resume" | "retry") {
    return this.request<Run>("POST", `/runs/${enc(id)}/${action}`).then((r) => r.body);
  }
  signal(id: string, name: string, payload: unknown) {
    return this.request<{ delivered: boolean }>("POST", `/runs/${enc(id)}/signals/${enc(name)}`, payload).then((r) => r.body);
  }
  ticket(id: string) {
    return this.request<{ ticket: string; expiresAt: string }>("POST", `/runs/${enc(id)}/ticket`).then((r) => r.body);
  }

  /**
   * Streams a run's events over its WebSocket. Authenticates with a short-lived ticket (browsers
   * cannot set headers on a WebSocket), replays after `after`, and on an unexpected close
   * reconnects with a fresh ticket from the last seq received, so nothing is missed or repeated.
   */
  subscribe(runId: string, opts: SubscribeOptions): Subscription {
    let lastSeq = opts.after ?? 0;
    let closed = false;
    let ended = false;
    let ws: WebSocket | undefined;
    let failures = 0;
    const connect = async () => {
      if (closed) return;
      try {
        const { ticket } = await this.ticket(runId);
        const wsUrl = `${this.base.replace(/^http/, "ws")}/runs/${enc(runId)}/ws${query({ after: lastSeq, token: ticket })}`;
        ws = new WebSocket(wsUrl);
        ws.addEventListener("message", (msg: MessageEvent) => {
          failures = 0;
          const frame = safeJson(typeof msg.data === "string" ? msg.data : "") as { events?: RunEvent[] } | undefined;
          const fresh = (frame?.events ?? []).filter((e) => e.seq > lastSeq);
          if (fresh.length === 0) return;
          lastSeq = fresh[fresh.length - 1].seq;
          opts.onEvents(fresh);
          if (fresh.some((e) => e.kind === "graph" && (e.type === "complete" || e.type === "error" || e.type === "abort"))) ended = true;
        });
        ws.addEventListener("close", (ev: CloseEvent) => {
          if (closed) return;
          if (ended || ev.code === 1000) {
            closed = true;
            opts.onEnd?.();
            return;
          }
          if (opts.reconnect === false || failures >= (opts.maxFailures ?? 5)) {
            closed = true;
            return opts.onError?.(new Error(`the event socket closed (${ev.code}) ${failures + 1} time(s) without delivering events`));
          }
          setTimeout(connect, Math.min(5000, 100 * 2 ** failures++));
        });
        // An "error" is always followed by "close", where reconnection happens.
      } catch (err) {
        if (err instanceof WeftApiError && err.status < 500) {
          closed = true;
          opts.onError?.(err);
          return;
        }
        setTimeout(connect, Math.min(5000, 100 * 2 ** failures++));
      }
    };
    void connect();
    return {
      get lastSeq() {
        return lastSeq;
      },
      close() {
        closed = true;
        ws?.close(1000);
      },
    };
  }

  /** Resolves with the run once it is terminal (polling the events endpoint while it is not). */
  async waitForRun(id: string, pollMs = 500): Promise<Run> {
    for (;;) {
      const run = await this.getRun(id);
      if (TERMINAL.has(run.status)) return run;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
}

function enc(s: string): string {
  return encodeURIComponent(s);
}

function query(params: Record<string, string | number | undefined>): string {
  const parts = Object.entries(params).filter(([, v]) => v !== undefined && v !== "");
  return parts.length ? `?${parts.map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join("&")}` : "";
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
