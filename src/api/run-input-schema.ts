import type { TSchema } from "@sinclair/typebox";
import { rootInputPorts } from "../core/graph/run-input";
import type { Graph } from "../core/graph/schema";
import type { TaskRegistry } from "../core/task/registry";

/*
 * The JSON Schema of a graph's run input, as published by `GET /endpoints/:slug/schema`: what
 * validateRunInput (src/core/graph/run-input.ts) checks before a run starts, written out. Root
 * tasks (no dataflow into them) receive the whole input, so each of their declared input ports
 * is a property; a port several roots declare must satisfy each of them (allOf). A port is
 * required when a root requires it and has no default for it. Other keys stay allowed: they may
 * feed non-root tasks' unfed ports (SPEC §8), or be ignored.
 */

type JsonSchema = Record<string, unknown>;

/** TypeBox schemas carry symbol keys; JSON keeps only the schema. */
function plain(schema: TSchema): JsonSchema {
  return JSON.parse(JSON.stringify(schema)) as JsonSchema;
}

export function runInputJsonSchema(graph: Graph, registry: TaskRegistry): JsonSchema {
  const properties = new Map<string, { schemas: JsonSchema[]; texts: Set<string>; readers: string[]; defaults: unknown[] }>();
  const required = new Set<string>();
  for (const { task, port, schema, required: portRequired } of rootInputPorts(graph, registry)) {
    let entry = properties.get(port);
    if (!entry) properties.set(port, (entry = { schemas: [], texts: new Set(), readers: [], defaults: [] }));
    const json = plain(schema);
    const text = JSON.stringify(json);
    if (!entry.texts.has(text)) {
      entry.texts.add(text);
      entry.schemas.push(json);
    }
    entry.readers.push(task.id);
    const hasDefault = !!task.defaults && Object.prototype.hasOwnProperty.call(task.defaults, port);
    if (hasDefault) entry.defaults.push(task.defaults![port]);
    else if (portRequired) required.add(port);
  }
  const props: Record<string, JsonSchema> = {};
  for (const [port, entry] of properties) {
    const base: JsonSchema = entry.schemas.length === 1 ? { ...entry.schemas[0] } : { allOf: entry.schemas };
    const readers = `Read by task${entry.readers.length > 1 ? "s" : ""} ${entry.readers.join(", ")}.`;
    base.description = typeof base.description === "string" ? `${base.description} ${readers}` : readers;
    // A single reader's default is what the run uses when the key is left out.
    if (entry.readers.length === 1 && entry.defaults.length === 1) base.default = entry.defaults[0];
    props[port] = base;
  }
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: `Input of ${graph.name}`,
    ...(graph.description ? { description: graph.description } : {}),
    type: "object",
    properties: props,
    ...(required.size ? { required: [...required].filter((p) => props[p]) } : {}),
  };
}
