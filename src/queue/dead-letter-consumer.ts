import type { Env } from "../env";
import { isTaskMessage, runStub } from "./messages";

/**
 * Messages that exhausted their deliveries (the run's object was unreachable every time, or the
 * worker kept crashing) arrive here: their attempt fails in the run, with an error saying so,
 * and the task's retry policy decides what follows. Stale attempts are ignored by the object.
 */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  await Promise.all(
    batch.messages.map(async (msg) => {
      if (!isTaskMessage(msg.body)) {
        msg.ack();
        return;
      }
      try {
        await runStub(env, msg.body.runId).fail(msg.body.key, msg.body.attempt, {
          name: "DeliveryFailedError",
          message: "the task message was redelivered until the queue gave up on it (consumer failures); see the worker logs",
          code: "dead_letter",
        });
        msg.ack();
      } catch (err) {
        console.error(`[weft] dead letter ${msg.body.runId}/${msg.body.key}: could not reach the run`, err);
        msg.retry({ delaySeconds: 30 });
      }
    }),
  );
}
