import { parseArgs } from "node:util";
import { WeftApiError } from "../client";
import { hooksCreate } from "./commands/hooks";
import { graphsList, graphsPush } from "./commands/graphs";
import { runGraph } from "./commands/run";
import { runsList, runsTail } from "./commands/runs";
import { sign } from "./commands/sign";
import { createContext } from "./context";
import { CliFailure, EXIT, UsageError } from "./exit-codes";
import { type Output, processOutput } from "./output";

export const USAGE = `weft — drive Weft from a terminal

Usage:
  weft graphs push <file.json>          validate, then create the graph or update the one with its name
  weft graphs ls                        list graphs
  weft run <graph> [--input <json|@file>] [--follow] [--idempotency-key <key>]
                                        start a run of a graph (id or name); --follow shows live
                                        progress and a summary, and exits with the run's outcome
  weft runs ls [--graph <g>] [--status <s>] [--limit <n>]
                                        list runs, newest first
  weft runs tail <run id>               print a run's events, live until it ends
  weft hooks create <graph>             create a webhook for a graph (the secret is shown once)
  weft sign <secret> <file> [--timestamp <t>]
                                        print the Weft-Signature header for a webhook body

Options:
  --url <url>      the Weft API (default $WEFT_URL, else http://127.0.0.1:8787)
  --token <key>    API key or admin token (default $WEFT_TOKEN)
  --json           machine-readable output on stdout
  -h, --help       this help

Exit codes: 0 done (run COMPLETED), 1 run FAILED/ABORTED or invalid graph, 2 usage error,
3 API or network error.`;

const OPTIONS = {
  url: { type: "string" },
  token: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  input: { type: "string" },
  follow: { type: "boolean", short: "f" },
  "idempotency-key": { type: "string" },
  graph: { type: "string" },
  status: { type: "string" },
  limit: { type: "string" },
  timestamp: { type: "string" },
} as const;

function positiveInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,6}$/.test(value) || Number(value) < 1) throw new UsageError(`--${name} must be a positive whole number`);
  return Number(value);
}

/** Runs one command line; resolves with the exit code. Never throws. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env, output: Output = processOutput()): Promise<number> {
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const { values, positionals } = parsed;
    if (values.help || positionals.length === 0) {
      (values.help ? output.out : output.err)(USAGE);
      return values.help ? EXIT.ok : EXIT.usage;
    }
    const ctx = createContext({ url: values.url, token: values.token, json: values.json }, env, output);
    const [command, sub, ...rest] = positionals;
    const limit = positiveInt(values.limit, "limit");
    switch (command) {
      case "graphs":
        if (sub === "push") return await graphsPush(ctx, rest);
        if (sub === "ls" || sub === "list") return await graphsList(ctx, rest, { ...(limit ? { limit } : {}) });
        throw new UsageError(`unknown command: weft graphs ${sub ?? ""}`.trim());
      case "run":
        return await runGraph(ctx, positionals.slice(1), {
          ...(values.input !== undefined ? { input: values.input } : {}),
          follow: values.follow ?? false,
          ...(values["idempotency-key"] ? { idempotencyKey: values["idempotency-key"] } : {}),
        });
      case "runs":
        if (sub === "ls" || sub === "list") return await runsList(ctx, rest, { ...(values.graph ? { graph: values.graph } : {}), ...(values.status ? { status: values.status } : {}), ...(limit ? { limit } : {}) });
        if (sub === "tail") return await runsTail(ctx, rest);
        throw new UsageError(`unknown command: weft runs ${sub ?? ""}`.trim());
      case "hooks":
        if (sub === "create") return await hooksCreate(ctx, rest);
        throw new UsageError(`unknown command: weft hooks ${sub ?? ""}`.trim());
      case "sign":
        return sign(ctx, positionals.slice(1), { ...(values.timestamp !== undefined ? { timestamp: values.timestamp } : {}) });
      default:
        throw new UsageError(`unknown command: ${command}`);
    }
  } catch (err) {
    return report(err, output);
  }
}

function report(err: unknown, output: Output): number {
  if (err instanceof UsageError) {
    output.err(`weft: ${err.message}`);
    output.err("Run weft --help for usage.");
    return EXIT.usage;
  }
  if (err instanceof CliFailure) {
    output.err(`weft: ${err.message}`);
    return err.code;
  }
  if (err instanceof WeftApiError) {
    output.err(`weft: ${err.message}`);
    for (const e of err.problem.errors ?? []) output.err(`  ${e.path || "/"}: ${e.message}`);
    if (err.status === 401) output.err("Pass an API key with --token or WEFT_TOKEN.");
    return EXIT.api;
  }
  // fetch() rejects with a TypeError whose cause says why (ECONNREFUSED, ENOTFOUND…).
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
  output.err(cause ? `weft: cannot reach the API (${why})` : `weft: ${why}`);
  return EXIT.api;
}
