import type { Env } from "./env";
export { RunObject } from "./durable/run-object";

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    return Response.json({ status: "ok" });
  },
  async queue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
    batch.ackAll();
  },
} satisfies ExportedHandler<Env>;
