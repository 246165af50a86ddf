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
