import { type TObject, type TSchema, Type } from "@sinclair/typebox";
import type { TaskPorts } from "../task/define-task";
import { ERROR_PORT, WHOLE_PORT } from "./dataflow-id";
import type { TaskNode } from "./schema";

/**
 * Port schemas of one task instance, as dataflows see them (SPEC §1, §8): a port is a property
 * of the instance's input or output schema; an open schema (`additionalProperties` not false)
 * accepts any other name, typed by `additionalProperties` when that is a schema and `{}`
 * otherwise; `*` is the whole object and `[error]` the source task's error.
 */

/** SPEC §4: what an `[error]` dataflow carries. */
export const ErrorValueSchema = Type.Object(
  { name: Type.String(), message: Type.String(), code: Type.Optional(Type.String()) },
  { additionalProperties: false },
);

/** SPEC §2: a GraphAsTask merging with GRAPH_RESULT_ARRAY outputs an array, reachable through `*` only. */
export const GraphResultArraySchema = Type.Array(Type.Object({ id: Type.String(), type: Type.String(), data: Type.Unknown() }));

const ANY: TSchema = Type.Unknown();

export function isOpenSchema(schema: TObject): boolean {
  return schema.additionalProperties !== false;
}

/** The declared port names of an input or output schema. */
export function declaredPorts(schema: TObject): string[] {
  return Object.keys(schema.properties ?? {});
}

/** The schema of port `name` of an input or output object schema; undefined when there is no such port. */
export function propertySchema(schema: TObject, name: string): TSchema | undefined {
  const props = schema.properties as Record<string, TSchema> | undefined;
  if (props && Object.prototype.hasOwnProperty.call(props, name)) return props[name];
  const extra = schema.additionalProperties;
  if (extra === false) return undefined;
  return typeof extra === "object" && extra !== null ? (extra as TSchema) : ANY;
}

/**
 * What leaves a source port; undefined when the task has no such output port. `*` is the whole
 * output: `ports.whole` when the instance says it is not its output object (a subgraph merged
 * with GRAPH_RESULT_ARRAY gives an array).
 */
export function outputPortSchema(_task: TaskNode, ports: TaskPorts, port: string): TSchema | undefined {
  if (port === WHOLE_PORT) return ports.whole ?? ports.output;
  if (port === ERROR_PORT) return ErrorValueSchema;
  return propertySchema(ports.output, port);
}

/** What a target port accepts; undefined when the task has no such input port (`[error]` is never one). */
export function inputPortSchema(ports: TaskPorts, port: string): TSchema | undefined {
  if (port === WHOLE_PORT) return wholeInputSchema(ports.input);
  if (port === ERROR_PORT) return undefined;
  return propertySchema(ports.input, port);
}

const wholeInputCache = new WeakMap<TObject, TSchema>();

/**
 * The whole input as a `*` dataflow fills it: the input schema without `required`, since the
 * ports that value leaves out may still come from defaults, other dataflows or the run input
 * (SPEC §8). Undeclared keys stay as the schema says (rejected by a closed one).
 */
export function wholeInputSchema(input: TObject): TSchema {
  let s = wholeInputCache.get(input);
  if (!s) {
    const { required: _required, ...rest } = input;
    s = rest as TSchema;
    wholeInputCache.set(input, s);
  }
  return s;
}
