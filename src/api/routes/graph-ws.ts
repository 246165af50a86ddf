import { Type } from "@sinclair/typebox";
import { createDb } from "../../db/client";
import { getLatestVersion } from "../../db/graphs";
import { CONNECT_GRAPH_ID, CONNECT_VERSION } from "../../durable/graph-object";
import { graphEditors } from "../graph-editors";
import { HttpProblem } from "../problem";
import type { RouteTable } from "../route-table";

/*
 * GET /graphs/:id/ws (SPEC §5): an editor's WebSocket on a graph, held by the graph's GraphObject.
 * Everything that can be refused is refused here, as problem+json before any upgrade: 401/403 (by
 * the route table's auth, which also takes ?token= since browsers cannot set headers on a
 * WebSocket), 404 for an unknown or deleted graph, 426 for a request that is not an upgrade.
 */
export function registerGraphSocketRoute(routes: RouteTable): void {
  routes.get(
    "/graphs/:id/ws",
    {
      scope: "read",
      acceptsQueryToken: true,
      summary: "Follow a graph's edits over a WebSocket",
      description:
        "Upgrades to a WebSocket that receives JSON frames `{ graphId, version, events }`: first a hello with no events and the latest " +
        "version, then one frame per new version with its structure events in order — task_added, task_removed, task_replaced, " +
        "dataflow_added, dataflow_removed (a PATCH, however many operations), graph_replaced (a PUT; `graph` inline, or `ref` to fetch " +
        "when the frame would exceed 1 MiB), graph_deleted (then the server closes with 1000). Versions count up by one: a frame " +
        "whose version is not the last one + 1 means a frame was missed — refetch the graph. Send `ping` to get `pong`.",
      query: Type.Object({
        token: Type.Optional(Type.String({ description: "An API key (or the admin token), for clients that cannot send Authorization." })),
      }),
      headers: Type.Object({ Upgrade: Type.Literal("websocket") }),
      problems: [426],
      responses: { 101: { description: "Switching Protocols: the editor's WebSocket" } },
    },
    async (c) => {
      // Run tickets travel in ?token= too, but open one run's socket and nothing else.
      if (c.get("principal").kind === "ticket") {
        throw new HttpProblem("forbidden", "A run ticket opens only that run's socket; use an API key with the read scope.");
      }
      const id = c.req.param("id");
      const version = await getLatestVersion(createDb(c.env.DB), id);
      if (version === null) throw new HttpProblem("not-found", `There is no graph ${JSON.stringify(id.slice(0, 128))}.`);
      if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
        throw new HttpProblem("upgrade-required", "This route is a WebSocket: send Upgrade: websocket.", { headers: { Upgrade: "websocket" } });
      }
      const url = new URL("https://graph-object/editors");
      url.searchParams.set(CONNECT_GRAPH_ID, id);
      url.searchParams.set(CONNECT_VERSION, String(version));
      const res = await graphEditors(c.env, id).fetch(new Request(url, { headers: { Upgrade: "websocket" } }));
      if (res.status === 101) return res;
      if (res.status === 404) throw new HttpProblem("not-found", `There is no graph ${JSON.stringify(id.slice(0, 128))}.`);
      throw new Error(`the GraphObject of ${id} refused the upgrade: ${res.status} ${await res.text()}`);
    },
  );
}
