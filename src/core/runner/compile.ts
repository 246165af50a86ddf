import type { TObject, TSchema } from "@sinclair/typebox";
import { ERROR_PORT, WHOLE_PORT } from "../graph/dataflow-id";
import type { Dataflow, GraphBody, MergeStrategy, TaskNode } from "../graph/schema";
import type { AnyTaskDefinition, Execution, TaskPorts } from "../task/define-task";
import type { TaskRegistry } from "../task/registry";
import { GraphCompileError } from "./errors";
import { normalizeRetry, type RetrySettings } from "./backoff";

/**
 * The graph flattened once into arrays the runner indexes by number: every task at every
 * depth (pre-order, a GraphAsTask followed by its subgraph), every dataflow, and one scope
 * per graph body (the run's, then one per GraphAsTask). Adjacency lists and input-assembly
 * plans are computed here so that scheduling never looks at the graph JSON again.
 *
 * A Map's subgraph is not flattened into these arrays: it is compiled once into a template of
 * its own (CompiledTask.template) and `instantiate` appends one copy per iteration at run time,
 * when the element count is known — so the arrays grow while a run goes on.
 */
export interface CompiledGraph {
  tasks: CompiledTask[];
  edges: CompiledEdge[];
  scopes: CompiledScope[];
  /** Task key → index. */
  taskIndex: Map<string, number>;
  /** Dataflow key → index: see edgeIndexOf. */
  edgeIndex: Map<string, number> | undefined;
  /** Tasks whose progress makes up the run's progress (see CompiledTask.countsProgress). */
  progressTasks: number;
}

/** CompiledEdge.flags bits. */
export const FROM_ERROR = 1;
export const FROM_WHOLE = 2;
/** The target port is `*`: the value's keys merge into the input. */
export const TO_WHOLE = 4;
/** The target port is array-typed: values are collected in dataflow order. */
export const TO_ARRAY = 8;
/** With TO_ARRAY: an array value is spread into the collection (the port's items are not arrays). */
export const SPREAD = 16;

const IS_GRAPH = 1;
const IS_WAIT = 2;
const OPEN_INPUT = 4;
const HAS_ERROR_EDGES = 8;
const WHOLE_INPUT = 16;
const IN_ITERATION = 32;

/**
 * One task of the flattened graph. A run holds one per task for its whole life, so it stores only
 * what it cannot read off its graph node and type definition; the rest are getters.
 */
export class CompiledTask {
  private bits: number;
  /** See scopeInputPorts(). */
  scopeInputPorts: string[] | undefined = undefined;
  /** See fedPorts(). */
  fedPorts: string[] | undefined = undefined;
  /** The GraphAsTask's own scope (-1 for other tasks, a Map included). */
  childScope = -1;
  /** A Map's subgraph, compiled once; each iteration is an instance of it (see instantiate). */
  template: CompiledGraph | undefined = undefined;
  inEdges: number[] = NONE;
  outEdges: number[] = NONE;

  constructor(
    readonly index: number,
    readonly key: string,
    /** Enclosing GraphAsTask ids joined by "/"; "" at top level. */
    readonly path: string,
    readonly node: TaskNode,
    readonly def: AnyTaskDefinition,
    private readonly ports: TaskPorts,
    /** The scope (graph body) this task belongs to. */
    readonly scope: number,
  ) {
    const isGraph = def.execution === "graph";
    this.bits =
      (isGraph ? IS_GRAPH : 0) | (!isGraph && typeof def.wait === "function" ? IS_WAIT : 0) | (ports.input.additionalProperties !== false ? OPEN_INPUT : 0);
  }

  get taskId(): string {
    return this.node.id;
  }
  get type(): string {
    return this.node.type;
  }
  get execution(): Execution {
    return this.def.execution;
  }
  /** Runs a subgraph (GraphAsTask, Map): never dispatched. */
  get isGraph(): boolean {
    return (this.bits & IS_GRAPH) !== 0;
  }
  /** Runs its subgraph once per element (definition.iterate). */
  get isMap(): boolean {
    return this.template !== undefined;
  }
  /** A task of a Map iteration (an instance of a template task). */
  get inIteration(): boolean {
    return (this.bits & IN_ITERATION) !== 0;
  }
  /**
   * Counts in the run's progress: every task of the graph except GraphAsTask containers (their
   * inner tasks count instead); a Map counts as one task, its iterations' tasks not at all (their
   * number is unknown until it starts, and the run's progress must not go backwards).
   */
  get countsProgress(): boolean {
    return (this.bits & (IS_GRAPH | IN_ITERATION)) === 0 || (this.isMap && !this.inIteration);
  }
  /** Durable task (definition.wait): parked by the runner instead of dispatched. */
  get isWait(): boolean {
    return (this.bits & IS_WAIT) !== 0;
  }
  /** The input schema accepts keys it does not declare. */
  get openInput(): boolean {
    return (this.bits & OPEN_INPUT) !== 0;
  }
  get hasErrorEdges(): boolean {
    return (this.bits & HAS_ERROR_EDGES) !== 0;
  }
  set hasErrorEdges(v: boolean) {
    this.bits = v ? this.bits | HAS_ERROR_EDGES : this.bits & ~HAS_ERROR_EDGES;
  }
  /** Some incoming dataflow targets `*`. */
  get wholeInput(): boolean {
    return (this.bits & WHOLE_INPUT) !== 0;
  }
  set wholeInput(v: boolean) {
    this.bits = v ? this.bits | WHOLE_INPUT : this.bits & ~WHOLE_INPUT;
  }
  get inputSchema(): TObject {
    return this.ports.input;
  }
  get outputSchema(): TObject {
    return this.ports.output;
  }
  get defaults(): Record<string, unknown> | undefined {
    const d = this.node.defaults;
    return isObject(d) ? d : undefined;
  }
  get config(): Record<string, unknown> {
    return (this.node.config ?? NO_CONFIG) as Record<string, unknown>;
  }
  /** A GraphAsTask is not retried as a whole: its inner tasks carry their own policies. */
  get retry(): RetrySettings {
    const policy = this.config.retry;
    return this.isGraph || policy === undefined ? DEFAULT_RETRY : normalizeRetry(policy);
  }
  /** 0 when the task has no timeout. */
  get timeoutMs(): number {
    const t = this.config.timeoutMs;
    return typeof t === "number" && t > 0 ? t : 0;
  }
  get replicate(): string[] | undefined {
    const r = this.config.replicate;
    return Array.isArray(r) && r.length > 0 ? (r as string[]) : undefined;
  }

  /** This template task's copy in one Map iteration: same node, type and ports; indices shifted. */
  instanceAt(key: string, path: string, shift: Shift): CompiledTask {
    const c = new CompiledTask(this.index + shift.tasks, key, path, this.node, this.def, this.ports, this.scope + shift.scopes);
    c.bits = this.bits | IN_ITERATION;
    if (this.childScope >= 0) c.childScope = this.childScope + shift.scopes;
    c.template = this.template;
    c.inEdges = shifted(this.inEdges, shift.edges);
    c.outEdges = shifted(this.outEdges, shift.edges);
    return c;
  }
}

/** How far an instance's indices are from its template's. */
interface Shift {
  tasks: number;
  edges: number;
  scopes: number;
}

function shifted(list: number[], by: number): number[] {
  if (list.length === 0) return NONE;
  const out = new Array<number>(list.length);
  for (let i = 0; i < list.length; i++) out[i] = list[i] + by;
  return out;
}

export interface CompiledEdge {
  /** "<path>/<id>", or the id at top level. */
  key: string;
  /** The dataflow id inside its graph body (SPEC §1). */
  id: string;
  path: string;
  source: number;
  target: number;
  sourcePort: string;
  targetPort: string;
  /** FROM_ERROR | FROM_WHOLE | TO_WHOLE | TO_ARRAY | SPREAD. */
  flags: number;
}

export interface CompiledScope {
  index: number;
  /** The GraphAsTask that owns the scope; -1 for the run. */
  owner: number;
  tasks: number[];
  /** Tasks with no incoming dataflow, in task order. */
  roots: number[];
  /** Tasks with no outgoing dataflow at all, in task order (SPEC §8). */
  leaves: number[];
  /** The GraphAsTask's (or Map's) own merge (the run scope's is decided by the runner options). */
  merge: MergeStrategy | undefined;
  /** The root scope of Map iteration `iteration` (owner = the Map); -1 for other scopes. */
  iteration: number;
  /** A Map iteration's scope input, computed on first use (the runner's, not compiled). */
  input: Record<string, unknown> | undefined;
}

/** Shared empty lists: most tasks have no `*` edges, no array ports, no fed ports; allocating is what costs. */
const NONE: never[] = [];
Object.freeze(NONE);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function props(schema: TObject): Record<string, TSchema> {
  return (schema.properties ?? {}) as Record<string, TSchema>;
}

/**
 * dataflowId() (SPEC §1), built by join: a template literal leaves a tree of cons strings that
 * costs several times the flat string's memory for as long as the run lives.
 */
export function flatDataflowId(df: Dataflow): string {
  return [df.sourceTaskId, "[", df.sourceTaskPortId, "] ==> ", df.targetTaskId, "[", df.targetTaskPortId, "]"].join("");
}

function taskAt(pointer: string, i: number): string {
  return `${pointer}/tasks/${i}`;
}

const NO_CONFIG: Record<string, unknown> = Object.freeze({});

const portsByType = new WeakMap<AnyTaskDefinition, TaskPorts>();
function staticPorts(def: AnyTaskDefinition): TaskPorts {
  let ports = portsByType.get(def);
  if (!ports) portsByType.set(def, (ports = { input: def.input, output: def.output }));
  return ports;
}
const DEFAULT_RETRY = Object.freeze(normalizeRetry(undefined));
const RESERVED_IN_ID = /[/[\]\s]/;

export function compileGraph(graph: GraphBody, registry: TaskRegistry): CompiledGraph {
  const out: CompiledGraph = { tasks: [], edges: [], scopes: [], taskIndex: new Map(), edgeIndex: undefined, progressTasks: 0 };
  compileBody(out, graph, registry, -1, "", "");
  for (const t of out.tasks) if (t.countsProgress) out.progressTasks++;
  return out;
}

/** A Map iteration's place in the compiled arrays: its tasks, dataflows and scopes are contiguous ranges. */
export interface Instance {
  firstTask: number;
  firstEdge: number;
  firstScope: number;
  /** The iteration's own scope (its graph body; GraphAsTask scopes inside it follow). */
  scope: number;
}

/**
 * Appends one copy of a Map's template to the graph: task keys and paths get the iteration's
 * prefix (`map[3]` → `map[3]/inner`, dataflow keys `map[3]/<id>`), indices are shifted past the
 * arrays' ends, and the template's top scope becomes iteration `iteration` owned by task `owner`.
 * O(size of the template). The caller adds the runtime rows (one per task, same indices).
 */
export function instantiate(g: CompiledGraph, template: CompiledGraph, owner: number, prefix: string, iteration: number): Instance {
  const shift: Shift = { tasks: g.tasks.length, edges: g.edges.length, scopes: g.scopes.length };
  const dt = shift.tasks;
  for (const s of template.scopes) {
    const top = s.owner < 0;
    g.scopes.push({
      index: s.index + shift.scopes,
      owner: top ? owner : s.owner + dt,
      tasks: shifted(s.tasks, dt),
      roots: shifted(s.roots, dt),
      leaves: shifted(s.leaves, dt),
      merge: s.merge,
      iteration: top ? iteration : -1,
      input: undefined,
    });
  }
  const index = g.edgeIndex;
  for (const e of template.edges) {
    const key = `${prefix}/${e.key}`;
    if (index) index.set(key, g.edges.length);
    g.edges.push({ key, id: e.id, path: e.path ? `${prefix}/${e.path}` : prefix, source: e.source + dt, target: e.target + dt, sourcePort: e.sourcePort, targetPort: e.targetPort, flags: e.flags });
  }
  for (const t of template.tasks) {
    const c = t.instanceAt(`${prefix}/${t.key}`, t.path ? `${prefix}/${t.path}` : prefix, shift);
    g.taskIndex.set(c.key, c.index);
    g.tasks.push(c);
  }
  return { firstTask: shift.tasks, firstEdge: shift.edges, firstScope: shift.scopes, scope: shift.scopes };
}

/** Dataflow key → index, built on first use (the DO reads rows by key; a plain run never needs it). */
export function edgeIndexOf(g: CompiledGraph): Map<string, number> {
  if (g.edgeIndex) return g.edgeIndex;
  const index = new Map<string, number>();
  g.edges.forEach((e, i) => {
    if (index.has(e.key)) throw new GraphCompileError(`duplicate dataflow ${e.id}`, e.path ? `/${e.path}` : "/dataflows");
    index.set(e.key, i);
  });
  g.edgeIndex = index;
  return index;
}

function compileBody(out: CompiledGraph, body: GraphBody, registry: TaskRegistry, owner: number, path: string, pointer: string): number {
  if (!isObject(body) || !Array.isArray(body.tasks) || !Array.isArray(body.dataflows)) {
    throw new GraphCompileError("a graph needs `tasks` and `dataflows` arrays", pointer || "/");
  }
  const scope: CompiledScope = { index: out.scopes.length, owner, tasks: [], roots: [], leaves: [], merge: undefined, iteration: -1, input: undefined };
  out.scopes.push(scope);
  const prefix = path ? `${path}/` : "";
  // At top level a task's key is its id, so the run-wide index serves as the body's too.
  const local = path ? new Map<string, number>() : out.taskIndex;

  const tasks = body.tasks;
  let lastType = "";
  let lastDef: AnyTaskDefinition | undefined;
  for (let i = 0; i < tasks.length; i++) {
    const node = tasks[i];
    if (!isObject(node) || typeof node.id !== "string" || typeof node.type !== "string") {
      throw new GraphCompileError("a task needs string `id` and `type`", taskAt(pointer, i));
    }
    if (node.id.length === 0 || RESERVED_IN_ID.test(node.id)) throw new GraphCompileError(`task id "${node.id}" is empty or contains "/", "[", "]" or spaces`, `${taskAt(pointer, i)}/id`);
    const known = local.size;
    local.set(node.id, out.tasks.length);
    if (local.size === known) throw new GraphCompileError(`duplicate task id "${node.id}"`, `${taskAt(pointer, i)}/id`);
    // Graphs repeat a few types many times: skip the registry lookup for a run of the same type.
    const def = node.type === lastType ? lastDef : registry.get(node.type);
    lastType = node.type;
    lastDef = def;
    if (!def) throw new GraphCompileError(`unknown task type "${node.type}"`, `${taskAt(pointer, i)}/type`);
    const isGraph = def.execution === "graph";
    if (isGraph !== (node.subgraph !== undefined)) {
      throw new GraphCompileError(isGraph ? "a GraphAsTask needs a `subgraph`" : `\`subgraph\` on a ${node.type} task`, `${taskAt(pointer, i)}/subgraph`);
    }
    // Static ports need no per-instance cache entry: one shared object per type.
    const ports = def.ports ? registry.portsOf(node) : staticPorts(def);
    if (!ports) throw new GraphCompileError(`no ports for task type "${node.type}"`, `${taskAt(pointer, i)}/type`);
    const task = new CompiledTask(out.tasks.length, prefix ? prefix + node.id : node.id, path, node, def, ports, scope.index);
    if (task.replicate && isGraph) throw new GraphCompileError("`replicate` is not supported on a GraphAsTask", `${taskAt(pointer, i)}/config/replicate`);
    if (path) out.taskIndex.set(task.key, task.index);
    out.tasks.push(task);
    scope.tasks.push(task.index);
    if (isGraph && def.iterate) {
      // A Map: its subgraph becomes a template, instantiated per element at run time.
      const template: CompiledGraph = { tasks: [], edges: [], scopes: [], taskIndex: new Map(), edgeIndex: undefined, progressTasks: 0 };
      compileBody(template, node.subgraph as GraphBody, registry, -1, "", `${taskAt(pointer, i)}/subgraph`);
      template.scopes[0].merge = node.merge;
      task.template = template;
    } else if (isGraph) {
      // Pre-order: a GraphAsTask's subgraph follows it directly.
      task.childScope = compileBody(out, node.subgraph as GraphBody, registry, task.index, task.key, `${taskAt(pointer, i)}/subgraph`);
      out.scopes[task.childScope].merge = node.merge;
    }
  }

  const dataflows = body.dataflows;
  const firstEdge = out.edges.length;
  for (let i = 0; i < dataflows.length; i++) {
    const df: Dataflow = dataflows[i];
    if (!isObject(df) || typeof df.sourceTaskPortId !== "string" || typeof df.targetTaskPortId !== "string") {
      throw new GraphCompileError("a dataflow needs task and port ids", `${pointer}/dataflows/${i}`);
    }
    const source = local.get(df.sourceTaskId);
    const target = local.get(df.targetTaskId);
    if (source === undefined) throw new GraphCompileError(`no task "${df.sourceTaskId}"`, `${pointer}/dataflows/${i}/sourceTaskId`);
    if (target === undefined) throw new GraphCompileError(`no task "${df.targetTaskId}"`, `${pointer}/dataflows/${i}/targetTaskId`);
    const id = flatDataflowId(df);
    const fromError = df.sourceTaskPortId === ERROR_PORT;
    out.edges.push({
      key: prefix ? prefix + id : id,
      id,
      path,
      source,
      target,
      sourcePort: df.sourceTaskPortId,
      targetPort: df.targetTaskPortId,
      flags: (fromError ? FROM_ERROR : 0) | (df.sourceTaskPortId === WHOLE_PORT ? FROM_WHOLE : 0),
    });
    if (fromError) out.tasks[source].hasErrorEdges = true;
  }
  linkEdges(out, scope, firstEdge);

  for (const ti of scope.tasks) {
    const t = out.tasks[ti];
    if (t.inEdges.length === 0) scope.roots.push(ti);
    if (t.outEdges.length === 0) scope.leaves.push(ti);
    planInput(out, t);
  }
  checkAcyclic(out, scope, firstEdge, pointer);
  return scope.index;
}

/** Fills each task's exact-size inEdges/outEdges lists (in dataflow order) from the body's edges. */
function linkEdges(out: CompiledGraph, scope: CompiledScope, firstEdge: number): void {
  if (scope.tasks.length === 0 || firstEdge === out.edges.length) return;
  const first = scope.tasks[0];
  const inDegree = new Int32Array(out.tasks.length - first);
  const outDegree = new Int32Array(out.tasks.length - first);
  for (let e = firstEdge; e < out.edges.length; e++) {
    inDegree[out.edges[e].target - first]++;
    outDegree[out.edges[e].source - first]++;
  }
  for (const ti of scope.tasks) {
    const t = out.tasks[ti];
    if (inDegree[ti - first] > 0) t.inEdges = new Array<number>(inDegree[ti - first]);
    if (outDegree[ti - first] > 0) t.outEdges = new Array<number>(outDegree[ti - first]);
    inDegree[ti - first] = 0;
    outDegree[ti - first] = 0;
  }
  for (let e = firstEdge; e < out.edges.length; e++) {
    const { source, target } = out.edges[e];
    out.tasks[target].inEdges[inDegree[target - first]++] = e;
    out.tasks[source].outEdges[outDegree[source - first]++] = e;
  }
}

/** Marks how each incoming dataflow lands in the task's input (see input.ts). */
function planInput(out: CompiledGraph, t: CompiledTask): void {
  if (t.inEdges.length === 0) return;
  const declared = props(t.inputSchema);
  for (const ei of t.inEdges) {
    const e = out.edges[ei];
    if (e.targetPort === WHOLE_PORT) {
      e.flags |= TO_WHOLE;
      t.wholeInput = true;
      continue;
    }
    const schema = Object.hasOwn(declared, e.targetPort) ? (declared[e.targetPort] as TSchema & { type?: unknown; items?: { type?: unknown } }) : undefined;
    if (schema?.type === "array") e.flags |= TO_ARRAY | (schema.items?.type !== "array" ? SPREAD : 0);
  }
}

/** Ports some dataflow (other than `*`) feeds: scope-input keys an open task leaves out. Computed on first use. */
export function fedPorts(g: CompiledGraph, t: CompiledTask): string[] {
  if (t.fedPorts === undefined) {
    const fed: string[] = [];
    for (const ei of t.inEdges) {
      const port = g.edges[ei].targetPort;
      if (port !== WHOLE_PORT && !fed.includes(port)) fed.push(port);
    }
    t.fedPorts = fed;
  }
  return t.fedPorts;
}

/** Closed input: the declared ports the scope input may fill (those no dataflow feeds); computed on first use. */
export function scopeInputPorts(g: CompiledGraph, t: CompiledTask): string[] {
  if (t.scopeInputPorts === undefined) {
    const fed = fedPorts(g, t);
    t.scopeInputPorts = Object.keys(props(t.inputSchema)).filter((p) => !fed.includes(p));
  }
  return t.scopeInputPorts;
}

/**
 * Kahn's algorithm over one body, on typed arrays (it runs on every compile, so it must be cheap);
 * names the tasks left on a cycle.
 */
function checkAcyclic(out: CompiledGraph, scope: CompiledScope, firstEdge: number, pointer: string): void {
  const n = scope.tasks.length;
  if (n === 0) return;
  // Local numbering: position in scope.tasks.
  const first = scope.tasks[0];
  const localOf = new Int32Array(out.tasks.length - first);
  for (let i = 0; i < n; i++) localOf[scope.tasks[i] - first] = i;
  const edgeCount = out.edges.length - firstEdge;
  const indegree = new Int32Array(n);
  const start = new Int32Array(n + 1);
  const src = new Int32Array(edgeCount);
  const dst = new Int32Array(edgeCount);
  for (let e = 0; e < edgeCount; e++) {
    const edge = out.edges[firstEdge + e];
    src[e] = localOf[edge.source - first];
    dst[e] = localOf[edge.target - first];
    start[src[e] + 1]++;
    indegree[dst[e]]++;
  }
  for (let i = 0; i < n; i++) start[i + 1] += start[i];
  const fill = start.slice(0, n);
  const next = new Int32Array(edgeCount);
  for (let e = 0; e < edgeCount; e++) next[fill[src[e]]++] = dst[e];
  const stack = new Int32Array(n);
  let top = 0;
  for (let i = 0; i < n; i++) if (indegree[i] === 0) stack[top++] = i;
  let visited = 0;
  while (top > 0) {
    const t = stack[--top];
    visited++;
    for (let o = start[t]; o < start[t + 1]; o++) if (--indegree[next[o]] === 0) stack[top++] = next[o];
  }
  if (visited !== n) {
    const onCycle = scope.tasks.filter((_, i) => indegree[i] > 0).map((ti) => out.tasks[ti].taskId);
    throw new GraphCompileError(`the dataflows form a cycle through ${onCycle.join(", ")}`, `${pointer}/dataflows`);
  }
}
