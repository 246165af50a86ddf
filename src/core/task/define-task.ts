import type { Static, TObject, TSchema } from "@sinclair/typebox";
import type { GraphBody, TaskNode } from "../graph/schema";

/** Where a task runs (SPEC §5 `/task-types` `execution`). */
export type Execution = "inline" | "queue" | "graph";

/** The resolved port schemas of one task instance. */
export interface TaskPorts {
  input: TObject;
  output: TObject;
  /**
   * What the `*` output port carries when the whole output is not the `output` object (a subgraph
   * merged with GRAPH_RESULT_ARRAY outputs an array); `output` when absent.
   */
  whole?: TSchema;
}

/** What a task's `run` receives besides its input. */
export interface TaskContext<C = Record<string, unknown>> {
  runId: string;
  /** The task's id (inner id inside a subgraph). */
  taskId: string;
  /** Enclosing GraphAsTask ids joined by "/", "" at top level. */
  path: string;
  attempt: number;
  /** The task's `config` from the graph (type-specific keys and runner keys). */
  config: C;
  /** Aborted on cancel, on an unhandled failure elsewhere in the run, and on timeout. */
  signal: AbortSignal;
  /** 0–100; the runner coalesces progress into `task progress` and `graph progress` events. */
  progress(percent: number, message?: string): void;
  /** A line in the run's event log (a `task progress` event with `data.message`). */
  log(message: string): void;
}

/**
 * A durable wait instead of `run` (Delay, WaitForSignal): the runner parks the task on the run's
 * alarm or on a named signal, so nothing sleeps in memory and eviction loses nothing.
 */
export type WaitRequest =
  | { kind: "timer"; ms: number }
  | { kind: "signal"; name: string; timeoutMs?: number };

export type WaitOutcome = { kind: "timer" } | { kind: "signal"; payload: unknown } | { kind: "timeout" };

/**
 * How a graph task that iterates (Map) runs its subgraph: `count` times, at most `concurrency`
 * iterations at once, each reading `input(index)` as its scope input (what a run input is to a
 * top-level graph). Its output is `output(results)`, with each iteration's merged leaves in order.
 */
export interface Iteration {
  count: number;
  concurrency: number;
  input(index: number): Record<string, unknown>;
  output(results: unknown[]): Record<string, unknown>;
}

export interface TaskDefinition<
  I extends TObject = TObject,
  O extends TObject = TObject,
  C extends TObject = TObject,
> {
  type: string;
  title: string;
  category: string;
  description?: string;
  execution: Execution;
  input: I;
  output: O;
  /** The type's own config keys (the runner keys — retry, timeoutMs… — are accepted on every task). */
  config?: C;
  /**
   * Instance-dependent ports (Template variables, GraphAsTask). `portsOf` resolves nested tasks
   * (a subgraph's) through the same registry.
   */
  ports?(task: TaskNode, portsOf: (task: TaskNode) => TaskPorts | undefined): TaskPorts;
  /**
   * Branching tasks (Condition): output ports whose key is absent from the returned output are
   * inactive; their dataflows are SKIPPED and the skip propagates.
   */
  branching?: boolean;
  /**
   * Graph tasks only: run the subgraph once per element instead of once (Map). Pure and
   * deterministic: the runner calls it when the task starts and again after a restore.
   */
  iterate?(input: Static<I>, config: Static<C>): Iteration;
  /** Durable tasks: what to wait for, then `resume` builds the output. */
  wait?(input: Static<I>, config: Static<C>): WaitRequest;
  resume?(input: Static<I>, outcome: WaitOutcome): Static<O>;
  run?(input: Static<I>, ctx: TaskContext<Static<C>>): Static<O> | Promise<Static<O>>;
}

/** Any task definition, whatever its schemas. */
// biome-ignore lint: the registry holds definitions of every schema type
export type AnyTaskDefinition = TaskDefinition<any, any, any>;

/**
 * Defines a task type. The schemas type `run`: its input, config and return value are inferred,
 * so a mismatch is a compile-time error.
 *
 * ```ts
 * export const Upper = defineTask({
 *   type: "Upper", title: "Upper-case", category: "String", execution: "inline",
 *   input: Type.Object({ text: Type.String() }),
 *   output: Type.Object({ text: Type.String() }),
 *   run: ({ text }) => ({ text: text.toUpperCase() }),
 * });
 * ```
 */
export function defineTask<I extends TObject, O extends TObject, C extends TObject = TObject<{}>>(
  def: TaskDefinition<I, O, C>,
): TaskDefinition<I, O, C> {
  if (!def.run && !def.wait && def.execution !== "graph") {
    throw new Error(`task type ${def.type}: needs run() or wait()`);
  }
  return def;
}

export type { GraphBody, Static, TSchema };
