import type { Run, RunEvent, WeftClient } from "../client";
import { RunState } from "../client/run-state";
import { type Output, bar, paint, paintStatus } from "./output";

/*
 * Follows a run to its end over its WebSocket (falling back to polling the events endpoint),
 * showing progress: on a terminal, a block redrawn in place with a bar per running task; in a
 * pipe or CI log, one line per task that finishes.
 */

const REDRAW_MS = 100;
const POLL_MS = 1000;
const MAX_RUNNING_SHOWN = 12;

export interface FollowOptions {
  /** No progress at all (e.g. --json). */
  quiet?: boolean;
  /** Print every event as it arrives (`runs tail`). */
  onEvents?: (events: RunEvent[]) => void;
}

export async function followRun(client: WeftClient, run: Run, output: Output, options: FollowOptions = {}): Promise<RunState> {
  const state = new RunState((run.tasks ?? []).map((t) => ({ key: t.path ? `${t.path}/${t.id}` : t.id, taskId: t.id, ...(t.path ? { path: t.path } : {}) })));
  const display = options.quiet ? undefined : new ProgressDisplay(output, run.id);

  await new Promise<void>((resolve) => {
    let done = false;
    let pollTimer: ReturnType<typeof setTimeout> | undefined;
    const finish = () => {
      if (done) return;
      done = true;
      if (pollTimer) clearTimeout(pollTimer);
      subscription.close();
      resolve();
    };
    const deliver = (events: RunEvent[]) => {
      const fresh = events.filter((e) => e.seq > state.lastSeq);
      if (fresh.length === 0) return;
      const before = new Map([...state.tasks].map(([k, t]) => [k, t.status]));
      state.apply(fresh);
      options.onEvents?.(fresh);
      display?.update(state, before);
      if (state.terminal) finish();
    };
    const poll = async () => {
      if (done) return;
      try {
        deliver(await client.events(run.id, state.lastSeq));
      } catch {
        // transient: the next poll retries
      }
      if (!done) pollTimer = setTimeout(poll, POLL_MS);
    };
    const subscription = client.subscribe(run.id, {
      after: 0,
      onEvents: deliver,
      onEnd: () => {
        // The server closed after the terminal event; poll once in case a frame was cut short.
        if (!state.terminal) void poll();
        else finish();
      },
      onError: () => void poll(),
    });
  });
  display?.close(state);
  return state;
}

class ProgressDisplay {
  private drawnLines = 0;
  private lastDraw = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private latest: RunState | undefined;

  constructor(
    private readonly output: Output,
    private readonly runId: string,
  ) {
    if (!output.interactive) output.err(`following run ${runId}`);
  }

  update(state: RunState, before: Map<string, string>): void {
    if (!this.output.interactive) {
      for (const [key, task] of state.tasks) {
        if (before.get(key) === task.status) continue;
        if (task.status === "COMPLETED" || task.status === "FAILED" || task.status === "SKIPPED" || task.status === "ABORTED" || (task.status === "PENDING" && task.retry)) {
          const note = task.error ? `  ${task.error.name}: ${task.error.message}` : task.retry ? `  attempt ${task.retry.attempt} failed, retrying` : "";
          this.output.err(`  ${key}  ${task.status === "PENDING" ? "RETRYING" : task.status}${note}`);
        }
      }
      return;
    }
    this.latest = state;
    const wait = REDRAW_MS - (Date.now() - this.lastDraw);
    if (wait <= 0) this.draw();
    else this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.draw();
    }, wait);
  }

  private draw(): void {
    const state = this.latest;
    if (!state) return;
    this.lastDraw = Date.now();
    const c = this.output.color;
    const lines = [`${paint(c, "bold", `run ${this.runId}`)}  ${paintStatus(c, state.status)}  ${bar(state.progress, 30)} ${state.progress}%  ${state.finishedTasks}/${state.totalTasks} tasks`];
    const running = [...state.tasks.values()].filter((t) => t.status === "PROCESSING" || t.status === "QUEUED");
    const width = Math.min(40, Math.max(8, ...running.slice(0, MAX_RUNNING_SHOWN).map((t) => t.key.length)));
    for (const t of running.slice(0, MAX_RUNNING_SHOWN)) {
      const name = t.key.length > width ? `${t.key.slice(0, width - 1)}…` : t.key.padEnd(width);
      const progress = t.progress ?? 0;
      lines.push(`  ${name}  ${bar(progress)} ${String(Math.round(progress)).padStart(3)}%  ${t.status === "QUEUED" ? "queued" : `attempt ${Math.max(1, t.attempts)}`}${t.message ? `  ${t.message}` : ""}`);
    }
    if (running.length > MAX_RUNNING_SHOWN) lines.push(`  … and ${running.length - MAX_RUNNING_SHOWN} more running`);
    const clear = this.drawnLines > 0 ? `\u001b[${this.drawnLines}F\u001b[0J` : "";
    process.stderr.write(`${clear}${lines.join("\n")}\n`);
    this.drawnLines = lines.length;
  }

  close(state: RunState): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.output.interactive) {
      this.latest = state;
      this.draw();
    }
  }
}
