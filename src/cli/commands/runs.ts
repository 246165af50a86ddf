import type { RunEvent } from "../../client";
import type { CliContext } from "../context";
import { EXIT, UsageError } from "../exit-codes";
import { followRun } from "../follow";
import { between, paintStatus, table } from "../output";
import { exitCodeFor, printSummary, resolveGraphId } from "./run";

const STATUSES = ["PENDING", "PROCESSING", "PAUSED", "COMPLETED", "FAILED", "ABORTED"];

/** `weft runs ls [--graph <id|name>] [--status S] [--limit n]`. */
export async function runsList(ctx: CliContext, args: string[], options: { graph?: string; status?: string; limit?: number }): Promise<number> {
  if (args.length !== 0) throw new UsageError("usage: weft runs ls [--graph <id|name>] [--status <status>] [--limit n]");
  const status = options.status?.toUpperCase();
  if (status !== undefined && !STATUSES.includes(status)) throw new UsageError(`--status must be one of ${STATUSES.join(", ")}`);
  const graphId = options.graph ? await resolveGraphId(ctx, options.graph) : undefined;
  const page = await ctx.client().listRuns({ ...(graphId ? { graphId } : {}), ...(status ? { status } : {}), limit: options.limit ?? 50 });
  if (ctx.json) {
    ctx.output.out(JSON.stringify(page.items, null, 2));
    return EXIT.ok;
  }
  if (page.items.length === 0) {
    ctx.output.err("no runs");
    return EXIT.ok;
  }
  const c = ctx.output.color;
  for (const line of table(["ID", "GRAPH", "STATUS", "CREATED", "TOOK"], page.items.map((r) => [r.id, `${r.graphId}@${r.graphVersion}`, paintStatus(c, r.status), r.createdAt, between(r.startedAt, r.completedAt)]))) {
    ctx.output.out(line);
  }
  return EXIT.ok;
}

function eventLine(e: RunEvent): string {
  const subject = e.kind === "task" ? (e.path ? `${e.path}/${e.taskId}` : e.taskId) : e.kind === "dataflow" ? e.dataflowId : "run";
  const data = e.data && Object.keys(e.data).length > 0 ? ` ${JSON.stringify(e.data)}` : "";
  const text = `${String(e.seq).padStart(5)} ${e.ts} ${`${e.kind} ${e.type}`.padEnd(17)} ${subject}${data}`;
  return text.length > 400 ? `${text.slice(0, 399)}…` : text;
}

/** `weft runs tail <id>`: the run's events from the start, live until it ends; exits like `run --follow`. */
export async function runsTail(ctx: CliContext, args: string[]): Promise<number> {
  if (args.length !== 1) throw new UsageError("usage: weft runs tail <run id>");
  const client = ctx.client();
  const run = await client.getRun(args[0]);
  await followRun(client, run, ctx.output, {
    quiet: true,
    onEvents: (events) => {
      for (const e of events) ctx.output.out(ctx.json ? JSON.stringify(e) : eventLine(e));
    },
  });
  const finished = await client.getRun(run.id);
  if (!ctx.json) {
    ctx.output.err(`run ${finished.id} ${paintStatus(ctx.output.color, finished.status)}`);
    if (finished.error) ctx.output.err(`${finished.error.name}: ${finished.error.message}`);
  }
  return exitCodeFor(finished.status);
}

export { printSummary };
