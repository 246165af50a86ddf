import { WeftClient } from "../client";
import { UsageError } from "./exit-codes";
import type { Output } from "./output";

/** What every command gets: the parsed global options, the client, and where to write. */
export interface CliContext {
  url: string;
  token: string | undefined;
  json: boolean;
  output: Output;
  client(): WeftClient;
}

export function createContext(options: { url?: string; token?: string; json?: boolean }, env: NodeJS.ProcessEnv, output: Output): CliContext {
  const url = options.url ?? env.WEFT_URL ?? "http://127.0.0.1:8787";
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error();
  } catch {
    throw new UsageError(`--url must be an http(s) URL; got ${JSON.stringify(url)}`);
  }
  const token = options.token ?? env.WEFT_TOKEN ?? undefined;
  let client: WeftClient | undefined;
  return {
    url,
    token,
    json: options.json ?? false,
    output,
    client() {
      client ??= new WeftClient({ url, ...(token ? { token } : {}) });
      return client;
    },
  };
}
