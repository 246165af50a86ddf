import type { RunEvent } from "../../core/events";
import { h } from "../dom";

/*
 * The run's event log as a list that renders only the rows in view, so a run with tens of
 * thousands of events scrolls as lightly as one with ten. New events are appended in batches;
 * the list follows the end while the user is at the end.
 */

const ROW_HEIGHT = 24;
const OVERSCAN = 10;

function subject(e: RunEvent): string {
  if (e.kind === "task") return e.path ? `${e.path}/${e.taskId}` : e.taskId;
  if (e.kind === "dataflow") return e.path ? `${e.path}: ${e.dataflowId}` : e.dataflowId;
  return "run";
}

function detail(e: RunEvent): string {
  const d = e.data ?? {};
  const err = d.error as { name?: string; message?: string } | undefined;
  if (err?.message) return `${err.name ?? "Error"}: ${err.message}`;
  if (typeof d.progress === "number") return `${Math.round(d.progress)}%${typeof d.message === "string" ? ` ${d.message}` : ""}`;
  if (typeof d.message === "string") return d.message;
  if (typeof d.reason === "string") return d.reason;
  if (e.type === "retry" && typeof d.delayMs === "number") return `attempt ${d.attempt} failed; retry in ${d.delayMs} ms`;
  if (typeof d.attempt === "number") return `attempt ${d.attempt}`;
  if (d.ref && typeof d.ref === "object") return `value by reference (${(d.ref as { size?: number }).size ?? "?"} bytes)`;
  if ("value" in d) return short(d.value);
  if ("output" in d) return short(d.output);
  if (e.kind === "graph" && e.type === "start" && d.graphVersion !== undefined) return `version ${d.graphVersion}`;
  return "";
}

function short(v: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(v) ?? "undefined";
  } catch {
    text = String(v);
  }
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

export class Timeline {
  readonly element: HTMLElement;
  private readonly scroller: HTMLDivElement;
  private readonly spacer: HTMLDivElement;
  private readonly rows: HTMLDivElement;
  private readonly count: HTMLSpanElement;
  private readonly events: RunEvent[] = [];
  private start: number | undefined;
  private frame = 0;
  private follow = true;

  constructor(private readonly onSelect?: (e: RunEvent) => void) {
    this.rows = h("div", { class: "timeline-rows" });
    this.spacer = h("div", { class: "timeline-spacer" }, this.rows);
    this.scroller = h("div", { class: "timeline-scroller", tabindex: 0, role: "log", "aria-label": "Run events" }, this.spacer);
    this.count = h("span", { class: "muted" }, "0 events");
    this.element = h("section", { class: "timeline panel" }, h("header", {}, h("h3", {}, "Timeline"), this.count), this.scroller);
    this.scroller.addEventListener("scroll", () => {
      this.follow = this.scroller.scrollTop + this.scroller.clientHeight >= this.scroller.scrollHeight - ROW_HEIGHT;
      this.schedule();
    });
    this.rows.addEventListener("click", (ev) => {
      const row = (ev.target as Element).closest("[data-index]");
      if (row) this.onSelect?.(this.events[Number(row.getAttribute("data-index"))]);
    });
  }

  get size(): number {
    return this.events.length;
  }

  append(events: readonly RunEvent[]): void {
    if (events.length === 0) return;
    this.start ??= Date.parse(events[0].ts);
    for (const e of events) this.events.push(e);
    this.schedule();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private render(): void {
    this.count.textContent = `${this.events.length} event${this.events.length === 1 ? "" : "s"}`;
    this.spacer.style.height = `${this.events.length * ROW_HEIGHT}px`;
    if (this.follow) this.scroller.scrollTop = this.scroller.scrollHeight;
    const first = Math.max(0, Math.floor(this.scroller.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this.events.length, Math.ceil((this.scroller.scrollTop + this.scroller.clientHeight) / ROW_HEIGHT) + OVERSCAN);
    this.rows.style.transform = `translateY(${first * ROW_HEIGHT}px)`;
    const fragment = document.createDocumentFragment();
    for (let i = first; i < last; i++) {
      const e = this.events[i];
      const offset = this.start === undefined ? 0 : Date.parse(e.ts) - this.start;
      fragment.append(
        h(
          "div",
          { class: "timeline-row", "data-index": i, "data-kind": e.kind, "data-type": e.type },
          h("span", { class: "seq" }, `#${e.seq}`),
          h("span", { class: "offset", title: e.ts }, `+${(offset / 1000).toFixed(3)}s`),
          h("span", { class: "kind" }, `${e.kind} ${e.type}`),
          h("span", { class: "subject" }, subject(e)),
          h("span", { class: "detail" }, detail(e)),
        ),
      );
    }
    this.rows.replaceChildren(fragment);
  }

  destroy(): void {
    if (this.frame) cancelAnimationFrame(this.frame);
  }
}
