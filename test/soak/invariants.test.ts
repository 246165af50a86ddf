import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../src/core/events";
import type { Graph } from "../../src/core/graph/schema";
import { runGraph, type RunGraphResult } from "../../src/core/runner";
import type { RunView } from "../../src/durable/protocol";
import { taskView } from "../../src/durable/run-view";
import { registry } from "../../src/registry";
import { checkRun, sameJson, type Violation } from "./invariants";
import "./soak-tasks";

/**
 * The soak's checker must catch what it claims to: a clean log passes, and each kind of
 * corruption of a real log (from runGraph) or of the run's view is reported under its name.
 */

const graph: Graph = {
  name: "checker",
  tasks: [
    { id: "a", type: "SoakStep", defaults: { salt: "a" } },
    { id: "q", type: "SoakQueueStep", defaults: { salt: "q" } },
    { id: "f", type: "SoakStep", defaults: { salt: "f", failures: 1 }, config: { retry: { maxAttempts: 2, backoff: "fixed", initialDelayMs: 5 } } },
    { id: "c", type: "Condition", config: { rules: [{ port: "hi", when: { op: "gte", value: "8" } }] } },
    { id: "d", type: "Delay", defaults: { ms: 20 } },
    { id: "sub", type: "GraphAsTask", subgraph: { tasks: [{ id: "x", type: "SoakQueueStep", defaults: { salt: "x" } }], dataflows: [] } },
    { id: "leaf", type: "SoakStep", defaults: { salt: "leaf" } },
  ],
  dataflows: [
    { sourceTaskId: "a", sourceTaskPortId: "value", targetTaskId: "q", targetTaskPortId: "in" },
    { sourceTaskId: "a", sourceTaskPortId: "value", targetTaskId: "f", targetTaskPortId: "in" },
    { sourceTaskId: "q", sourceTaskPortId: "value", targetTaskId: "c", targetTaskPortId: "value" },
    { sourceTaskId: "c", sourceTaskPortId: "hi", targetTaskId: "leaf", targetTaskPortId: "in" },
    { sourceTaskId: "c", sourceTaskPortId: "default", targetTaskId: "leaf", targetTaskPortId: "in" },
    { sourceTaskId: "f", sourceTaskPortId: "value", targetTaskId: "d", targetTaskPortId: "value" },
    { sourceTaskId: "d", sourceTaskPortId: "value", targetTaskId: "sub", targetTaskPortId: "in" },
    { sourceTaskId: "sub", sourceTaskPortId: "value", targetTaskId: "leaf", targetTaskPortId: "in" },
  ],
};

const RUN_ID = "r_checker";
let ref: RunGraphResult;

/** The view GET /runs/:id would give for the reference run. */
function viewOf(r: RunGraphResult): RunView {
  return {
    id: RUN_ID,
    graphId: "g",
    graphVersion: 1,
    status: r.status,
    trigger: "api",
    input: {},
    output: r.output ?? null,
    error: r.error ?? null,
    progress: 100,
    createdAt: new Date(0).toISOString(),
    startedAt: null,
    completedAt: null,
    tasks: r.tasks.map(taskView),
  };
}

const renumber = (events: RunEvent[]) => events.map((e, i) => ({ ...e, seq: i + 1 }));
const clone = <T>(v: T): T => structuredClone(v);
const names = (vs: Violation[]) => [...new Set(vs.map((v) => v.invariant))].sort();
const check = (events: RunEvent[], view: RunView, cancelled = false) => checkRun({ graph, events, view, reference: ref, cancelled });
const find = (events: RunEvent[], pred: (e: RunEvent) => boolean) => {
  const i = events.findIndex(pred);
  if (i < 0) throw new Error("no such event in the reference log");
  return i;
};

describe("soak invariants checker", () => {
  it("passes the reference run checked against itself", async () => {
    ref = await runGraph(graph, { in: ["input"] }, registry, { runId: RUN_ID, startTime: 1_800_000_000_000 });
    expect(ref.status).toBe("COMPLETED");
    expect(ref.events.filter((e) => e.kind === "task" && e.type === "retry")).toHaveLength(1); // f failed once
    expect(check([...ref.events], viewOf(ref))).toEqual([]);
  });

  it("reports a gap in the log and an event of another run", () => {
    const events = [...ref.events];
    events.splice(3, 1);
    expect(names(check(events, viewOf(ref)))).toContain("gap-free-log");
    const other = clone([...ref.events]);
    other[2].runId = "r_other";
    expect(names(check(other, viewOf(ref)))).toEqual(["gap-free-log"]);
  });

  it("reports time going back", () => {
    const events = clone([...ref.events]);
    events[4].ts = new Date(Date.parse(events[3].ts) - 1000).toISOString();
    expect(names(check(events, viewOf(ref)))).toEqual(["ts-non-decreasing"]);
  });

  it("reports a task or a dataflow completed twice, and a second start of one attempt", () => {
    const events = [...ref.events];
    const i = find(events, (e) => e.kind === "task" && e.type === "complete" && e.taskId === "a");
    const twice = renumber([...events.slice(0, i + 1), events[i], ...events.slice(i + 1)]);
    expect(names(check(twice, viewOf(ref)))).toEqual(["complete-at-most-once"]);
    const j = find(events, (e) => e.kind === "dataflow" && e.type === "complete");
    const dfTwice = renumber([...events.slice(0, j + 1), events[j], ...events.slice(j + 1)]);
    expect(names(check(dfTwice, viewOf(ref)))).toEqual(["complete-at-most-once"]);
    const k = find(events, (e) => e.kind === "task" && e.type === "start" && e.taskId === "q");
    const startTwice = renumber([...events.slice(0, k + 1), events[k], ...events.slice(k + 1)]);
    expect(names(check(startTwice, viewOf(ref)))).toEqual(["one-start-per-attempt"]);
  });

  it("reports a terminal event that is not last, or missing, or disagreeing with the run", () => {
    const events = [...ref.events];
    const last = events.at(-1) as RunEvent;
    const notLast = renumber([...events.slice(0, -2), last, events.at(-2) as RunEvent]);
    expect(names(check(notLast, viewOf(ref)))).toContain("terminal-event-last");
    expect(names(check(events.slice(0, -1), viewOf(ref)))).toContain("terminal-event-last");
    const failedView = { ...viewOf(ref), status: "FAILED" as const };
    expect(names(check(events, failedView))).toEqual(expect.arrayContaining(["log-matches-run", "status-matches-reference"]));
  });

  it("reports a run left unfinished and a task left running in a finished run", () => {
    const view = { ...viewOf(ref), status: "PROCESSING" as const };
    expect(names(check([...ref.events], view))).toContain("no-stuck-run");
    const stuckTask = viewOf(ref);
    (stuckTask.tasks ?? [])[1].status = "PROCESSING";
    expect(names(check([...ref.events], stuckTask))).toEqual(expect.arrayContaining(["log-matches-run", "no-stuck-task"]));
  });

  it("reports a target starting before its input arrived, and a subgraph task before its GraphAsTask", () => {
    const events = [...ref.events];
    const df = find(events, (e) => e.kind === "dataflow" && e.type === "complete" && e.dataflowId === "a[value] ==> q[in]");
    const start = find(events, (e) => e.kind === "task" && e.type === "start" && e.taskId === "q");
    const early = [...events];
    [early[df], early[start]] = [early[start], early[df]];
    expect(names(check(renumber(early), viewOf(ref)))).toEqual(["causal-order"]);
    const inner = find(events, (e) => e.kind === "task" && e.type === "start" && e.taskId === "x");
    const owner = find(events, (e) => e.kind === "task" && e.type === "start" && e.taskId === "sub");
    const orphan = [...events];
    [orphan[owner], orphan[inner]] = [orphan[inner], orphan[owner]];
    expect(names(check(renumber(orphan), viewOf(ref)))).toContain("causal-order");
  });

  it("reports a dispatch while paused", () => {
    const events = [...ref.events];
    const i = find(events, (e) => e.kind === "task" && e.type === "queued" && e.taskId === "q");
    const pause: RunEvent = { ...events[i], kind: "graph", type: "pause", data: {} } as RunEvent;
    const resume: RunEvent = { ...events[i], kind: "graph", type: "resume", data: {} } as RunEvent;
    const paused = renumber([...events.slice(0, i), pause, events[i], resume, ...events.slice(i + 1)]);
    expect(names(check(paused, viewOf(ref)))).toEqual(["pause-dispatches-nothing"]);
  });

  it("reports outputs that differ from the reference, unless only the outcome differs after a cancel", () => {
    const events = clone([...ref.events]);
    const i = find(events, (e) => e.kind === "task" && e.type === "complete" && e.taskId === "q");
    (events[i].data as { output: unknown }).output = { value: "tampered" };
    expect(names(check(events, viewOf(ref)))).toEqual(["outputs-match-reference"]);
    const view = { ...viewOf(ref), output: { value: "tampered" } };
    expect(names(check([...ref.events], view))).toEqual(expect.arrayContaining(["log-matches-run", "outputs-match-reference"]));
    // Cancelled: the outcome is not compared, but every completed task's output still is.
    expect(names(check(events, viewOf(ref), true))).toEqual(["outputs-match-reference"]);
    const attempts = viewOf(ref);
    (attempts.tasks ?? []).find((t) => t.id === "f")!.attempts = 3;
    expect(check([...ref.events], attempts)).toEqual([{ invariant: "outputs-match-reference", detail: expect.stringContaining("task f ended COMPLETED after 3 attempt(s)") }]);
  });

  it("notes, without reporting it, a good attempt retried after a timeout; any other extra attempt is reported", () => {
    const events = [...ref.events];
    const i = find(events, (e) => e.kind === "task" && e.type === "complete" && e.taskId === "f");
    const start = { ...events[find(events, (e) => e.kind === "task" && e.type === "start" && e.taskId === "f")], ts: events[i].ts };
    const retried = (name: string) =>
      renumber([
        ...events.slice(0, i),
        { ...start, type: "retry", data: { attempt: 2, delayMs: 5, error: { name, message: "slow" } } } as RunEvent,
        { ...start, data: { attempt: 3 } },
        ...events.slice(i),
      ]);
    const view = viewOf(ref);
    (view.tasks ?? []).find((t) => t.id === "f")!.attempts = 3;
    const notes: string[] = [];
    expect(checkRun({ graph, events: retried("TaskTimeoutError"), view, reference: ref, cancelled: false }, (n) => notes.push(n))).toEqual([]);
    expect(notes).toEqual([expect.stringContaining("task f: 1 good attempt(s) timed out")]);
    expect(names(check(retried("SoakPlannedError"), view))).toEqual(["outputs-match-reference"]);
  });

  it("compares JSON values whatever the key order", () => {
    expect(sameJson({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
    expect(sameJson({ a: 1 }, { a: 1, b: undefined })).toBe(true);
    expect(sameJson([undefined, 1], [null, 1])).toBe(true); // what the API serves
    expect(sameJson([1], [null, 1])).toBe(false);
    expect(sameJson([1, 2], [2, 1])).toBe(false);
    expect(sameJson({ a: [] }, { a: {} })).toBe(false);
    expect(sameJson(null, {})).toBe(false);
  });
});
