import { describe, expect, it } from "vitest";
import type { StructureChange } from "../../../src/core/graph/edit-events";
import { applyPatch } from "../../../src/core/graph/patch";
import type { Dataflow, Graph, TaskNode } from "../../../src/core/graph/schema";

const df = (s: string, sp: string, t: string, tp: string): Dataflow => ({ sourceTaskId: s, sourceTaskPortId: sp, targetTaskId: t, targetTaskPortId: tp });

/** a → b → c, plus a → c. */
function chain(): Graph {
  return {
    name: "chain",
    description: "three tasks",
    merge: "GRAPH_RESULT_ARRAY",
    tasks: [
      { id: "a", type: "Template", defaults: { template: "x" } },
      { id: "b", type: "Uppercase" },
      { id: "c", type: "Identity" },
    ],
    dataflows: [df("a", "text", "b", "text"), df("b", "text", "c", "value"), df("a", "text", "c", "extra")],
  };
}

function ok(graph: Graph, ops: unknown[]): { graph: Graph; changes: StructureChange[] } {
  const result = applyPatch(graph, { ops });
  if (!result.ok) throw new Error(`expected success, got ${JSON.stringify(result.errors)}`);
  return result;
}

function errors(graph: Graph, body: unknown, options?: { maxOps: number }) {
  const result = applyPatch(graph, body, options);
  if (result.ok) throw new Error("expected errors");
  return result.errors;
}

describe("applyPatch: each operation", () => {
  it("addTask appends the task and reports task_added", () => {
    const task: TaskNode = { id: "d", type: "Identity", name: "new" };
    const { graph, changes } = ok(chain(), [{ op: "addTask", task }]);
    expect(graph.tasks.map((t) => t.id)).toEqual(["a", "b", "c", "d"]);
    expect(graph.tasks[3]).toEqual(task);
    expect(changes).toEqual([{ type: "task_added", task }]);
  });

  it("replaceTask swaps the whole task in place, keeps its dataflows and reports task_replaced", () => {
    const task: TaskNode = { id: "b", type: "Lowercase", name: "quiet" };
    const { graph, changes } = ok(chain(), [{ op: "replaceTask", task }]);
    expect(graph.tasks.map((t) => t.id)).toEqual(["a", "b", "c"]);
    expect(graph.tasks[1]).toEqual(task);
    expect(graph.dataflows).toEqual(chain().dataflows);
    expect(changes).toEqual([{ type: "task_replaced", task }]);
  });

  it("removeTask removes the task and every dataflow into or out of it, dataflows first", () => {
    const { graph, changes } = ok(chain(), [{ op: "removeTask", taskId: "b" }]);
    expect(graph.tasks.map((t) => t.id)).toEqual(["a", "c"]);
    expect(graph.dataflows).toEqual([df("a", "text", "c", "extra")]);
    expect(changes).toEqual([
      { type: "dataflow_removed", dataflowId: "a[text] ==> b[text]", dataflow: df("a", "text", "b", "text") },
      { type: "dataflow_removed", dataflowId: "b[text] ==> c[value]", dataflow: df("b", "text", "c", "value") },
      { type: "task_removed", taskId: "b" },
    ]);
  });

  it("removeTask of a task without dataflows reports only task_removed", () => {
    const g = { ...chain(), tasks: [...chain().tasks, { id: "lonely", type: "Identity" }] };
    expect(ok(g, [{ op: "removeTask", taskId: "lonely" }]).changes).toEqual([{ type: "task_removed", taskId: "lonely" }]);
  });

  it("addDataflow appends the dataflow with its derived id", () => {
    const added = df("b", "text", "c", "other");
    const { graph, changes } = ok(chain(), [{ op: "addDataflow", dataflow: added }]);
    expect(graph.dataflows).toEqual([...chain().dataflows, added]);
    expect(changes).toEqual([{ type: "dataflow_added", dataflowId: "b[text] ==> c[other]", dataflow: added }]);
  });

  it("removeDataflow by its four fields or by its derived id", () => {
    const byFields = ok(chain(), [{ op: "removeDataflow", dataflow: df("a", "text", "b", "text") }]);
    const byId = ok(chain(), [{ op: "removeDataflow", dataflowId: "a[text] ==> b[text]" }]);
    for (const { graph, changes } of [byFields, byId]) {
      expect(graph.dataflows).toEqual([df("b", "text", "c", "value"), df("a", "text", "c", "extra")]);
      expect(changes).toEqual([{ type: "dataflow_removed", dataflowId: "a[text] ==> b[text]", dataflow: df("a", "text", "b", "text") }]);
    }
  });

  it("keeps the graph's name, description and merge, and leaves the input graph untouched", () => {
    const input = chain();
    const snapshot = structuredClone(input);
    const { graph } = ok(input, [{ op: "removeTask", taskId: "a" }, { op: "addTask", task: { id: "z", type: "Identity" } }]);
    expect(input).toEqual(snapshot);
    expect({ name: graph.name, description: graph.description, merge: graph.merge }).toEqual({ name: "chain", description: "three tasks", merge: "GRAPH_RESULT_ARRAY" });
    expect(Object.keys(ok({ name: "bare", tasks: [], dataflows: [] }, [{ op: "addTask", task: { id: "x", type: "Identity" } }]).graph)).toEqual(["name", "tasks", "dataflows"]);
  });
});

describe("applyPatch: operations see the earlier ones", () => {
  it("adds a task, then a dataflow to it, then replaces it", () => {
    const { graph, changes } = ok(chain(), [
      { op: "addTask", task: { id: "d", type: "Identity" } },
      { op: "addDataflow", dataflow: df("c", "value", "d", "value") },
      { op: "replaceTask", task: { id: "d", type: "Identity", name: "renamed" } },
    ]);
    expect(graph.tasks.at(-1)).toEqual({ id: "d", type: "Identity", name: "renamed" });
    expect(graph.dataflows.at(-1)).toEqual(df("c", "value", "d", "value"));
    expect(changes.map((c) => c.type)).toEqual(["task_added", "dataflow_added", "task_replaced"]);
  });

  it("removes a task and adds one with the same id, which goes last and starts without dataflows", () => {
    const { graph, changes } = ok(chain(), [
      { op: "removeTask", taskId: "a" },
      { op: "addTask", task: { id: "a", type: "Identity" } },
    ]);
    expect(graph.tasks.map((t) => t.id)).toEqual(["b", "c", "a"]);
    expect(graph.dataflows).toEqual([df("b", "text", "c", "value")]);
    expect(changes.map((c) => c.type)).toEqual(["dataflow_removed", "dataflow_removed", "task_removed", "task_added"]);
  });

  it("a dataflow removed explicitly is not removed again with its task", () => {
    const { changes } = ok(chain(), [
      { op: "removeDataflow", dataflowId: "a[text] ==> b[text]" },
      { op: "removeTask", taskId: "a" },
    ]);
    expect(changes.map((c) => (c.type === "dataflow_removed" ? c.dataflowId : c.type))).toEqual(["a[text] ==> b[text]", "a[text] ==> c[extra]", "task_removed"]);
  });

  it("applying the changes in order to the old graph gives the new one", () => {
    const ops = [
      { op: "addTask", task: { id: "d", type: "Identity" } },
      { op: "removeTask", taskId: "b" },
      { op: "addDataflow", dataflow: df("a", "text", "d", "value") },
      { op: "replaceTask", task: { id: "a", type: "Template", defaults: { template: "y" } } },
      { op: "removeDataflow", dataflow: df("a", "text", "c", "extra") },
    ];
    const before = chain();
    const { graph, changes } = ok(before, ops);
    // An editor's mirror: tasks by id, dataflows by id, applying each event as documented.
    const tasks = new Map(before.tasks.map((t) => [t.id, t]));
    const dataflows = new Map(before.dataflows.map((d) => [`${d.sourceTaskId}[${d.sourceTaskPortId}] ==> ${d.targetTaskId}[${d.targetTaskPortId}]`, d]));
    for (const c of changes) {
      if (c.type === "task_added" || c.type === "task_replaced") tasks.set(c.task.id, c.task);
      else if (c.type === "task_removed") tasks.delete(c.taskId);
      else if (c.type === "dataflow_added") dataflows.set(c.dataflowId, c.dataflow);
      else dataflows.delete(c.dataflowId);
    }
    expect([...tasks.values()]).toEqual(graph.tasks);
    expect([...dataflows.values()]).toEqual(graph.dataflows);
  });
});

describe("applyPatch: failures name the operation", () => {
  it("unknown task: removeTask, replaceTask, both ends of addDataflow", () => {
    expect(errors(chain(), { ops: [{ op: "removeTask", taskId: "nope" }] })).toEqual([{ path: "/ops/0/taskId", message: 'no task "nope"' }]);
    expect(errors(chain(), { ops: [{ op: "replaceTask", task: { id: "nope", type: "Identity" } }] })).toEqual([
      { path: "/ops/0/task/id", message: 'no task "nope" to replace (addTask adds one)' },
    ]);
    expect(errors(chain(), { ops: [{ op: "addDataflow", dataflow: df("x", "text", "y", "text") }] })).toEqual([
      { path: "/ops/0/dataflow/sourceTaskId", message: 'no task "x"' },
      { path: "/ops/0/dataflow/targetTaskId", message: 'no task "y"' },
    ]);
  });

  it("duplicates: a task id that exists, a dataflow that exists", () => {
    expect(errors(chain(), { ops: [{ op: "addTask", task: { id: "a", type: "Identity" } }] })).toEqual([
      { path: "/ops/0/task/id", message: 'task "a" already exists (replaceTask changes it)' },
    ]);
    expect(errors(chain(), { ops: [{ op: "addDataflow", dataflow: df("a", "text", "b", "text") }] })).toEqual([
      { path: "/ops/0/dataflow", message: 'dataflow "a[text] ==> b[text]" already exists' },
    ]);
  });

  it("a dataflow that is not there, by fields or by id", () => {
    expect(errors(chain(), { ops: [{ op: "removeDataflow", dataflow: df("a", "text", "b", "nope") }] })).toEqual([
      { path: "/ops/0/dataflow", message: 'no dataflow "a[text] ==> b[nope]"' },
    ]);
    for (const id of ["a[text] ==> b[nope]", "no brackets", "[x] ==> b[y]", ""]) {
      expect(errors(chain(), { ops: [{ op: "removeDataflow", dataflowId: id }] })).toEqual([{ path: "/ops/0/dataflowId", message: `no dataflow ${JSON.stringify(id)}` }]);
    }
  });

  it("a derived id shared by two dataflows (ports containing ' ==> ') is refused as ambiguous", () => {
    const g: Graph = {
      name: "odd ports",
      tasks: ["a", "b", "c"].map((id) => ({ id, type: "Identity" })),
      dataflows: [df("a", "x] ==> b[y", "c", "z"), df("a", "x", "b", "y] ==> c[z")],
    };
    const [e] = errors(g, { ops: [{ op: "removeDataflow", dataflowId: "a[x] ==> b[y] ==> c[z]" }] });
    expect(e.path).toBe("/ops/0/dataflowId");
    expect(e.message).toContain("names 2 dataflows");
    expect(ok(g, [{ op: "removeDataflow", dataflow: df("a", "x", "b", "y] ==> c[z") }]).graph.dataflows).toEqual([df("a", "x] ==> b[y", "c", "z")]);
  });

  it("bad operation shapes", () => {
    const cases: [unknown, { path: string; message: string }[]][] = [
      [42, [{ path: "/ops/0", message: expect.stringContaining("must be an operation object") as unknown as string }]],
      [{}, [{ path: "/ops/0/op", message: "is required (one of addTask, removeTask, replaceTask, addDataflow, removeDataflow)" }]],
      [{ op: "moveTask" }, [{ path: "/ops/0/op", message: 'unknown operation "moveTask" (one of addTask, removeTask, replaceTask, addDataflow, removeDataflow)' }]],
      [{ op: 7 }, [{ path: "/ops/0/op", message: "must be a string (one of addTask, removeTask, replaceTask, addDataflow, removeDataflow)" }]],
      [{ op: "removeTask", taskId: "a", task: {} }, [{ path: "/ops/0/task", message: "is not a field of removeTask (it takes op, taskId)" }]],
      [{ op: "removeTask" }, [{ path: "/ops/0/taskId", message: "is required" }]],
      [{ op: "removeTask", taskId: 3 }, [{ path: "/ops/0/taskId", message: "must be a string" }]],
      [{ op: "addTask" }, [{ path: "/ops/0/task", message: "is required" }]],
      [{ op: "addTask", task: [] }, [{ path: "/ops/0/task", message: "must be a task object" }]],
      [{ op: "addTask", task: { id: "bad id", type: "Identity" } }, [{ path: "/ops/0/task/id", message: "must not contain /, [, ] or whitespace" }]],
      [{ op: "replaceTask", task: { id: "a" } }, [{ path: "/ops/0/task/type", message: "is required" }]],
      [{ op: "addTask", task: { id: "d", type: "Identity", colour: "red" } }, [{ path: "/ops/0/task/colour", message: expect.stringContaining("is not a task field") as unknown as string }]],
      [{ op: "addDataflow" }, [{ path: "/ops/0/dataflow", message: "is required" }]],
      [{ op: "addDataflow", dataflow: "a -> b" }, [{ path: "/ops/0/dataflow", message: expect.stringContaining("must be a dataflow object") as unknown as string }]],
      [{ op: "addDataflow", dataflow: { sourceTaskId: "a", sourceTaskPortId: "text", targetTaskId: "b" } }, [{ path: "/ops/0/dataflow/targetTaskPortId", message: "is required" }]],
      [{ op: "removeDataflow" }, [{ path: "/ops/0/dataflowId", message: "is required (or dataflow, its four fields)" }]],
      [{ op: "removeDataflow", dataflowId: 1 }, [{ path: "/ops/0/dataflowId", message: "must be a string" }]],
      [{ op: "removeDataflow", dataflowId: "a[text] ==> b[text]", dataflow: df("a", "text", "b", "text") }, [{ path: "/ops/0", message: "names the dataflow twice: give either dataflow or dataflowId" }]],
    ];
    for (const [op, expected] of cases) expect(errors(chain(), { ops: [op] }), JSON.stringify(op)).toEqual(expected);
  });

  it("bad bodies", () => {
    expect(errors(chain(), null)).toEqual([{ path: "", message: 'must be a JSON object: { "ops": [ ... ] }' }]);
    expect(errors(chain(), [])).toEqual([{ path: "", message: 'must be a JSON object: { "ops": [ ... ] }' }]);
    expect(errors(chain(), {})).toEqual([{ path: "/ops", message: "is required" }]);
    expect(errors(chain(), { ops: {} })).toEqual([{ path: "/ops", message: "must be an array of operations" }]);
    expect(errors(chain(), { ops: [] })).toEqual([{ path: "/ops", message: "must hold at least one operation" }]);
    expect(errors(chain(), { ops: [{ op: "removeTask", taskId: "a" }], version: 3 })).toEqual([{ path: "/version", message: "is not a patch field (a patch has ops)" }]);
  });

  it("more operations than the limit are refused on their number alone", () => {
    const ops = Array.from({ length: 4 }, () => ({ op: "nonsense" }));
    expect(errors(chain(), { ops }, { maxOps: 3 })).toEqual([{ path: "/ops", message: "has 4 operations, more than the limit of 3; send the whole graph with PUT instead" }]);
    expect(applyPatch(chain(), { ops: ops.slice(0, 3).map((_, i) => ({ op: "addTask", task: { id: `n${i}`, type: "Identity" } })) }, { maxOps: 3 }).ok).toBe(true);
  });

  it("reports every failing operation; a failed one changes nothing for the later ones", () => {
    expect(
      errors(chain(), {
        ops: [
          { op: "addTask", task: { id: "d", type: "Identity" } },
          { op: "removeTask", taskId: "ghost" },
          { op: "addTask", task: { id: "e", type: 5 } },
          { op: "addDataflow", dataflow: df("d", "value", "e", "value") },
          { op: "addTask", task: { id: "d", type: "Identity" } },
        ],
      }),
    ).toEqual([
      { path: "/ops/1/taskId", message: 'no task "ghost"' },
      { path: "/ops/2/task/type", message: "must be a string" },
      { path: "/ops/3/dataflow/targetTaskId", message: 'no task "e"' },
      { path: "/ops/4/task/id", message: 'task "d" already exists (replaceTask changes it)' },
    ]);
  });

  it("escapes field names in paths (RFC 6901)", () => {
    expect(errors(chain(), { ops: [{ op: "removeTask", taskId: "a", "x/y~z": 1 }] })).toEqual([{ path: "/ops/0/x~1y~0z", message: "is not a field of removeTask (it takes op, taskId)" }]);
  });
});

describe("applyPatch: scale", () => {
  it("removes 1,000 tasks of a 10,000-task, 50,000-dataflow graph in one patch", () => {
    const tasks = Array.from({ length: 10_000 }, (_, i) => ({ id: `t${i}`, type: "Identity" }));
    const dataflows: Dataflow[] = [];
    for (let i = 1; i < 10_000; i++) for (let k = 1; k <= 5 && i - k >= 0 && dataflows.length < 50_000; k++) dataflows.push(df(`t${i - k}`, "value", `t${i}`, `p${k}`));
    const g: Graph = { name: "big", tasks, dataflows };
    const { graph, changes } = ok(g, Array.from({ length: 1000 }, (_, i) => ({ op: "removeTask", taskId: `t${i * 10}` })));
    expect(graph.tasks).toHaveLength(9000);
    const removed = new Set(Array.from({ length: 1000 }, (_, i) => `t${i * 10}`));
    expect(graph.dataflows).toEqual(dataflows.filter((d) => !removed.has(d.sourceTaskId) && !removed.has(d.targetTaskId)));
    expect(changes.filter((c) => c.type === "dataflow_removed")).toHaveLength(dataflows.length - graph.dataflows.length);
  });
});
