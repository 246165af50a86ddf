/*
 * Keys that name a task or a dataflow anywhere in a run, subgraphs included.
 * Task ids cannot contain "/" or whitespace (src/core/graph/schema.ts), so a task's key is its
 * path and id joined by "/" and a dataflow's key its path and id joined by a newline: both
 * are unambiguous.
 */

/** `sub/inner` for task `inner` inside GraphAsTask `sub`; `a` at top level. */
export function taskKey(taskId: string, path?: string): string {
  return path ? `${path}/${taskId}` : taskId;
}

export function dataflowKey(dataflowId: string, path?: string): string {
  return `${path ?? ""}\n${dataflowId}`;
}

/** The enclosing GraphAsTask keys of a task key, outermost first: `a/b/c` → [`a`, `a/b`]. */
export function ancestorsOf(key: string): string[] {
  const parts = key.split("/");
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join("/"));
  return out;
}

/**
 * A Map iteration's task or dataflow path mapped onto the Map's subgraph as drawn: `m[3]/q` → `m/q`.
 * Task ids cannot contain "[" or "]", so a `[n]` in a key is always an iteration index.
 */
export function templateKey(key: string): string {
  return key.includes("[") ? key.replace(/\[\d+\]/g, "") : key;
}

/** Whether a task path lies inside a Map iteration (`m[3]`, `sub/m[0]/inner`). */
export function inIteration(path: string | undefined): boolean {
  return path !== undefined && path.includes("[");
}
