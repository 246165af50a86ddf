import type { TObject } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import type { TaskNode } from "../../../src/core/graph/schema";
import type { AnyTaskDefinition, TaskContext, TaskPorts } from "../../../src/core/task/define-task";
import { type ErrorInfo, toErrorInfo } from "../../../src/core/task/errors";
import { createRegistry } from "../../../src/tasks/index";

export const registry = createRegistry();

/** A real TaskContext: its own AbortController, and the progress and log lines it received. */
export class TestContext implements TaskContext<Record<string, unknown>> {
  readonly runId = "r_test";
  readonly taskId = "t";
  readonly path = "";
  readonly attempt: number;
  readonly config: Record<string, unknown>;
  readonly controller = new AbortController();
  readonly progressed: Array<{ percent: number; message?: string }> = [];
  readonly logs: string[] = [];

  constructor(config: Record<string, unknown> = {}, attempt = 1) {
    this.config = config;
    this.attempt = attempt;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  progress(percent: number, message?: string): void {
    this.progressed.push(message === undefined ? { percent } : { percent, message });
  }

  log(message: string): void {
    this.logs.push(message);
  }
}

/** Runs a task's `run` as the runner would (input and config are not validated here). */
export async function run(def: AnyTaskDefinition, input: Record<string, unknown>, ctx: TestContext = new TestContext()): Promise<unknown> {
  if (!def.run) throw new Error(`${def.type} has no run()`);
  return await def.run(input, ctx);
}

/** The client-safe error a task's run ends with (fails the test if it succeeds). */
export async function failure(def: AnyTaskDefinition, input: Record<string, unknown>, ctx: TestContext = new TestContext()): Promise<ErrorInfo & { permanent?: boolean }> {
  try {
    await run(def, input, ctx);
  } catch (err) {
    return toErrorInfo(err);
  }
  throw new Error(`${def.type} succeeded where it should fail`);
}

/** A context whose signal is already aborted, as after a cancel. */
export function abortedContext(config: Record<string, unknown> = {}): TestContext {
  const ctx = new TestContext(config);
  ctx.controller.abort("run cancelled");
  return ctx;
}

/** The ports of a task instance, through the registry (instance-dependent types included). */
export function portsOf(node: Omit<TaskNode, "id"> & { id?: string }): TaskPorts {
  const ports = registry.portsOf({ id: "t", ...node } as TaskNode);
  if (!ports) throw new Error(`unknown type ${node.type}`);
  return ports;
}

export function accepts(schema: TObject, value: unknown): boolean {
  return Value.Check(schema, value);
}

/** The config schema of a type (every built-in with settings has one). */
export function configSchema(def: AnyTaskDefinition): TObject {
  if (!def.config) throw new Error(`${def.type} has no config schema`);
  return def.config;
}
