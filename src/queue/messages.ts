import type { RunObject } from "../durable/run-object";
import type { TaskMessage } from "../durable/protocol";
import type { Env } from "../env";

export function isTaskMessage(body: unknown): body is TaskMessage {
  const b = body as Partial<TaskMessage> | null;
  return !!b && typeof b.runId === "string" && typeof b.key === "string" && Number.isInteger(b.attempt);
}

/**
 * The RPC surface of a run's object. Typed from the class itself: workers-types' `Rpc.Stub`
 * mapping turns results that contain `unknown` (task inputs and outputs) into `never`, so the
 * stub is viewed through the methods' own signatures instead.
 */
export type RunObjectApi = Pick<
  RunObject,
  "start" | "view" | "exists" | "events" | "value" | "waitForEnd" | "control" | "signal" | "claim" | "claimMany" | "heartbeat" | "progress" | "complete" | "fail" | "report" | "fetch" | "stats"
>;

/** The stub of a run's object: one object per run, addressed by the run id. */
export function runStub(env: Env, runId: string): RunObjectApi {
  return env.RUNS.get(env.RUNS.idFromName(runId)) as unknown as RunObjectApi;
}
