import { type SQL, and, asc, desc, eq, getTableColumns, isNull, lt, or } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Graph, MergeStrategy } from "../core/graph/schema";
import { chunkRows } from "./batch-chunks";
import type { Db } from "./client";
import { type Page, decodeCreatedCursor, decodeVersionCursor, encodeCreatedCursor, encodeVersionCursor } from "./cursor";
import { VersionConflictError, isUniqueViolation } from "./errors";
import { dataflowToRow, rowToDataflow, rowToTask, taskToRow } from "./graph-rows";
import { newId } from "./ids";
import { graphDataflows, graphTasks, graphVersions, graphs } from "./schema";

/** One version of a graph, with its tasks and dataflows in their stored order. */
export interface GraphRecord extends Graph {
  id: string;
  version: number;
  /** When the graph was created (ms). */
  createdAt: number;
  /** When this version was written (ms); for the latest version, the graph's last update. */
  updatedAt: number;
}

/** A graph in a listing: its latest version without tasks and dataflows. */
export interface GraphSummary {
  id: string;
  version: number;
  name: string;
  description?: string;
  merge?: MergeStrategy;
  taskCount: number;
  dataflowCount: number;
  createdAt: number;
  updatedAt: number;
}

/** One entry of a graph's version history. */
export interface GraphVersionSummary {
  version: number;
  name: string;
  description?: string;
  merge?: MergeStrategy;
  taskCount: number;
  dataflowCount: number;
  createdAt: number;
}

function columnCount(table: SQLiteTable): number {
  return Object.keys(getTableColumns(table)).length;
}
const TASK_COLUMNS = columnCount(graphTasks);
const DATAFLOW_COLUMNS = columnCount(graphDataflows);

type Statement = BatchItem<"sqlite">;
/** A batch statement whose SQL and parameters can be inspected. */
export type InsertStatement = Statement & { toSQL(): { sql: string; params: unknown[] } };

/** Drops absent optional fields so the record equals what was written. */
function optional<T extends object>(fields: T): { [K in keyof T]: Exclude<T[K], null> } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== null && v !== undefined) out[k] = v;
  return out as { [K in keyof T]: Exclude<T[K], null> };
}

/**
 * The statements that write one version's rows: the version row, then its tasks and dataflows
 * in multi-row INSERTs chunked so none binds more than D1's 100 parameters. Exported so tests
 * can check every statement's parameter count.
 */
export function versionInsertStatements(db: Db, graphId: string, version: number, graph: Graph, now: number): InsertStatement[] {
  const statements: InsertStatement[] = [
    db.insert(graphVersions).values({
      graphId,
      version,
      name: graph.name,
      description: graph.description ?? null,
      merge: graph.merge ?? null,
      taskCount: graph.tasks.length,
      dataflowCount: graph.dataflows.length,
      createdAt: now,
    }),
  ];
  const taskRows = graph.tasks.map((task, i) => taskToRow(graphId, version, i, task));
  for (const chunk of chunkRows(taskRows, TASK_COLUMNS)) statements.push(db.insert(graphTasks).values(chunk));
  const dataflowRows = graph.dataflows.map((df, i) => dataflowToRow(graphId, version, i, df));
  for (const chunk of chunkRows(dataflowRows, DATAFLOW_COLUMNS)) statements.push(db.insert(graphDataflows).values(chunk));
  return statements;
}

async function runBatch(db: Db, statements: Statement[]) {
  return db.batch(statements as [Statement, ...Statement[]]);
}

/** Stores a new graph as version 1, atomically (one D1 batch is one transaction). */
export async function createGraph(db: Db, graph: Graph, now = Date.now()): Promise<GraphRecord> {
  const id = newId("g");
  await runBatch(db, [
    db.insert(graphs).values({ id, name: graph.name, description: graph.description ?? null, latestVersion: 1, createdAt: now, updatedAt: now }),
    ...versionInsertStatements(db, id, 1, graph, now),
  ]);
  return { id, version: 1, ...pickGraph(graph), createdAt: now, updatedAt: now };
}

/**
 * Stores `graph` as the next version of graph `id`. `expectedVersions` are the versions the
 * writer accepts as its base (If-Match); omitted, whatever is latest (If-Match: *).
 * Returns null when the graph does not exist (or was deleted); throws VersionConflictError when
 * the graph has moved on.
 *
 * Concurrency: the new version row's primary key (graph_id, version) is the guard. Two writers
 * that both saw version n both try to insert n + 1; the second batch fails as a whole and
 * rolls back, so history never forks and no write is lost.
 */
export async function updateGraph(
  db: Db,
  id: string,
  graph: Graph,
  options: { expectedVersions?: readonly number[]; now?: number } = {},
): Promise<GraphRecord | null> {
  const now = options.now ?? Date.now();
  const current = await db
    .select({ latestVersion: graphs.latestVersion, createdAt: graphs.createdAt })
    .from(graphs)
    .where(and(eq(graphs.id, id), isNull(graphs.deletedAt)))
    .get();
  if (!current) return null;
  const base = current.latestVersion;
  if (options.expectedVersions && !options.expectedVersions.includes(base)) throw new VersionConflictError(base);
  const version = base + 1;

  // The version row comes first (so a lost race fails before any other write), then the
  // graph's pointer moves, then the tasks and dataflows.
  const [versionRow, ...rows] = versionInsertStatements(db, id, version, graph, now);
  const moveLatest = db
    .update(graphs)
    .set({ name: graph.name, description: graph.description ?? null, latestVersion: version, updatedAt: now })
    .where(and(eq(graphs.id, id), eq(graphs.latestVersion, base), isNull(graphs.deletedAt)));
  let results: unknown[];
  try {
    results = await runBatch(db, [versionRow, moveLatest, ...rows]);
  } catch (err) {
    if (isUniqueViolation(err, "graph_versions")) throw new VersionConflictError();
    throw err;
  }
  // Deleted between the read and the batch: the version row is written but unreachable.
  const updated = results[1] as D1Result;
  if (updated.meta.changes === 0) return null;
  return { id, version, ...pickGraph(graph), createdAt: current.createdAt, updatedAt: now };
}

/** The graph fields that are stored (a request body may carry others, e.g. a GET response's `id`). */
function pickGraph(graph: Graph): Graph {
  return { ...optional({ name: graph.name, description: graph.description, merge: graph.merge }), tasks: graph.tasks, dataflows: graph.dataflows } as Graph;
}

/**
 * One version of a graph (the latest when `version` is omitted), in three queries: the version
 * row, then its tasks and dataflows in one batch. A deleted graph reads as null unless
 * `includeDeleted` (runs read the version they pinned even after the graph is deleted).
 */
export async function getGraph(db: Db, id: string, options: { version?: number; includeDeleted?: boolean } = {}): Promise<GraphRecord | null> {
  const meta = await db
    .select({
      version: graphVersions.version,
      name: graphVersions.name,
      description: graphVersions.description,
      merge: graphVersions.merge,
      versionCreatedAt: graphVersions.createdAt,
      graphCreatedAt: graphs.createdAt,
    })
    .from(graphs)
    .innerJoin(graphVersions, and(eq(graphVersions.graphId, graphs.id), eq(graphVersions.version, options.version ?? graphs.latestVersion)))
    .where(and(eq(graphs.id, id), options.includeDeleted ? undefined : isNull(graphs.deletedAt)))
    .get();
  if (!meta) return null;
  const [taskRows, dataflowRows] = await db.batch([
    db.select().from(graphTasks).where(and(eq(graphTasks.graphId, id), eq(graphTasks.version, meta.version))).orderBy(asc(graphTasks.position)),
    db
      .select()
      .from(graphDataflows)
      .where(and(eq(graphDataflows.graphId, id), eq(graphDataflows.version, meta.version)))
      .orderBy(asc(graphDataflows.position)),
  ]);
  return {
    id,
    version: meta.version,
    ...optional({ name: meta.name, description: meta.description, merge: meta.merge as MergeStrategy | null }),
    tasks: taskRows.map(rowToTask),
    dataflows: dataflowRows.map(rowToDataflow),
    createdAt: meta.graphCreatedAt,
    updatedAt: meta.versionCreatedAt,
  } as GraphRecord;
}

/** The latest version of a live graph, null when there is none: one primary-key lookup, no rows. */
export async function getLatestVersion(db: Db, id: string): Promise<number | null> {
  const row = await db
    .select({ latestVersion: graphs.latestVersion })
    .from(graphs)
    .where(and(eq(graphs.id, id), isNull(graphs.deletedAt)))
    .get();
  return row?.latestVersion ?? null;
}

/** Live graphs, newest first (ties broken by id), with their latest version's counts. */
export async function listGraphs(db: Db, options: { limit: number; cursor?: string; name?: string }): Promise<Page<GraphSummary>> {
  const conditions: (SQL | undefined)[] = [isNull(graphs.deletedAt)];
  if (options.name !== undefined) conditions.push(eq(graphs.name, options.name));
  if (options.cursor !== undefined) {
    const after = decodeCreatedCursor(options.cursor);
    conditions.push(or(lt(graphs.createdAt, after.createdAt), and(eq(graphs.createdAt, after.createdAt), lt(graphs.id, after.id))));
  }
  const rows = await db
    .select({
      id: graphs.id,
      version: graphs.latestVersion,
      name: graphs.name,
      description: graphs.description,
      merge: graphVersions.merge,
      taskCount: graphVersions.taskCount,
      dataflowCount: graphVersions.dataflowCount,
      createdAt: graphs.createdAt,
      updatedAt: graphs.updatedAt,
    })
    .from(graphs)
    .innerJoin(graphVersions, and(eq(graphVersions.graphId, graphs.id), eq(graphVersions.version, graphs.latestVersion)))
    .where(and(...conditions))
    .orderBy(desc(graphs.createdAt), desc(graphs.id))
    .limit(options.limit + 1);
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => optional(r) as GraphSummary),
    nextCursor: rows.length > options.limit && last ? encodeCreatedCursor(last) : null,
  };
}

/** A live graph's versions, newest first; null when the graph does not exist. */
export async function listGraphVersions(db: Db, id: string, options: { limit: number; cursor?: string }): Promise<Page<GraphVersionSummary> | null> {
  const before = options.cursor === undefined ? undefined : decodeVersionCursor(options.cursor);
  const graph = await db.select({ id: graphs.id }).from(graphs).where(and(eq(graphs.id, id), isNull(graphs.deletedAt))).get();
  if (!graph) return null;
  const rows = await db
    .select({
      version: graphVersions.version,
      name: graphVersions.name,
      description: graphVersions.description,
      merge: graphVersions.merge,
      taskCount: graphVersions.taskCount,
      dataflowCount: graphVersions.dataflowCount,
      createdAt: graphVersions.createdAt,
    })
    .from(graphVersions)
    .where(and(eq(graphVersions.graphId, id), before === undefined ? undefined : lt(graphVersions.version, before)))
    .orderBy(desc(graphVersions.version))
    .limit(options.limit + 1);
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => optional(r) as GraphVersionSummary),
    nextCursor: rows.length > options.limit && last ? encodeVersionCursor(last.version) : null,
  };
}

/** Marks a graph deleted; its versions stay readable for runs. False when there is no live graph `id`. */
export async function deleteGraph(db: Db, id: string, now = Date.now()): Promise<boolean> {
  const result = await db
    .update(graphs)
    .set({ deletedAt: now })
    .where(and(eq(graphs.id, id), isNull(graphs.deletedAt)))
    .run();
  return result.meta.changes > 0;
}
