import { type Static, Type } from "@sinclair/typebox";
import { DataflowSchema, GraphBodySchema, TaskIdSchema } from "./schema";

/*
 * The operations of `PATCH /graphs/:id` (SPEC §5): the body `{ "ops": [...] }`. These schemas
 * document the body (OpenAPI); applyPatch (patch.ts) checks it by hand so that every problem gets
 * a JSON Pointer into the body and a message that says what to fix.
 */

/** More operations than this in one patch are refused (a whole new graph is a PUT). */
export const MAX_PATCH_OPS = 10_000;

const TaskSchema = GraphBodySchema.properties.tasks.items;

export const AddTaskOpSchema = Type.Object(
  { op: Type.Literal("addTask"), task: TaskSchema },
  { additionalProperties: false, description: "Appends a task; its id must be new." },
);
export const RemoveTaskOpSchema = Type.Object(
  { op: Type.Literal("removeTask"), taskId: TaskIdSchema },
  { additionalProperties: false, description: "Removes a task and every dataflow into or out of it." },
);
export const ReplaceTaskOpSchema = Type.Object(
  { op: Type.Literal("replaceTask"), task: TaskSchema },
  { additionalProperties: false, description: "Replaces the whole task with this id, in place; its dataflows stay." },
);
export const AddDataflowOpSchema = Type.Object(
  { op: Type.Literal("addDataflow"), dataflow: DataflowSchema },
  { additionalProperties: false, description: "Appends a dataflow between two existing tasks." },
);
export const RemoveDataflowOpSchema = Type.Union(
  [
    Type.Object({ op: Type.Literal("removeDataflow"), dataflow: DataflowSchema }, { additionalProperties: false }),
    Type.Object(
      { op: Type.Literal("removeDataflow"), dataflowId: Type.String({ description: 'The derived id, e.g. "a[text] ==> b[text]"' }) },
      { additionalProperties: false },
    ),
  ],
  { description: "Removes one dataflow, named by its four fields or by its derived id." },
);

export const PatchOpSchema = Type.Union([AddTaskOpSchema, RemoveTaskOpSchema, ReplaceTaskOpSchema, AddDataflowOpSchema, RemoveDataflowOpSchema]);
export type PatchOp = Static<typeof PatchOpSchema>;
export type PatchOpName = PatchOp["op"];

/** The body of `PATCH /graphs/:id`. */
export const GraphPatchSchema = Type.Object(
  { ops: Type.Array(PatchOpSchema, { minItems: 1, maxItems: MAX_PATCH_OPS }) },
  {
    additionalProperties: false,
    $id: "GraphPatch",
    description: "Operations applied in order to the graph's latest version, all or nothing, as one new version.",
  },
);
export type GraphPatch = Static<typeof GraphPatchSchema>;

/** Each operation and the fields it takes (besides `op`). */
export const PATCH_OP_FIELDS: Record<PatchOpName, readonly string[]> = {
  addTask: ["task"],
  removeTask: ["taskId"],
  replaceTask: ["task"],
  addDataflow: ["dataflow"],
  removeDataflow: ["dataflow", "dataflowId"],
};
export const PATCH_OP_NAMES = Object.keys(PATCH_OP_FIELDS) as PatchOpName[];
