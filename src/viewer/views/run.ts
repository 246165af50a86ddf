import { type Run, type RunEvent, type StoredGraph, WeftApiError } from "../../client";
import type { GraphBody } from "../../core/graph/schema";
import { formatDuration, formatTime, h, previewJson, statusBadge } from "../dom";
import { GraphCanvas } from "../graph/graph-canvas";
import { RunState } from "../../client/run-state";
import { Timeline } from "../run/timeline";
import { dataflowDetails, dataflowTooltip, taskDetails } from "./details";
import { errorBox } from "./errors";
import type { View, ViewContext } from "./view";

type Action = "cancel" | "pause" | "resume" | "retry";

/** Which controls apply to a run in each status (the API answers 409 to the others). */
const ACTIONS: Record<string, Action[]> = {
  PENDING: ["cancel"],
  PROCESSING: ["pause", "cancel"],
  PAUSED: ["resume", "cancel"],
  FAILED: ["retry"],
  ABORTED: ["retry"],
  COMPLETED: [],
};

const POLL_MS = 1000;

/** One run, live: the graph coloured by task status, progress, controls, signals and the event timeline. */
export function runView(ctx: ViewContext, runId: string): View {
  const page = h("div", { class: "page run-page" }, h("p", { class: "muted" }, "Loading…"));
  let canvas: GraphCanvas | undefined;
  let timeline: Timeline | undefined;
  let stop = () => {};
  let destroyed = false;

  const start = async () => {
    const run = await ctx.client.getRun(runId);
    const graph = await loadGraph(ctx, run);
    const state = new RunState(
      [...flatTasks(graph)],
      [],
    );
    let selection: { kind: "task" | "dataflow"; key: string } | undefined;

    const selectionPanel = h("div", { class: "selection panel", hidden: true });
    const showSelection = () => {
      if (!selection || !canvas) return;
      if (selection.kind === "task") {
        const flat = canvas.flat.tasks.get(selection.key);
        if (flat) selectionPanel.replaceChildren(taskDetails(flat, state.tasks.get(selection.key)));
      } else {
        const flat = canvas.flat.dataflows.get(selection.key);
        if (flat) selectionPanel.replaceChildren(dataflowDetails(flat, state.dataflows.get(selection.key), (ref) => ctx.client.value(runId, ref)));
      }
      selectionPanel.hidden = false;
    };

    canvas = new GraphCanvas(graph, {
      taskPaint: (key) => state.tasks.get(key),
      dataflowStatus: (key) => state.dataflows.get(key)?.status,
      dataflowTooltip: (key) => dataflowTooltip(canvas?.flat.dataflows.get(key), state.dataflows.get(key)),
      onSelectTask: (key) => {
        selection = { kind: "task", key };
        canvas?.view.select("task", key);
        showSelection();
      },
      onSelectDataflow: (key) => {
        selection = { kind: "dataflow", key };
        canvas?.view.select("dataflow", key);
        showSelection();
      },
    });
    for (const df of canvas.flat.dataflows.values()) {
      state.dataflows.set(df.key, { key: df.key, dataflowId: df.dataflowId, ...(df.path ? { path: df.path } : {}), status: "PENDING" });
    }
    state.seed(run);

    // Header: status, progress, counts, controls.
    const badge = h("span", { class: "run-status" });
    const bar = h("div", { class: "progress-fill" });
    const progressText = h("span", { class: "progress-text" });
    const timing = h("span", { class: "muted" });
    const controlStatus = h("div", { class: "control-status" });
    const buttons = new Map<Action, HTMLButtonElement>();
    for (const action of ["pause", "resume", "cancel", "retry"] as const) {
      const b = h("button", { type: "button", "data-action": action, class: action === "cancel" ? "danger" : "" }, action[0].toUpperCase() + action.slice(1));
      b.addEventListener("click", async () => {
        if (action === "cancel" && !confirm("Cancel this run? Every unfinished task is aborted.")) return;
        b.disabled = true;
        controlStatus.replaceChildren();
        try {
          const updated = await ctx.client.control(runId, action);
          if (!state.terminal || action === "retry") state.status = updated.status;
          paintRun();
        } catch (err) {
          controlStatus.replaceChildren(errorBox(err, `${action} failed`));
          paintRun();
        }
      });
      buttons.set(action, b);
    }
    const outputPanel = h("div", { class: "output panel", hidden: true });

    // Signals for WaitForSignal tasks.
    const signalName = h("input", { id: "signal-name", type: "text", required: true, placeholder: "approval", autocomplete: "off" });
    const signalPayload = h("textarea", { id: "signal-payload", rows: 3, spellcheck: "false", placeholder: '{ "approved": true }' });
    const waiting = h("p", { class: "muted waiting" });
    const signalStatus = h("div", { class: "form-status" });
    const signalForm = h(
      "form",
      { class: "signal-form panel", "aria-label": "Send a signal" },
      h("h3", {}, "Send a signal"),
      waiting,
      h("label", { for: "signal-name" }, "Name"),
      signalName,
      h("label", { for: "signal-payload" }, "Payload (JSON)"),
      signalPayload,
      h("button", { type: "submit" }, "Send"),
      signalStatus,
    );
    signalForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      let payload: unknown = null;
      if (signalPayload.value.trim() !== "") {
        try {
          payload = JSON.parse(signalPayload.value);
        } catch {
          signalStatus.replaceChildren(h("p", { class: "field-error" }, "The payload must be valid JSON."));
          return;
        }
      }
      try {
        const r = await ctx.client.signal(runId, signalName.value.trim(), payload);
        signalStatus.replaceChildren(h("p", {}, r.delivered ? "Delivered to a waiting task." : "Stored: the next task waiting on this name will take it."));
      } catch (err) {
        signalStatus.replaceChildren(errorBox(err, "The signal was not sent"));
      }
    });

    let runFrame = 0;
    const paintRun = () => {
      if (runFrame) return;
      runFrame = requestAnimationFrame(() => {
        runFrame = 0;
        badge.replaceChildren(statusBadge(state.status));
        page.setAttribute("data-run-status", state.status);
        // Set once the picture is the event log's (dataflows included), not only the seeded snapshot's.
        page.toggleAttribute("data-caught-up", state.caughtUp);
        const p = state.progress;
        bar.style.width = `${p}%`;
        bar.parentElement?.setAttribute("aria-valuenow", String(p));
        progressText.textContent = `${p}% · ${state.finishedTasks} of ${state.totalTasks} tasks finished`;
        const end = state.completedAt ? Date.parse(state.completedAt) : Date.now();
        timing.textContent = state.startedAt ? `started ${formatTime(state.startedAt)} · ${state.terminal ? "took" : "running for"} ${formatDuration(end - Date.parse(state.startedAt))}` : "";
        const allowed = new Set(ACTIONS[state.status] ?? []);
        for (const [action, b] of buttons) {
          b.hidden = !allowed.has(action);
          b.disabled = false;
        }
        signalForm.hidden = state.terminal;
        const waits = [...state.tasks.values()].filter((t) => t.status === "PROCESSING" && canvas?.flat.tasks.get(t.key)?.task.type === "WaitForSignal");
        waiting.textContent = waits.length ? `Waiting: ${waits.map((t) => `${t.key}${signalOf(canvas, t.key) ? ` on "${signalOf(canvas, t.key)}"` : ""}`).join(", ")}` : "No task is waiting for a signal right now.";
        if (waits.length && !signalName.value) signalName.value = signalOf(canvas, waits[0].key) ?? "";
        if (state.terminal && (state.output !== undefined || state.error)) {
          outputPanel.hidden = false;
          outputPanel.replaceChildren(
            h("h3", {}, state.error ? "Error" : "Output"),
            h("pre", { class: `json${state.error ? " error" : ""}`, "data-run-output": "" }, state.error ? `${state.error.name}: ${state.error.message}` : previewJson(state.output)),
          );
        }
      });
    };

    timeline = new Timeline((e) => {
      if (e.kind === "task") canvas?.view.select("task", e.path ? `${e.path}/${e.taskId}` : e.taskId);
    });

    const onEvents = (events: RunEvent[]) => {
      const changes = state.apply(events);
      canvas?.view.invalidate(changes.tasks, changes.dataflows);
      timeline?.append(events);
      paintRun();
      if (selection && (changes.tasks.has(selection.key) || changes.dataflows.has(selection.key))) showSelection();
    };

    page.replaceChildren(
      h(
        "header",
        { class: "page-header" },
        h("div", {}, h("h2", {}, "Run ", h("code", {}, run.id), " ", badge), h("p", { class: "muted" }, "of ", h("a", { href: `#/graphs/${encodeURIComponent(run.graphId)}` }, graph.name), ` (version ${run.graphVersion})`, " · ", timing)),
        h("div", { class: "controls" }, ...buttons.values()),
      ),
      h("div", { class: "progress", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100, "aria-label": "Run progress" }, bar),
      progressText,
      controlStatus,
      h("div", { class: "graph-layout" }, h("section", { class: "canvas-panel panel" }, canvas.element), h("aside", { class: "side" }, outputPanel, selectionPanel, signalForm, h("details", { class: "panel" }, h("summary", {}, "Run input"), h("pre", { class: "json" }, previewJson(run.input))))),
      timeline.element,
    );
    paintRun();
    await canvas.draw();
    if (destroyed) return;
    stop = follow(ctx, runId, onEvents, () => paintRun());
  };

  start().catch((err) => {
    if (!destroyed) page.replaceChildren(errorBox(err, err instanceof WeftApiError && err.status === 404 ? "There is no such run" : "Could not load this run"));
  });

  return {
    element: page,
    destroy() {
      destroyed = true;
      stop();
      canvas?.destroy();
      timeline?.destroy();
    },
  };
}

function signalOf(canvas: GraphCanvas | undefined, key: string): string | undefined {
  const v = canvas?.flat.tasks.get(key)?.task.defaults?.signal;
  return typeof v === "string" ? v : undefined;
}

/** The graph version the run pinned; if the graph was deleted, its tasks from the run alone. */
async function loadGraph(ctx: ViewContext, run: Run): Promise<StoredGraph | (GraphBody & { name: string })> {
  try {
    return await ctx.client.getGraphVersion(run.graphId, run.graphVersion);
  } catch (err) {
    if (!(err instanceof WeftApiError) || err.status !== 404) throw err;
    return { name: `${run.graphId} (deleted)`, tasks: (run.tasks ?? []).filter((t) => !t.path).map((t) => ({ id: t.id, type: t.type })), dataflows: [] };
  }
}

function* flatTasks(graph: GraphBody, path = ""): Generator<{ key: string; taskId: string; path?: string }> {
  for (const t of graph.tasks) {
    const key = path ? `${path}/${t.id}` : t.id;
    yield { key, taskId: t.id, ...(path ? { path } : {}) };
    if (t.subgraph) yield* flatTasks(t.subgraph, key);
  }
}

/**
 * Streams the run's events: the WebSocket (replay from the start, then live), or, if the socket
 * cannot be opened, the events endpoint polled until the run ends. Returns a stop function.
 */
function follow(ctx: ViewContext, runId: string, onEvents: (events: RunEvent[]) => void, onEnd: () => void): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastSeq = 0;
  const deliver = (events: RunEvent[]) => {
    const fresh = events.filter((e) => e.seq > lastSeq);
    if (fresh.length === 0) return;
    lastSeq = fresh[fresh.length - 1].seq;
    onEvents(fresh);
  };
  const poll = async () => {
    if (stopped) return;
    try {
      const events = await ctx.client.events(runId, lastSeq);
      deliver(events);
      if (events.some((e) => e.kind === "graph" && (e.type === "complete" || e.type === "error" || e.type === "abort"))) return onEnd();
    } catch {
      // Try again on the next tick.
    }
    timer = setTimeout(poll, POLL_MS);
  };
  const subscription = ctx.client.subscribe(runId, {
    after: 0,
    onEvents: deliver,
    onEnd,
    onError: () => void poll(),
  });
  return () => {
    stopped = true;
    subscription.close();
    if (timer) clearTimeout(timer);
  };
}
