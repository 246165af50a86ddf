export interface LocalWeft {
  url: string;
  adminToken: string;
  persistDir: string;
  output(): string;
  stop(): Promise<void>;
}
export function freePort(): Promise<number>;
/** `config`: another wrangler config (the benchmarks' worker). */
export function startLocalWeft(options?: { log?: (line: string) => void; config?: string }): Promise<LocalWeft>;
