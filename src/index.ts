import { app } from "./api/app";
import type { Env } from "./env";
import { consumeDeadLetters } from "./queue/dead-letter-consumer";
import { consumeTasks } from "./queue/task-consumer";
import { handleScheduled } from "./scheduled";
export { GraphObject } from "./durable/graph-object";
export { RunObject } from "./durable/run-object";

/** Queue names as declared in wrangler.toml. */
const TASK_QUEUE = "weft-tasks";
const DEAD_LETTER_QUEUE = "weft-tasks-dlq";

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    return app.fetch(request, env, ctx);
  },
  async queue(batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext): Promise<void> {
    if (batch.queue === DEAD_LETTER_QUEUE) return consumeDeadLetters(batch, env);
    if (batch.queue === TASK_QUEUE) return consumeTasks(batch, env, ctx);
    console.error(`[weft] messages from unknown queue ${batch.queue}; retrying later`);
    batch.retryAll();
  },
  /** The cron trigger (wrangler.toml [triggers]): starts due schedules' runs (src/scheduled.ts). */
  async scheduled(controller: ScheduledController, env: Env): Promise<void> {
    return handleScheduled(controller, env);
  },
} satisfies ExportedHandler<Env>;
