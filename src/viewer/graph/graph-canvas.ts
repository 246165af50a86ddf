import type { GraphBody } from "../../core/graph/schema";
import { h } from "../dom";
import { DagView, type DagViewOptions } from "./dag-view";
import { LayoutClient } from "./layout-client";
import { defaultExpanded, type FlatGraph, flattenGraph, viewModel } from "./model";

let sharedLayoutClient: LayoutClient | undefined;
function layoutClient(): LayoutClient {
  sharedLayoutClient ??= new LayoutClient(new URL("assets/layout-worker.js", document.baseURI).href);
  return sharedLayoutClient;
}

/**
 * A graph drawn on the page: flattens it, lays it out off-thread, draws it, and lays it out again
 * only when a subgraph is opened or closed.
 */
export class GraphCanvas {
  readonly element: HTMLElement;
  readonly flat: FlatGraph;
  readonly view: DagView;
  private expanded: Set<string>;
  private readonly status: HTMLElement;
  private generation = 0;

  constructor(graph: GraphBody, options: Omit<DagViewOptions, "onToggleGroup">) {
    this.flat = flattenGraph(graph);
    this.expanded = defaultExpanded(this.flat);
    this.view = new DagView(this.flat, { ...options, onToggleGroup: (key) => this.toggle(key) });
    this.status = h("div", { class: "dag-status", role: "status" });
    this.element = h("div", { class: "graph-canvas" }, this.view.element, this.status);
  }

  /** Lays out and draws; resolves once the drawing is on the page. */
  async draw(): Promise<void> {
    const generation = ++this.generation;
    const model = viewModel(this.flat, this.expanded);
    this.status.textContent = `Laying out ${this.flat.tasks.size.toLocaleString()} task${this.flat.tasks.size === 1 ? "" : "s"}…`;
    this.status.hidden = false;
    const started = performance.now();
    const layout = await layoutClient().layout(model);
    if (generation !== this.generation) return;
    this.view.render(model, layout, new Set(this.expanded));
    this.status.hidden = true;
    this.element.setAttribute("data-layout-ms", String(Math.round(performance.now() - started)));
  }

  private toggle(key: string): void {
    if (this.expanded.has(key)) this.expanded.delete(key);
    else this.expanded.add(key);
    void this.draw();
  }

  destroy(): void {
    this.generation++;
    this.view.destroy();
  }
}
