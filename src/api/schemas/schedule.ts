import { Type } from "@sinclair/typebox";
import { ErrorInfoSchema, Page, Timestamp } from "./common";

export const CronSchema = Type.String({
  minLength: 1,
  maxLength: 256,
  description: "Five fields (minute hour day-of-month month day-of-week) in UTC, or @hourly, @daily, @weekly, @monthly, @yearly.",
  examples: ["*/15 * * * *", "0 9 * * MON-FRI"],
});

/** POST /graphs/:id/schedules body. */
export const CreateScheduleBodySchema = Type.Object(
  {
    cron: CronSchema,
    input: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: "The run input of every fire (default {})." })),
    timezone: Type.Optional(Type.Literal("UTC", { description: "Only UTC is supported." })),
    enabled: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false, $id: "CreateSchedule" },
);

/** PATCH /schedules/:scheduleId body: any of the fields to change. */
export const UpdateScheduleBodySchema = Type.Object(
  {
    cron: Type.Optional(CronSchema),
    input: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, $id: "UpdateSchedule" },
);

export const ScheduleSchema = Type.Object(
  {
    id: Type.String(),
    graphId: Type.String(),
    cron: Type.String(),
    timezone: Type.Literal("UTC"),
    input: Type.Record(Type.String(), Type.Unknown()),
    enabled: Type.Boolean(),
    nextFireAt: Type.Union([Timestamp, Type.Null()], { description: "null while disabled." }),
    lastFireAt: Type.Union([Timestamp, Type.Null()]),
    lastRunId: Type.Union([Type.String(), Type.Null()]),
    lastError: Type.Union([ErrorInfoSchema, Type.Null()], { description: "Why the last fire could not start a run, if it could not." }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: "Schedule" },
);
export const SchedulePageSchema = Page(ScheduleSchema, "SchedulePage");
