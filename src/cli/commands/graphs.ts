import type { Graph } from "../../core/graph/schema";
import { CliFailure, EXIT, UsageError } from "../exit-codes";
import type { CliContext } from "../context";
import { table } from "../output";
import { readJsonFile } from "../read-input";

/** `weft graphs push <file.json>`: validate, then create it, or update the graph with that name (If-Match). */
export async function graphsPush(ctx: CliContext, args: string[]): Promise<number> {
  if (args.length !== 1) throw new UsageError("usage: weft graphs push <file.json>");
  const graph = readJsonFile(args[0]);
  const client = ctx.client();
  const check = await client.validateGraph(graph);
  if (!check.valid) {
    if (ctx.json) ctx.output.out(JSON.stringify({ valid: false, errors: check.errors }, null, 2));
    else for (const e of check.errors) ctx.output.err(`  ${e.path || "/"}: ${e.message}`);
    throw new CliFailure(`${args[0]} is not a valid graph: ${check.errors.length} problem${check.errors.length === 1 ? "" : "s"}`, EXIT.failed);
  }
  const name = (graph as Graph).name;
  const existing = await client.listGraphs(undefined, 1, name);
  const current = existing.items[0];
  const stored = current ? await client.updateGraph(current.id, current.version, graph as Graph) : await client.createGraph(graph as Graph);
  if (ctx.json) ctx.output.out(JSON.stringify({ id: stored.id, name: stored.name, version: stored.version, created: !current }, null, 2));
  else ctx.output.out(`${current ? "updated" : "created"} ${stored.name} ${stored.id} version ${stored.version}`);
  return EXIT.ok;
}

/** `weft graphs ls`: every graph, newest first. */
export async function graphsList(ctx: CliContext, args: string[], options: { limit?: number }): Promise<number> {
  if (args.length !== 0) throw new UsageError("usage: weft graphs ls [--limit n]");
  const client = ctx.client();
  const items = [];
  let cursor: string | undefined;
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  do {
    const page = await client.listGraphs(cursor, Math.min(200, limit - items.length));
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && items.length < limit);
  if (ctx.json) {
    ctx.output.out(JSON.stringify(items, null, 2));
    return EXIT.ok;
  }
  if (items.length === 0) {
    ctx.output.err("no graphs yet: weft graphs push <file.json>");
    return EXIT.ok;
  }
  for (const line of table(["ID", "NAME", "VERSION", "TASKS", "UPDATED"], items.map((g) => [g.id, g.name, String(g.version), String(g.taskCount ?? ""), g.updatedAt]))) ctx.output.out(line);
  return EXIT.ok;
}
