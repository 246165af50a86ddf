import type { TaskGraphRunner, TaskState } from "../core/runner";
import type { RunInit, RunTaskView, RunView } from "./protocol";

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

/** A task row as the API shows it. Replica rows (one per element of a replicated task) are folded into their task. */
export function taskView(t: TaskState): RunTaskView {
  return {
    id: t.taskId,
    ...(t.path ? { path: t.path } : {}),
    type: t.type,
    status: t.status,
    attempts: t.attempts,
    progress: t.progress,
    startedAt: iso(t.startedAt),
    completedAt: iso(t.completedAt),
    ...(t.error ? { error: t.error } : {}),
  };
}

/** `GET /runs/:id`: the run row plus, unless `withTasks` is false, every task's status. */
export function runView(init: RunInit, runner: TaskGraphRunner | undefined, withTasks = true): RunView {
  const run = runner?.runState();
  const view: RunView = {
    id: init.runId,
    graphId: init.graphId,
    graphVersion: init.graphVersion,
    status: run?.status ?? "PENDING",
    trigger: init.trigger,
    input: init.input,
    output: run?.output ?? null,
    error: run?.error ?? null,
    progress: run?.progress ?? 0,
    createdAt: new Date(init.createdAt).toISOString(),
    startedAt: iso(run?.startedAt),
    completedAt: iso(run?.completedAt),
    lastSeq: run?.seq ?? 0,
  };
  if (withTasks && runner) view.tasks = runner.tasks().filter((t) => t.replicaOf === undefined).map(taskView);
  return view;
}
