import type { TaskTypeInfo } from "../../client";
import type { TaskNode } from "../../core/graph/schema";
import { createRegistry } from "../../tasks";
import type { InputSchemaOf, JsonSchema } from "./input-schema";

/*
 * A task's input ports. The page carries the same built-in task library as the Worker (one
 * build), so instance-dependent ports (Template variables, GraphAsTask) resolve exactly as the
 * validator resolves them; a type the page does not know (registered by the deployment) falls
 * back to its static schema from GET /task-types.
 */
let registry: ReturnType<typeof createRegistry> | undefined;

export function inputSchemaResolver(catalog: readonly TaskTypeInfo[]): InputSchemaOf {
  registry ??= createRegistry();
  const byType = new Map(catalog.map((t) => [t.type, t]));
  const known = registry;
  return (task: TaskNode) => {
    const served = byType.get(task.type);
    if (known.has(task.type)) return known.portsOf(task)?.input as JsonSchema | undefined;
    return served?.inputSchema as JsonSchema | undefined;
  };
}
