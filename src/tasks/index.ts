import type { AnyTaskDefinition } from "../core/task/define-task";
import { TaskRegistry } from "../core/task/registry";
import { Assert } from "./assert";
import { Delay } from "./delay";
import { Fetch } from "./fetch";
import { GraphAsTask } from "./graph-as-task";
import { Add, Identity, Multiply, Uppercase } from "./scalars";
import { Template } from "./template";
import { WaitForSignal } from "./wait-for-signal";

/** Every built-in task type. */
export const builtinTasks: AnyTaskDefinition[] = [Template, Assert, Delay, WaitForSignal, Fetch, GraphAsTask, Identity, Add, Multiply, Uppercase];

/** A registry with the built-ins plus any custom types: `createRegistry([MyTask])`. */
export function createRegistry(extra: Iterable<AnyTaskDefinition> = []): TaskRegistry {
  return new TaskRegistry([...builtinTasks, ...extra]);
}
