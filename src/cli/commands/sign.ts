import type { CliContext } from "../context";
import { EXIT, UsageError } from "../exit-codes";
import { readFileOrUsage } from "../read-input";
import { webhookSignature } from "../signature";

/** `weft sign <secret> <file> [--timestamp t]`: the Weft-Signature header for that exact body. */
export function sign(ctx: CliContext, args: string[], options: { timestamp?: string }): number {
  if (args.length !== 2) throw new UsageError("usage: weft sign <secret> <body file> [--timestamp <unix seconds>]");
  const [secret, file] = args;
  if (secret === "") throw new UsageError("the secret must not be empty");
  let t = Math.floor(Date.now() / 1000);
  if (options.timestamp !== undefined) {
    if (!/^\d{1,12}$/.test(options.timestamp)) throw new UsageError("--timestamp must be whole unix seconds");
    t = Number(options.timestamp);
  }
  const header = webhookSignature(secret, readFileOrUsage(file), t);
  ctx.output.out(ctx.json ? JSON.stringify({ "Weft-Signature": header }) : `Weft-Signature: ${header}`);
  return EXIT.ok;
}
