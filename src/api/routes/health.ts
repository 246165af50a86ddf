import { Type } from "@sinclair/typebox";
import type { RouteTable } from "../route-table";

/** `GET /health`: liveness, no credential, no dependencies touched. */
export function registerHealthRoutes(routes: RouteTable): void {
  routes.get(
    "/health",
    {
      scope: "public",
      summary: "Liveness",
      tags: ["meta"],
      responses: { 200: { description: "The Worker answers", schema: Type.Object({ status: Type.Literal("ok") }) } },
    }, (c) => c.json({ status: "ok" }));
}
