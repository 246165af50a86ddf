import { createRegistry } from "./tasks";

/**
 * The task types this deployment runs. The API (validation, /task-types), the RunObject (inline
 * tasks) and the queue consumer (queue tasks) all use this one registry. Add a custom task type
 * in one line: `createRegistry([MyTask])`.
 */
export const registry = createRegistry();
