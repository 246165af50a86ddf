import type { FailureInfo } from "../core/runner";
import type { ClaimResult, HandedOver, TaskMessage, TaskReport } from "../durable/protocol";
import type { RunObjectApi } from "./messages";

/*
 * A consumer batch brings up to 100 messages, often of one run. Claiming and reporting each on its
 * own cost two RPCs per task — about 0.3 ms of CPU each on Miniflare, most of a no-op task's cost.
 * These helpers make one trip per run for the batch's claims and one per timer turn for the
 * reports that finish together. If a batched call fails, each item is tried on its own, so one
 * failure (an object briefly unreachable) costs a retry only to the messages that fail again.
 */

/**
 * Claims chunk by chunk: a claim carries the task's input (up to the 1 MiB run input for a root
 * task), and a chunk of them must stay well inside an RPC result's 32 MiB.
 */
const CLAIM_CHUNK = 16;

/** Claims each message's attempt; per message, the result or the error its claim met. */
export async function claimAll(stub: RunObjectApi, messages: TaskMessage[]): Promise<(ClaimResult | Error)[]> {
  const out: (ClaimResult | Error)[] = [];
  for (let i = 0; i < messages.length; i += CLAIM_CHUNK) {
    const chunk = messages.slice(i, i + CLAIM_CHUNK);
    out.push(...(await claimChunk(stub, chunk)));
  }
  return out;
}

async function claimChunk(stub: RunObjectApi, chunk: TaskMessage[]): Promise<(ClaimResult | Error)[]> {
  if (chunk.length > 1) {
    try {
      return await stub.claimMany(chunk.map(({ key, attempt }) => ({ key, attempt })));
    } catch {
      // Each on its own below.
    }
  }
  return Promise.all(chunk.map((m) => stub.claim(m.key, m.attempt).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))))));
}

/** What running an attempt needs to report it: the object's stub or a batcher in front of it. */
export type Reporter = Pick<RunObjectApi, "complete" | "fail">;

interface Pending {
  report: TaskReport;
  resolve: (handed: HandedOver[]) => void;
  reject: (err: unknown) => void;
}

/**
 * Reports of one run that arrive within one timer turn go to the object as one `report` call
 * (one trip, one group commit); a lone report goes as `complete`/`fail`. Each caller gets its
 * own result, or the error of its own call.
 */
export class ReportBatcher implements Reporter {
  private pending: Pending[] = [];

  constructor(private readonly stub: RunObjectApi) {}

  complete(key: string, attempt: number, output: unknown, take = 0): Promise<HandedOver[]> {
    return this.add({ key, attempt, output, take });
  }

  async fail(key: string, attempt: number, error: FailureInfo): Promise<void> {
    await this.add({ key, attempt, error });
  }

  private add(report: TaskReport): Promise<HandedOver[]> {
    return new Promise((resolve, reject) => {
      if (this.pending.push({ report, resolve, reject }) === 1) setTimeout(() => void this.send(), 0);
    });
  }

  private async send(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 1) {
      try {
        const handed = await this.stub.report(batch.map((p) => p.report));
        batch.forEach((p, i) => p.resolve(handed[i] ?? []));
        return;
      } catch {
        // Each on its own below: a report the failed call did record is stale now, and changes nothing.
      }
    }
    await Promise.all(batch.map((p) => this.sendOne(p)));
  }

  private async sendOne({ report: r, resolve, reject }: Pending): Promise<void> {
    try {
      if ("error" in r) {
        await this.stub.fail(r.key, r.attempt, r.error);
        resolve([]);
      } else resolve(await this.stub.complete(r.key, r.attempt, r.output, r.take));
    } catch (err) {
      reject(err);
    }
  }
}
