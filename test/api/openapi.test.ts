import { type TSchema, Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { describe, expect, it } from "vitest";
import { routeTable } from "../../src/api/app";
import { buildOpenApiDocument, openApiPath, operationId } from "../../src/api/openapi";
import { PROBLEM_KINDS } from "../../src/api/problem";
import type { RouteSpec } from "../../src/api/route-table";
import { GraphBodySchema } from "../../src/core/graph/schema";
import { GraphPageSchema, GraphResourceSchema, GraphValidationResultSchema } from "../../src/api/schemas/graph";
import { ApiKeyPageSchema, CreatedApiKeySchema } from "../../src/api/schemas/key";
import { ProblemSchema } from "../../src/api/schemas/problem";
import { TaskTypePageSchema } from "../../src/api/schemas/task-type";
import { call, createGraphViaApi, greetGraph } from "./helpers";

type Doc = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; responses: Record<string, { content: Record<string, { schema: unknown }> }>; securitySchemes: Record<string, unknown> };
};
type Operation = {
  operationId: string;
  security: unknown[];
  "x-weft-scope": string;
  parameters: { name: string; in: string; required: boolean }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { $ref?: string; description?: string; content?: Record<string, { schema: unknown }> }>;
};

async function fetchDocument(): Promise<Doc> {
  const res = await call("/openapi.json", { token: null });
  expect(res.status).toBe(200);
  expect(res.headers.get("Content-Type")).toContain("application/json");
  return (await res.json()) as Doc;
}

/** Every `$ref` string anywhere in `node`. */
function refs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) refs(n, out);
  else if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (k === "$ref" && typeof v === "string") out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

function resolve(doc: Doc, ref: string): unknown {
  expect(ref.startsWith("#/")).toBe(true);
  let node: unknown = doc;
  for (const part of ref.slice(2).split("/")) node = (node as Record<string, unknown>)[part.replace(/~1/g, "/").replace(/~0/g, "~")];
  return node;
}

describe("GET /openapi.json", () => {
  it("is public and has the OpenAPI 3.1 top-level shape", async () => {
    const doc = await fetchDocument();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info.title).toBe("Weft API");
    expect(typeof doc.info.version).toBe("string");
    expect(Object.keys(doc.paths).length).toBeGreaterThan(0);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    for (const path of Object.keys(doc.paths)) expect(path).toMatch(/^\/[^:]*$/);
  });

  it("documents every route in the route table, with its scope, and nothing else", async () => {
    const doc = await fetchDocument();
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(new Set(documented)).toEqual(new Set(routeTable.map((r) => `${r.method} ${openApiPath(r.path)}`)));
    for (const route of routeTable) {
      const op = doc.paths[openApiPath(route.path)][route.method.toLowerCase()];
      expect(op["x-weft-scope"], `${route.method} ${route.path}`).toBe(route.scope);
      expect(op.security).toEqual(route.scope === "public" ? [] : [{ bearerAuth: [] }]);
      const pathParams = op.parameters.filter((p) => p.in === "path").map((p) => p.name);
      expect(pathParams).toEqual([...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]));
      for (const p of op.parameters.filter((p) => p.in === "path")) expect(p.required).toBe(true);
    }
  });

  it("gives every operation a unique operationId", async () => {
    const doc = await fetchDocument();
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("describes problem responses as application/problem+json with the Problem schema", async () => {
    const doc = await fetchDocument();
    for (const [kind, { status }] of Object.entries(PROBLEM_KINDS)) {
      const response = doc.components.responses[kind];
      expect(response, kind).toBeDefined();
      expect(response.content["application/problem+json"].schema).toEqual({ $ref: "#/components/schemas/Problem" });
      expect(String(status)).toMatch(/^[45]\d\d$/);
    }
    const problem = doc.components.schemas.Problem as { required: string[] };
    expect(problem.required).toEqual(expect.arrayContaining(["type", "title", "status", "detail"]));
    for (const route of routeTable) {
      const op = doc.paths[openApiPath(route.path)][route.method.toLowerCase()];
      const statuses = Object.keys(op.responses);
      expect(statuses, `${route.method} ${route.path}`).toContain("500");
      if (route.scope !== "public") expect(statuses).toEqual(expect.arrayContaining(["401", "403"]));
      if (route.path.includes(":")) expect(statuses).toContain("404");
      if (op.requestBody) expect(statuses).toEqual(expect.arrayContaining(["400", "413", "415", "422"]));
      for (const status of statuses.filter((s) => Number(s) >= 400)) expect(op.responses[status].$ref).toMatch(/^#\/components\/responses\//);
    }
  });

  it("resolves every $ref inside the document", async () => {
    const doc = await fetchDocument();
    const all = refs(doc);
    expect(all.length).toBeGreaterThan(10);
    for (const ref of all) expect(resolve(doc, ref), ref).toBeDefined();
  });

  it("describes the graph routes with the graph schemas the validator reads", async () => {
    const doc = await fetchDocument();
    const create = doc.paths["/graphs"].post;
    expect(create.requestBody?.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/Graph" });
    expect(create.responses["201"].content?.["application/json"].schema).toEqual({ $ref: "#/components/schemas/StoredGraph" });
    const graph = doc.components.schemas.Graph as { required: string[]; properties: Record<string, { maxLength?: number }> };
    expect(graph.required).toEqual(expect.arrayContaining(["name", "tasks", "dataflows"]));
    expect(graph.properties.name.maxLength).toBe(256);
    // The recursive task body (subgraphs) is a component, referenced by the nested `subgraph`.
    expect(JSON.stringify(doc.components.schemas.GraphBody)).toContain('"subgraph":{"$ref":"#/components/schemas/GraphBody"}');
    const put = doc.paths["/graphs/{id}"].put;
    expect(put.parameters).toContainEqual(expect.objectContaining({ name: "If-Match", in: "header", required: true }));
    expect(Object.keys(put.responses)).toEqual(expect.arrayContaining(["412", "428"]));
    const list = doc.paths["/graphs"].get;
    expect(list.parameters.map((p) => `${p.in}:${p.name}`)).toEqual(expect.arrayContaining(["query:limit", "query:cursor", "query:name"]));
  });
});

describe("the documented schemas match what the routes answer", () => {
  const check = (schema: TSchema, value: unknown) => {
    const errors = [...Value.Errors(schema, [GraphBodySchema], value)].map((e) => `${e.path}: ${e.message}`);
    expect(errors).toEqual([]);
  };

  it("graphs: create, read, list, validate", async () => {
    const created = await createGraphViaApi(greetGraph("openapi-shape"));
    check(GraphResourceSchema, created);
    check(GraphResourceSchema, await (await call(`/graphs/${created.id}`)).json());
    check(GraphPageSchema, await (await call("/graphs?limit=5")).json());
    check(GraphValidationResultSchema, await (await call("/graphs/validate", { json: { name: "x", tasks: [{ id: "a", type: "Nope" }], dataflows: [] } })).json());
  });

  it("keys and task types", async () => {
    check(CreatedApiKeySchema, await (await call("/keys", { json: { name: "doc", scopes: ["read"] } })).json());
    check(ApiKeyPageSchema, await (await call("/keys")).json());
    check(TaskTypePageSchema, await (await call("/task-types")).json());
  });

  it("problems", async () => {
    check(ProblemSchema, await (await call("/graphs/nope")).json());
    check(ProblemSchema, await (await call("/graphs", { json: { name: "" } })).json());
    check(ProblemSchema, await (await call("/graphs", { token: null })).json());
  });

  it("refuses a value that breaks a documented schema (the checks can fail)", () => {
    expect(Value.Check(GraphResourceSchema, [GraphBodySchema], { id: "g", version: 0, name: "x", tasks: [], dataflows: [] })).toBe(false);
    expect(Value.Check(ProblemSchema, { type: "x", title: "y", status: 400 })).toBe(false);
  });
});

describe("buildOpenApiDocument", () => {
  const route = (r: Partial<RouteSpec>): RouteSpec => ({ method: "GET", path: "/things/:id", scope: "read", ...r });

  it("documents an undocumented route from its method, path and scope", () => {
    const doc = buildOpenApiDocument([route({})], { title: "t", version: "1" });
    const op = doc.paths["/things/{id}"].get;
    expect(op.operationId).toBe("getThingsById");
    expect(Object.keys(op.responses as object).sort()).toEqual(["200", "401", "403", "404", "500"]);
  });

  it("hoists named schemas into components and refuses two different schemas with one name", () => {
    const A = Type.Object({ a: Type.String() }, { $id: "Thing" });
    const doc = buildOpenApiDocument([route({ doc: { responses: { 200: { description: "ok", schema: Type.Array(A) } } } })], { title: "t", version: "1" });
    expect(doc.components.schemas.Thing).toMatchObject({ type: "object", properties: { a: { type: "string" } } });
    expect(JSON.stringify(doc.paths)).toContain('"items":{"$ref":"#/components/schemas/Thing"}');
    const B = Type.Object({ b: Type.Number() }, { $id: "Thing" });
    expect(() =>
      buildOpenApiDocument(
        [route({ doc: { responses: { 200: { description: "a", schema: A } } } }), route({ method: "POST", doc: { body: B } })],
        { title: "t", version: "1" },
      ),
    ).toThrow(/two different schemas/);
  });

  it("derives distinct operation ids for nested paths", () => {
    expect(operationId(route({ method: "POST", path: "/runs/:id/signals/:name" }))).toBe("postRunsByIdSignalsByName");
    expect(operationId(route({ path: "/openapi.json" }))).toBe("getOpenapiJson");
  });
});
