import type { MergeStrategy } from "../core/graph/schema";
import { validateRunInput } from "../core/graph/run-input";
import { createDb } from "../db/client";
import { getGraph } from "../db/graphs";
import { claimIdempotencyKey, releaseIdempotencyKey } from "../db/idempotency";
import { newId } from "../db/ids";
import { insertRunIndex } from "../db/runs";
import type { RunTrigger, RunView } from "../durable/protocol";
import type { Env } from "../env";
import { runStub } from "../queue/messages";
import { HttpProblem } from "./problem";
import type { ApiDeps } from "./types";

export interface StartRunRequest {
  graphId: string;
  input: unknown;
  merge?: MergeStrategy;
  trigger: RunTrigger;
  /** Same key in the same scope → the same run (SPEC §8); `bodyHash` detects a different request reusing it. */
  idempotency?: { scope: string; key: string; bodyHash: string };
}

export interface StartedRun {
  run: RunView;
  /** False when an idempotency key matched an existing run. */
  created: boolean;
}

/**
 * Starts a run of a graph's latest version: validates the input against its root tasks, records
 * the run in the D1 index, and hands the pinned graph to a fresh RunObject. Used by the runs API,
 * webhooks, endpoints and schedules alike.
 */
export async function startRun(env: Env, deps: ApiDeps, req: StartRunRequest): Promise<StartedRun> {
  const db = createDb(env.DB);
  const graph = await getGraph(db, req.graphId);
  if (!graph) throw new HttpProblem("not-found", `There is no graph ${req.graphId}.`);
  const errors = validateRunInput(graph, req.input, deps.registry);
  if (errors.length) throw new HttpProblem("malformed-request", `The run input does not fit graph ${graph.id}: ${errors.length} problem(s).`, { errors });

  const runId = newId("r");
  if (req.idempotency) {
    const claim = await claimIdempotencyKey(db, req.idempotency.scope, req.idempotency.key, req.idempotency.bodyHash, runId);
    if (claim.kind === "conflict") {
      throw new HttpProblem("conflict", `Idempotency-Key ${JSON.stringify(req.idempotency.key)} was used for run ${claim.runId} with a different request body.`);
    }
    if (claim.kind === "existing") {
      const run = await runStub(env, claim.runId).view(false).catch(() => undefined);
      if (run) return { run, created: false };
      throw new HttpProblem("conflict", `A request with Idempotency-Key ${JSON.stringify(req.idempotency.key)} is still being processed; retry shortly.`, { headers: { "Retry-After": "1" } });
    }
  }
  const createdAt = Date.now();
  try {
    await insertRunIndex(db, { id: runId, graphId: graph.id, graphVersion: graph.version, trigger: req.trigger, createdAt });
    const { id: _id, version: _v, createdAt: _c, updatedAt: _u, ...graphJson } = graph;
    const run = await runStub(env, runId).start({
      runId,
      graphId: graph.id,
      graphVersion: graph.version,
      graph: graphJson,
      input: req.input as Record<string, unknown>,
      ...(req.merge ? { merge: req.merge } : {}),
      trigger: req.trigger,
      createdAt,
    });
    return { run, created: true };
  } catch (err) {
    if (req.idempotency) await releaseIdempotencyKey(db, req.idempotency.scope, req.idempotency.key).catch(() => {});
    throw err;
  }
}
