import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Graph } from "../../src/core/graph/schema";
import { D1_MAX_BOUND_PARAMETERS } from "../../src/db/batch-chunks";
import { createDb } from "../../src/db/client";
import { VersionConflictError } from "../../src/db/errors";
import { D1_MAX_ROW_BYTES, TaskTooLargeToStoreError } from "../../src/db/graph-rows";
import { createGraph, deleteGraph, getGraph, listGraphVersions, updateGraph, versionInsertStatements } from "../../src/db/graphs";
import { largeGraph } from "./fixtures";

const db = createDb(env.DB);

const richGraph: Graph = {
  name: "rich",
  description: "every optional field",
  merge: "PROPERTY_ARRAY",
  tasks: [
    { id: "a", type: "Template", name: "A", defaults: { template: "Hi {{who}}" }, config: { retry: { maxAttempts: 2 }, cacheable: true } },
    { id: "empty", type: "Identity", defaults: {}, config: {} },
    {
      id: "sub",
      type: "GraphAsTask",
      merge: "GRAPH_RESULT_ARRAY",
      subgraph: {
        tasks: [{ id: "inner", type: "Uppercase" }],
        dataflows: [],
      },
    },
    { id: "bare", type: "Identity" },
  ],
  dataflows: [
    { sourceTaskId: "a", sourceTaskPortId: "text", targetTaskId: "sub", targetTaskPortId: "text" },
    { sourceTaskId: "a", sourceTaskPortId: "[error]", targetTaskId: "bare", targetTaskPortId: "value" },
  ],
};

describe("graph storage", () => {
  it("reads back exactly what was written, optional fields absent or present as given", async () => {
    const created = await createGraph(db, richGraph, 1_000);
    const read = await getGraph(db, created.id);
    expect(read).toEqual({ ...richGraph, id: created.id, version: 1, createdAt: 1_000, updatedAt: 1_000 });
    // No key appears that was not written (toEqual ignores undefined-valued keys).
    expect(Object.keys(read!.tasks[3])).toEqual(["id", "type"]);
    expect(Object.keys(read!.tasks[1]).sort()).toEqual(["config", "defaults", "id", "type"]);
    expect(created).toEqual(read);
  });

  it("keeps a graph without description or merge free of those keys", async () => {
    const g: Graph = { name: "plain", tasks: [], dataflows: [] };
    const created = await createGraph(db, g);
    const read = await getGraph(db, created.id);
    expect(Object.keys(read!).sort()).toEqual(["createdAt", "dataflows", "id", "name", "tasks", "updatedAt", "version"]);
  });

  it("returns null for an unknown graph or version", async () => {
    expect(await getGraph(db, "g_missing")).toBeNull();
    const { id } = await createGraph(db, richGraph);
    expect(await getGraph(db, id, { version: 2 })).toBeNull();
    expect(await getGraph(db, id, { version: 0 })).toBeNull();
  });

  it("never binds more than 100 parameters in one statement", () => {
    const graph = largeGraph(2_000, 3);
    const statements = versionInsertStatements(db, "g_x", 1, graph, 0);
    const counts = statements.map((s) => s.toSQL().params.length);
    expect(Math.max(...counts)).toBeLessThanOrEqual(D1_MAX_BOUND_PARAMETERS);
    // And they are multi-row: far fewer statements than rows.
    expect(statements.length).toBeLessThan((graph.tasks.length + graph.dataflows.length) / 5);
  });

  it("saves a 10,000-task, 30,000-dataflow graph atomically and reads it back identical", async () => {
    const graph = largeGraph(10_000, 3);
    expect(graph.dataflows.length).toBeGreaterThan(29_990);
    const created = await createGraph(db, graph);
    const read = await getGraph(db, created.id);
    expect(read?.tasks.length).toBe(10_000);
    expect(read?.dataflows.length).toBe(graph.dataflows.length);
    expect(read).toEqual({ ...graph, id: created.id, version: 1, createdAt: created.createdAt, updatedAt: created.updatedAt });
  });

  it("writes nothing when any statement of the batch fails", async () => {
    const before = await env.DB.prepare("select count(*) as n from graph_tasks").first<number>("n");
    // A duplicate task id violates the (graph, version, task id) unique index in the last task chunk.
    const graph = largeGraph(500, 1, "atomic");
    graph.tasks.push({ id: "t0", type: "Identity" });
    await expect(createGraph(db, graph)).rejects.toThrow();
    expect(await env.DB.prepare("select count(*) as n from graph_tasks").first<number>("n")).toBe(before);
    expect(await env.DB.prepare("select count(*) as n from graphs where name = 'atomic'").first<number>("n")).toBe(0);
  });

  it("refuses a task too large for a D1 row before writing anything", async () => {
    const big = "x".repeat(D1_MAX_ROW_BYTES);
    const graph: Graph = { name: "too-big", tasks: [{ id: "ok", type: "Identity" }, { id: "big", type: "Identity", defaults: { value: big } }], dataflows: [] };
    const err = await createGraph(db, graph).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskTooLargeToStoreError);
    expect((err as TaskTooLargeToStoreError).path).toBe("/tasks/1");
    expect(await env.DB.prepare("select count(*) as n from graphs where name = 'too-big'").first<number>("n")).toBe(0);
  });

  it("counts UTF-8 bytes, not characters, against the row limit", async () => {
    // 700,000 three-byte characters: 2.1 MB, though only 700,000 UTF-16 units.
    const graph: Graph = { name: "wide", tasks: [{ id: "w", type: "Identity", defaults: { value: "€".repeat(700_000) } }], dataflows: [] };
    await expect(createGraph(db, graph)).rejects.toBeInstanceOf(TaskTooLargeToStoreError);
  });
});

describe("versions", () => {
  it("appends immutable versions and reads any of them", async () => {
    const v1 = await createGraph(db, richGraph, 10);
    const v2Graph: Graph = { ...richGraph, name: "rich v2", tasks: richGraph.tasks.slice(0, 2), dataflows: [] };
    const v2 = await updateGraph(db, v1.id, v2Graph, { expectedVersions: [1], now: 20 });
    expect(v2).toEqual({ ...v2Graph, id: v1.id, version: 2, createdAt: 10, updatedAt: 20 });
    expect(await getGraph(db, v1.id)).toEqual(v2);
    expect(await getGraph(db, v1.id, { version: 1 })).toEqual(v1);
    const history = await listGraphVersions(db, v1.id, { limit: 10 });
    expect(history?.items.map((v) => [v.version, v.name, v.taskCount, v.dataflowCount, v.createdAt])).toEqual([
      [2, "rich v2", 2, 0, 20],
      [1, "rich", 4, 2, 10],
    ]);
  });

  it("refuses an update based on a stale version", async () => {
    const g = await createGraph(db, richGraph);
    await updateGraph(db, g.id, richGraph, { expectedVersions: [1] });
    const err = await updateGraph(db, g.id, richGraph, { expectedVersions: [1] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VersionConflictError);
    expect((err as VersionConflictError).currentVersion).toBe(2);
    expect((await getGraph(db, g.id))?.version).toBe(2);
  });

  it("lets exactly one of two concurrent updates from the same version win", async () => {
    const g = await createGraph(db, richGraph);
    const results = await Promise.allSettled([
      updateGraph(db, g.id, { ...richGraph, name: "left" }, { expectedVersions: [1] }),
      updateGraph(db, g.id, { ...richGraph, name: "right" }, { expectedVersions: [1] }),
    ]);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r) => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(VersionConflictError);
    const latest = await getGraph(db, g.id);
    expect(latest?.version).toBe(2);
    expect(latest?.name).toBe((won[0] as PromiseFulfilledResult<{ name: string }>).value.name);
    expect(await env.DB.prepare("select count(*) as n from graph_versions where graph_id = ?").bind(g.id).first<number>("n")).toBe(2);
  });

  it("fails the whole update as a conflict when the next version row already exists", async () => {
    // The state a concurrent writer's version row creates: the primary key refuses a second one.
    const g = await createGraph(db, richGraph);
    await env.DB.prepare("insert into graph_versions (graph_id, version, name, task_count, dataflow_count, created_at) values (?, 2, 'other', 0, 0, 0)")
      .bind(g.id)
      .run();
    const err = await updateGraph(db, g.id, { ...richGraph, name: "mine" }, { expectedVersions: [1] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VersionConflictError);
    // Nothing of the failed batch stayed: the pointer did not move, no rows for version 2.
    expect(await env.DB.prepare("select latest_version from graphs where id = ?").bind(g.id).first<number>("latest_version")).toBe(1);
    expect(await env.DB.prepare("select count(*) as n from graph_tasks where graph_id = ? and version = 2").bind(g.id).first<number>("n")).toBe(0);
  });

  it("returns null when updating a graph that does not exist", async () => {
    expect(await updateGraph(db, "g_missing", richGraph, { expectedVersions: [1] })).toBeNull();
  });

  it("pages through version history with a cursor", async () => {
    const g = await createGraph(db, richGraph);
    for (let v = 1; v < 5; v++) await updateGraph(db, g.id, { ...richGraph, name: `v${v + 1}` }, { expectedVersions: [v] });
    const first = await listGraphVersions(db, g.id, { limit: 2 });
    const second = await listGraphVersions(db, g.id, { limit: 2, cursor: first!.nextCursor! });
    const third = await listGraphVersions(db, g.id, { limit: 2, cursor: second!.nextCursor! });
    expect([first, second, third].flatMap((p) => p!.items.map((i) => i.version))).toEqual([5, 4, 3, 2, 1]);
    expect(third?.nextCursor).toBeNull();
  });
});

describe("deletion", () => {
  it("hides a deleted graph but keeps its versions readable for runs", async () => {
    const g = await createGraph(db, richGraph);
    await updateGraph(db, g.id, { ...richGraph, name: "second" }, { expectedVersions: [1] });
    expect(await deleteGraph(db, g.id)).toBe(true);
    expect(await getGraph(db, g.id)).toBeNull();
    expect(await getGraph(db, g.id, { version: 1 })).toBeNull();
    expect(await listGraphVersions(db, g.id, { limit: 10 })).toBeNull();
    const pinned = await getGraph(db, g.id, { version: 1, includeDeleted: true });
    expect(pinned).toEqual({ ...g });
    expect((await getGraph(db, g.id, { includeDeleted: true }))?.name).toBe("second");
  });

  it("deletes once: a second delete or an update finds nothing", async () => {
    const g = await createGraph(db, richGraph);
    expect(await deleteGraph(db, g.id)).toBe(true);
    expect(await deleteGraph(db, g.id)).toBe(false);
    expect(await updateGraph(db, g.id, richGraph, { expectedVersions: [1] })).toBeNull();
    expect(await deleteGraph(db, "g_missing")).toBe(false);
  });
});
