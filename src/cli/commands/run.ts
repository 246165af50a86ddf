import type { Run } from "../../client";
import type { RunState } from "../../client/run-state";
import type { CliContext } from "../context";
import { CliFailure, EXIT, UsageError } from "../exit-codes";
import { followRun } from "../follow";
import { between, paintStatus, table } from "../output";
import { parseInputOption } from "../read-input";

export interface RunOptions {
  input?: string;
  follow?: boolean;
  idempotencyKey?: string;
}

/** The graph given by id or name. */
export async function resolveGraphId(ctx: CliContext, idOrName: string): Promise<string> {
  const graph = await ctx.client().findGraph(idOrName);
  if (!graph) throw new CliFailure(`no graph with the id or name ${JSON.stringify(idOrName)}`, EXIT.api);
  return graph.id;
}

/** Exit code of a finished run: 0 COMPLETED, 1 FAILED or ABORTED. */
export function exitCodeFor(status: string): number {
  return status === "COMPLETED" ? EXIT.ok : EXIT.failed;
}

/** `weft run <graph> --input <json|@file> [--follow]`. */
export async function runGraph(ctx: CliContext, args: string[], options: RunOptions): Promise<number> {
  if (args.length !== 1) throw new UsageError("usage: weft run <graph id or name> [--input <json|@file>] [--follow]");
  const input = parseInputOption(options.input);
  const client = ctx.client();
  const graphId = await resolveGraphId(ctx, args[0]);
  const run = await client.startRun(graphId, input, options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {});
  if (!options.follow) {
    if (ctx.json) ctx.output.out(JSON.stringify(run, null, 2));
    else ctx.output.out(`${run.id} ${run.status}`);
    return EXIT.ok;
  }
  if (!ctx.json) ctx.output.err(`started run ${run.id}`);
  const state = await followRun(client, run, ctx.output, { quiet: ctx.json });
  const finished = await client.getRun(run.id);
  printSummary(ctx, finished, state);
  return exitCodeFor(finished.status);
}

/** The finished run: a table of its tasks on stderr, then its output (or the run as JSON) on stdout. */
export function printSummary(ctx: CliContext, run: Run, state?: RunState): void {
  if (ctx.json) {
    ctx.output.out(JSON.stringify(run, null, 2));
    return;
  }
  const c = ctx.output.color;
  const rows = (run.tasks ?? []).map((t) => {
    const key = t.path ? `${t.path}/${t.id}` : t.id;
    const error = t.error ?? state?.tasks.get(key)?.error;
    return [key, t.type, paintStatus(c, t.status), String(t.attempts), between(t.startedAt, t.completedAt), error ? `${error.name}: ${error.message}` : ""];
  });
  if (rows.length > 0) for (const line of table(["TASK", "TYPE", "STATUS", "ATTEMPTS", "TOOK", "ERROR"], rows)) ctx.output.err(line);
  ctx.output.err(`run ${run.id} ${paintStatus(c, run.status)}${run.startedAt && run.completedAt ? ` in ${between(run.startedAt, run.completedAt)}` : ""}`);
  if (run.status === "COMPLETED") ctx.output.out(JSON.stringify(run.output, null, 2));
  else if (run.error) ctx.output.err(`${run.error.name}: ${run.error.message}`);
}
