import type { RunEvent } from "../../src/core/events";
import { dataflowId, ERROR_PORT } from "../../src/core/graph/dataflow-id";
import type { Graph, GraphBody } from "../../src/core/graph/schema";
import type { TaskState } from "../../src/core/runner";
import type { RunStatus, TaskStatus } from "../../src/core/status";
import { TASK_STATUS_AFTER_EVENT, TERMINAL_RUN_STATUSES, TERMINAL_TASK_STATUSES } from "../../src/core/status";
import { taskKey as keyOfTask } from "../../src/client/keys";
import type { RunView } from "../../src/durable/protocol";

/**
 * The guarantees a soak run is checked against (SPEC §3, §4, §6, §8), as a pure function of the
 * graph, the run's event log and `GET /runs/:id`, and the reference evaluation of the same graph.
 * Each broken guarantee is one `Violation`; the harness prints them with the seed.
 */

export interface Violation {
  invariant: string;
  detail: string;
}

/** What the reference evaluation (`runGraph`) left: the same graph and input, tasks run in-process. */
export interface Reference {
  status: RunStatus;
  output?: unknown;
  events: readonly RunEvent[];
  tasks: readonly TaskState[];
}

export interface CheckInput {
  graph: Graph;
  events: readonly RunEvent[];
  view: RunView;
  reference: Reference;
  /** A cancel took effect (the run's outcome is then not the reference's). */
  cancelled: boolean;
}

interface DataflowInfo {
  source: string;
  target: string;
  sourcePort: string;
}

/** Task keys ("sub/inner") with their scope owner, and dataflow event keys ("<path>|<dataflowId>"). */
export interface GraphIndex {
  tasks: Map<string, { owner: string | undefined; isGraph: boolean }>;
  dataflows: Map<string, DataflowInfo>;
  /** Incoming dataflow event keys per task key. */
  incoming: Map<string, string[]>;
}

export function indexGraph(graph: GraphBody): GraphIndex {
  const index: GraphIndex = { tasks: new Map(), dataflows: new Map(), incoming: new Map() };
  const walk = (body: GraphBody, path: string) => {
    const keyOf = (id: string) => (path ? `${path}/${id}` : id);
    for (const t of body.tasks) {
      index.tasks.set(keyOf(t.id), { owner: path || undefined, isGraph: !!t.subgraph });
      index.incoming.set(keyOf(t.id), []);
      if (t.subgraph) walk(t.subgraph, keyOf(t.id));
    }
    for (const d of body.dataflows) {
      const k = `${path}|${dataflowId(d)}`;
      index.dataflows.set(k, { source: keyOf(d.sourceTaskId), target: keyOf(d.targetTaskId), sourcePort: d.sourceTaskPortId });
      index.incoming.get(keyOf(d.targetTaskId))?.push(k);
    }
  };
  walk(graph, "");
  return index;
}

const taskKey = (e: { taskId: string; path?: string }) => keyOfTask(e.taskId, e.path);
const dataflowKey = (e: { dataflowId: string; path?: string }) => `${e.path ?? ""}|${e.dataflowId}`;

const TERMINAL_EVENT: Record<string, RunStatus> = { complete: "COMPLETED", error: "FAILED", abort: "ABORTED" };

/**
 * `note` receives divergences from the reference that are correct behaviour, not violations: a
 * good attempt of a task with a timeout that timed out because its delivery was slow (an
 * injected crash or eviction, a busy machine) and was retried.
 */
export function checkRun({ graph, events, view, reference, cancelled }: CheckInput, note: (text: string) => void = () => {}): Violation[] {
  const out: Violation[] = [];
  const fail = (invariant: string, detail: string) => out.push({ invariant, detail });
  const index = indexGraph(graph);

  if (!TERMINAL_RUN_STATUSES.has(view.status)) fail("no-stuck-run", `the run is still ${view.status}`);

  // The log: gap-free, one run, time never going back.
  events.forEach((e, i) => {
    if (e.seq !== i + 1) fail("gap-free-log", `event #${i + 1} has seq ${e.seq}`);
    if (e.runId !== view.id) fail("gap-free-log", `seq ${e.seq} belongs to run ${e.runId}`);
    if (i > 0 && Date.parse(e.ts) < Date.parse(events[i - 1].ts)) fail("ts-non-decreasing", `seq ${e.seq} at ${e.ts} is before seq ${events[i - 1].seq} at ${events[i - 1].ts}`);
  });

  // The terminal event: one, last, and what GET /runs/:id says.
  const terminals = events.filter((e) => e.kind === "graph" && e.type in TERMINAL_EVENT);
  const last = events.at(-1);
  if (terminals.length !== 1) fail("terminal-event-last", `${terminals.length} terminal graph events (seqs ${terminals.map((e) => e.seq).join(", ")})`);
  if (TERMINAL_RUN_STATUSES.has(view.status)) {
    if (!last || last.kind !== "graph" || !(last.type in TERMINAL_EVENT)) fail("terminal-event-last", `the last event is ${last ? `${last.kind} ${last.type} (seq ${last.seq})` : "missing"}`);
    else {
      if (TERMINAL_EVENT[last.type] !== view.status) fail("log-matches-run", `the log ends with graph ${last.type} but the run is ${view.status}`);
      if (last.type === "complete" && last.data && "output" in last.data && !sameJson(last.data.output, view.output)) fail("log-matches-run", "graph complete output differs from the run's output");
      if (last.type === "error" && !sameJson(last.data?.error, view.error)) fail("log-matches-run", `graph error ${json(last.data?.error)} differs from the run's error ${json(view.error)}`);
    }
  }

  // Exactly-once: one complete per task and per dataflow; one queued and one start per attempt; attempts grow.
  const firstSeq = new Map<string, number>(); // "<event type>|<key>" → first seq
  const completes = new Map<string, number>();
  const perAttempt = new Map<string, number>();
  const lastAttempt = new Map<string, number>();
  const lastStatus = new Map<string, TaskStatus>();
  const taskOutputs = new Map<string, unknown>();
  for (const e of events) {
    if (e.kind === "task") {
      const key = taskKey(e);
      if (!index.tasks.has(key)) fail("known-ids", `seq ${e.seq}: task event for unknown task ${key}`);
      if (!firstSeq.has(`${e.type}|${key}`)) firstSeq.set(`${e.type}|${key}`, e.seq);
      const status = TASK_STATUS_AFTER_EVENT[e.type];
      if (status) lastStatus.set(key, status);
      if (e.type === "complete") {
        completes.set(key, (completes.get(key) ?? 0) + 1);
        if (completes.get(key) === 2) fail("complete-at-most-once", `task ${key} completed twice (second at seq ${e.seq})`);
        taskOutputs.set(key, e.data?.output);
      }
      if (e.type === "queued" || e.type === "start") {
        const attempt = e.data?.attempt as number;
        const id = `${e.type}|${key}#${attempt}`;
        perAttempt.set(id, (perAttempt.get(id) ?? 0) + 1);
        if (perAttempt.get(id) === 2) fail("one-start-per-attempt", `task ${key} attempt ${attempt}: a second ${e.type} at seq ${e.seq}`);
        const prev = lastAttempt.get(`${e.type}|${key}`) ?? 0;
        if (attempt < prev) fail("one-start-per-attempt", `task ${key}: ${e.type} of attempt ${attempt} after attempt ${prev} (seq ${e.seq})`);
        lastAttempt.set(`${e.type}|${key}`, attempt);
      }
    } else if (e.kind === "dataflow") {
      const key = dataflowKey(e);
      if (!index.dataflows.has(key)) fail("known-ids", `seq ${e.seq}: dataflow event for unknown dataflow ${key}`);
      const prior = firstSeq.get(`df|${key}`);
      if (prior !== undefined) fail("complete-at-most-once", `dataflow ${key} resolved twice (seqs ${prior} and ${e.seq})`);
      else firstSeq.set(`df|${key}`, e.seq);
    }
  }

  // Causal order: source complete (or error, for `[error]`) < dataflow complete < target start.
  for (const e of events) {
    if (e.kind !== "dataflow" || e.type !== "complete") continue;
    const df = index.dataflows.get(dataflowKey(e));
    if (!df) continue;
    const sourceSeq = firstSeq.get(`${df.sourcePort === ERROR_PORT ? "error" : "complete"}|${df.source}`);
    if (sourceSeq === undefined || sourceSeq > e.seq) fail("causal-order", `dataflow ${dataflowKey(e)} completed at seq ${e.seq} before its source ${df.source} ${df.sourcePort === ERROR_PORT ? "failed" : "completed"} (${sourceSeq ?? "never"})`);
  }
  for (const [key, info] of index.tasks) {
    const start = firstSeq.get(`start|${key}`);
    if (start === undefined) continue;
    for (const dk of index.incoming.get(key) ?? []) {
      const resolved = firstSeq.get(`df|${dk}`);
      if (resolved === undefined || resolved > start) fail("causal-order", `task ${key} started at seq ${start} before its input ${dk} was resolved (${resolved ?? "never"})`);
    }
    if (info.owner !== undefined) {
      const ownerStart = firstSeq.get(`start|${info.owner}`);
      if (ownerStart === undefined || ownerStart > start) fail("causal-order", `task ${key} started at seq ${start} before its GraphAsTask ${info.owner} (${ownerStart ?? "never"})`);
    }
  }

  // Pause: nothing new is dispatched until resume; only attempts queued before the pause may start.
  let pausedAt: number | undefined;
  const queuedBefore = new Set<string>();
  for (const e of events) {
    if (e.kind === "graph" && e.type === "pause") pausedAt = e.seq;
    else if (e.kind === "graph" && e.type === "resume") pausedAt = undefined;
    else if (e.kind === "task" && (e.type === "queued" || e.type === "start")) {
      const id = `${taskKey(e)}#${e.data?.attempt}`;
      if (pausedAt !== undefined && (e.type === "queued" || !queuedBefore.has(id))) fail("pause-dispatches-nothing", `task ${taskKey(e)} ${e.type} at seq ${e.seq} while paused since seq ${pausedAt}`);
      if (e.type === "queued") queuedBefore.add(id);
    }
  }

  // GET /runs/:id agrees with the log, task by task; a finished run has no unfinished task.
  const viewTasks = new Map((view.tasks ?? []).map((t) => [t.path ? `${t.path}/${t.id}` : t.id, t]));
  for (const key of index.tasks.keys()) {
    const t = viewTasks.get(key);
    if (!t) {
      fail("log-matches-run", `task ${key} is missing from GET /runs/:id`);
      continue;
    }
    const fromLog = lastStatus.get(key) ?? "PENDING";
    if (t.status !== fromLog) fail("log-matches-run", `task ${key} is ${t.status} but its last event says ${fromLog}`);
    if (TERMINAL_RUN_STATUSES.has(view.status) && !TERMINAL_TASK_STATUSES.has(t.status)) fail("no-stuck-task", `task ${key} is ${t.status} in a ${view.status} run`);
  }

  // Against the reference: same deterministic tasks, so the same values wherever both completed…
  const refOutputs = new Map<string, unknown>();
  for (const e of reference.events) if (e.kind === "task" && e.type === "complete") refOutputs.set(taskKey(e), e.data?.output);
  for (const [key, output] of taskOutputs) {
    if (refOutputs.has(key) && !sameJson(output, refOutputs.get(key))) fail("outputs-match-reference", `task ${key} output ${json(output)} ≠ reference ${json(refOutputs.get(key))}`);
  }
  // …and, unless cancelled, the same outcome.
  if (!cancelled && TERMINAL_RUN_STATUSES.has(view.status)) {
    if (view.status !== reference.status) fail("status-matches-reference", `run ${view.status}${view.error ? ` (${view.error.name}: ${view.error.message})` : ""}, reference ${reference.status}`);
    else if (view.status === "COMPLETED") {
      if (!sameJson(view.output, reference.output ?? null)) fail("outputs-match-reference", `run output ${json(view.output)} ≠ reference ${json(reference.output)}`);
      // Inside a GraphAsTask that failed, which siblings finished before the failure aborted the
      // rest is a race (the run may still complete through the GraphAsTask's `[error]` route).
      const failedGraphs = new Set<string>();
      for (const r of reference.tasks) if (index.tasks.get(r.key)?.isGraph && r.status === "FAILED") failedGraphs.add(r.key);
      for (const [key, t] of viewTasks) if (index.tasks.get(key)?.isGraph && t.status === "FAILED") failedGraphs.add(key);
      const insideFailed = (key: string) => [...failedGraphs].some((g) => key.startsWith(`${g}/`));
      for (const r of reference.tasks) {
        if (insideFailed(r.key)) continue;
        const t = viewTasks.get(r.key);
        if (!t || (t.status === r.status && t.attempts === r.attempts)) continue;
        const extra = t.attempts - r.attempts;
        if (t.status === r.status && extra > 0 && timeoutRetries(events, r.key) - timeoutRetries(reference.events, r.key) === extra) {
          note(`task ${r.key}: ${extra} good attempt(s) timed out and were retried (${t.attempts} attempts, reference ${r.attempts})`);
        } else fail("outputs-match-reference", `task ${r.key} ended ${t.status} after ${t.attempts} attempt(s), reference ${r.status} after ${r.attempts}`);
      }
    }
  }
  return out;
}

/** How many of a task's attempts failed with a timeout and were retried. */
function timeoutRetries(events: readonly RunEvent[], key: string): number {
  return events.filter((e) => e.kind === "task" && e.type === "retry" && taskKey(e) === key && (e.data?.error as { name?: unknown } | undefined)?.name === "TaskTimeoutError").length;
}

/**
 * Equality as a client sees it: both values as JSON (an `undefined` array element is `null`, an
 * `undefined` property is absent), object key order ignored.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  return deepEqual(asJson(a), asJson(b));
}

const asJson = (v: unknown): unknown => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((v, i) => deepEqual(v, (b as unknown[])[i]));
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b as object, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

const json = (v: unknown) => {
  const s = JSON.stringify(v) ?? "undefined";
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
};
