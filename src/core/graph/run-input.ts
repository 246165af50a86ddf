import type { TSchema } from "@sinclair/typebox";
import type { TaskRegistry } from "../task/registry";
import { pointer } from "./pointer";
import { declaredPorts, propertySchema } from "./ports";
import type { Graph, TaskNode } from "./schema";
import { schemaErrors } from "./schema-errors";
import type { ValidationError } from "./validation-error";

/** One input port of a root task (a task no dataflow feeds): the run input reaches it by name. */
export interface RootInputPort {
  task: TaskNode;
  port: string;
  schema: TSchema;
  /** The port's schema requires it. */
  required: boolean;
}

/** Every declared input port of the graph's root tasks, in task then port order. */
export function* rootInputPorts(graph: Graph, registry: TaskRegistry): Generator<RootInputPort> {
  const fed = new Set(graph.dataflows.map((d) => d.targetTaskId));
  for (const task of graph.tasks) {
    if (fed.has(task.id)) continue;
    const ports = registry.portsOf(task);
    if (!ports) continue;
    for (const port of declaredPorts(ports.input)) {
      const schema = propertySchema(ports.input, port);
      if (schema) yield { task, port, schema, required: ports.input.required?.includes(port) ?? false };
    }
  }
}

/**
 * Checks a run input against the graph's root tasks (the tasks no dataflow feeds), which receive
 * all of it (SPEC §2): each key a root declares must fit that port's schema, and each required
 * root port must come from the task's defaults or the input. Paths point into the request body
 * (`/input/<key>`). Non-root tasks are checked when their input is assembled at dispatch.
 */
export function validateRunInput(graph: Graph, input: unknown, registry: TaskRegistry): ValidationError[] {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    return [{ path: "/input", message: "must be a JSON object" }];
  }
  const given = input as Record<string, unknown>;
  const errors: ValidationError[] = [];
  const seen = new Set<string>();
  const report = (e: ValidationError) => {
    const k = `${e.path}\u0000${e.message}`;
    if (!seen.has(k)) {
      seen.add(k);
      errors.push(e);
    }
  };
  for (const { task, port, schema, required } of rootInputPorts(graph, registry)) {
    // Own keys only: a port named like an Object.prototype member ("constructor") must still be given.
    if (Object.hasOwn(given, port)) {
      for (const e of schemaErrors(schema, given[port], pointer("/input", port))) report({ path: e.path, message: `${e.message} (input of task ${task.id})` });
    } else if (required && !(task.defaults && Object.hasOwn(task.defaults, port))) {
      report({ path: pointer("/input", port), message: `is required by task ${task.id}` });
    }
  }
  return errors;
}
