import type { TaskContext } from "../core/task/define-task";
import { OutputTooLargeError, TaskTimeoutError, toErrorInfo } from "../core/task/errors";
import { DEFAULT_LIMITS } from "../core/limits";
import { sizeAbove } from "../core/runner/value-size";
import type { ClaimResult, HandedOver, TaskMessage } from "../durable/protocol";
import type { Env } from "../env";
import { registry } from "../registry";
import { claimAll, ReportBatcher, type Reporter } from "./batched-calls";
import { heartbeatMs } from "./handover";
import { isTaskMessage, type RunObjectApi, runStub } from "./messages";

/** Progress reports to the run's object are throttled to one per task per this many ms. */
const PROGRESS_INTERVAL_MS = 250;

/**
 * Hand-over limits for one message: how many attempts a worker runs after its own, handed over
 * with completions (RunObject.complete), and for how long — then what is left goes through the
 * queue again. Bounded so one invocation stays well inside the platform's limits.
 */
const HANDOVER_MAX_ATTEMPTS = 1_000;
/** How many handed-over attempts of one message run at once (each completion may hand over two). */
const HANDOVER_MAX_RUNNING = 16;
/** Well inside the ~30 s a Worker may keep running for `waitUntil` work after its handler returned. */
const HANDOVER_MAX_MS = 20_000;
/**
 * How many attempts a worker offers to take with each completion; it runs them side by side. Two
 * covers a completion that makes both its successors ready (a lattice's corner) without a hop.
 */
const HANDOVER_TAKE = 2;

/**
 * The queue consumer (SPEC §6): for each message it claims the attempt from the run's object —
 * which hands over the input, or says the attempt is stale (finished, superseded, cancelled) and
 * the message is acked and dropped — runs the task with an AbortSignal and a progress callback,
 * and reports the outcome. A task's own failure is a result (reported, acked; retries are the
 * run's policy); only infrastructure errors (the object unreachable) retry the message, and a
 * message that exhausts its retries lands in the dead-letter queue. A batch's messages of one run
 * are claimed in one call and their reports sent together (src/queue/batched-calls.ts).
 *
 * With its completion a worker offers to run a few of the attempts that become ready (a chain's
 * next task, a wave's next wave): the object hands them over without a message. While it runs
 * an attempt the worker sends heartbeats; if it dies, the object posts the attempt's message
 * itself (src/queue/handover.ts). Handed-over attempts run after the handler has returned
 * (`waitUntil`): the batch is done, and the queue goes on delivering.
 */
export async function consumeTasks(batch: MessageBatch<unknown>, env: Env, ctx: Pick<ExecutionContext, "waitUntil">): Promise<void> {
  const byRun = new Map<string, Message<TaskMessage>[]>();
  for (const msg of batch.messages) {
    if (!isTaskMessage(msg.body)) {
      console.error("[weft] dropping a malformed task message", msg.id);
      msg.ack();
      continue;
    }
    const list = byRun.get(msg.body.runId);
    if (list) list.push(msg as Message<TaskMessage>);
    else byRun.set(msg.body.runId, [msg as Message<TaskMessage>]);
  }
  await Promise.all([...byRun].map(([runId, messages]) => consumeRun(runId, messages, env, ctx)));
}

/** One run's messages of a batch: claimed together, run side by side, reported in batches (src/queue/batched-calls.ts). */
async function consumeRun(runId: string, messages: Message<TaskMessage>[], env: Env, ctx: Pick<ExecutionContext, "waitUntil">): Promise<void> {
  const stub = runStub(env, runId);
  const claims = await claimAll(stub, messages.map((m) => m.body));
  const reporter = messages.length > 1 ? new ReportBatcher(stub) : stub;
  await Promise.all(
    messages.map(async (msg, i) => {
      const claim = claims[i];
      let next: HandedOver[] = [];
      try {
        if (claim instanceof Error) throw claim;
        if (claim.status === "claimed") next = await runWithHeartbeat(msg.body, env, stub, claim, HANDOVER_TAKE, reporter);
        msg.ack();
      } catch (err) {
        console.error(`[weft] task ${runId}/${msg.body.key}#${msg.body.attempt}: delivery ${msg.attempts} failed`, err);
        msg.retry({ delaySeconds: Math.min(30, msg.attempts) });
        return;
      }
      if (next.length > 0) ctx.waitUntil(runHandedOver(runId, next, env));
    }),
  );
}

/**
 * Runs the attempts handed over with completions, each as soon as it is handed over (side by
 * side), within the hand-over limits; every completion may hand over more.
 */
async function runHandedOver(runId: string, first: HandedOver[], env: Env): Promise<void> {
  const stub = runStub(env, runId);
  const until = Date.now() + HANDOVER_MAX_MS;
  let budget = HANDOVER_MAX_ATTEMPTS - first.length;
  let running = 0;
  const run = async ({ message: m, claim }: HandedOver): Promise<void> => {
    running++;
    // This attempt's own slot is free again once it has reported: what it takes may use it.
    const take = Date.now() < until ? Math.max(0, Math.min(HANDOVER_TAKE, budget, HANDOVER_MAX_RUNNING - running + 1)) : 0;
    budget -= take;
    let next: HandedOver[];
    try {
      next = await runWithHeartbeat(m, env, stub, claim, take);
    } catch (err) {
      // Its heartbeats stop: the run's object posts its message (and whatever its completion would have handed over).
      console.error(`[weft] task ${m.runId}/${m.key}#${m.attempt}: handed-over attempt failed; the run's object will post it to the queue`, err);
      return;
    } finally {
      running--;
    }
    budget += take - next.length;
    await Promise.all(next.map(run));
  };
  await Promise.all(first.map(run));
}

/** Runs a claimed attempt, telling the run's object every so often that this worker is alive (src/queue/handover.ts). */
async function runWithHeartbeat(m: TaskMessage, env: Env, stub: RunObjectApi, claim: Extract<ClaimResult, { status: "claimed" }>, take: number, reporter: Reporter = stub): Promise<HandedOver[]> {
  const heartbeat = setInterval(() => stub.heartbeat(m.key, m.attempt).catch(() => {}), heartbeatMs(env));
  try {
    return await runClaimed(m, stub, claim, take, reporter);
  } finally {
    clearInterval(heartbeat);
  }
}

/** Runs a claimed attempt and reports it through `reporter`; progress and log lines go to the object directly. */
async function runClaimed(m: TaskMessage, stub: RunObjectApi, claim: Extract<ClaimResult, { status: "claimed" }>, take: number, reporter: Reporter): Promise<HandedOver[]> {
  const def = registry.get(claim.type);
  if (!def?.run) {
    await reporter.fail(m.key, m.attempt, { name: "TaskTypeError", message: `task type ${claim.type} is not registered in this worker`, permanent: true });
    return [];
  }
  const controller = new AbortController();
  const timeoutMs = typeof claim.config.timeoutMs === "number" ? claim.config.timeoutMs : undefined;
  const timer = timeoutMs ? setTimeout(() => controller.abort(new TaskTimeoutError(timeoutMs)), timeoutMs) : undefined;
  let lastProgress = 0;
  const ctx: TaskContext = {
    runId: m.runId,
    taskId: claim.taskId,
    path: claim.path,
    attempt: m.attempt,
    config: claim.config,
    signal: controller.signal,
    progress: (percent, message) => {
      const now = Date.now();
      if (now - lastProgress < PROGRESS_INTERVAL_MS && percent < 100) return;
      lastProgress = now;
      stub.progress(m.key, m.attempt, percent, message).catch(() => {});
    },
    log: (message) => {
      stub.progress(m.key, m.attempt, -1, message).catch(() => {});
    },
  };
  let outcome: { ok: true; output: unknown } | { ok: false; error: ReturnType<typeof toErrorInfo> };
  try {
    const output = await def.run(claim.input, ctx);
    outcome = { ok: true, output };
  } catch (err) {
    outcome = { ok: false, error: toErrorInfo(controller.signal.aborted && controller.signal.reason instanceof Error ? controller.signal.reason : err) };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
  if (outcome.ok) {
    // An output over the cap could not even cross RPC to the run's object: report the failure instead.
    const size = sizeAbove(outcome.output, DEFAULT_LIMITS.maxValueBytes);
    if (size >= 0) outcome = { ok: false, error: toErrorInfo(new OutputTooLargeError("the task's output", size, DEFAULT_LIMITS.maxValueBytes)) };
  }
  if (outcome.ok) return reporter.complete(m.key, m.attempt, outcome.output, take);
  await reporter.fail(m.key, m.attempt, outcome.error);
  return [];
}
