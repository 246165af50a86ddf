import { sql } from "drizzle-orm";
import { foreignKey, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/*
 * D1 tables (the seed's ER model): a graph is a row that points at its latest version; every
 * version is immutable and owns its tasks and dataflows as rows, kept in the order the user
 * wrote them (`position`). Deleting a graph only marks it deleted, because runs pin a version
 * and must still be able to read it.
 *
 * Timestamps are integer milliseconds since the epoch (sortable, compact); the API renders ISO.
 * JSON columns hold text the store serialises itself (see graph-rows.ts), so it can measure
 * them against D1's row size limit before writing.
 */

export const graphs = sqliteTable(
  "graphs",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    description: text("description"),
    latestVersion: integer("latest_version").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    /** Set when the graph is deleted; its versions stay for the runs that pinned them. */
    deletedAt: integer("deleted_at"),
  },
  (t) => [
    // Cursor pagination, newest first, over live graphs only.
    index("graphs_live_created_idx").on(t.createdAt, t.id).where(sql`deleted_at is null`),
    index("graphs_name_idx").on(t.name),
  ],
);

export const graphVersions = sqliteTable(
  "graph_versions",
  {
    graphId: text("graph_id")
      .notNull()
      .references(() => graphs.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    name: text("name").notNull(),
    description: text("description"),
    merge: text("merge"),
    taskCount: integer("task_count").notNull(),
    dataflowCount: integer("dataflow_count").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  // The primary key is also the optimistic-concurrency guard: two writers that both saw
  // version n cannot both insert n + 1 (see graphs.ts).
  (t) => [primaryKey({ columns: [t.graphId, t.version] })],
);

export const graphTasks = sqliteTable(
  "graph_tasks",
  {
    graphId: text("graph_id").notNull(),
    version: integer("version").notNull(),
    position: integer("position").notNull(),
    taskId: text("task_id").notNull(),
    type: text("type").notNull(),
    name: text("name"),
    /** JSON object or NULL. */
    defaults: text("defaults"),
    /** JSON object or NULL. */
    config: text("config"),
    /** JSON GraphBody or NULL (GraphAsTask only). */
    subgraph: text("subgraph"),
    merge: text("merge"),
  },
  (t) => [
    primaryKey({ columns: [t.graphId, t.version, t.position] }),
    uniqueIndex("graph_tasks_task_id_idx").on(t.graphId, t.version, t.taskId),
    foreignKey({ columns: [t.graphId, t.version], foreignColumns: [graphVersions.graphId, graphVersions.version] }).onDelete("cascade"),
  ],
);

export const graphDataflows = sqliteTable(
  "graph_dataflows",
  {
    graphId: text("graph_id").notNull(),
    version: integer("version").notNull(),
    position: integer("position").notNull(),
    /** Derived (src/core/graph/dataflow-id.ts); stored so a dataflow can be found by the id clients see. */
    dataflowId: text("dataflow_id").notNull(),
    sourceTaskId: text("source_task_id").notNull(),
    sourceTaskPortId: text("source_task_port_id").notNull(),
    targetTaskId: text("target_task_id").notNull(),
    targetTaskPortId: text("target_task_port_id").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.graphId, t.version, t.position] }),
    uniqueIndex("graph_dataflows_dataflow_id_idx").on(t.graphId, t.version, t.dataflowId),
    foreignKey({ columns: [t.graphId, t.version], foreignColumns: [graphVersions.graphId, graphVersions.version] }).onDelete("cascade"),
  ],
);

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    /** Hex SHA-256 of the whole key; the key itself is never stored. */
    hash: text("hash").notNull(),
    /** The key's first characters, shown in listings so people can tell keys apart. */
    prefix: text("prefix").notNull(),
    /** JSON array of scopes. */
    scopes: text("scopes").notNull(),
    createdAt: integer("created_at").notNull(),
    revokedAt: integer("revoked_at"),
    lastUsedAt: integer("last_used_at"),
  },
  (t) => [uniqueIndex("api_keys_hash_idx").on(t.hash), index("api_keys_created_idx").on(t.createdAt, t.id)],
);

/**
 * The run index: one row per run, for listing and filtering runs without waking their Durable
 * Objects. The object is the source of truth; it writes this row when the run starts and on every
 * terminal transition (status, timings, an output summary, the error).
 */
export const runs = sqliteTable(
  "runs",
  {
    id: text("id").primaryKey(),
    graphId: text("graph_id").notNull(),
    graphVersion: integer("graph_version").notNull(),
    status: text("status").notNull(),
    /** "api" | "webhook" | "endpoint" | "schedule" | "retry". */
    trigger: text("trigger").notNull(),
    createdAt: integer("created_at").notNull(),
    startedAt: integer("started_at"),
    completedAt: integer("completed_at"),
    /** JSON: the output, or a truncated summary of it when large. */
    outputSummary: text("output_summary"),
    /** JSON ErrorInfo. */
    error: text("error"),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("runs_created_idx").on(t.createdAt, t.id),
    index("runs_graph_created_idx").on(t.graphId, t.createdAt, t.id),
    index("runs_status_created_idx").on(t.status, t.createdAt, t.id),
  ],
);

/**
 * Idempotency keys (SPEC §8): per scope (a graph's runs, a hook's deliveries), a key maps to the
 * run it created and the hash of the request body, for 24 hours. Same key + different body → 409.
 */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    scope: text("scope").notNull(),
    key: text("key").notNull(),
    bodyHash: text("body_hash").notNull(),
    runId: text("run_id").notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.key] }), index("idempotency_expires_idx").on(t.expiresAt)],
);

/*
 * Triggers (webhooks, endpoints, schedules). Signing secrets are sealed (AES-GCM, see
 * src/api/signing-secrets.ts): HMAC verification needs the secret itself, so it cannot be hashed.
 * During a rotation window the previous sealed secret stays valid until `previous_expires_at`.
 */
export const hooks = sqliteTable(
  "hooks",
  {
    id: text("id").primaryKey(),
    graphId: text("graph_id").notNull(),
    secret: text("secret").notNull(),
    previousSecret: text("previous_secret"),
    previousExpiresAt: integer("previous_expires_at"),
    /** JSON object: run input key → JSON Pointer into { body, headers }; NULL = the body is the input. */
    inputMapping: text("input_mapping"),
    createdAt: integer("created_at").notNull(),
    rotatedAt: integer("rotated_at"),
  },
  (t) => [index("hooks_graph_created_idx").on(t.graphId, t.createdAt, t.id)],
);

/** A graph published at `POST /endpoints/:slug`. */
export const endpoints = sqliteTable(
  "endpoints",
  {
    slug: text("slug").primaryKey(),
    graphId: text("graph_id").notNull(),
    /** "public" | "api-key" | "hmac". */
    auth: text("auth").notNull(),
    timeoutMs: integer("timeout_ms").notNull(),
    description: text("description"),
    /** Sealed signing secret; set only while `auth` is "hmac". */
    secret: text("secret"),
    previousSecret: text("previous_secret"),
    previousExpiresAt: integer("previous_expires_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("endpoints_created_idx").on(t.createdAt, t.slug)],
);

/**
 * Cron schedules. `next_fire_at` is the claim token of the scheduled handler: a fire is started
 * only by the invocation whose conditional UPDATE moved it forward (src/scheduled.ts).
 */
export const schedules = sqliteTable(
  "schedules",
  {
    id: text("id").primaryKey(),
    graphId: text("graph_id").notNull(),
    cron: text("cron").notNull(),
    /** Only "UTC" for now. */
    timezone: text("timezone").notNull(),
    /** JSON object: the run input of every fire. */
    input: text("input").notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
    /** ms since the epoch; NULL while disabled. */
    nextFireAt: integer("next_fire_at"),
    lastFireAt: integer("last_fire_at"),
    lastRunId: text("last_run_id"),
    /** JSON ErrorInfo of the last fire that could not start a run. */
    lastError: text("last_error"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("schedules_due_idx").on(t.nextFireAt).where(sql`enabled = 1`),
    index("schedules_graph_created_idx").on(t.graphId, t.createdAt, t.id),
  ],
);

/**
 * Fixed-window request counters: the rate limiter's fallback where the Workers rate limiting
 * binding is not configured (src/api/rate-limit.ts). One row per limited key; the scheduled
 * handler deletes rows whose window has long passed.
 */
export const rateLimitWindows = sqliteTable(
  "rate_limit_windows",
  {
    key: text("key").primaryKey(),
    windowStart: integer("window_start").notNull(),
    count: integer("count").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("rate_limit_windows_expires_idx").on(t.expiresAt)],
);
