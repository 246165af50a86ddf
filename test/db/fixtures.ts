import type { Graph } from "../../src/core/graph/schema";

/**
 * A valid graph of `taskCount` Identity tasks in a chain-like DAG: task i is fed by up to
 * `fanIn` earlier tasks (i-1 … i-fanIn), alternating the `value` and `*` ports so dataflows are
 * all distinct. Some tasks carry a name, defaults and config, so every column is exercised.
 */
export function largeGraph(taskCount: number, fanIn: number, name = "large"): Graph {
  const tasks: Graph["tasks"] = [];
  const dataflows: Graph["dataflows"] = [];
  for (let i = 0; i < taskCount; i++) {
    const task: Graph["tasks"][number] = { id: `t${i}`, type: "Identity" };
    if (i % 3 === 0) task.name = `Task ${i} — ünïcødé`;
    if (i % 5 === 0) task.defaults = { value: { n: i, tags: ["a", "b"], nested: { ok: i % 2 === 0 } } };
    if (i % 7 === 0) task.config = { retry: { maxAttempts: 3, backoff: "exponential", initialDelayMs: 10 }, timeoutMs: 1000 + i };
    tasks.push(task);
    for (let k = 1; k <= fanIn && i - k >= 0; k++) {
      const whole = (i + k) % 2 === 0;
      dataflows.push({
        sourceTaskId: `t${i - k}`,
        sourceTaskPortId: whole ? "*" : "value",
        targetTaskId: `t${i}`,
        targetTaskPortId: whole ? "*" : "value",
      });
    }
  }
  return { name, description: `${taskCount} tasks`, merge: "GRAPH_RESULT_ARRAY", tasks, dataflows };
}
