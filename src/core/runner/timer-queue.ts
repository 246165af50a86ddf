/** A due time and what is due; `seq` breaks ties in arming order, which keeps firing order deterministic. */
export interface QueuedTimer<T> {
  id: string;
  at: number;
  seq: number;
  item: T;
  cancelled: boolean;
}

/** A binary min-heap of timers by (at, seq) with cancellation by id (lazy deletion). */
export class TimerQueue<T> {
  private readonly heap: QueuedTimer<T>[] = [];
  private readonly byId = new Map<string, QueuedTimer<T>>();
  private seq = 0;

  get size(): number {
    return this.byId.size;
  }

  add(id: string, at: number, item: T): void {
    this.cancel(id);
    const timer: QueuedTimer<T> = { id, at, seq: this.seq++, item, cancelled: false };
    this.byId.set(id, timer);
    this.heap.push(timer);
    this.up(this.heap.length - 1);
  }

  cancel(id: string): void {
    const timer = this.byId.get(id);
    if (!timer) return;
    timer.cancelled = true;
    this.byId.delete(id);
  }

  /** The earliest live timer, without removing it. */
  peek(): QueuedTimer<T> | undefined {
    this.dropCancelled();
    return this.heap[0];
  }

  /** Removes and returns the earliest live timer. */
  pop(): QueuedTimer<T> | undefined {
    this.dropCancelled();
    const top = this.heap[0];
    if (!top) return undefined;
    this.removeTop();
    this.byId.delete(top.id);
    return top;
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && this.heap[0].cancelled) this.removeTop();
  }

  private removeTop(): void {
    const last = this.heap.pop() as QueuedTimer<T>;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
  }

  private less(a: QueuedTimer<T>, b: QueuedTimer<T>): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i], h[parent])) break;
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l], h[m])) m = l;
      if (r < h.length && this.less(h[r], h[m])) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }
}
