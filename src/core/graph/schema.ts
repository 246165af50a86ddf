import { type Static, Type, type TSchema } from "@sinclair/typebox";

/** SPEC §2: compound merge strategies for a graph's leaf outputs. */
export const MergeStrategySchema = Type.Union([Type.Literal("PROPERTY_ARRAY"), Type.Literal("GRAPH_RESULT_ARRAY")], {
  description: "How leaf outputs are merged into the run output",
});
export type MergeStrategy = Static<typeof MergeStrategySchema>;

/** Ids are short printable strings; `/`, `[` and `]` are reserved for paths and dataflow ids. */
export const TaskIdSchema = Type.String({ minLength: 1, maxLength: 128, pattern: "^[^/\\[\\]\\s]+$" });
export const PortIdSchema = Type.String({ minLength: 1, maxLength: 128 });
export const TaskTypeNameSchema = Type.String({ minLength: 1, maxLength: 128 });
export const TaskLabelSchema = Type.String({ maxLength: 1024 });
export const GraphNameSchema = Type.String({ minLength: 1, maxLength: 256 });
export const GraphDescriptionSchema = Type.String({ maxLength: 10_000 });

export const RetryPolicySchema = Type.Object(
  {
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: "Every attempt, the first included" })),
    backoff: Type.Optional(Type.Union([Type.Literal("fixed"), Type.Literal("exponential")])),
    initialDelayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400_000 })),
    maxDelayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400_000 })),
  },
  { additionalProperties: false },
);
export type RetryPolicy = Static<typeof RetryPolicySchema>;

/**
 * Runner settings every task accepts in `config`, beside its type's own config keys.
 * `replicate` names input ports that, when fed an array, run the task once per element
 * (the cartesian product across several such ports), results merged as PROPERTY_ARRAY.
 */
export const RunnerConfigSchema = Type.Object({
  retry: Type.Optional(RetryPolicySchema),
  timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 7 * 86_400_000 })),
  cacheable: Type.Optional(Type.Boolean()),
  replicate: Type.Optional(Type.Array(PortIdSchema, { maxItems: 16 })),
});
export type RunnerConfig = Static<typeof RunnerConfigSchema>;
export const RUNNER_CONFIG_KEYS = ["retry", "timeoutMs", "cacheable", "replicate"] as const;

export const DataflowSchema = Type.Object(
  {
    sourceTaskId: TaskIdSchema,
    sourceTaskPortId: PortIdSchema,
    targetTaskId: TaskIdSchema,
    targetTaskPortId: PortIdSchema,
  },
  { additionalProperties: false },
);
export type Dataflow = Static<typeof DataflowSchema>;

export interface TaskNode {
  id: string;
  type: string;
  name?: string;
  defaults?: Record<string, unknown>;
  config?: RunnerConfig & Record<string, unknown>;
  /** Only on graph tasks (GraphAsTask, Map). */
  subgraph?: GraphBody;
  /** Only on graph tasks: how its subgraph's leaves merge into its output (a Map: into each iteration's result). */
  merge?: MergeStrategy;
}

export interface GraphBody {
  tasks: TaskNode[];
  dataflows: Dataflow[];
}

export interface Graph extends GraphBody {
  name: string;
  description?: string;
  merge?: MergeStrategy;
}

/** The task and dataflow lists, recursive through GraphAsTask subgraphs (structure only: the semantic checks are in validate.ts). */
export const GraphBodySchema = Type.Recursive(
  (This) =>
    Type.Object(
      {
        tasks: Type.Array(
          Type.Object(
            {
              id: TaskIdSchema,
              type: TaskTypeNameSchema,
              name: Type.Optional(TaskLabelSchema),
              defaults: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
              config: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
              subgraph: Type.Optional(This),
              merge: Type.Optional(MergeStrategySchema),
            },
            { additionalProperties: false },
          ),
        ),
        dataflows: Type.Array(DataflowSchema),
      },
      { additionalProperties: false },
    ),
  { $id: "GraphBody" },
);

/** SPEC §2: the graph JSON users send. */
export const GraphSchema = Type.Composite([
  Type.Object({
    name: GraphNameSchema,
    description: Type.Optional(GraphDescriptionSchema),
    merge: Type.Optional(MergeStrategySchema),
  }),
  Type.Object({ tasks: Type.Array(Type.Unknown()), dataflows: Type.Array(Type.Unknown()) }),
]);
