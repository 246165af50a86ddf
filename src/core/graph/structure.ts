import type { TString } from "@sinclair/typebox";
import { LONE_SURROGATE_MESSAGE, isWellFormedText } from "../unicode";
import { pointer } from "./pointer";
import {
  GraphDescriptionSchema,
  GraphNameSchema,
  MergeStrategySchema,
  PortIdSchema,
  TaskIdSchema,
  TaskLabelSchema,
  TaskTypeNameSchema,
} from "./schema";
import type { ValidationError } from "./validation-error";

/**
 * The shape checks of graph JSON: which fields exist and have the right JSON types, with the
 * bounds of schema.ts. Written by hand rather than run through TypeBox's error iterator because
 * they sit on the hot path (50,000 dataflows) and because each message should name the fix
 * ("must not contain /, [, ] or whitespace") rather than a regular expression. The bounds are
 * read from the TypeBox schemas, which stay the one source of truth (and of the OpenAPI document).
 */

export type JsonObject = Record<string, unknown>;

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const TASK_ID_PATTERN = new RegExp(TaskIdSchema.pattern ?? "");
const TASK_ID_PATTERN_MESSAGE = "must not contain /, [, ] or whitespace";
const MERGE_STRATEGIES: unknown[] = MergeStrategySchema.anyOf.map((l) => l.const);

const TASK_FIELDS = ["id", "type", "name", "defaults", "config", "subgraph", "merge"];
const TASK_FIELD_SET = new Set(TASK_FIELDS);
const DATAFLOW_FIELDS = ["sourceTaskId", "sourceTaskPortId", "targetTaskId", "targetTaskPortId"] as const;
const DATAFLOW_FIELD_SET = new Set<string>(DATAFLOW_FIELDS);
const BODY_FIELDS = new Set(["tasks", "dataflows"]);

/**
 * Checks one string field against a TypeBox string schema's bounds. Returns the string when it
 * is usable, undefined otherwise (missing, wrong type or out of bounds, each reported).
 */
function stringField(
  obj: JsonObject,
  key: string,
  schema: TString,
  base: string,
  errors: ValidationError[],
  opts: { required: boolean; pattern?: RegExp; patternMessage?: string },
): string | undefined {
  const v = obj[key];
  const path = `${base}/${key}`;
  if (v === undefined) {
    if (opts.required) errors.push({ path, message: "is required" });
    return undefined;
  }
  if (typeof v !== "string") {
    errors.push({ path, message: "must be a string" });
    return undefined;
  }
  const before = errors.length;
  if (schema.minLength !== undefined && v.length < schema.minLength) {
    errors.push({ path, message: schema.minLength === 1 ? "must not be empty" : `must be at least ${schema.minLength} characters` });
  }
  if (schema.maxLength !== undefined && v.length > schema.maxLength) {
    errors.push({ path, message: `must be at most ${schema.maxLength} characters` });
  }
  if (opts.pattern && v.length > 0 && !opts.pattern.test(v)) {
    errors.push({ path, message: opts.patternMessage ?? `must match the pattern ${opts.pattern.source}` });
  }
  if (!isWellFormedText(v)) errors.push({ path, message: LONE_SURROGATE_MESSAGE });
  return errors.length === before ? v : undefined;
}

function mergeField(obj: JsonObject, base: string, errors: ValidationError[]): boolean {
  const v = obj.merge;
  if (v === undefined || MERGE_STRATEGIES.includes(v)) return true;
  errors.push({ path: `${base}/merge`, message: `must be one of ${MERGE_STRATEGIES.map((m) => JSON.stringify(m)).join(", ")}` });
  return false;
}

function objectField(obj: JsonObject, key: string, base: string, errors: ValidationError[]): boolean {
  const v = obj[key];
  if (v === undefined || isJsonObject(v)) return true;
  errors.push({ path: `${base}/${key}`, message: "must be an object" });
  return false;
}

/** The top-level fields of a graph besides its body. Unknown top-level keys are ignored, so a
 * graph fetched from the API (with `id`, `version`…) can be sent back as is. */
export function checkGraphHeader(graph: JsonObject, errors: ValidationError[]): void {
  stringField(graph, "name", GraphNameSchema, "", errors, { required: true });
  stringField(graph, "description", GraphDescriptionSchema, "", errors, { required: false });
  mergeField(graph, "", errors);
}

/**
 * `tasks` and `dataflows` of a graph or subgraph: the arrays, or empty ones when absent or
 * malformed (reported). A subgraph accepts no other key.
 */
export function checkBodyShape(
  body: JsonObject,
  base: string,
  isSubgraph: boolean,
  errors: ValidationError[],
): { tasks: unknown[]; dataflows: unknown[] } {
  if (isSubgraph) {
    for (const key of Object.keys(body)) {
      if (!BODY_FIELDS.has(key)) errors.push({ path: pointer(base, key), message: "is not a subgraph field (a subgraph has tasks and dataflows)" });
    }
  }
  const list = (key: "tasks" | "dataflows"): unknown[] => {
    const v = body[key];
    if (Array.isArray(v)) return v;
    errors.push({ path: `${base}/${key}`, message: v === undefined ? "is required" : "must be an array" });
    return [];
  };
  return { tasks: list("tasks"), dataflows: list("dataflows") };
}

export interface TaskShape {
  /** The id when it is a valid id (dataflows may then point at the task). */
  id?: string;
  /** The type name when it is a valid string. */
  type?: string;
  /** `defaults` and `config` are objects or absent: what port resolution and the per-key checks read. */
  settingsOk: boolean;
}

export function checkTaskShape(task: JsonObject, base: string, errors: ValidationError[]): TaskShape {
  for (const key of Object.keys(task)) {
    if (!TASK_FIELD_SET.has(key)) {
      errors.push({ path: pointer(base, key), message: `is not a task field (a task has ${TASK_FIELDS.join(", ")})` });
    }
  }
  const id = stringField(task, "id", TaskIdSchema, base, errors, { required: true, pattern: TASK_ID_PATTERN, patternMessage: TASK_ID_PATTERN_MESSAGE });
  const type = stringField(task, "type", TaskTypeNameSchema, base, errors, { required: true });
  stringField(task, "name", TaskLabelSchema, base, errors, { required: false });
  const defaultsOk = objectField(task, "defaults", base, errors);
  const configOk = objectField(task, "config", base, errors);
  mergeField(task, base, errors);
  return { id, type, settingsOk: defaultsOk && configOk };
}

export type DataflowShape = { [K in (typeof DATAFLOW_FIELDS)[number]]?: string } & { ok: boolean };

/** Each field is returned when valid, so a dataflow with one bad field still gets its other checks. */
export function checkDataflowShape(df: JsonObject, base: string, errors: ValidationError[]): DataflowShape {
  const before = errors.length;
  for (const key of Object.keys(df)) {
    if (!DATAFLOW_FIELD_SET.has(key)) {
      errors.push({ path: pointer(base, key), message: `is not a dataflow field (a dataflow has ${DATAFLOW_FIELDS.join(", ")})` });
    }
  }
  const task = { required: true, pattern: TASK_ID_PATTERN, patternMessage: TASK_ID_PATTERN_MESSAGE };
  const shape: DataflowShape = {
    sourceTaskId: stringField(df, "sourceTaskId", TaskIdSchema, base, errors, task),
    sourceTaskPortId: stringField(df, "sourceTaskPortId", PortIdSchema, base, errors, { required: true }),
    targetTaskId: stringField(df, "targetTaskId", TaskIdSchema, base, errors, task),
    targetTaskPortId: stringField(df, "targetTaskPortId", PortIdSchema, base, errors, { required: true }),
    ok: false,
  };
  shape.ok = errors.length === before;
  return shape;
}
