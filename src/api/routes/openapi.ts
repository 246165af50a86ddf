import { Type } from "@sinclair/typebox";
import { type OpenApiDocument, buildOpenApiDocument } from "../openapi";
import type { RouteTable } from "../route-table";

const INFO = {
  title: "Weft API",
  version: "0.1.0",
  description:
    "Run user-defined task graphs (DAGs) on Cloudflare Workers. Errors are application/problem+json (RFC 9457). " +
    "Authenticate with `Authorization: Bearer <key>`; each operation's `x-weft-scope` names the scope it needs.",
};

/**
 * `GET /openapi.json`, public: the document is generated from the route table on first use,
 * when every route (this one included) has been registered, and kept for the isolate's life.
 */
export function registerOpenApiRoutes(routes: RouteTable): void {
  let document: OpenApiDocument | undefined;
  routes.get(
    "/openapi.json",
    {
      scope: "public",
      summary: "This API's OpenAPI 3.1 document",
      tags: ["meta"],
      responses: { 200: { description: "The OpenAPI document", schema: Type.Object({ openapi: Type.Literal("3.1.0") }, { additionalProperties: true }) } },
    },
    (c) => {
      document ??= buildOpenApiDocument(routes.routes, INFO);
      return c.json(document, 200, { "Cache-Control": "no-cache" });
    },
  );
}
