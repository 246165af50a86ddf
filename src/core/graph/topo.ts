import type { GraphBody } from "./schema";

/**
 * The task ids of a graph body in dependency order (Kahn's algorithm). Stable: among tasks
 * that are ready together, the one listed first in `tasks` comes first, so a task list that is
 * already in dependency order comes back unchanged. O((V + E) log V) through a binary heap.
 *
 * For validated graphs: throws on a dataflow naming a missing task or on a cycle.
 */
export function topologicalOrder(body: GraphBody): string[] {
  const { tasks, dataflows } = body;
  const indexOf = new Map<string, number>();
  tasks.forEach((t, i) => {
    if (!indexOf.has(t.id)) indexOf.set(t.id, i);
  });
  const inDegree = new Int32Array(tasks.length);
  const out: number[][] = tasks.map(() => []);
  for (const df of dataflows) {
    const s = indexOf.get(df.sourceTaskId);
    const t = indexOf.get(df.targetTaskId);
    if (s === undefined || t === undefined) {
      throw new Error(`dataflow ${df.sourceTaskId} → ${df.targetTaskId} names a task that is not in the graph`);
    }
    out[s].push(t);
    inDegree[t]++;
  }
  const ready = new MinHeap();
  for (let i = 0; i < tasks.length; i++) if (inDegree[i] === 0) ready.push(i);
  const order: string[] = [];
  while (ready.size > 0) {
    const i = ready.pop();
    order.push(tasks[i].id);
    for (const t of out[i]) if (--inDegree[t] === 0) ready.push(t);
  }
  if (order.length !== tasks.length) {
    const stuck = tasks.filter((_, i) => inDegree[i] > 0).map((t) => t.id);
    throw new Error(`graph is not acyclic: ${stuck.slice(0, 10).join(", ")}${stuck.length > 10 ? ", …" : ""} wait on a cycle`);
  }
  return order;
}

/** A binary min-heap of task indexes. */
class MinHeap {
  private readonly items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  push(v: number): void {
    const a = this.items;
    a.push(v);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p] <= v) break;
      a[i] = a[p];
      i = p;
    }
    a[i] = v;
  }

  pop(): number {
    const a = this.items;
    const top = a[0];
    const last = a.pop() as number;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const c = r < a.length && a[r] < a[l] ? r : l;
        if (a[c] >= last) break;
        a[i] = a[c];
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}
