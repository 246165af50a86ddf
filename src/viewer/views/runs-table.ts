import type { Run } from "../../client";
import { ago, formatDuration, h, statusBadge } from "../dom";
import { errorBox } from "./errors";
import type { ViewContext } from "./view";

/** A paged table of runs (all of them, or one graph's). */
export function runsTable(ctx: ViewContext, filter: { graphId?: string } = {}): { element: HTMLElement; reload(): void } {
  const body = h("tbody");
  const more = h("button", { type: "button", hidden: true }, "Load more");
  const status = h("div");
  let cursor: string | undefined;

  const addRow = (r: Run) => {
    const took = r.startedAt && r.completedAt ? formatDuration(Date.parse(r.completedAt) - Date.parse(r.startedAt)) : "";
    body.append(
      h(
        "tr",
        { "data-run": r.id },
        h("td", {}, h("a", { href: `#/runs/${encodeURIComponent(r.id)}` }, h("code", {}, r.id))),
        filter.graphId ? null : h("td", {}, h("a", { href: `#/graphs/${encodeURIComponent(r.graphId)}` }, h("code", {}, r.graphId)), ` v${r.graphVersion}`),
        h("td", {}, statusBadge(r.status)),
        h("td", { title: r.createdAt }, ago(r.createdAt)),
        h("td", { class: "num" }, took),
      ),
    );
  };

  const load = async (reset = false) => {
    if (reset) {
      cursor = undefined;
      body.replaceChildren();
    }
    more.disabled = true;
    try {
      const page = await ctx.client.listRuns({ ...filter, ...(cursor ? { cursor } : {}) });
      for (const r of page.items) addRow(r);
      cursor = page.nextCursor ?? undefined;
      more.hidden = !page.nextCursor;
      status.replaceChildren(body.children.length === 0 ? h("p", { class: "muted" }, "No runs yet.") : "");
    } catch (err) {
      status.replaceChildren(errorBox(err, "Could not list runs"));
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener("click", () => void load());
  void load();

  const head = h("tr", {}, h("th", {}, "Run"), filter.graphId ? null : h("th", {}, "Graph"), h("th", {}, "Status"), h("th", {}, "Started"), h("th", { class: "num" }, "Took"));
  return { element: h("div", { class: "runs-table" }, h("table", { class: "list" }, h("thead", {}, head), body), status, more), reload: () => void load(true) };
}
