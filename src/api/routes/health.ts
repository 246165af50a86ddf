import type { RouteTable } from "../route-table";

/** `GET /health`: liveness, no credential, no dependencies touched. */
export function registerHealthRoutes(routes: RouteTable): void {
  routes.get("/health", "public", (c) => c.json({ status: "ok" }));
}
