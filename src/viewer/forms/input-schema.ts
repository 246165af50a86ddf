import type { GraphBody, TaskNode } from "../../core/graph/schema";

/*
 * The run input a graph reads (SPEC §2, §8), as one JSON Schema object to generate a form from:
 * a root task (no incoming dataflow) reads every key of the run input that is one of its input
 * ports; any other task reads the keys that are its input ports and that no dataflow into it
 * feeds. A port is required when its task's schema requires it and the task has no default for
 * it; a default becomes the field's default. Ports of the same name on several tasks are one
 * field (the first task's schema, required if any task requires it).
 */

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  description?: string;
  title?: string;
  default?: unknown;
  format?: string;
  minimum?: number;
  maximum?: number;
  [key: string]: unknown;
}

export interface InputField {
  name: string;
  schema: JsonSchema;
  required: boolean;
  default?: unknown;
  /** The tasks (keys) that read it. */
  usedBy: string[];
}

export interface RunInputSchema {
  fields: InputField[];
  /** True when some task reading the run input accepts any key (an open schema). */
  open: boolean;
}

/** A task's input port schema, or undefined when its type is unknown to the page. */
export type InputSchemaOf = (task: TaskNode) => JsonSchema | undefined;

export function runInputSchema(graph: GraphBody, inputSchemaOf: InputSchemaOf): RunInputSchema {
  const fedPorts = new Map<string, Set<string>>();
  for (const df of graph.dataflows ?? []) {
    let ports = fedPorts.get(df.targetTaskId);
    if (!ports) fedPorts.set(df.targetTaskId, (ports = new Set()));
    ports.add(df.targetTaskPortId);
  }
  const fields = new Map<string, InputField>();
  let open = false;
  for (const task of graph.tasks ?? []) {
    const schema = inputSchemaOf(task);
    if (!schema) continue;
    const fed = fedPorts.get(task.id) ?? new Set<string>();
    // A dataflow into "*" feeds the whole input object: nothing is left for the run input.
    if (fed.has("*")) continue;
    if (schema.additionalProperties !== false) open = true;
    const required = new Set(schema.required ?? []);
    for (const [name, portSchema] of Object.entries(schema.properties ?? {})) {
      if (fed.has(name)) continue;
      const hasDefault = task.defaults !== undefined && Object.hasOwn(task.defaults, name);
      const isRequired = required.has(name) && !hasDefault;
      const existing = fields.get(name);
      if (existing) {
        existing.required ||= isRequired;
        existing.usedBy.push(task.id);
        if (existing.default === undefined && hasDefault) existing.default = task.defaults?.[name];
        continue;
      }
      fields.set(name, { name, schema: portSchema, required: isRequired, ...(hasDefault ? { default: task.defaults?.[name] } : {}), usedBy: [task.id] });
    }
  }
  // Required first, then in the order the tasks list them.
  const list = [...fields.values()];
  return { fields: [...list.filter((f) => f.required), ...list.filter((f) => !f.required)], open };
}
