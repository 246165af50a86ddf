import type { StoredGraph, TaskTypeInfo } from "../../client";
import { h } from "../dom";
import { runInputSchema } from "../forms/input-schema";
import { inputSchemaResolver } from "../forms/ports";
import { createSchemaForm } from "../forms/schema-form";
import { GraphCanvas } from "../graph/graph-canvas";
import { taskDetails } from "./details";
import { errorBox } from "./errors";
import { runsTable } from "./runs-table";
import type { View, ViewContext } from "./view";

/** One graph: its drawing, a form to start a run, and its runs. */
export function graphView(ctx: ViewContext, graphId: string): View {
  const page = h("div", { class: "page graph-page" }, h("p", { class: "muted" }, "Loading…"));
  let canvas: GraphCanvas | undefined;

  const render = (graph: StoredGraph, catalog: TaskTypeInfo[]) => {
    const side = h("aside", { class: "side" });
    const selection = h("div", { class: "selection panel", hidden: true });
    canvas = new GraphCanvas(graph, {
      taskPaint: () => undefined,
      dataflowStatus: () => undefined,
      dataflowTooltip: (key) => canvas?.flat.dataflows.get(key)?.dataflowId ?? "",
      onSelectTask: (key) => {
        const flat = canvas?.flat.tasks.get(key);
        if (!flat) return;
        canvas?.view.select("task", key);
        selection.replaceChildren(taskDetails(flat));
        selection.hidden = false;
      },
    });

    const schema = runInputSchema(graph, inputSchemaResolver(catalog));
    const form = createSchemaForm(schema);
    const submit = h("button", { type: "submit", class: "primary" }, "Start run");
    const formStatus = h("div", { class: "form-status" });
    const runForm = h("form", { class: "run-form panel", "aria-label": "Start a run" }, h("h3", {}, "Start a run"), form.element, submit, formStatus);
    runForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      const value = form.value();
      if (!value.ok) return;
      submit.disabled = true;
      formStatus.replaceChildren(h("span", { class: "muted" }, "Starting…"));
      try {
        const run = await ctx.client.startRun(graph.id, value.input);
        location.hash = `#/runs/${encodeURIComponent(run.id)}`;
      } catch (err) {
        formStatus.replaceChildren(errorBox(err, "The run did not start"));
      } finally {
        submit.disabled = false;
      }
    });

    const runs = runsTable(ctx, { graphId: graph.id });
    side.append(runForm, selection);
    page.replaceChildren(
      h(
        "header",
        { class: "page-header" },
        h("div", {}, h("h2", {}, graph.name), graph.description ? h("p", { class: "muted" }, graph.description) : null),
        h("div", { class: "meta" }, h("span", {}, `version ${graph.version}`), h("span", {}, `${canvas.flat.tasks.size} tasks`), h("code", {}, graph.id)),
      ),
      h("div", { class: "graph-layout" }, h("section", { class: "canvas-panel panel" }, canvas.element), side),
      h("section", { class: "panel" }, h("h3", {}, "Runs"), runs.element),
    );
    void canvas.draw();
  };

  Promise.all([ctx.client.getGraph(graphId), ctx.client.taskTypes()])
    .then(([graph, catalog]) => render(graph, catalog))
    .catch((err) => page.replaceChildren(errorBox(err, "Could not load this graph")));

  return { element: page, destroy: () => canvas?.destroy() };
}
