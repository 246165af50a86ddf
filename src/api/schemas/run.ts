import { Type } from "@sinclair/typebox";
import { MergeStrategySchema } from "../../core/graph/schema";
import { ErrorInfoSchema, ListQuery, Page, Timestamp } from "./common";

/*
 * The run resources of SPEC §5 and §8: what clients (the viewer, the CLI, the typed client) read.
 * The run routes attach these to their route docs so the OpenAPI document describes them.
 */

export const RunStatusSchema = Type.Union(
  ["PENDING", "PROCESSING", "PAUSED", "COMPLETED", "FAILED", "ABORTED"].map((s) => Type.Literal(s)),
  { $id: "RunStatus" },
);
export const TaskStatusSchema = Type.Union(
  ["PENDING", "QUEUED", "PROCESSING", "COMPLETED", "FAILED", "SKIPPED", "ABORTED"].map((s) => Type.Literal(s)),
  { $id: "TaskStatus" },
);

const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

export const RunTaskSchema = Type.Object(
  {
    id: Type.String(),
    path: Type.Optional(Type.String({ description: "Enclosing GraphAsTask ids joined by /; absent at top level." })),
    type: Type.String(),
    status: TaskStatusSchema,
    attempts: Type.Integer({ minimum: 0 }),
    progress: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    startedAt: NullableTimestamp,
    completedAt: NullableTimestamp,
    error: Type.Optional(ErrorInfoSchema),
  },
  { $id: "RunTask" },
);

export const RunSchema = Type.Object(
  {
    id: Type.String(),
    graphId: Type.String(),
    graphVersion: Type.Integer({ minimum: 1 }),
    status: RunStatusSchema,
    input: Type.Unknown(),
    output: Type.Unknown({ description: "The merged leaf outputs once COMPLETED; null before." }),
    error: Type.Union([ErrorInfoSchema, Type.Null()]),
    createdAt: Timestamp,
    startedAt: NullableTimestamp,
    completedAt: NullableTimestamp,
    trigger: Type.Optional(Type.String({ description: "api, webhook, endpoint or schedule" })),
    progress: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    lastSeq: Type.Optional(
      Type.Integer({ minimum: 0, description: "GET /runs/:id only: the seq of the last event this snapshot reflects; a socket or events query with after=lastSeq continues from it without replaying what the snapshot already shows." }),
    ),
    tasks: Type.Optional(Type.Array(RunTaskSchema)),
  },
  { $id: "Run" },
);
export const RunPageSchema = Page(RunSchema, "RunPage");

/** POST /graphs/:id/runs body. */
export const CreateRunBodySchema = Type.Object(
  {
    input: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: "The run input (root tasks get all of it)." })),
    merge: Type.Optional(MergeStrategySchema),
  },
  { $id: "CreateRun", additionalProperties: false },
);
export const CreateRunQuery = Type.Object({
  wait: Type.Optional(Type.Number({ minimum: 0, description: "Seconds (clamped to 60) to wait for the run to finish: 200 with the finished run, else 202." })),
});
export const IdempotencyHeaders = Type.Object({
  "Idempotency-Key": Type.Optional(Type.String({ description: "Same key (per graph, 24 h) → the same run, 200 instead of 201." })),
});

export const RunListQuery = Type.Composite([
  ListQuery,
  Type.Object({ graphId: Type.Optional(Type.String()), status: Type.Optional(RunStatusSchema) }),
]);

/** One entry of the run's event log (SPEC §4). */
export const RunEventSchema = Type.Object(
  {
    seq: Type.Integer({ minimum: 1, description: "Gap-free per run." }),
    ts: Timestamp,
    runId: Type.String(),
    kind: Type.Union([Type.Literal("graph"), Type.Literal("task"), Type.Literal("dataflow")]),
    type: Type.String({ description: "graph: start progress pause resume complete error abort; task: queued start progress retry complete error skipped abort; dataflow: complete skipped error" }),
    taskId: Type.Optional(Type.String()),
    dataflowId: Type.Optional(Type.String()),
    path: Type.Optional(Type.String()),
    data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { $id: "RunEvent" },
);
export const RunEventsSchema = Type.Object({ events: Type.Array(RunEventSchema) }, { $id: "RunEvents" });
export const RunEventsQuery = Type.Object({
  after: Type.Optional(Type.Integer({ minimum: 0, default: 0, description: "Events with a greater seq." })),
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 10000,
      default: 1000,
      description:
        "At most this many events. A page also ends at about 4 MiB of events, so a shorter page does not mean the end of the log: continue with after = the last seq until a page is empty (a finished run's log ends with its terminal graph event).",
    }),
  ),
});
export const RunSocketQuery = Type.Object({
  after: Type.Optional(Type.Integer({ minimum: 0, description: "Replay after this seq, then live events; without it the whole log." })),
  token: Type.Optional(Type.String({ description: "A ticket (POST /runs/:id/ticket) or an API key: browsers cannot send headers on a WebSocket." })),
});

export const TicketSchema = Type.Object({ ticket: Type.String(), expiresAt: Timestamp }, { $id: "Ticket" });
export const SignalBodySchema = Type.Unknown({ description: "Any JSON payload; it becomes the waiting task's `payload`." });
export const SignalResultSchema = Type.Object({ delivered: Type.Boolean() }, { $id: "SignalResult" });

/** POST /graphs/:id/hooks answer; the secret is shown once. */
export const HookSchema = Type.Object({ id: Type.String(), url: Type.String({ format: "uri" }), secret: Type.String() }, { $id: "Hook" });

/** GET /runs/:id/values?ref= answer: a value events carried by reference. */
export const RunValueSchema = Type.Object({ ref: Type.String(), value: Type.Unknown() }, { $id: "RunValue" });
export const RunValueQuery = Type.Object({ ref: Type.String({ description: "data.ref.ref from an event: run:input, run:output, task:<key>, dataflow:<key>" }) });

/** GET /runs/:id/stats answer. */
export const RunStatsSchema = Type.Object(
  {
    tasks: Type.Integer(),
    events: Type.Integer(),
    storageWrites: Type.Integer({ description: "SQLite write statements since the run's object last started" }),
    queueSends: Type.Integer({ description: "Queue sendBatch calls since the run's object last started" }),
    handovers: Type.Integer({ description: "Queue attempts handed straight to the worker that reported their predecessor, since the run's object last started" }),
    sockets: Type.Integer(),
    socketFrames: Type.Integer(),
    socketBytes: Type.Integer(),
  },
  { $id: "RunStats" },
);
