/**
 * Cycle detection in O(V + E): Tarjan's strongly connected components, then, inside each
 * component that has a cycle, one concrete cycle found by a depth-first walk restricted to it.
 * One cycle per component: a component can hold exponentially many cycles, and breaking the
 * one reported is what the user does next anyway.
 */

/**
 * Edges between node indexes as parallel arrays (no object per edge: graphs have 50,000);
 * `id[k]` identifies edge k to the caller (the dataflow index).
 */
export class EdgeList {
  readonly from: number[] = [];
  readonly to: number[] = [];
  readonly id: number[] = [];

  get length(): number {
    return this.from.length;
  }

  add(from: number, to: number, id: number): void {
    this.from.push(from);
    this.to.push(to);
    this.id.push(id);
  }
}

export interface Cycle {
  /** Node indexes in order along the cycle; the last one has an edge back to the first. */
  nodes: number[];
  /** The id of the edge from the last node back to the first, closing the cycle. */
  edge: number;
}

/** Adjacency in compressed form: the edges leaving node n are `order[start[n] .. start[n+1])`, in input order. */
function adjacency(nodeCount: number, edges: EdgeList): { start: Int32Array; order: Int32Array } {
  const start = new Int32Array(nodeCount + 1);
  for (const f of edges.from) start[f + 1]++;
  for (let n = 0; n < nodeCount; n++) start[n + 1] += start[n];
  const fill = start.slice(0, nodeCount);
  const order = new Int32Array(edges.length);
  for (let k = 0; k < edges.length; k++) order[fill[edges.from[k]]++] = k;
  return { start, order };
}

/** Every strongly connected component that contains a cycle, one cycle each, ordered by closing edge. */
export function findCycles(nodeCount: number, edges: EdgeList): Cycle[] {
  const { start, order } = adjacency(nodeCount, edges);
  const component = strongComponents(nodeCount, edges, start, order);

  // A component holds a cycle when it has an edge inside it (two or more nodes, or a self-loop).
  const cyclic = new Set<number>();
  for (let k = 0; k < edges.length; k++) {
    if (component[edges.from[k]] === component[edges.to[k]]) cyclic.add(component[edges.from[k]]);
  }
  if (cyclic.size === 0) return [];

  const cycles: Cycle[] = [];
  const visited = new Uint8Array(nodeCount);
  const pathPos = new Int32Array(nodeCount).fill(-1);
  const next = new Int32Array(nodeCount);
  for (let root = 0; root < nodeCount; root++) {
    const c = component[root];
    if (!cyclic.has(c)) continue;
    cyclic.delete(c); // the lowest-index node of each component is its walk's root
    cycles.push(walkToCycle(root, c, edges, start, order, component, visited, pathPos, next));
  }
  return cycles.sort((a, b) => a.edge - b.edge);
}

/**
 * Depth-first from `root` over edges inside its component until an edge returns to a node on
 * the current path. In a strongly connected component that must happen (every node reaches the
 * root), and each node and edge is looked at once at most.
 */
function walkToCycle(
  root: number,
  comp: number,
  edges: EdgeList,
  start: Int32Array,
  order: Int32Array,
  component: Int32Array,
  visited: Uint8Array,
  pathPos: Int32Array,
  next: Int32Array,
): Cycle {
  const path: number[] = [root];
  visited[root] = 1;
  pathPos[root] = 0;
  next[root] = start[root];
  while (path.length > 0) {
    const u = path[path.length - 1];
    if (next[u] === start[u + 1]) {
      pathPos[u] = -1;
      path.pop();
      continue;
    }
    const k = order[next[u]++];
    const v = edges.to[k];
    if (component[v] !== comp) continue;
    if (pathPos[v] >= 0) {
      const nodes = path.slice(pathPos[v]);
      for (const n of path) pathPos[n] = -1;
      return { nodes, edge: edges.id[k] };
    }
    if (visited[v]) continue;
    visited[v] = 1;
    pathPos[v] = path.length;
    next[v] = start[v];
    path.push(v);
  }
  throw new Error("unreachable: a cyclic component without a cycle");
}

/** Tarjan's algorithm, iterative (graphs of 10,000 tasks would overflow a recursive one). */
function strongComponents(nodeCount: number, edges: EdgeList, start: Int32Array, order: Int32Array): Int32Array {
  const index = new Int32Array(nodeCount).fill(-1);
  const low = new Int32Array(nodeCount);
  const onStack = new Uint8Array(nodeCount);
  const component = new Int32Array(nodeCount).fill(-1);
  const next = new Int32Array(nodeCount);
  const stack: number[] = [];
  const calls: number[] = [];
  let counter = 0;
  let components = 0;

  for (let root = 0; root < nodeCount; root++) {
    if (index[root] !== -1) continue;
    const enter = (n: number) => {
      index[n] = low[n] = counter++;
      next[n] = start[n];
      stack.push(n);
      onStack[n] = 1;
      calls.push(n);
    };
    enter(root);
    while (calls.length > 0) {
      const u = calls[calls.length - 1];
      if (next[u] < start[u + 1]) {
        const v = edges.to[order[next[u]++]];
        if (index[v] === -1) enter(v);
        else if (onStack[v] && index[v] < low[u]) low[u] = index[v];
        continue;
      }
      calls.pop();
      if (calls.length > 0) {
        const parent = calls[calls.length - 1];
        if (low[u] < low[parent]) low[parent] = low[u];
      }
      if (low[u] === index[u]) {
        let n: number;
        do {
          n = stack.pop() as number;
          onStack[n] = 0;
          component[n] = components;
        } while (n !== u);
        components++;
      }
    }
  }
  return component;
}
