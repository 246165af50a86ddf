import { app } from "./api/app";
import type { Env } from "./env";
export { RunObject } from "./durable/run-object";

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    return app.fetch(request, env, ctx);
  },
  async queue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
    batch.ackAll();
  },
} satisfies ExportedHandler<Env>;
