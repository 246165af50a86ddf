import type { Iteration } from "../task/define-task";
import { TaskError, TaskInvalidInputError } from "../task/errors";
import type { Instance } from "./compile";

/** The most iterations one Map may run. */
export const MAX_ITERATIONS = 10_000;
/** The most task rows one Map may add to a run: iterations × tasks of its subgraph. */
export const MAX_ITERATION_TASKS = 100_000;

/**
 * A started Map's runtime state. Only `iterations` is structural (it is rebuilt on restore from
 * the rows' keys); the plan is recomputed from the Map's input and `done` from the scopes.
 */
export interface MapRun {
  /** definition.iterate() of the Map's input; recomputed on first use after a restore. */
  plan: Iteration | undefined;
  /** The iterations instantiated so far, by index: always 0..n-1 (they start in index order). */
  iterations: Instance[];
  /** Iterations whose tasks have all finished. */
  done: number;
}

/**
 * What a task type's iterate() returned, checked before anything is instantiated. Element counts
 * that would blow the run up fail the Map with TaskInvalidInputError (not retried).
 */
export function checkPlan(plan: Iteration, type: string, templateTasks: number): Iteration {
  if (typeof plan !== "object" || plan === null || typeof plan.input !== "function" || typeof plan.output !== "function") {
    throw new TaskError(`${type}.iterate() returned no iteration plan`, { permanent: true });
  }
  const { count, concurrency } = plan;
  if (!Number.isSafeInteger(count) || count < 0) throw new TaskError(`${type}.iterate() returned count ${String(count)}`, { permanent: true });
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new TaskError(`${type}.iterate() returned concurrency ${String(concurrency)}`, { permanent: true });
  if (count > MAX_ITERATIONS) throw new TaskInvalidInputError(`${count} items: a ${type} runs at most ${MAX_ITERATIONS} iterations`);
  if (count * templateTasks > MAX_ITERATION_TASKS) {
    throw new TaskInvalidInputError(`${count} iterations of a ${templateTasks}-task subgraph would add ${count * templateTasks} tasks to the run, more than ${MAX_ITERATION_TASKS}`);
  }
  return plan;
}

/**
 * The Map iteration a task key or path lies in: `map[3]/inner` → the Map `map`, iteration 3;
 * `sub/map[3]/g` (a GraphAsTask inside it) → `sub/map`, 3. Undefined outside any iteration.
 */
export function enclosingIteration(path: string): { mapKey: string; index: number } | undefined {
  let end = path.length;
  while (end > 0) {
    const start = path.lastIndexOf("/", end - 1) + 1;
    const m = /^(.+)\[(\d+)\]$/.exec(path.slice(start, end));
    if (m) return { mapKey: path.slice(0, start) + m[1], index: Number(m[2]) };
    end = start - 1;
  }
  return undefined;
}
