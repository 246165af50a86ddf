import { dataflowId } from "./dataflow-id";
import type { StructureChange } from "./edit-events";
import { MAX_PATCH_OPS, PATCH_OP_FIELDS, PATCH_OP_NAMES, type PatchOpName } from "./patch-ops";
import { pointer } from "./pointer";
import type { Dataflow, Graph, TaskNode } from "./schema";
import { checkDataflowShape, checkTaskShape, isJsonObject, type JsonObject } from "./structure";
import type { ValidationError } from "./validation-error";

export type PatchResult = { ok: true; graph: Graph; changes: StructureChange[] } | { ok: false; errors: ValidationError[] };

export interface PatchOptions {
  /** Operations allowed in one patch (default MAX_PATCH_OPS). */
  maxOps?: number;
}

/**
 * Applies the body of `PATCH /graphs/:id` (`{ "ops": [...] }`, see patch-ops.ts) to `graph`.
 * Pure: `graph` is not modified. The result is one new graph and the structure changes that lead
 * to it, in order — or every problem found, each with a JSON Pointer into the body
 * (`/ops/3/taskId`), and nothing applied.
 *
 * Semantics, chosen for an editor that mirrors the graph from the change events:
 * - `addTask` appends; the id must be new. `replaceTask` swaps the whole task of that id in place
 *   (no merge of fields); its dataflows stay and are re-checked by validation.
 * - `removeTask` also removes every dataflow into or out of the task — a dataflow cannot outlive
 *   its ends — and reports each as `dataflow_removed` before the `task_removed`.
 * - `addDataflow` appends; both tasks must exist and the same four fields must not be joined yet.
 *   `removeDataflow` names the dataflow by its four fields or by its derived id.
 * - Operations see the graph as the earlier ones left it (add a task, then a dataflow to it).
 *   One that fails changes nothing; the later ones are still checked, so one response lists
 *   every problem (a failed operation can cause follow-up ones: a dataflow to a task whose
 *   `addTask` failed).
 *
 * This checks the operations and the references they make; everything else about the result
 * (types, ports, defaults, cycles, limits) is validateGraph's job, which the caller runs next.
 * Ops address the top-level graph; a subgraph changes through `replaceTask` of its GraphAsTask.
 *
 * O(ops + V + E), and the E part only for patches that touch dataflows or remove tasks: the
 * indexes are built on first use; after that, removing a task costs its degree.
 */
export function applyPatch(graph: Graph, patch: unknown, options: PatchOptions = {}): PatchResult {
  const maxOps = options.maxOps ?? MAX_PATCH_OPS;
  const errors: ValidationError[] = [];
  if (!isJsonObject(patch)) return fail({ path: "", message: 'must be a JSON object: { "ops": [ ... ] }' });
  for (const key of Object.keys(patch)) {
    if (key !== "ops") errors.push({ path: pointer("", key), message: "is not a patch field (a patch has ops)" });
  }
  const ops = patch.ops;
  if (!Array.isArray(ops)) return fail(...errors, { path: "/ops", message: ops === undefined ? "is required" : "must be an array of operations" });
  if (ops.length === 0) return fail(...errors, { path: "/ops", message: "must hold at least one operation" });
  if (ops.length > maxOps) {
    // Refused on its size alone, like an oversized graph: checking it would spend what the limit protects.
    return fail(...errors, { path: "/ops", message: `has ${ops.length} operations, more than the limit of ${maxOps}; send the whole graph with PUT instead` });
  }

  const state = new PatchState(graph);
  for (let i = 0; i < ops.length; i++) applyOp(state, ops[i], `/ops/${i}`, errors);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, graph: state.graph(graph), changes: state.changes };
}

function fail(...errors: ValidationError[]): PatchResult {
  return { ok: false, errors };
}

/**
 * The graph being patched. Tasks live in a map whose order is graph order (`set` on an existing
 * key keeps its place, a new key goes last). Dataflows live in slots in graph order, a removed one
 * leaving a hole; the two indexes over them — by their four fields, by task — are built on first
 * use, so a patch that only adds or replaces tasks never pays for indexing 50,000 dataflows.
 */
class PatchState {
  readonly tasks = new Map<string, TaskNode>();
  readonly changes: StructureChange[] = [];
  private readonly slots: (Dataflow | undefined)[];
  private slotByKey: Map<string, number> | undefined;
  /** Task id → slots of the dataflows into or out of it, ascending; may list emptied slots. */
  private slotsByTask: Map<string, number[]> | undefined;

  constructor(graph: Graph) {
    for (const task of graph.tasks) this.tasks.set(task.id, task);
    this.slots = graph.dataflows.slice();
  }

  graph(original: Graph): Graph {
    return {
      name: original.name,
      ...(original.description !== undefined ? { description: original.description } : {}),
      ...(original.merge !== undefined ? { merge: original.merge } : {}),
      tasks: [...this.tasks.values()],
      dataflows: this.slots.filter((df): df is Dataflow => df !== undefined),
    };
  }

  /** The slot of the dataflow joining these four fields, if there is one. */
  find(df: Dataflow): number | undefined {
    if (!this.slotByKey) {
      this.slotByKey = new Map();
      this.slots.forEach((d, slot) => d && this.slotByKey?.set(dataflowKey(d), slot));
    }
    return this.slotByKey.get(dataflowKey(df));
  }

  /** The live slots of the dataflows into or out of a task, in graph order. */
  slotsOf(taskId: string): number[] {
    if (!this.slotsByTask) {
      this.slotsByTask = new Map();
      this.slots.forEach((d, slot) => d && this.index(d, slot));
    }
    return (this.slotsByTask.get(taskId) ?? []).filter((slot, i, all) => this.slots[slot] !== undefined && all[i - 1] !== slot);
  }

  dataflowAt(slot: number): Dataflow {
    return this.slots[slot] as Dataflow;
  }

  add(df: Dataflow): void {
    const slot = this.slots.push(df) - 1;
    this.slotByKey?.set(dataflowKey(df), slot);
    if (this.slotsByTask) this.index(df, slot);
  }

  remove(slot: number): Dataflow {
    const df = this.slots[slot] as Dataflow;
    this.slots[slot] = undefined;
    this.slotByKey?.delete(dataflowKey(df));
    return df;
  }

  removeTask(taskId: string): void {
    this.tasks.delete(taskId);
    this.slotsByTask?.delete(taskId);
  }

  private index(df: Dataflow, slot: number): void {
    const byTask = this.slotsByTask as Map<string, number[]>;
    for (const taskId of [df.sourceTaskId, df.targetTaskId]) {
      const list = byTask.get(taskId);
      if (list) list.push(slot);
      else byTask.set(taskId, [slot]);
    }
  }
}

/**
 * The map key of a dataflow. Not the derived id: port ids may contain `[`, `]` and ` ==> `, so
 * two different dataflows can share a derived id; four JSON strings cannot collide.
 */
function dataflowKey(df: Dataflow): string {
  return JSON.stringify([df.sourceTaskId, df.sourceTaskPortId, df.targetTaskId, df.targetTaskPortId]);
}

function applyOp(state: PatchState, raw: unknown, at: string, errors: ValidationError[]): void {
  if (!isJsonObject(raw)) {
    errors.push({ path: at, message: `must be an operation object: { "op": ${PATCH_OP_NAMES.map((n) => `"${n}"`).join(" | ")}, … }` });
    return;
  }
  const name = raw.op;
  if (typeof name !== "string" || !(PATCH_OP_NAMES as string[]).includes(name)) {
    const got = name === undefined ? "is required" : typeof name === "string" ? `unknown operation ${JSON.stringify(name.slice(0, 64))}` : "must be a string";
    errors.push({ path: `${at}/op`, message: `${got} (one of ${PATCH_OP_NAMES.join(", ")})` });
    return;
  }
  const op = name as PatchOpName;
  const before = errors.length;
  const fields = PATCH_OP_FIELDS[op];
  for (const key of Object.keys(raw)) {
    if (key !== "op" && !fields.includes(key)) errors.push({ path: pointer(at, key), message: `is not a field of ${op} (it takes op, ${fields.join(" or ")})` });
  }
  if (errors.length > before) return;
  switch (op) {
    case "addTask":
      return addTask(state, raw, at, errors);
    case "replaceTask":
      return replaceTask(state, raw, at, errors);
    case "removeTask":
      return removeTask(state, raw, at, errors);
    case "addDataflow":
      return addDataflow(state, raw, at, errors);
    case "removeDataflow":
      return removeDataflow(state, raw, at, errors);
  }
}

/** The op's `task`, shape-checked; undefined (with the errors reported) when it is not usable. */
function taskOf(raw: JsonObject, at: string, errors: ValidationError[]): TaskNode | undefined {
  const task = raw.task;
  if (!isJsonObject(task)) {
    errors.push({ path: `${at}/task`, message: task === undefined ? "is required" : "must be a task object" });
    return undefined;
  }
  const before = errors.length;
  checkTaskShape(task, `${at}/task`, errors);
  return errors.length === before ? (task as unknown as TaskNode) : undefined;
}

function addTask(state: PatchState, raw: JsonObject, at: string, errors: ValidationError[]): void {
  const task = taskOf(raw, at, errors);
  if (!task) return;
  if (state.tasks.has(task.id)) {
    errors.push({ path: `${at}/task/id`, message: `task "${task.id}" already exists (replaceTask changes it)` });
    return;
  }
  state.tasks.set(task.id, task);
  state.changes.push({ type: "task_added", task });
}

function replaceTask(state: PatchState, raw: JsonObject, at: string, errors: ValidationError[]): void {
  const task = taskOf(raw, at, errors);
  if (!task) return;
  if (!state.tasks.has(task.id)) {
    errors.push({ path: `${at}/task/id`, message: `no task "${task.id}" to replace (addTask adds one)` });
    return;
  }
  state.tasks.set(task.id, task);
  state.changes.push({ type: "task_replaced", task });
}

function removeTask(state: PatchState, raw: JsonObject, at: string, errors: ValidationError[]): void {
  const taskId = raw.taskId;
  if (typeof taskId !== "string") {
    errors.push({ path: `${at}/taskId`, message: taskId === undefined ? "is required" : "must be a string" });
    return;
  }
  if (!state.tasks.has(taskId)) {
    errors.push({ path: `${at}/taskId`, message: `no task ${JSON.stringify(taskId.slice(0, 128))}` });
    return;
  }
  for (const slot of state.slotsOf(taskId)) {
    const dataflow = state.remove(slot);
    state.changes.push({ type: "dataflow_removed", dataflowId: dataflowId(dataflow), dataflow });
  }
  state.removeTask(taskId);
  state.changes.push({ type: "task_removed", taskId });
}

/** The op's `dataflow`, shape-checked. */
function dataflowOf(raw: JsonObject, at: string, errors: ValidationError[]): Dataflow | undefined {
  const df = raw.dataflow;
  if (!isJsonObject(df)) {
    errors.push({ path: `${at}/dataflow`, message: "must be a dataflow object: { sourceTaskId, sourceTaskPortId, targetTaskId, targetTaskPortId }" });
    return undefined;
  }
  return checkDataflowShape(df, `${at}/dataflow`, errors).ok ? (df as unknown as Dataflow) : undefined;
}

function addDataflow(state: PatchState, raw: JsonObject, at: string, errors: ValidationError[]): void {
  if (raw.dataflow === undefined) {
    errors.push({ path: `${at}/dataflow`, message: "is required" });
    return;
  }
  const dataflow = dataflowOf(raw, at, errors);
  if (!dataflow) return;
  const before = errors.length;
  for (const end of ["sourceTaskId", "targetTaskId"] as const) {
    if (!state.tasks.has(dataflow[end])) errors.push({ path: `${at}/dataflow/${end}`, message: `no task "${dataflow[end]}"` });
  }
  if (errors.length > before) return;
  const id = dataflowId(dataflow);
  if (state.find(dataflow) !== undefined) {
    errors.push({ path: `${at}/dataflow`, message: `dataflow "${id}" already exists` });
    return;
  }
  state.add(dataflow);
  state.changes.push({ type: "dataflow_added", dataflowId: id, dataflow });
}

function removeDataflow(state: PatchState, raw: JsonObject, at: string, errors: ValidationError[]): void {
  if (raw.dataflow !== undefined && raw.dataflowId !== undefined) {
    errors.push({ path: at, message: "names the dataflow twice: give either dataflow or dataflowId" });
    return;
  }
  let slot: number | undefined;
  if (raw.dataflow !== undefined) {
    const dataflow = dataflowOf(raw, at, errors);
    if (!dataflow) return;
    slot = state.find(dataflow);
    if (slot === undefined) {
      errors.push({ path: `${at}/dataflow`, message: `no dataflow "${dataflowId(dataflow)}"` });
      return;
    }
  } else {
    const id = raw.dataflowId;
    if (typeof id !== "string") {
      errors.push({ path: `${at}/dataflowId`, message: id === undefined ? "is required (or dataflow, its four fields)" : "must be a string" });
      return;
    }
    const found = findByDerivedId(state, id);
    if (found.length !== 1) {
      const shown = JSON.stringify(id.slice(0, 512));
      errors.push({
        path: `${at}/dataflowId`,
        message: found.length === 0 ? `no dataflow ${shown}` : `${shown} names ${found.length} dataflows (their port ids contain "[", "]" or " ==> "): name it by dataflow instead`,
      });
      return;
    }
    slot = found[0];
  }
  const dataflow = state.remove(slot);
  state.changes.push({ type: "dataflow_removed", dataflowId: dataflowId(dataflow), dataflow });
}

/**
 * The dataflows whose derived id is `id`. A task id holds no `[`, so the source task is
 * everything before the first `[`, and only that task's dataflows need comparing.
 */
function findByDerivedId(state: PatchState, id: string): number[] {
  const bracket = id.indexOf("[");
  if (bracket <= 0) return [];
  return state.slotsOf(id.slice(0, bracket)).filter((slot) => dataflowId(state.dataflowAt(slot)) === id);
}
