import { env } from "cloudflare:workers";

/*
 * What every answer of the API must be, whatever was sent (SPEC §5, §8): a success, or a 4xx
 * problem+json whose `status` is the HTTP status — never a 5xx, never silence — and a failed
 * write leaves the stored data as it was (no half-stored graph, no stray row).
 */

/** Waits for `promise` at most `ms`; a hang becomes a failure that says what hung. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

export interface Answer {
  status: number;
  contentType: string;
  text: string;
  /** The problem's `type` when the answer is a problem. */
  problemType?: string;
}

/** Reads a response and lists every way it breaks the contract (empty when it holds). */
export async function readAnswer(res: Response): Promise<{ answer: Answer; problems: string[] }> {
  if (res.status === 101) {
    // A WebSocket upgrade (the /ws routes): a success with no body. Close our end at once.
    const problems = res.webSocket ? [] : ["a 101 without a WebSocket"];
    res.webSocket?.accept();
    res.webSocket?.close(1000, "fuzz");
    return { answer: { status: 101, contentType: "", text: "" }, problems };
  }
  const text = await res.text();
  const contentType = res.headers.get("Content-Type") ?? "";
  const answer: Answer = { status: res.status, contentType, text };
  const problems: string[] = [];
  const ok = res.status >= 200 && res.status < 300;
  if (!ok && !(res.status >= 400 && res.status < 500)) problems.push(`status ${res.status}`);
  if (!ok) {
    if (!contentType.startsWith("application/problem+json")) problems.push(`a ${res.status} with Content-Type ${JSON.stringify(contentType)}`);
    let body: Record<string, unknown> | undefined;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      problems.push("a problem that is not JSON");
    }
    if (body) {
      for (const field of ["type", "title", "detail"]) if (typeof body[field] !== "string") problems.push(`problem.${field} is ${JSON.stringify(body[field])}`);
      if (body.status !== res.status) problems.push(`problem.status ${JSON.stringify(body.status)} ≠ HTTP ${res.status}`);
      if (typeof body.type === "string") answer.problemType = body.type;
    }
  } else if (res.status === 204) {
    if (text !== "") problems.push("a 204 with a body");
  } else if (/json/.test(contentType)) {
    try {
      JSON.parse(text);
    } catch {
      problems.push(`a ${res.status} ${contentType} body that is not JSON`);
    }
  }
  return { answer, problems };
}

/** Row counts of every table a request could add to or remove from, and each graph's latest version. */
export type Snapshot = Record<string, string | number>;

const COUNTED_TABLES = ["graphs", "graph_versions", "graph_tasks", "graph_dataflows", "api_keys", "runs", "hooks", "endpoints", "schedules"];
let tables: string[] | undefined;

async function existingTables(): Promise<string[]> {
  if (!tables) {
    const rows = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all<{ name: string }>();
    const names = new Set(rows.results.map((r) => r.name));
    tables = COUNTED_TABLES.filter((t) => names.has(t));
  }
  return tables;
}

export async function snapshot(): Promise<Snapshot> {
  const counted = await existingTables();
  const counts = counted.map((t) => `(SELECT count(*) FROM ${t}) AS ${t}`).join(", ");
  const row = await env.DB.prepare(
    `SELECT ${counts}, (SELECT group_concat(id || ':' || latest_version || ':' || coalesce(deleted_at, ''), ' ') FROM (SELECT * FROM graphs ORDER BY id)) AS latest`,
  ).first<Snapshot>();
  return row ?? {};
}

/** What changed between two snapshots, ignoring `except` (e.g. runs a failed endpoint call legitimately started). */
export function changes(before: Snapshot, after: Snapshot, except: string[] = []): string[] {
  return Object.keys(before)
    .filter((k) => !except.includes(k) && before[k] !== after[k])
    .map((k) => `${k}: ${String(before[k]).slice(0, 300)} → ${String(after[k]).slice(0, 300)}`);
}

/**
 * Every stored graph is whole: each version has exactly the task and dataflow rows it counts,
 * and each graph's latest version exists. Returns the broken ones.
 */
export async function brokenGraphs(): Promise<string[]> {
  const rows = await env.DB.prepare(
    `SELECT v.graph_id || ' v' || v.version || ': ' || v.task_count || ' tasks, ' ||
            (SELECT count(*) FROM graph_tasks t WHERE t.graph_id = v.graph_id AND t.version = v.version) || ' rows; ' ||
            v.dataflow_count || ' dataflows, ' ||
            (SELECT count(*) FROM graph_dataflows d WHERE d.graph_id = v.graph_id AND d.version = v.version) || ' rows' AS problem
       FROM graph_versions v
      WHERE v.task_count != (SELECT count(*) FROM graph_tasks t WHERE t.graph_id = v.graph_id AND t.version = v.version)
         OR v.dataflow_count != (SELECT count(*) FROM graph_dataflows d WHERE d.graph_id = v.graph_id AND d.version = v.version)
     UNION ALL
     SELECT g.id || ': latest version ' || g.latest_version || ' is not stored'
       FROM graphs g
      WHERE NOT EXISTS (SELECT 1 FROM graph_versions v WHERE v.graph_id = g.id AND v.version = g.latest_version)`,
  ).all<{ problem: string }>();
  return rows.results.map((r) => r.problem);
}

/** JSON text with object keys sorted at every level: equal for values equal as JSON, whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]])) : v,
  );
}
