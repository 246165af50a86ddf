import type { TSchema } from "@sinclair/typebox";
import { GraphBodySchema } from "../core/graph/schema";
import { PROBLEM_CONTENT_TYPE, PROBLEM_KINDS, type ProblemKind } from "./problem";
import type { ResponseDoc, RouteSpec } from "./route-table";
import { ProblemSchema } from "./schemas/problem";

/*
 * The OpenAPI 3.1 document, generated from the route table: every registered route appears with
 * its path parameters, scope and problem responses, and with the TypeBox schemas its RouteDoc
 * names (the same ones the handler validates with). Nothing here is written per route, so a new
 * route is documented the moment it is registered.
 *
 * TypeBox schemas are JSON Schema 2020-12, which OpenAPI 3.1 adopts as is. A schema with an `$id`
 * becomes a named component (#/components/schemas/<id>) and every occurrence a `$ref` to it;
 * TypeBox's own `$ref: "<id>"` (recursive schemas) is rewritten the same way.
 */

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export interface OpenApiDocument {
  openapi: "3.1.0";
  info: OpenApiInfo;
  jsonSchemaDialect: string;
  paths: Record<string, Record<string, JsonObject>>;
  components: {
    schemas: Record<string, JsonObject>;
    responses: Record<string, JsonObject>;
    securitySchemes: Record<string, JsonObject>;
  };
  tags: { name: string }[];
}

/** Schemas that are only ever reached through a `$ref` by id (TypeBox recursion), so the walk meets their `$ref` before (or without) their body. */
const REFERENCED_ONLY: TSchema[] = [GraphBodySchema];

const SECURITY_SCHEME = "bearerAuth";

/** Problem statuses implied by the shape of a route, beside the ones its doc lists. */
function impliedProblems(route: RouteSpec): number[] {
  const statuses = new Set<number>(route.doc?.problems ?? []);
  if (route.scope !== "public") {
    statuses.add(401);
    statuses.add(403);
  }
  if (pathParams(route.path).length > 0) statuses.add(404);
  if (route.doc?.body) {
    for (const s of [400, 413, 415, 422]) statuses.add(s);
  }
  if (route.doc?.query) statuses.add(400);
  statuses.add(500);
  return [...statuses].sort((a, b) => a - b);
}

function pathParams(path: string): string[] {
  return [...path.matchAll(/:(\w+)/g)].map((m) => m[1]);
}

/** `/graphs/:id/versions/:version` → `/graphs/{id}/versions/{version}`. */
export function openApiPath(path: string): string {
  return path.replace(/:(\w+)/g, "{$1}");
}

/** `GET /graphs/:id/versions` → `getGraphsByIdVersions`: stable and unique per method and path. */
export function operationId(route: RouteSpec): string {
  const words = route.path
    .split("/")
    .filter(Boolean)
    .flatMap((segment) => (segment.startsWith(":") ? ["by", segment.slice(1)] : segment.split(/[^A-Za-z0-9]+/)))
    .filter(Boolean);
  return route.method.toLowerCase() + words.map((w) => w[0].toUpperCase() + w.slice(1)).join("");
}

function problemKindFor(status: number): ProblemKind | undefined {
  return (Object.keys(PROBLEM_KINDS) as ProblemKind[]).find((k) => PROBLEM_KINDS[k].status === status);
}

/** Collects named schemas while converting TypeBox schemas to plain JSON Schema. */
class SchemaCollector {
  readonly components: Record<string, JsonObject> = {};
  private readonly seen = new Map<string, string>();

  /** The JSON form of `schema`, with every `$id`'d sub-schema hoisted into the components. */
  convert(schema: TSchema): Json {
    // JSON round trip: drops TypeBox's symbol keys and copies, so the hoisting never mutates a schema in use.
    return this.walk(JSON.parse(JSON.stringify(schema)) as Json);
  }

  private walk(node: Json): Json {
    if (Array.isArray(node)) return node.map((n) => this.walk(n));
    if (node === null || typeof node !== "object") return node;
    const id = typeof node.$id === "string" ? node.$id : undefined;
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === "$id") continue;
      if (key === "$ref" && typeof value === "string" && !value.startsWith("#")) out.$ref = refTo(value);
      else out[key] = this.walk(value);
    }
    if (id === undefined) return out;
    this.register(id, out);
    return { $ref: refTo(id) };
  }

  private register(id: string, body: JsonObject): void {
    const name = componentName(id);
    const text = JSON.stringify(body);
    const previous = this.seen.get(name);
    if (previous !== undefined && previous !== text) throw new Error(`two different schemas are named ${JSON.stringify(id)}`);
    this.seen.set(name, text);
    this.components[name] = body;
  }

  /** Every `$ref` the document holds must resolve; the ones reached only by reference are added here. */
  include(schema: TSchema): void {
    this.convert(schema);
  }
}

function componentName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, "_");
}

function refTo(id: string): string {
  return `#/components/schemas/${componentName(id)}`;
}

function parameters(route: RouteSpec, collector: SchemaCollector): JsonObject[] {
  const params: JsonObject[] = pathParams(route.path).map((name) => ({ name, in: "path", required: true, schema: { type: "string" } }));
  for (const [location, object] of [
    ["query", route.doc?.query],
    ["header", route.doc?.headers],
  ] as const) {
    if (!object) continue;
    const required = new Set(object.required ?? []);
    for (const [name, schema] of Object.entries(object.properties)) {
      const converted = collector.convert(schema as TSchema) as JsonObject;
      const { description, ...rest } = converted;
      params.push({ name, in: location, required: required.has(name), ...(description === undefined ? {} : { description }), schema: rest });
    }
  }
  return params;
}

function successResponses(route: RouteSpec, collector: SchemaCollector): Record<string, JsonObject> {
  const declared: Record<number, ResponseDoc> = route.doc?.responses ?? { 200: { description: "OK" } };
  const out: Record<string, JsonObject> = {};
  for (const [status, doc] of Object.entries(declared)) {
    const response: JsonObject = { description: doc.description };
    if (doc.schema) response.content = { "application/json": { schema: collector.convert(doc.schema) } };
    if (doc.headers) {
      response.headers = Object.fromEntries(Object.entries(doc.headers).map(([name, description]) => [name, { description, schema: { type: "string" } }]));
    }
    out[status] = response;
  }
  return out;
}

function operation(route: RouteSpec, collector: SchemaCollector): JsonObject {
  const doc = route.doc ?? {};
  const responses: JsonObject = successResponses(route, collector);
  for (const status of impliedProblems(route)) {
    const kind = problemKindFor(status);
    responses[String(status)] = kind ? { $ref: `#/components/responses/${kind}` } : { $ref: "#/components/responses/problem" };
  }
  const op: JsonObject = {
    operationId: operationId(route),
    summary: doc.summary ?? `${route.method} ${route.path}`,
    tags: doc.tags ?? [route.path.split("/")[1] || "root"],
    security: route.scope === "public" ? [] : [{ [SECURITY_SCHEME]: [] }],
    "x-weft-scope": route.scope,
    parameters: parameters(route, collector),
    responses,
  };
  if (doc.description) op.description = doc.description;
  if (doc.body) op.requestBody = { required: true, content: { "application/json": { schema: collector.convert(doc.body) } } };
  return op;
}

/** The OpenAPI 3.1 document for `routes`. Pure: the same table gives the same document. */
export function buildOpenApiDocument(routes: readonly RouteSpec[], info: OpenApiInfo): OpenApiDocument {
  const collector = new SchemaCollector();
  const problemRef = collector.convert(ProblemSchema);
  for (const schema of REFERENCED_ONLY) collector.include(schema);

  const paths: OpenApiDocument["paths"] = {};
  const tags = new Set<string>();
  for (const route of routes) {
    const op = operation(route, collector);
    for (const tag of op.tags as string[]) tags.add(tag);
    (paths[openApiPath(route.path)] ??= {})[route.method.toLowerCase()] = op;
  }

  const responses: Record<string, JsonObject> = {
    problem: { description: "A problem", content: { [PROBLEM_CONTENT_TYPE]: { schema: problemRef } } },
  };
  for (const kind of Object.keys(PROBLEM_KINDS) as ProblemKind[]) {
    const { status, title } = PROBLEM_KINDS[kind];
    responses[kind] = {
      description: `${status} ${title} (problem type urn:weft:problem:${kind})`,
      content: { [PROBLEM_CONTENT_TYPE]: { schema: problemRef } },
    };
  }

  return {
    openapi: "3.1.0",
    info,
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    paths,
    components: {
      schemas: collector.components,
      responses,
      securitySchemes: {
        [SECURITY_SCHEME]: {
          type: "http",
          scheme: "bearer",
          description: "An API key (POST /keys) or the deployment's admin token. Each operation's x-weft-scope names the scope it needs.",
        },
      },
    },
    tags: [...tags].sort().map((name) => ({ name })),
  };
}
