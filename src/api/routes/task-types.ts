import type { TaskTypeInfo } from "../../core/task/registry";
import type { RouteTable } from "../route-table";
import { TaskTypePageSchema } from "../schemas/task-type";
import type { ApiDeps } from "../types";

/** `GET /task-types`: the catalog of registered task types, in one page. */
export function registerTaskTypeRoutes(routes: RouteTable, deps: ApiDeps): void {
  let catalog: TaskTypeInfo[] | undefined;
  routes.get(
    "/task-types",
    {
      scope: "read",
      summary: "The catalog of task types, with their input, output and config schemas",
      tags: ["tasks"],
      responses: { 200: { description: "Every registered task type, in one page", schema: TaskTypePageSchema } },
    }, (c) => {
    catalog ??= deps.registry.catalog();
    return c.json({ items: catalog, nextCursor: null });
  });
}
