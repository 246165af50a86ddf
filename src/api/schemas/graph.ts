import { Type } from "@sinclair/typebox";
import { GraphBodySchema, GraphDescriptionSchema, GraphNameSchema, MergeStrategySchema } from "../../core/graph/schema";
import { Page, Timestamp } from "./common";
import { ValidationErrorSchema } from "./problem";

/*
 * The graph resources, built from the schemas of src/core/graph/schema.ts that validateGraph reads
 * its bounds from: the document describes exactly what the validator enforces structurally.
 */

const header = {
  name: GraphNameSchema,
  description: Type.Optional(GraphDescriptionSchema),
  merge: Type.Optional(MergeStrategySchema),
};

/** The graph JSON users send (SPEC §2). Semantic rules (types, ports, cycles) are listed in 422 errors. */
export const GraphInputSchema = Type.Object(
  { ...header, tasks: GraphBodySchema.properties.tasks, dataflows: GraphBodySchema.properties.dataflows },
  { $id: "Graph", description: "A task graph: tasks and the dataflows between their ports (SPEC §2)." },
);

/** A stored graph version (GET /graphs/:id). Sent back as a PUT body it is accepted as is. */
export const GraphResourceSchema = Type.Object(
  {
    id: Type.String(),
    version: Type.Integer({ minimum: 1 }),
    ...header,
    tasks: GraphBodySchema.properties.tasks,
    dataflows: GraphBodySchema.properties.dataflows,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: "StoredGraph" },
);

const summary = {
  version: Type.Integer({ minimum: 1 }),
  ...header,
  taskCount: Type.Integer({ minimum: 0 }),
  dataflowCount: Type.Integer({ minimum: 0 }),
  createdAt: Timestamp,
};

export const GraphSummarySchema = Type.Object({ id: Type.String(), ...summary, updatedAt: Timestamp }, { $id: "GraphSummary" });
export const GraphVersionSummarySchema = Type.Object(summary, { $id: "GraphVersionSummary" });
export const GraphPageSchema = Page(GraphSummarySchema, "GraphPage");
export const GraphVersionPageSchema = Page(GraphVersionSummarySchema, "GraphVersionPage");

/** POST /graphs/validate: every problem, with its JSON Pointer. */
export const GraphValidationResultSchema = Type.Object(
  { valid: Type.Boolean(), errors: Type.Array(ValidationErrorSchema) },
  { $id: "GraphValidationResult" },
);
