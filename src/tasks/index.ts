import type { AnyTaskDefinition } from "../core/task/define-task";
import { TaskRegistry } from "../core/task/registry";
import { Add, Divide, Multiply, Round, Subtract } from "./arithmetic";
import { Assert } from "./assert";
import { Condition } from "./condition";
import { Delay } from "./delay";
import { createFetchTask, Fetch, type FetchDeploymentOptions } from "./fetch";
import { FormatDate } from "./format-date";
import { GraphAsTask } from "./graph-as-task";
import { Identity } from "./identity";
import { Log } from "./log";
import { MapTask } from "./map";
import { Merge } from "./merge";
import { Pick } from "./pick";
import { Template } from "./template";
import { Concat, Length, Lowercase, Replace, Split, Uppercase } from "./text";
import { Transform } from "./transform";
import { WaitForSignal } from "./wait-for-signal";

/** Every built-in task type (Fetch with the default deployment settings). */
export const builtinTasks: AnyTaskDefinition[] = [
  // control
  Template,
  Assert,
  Delay,
  WaitForSignal,
  Condition,
  Log,
  GraphAsTask,
  MapTask,
  // network
  Fetch,
  // data
  Identity,
  Pick,
  Merge,
  Transform,
  // scalars
  Add,
  Subtract,
  Multiply,
  Divide,
  Round,
  Uppercase,
  Lowercase,
  Concat,
  Split,
  Replace,
  Length,
  FormatDate,
];

/** Deployment settings of the built-ins. */
export interface BuiltinOptions {
  /** Fetch's allow-list ceiling, response size limit and default timeout. */
  fetch?: FetchDeploymentOptions;
}

/**
 * A registry with the built-ins plus a deployment's own task types — registering yours is one line:
 * `createRegistry([Slugify, Sha256])`. `options` configures the built-ins, e.g.
 * `createRegistry([], { fetch: { allowHosts: parseHostList(env.FETCH_ALLOW_HOSTS) } })`.
 */
export function createRegistry(extra: Iterable<AnyTaskDefinition> = [], options: BuiltinOptions = {}): TaskRegistry {
  const builtins = options.fetch ? builtinTasks.map((d) => (d === Fetch ? createFetchTask(options.fetch) : d)) : builtinTasks;
  return new TaskRegistry([...builtins, ...extra]);
}

export { defineTask } from "../core/task/define-task";
export { PermanentTaskError, TaskAbortedError, TaskError } from "../core/task/errors";
export { throwIfAborted } from "./lib/abort";
export { defineGraphTask, GraphAsTask, subgraphPorts } from "./graph-as-task";
export { DEFAULT_MAP_CONCURRENCY, MapTask, mapPorts, MAX_MAP_CONCURRENCY, MAX_MAP_ITEMS } from "./map";
export { defineQueueTask } from "./job-queue-task";
export { createFetchTask, Fetch, type FetchDeploymentOptions } from "./fetch";
export { parseHostList } from "./http/allow-list";
export { Add, Assert, Concat, Condition, Delay, Divide, FormatDate, Identity, Length, Log, Lowercase, Merge, Multiply, Pick, Replace, Round, Split, Subtract, Template, Transform, Uppercase, WaitForSignal };
