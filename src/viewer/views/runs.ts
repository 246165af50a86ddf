import { h } from "../dom";
import { runsTable } from "./runs-table";
import type { View, ViewContext } from "./view";

export function runsView(ctx: ViewContext): View {
  return { element: h("div", { class: "page" }, h("h2", {}, "Runs"), runsTable(ctx).element) };
}
