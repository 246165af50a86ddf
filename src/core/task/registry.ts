import "./formats";
import { Type } from "@sinclair/typebox";
import type { TaskNode } from "../graph/schema";
import { RunnerConfigSchema } from "../graph/schema";
import type { AnyTaskDefinition, Execution, TaskPorts } from "./define-task";

/** One entry of `GET /task-types`. */
export interface TaskTypeInfo {
  type: string;
  title: string;
  category: string;
  description?: string;
  execution: Execution;
  inputSchema: unknown;
  outputSchema: unknown;
  configSchema: unknown;
}

/** The task types a deployment knows, by `type`. */
export class TaskRegistry {
  private readonly defs = new Map<string, AnyTaskDefinition>();
  private readonly portCache = new WeakMap<TaskNode, TaskPorts>();

  constructor(defs: Iterable<AnyTaskDefinition> = []) {
    for (const d of defs) this.register(d);
  }

  /** Adds a task type; a second type with the same name is a programming error. */
  register(def: AnyTaskDefinition): this {
    if (this.defs.has(def.type)) throw new Error(`task type ${def.type} is already registered`);
    this.defs.set(def.type, def);
    return this;
  }

  get(type: string): AnyTaskDefinition | undefined {
    return this.defs.get(type);
  }

  has(type: string): boolean {
    return this.defs.has(type);
  }

  types(): string[] {
    return [...this.defs.keys()];
  }

  /**
   * The port schemas of one task instance (SPEC §8): the type's static schemas, or those it
   * computes from the instance. Undefined for an unknown type. Cached per task object.
   */
  portsOf = (task: TaskNode): TaskPorts | undefined => {
    const cached = this.portCache.get(task);
    if (cached) return cached;
    const def = this.defs.get(task.type);
    if (!def) return undefined;
    const ports = def.ports ? def.ports(task, this.portsOf) : { input: def.input, output: def.output };
    this.portCache.set(task, ports);
    return ports;
  };

  /** The catalog served by `GET /task-types`, sorted by category then type. */
  catalog(): TaskTypeInfo[] {
    return [...this.defs.values()]
      .map((d) => ({
        type: d.type,
        title: d.title,
        category: d.category,
        ...(d.description ? { description: d.description } : {}),
        execution: d.execution,
        inputSchema: d.input,
        outputSchema: d.output,
        configSchema: d.config ? Type.Composite([RunnerConfigSchema, d.config]) : RunnerConfigSchema,
      }))
      .sort((a, b) => a.category.localeCompare(b.category) || a.type.localeCompare(b.type));
  }
}
