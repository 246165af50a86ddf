import type { TObject } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { TaskInvalidInputError } from "../task/errors";
import { type CompiledGraph, type CompiledTask, fedPorts, SPREAD, scopeInputPorts, TO_ARRAY, TO_WHOLE } from "./compile";
import type { EdgeTable } from "./rows";
import { checkerFor } from "./schema-check";

const hasOwn = Object.prototype.hasOwnProperty;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isEmpty(o: Record<string, unknown>): boolean {
  for (const k in o) if (hasOwn.call(o, k)) return false;
  return true;
}

function kindOf(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
}

/**
 * SPEC §2/§8 input of a task, lowest precedence first:
 * 1. its `defaults`;
 * 2. the scope input (the run input, or a GraphAsTask's input for its subgraph): only keys that are
 *    ports of the task (any key when its schema is open) and that no dataflow into the task feeds;
 * 3. `*` dataflows (their object's keys, in dataflow order);
 * 4. port dataflows in dataflow order: a scalar port takes the last value, an array-typed port
 *    collects every value (an array value is spread unless the port's items are arrays).
 * Only COMPLETED dataflows contribute; a SKIPPED one leaves its port to defaults.
 * Throws TaskInvalidInputError when a `*` dataflow delivers something that is not an object.
 */
export function assembleInput(
  task: CompiledTask,
  g: CompiledGraph,
  table: EdgeTable,
  scopeInput: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const input: Record<string, unknown> = task.defaults ? { ...task.defaults } : {};
  if (scopeInput && !isEmpty(scopeInput)) {
    if (task.openInput) {
      const fed = fedPorts(g, task);
      for (const k in scopeInput) if (hasOwn.call(scopeInput, k) && !fed.includes(k)) input[k] = scopeInput[k];
    } else {
      const ports = scopeInputPorts(g, task);
      for (let i = 0; i < ports.length; i++) {
        const k = ports[i];
        if (hasOwn.call(scopeInput, k)) input[k] = scopeInput[k];
      }
    }
  }
  const { status, value } = table;
  const edges = g.edges;
  const inEdges = task.inEdges;
  if (task.wholeInput) {
    for (let i = 0; i < inEdges.length; i++) {
      const ei = inEdges[i];
      const v = value[ei];
      if ((edges[ei].flags & TO_WHOLE) === 0 || status[ei] !== "COMPLETED" || v === undefined) continue;
      if (!isRecord(v)) throw new TaskInvalidInputError(`dataflow "${edges[ei].id}" delivers ${kindOf(v)} to "*", which takes an object`);
      Object.assign(input, v);
    }
  }
  // Array ports collected in this assembly (a port's first value replaces what defaults or the scope input put there).
  let collected: Array<unknown[]> | undefined;
  for (let i = 0; i < inEdges.length; i++) {
    const ei = inEdges[i];
    const v = value[ei];
    if (status[ei] !== "COMPLETED" || v === undefined) continue;
    const { flags, targetPort } = edges[ei];
    if ((flags & TO_ARRAY) === 0) {
      if ((flags & TO_WHOLE) === 0) input[targetPort] = v;
      continue;
    }
    let list = input[targetPort] as unknown[];
    if (collected === undefined || !collected.includes(list)) {
      list = input[targetPort] = [];
      (collected ??= []).push(list);
    }
    if ((flags & SPREAD) !== 0 && Array.isArray(v)) for (let j = 0; j < v.length; j++) list.push(v[j]);
    else list.push(v);
  }
  return input;
}

const MAX_REPORTED = 5;

/** Validates an assembled input against the task's input schema; the error names each failing port. */
export function checkInput(schema: TObject, input: Record<string, unknown>): void {
  if (checkerFor(schema)(input)) return;
  const problems: string[] = [];
  for (const e of Value.Errors(schema, input)) {
    const port = e.path.split("/")[1];
    problems.push(port === undefined || port === "" ? e.message : `port "${port.replace(/~1/g, "/").replace(/~0/g, "~")}"${e.path.length > port.length + 1 ? ` at ${e.path}` : ""}: ${e.message}`);
    if (problems.length === MAX_REPORTED) break;
  }
  throw new TaskInvalidInputError(`invalid input: ${problems.join("; ") || "does not match the input schema"}`);
}
