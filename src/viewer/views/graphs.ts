import type { GraphSummary } from "../../client";
import { ago, h } from "../dom";
import { errorBox } from "./errors";
import type { View, ViewContext } from "./view";

/** Every graph, newest first, a page at a time. */
export function graphsView(ctx: ViewContext): View {
  const body = h("tbody");
  const more = h("button", { type: "button", hidden: true }, "Load more");
  const status = h("div");
  let cursor: string | undefined;

  const addRow = (g: GraphSummary) =>
    body.append(
      h(
        "tr",
        { "data-graph": g.id },
        h("td", {}, h("a", { href: `#/graphs/${encodeURIComponent(g.id)}` }, g.name)),
        h("td", { class: "muted" }, g.description ?? ""),
        h("td", { class: "num" }, String(g.version)),
        h("td", { class: "num" }, g.taskCount === undefined ? "" : String(g.taskCount)),
        h("td", { title: g.updatedAt }, ago(g.updatedAt)),
      ),
    );

  const load = async () => {
    more.disabled = true;
    try {
      const page = await ctx.client.listGraphs(cursor);
      for (const g of page.items) addRow(g);
      cursor = page.nextCursor ?? undefined;
      more.hidden = !page.nextCursor;
      if (body.children.length === 0) status.replaceChildren(h("p", { class: "muted" }, "No graphs yet. Push one with `npx weft graphs push graph.json`."));
    } catch (err) {
      status.replaceChildren(errorBox(err, "Could not list graphs"));
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener("click", load);
  void load();

  return {
    element: h(
      "div",
      { class: "page" },
      h("h2", {}, "Graphs"),
      h("table", { class: "list" }, h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Description"), h("th", { class: "num" }, "Version"), h("th", { class: "num" }, "Tasks"), h("th", {}, "Updated"))), body),
      status,
      more,
    ),
  };
}
