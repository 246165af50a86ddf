import type { CliContext } from "../context";
import { EXIT, UsageError } from "../exit-codes";
import { resolveGraphId } from "./run";

/** `weft hooks create <graph>`: a webhook that starts runs of the graph; its secret is shown once. */
export async function hooksCreate(ctx: CliContext, args: string[]): Promise<number> {
  if (args.length !== 1) throw new UsageError("usage: weft hooks create <graph id or name>");
  const graphId = await resolveGraphId(ctx, args[0]);
  const hook = await ctx.client().createHook(graphId);
  if (ctx.json) {
    ctx.output.out(JSON.stringify(hook, null, 2));
    return EXIT.ok;
  }
  ctx.output.out(`id      ${hook.id}`);
  ctx.output.out(`url     ${hook.url}`);
  ctx.output.out(`secret  ${hook.secret}`);
  ctx.output.err("The secret is shown this once. Sign deliveries with: weft sign <secret> <body file>");
  return EXIT.ok;
}
