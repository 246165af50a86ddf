import { Type } from "@sinclair/typebox";
import { Page } from "./common";

const JsonSchema = Type.Unknown({ description: "A JSON Schema" });

/** One entry of GET /task-types (src/core/task/registry.ts TaskTypeInfo). */
export const TaskTypeSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    category: Type.String(),
    description: Type.Optional(Type.String()),
    execution: Type.Union([Type.Literal("inline"), Type.Literal("queue"), Type.Literal("graph")]),
    inputSchema: JsonSchema,
    outputSchema: JsonSchema,
    configSchema: JsonSchema,
  },
  { $id: "TaskType" },
);

export const TaskTypePageSchema = Page(TaskTypeSchema, "TaskTypePage");
