/**
 * How deep JSON values may nest. JSON.parse accepts any depth, but much of what handles the
 * parsed value recurses — TypeBox's checks (recursive schemas like Condition's predicates),
 * JSON.stringify, the structured clone behind Durable Object RPC — and overflows the stack at a
 * few thousand levels (under 1,500 for a predicate check in workerd). Real graphs and inputs
 * nest tens of levels; this bound keeps every recursion far from the edge.
 *
 * Request bodies are held to it at the HTTP edge (src/api/body.ts); validateGraph holds task
 * `defaults` and `config` values to it for callers that skip the edge.
 */
export const MAX_JSON_DEPTH = 512;

/**
 * The path (raw tokens) to the first object or array of `value` nested more than `max` levels
 * deep, or undefined when there is none. A scalar has depth 0, `[]` and `{}` depth 1, `[[1]]`
 * depth 2. Walks without recursion (that is the point) and stops at the first offender, so
 * hostile input costs no more than its size. It runs on every request body: the common answer
 * (none) takes one allocation-light pass, about a sixth of JSON.parse's time on the same value;
 * only an offender pays for a second pass that records its path.
 */
export function tooDeepAt(value: unknown, max: number = MAX_JSON_DEPTH): string[] | undefined {
  return exceeds(value, max) ? offenderPath(value as object, max) : undefined;
}

function exceeds(value: unknown, max: number): boolean {
  if (typeof value !== "object" || value === null) return false;
  const nodes: object[] = [value];
  const depths: number[] = [1];
  while (nodes.length > 0) {
    const node = nodes.pop() as object;
    const depth = depths.pop() as number;
    if (depth > max) return true;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const child: unknown = node[i];
        if (typeof child === "object" && child !== null) {
          nodes.push(child);
          depths.push(depth + 1);
        }
      }
    } else {
      // for…in, not Object.keys: no array per object (twice as fast on a 10,000-task graph).
      for (const key in node) {
        const child = (node as Record<string, unknown>)[key];
        if (typeof child === "object" && child !== null) {
          nodes.push(child);
          depths.push(depth + 1);
        }
      }
    }
  }
  return false;
}

/** The same walk, keeping each node's parent and key to name the offender. */
function offenderPath(value: object, max: number): string[] {
  interface Entry {
    node: object;
    depth: number;
    parent?: Entry;
    key?: string;
  }
  const stack: Entry[] = [{ node: value, depth: 1 }];
  while (stack.length > 0) {
    const entry = stack.pop() as Entry;
    if (entry.depth > max) {
      const path: string[] = [];
      for (let e: Entry | undefined = entry; e?.parent; e = e.parent) path.push(e.key as string);
      return path.reverse();
    }
    const keys = Array.isArray(entry.node) ? entry.node.map((_, i) => String(i)) : Object.keys(entry.node);
    for (let i = keys.length - 1; i >= 0; i--) {
      const child = (entry.node as Record<string, unknown>)[keys[i]];
      if (typeof child === "object" && child !== null) stack.push({ node: child, depth: entry.depth + 1, parent: entry, key: keys[i] });
    }
  }
  return [];
}
