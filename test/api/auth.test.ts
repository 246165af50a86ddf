import { describe, expect, it } from "vitest";
import { app, routeTable } from "../../src/api/app";
import type { RouteSpec } from "../../src/api/route-table";
import { SCOPES, type Scope } from "../../src/api/scopes";
import { call, createGraphViaApi, createKey, problem } from "./helpers";

/** A concrete path for a route pattern: every `:param` becomes an id that does not exist. */
function concretePath(route: RouteSpec): string {
  return route.path.replace(/:(\w+)/g, (_, name: string) => (name === "version" ? "1" : `missing_${name}`));
}

function request(route: RouteSpec, token: string | null) {
  const hasBody = route.method !== "GET" && route.method !== "DELETE";
  return call(concretePath(route), {
    method: route.method,
    token,
    ...(hasBody ? { json: {} } : {}),
    headers: route.method === "PUT" || route.method === "PATCH" ? { "If-Match": '"1"' } : {},
  });
}

const keys = new Map<Scope, string>();
async function keyWith(scope: Scope): Promise<string> {
  if (!keys.has(scope)) keys.set(scope, (await createKey([scope], `${scope} only`)).key);
  return keys.get(scope)!;
}

describe("the route table", () => {
  it("holds every route the app serves, each with a known scope", () => {
    const served = app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path}`);
    const declared = routeTable.map((r) => `${r.method} ${r.path}`);
    expect(new Set(served)).toEqual(new Set(declared));
    for (const r of routeTable) expect([...SCOPES, "public"]).toContain(r.scope);
  });

  it("makes public only the routes that need no bearer token, each for a stated reason", () => {
    expect(routeTable.filter((r) => r.scope === "public").map((r) => `${r.method} ${r.path}`).sort()).toEqual([
      // Endpoints are called by whoever the endpoint's own mode admits (public, api-key, hmac):
      // the handler applies that mode (test/triggers/endpoints.test.ts).
      "GET /endpoints/:slug/schema", // public for public endpoints; a read key otherwise
      "GET /health", // liveness probes carry no credential
      "GET /openapi.json", // the API's description is no secret
      "POST /endpoints/:slug",
      "POST /hooks/:hookId", // webhook senders authenticate with Weft-Signature (test/triggers/hooks.test.ts)
    ]);
  });
});

describe("every protected route", () => {
  const protectedRoutes = routeTable.filter((r) => r.scope !== "public");

  it.each(protectedRoutes.map((r) => [`${r.method} ${r.path}`, r] as const))("%s refuses no credential and a wrong one with 401", async (_, route) => {
    for (const token of [null, "wrong-token", "weft_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"]) {
      const res = await request(route, token);
      expect(res.status, `token ${token}`).toBe(401);
      expect(res.headers.get("WWW-Authenticate")).toContain("Bearer");
      expect((await problem(res)).type).toBe("urn:weft:problem:unauthorized");
    }
  });

  it.each(protectedRoutes.map((r) => [`${r.method} ${r.path} (${r.scope})`, r] as const))("%s refuses a key with a lower scope (403) and admits the scope", async (_, route) => {
    const needed = route.scope as Scope;
    for (const lower of SCOPES.slice(0, SCOPES.indexOf(needed))) {
      const res = await request(route, await keyWith(lower));
      expect(res.status, `with ${lower}`).toBe(403);
      expect((await problem(res)).type).toBe("urn:weft:problem:forbidden");
    }
    for (const enough of SCOPES.slice(SCOPES.indexOf(needed))) {
      const res = await request(route, await keyWith(enough));
      expect([401, 403], `with ${enough}`).not.toContain(res.status);
    }
  });
});

describe("credentials", () => {
  it("accepts the admin token with any casing of the Bearer scheme", async () => {
    const token = (await import("./helpers")).ADMIN_TOKEN;
    for (const scheme of ["Bearer", "bearer", "BEARER"]) {
      const res = await call("/graphs", { token: null, headers: { Authorization: `${scheme} ${token}` } });
      expect(res.status).toBe(200);
    }
  });

  it("refuses other schemes, empty tokens and near misses of the admin token", async () => {
    const token = (await import("./helpers")).ADMIN_TOKEN;
    for (const header of [`Basic ${btoa(`admin:${token}`)}`, "Bearer", "Bearer ", `Bearer ${token}x`, `Bearer ${token.slice(0, -1)}`, `Bearer ${token} extra`, token]) {
      const res = await call("/graphs", { token: null, headers: { Authorization: header } });
      expect(res.status, header).toBe(401);
    }
  });

  it("checks the credential before the id: 401, then 403, then 404", async () => {
    expect((await call("/graphs/g_missing", { token: null })).status).toBe(401);
    expect((await call("/graphs/g_missing", { method: "DELETE", token: await keyWith("read") })).status).toBe(403);
    expect((await call("/graphs/g_missing", { method: "DELETE", token: await keyWith("run") })).status).toBe(404);
  });

  it("lets higher scopes do what lower ones may", async () => {
    const { id } = await createGraphViaApi();
    expect((await call(`/graphs/${id}`, { token: await keyWith("run") })).status).toBe(200);
    expect((await call(`/graphs/${id}`, { token: await keyWith("admin") })).status).toBe(200);
    expect((await call(`/graphs/${id}`, { method: "DELETE", token: await keyWith("admin") })).status).toBe(204);
  });
});
