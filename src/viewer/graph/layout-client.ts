import { type Layout, layoutView } from "./layout";
import type { ViewModel } from "./model";

/** Lays out in a Web Worker (assets/layout-worker.js); on the page itself when workers are unavailable. */
export class LayoutClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (l: Layout) => void; reject: (e: Error) => void }>();

  constructor(workerUrl: string) {
    try {
      this.worker = new Worker(workerUrl);
      this.worker.addEventListener("message", (event: MessageEvent<{ id: number; layout?: Layout; error?: string }>) => {
        const p = this.pending.get(event.data.id);
        if (!p) return;
        this.pending.delete(event.data.id);
        if (event.data.layout) p.resolve(event.data.layout);
        else p.reject(new Error(event.data.error ?? "layout failed"));
      });
      this.worker.addEventListener("error", () => {
        // The worker could not load: lay out on the page from now on.
        const waiting = [...this.pending.values()];
        this.pending.clear();
        this.worker = undefined;
        for (const p of waiting) p.reject(new Error("layout worker failed"));
      });
    } catch {
      this.worker = undefined;
    }
  }

  layout(view: ViewModel): Promise<Layout> {
    const worker = this.worker;
    if (!worker) return Promise.resolve().then(() => layoutView(view));
    const id = this.nextId++;
    return new Promise<Layout>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, view });
    }).catch(() => layoutView(view));
  }
}
