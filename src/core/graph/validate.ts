import { MAX_JSON_DEPTH, tooDeepAt } from "../json-depth";
import { isWellFormedText } from "../unicode";
import { DEFAULT_LIMITS, type Limits } from "../limits";
import type { AnyTaskDefinition, TaskPorts } from "../task/define-task";
import type { TaskRegistry } from "../task/registry";
import { dataflowCompatibility, describeSchema } from "./compat";
import { EdgeList, findCycles } from "./cycles";
import { DuplicateDataflows } from "./duplicates";
import { ERROR_PORT } from "./dataflow-id";
import { pointer } from "./pointer";
import { declaredPorts, inputPortSchema, outputPortSchema, propertySchema } from "./ports";
import { type Dataflow, type Graph, PortIdSchema, RUNNER_CONFIG_KEYS, RunnerConfigSchema, type TaskNode } from "./schema";
import { schemaErrors } from "./schema-errors";
import { checkBodyShape, checkDataflowShape, checkGraphHeader, checkTaskShape, isJsonObject, type JsonObject } from "./structure";
import type { ValidationError } from "./validation-error";

export type { ValidationError } from "./validation-error";

export type ValidationResult = { valid: true; graph: Graph; errors: [] } | { valid: false; errors: ValidationError[] };

/**
 * Subgraphs nest at most this deep. Real graphs nest a few levels; the bound keeps the
 * recursive checks (and the registry's recursive port resolution) off the stack's edge for
 * hostile input, which JSON.parse happily nests thousands deep.
 */
export const MAX_SUBGRAPH_DEPTH = 32;

/**
 * Validates graph JSON against the registry (SPEC §2, §7, §8) and returns every problem, each
 * with a JSON Pointer to where it is. Checks, per graph and recursively per subgraph:
 * shape, unknown types, duplicate ids and dataflows, dangling task and port references,
 * `subgraph`/`merge` only on graph tasks (execution "graph": GraphAsTask, Map, defineGraphTask
 * types), defaults against the input ports, config against the runner keys and the type's own
 * config schema, port compatibility, cycles; and the size limits, counted over subgraphs too
 * (a Map's subgraph once: its iterations are a run-time expansion), before anything costly.
 *
 * O(V + E) over the whole graph. Problems inside a task or subgraph do not cascade: a task whose
 * own fields are broken is not used to judge the dataflows touching it.
 */
export function validateGraph(input: unknown, registry: TaskRegistry, limits: Limits = DEFAULT_LIMITS): ValidationResult {
  if (!isJsonObject(input)) {
    return { valid: false, errors: [{ path: "", message: "must be a JSON object with name, tasks and dataflows" }] };
  }
  const errors: ValidationError[] = [];
  checkGraphHeader(input, errors);
  const size = measure(input);
  const tooBig = size.tasks > limits.maxTasks || size.dataflows > limits.maxDataflows;
  if (size.tasks > limits.maxTasks) {
    errors.push({ path: "/tasks", message: `has ${size.tasks} tasks (subgraphs included), more than the limit of ${limits.maxTasks}` });
  }
  if (size.dataflows > limits.maxDataflows) {
    errors.push({
      path: "/dataflows",
      message: `has ${size.dataflows} dataflows (subgraphs included), more than the limit of ${limits.maxDataflows}`,
    });
  }
  // An oversized graph is rejected on its size alone: checking its contents would spend the
  // CPU the limit is there to protect.
  if (!tooBig) new BodyValidator(registry, errors).validate(input, "", 0, false);
  if (errors.length > 0) return { valid: false, errors };
  return { valid: true, graph: input as unknown as Graph, errors: [] };
}

/** Tasks and dataflows, subgraphs included (as deep as validation goes), without recursion. */
function measure(graph: JsonObject): { tasks: number; dataflows: number } {
  let tasks = 0;
  let dataflows = 0;
  const pending: { body: JsonObject; depth: number }[] = [{ body: graph, depth: 0 }];
  while (pending.length > 0) {
    const { body, depth } = pending.pop() as { body: JsonObject; depth: number };
    if (Array.isArray(body.dataflows)) dataflows += body.dataflows.length;
    if (!Array.isArray(body.tasks)) continue;
    tasks += body.tasks.length;
    if (depth >= MAX_SUBGRAPH_DEPTH) continue;
    for (const t of body.tasks) {
      if (isJsonObject(t) && isJsonObject(t.subgraph)) pending.push({ body: t.subgraph, depth: depth + 1 });
    }
  }
  return { tasks, dataflows };
}

/** What the dataflow checks need to know about one task of a body. */
interface TaskEntry {
  node: TaskNode;
  def?: AnyTaskDefinition;
  /** Resolved only when the type is known, defaults and config are objects and the subgraph (if any) is valid. */
  ports?: TaskPorts;
}

const RUNNER_KEYS = new Set<string>(RUNNER_CONFIG_KEYS);
const RUNNER_PROPERTIES = RunnerConfigSchema.properties;

class BodyValidator {
  constructor(
    private readonly registry: TaskRegistry,
    private readonly errors: ValidationError[],
  ) {}

  /** Static port schemas, one object per type: most tasks need no per-instance resolution. */
  private readonly staticPorts = new Map<AnyTaskDefinition, TaskPorts>();

  private portsOf(def: AnyTaskDefinition, node: TaskNode): TaskPorts | undefined {
    if (def.ports) return this.registry.portsOf(node);
    let ports = this.staticPorts.get(def);
    if (!ports) this.staticPorts.set(def, (ports = { input: def.input, output: def.output }));
    return ports;
  }

  private error(path: string, message: string): void {
    this.errors.push({ path, message });
  }

  /** Validates one graph or subgraph body; true when it added no error (its ports can then be trusted). */
  validate(body: JsonObject, base: string, depth: number, isSubgraph: boolean): boolean {
    const before = this.errors.length;
    const { tasks, dataflows } = checkBodyShape(body, base, isSubgraph, this.errors);
    const where = isSubgraph ? "this subgraph" : "this graph";
    const ids = new Map<string, number>();
    const entries: (TaskEntry | undefined)[] = new Array(tasks.length);

    for (let i = 0; i < tasks.length; i++) {
      entries[i] = this.task(tasks[i], `${base}/tasks/${i}`, depth, ids, i);
    }

    const edges = new EdgeList();
    const duplicates = new DuplicateDataflows(tasks.length, (j) => {
      const d = dataflows[j] as Dataflow;
      return [d.sourceTaskPortId, d.targetTaskPortId];
    });
    for (let j = 0; j < dataflows.length; j++) {
      this.dataflow(dataflows[j], j, base, ids, entries, duplicates, edges, where);
    }

    for (const cycle of findCycles(tasks.length, edges)) {
      const names = cycle.nodes.map((n) => (entries[n] as TaskEntry).node.id);
      this.error(`${base}/dataflows/${cycle.edge}`, `cycle: ${[...names, names[0]].join(" → ")}`);
    }
    return this.errors.length === before;
  }

  /** One task's own checks; returns what its dataflows need, or undefined for a non-object. */
  private task(raw: unknown, p: string, depth: number, ids: Map<string, number>, i: number): TaskEntry | undefined {
    if (!isJsonObject(raw)) {
      this.error(p, "must be an object");
      return undefined;
    }
    const shape = checkTaskShape(raw, p, this.errors);
    if (shape.id !== undefined) {
      const first = ids.get(shape.id);
      if (first === undefined) ids.set(shape.id, i);
      else this.error(`${p}/id`, `duplicate task id "${shape.id}": already used by ${p.slice(0, p.lastIndexOf("/"))}/${first}`);
    }
    const def = shape.type === undefined ? undefined : this.registry.get(shape.type);
    if (shape.type !== undefined && !def) this.error(`${p}/type`, `unknown task type "${shape.type}"`);
    const isGraph = def?.execution === "graph";
    const typeName = JSON.stringify(shape.type);

    let subgraphSound = true;
    if (raw.subgraph !== undefined) {
      if (def && !isGraph) {
        this.error(`${p}/subgraph`, `only a graph task (GraphAsTask, Map…) has a subgraph; ${typeName} is not one`);
        subgraphSound = false;
      } else if (!isJsonObject(raw.subgraph)) {
        this.error(`${p}/subgraph`, "must be an object with tasks and dataflows");
        subgraphSound = false;
      } else if (depth + 1 > MAX_SUBGRAPH_DEPTH) {
        this.error(`${p}/subgraph`, `nests subgraphs more than ${MAX_SUBGRAPH_DEPTH} deep`);
        subgraphSound = false;
      } else {
        // Also for an unknown type: whatever was meant, the user wants the inner problems too.
        subgraphSound = this.validate(raw.subgraph, `${p}/subgraph`, depth + 1, true);
      }
    } else if (isGraph) {
      this.error(`${p}/subgraph`, `is required: a ${shape.type} runs its subgraph`);
      subgraphSound = false;
    }
    if (raw.merge !== undefined && def && !isGraph) {
      this.error(`${p}/merge`, `only a graph task (GraphAsTask, Map…) has merge (how its subgraph's leaves combine); ${typeName} is not one`);
    }

    const node = raw as unknown as TaskNode;
    const entry: TaskEntry = { node, def };
    // A bad label or an unknown extra field says nothing about the ports; malformed settings might.
    if (!def || !shape.settingsOk) return entry;
    // Port resolution and the schema checks below recurse into these values: bound them first.
    if (!this.shallowEnough(node.defaults, `${p}/defaults`) || !this.shallowEnough(node.config, `${p}/config`)) return entry;
    if (subgraphSound) {
      try {
        entry.ports = this.portsOf(def, node);
      } catch (err) {
        this.error(p, `cannot work out this task's ports: ${(err as Error).message}`);
      }
    }
    if (entry.ports && node.defaults) this.defaults(node.defaults, entry.ports, def, p);
    this.config(node.config ?? {}, def, entry.ports, p);
    return entry;
  }

  /** False (reported at the offending key) when `settings` nests deeper than MAX_JSON_DEPTH. */
  private shallowEnough(settings: Record<string, unknown> | undefined, path: string): boolean {
    const at = tooDeepAt(settings, MAX_JSON_DEPTH);
    if (!at) return true;
    this.error(pointer(path, at[0]), `nests more than ${MAX_JSON_DEPTH} levels deep`);
    return false;
  }

  /** SPEC §8: each key present is checked against its port; absent required ports may be fed later. */
  private defaults(defaults: Record<string, unknown>, ports: TaskPorts, def: AnyTaskDefinition, p: string): void {
    for (const key of Object.keys(defaults)) {
      const path = pointer(`${p}/defaults`, key);
      const schema = propertySchema(ports.input, key);
      if (!schema) this.error(path, `is not an input port of ${def.type}${portList("input", ports.input.properties)}`);
      else this.errors.push(...schemaErrors(schema, defaults[key], path));
    }
  }

  /** Runner keys (every type) and the type's own config keys; `replicate` must name input ports. */
  private config(config: Record<string, unknown>, def: AnyTaskDefinition, ports: TaskPorts | undefined, p: string): void {
    const own = def.config;
    for (const key of Object.keys(config)) {
      const path = pointer(`${p}/config`, key);
      const value = config[key];
      if (RUNNER_KEYS.has(key)) {
        this.errors.push(...schemaErrors(RUNNER_PROPERTIES[key as keyof typeof RUNNER_PROPERTIES], value, path));
        continue;
      }
      const schema = own ? propertySchema(own, key) : undefined;
      if (!schema) {
        const accepted = [...RUNNER_CONFIG_KEYS, ...(own ? declaredPorts(own) : [])];
        this.error(path, `is not a config key of ${def.type} (accepted: ${accepted.join(", ")})`);
      } else {
        this.errors.push(...schemaErrors(schema, value, path));
      }
    }
    for (const key of (own?.required ?? []) as string[]) {
      if (!Object.prototype.hasOwnProperty.call(config, key)) this.error(pointer(`${p}/config`, key), "is required");
    }

    const retry = config.retry as { initialDelayMs?: unknown; maxDelayMs?: unknown } | undefined;
    if (isJsonObject(retry) && typeof retry.initialDelayMs === "number" && typeof retry.maxDelayMs === "number" && retry.initialDelayMs > retry.maxDelayMs) {
      this.error(`${p}/config/retry/initialDelayMs`, `must not exceed maxDelayMs (${retry.maxDelayMs})`);
    }

    const replicate = config.replicate;
    if (ports && Array.isArray(replicate)) {
      const named = new Set<string>();
      replicate.forEach((port, j) => {
        if (typeof port !== "string") return; // reported by the schema check
        const path = `${p}/config/replicate/${j}`;
        if (named.has(port)) this.error(path, `names port "${port}" twice`);
        else if (!propertySchema(ports.input, port)) this.error(path, `"${port}" is not an input port of ${def.type}${portList("input", ports.input.properties)}`);
        named.add(port);
      });
    }
  }

  /**
   * One dataflow: shape, duplicates, both tasks, both ports, compatibility. The path strings are
   * built only when there is something to report (this loop runs 50,000 times on a big graph).
   */
  private dataflow(
    raw: unknown,
    j: number,
    base: string,
    ids: Map<string, number>,
    entries: (TaskEntry | undefined)[],
    duplicates: DuplicateDataflows,
    edges: EdgeList,
    where: string,
  ): void {
    let sourceId: string | undefined;
    let sourcePort: string | undefined;
    let targetId: string | undefined;
    let targetPort: string | undefined;
    let ok: boolean;
    if (isCleanDataflow(raw, ids)) {
      sourceId = raw.sourceTaskId;
      sourcePort = raw.sourceTaskPortId;
      targetId = raw.targetTaskId;
      targetPort = raw.targetTaskPortId;
      ok = true;
    } else if (!isJsonObject(raw)) {
      this.error(`${base}/dataflows/${j}`, "must be an object");
      return;
    } else {
      const shape = checkDataflowShape(raw, `${base}/dataflows/${j}`, this.errors);
      ({ sourceTaskId: sourceId, sourceTaskPortId: sourcePort, targetTaskId: targetId, targetTaskPortId: targetPort, ok } = shape);
    }
    const si = sourceId === undefined ? undefined : ids.get(sourceId);
    const ti = targetId === undefined ? undefined : ids.get(targetId);
    if (ok) {
      const earlier =
        si !== undefined && ti !== undefined
          ? duplicates.add(j, si, sourcePort as string, ti, targetPort as string)
          : duplicates.addDangling(j, [sourceId, sourcePort, targetId, targetPort] as [string, string, string, string]);
      if (earlier !== undefined) {
        this.error(`${base}/dataflows/${j}`, `duplicate dataflow: the same ports are already joined by ${base}/dataflows/${earlier}`);
        return;
      }
    }
    if (sourceId !== undefined && si === undefined) this.error(`${base}/dataflows/${j}/sourceTaskId`, `no task "${sourceId}" in ${where}`);
    if (targetId !== undefined && ti === undefined) this.error(`${base}/dataflows/${j}/targetTaskId`, `no task "${targetId}" in ${where}`);
    if (si !== undefined && ti !== undefined) edges.add(si, ti, j);
    this.ports(base, j, sourcePort, targetPort, si === undefined ? undefined : entries[si], ti === undefined ? undefined : entries[ti]);
  }

  /** Port existence on both ends, then compatibility (SPEC §8) when both ends are known. */
  private ports(
    base: string,
    j: number,
    sourcePort: string | undefined,
    targetPort: string | undefined,
    source: TaskEntry | undefined,
    target: TaskEntry | undefined,
  ): void {
    if (targetPort === ERROR_PORT) {
      this.error(`${base}/dataflows/${j}/targetTaskPortId`, `"${ERROR_PORT}" is a source port only: it carries the source task's error`);
      targetPort = undefined;
    }
    let from;
    if (sourcePort !== undefined && source?.ports) {
      from = outputPortSchema(source.node, source.ports, sourcePort);
      if (!from) {
        this.error(`${base}/dataflows/${j}/sourceTaskPortId`, `task "${source.node.id}" (${source.node.type}) has no output port "${sourcePort}"${portList("output", source.ports.output.properties)}`);
      }
    }
    let to;
    if (targetPort !== undefined && target?.ports) {
      to = inputPortSchema(target.ports, targetPort);
      if (!to) {
        this.error(`${base}/dataflows/${j}/targetTaskPortId`, `task "${target.node.id}" (${target.node.type}) has no input port "${targetPort}"${portList("input", target.ports.input.properties)}`);
      }
    }
    if (from && to && dataflowCompatibility(from, to) === "incompatible") {
      const s = source as TaskEntry;
      const t = target as TaskEntry;
      this.error(
        `${base}/dataflows/${j}`,
        `incompatible ports: ${s.node.id}[${sourcePort}] gives ${describeSchema(from)} but ${t.node.id}[${targetPort}] takes ${describeSchema(to)}`,
      );
    }
  }
}

/** " (its input ports: a, b)" for messages about a missing port; empty when it has none. */
function portList(kind: "input" | "output", properties: object | undefined): string {
  const names = Object.keys(properties ?? {});
  if (names.length === 0) return ` (it has no named ${kind} ports)`;
  const shown = names.length > 12 ? [...names.slice(0, 12), "…"] : names;
  return ` (its ${kind} ports: ${shown.join(", ")})`;
}

const MAX_PORT_ID = PortIdSchema.maxLength ?? Infinity;

/**
 * The fast path of the dataflow shape check: exactly the four fields, ports within bounds and
 * well-formed (isWellFormedText), and
 * both task ids already known as valid ids of this body (only ids that passed their own checks
 * are in `ids`). Anything else goes through checkDataflowShape for precise messages.
 */
function isCleanDataflow(raw: unknown, ids: Map<string, number>): raw is Dataflow {
  if (typeof raw !== "object" || raw === null) return false;
  const df = raw as Record<string, unknown>;
  const s = df.sourceTaskId;
  const sp = df.sourceTaskPortId;
  const t = df.targetTaskId;
  const tp = df.targetTaskPortId;
  if (typeof s !== "string" || typeof sp !== "string" || typeof t !== "string" || typeof tp !== "string") return false;
  if (sp.length === 0 || sp.length > MAX_PORT_ID || tp.length === 0 || tp.length > MAX_PORT_ID) return false;
  if (!isWellFormedText(sp) || !isWellFormedText(tp)) return false;
  if (!ids.has(s) || !ids.has(t)) return false;
  let keys = 0;
  for (const _ in df) keys++;
  return keys === 4;
}
