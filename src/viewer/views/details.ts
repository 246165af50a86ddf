import type { FlatDataflow, FlatTask } from "../graph/model";
import { formatBytes, formatDuration, h, previewJson, statusBadge } from "../dom";
import type { DataflowState, TaskState } from "../../client/run-state";

/* The side panel's content for a selected task or dataflow. */

function row(label: string, value: Node | string): HTMLElement {
  return h("div", { class: "kv" }, h("dt", {}, label), h("dd", {}, value));
}

function json(value: unknown): HTMLElement {
  return h("pre", { class: "json" }, previewJson(value));
}

export function taskDetails(flat: FlatTask, state?: TaskState): HTMLElement {
  const t = flat.task;
  const box = h("div", { class: "details", "data-task": flat.key }, h("h3", {}, t.name ?? t.id));
  const dl = h("dl", {}, row("id", flat.key), row("type", t.type));
  if (state) {
    dl.append(row("status", statusBadge(state.status)), row("attempts", String(state.attempts)));
    if (state.progress !== undefined && state.status === "PROCESSING") dl.append(row("progress", `${Math.round(state.progress)}%`));
    if (state.startedAt && state.completedAt) dl.append(row("took", formatDuration(Date.parse(state.completedAt) - Date.parse(state.startedAt))));
    if (state.message) dl.append(row("note", state.message));
    if (state.retry) dl.append(row("retrying", `attempt ${state.retry.attempt} failed${state.retry.error ? `: ${state.retry.error.message}` : ""}`));
  }
  box.append(dl);
  if (state?.error) box.append(h("h4", {}, "Error"), h("pre", { class: "json error" }, `${state.error.name}: ${state.error.message}${state.error.code ? ` (${state.error.code})` : ""}`));
  if (state?.output !== undefined) box.append(h("h4", {}, "Output"), json(state.output));
  if (t.defaults && Object.keys(t.defaults).length > 0) box.append(h("h4", {}, "Defaults"), json(t.defaults));
  if (t.config && Object.keys(t.config).length > 0) box.append(h("h4", {}, "Config"), json(t.config));
  if (t.subgraph) box.append(h("p", { class: "muted" }, `Subgraph of ${t.subgraph.tasks.length} tasks${t.merge ? `, merged ${t.merge}` : ""}.`));
  return box;
}

export function dataflowDetails(flat: FlatDataflow, state?: DataflowState, loadValue?: (ref: string) => Promise<unknown>): HTMLElement {
  const d = flat.dataflow;
  const box = h("div", { class: "details", "data-dataflow": flat.key }, h("h3", {}, "Dataflow"));
  const dl = h(
    "dl",
    {},
    row("from", `${d.sourceTaskId} [${d.sourceTaskPortId}]`),
    row("to", `${d.targetTaskId} [${d.targetTaskPortId}]`),
    ...(flat.path ? [row("inside", flat.path)] : []),
    row("status", statusBadge(state?.status ?? "PENDING")),
  );
  box.append(dl);
  if (state?.ref) {
    const ref = state.ref.ref;
    const slot = h("div");
    const load = h("button", { type: "button" }, "Load the value");
    load.addEventListener("click", async () => {
      load.disabled = true;
      try {
        slot.replaceChildren(json(await loadValue?.(ref)));
      } catch (err) {
        slot.replaceChildren(h("p", { class: "field-error" }, `Could not load it: ${(err as Error).message}`));
        load.disabled = false;
      }
    });
    box.append(h("h4", {}, "Value"), h("p", {}, `Large value kept by reference (${formatBytes(state.ref.size)}): `, h("code", {}, ref)), ...(loadValue ? [load] : []), slot);
  }
  else if (state && "value" in state && state.status === "COMPLETED") box.append(h("h4", {}, "Value"), json(state.value));
  if (state?.error) box.append(h("h4", {}, "Error"), h("pre", { class: "json error" }, `${state.error.name}: ${state.error.message}`));
  return box;
}

/** One-line text for hovering a dataflow. */
export function dataflowTooltip(flat: FlatDataflow | undefined, state?: DataflowState): string {
  if (!flat) return "";
  const head = `${flat.dataflowId} — ${(state?.status ?? "PENDING").toLowerCase()}`;
  if (state?.ref) return `${head}\nvalue by reference: ${state.ref.ref} (${formatBytes(state.ref.size)})`;
  if (state?.status === "COMPLETED" && "value" in state) return `${head}\n${previewJson(state.value, 400)}`;
  if (state?.error) return `${head}\n${state.error.name}: ${state.error.message}`;
  return head;
}
