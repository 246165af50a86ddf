import type { TaskTypeInfo } from "../../core/task/registry";
import type { RouteTable } from "../route-table";
import type { ApiDeps } from "../types";

/** `GET /task-types`: the catalog of registered task types, in one page. */
export function registerTaskTypeRoutes(routes: RouteTable, deps: ApiDeps): void {
  let catalog: TaskTypeInfo[] | undefined;
  routes.get("/task-types", "read", (c) => {
    catalog ??= deps.registry.catalog();
    return c.json({ items: catalog, nextCursor: null });
  });
}
