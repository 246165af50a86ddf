import type { Layout } from "./layout";
import { type FlatGraph, type ViewModel, visibleTaskKey } from "./model";
import { h, s } from "../dom";
import { templateKey } from "../../client/keys";

/*
 * The DAG drawn in SVG from a layout computed once. Run events never touch the layout: they mark
 * task and dataflow keys dirty, and one requestAnimationFrame callback repaints the dirty ones
 * (a status attribute, a progress bar width), however many events arrived in that frame.
 */

export interface TaskPaint {
  status: string;
  progress?: number;
  attempts?: number;
  /** A task of a Map's subgraph: its iterations' instances finished, of those started. */
  iterations?: { done: number; total: number };
}

export interface DagViewOptions {
  /** Current state of a task or dataflow (undefined for a graph shown without a run). */
  taskPaint(key: string): TaskPaint | undefined;
  dataflowStatus(key: string): string | undefined;
  /** Text shown when hovering a dataflow. */
  dataflowTooltip(key: string): string;
  onSelectTask?(key: string): void;
  onSelectDataflow?(key: string): void;
  onToggleGroup?(key: string): void;
}

interface NodeEls {
  g: SVGGElement;
  bar?: SVGRectElement;
  sub?: SVGTextElement;
  width: number;
}

const BAR_INSET = 8;

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function pathData(points: { x: number; y: number }[]): string {
  if (points.length === 0) return "";
  let d = `M${points[0].x.toFixed(1)},${points[0].y.toFixed(1)}`;
  if (points.length === 2) return `${d}L${points[1].x.toFixed(1)},${points[1].y.toFixed(1)}`;
  // Smooth through dagre's control points: quadratic segments between midpoints.
  for (let i = 1; i < points.length - 1; i++) {
    const p = points[i];
    const next = points[i + 1];
    const mx = i === points.length - 2 ? next.x : (p.x + next.x) / 2;
    const my = i === points.length - 2 ? next.y : (p.y + next.y) / 2;
    d += `Q${p.x.toFixed(1)},${p.y.toFixed(1)} ${mx.toFixed(1)},${my.toFixed(1)}`;
  }
  return d;
}

export class DagView {
  readonly element: HTMLElement;
  private readonly svg: SVGSVGElement;
  private readonly viewport: SVGGElement;
  private readonly tooltip: HTMLDivElement;
  private readonly nodes = new Map<string, NodeEls>();
  private readonly edges = new Map<string, SVGPathElement>();
  private readonly dirtyTasks = new Set<string>();
  private readonly dirtyDataflows = new Set<string>();
  private frame = 0;
  private transform = { x: 0, y: 0, k: 1 };
  private layout: Layout | undefined;
  private expanded: ReadonlySet<string> = new Set();
  private selected: Element | undefined;
  /** Removes the listeners on window when the view goes away. */
  private readonly lifetime = new AbortController();
  private suppressClick = false;
  /** Inner task keys per collapsed group, for its "n of m done" line. */
  private readonly collapsedMembers = new Map<string, string[]>();

  constructor(
    private readonly flat: FlatGraph,
    private readonly options: DagViewOptions,
  ) {
    this.svg = s("svg", { class: "dag", role: "img", "aria-label": "Task graph" });
    this.viewport = s("g", { class: "viewport" });
    this.svg.append(
      s(
        "defs",
        {},
        s("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, s("path", { d: "M0,0L10,5L0,10z", class: "arrowhead" })),
      ),
      this.viewport,
    );
    this.tooltip = h("div", { class: "dag-tooltip", hidden: true });
    const tools = h(
      "div",
      { class: "dag-tools" },
      h("button", { type: "button", title: "Zoom in", onclick: () => this.zoomBy(1.25) }, "+"),
      h("button", { type: "button", title: "Zoom out", onclick: () => this.zoomBy(0.8) }, "−"),
      h("button", { type: "button", title: "Fit to view", onclick: () => this.fit() }, "Fit"),
    );
    this.element = h("div", { class: "dag-container" }, this.svg, tools, this.tooltip);
    this.installPanZoom();
    this.installPointerHandlers();
  }

  /** Draws a new structure. Called once per layout (and again only when a subgraph opens or closes). */
  render(view: ViewModel, layout: Layout, expanded: ReadonlySet<string>): void {
    this.layout = layout;
    this.expanded = expanded;
    this.nodes.clear();
    this.edges.clear();
    this.collapsedMembers.clear();
    const groups = s("g", { class: "groups" });
    const edges = s("g", { class: "edges" });
    const hits = s("g", { class: "edge-hits" });
    const nodes = s("g", { class: "nodes" });

    for (const n of view.nodes) {
      const box = layout.nodes[n.id];
      if (!box) continue;
      const flatTask = this.flat.tasks.get(n.taskKey);
      const task = flatTask?.task;
      const label = task?.name ?? task?.id ?? n.taskKey;
      if (n.kind === "group") {
        const g = s(
          "g",
          { class: "group", "data-key": n.taskKey, transform: `translate(${box.x},${box.y})` },
          s("rect", { class: "group-box", width: box.width, height: box.height, rx: 10 }),
          s("g", { class: "group-header", "data-toggle": n.taskKey }, s("text", { x: 12, y: 18, class: "group-title" }, `▾ ${truncate(label, 40)}`), s("title", {}, "Collapse this subgraph")),
        );
        groups.append(g);
        this.nodes.set(n.id, { g, width: box.width });
      } else if (n.kind === "entry" || n.kind === "exit") {
        nodes.append(s("circle", { class: `anchor ${n.kind}`, cx: box.x + box.width / 2, cy: box.y + box.height / 2, r: 4 }));
      } else {
        const isGroup = task?.subgraph !== undefined;
        const bar = s("rect", { class: "bar", x: BAR_INSET, y: box.height - 7, height: 3, width: 0, rx: 1.5 });
        const sub = s("text", { class: "node-sub", x: 12, y: 35 }, truncate(task ? task.type : "", 26));
        const g = s(
          "g",
          { class: `node${isGroup ? " collapsed-group" : ""}`, "data-key": n.taskKey, "data-status": "PENDING", tabindex: 0, transform: `translate(${box.x},${box.y})` },
          s("rect", { class: "node-box", width: box.width, height: box.height, rx: 8 }),
          s("circle", { class: "dot", cx: box.width - 14, cy: 14, r: 5 }),
          s("text", { class: "node-title", x: 12, y: 19 }, truncate(label, 19)),
          sub,
          bar,
          s("title", {}, `${flatTask?.key ?? n.taskKey} (${task?.type ?? "?"})`),
        );
        if (isGroup) {
          g.append(s("g", { class: "group-toggle", "data-toggle": n.taskKey, transform: `translate(${box.width - 34},6)` }, s("rect", { width: 14, height: 14, rx: 3 }), s("text", { x: 7, y: 11 }, "+"), s("title", {}, "Expand this subgraph")));
          const members = [...this.flat.tasks.keys()].filter((k) => k.startsWith(`${n.taskKey}/`));
          this.collapsedMembers.set(n.taskKey, members);
        }
        nodes.append(g);
        this.nodes.set(n.id, { g, bar, sub, width: box.width });
      }
    }
    for (const e of view.edges) {
      const points = layout.edges[e.id];
      if (!points || points.length === 0) continue;
      const d = pathData(points);
      const path = s("path", { class: e.dataflowKey ? "edge" : "edge anchor-edge", d, "marker-end": e.dataflowKey ? "url(#arrow)" : null, "data-status": "PENDING" });
      edges.append(path);
      if (e.dataflowKey) {
        hits.append(s("path", { class: "edge-hit", d, "data-dataflow": e.dataflowKey }));
        this.edges.set(e.dataflowKey, path);
      }
    }
    this.viewport.replaceChildren(groups, edges, nodes, hits);
    this.svg.setAttribute("data-ready", "true");
    // Paint the current state of everything once.
    for (const key of this.flat.tasks.keys()) this.dirtyTasks.add(key);
    for (const key of this.edges.keys()) this.dirtyDataflows.add(key);
    this.flush();
    requestAnimationFrame(() => this.fit(true));
  }

  /** Marks tasks and dataflows changed; they are repainted on the next animation frame. */
  invalidate(tasks: Iterable<string>, dataflows: Iterable<string>): void {
    for (const k of tasks) this.dirtyTasks.add(k);
    for (const k of dataflows) this.dirtyDataflows.add(k);
    if (this.frame === 0 && (this.dirtyTasks.size > 0 || this.dirtyDataflows.size > 0)) {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        this.flush();
      });
    }
  }

  private flush(): void {
    const groupsToCount = new Set<string>();
    for (const key of this.dirtyTasks) {
      const visible = visibleTaskKey(key, this.expanded);
      if (visible !== key) {
        groupsToCount.add(visible);
        continue;
      }
      const els = this.nodes.get(key);
      if (!els?.bar) continue;
      const paint = this.options.taskPaint(key);
      const status = paint?.status ?? "PENDING";
      if (els.g.getAttribute("data-status") !== status) els.g.setAttribute("data-status", status);
      const progress = paint?.progress ?? (status === "COMPLETED" ? 100 : 0);
      els.bar.setAttribute("width", String(((els.width - 2 * BAR_INSET) * Math.max(0, Math.min(100, progress))) / 100));
      if (this.collapsedMembers.has(key)) groupsToCount.add(key);
      else if (els.sub && paint?.iterations) {
        const type = this.flat.tasks.get(key)?.task.type ?? "";
        els.sub.textContent = `${truncate(type, 12)} · ${paint.iterations.done}/${paint.iterations.total} done`;
      } else if (els.sub && paint && (paint.attempts ?? 0) > 1) {
        const type = this.flat.tasks.get(key)?.task.type ?? "";
        els.sub.textContent = `${truncate(type, 16)} · attempt ${paint.attempts}`;
      }
    }
    this.dirtyTasks.clear();
    for (const group of groupsToCount) {
      const els = this.nodes.get(group);
      const members = this.collapsedMembers.get(group);
      if (!els?.sub || !members) continue;
      let done = 0;
      for (const m of members) {
        const st = this.options.taskPaint(m)?.status;
        if (st === "COMPLETED" || st === "FAILED" || st === "SKIPPED" || st === "ABORTED") done++;
      }
      els.sub.textContent = `${members.length} tasks · ${done} done`;
    }
    for (const key of this.dirtyDataflows) {
      const path = this.edges.get(key);
      if (!path) continue;
      const status = this.options.dataflowStatus(key) ?? "PENDING";
      if (path.getAttribute("data-status") !== status) path.setAttribute("data-status", status);
    }
    this.dirtyDataflows.clear();
  }

  /** Highlights a task or dataflow (or nothing). */
  select(kind: "task" | "dataflow" | null, key?: string): void {
    this.selected?.classList.remove("selected");
    this.selected = undefined;
    // A Map iteration's instance (`m[3]/q`) is drawn as its template task (`m/q`).
    if (kind === "task" && key) this.selected = this.nodes.get(visibleTaskKey(templateKey(key), this.expanded))?.g;
    if (kind === "dataflow" && key) this.selected = this.edges.get(key);
    this.selected?.classList.add("selected");
  }

  /** The SVG element of a task's node, for tests and focus. */
  nodeElement(key: string): SVGGElement | undefined {
    return this.nodes.get(key)?.g;
  }

  /**
   * Fits the whole drawing in view. On first display a large graph is not shrunk past legibility:
   * it opens at its start (the roots, on the left), and "Fit" shows all of it.
   */
  fit(initial = false): void {
    if (!this.layout) return;
    const rect = this.svg.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0 || this.layout.width === 0) return;
    const fitK = Math.min(1.2, Math.max(0.03, Math.min(rect.width / this.layout.width, rect.height / this.layout.height)));
    const k = initial ? Math.max(fitK, 0.5) : fitK;
    const x = this.layout.width * k <= rect.width ? (rect.width - this.layout.width * k) / 2 : 16;
    const y = this.layout.height * k <= rect.height ? (rect.height - this.layout.height * k) / 2 : 16;
    this.transform = { k, x, y };
    this.applyTransform();
  }

  private zoomBy(factor: number, cx?: number, cy?: number): void {
    const rect = this.svg.getBoundingClientRect();
    const px = cx ?? rect.width / 2;
    const py = cy ?? rect.height / 2;
    const k = Math.min(4, Math.max(0.03, this.transform.k * factor));
    const ratio = k / this.transform.k;
    this.transform = { k, x: px - (px - this.transform.x) * ratio, y: py - (py - this.transform.y) * ratio };
    this.applyTransform();
  }

  private applyTransform(): void {
    const { x, y, k } = this.transform;
    this.viewport.setAttribute("transform", `translate(${x.toFixed(1)},${y.toFixed(1)}) scale(${k.toFixed(4)})`);
    this.svg.classList.toggle("far", k < 0.45);
  }

  private installPanZoom(): void {
    this.svg.addEventListener(
      "wheel",
      (e) => {
        e.preventDefault();
        const rect = this.svg.getBoundingClientRect();
        this.zoomBy(Math.exp(-e.deltaY * 0.0015), e.clientX - rect.left, e.clientY - rect.top);
      },
      { passive: false },
    );
    let drag: { x: number; y: number; tx: number; ty: number; moved: boolean } | undefined;
    this.svg.addEventListener("pointerdown", (e) => {
      if (e.button !== 0) return;
      drag = { x: e.clientX, y: e.clientY, tx: this.transform.x, ty: this.transform.y, moved: false };
    });
    window.addEventListener("pointermove", (e) => {
      if (!drag) return;
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) < 4) return;
      drag.moved = true;
      this.svg.classList.add("panning");
      this.transform = { ...this.transform, x: drag.tx + dx, y: drag.ty + dy };
      this.applyTransform();
    }, { signal: this.lifetime.signal });
    window.addEventListener("pointerup", () => {
      if (drag?.moved) this.suppressClick = true;
      drag = undefined;
      this.svg.classList.remove("panning");
    }, { signal: this.lifetime.signal });
  }

  private installPointerHandlers(): void {
    this.svg.addEventListener("click", (e) => {
      if (this.suppressClick) {
        this.suppressClick = false;
        return;
      }
      const target = e.target as Element;
      const toggle = target.closest("[data-toggle]");
      if (toggle) return this.options.onToggleGroup?.(toggle.getAttribute("data-toggle") ?? "");
      const node = target.closest(".node");
      if (node) return this.options.onSelectTask?.(node.getAttribute("data-key") ?? "");
      const edge = target.closest("[data-dataflow]");
      if (edge) return this.options.onSelectDataflow?.(edge.getAttribute("data-dataflow") ?? "");
    });
    this.svg.addEventListener("keydown", (e) => {
      const node = (e.target as Element).closest?.(".node");
      if (node && (e.key === "Enter" || e.key === " ")) {
        e.preventDefault();
        this.options.onSelectTask?.(node.getAttribute("data-key") ?? "");
      }
    });
    this.svg.addEventListener("mouseover", (e) => {
      const edge = (e.target as Element).closest("[data-dataflow]");
      if (!edge) return;
      const key = edge.getAttribute("data-dataflow") ?? "";
      this.edges.get(key)?.classList.add("hover");
      this.tooltip.textContent = this.options.dataflowTooltip(key);
      this.tooltip.hidden = false;
    });
    this.svg.addEventListener("mousemove", (e) => {
      if (this.tooltip.hidden) return;
      const rect = this.element.getBoundingClientRect();
      this.tooltip.style.left = `${e.clientX - rect.left + 14}px`;
      this.tooltip.style.top = `${e.clientY - rect.top + 14}px`;
    });
    this.svg.addEventListener("mouseout", (e) => {
      const edge = (e.target as Element).closest("[data-dataflow]");
      if (!edge) return;
      this.edges.get(edge.getAttribute("data-dataflow") ?? "")?.classList.remove("hover");
      this.tooltip.hidden = true;
    });
  }

  destroy(): void {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.lifetime.abort();
  }
}
