import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../src/client";
import { RunState } from "../../src/client/run-state";
import type { Graph } from "../../src/core/graph/schema";
import { createRegistry } from "../../src/tasks";
import { runInputSchema } from "../../src/viewer/forms/input-schema";
import { enumValues, fieldKind, parseFieldText } from "../../src/viewer/forms/schema-form";
import { defaultExpanded, flattenGraph, viewModel, visibleTaskKey } from "../../src/viewer/graph/model";
import { parseRoute } from "../../src/viewer/router";

/* The viewer's logic that needs no browser: run state from events, run input forms, the drawn model. */

let seq = 0;
type EventInput = RunEvent extends infer E ? (E extends RunEvent ? Omit<E, "seq" | "ts" | "runId"> : never) : never;
const ev = (e: EventInput): RunEvent => ({ seq: ++seq, ts: new Date(1_700_000_000_000 + seq).toISOString(), runId: "r_1", ...e }) as RunEvent;

describe("RunState", () => {
  const fresh = () => {
    seq = 0;
    return new RunState([{ key: "a", taskId: "a" }, { key: "b", taskId: "b" }, { key: "sub", taskId: "sub" }, { key: "sub/x", taskId: "x", path: "sub" }]);
  };

  it("follows task, dataflow and run statuses and reports what changed", () => {
    const s = fresh();
    let c = s.apply([ev({ kind: "graph", type: "start" }), ev({ kind: "task", type: "start", taskId: "a", data: { attempt: 1 } })]);
    expect(s.status).toBe("PROCESSING");
    expect(s.tasks.get("a")).toMatchObject({ status: "PROCESSING", attempts: 1 });
    expect([...c.tasks]).toEqual(["a"]);
    expect(c.run).toBe(true);
    c = s.apply([
      ev({ kind: "task", type: "complete", taskId: "a", data: { output: { v: 1 } } }),
      ev({ kind: "dataflow", type: "complete", dataflowId: "a[v] ==> b[v]", data: { value: 1 } }),
      ev({ kind: "task", type: "start", taskId: "x", path: "sub", data: { attempt: 1 } }),
      ev({ kind: "task", type: "progress", taskId: "x", path: "sub", data: { progress: 40, message: "reading" } }),
    ]);
    expect(s.tasks.get("a")).toMatchObject({ status: "COMPLETED", output: { v: 1 }, progress: 100 });
    expect(s.tasks.get("sub/x")).toMatchObject({ status: "PROCESSING", progress: 40, message: "reading" });
    expect(s.dataflows.get("\na[v] ==> b[v]")).toMatchObject({ status: "COMPLETED", value: 1 });
    expect([...c.tasks].sort()).toEqual(["a", "sub/x"]);
    expect(c.run).toBe(false);
    expect(s.finishedTasks).toBe(1);
    expect(s.progress).toBe(25);
  });

  it("prefers the runner's progress, ends at 100, and keeps the error of a failed run", () => {
    const s = fresh();
    s.apply([ev({ kind: "graph", type: "start" }), ev({ kind: "graph", type: "progress", data: { progress: 60 } })]);
    expect(s.progress).toBe(60);
    s.apply([
      ev({ kind: "task", type: "error", taskId: "b", data: { error: { name: "AssertionError", message: "no", code: "assertion_failed" } } }),
      ev({ kind: "task", type: "skipped", taskId: "sub", data: { reason: "run failed" } }),
      ev({ kind: "graph", type: "error", data: { error: { name: "AssertionError", message: "no" } } }),
    ]);
    expect(s.status).toBe("FAILED");
    expect(s.terminal).toBe(true);
    expect(s.progress).toBe(100);
    expect(s.error).toEqual({ name: "AssertionError", message: "no" });
    expect(s.tasks.get("b")?.error).toEqual({ name: "AssertionError", message: "no", code: "assertion_failed" });
    expect(s.tasks.get("sub")).toMatchObject({ status: "SKIPPED", message: "run failed" });
  });

  it("ignores replayed events (seq at or below the last seen) and counts a retried task once", () => {
    const s = fresh();
    const start = ev({ kind: "task", type: "start", taskId: "a", data: { attempt: 1 } });
    const retry = ev({ kind: "task", type: "retry", taskId: "a", data: { attempt: 1, delayMs: 500, error: { name: "Error", message: "flaky" } } });
    const again = ev({ kind: "task", type: "start", taskId: "a", data: { attempt: 2 } });
    const done = ev({ kind: "task", type: "complete", taskId: "a", data: { output: {} } });
    s.apply([start, retry]);
    expect(s.tasks.get("a")).toMatchObject({ status: "PENDING", retry: { attempt: 1, delayMs: 500, error: { message: "flaky" } } });
    s.apply([start, retry, again, done, done]);
    expect(s.tasks.get("a")).toMatchObject({ status: "COMPLETED", attempts: 2 });
    expect(s.tasks.get("a")?.retry).toBeUndefined();
    expect(s.finishedTasks).toBe(1);
    expect(s.lastSeq).toBe(4);
  });

  it("keeps a large dataflow value's reference instead of a value", () => {
    const s = fresh();
    s.apply([ev({ kind: "dataflow", type: "complete", dataflowId: "a[*] ==> b[*]", path: "sub", data: { ref: { ref: "v_1", size: 70000 } } })]);
    expect(s.dataflows.get("sub\na[*] ==> b[*]")).toMatchObject({ status: "COMPLETED", ref: { ref: "v_1", size: 70000 } });
    expect(s.dataflows.get("sub\na[*] ==> b[*]")?.value).toBeUndefined();
  });

  it("starts from a run snapshot, then events bring it up to date", () => {
    const s = fresh();
    s.seed({ status: "PROCESSING", tasks: [{ id: "a", status: "COMPLETED", attempts: 1 }, { id: "x", path: "sub", status: "PROCESSING", attempts: 2 }] });
    expect(s.finishedTasks).toBe(1);
    expect(s.tasks.get("sub/x")).toMatchObject({ status: "PROCESSING", attempts: 2 });
    s.apply([ev({ kind: "task", type: "complete", taskId: "x", path: "sub" })]);
    expect(s.finishedTasks).toBe(2);
  });

  it("does not wind a snapshot back when the log is replayed from the start over it", () => {
    const s = fresh();
    const log = [
      ev({ kind: "graph", type: "start" }),
      ev({ kind: "task", type: "start", taskId: "a", data: { attempt: 1 } }),
      ev({ kind: "task", type: "complete", taskId: "a", data: { output: { v: 7 } } }),
      ev({ kind: "dataflow", type: "complete", dataflowId: "a[v] ==> b[v]", data: { value: 7 } }),
      ev({ kind: "graph", type: "complete", data: { output: {} } }),
    ];
    // The snapshot was taken after seq 5: the run and task a are finished.
    s.seed({ status: "COMPLETED", lastSeq: 5, tasks: [{ id: "a", status: "COMPLETED", attempts: 1 }] });
    expect(s.caughtUp).toBe(false);
    const c = s.apply(log.slice(0, 2));
    expect(s.caughtUp).toBe(false);
    expect(s.tasks.get("a")?.status).toBe("COMPLETED");
    expect(s.status).toBe("COMPLETED");
    expect(c.tasks.size).toBe(0);
    const caughtUp = s.apply(log.slice(2));
    expect(s.caughtUp).toBe(true);
    // Caught up: the picture is now the log's, with what the snapshot lacks (outputs, dataflow values).
    expect(caughtUp.tasks.has("a") && caughtUp.run).toBe(true);
    expect(s.tasks.get("a")).toMatchObject({ status: "COMPLETED", output: { v: 7 } });
    expect(s.dataflows.get("\na[v] ==> b[v]")).toMatchObject({ status: "COMPLETED", value: 7 });
    expect(s.status).toBe("COMPLETED");
    expect(s.finishedTasks).toBe(1);
    expect(s.lastSeq).toBe(5);
    // Events after the snapshot still apply; a batch that jumps past the snapshot ends the catch-up too.
    s.apply([ev({ kind: "task", type: "start", taskId: "b", data: { attempt: 1 } })]);
    expect(s.tasks.get("b")?.status).toBe("PROCESSING");
    const t = fresh();
    t.seed({ status: "PROCESSING", lastSeq: 3, tasks: [{ id: "a", status: "PROCESSING", attempts: 1 }] });
    t.apply([ev({ kind: "task", type: "start", taskId: "a", data: { attempt: 1 } })]);
    expect(t.tasks.get("a")?.status).toBe("PROCESSING");
    seq = 4;
    t.apply([ev({ kind: "task", type: "complete", taskId: "a", data: { output: {} } })]);
    expect(t.tasks.get("a")?.status).toBe("COMPLETED");
  });
});

describe("RunState with a Map", () => {
  // Map `m` over a subgraph with one task `q`; its iterations' instances are `m[0]/q`, `m[1]/q`, …
  const fresh = () => {
    seq = 0;
    return new RunState([{ key: "m", taskId: "m" }, { key: "m/q", taskId: "q", path: "m" }], [{ key: "m\nq[v] ==> r[v]", dataflowId: "q[v] ==> r[v]", path: "m" }]);
  };

  it("draws each iteration's instance on its template task and counts only the graph's tasks", () => {
    const s = fresh();
    s.apply([ev({ kind: "graph", type: "start" }), ev({ kind: "task", type: "start", taskId: "m", data: { attempt: 1 } })]);
    let c = s.apply([
      ev({ kind: "task", type: "start", taskId: "q", path: "m[0]", data: { attempt: 1 } }),
      ev({ kind: "task", type: "start", taskId: "q", path: "m[1]", data: { attempt: 1 } }),
      ev({ kind: "task", type: "complete", taskId: "q", path: "m[0]", data: { output: { v: 1 } } }),
      ev({ kind: "dataflow", type: "complete", dataflowId: "q[v] ==> r[v]", path: "m[0]", data: { value: 1 } }),
    ]);
    expect([...c.tasks]).toEqual(["m/q"]);
    expect([...c.dataflows]).toEqual(["m\nq[v] ==> r[v]"]);
    expect(s.tasks.get("m/q")).toMatchObject({ status: "PROCESSING", iterations: { done: 1, total: 2 }, progress: 50 });
    expect(s.dataflows.get("m\nq[v] ==> r[v]")).toMatchObject({ status: "COMPLETED", value: 1 });
    expect(s.iterationTasks.get("m[1]/q")?.status).toBe("PROCESSING");
    expect(s.tasks.has("m[0]/q")).toBe(false);
    expect(s.totalTasks).toBe(2);
    // Every instance seen has finished, but the Map is still going: more may come.
    s.apply([ev({ kind: "task", type: "complete", taskId: "q", path: "m[1]", data: { output: { v: 2 } } })]);
    expect(s.tasks.get("m/q")).toMatchObject({ status: "PROCESSING", iterations: { done: 2, total: 2 } });
    expect(s.finishedTasks).toBe(0);
    c = s.apply([ev({ kind: "task", type: "complete", taskId: "m", data: { output: { v: [1, 2] } } })]);
    expect(c.tasks.has("m/q")).toBe(true);
    expect(s.tasks.get("m/q")?.status).toBe("COMPLETED");
    expect(s.finishedTasks).toBe(2);
  });

  it("shows a template FAILED when an instance failed for good, and takes instances from a snapshot", () => {
    const s = fresh();
    s.apply([
      ev({ kind: "task", type: "start", taskId: "m", data: { attempt: 1 } }),
      ev({ kind: "task", type: "start", taskId: "q", path: "m[0]", data: { attempt: 1 } }),
      ev({ kind: "task", type: "error", taskId: "q", path: "m[0]", data: { error: { name: "Error", message: "no" } } }),
    ]);
    expect(s.tasks.get("m/q")?.status).toBe("FAILED");
    const t = fresh();
    t.seed({
      status: "PROCESSING",
      tasks: [
        { id: "m", status: "PROCESSING", attempts: 1 },
        { id: "q", path: "m[0]", status: "COMPLETED", attempts: 1 },
        { id: "q", path: "m[1]", status: "COMPLETED", attempts: 1 },
        { id: "q", path: "m[2]", status: "PROCESSING", attempts: 1 },
      ],
    });
    expect(t.tasks.get("m/q")).toMatchObject({ status: "PROCESSING", iterations: { done: 2, total: 3 } });
    expect(t.totalTasks).toBe(2);
  });
});

describe("runInputSchema", () => {
  const registry = createRegistry();
  const portsOf = (t: Parameters<typeof registry.portsOf>[0]) => registry.portsOf(t)?.input as never;

  it("asks for the root tasks' ports, leaves defaulted ones optional and dataflow-fed ones out", () => {
    const graph: Graph = {
      name: "g",
      tasks: [
        { id: "greeting", type: "Template", defaults: { template: "Hi {{name}} from {{place}}" } },
        { id: "shout", type: "Uppercase" },
      ],
      dataflows: [{ sourceTaskId: "greeting", sourceTaskPortId: "text", targetTaskId: "shout", targetTaskPortId: "text" }],
    };
    const schema = runInputSchema(graph, portsOf);
    expect(schema.fields.map((f) => [f.name, f.required])).toEqual([["name", true], ["place", true], ["template", false]]);
    expect(schema.fields.find((f) => f.name === "template")?.default).toBe("Hi {{name}} from {{place}}");
    expect(schema.fields.some((f) => f.name === "text")).toBe(false);
    expect(schema.open).toBe(false);
  });

  it("merges a port read by several tasks into one field, required if any requires it", () => {
    const graph: Graph = {
      name: "g",
      tasks: [
        { id: "a", type: "Template", defaults: { template: "{{who}}" } },
        { id: "b", type: "Template", defaults: { template: "{{who}}!", who: "x" } },
      ],
      dataflows: [],
    };
    const [who] = runInputSchema(graph, portsOf).fields;
    expect(who).toMatchObject({ name: "who", required: true, usedBy: ["a", "b"], default: "x" });
  });

  it("skips tasks fed through '*' and unknown types, and flags open schemas", () => {
    const graph: Graph = {
      name: "g",
      tasks: [{ id: "src", type: "Identity" }, { id: "whole", type: "Identity" }, { id: "mystery", type: "Nope" }],
      dataflows: [{ sourceTaskId: "src", sourceTaskPortId: "*", targetTaskId: "whole", targetTaskPortId: "*" }],
    };
    const schema = runInputSchema(graph, portsOf);
    expect(schema.fields.map((f) => f.name)).toEqual(["value"]);
    expect(schema.fields[0].usedBy).toEqual(["src"]);
    expect(schema.open).toBe(true);
  });
});

describe("form fields", () => {
  it("picks a control per schema", () => {
    expect(fieldKind({ type: "string" })).toBe("string");
    expect(fieldKind({ type: "integer" })).toBe("integer");
    expect(fieldKind({ type: "boolean" })).toBe("boolean");
    expect(fieldKind({ type: "object" })).toBe("json");
    expect(fieldKind({ type: "array", items: {} })).toBe("json");
    expect(fieldKind({})).toBe("any");
    expect(fieldKind({ anyOf: [{ const: "a" }, { const: "b" }] })).toBe("enum");
    expect(enumValues({ enum: [1, 2] })).toEqual([1, 2]);
    expect(enumValues({ anyOf: [{ const: "a" }, { type: "string" }] })).toBeUndefined();
  });

  it("parses text into values and explains what is wrong", () => {
    expect(parseFieldText("number", "2.5", true)).toBe(2.5);
    expect(() => parseFieldText("number", "abc", true)).toThrow("must be a number");
    expect(() => parseFieldText("integer", "2.5", true)).toThrow("must be a whole number");
    expect(parseFieldText("boolean", "false", true)).toBe(false);
    expect(parseFieldText("json", '{"a":[1]}', true)).toEqual({ a: [1] });
    expect(() => parseFieldText("json", "{a:1}", true)).toThrow("must be valid JSON");
    expect(parseFieldText("any", "Ada", true)).toBe("Ada");
    expect(parseFieldText("any", "42", true)).toBe(42);
    expect(parseFieldText("string", "", false)).toBeUndefined();
    expect(parseFieldText("string", "", true)).toBe("");
    expect(parseFieldText("number", "  ", false)).toBeUndefined();
    expect(() => parseFieldText("number", "", true)).toThrow("is required");
    expect(parseFieldText("enum", '"b"', true)).toBe("b");
  });
});

describe("the drawn model", () => {
  const graph: Graph = {
    name: "nested",
    tasks: [
      { id: "in", type: "Identity" },
      {
        id: "sub",
        type: "GraphAsTask",
        subgraph: {
          tasks: [{ id: "x", type: "Identity" }, { id: "y", type: "Identity" }],
          dataflows: [{ sourceTaskId: "x", sourceTaskPortId: "value", targetTaskId: "y", targetTaskPortId: "value" }],
        },
      },
      { id: "out", type: "Identity" },
    ],
    dataflows: [
      { sourceTaskId: "in", sourceTaskPortId: "value", targetTaskId: "sub", targetTaskPortId: "value" },
      { sourceTaskId: "sub", sourceTaskPortId: "value", targetTaskId: "out", targetTaskPortId: "value" },
    ],
  };
  const flat = flattenGraph(graph);

  it("flattens subgraphs with path keys", () => {
    expect([...flat.tasks.keys()]).toEqual(["in", "sub", "sub/x", "sub/y", "out"]);
    expect(flat.tasks.get("sub/y")).toMatchObject({ path: "sub", depth: 1 });
    expect([...flat.dataflows.keys()]).toContain("sub\nx[value] ==> y[value]");
    expect(flat.groups).toEqual(["sub"]);
  });

  it("draws an open subgraph as a box with entry and exit anchors", () => {
    const view = viewModel(flat, new Set(["sub"]));
    expect(view.nodes.map((n) => `${n.kind}:${n.id}${n.parent ? `<${n.parent}` : ""}`)).toEqual([
      "task:in", "group:sub", "entry:sub#entry<sub", "exit:sub#exit<sub", "task:sub/x<sub", "task:sub/y<sub", "task:out",
    ]);
    expect(view.edges.map((e) => `${e.from}>${e.to}`).sort()).toEqual(["in>sub#entry", "sub#entry>sub/x", "sub#exit>out", "sub/x>sub/y", "sub/y>sub#exit"].sort());
  });

  it("draws a closed subgraph as one node, its inner tasks standing for it", () => {
    const view = viewModel(flat, new Set());
    expect(view.nodes.map((n) => n.id)).toEqual(["in", "sub", "out"]);
    expect(view.edges.map((e) => `${e.from}>${e.to}`)).toEqual(["in>sub", "sub>out"]);
    expect(visibleTaskKey("sub/y", new Set())).toBe("sub");
    expect(visibleTaskKey("sub/y", new Set(["sub"]))).toBe("sub/y");
  });

  it("opens subgraphs by default only while the drawing stays small", () => {
    expect(defaultExpanded(flat)).toEqual(new Set(["sub"]));
    expect(defaultExpanded(flat, 3)).toEqual(new Set());
  });
});

describe("routes", () => {
  it("maps hashes to pages", () => {
    expect(parseRoute("")).toEqual({ name: "graphs", params: [] });
    expect(parseRoute("#/graphs/g%2F1")).toEqual({ name: "graph", params: ["g/1"] });
    expect(parseRoute("#/runs/r_1")).toEqual({ name: "run", params: ["r_1"] });
    expect(parseRoute("#/api")).toEqual({ name: "api", params: [] });
    expect(parseRoute("#/runs/%E0%A4%A")).toEqual({ name: "not-found", params: [] });
    expect(parseRoute("#/elsewhere")).toEqual({ name: "not-found", params: [] });
  });
});
