import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import "../support/test-tasks";
import { BASE, call, createGraphViaApi, createKey, greetGraph, pollRun, problem } from "../api/helpers";
import { assertGraph, send, signedRequest } from "./helpers";

let slugs = 0;
const uniqueSlug = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${slugs++}`;

async function publish(graphId: string, settings: { auth: string; timeoutMs?: number; description?: string }, slug = uniqueSlug(settings.auth)) {
  const res = await call(`/endpoints/${slug}`, { method: "PUT", json: { graphId, ...settings } });
  if (res.status !== 201) throw new Error(`publish failed: ${res.status} ${await res.text()}`);
  return { slug, ...((await res.json()) as any) };
}

/** POST to an endpoint with a JSON body and no credential unless given. */
function invoke(slug: string, body: unknown, options: { token?: string | null; headers?: Record<string, string> } = {}) {
  return call(`/endpoints/${slug}`, { json: body, token: options.token ?? null, ...(options.headers ? { headers: options.headers } : {}) });
}

describe("publishing endpoints", () => {
  it("creates (201), replaces (200), reads, lists and deletes an endpoint", async () => {
    const graph = await createGraphViaApi(greetGraph());
    const slug = uniqueSlug("greet");
    const created = await call(`/endpoints/${slug}`, { method: "PUT", json: { graphId: graph.id, auth: "public", description: "Greets" } });
    expect(created.status).toBe(201);
    const endpoint = (await created.json()) as any;
    expect(endpoint).toMatchObject({ slug, graphId: graph.id, auth: "public", timeoutMs: 30_000, description: "Greets", url: `${BASE}/endpoints/${slug}`, schemaUrl: `${BASE}/endpoints/${slug}/schema` });
    expect(endpoint).not.toHaveProperty("secret");

    const replaced = await call(`/endpoints/${slug}`, { method: "PUT", json: { graphId: graph.id, auth: "api-key", timeoutMs: 5000 } });
    expect(replaced.status).toBe(200);
    const after = (await replaced.json()) as any;
    expect(after).toMatchObject({ auth: "api-key", timeoutMs: 5000, description: null, createdAt: endpoint.createdAt });
    expect(Date.parse(after.updatedAt)).toBeGreaterThan(Date.parse(endpoint.updatedAt));

    expect(((await (await call(`/endpoints/${slug}`)).json()) as any).auth).toBe("api-key");
    const list = (await (await call("/endpoints?limit=200")).json()) as any;
    expect(list.items.map((e: any) => e.slug)).toContain(slug);

    expect((await call(`/endpoints/${slug}`, { method: "DELETE" })).status).toBe(204);
    expect((await call(`/endpoints/${slug}`)).status).toBe(404);
    expect((await invoke(slug, {})).status).toBe(404);
  });

  it("refuses bad slugs (400), unknown graphs and bad settings (422)", async () => {
    const graph = await createGraphViaApi(greetGraph());
    for (const slug of ["Upper", "-dash", "a_b", "x".repeat(64)]) {
      expect((await call(`/endpoints/${slug}`, { method: "PUT", json: { graphId: graph.id, auth: "public" } })).status, slug).toBe(400);
    }
    const missing = await problem(await call(`/endpoints/${uniqueSlug("m")}`, { method: "PUT", json: { graphId: "g_missing", auth: "public" } }));
    expect(missing.status).toBe(422);
    expect(missing.errors).toEqual([{ path: "/graphId", message: "is not a graph" }]);
    for (const body of [{ graphId: graph.id, auth: "basic" }, { graphId: graph.id, auth: "public", timeoutMs: 60_001 }, { graphId: graph.id, auth: "public", timeoutMs: 50 }, { graphId: graph.id, auth: "public", extra: 1 }, { auth: "public" }]) {
      expect((await call(`/endpoints/${uniqueSlug("b")}`, { method: "PUT", json: body })).status, JSON.stringify(body)).toBe(422);
    }
  });
});

describe("calling an endpoint", () => {
  it("public: answers 200 with the merged output as the body, naming the run", async () => {
    const graph = await createGraphViaApi(greetGraph());
    const { slug } = await publish(graph.id, { auth: "public" });
    const res = await invoke(slug, { name: "Ada" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ text: "HELLO, ADA!" });
    const runId = res.headers.get("Weft-Run-Id")!;
    expect(runId).toMatch(/^r_/);
    const run = (await (await call(`/runs/${runId}`)).json()) as any;
    expect(run).toMatchObject({ status: "COMPLETED", trigger: "endpoint", input: { name: "Ada" } });
  });

  it("takes an empty body as an empty input", async () => {
    const graph = await createGraphViaApi({ name: "no input", tasks: [{ id: "t", type: "Template", defaults: { template: "static" } }], dataflows: [] });
    const { slug } = await publish(graph.id, { auth: "public" });
    const res = await call(`/endpoints/${slug}`, { method: "POST", token: null });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ text: "static" });
  });

  it("answers 400 naming the field when the body does not fit the input schema", async () => {
    const graph = await createGraphViaApi(greetGraph());
    const { slug } = await publish(graph.id, { auth: "public" });
    const p = await problem(await invoke(slug, { template: 42 }));
    expect(p.status).toBe(400);
    expect(p.errors?.[0].path).toBe("/template");
    expect(p.detail).toContain("/template");
    const notObject = await problem(await invoke(slug, ["Ada"]));
    expect(notObject.status).toBe(400);
    const required = await createGraphViaApi({ name: "needs value", tasks: [{ id: "check", type: "Assert" }], dataflows: [] });
    const ep = await publish(required.id, { auth: "public" });
    const missing = await problem(await invoke(ep.slug, {}));
    expect(missing.errors?.map((e) => e.path)).toEqual(["/condition"]);
    expect(missing.errors?.[0].message).toMatch(/required/);
    expect((await problem(await call(`/endpoints/${slug}`, { token: null, body: "{", headers: { "Content-Type": "application/json" } }))).status).toBe(400);
  });

  it("answers 422 run-failed with the run's error and id when the graph fails", async () => {
    const graph = await createGraphViaApi(assertGraph());
    const { slug } = await publish(graph.id, { auth: "public" });
    const res = await invoke(slug, { condition: false });
    const p = (await problem(res)) as any;
    expect(p.status).toBe(422);
    expect(p.type).toBe("urn:weft:problem:run-failed");
    expect(p.error).toMatchObject({ name: "AssertionError", message: "the check failed" });
    expect(p.runId).toMatch(/^r_/);
    expect(p.instance).toBe(`/runs/${p.runId}`);
    expect(res.headers.get("Weft-Run-Id")).toBe(p.runId);
    expect(JSON.stringify(p)).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace
    // The same endpoint succeeds when the check passes.
    expect((await invoke(slug, { condition: true, value: 7 })).status).toBe(200);
  });

  it("answers 504 with the run id when the run outlives the endpoint's timeout; the run goes on", async () => {
    const graph = await createGraphViaApi({ name: "slow", tasks: [{ id: "sleep", type: "TestSleepInline", defaults: { ms: 1500, value: "done" } }], dataflows: [] });
    const { slug } = await publish(graph.id, { auth: "public", timeoutMs: 200 });
    const started = Date.now();
    const res = await invoke(slug, {});
    const p = (await problem(res)) as any;
    expect(p.status).toBe(504);
    expect(p.type).toBe("urn:weft:problem:run-timeout");
    expect(Date.now() - started).toBeLessThan(1400);
    expect(res.headers.get("Location")).toBe(`/runs/${p.runId}`);
    const run = await pollRun(p.runId, (r) => r.status === "COMPLETED");
    expect(run.output).toEqual({ value: "done" });
  });

  it("answers 409 run-aborted when the run is cancelled while the call waits", async () => {
    const graph = await createGraphViaApi({ name: "hangs", tasks: [{ id: "hang", type: "TestHang" }], dataflows: [] });
    const { slug } = await publish(graph.id, { auth: "public", timeoutMs: 20_000 });
    const pending = invoke(slug, {});
    let runId: string | undefined;
    for (let i = 0; i < 400 && !runId; i++) {
      runId = (await env.DB.prepare("select id from runs where graph_id = ?").bind(graph.id).first<{ id: string }>())?.id;
      if (!runId) await new Promise((r) => setTimeout(r, 25));
    }
    expect(runId).toBeDefined();
    await pollRun(runId!, (r) => r.status === "PROCESSING");
    expect((await call(`/runs/${runId}/cancel`, { method: "POST" })).status).toBe(200);
    const p = (await problem(await pending)) as any;
    expect(p.status).toBe(409);
    expect(p.type).toBe("urn:weft:problem:run-aborted");
    expect(p.runId).toBe(runId);
  });

  it("api-key: 401 without a key, 403 with a read key, 200 with a run key", async () => {
    const graph = await createGraphViaApi(greetGraph());
    const { slug } = await publish(graph.id, { auth: "api-key" });
    const none = await invoke(slug, { name: "Ada" });
    expect(none.status).toBe(401);
    expect(none.headers.get("WWW-Authenticate")).toContain("Bearer");
    expect((await invoke(slug, { name: "Ada" }, { token: "weft_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" })).status).toBe(401);
    expect((await invoke(slug, { name: "Ada" }, { token: (await createKey(["read"])).key })).status).toBe(403);
    const ok = await invoke(slug, { name: "Ada" }, { token: (await createKey(["run"])).key });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ text: "HELLO, ADA!" });
    expect((await invoke(slug, { name: "Ada" }, { token: env.ADMIN_TOKEN as string })).status).toBe(200);
  });

  it("hmac: refuses unsigned and forged calls, accepts signed ones; the secret survives a re-PUT and rotates", async () => {
    const graph = await createGraphViaApi(greetGraph());
    const endpoint = await publish(graph.id, { auth: "hmac" });
    expect(endpoint.secret).toMatch(/^whsec_/);
    const path = `/endpoints/${endpoint.slug}`;
    expect((await invoke(endpoint.slug, { name: "Ada" })).status).toBe(401);
    expect((await send(await signedRequest(path, "whsec_forged", '{"name":"Ada"}'))).status).toBe(401);
    expect((await send(await signedRequest(path, endpoint.secret, '{"name":"Ada"}', { t: Math.floor(Date.now() / 1000) - 301 }))).status).toBe(401);
    const ok = await send(await signedRequest(path, endpoint.secret, '{"name":"Ada"}'));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ text: "HELLO, ADA!" });

    const again = await call(path, { method: "PUT", json: { graphId: graph.id, auth: "hmac", timeoutMs: 10_000 } });
    expect(again.status).toBe(200);
    expect(await again.json()).not.toHaveProperty("secret");
    expect((await send(await signedRequest(path, endpoint.secret, '{"name":"Bo"}'))).status).toBe(200);

    const rotated = (await (await call(`${path}/rotate`, { json: { graceSeconds: 0 } })).json()) as any;
    expect(rotated.secret).toMatch(/^whsec_/);
    expect((await send(await signedRequest(path, endpoint.secret, '{"name":"Cy"}'))).status).toBe(401);
    expect((await send(await signedRequest(path, rotated.secret, '{"name":"Cy"}'))).status).toBe(200);

    // Switching to public drops the secret; rotating a public endpoint is a 409.
    await call(path, { method: "PUT", json: { graphId: graph.id, auth: "public" } });
    expect((await call(`${path}/rotate`, { method: "POST" })).status).toBe(409);
    const back = (await (await call(path, { method: "PUT", json: { graphId: graph.id, auth: "hmac" } })).json()) as any;
    expect(back.secret).toMatch(/^whsec_/);
    expect(back.secret).not.toBe(rotated.secret);
  });

  it("hmac: an exact replay returns the first run's output without starting another", async () => {
    const graph = await createGraphViaApi(greetGraph());
    const endpoint = await publish(graph.id, { auth: "hmac" });
    const captured = await signedRequest(`/endpoints/${endpoint.slug}`, endpoint.secret, '{"name":"Ada"}');
    const first = await send(captured.clone());
    const replay = await send(captured);
    expect(first.status).toBe(200);
    expect(replay.status).toBe(200);
    expect(replay.headers.get("Weft-Run-Id")).toBe(first.headers.get("Weft-Run-Id"));
  });

  it("refuses bodies over 1 MiB with 413", async () => {
    const graph = await createGraphViaApi(greetGraph());
    const { slug } = await publish(graph.id, { auth: "public" });
    const p = await problem(await invoke(slug, { name: "x".repeat(1024 * 1024) }));
    expect(p.status).toBe(413);
  });
});

describe("GET /endpoints/:slug/schema", () => {
  it("publishes the input schema of a public endpoint's root tasks", async () => {
    const graph = await createGraphViaApi(greetGraph());
    const { slug } = await publish(graph.id, { auth: "public" });
    const res = await call(`/endpoints/${slug}/schema`, { token: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toContain("application/schema+json");
    const schema = (await res.json()) as any;
    expect(schema.type).toBe("object");
    expect(schema.$schema).toContain("2020-12");
    expect(schema.properties.template).toMatchObject({ type: "string", default: "Hello, {{name}}!" });
    expect(schema.required ?? []).not.toContain("template");
  });

  it("marks ports required when a root requires them without a default", async () => {
    const graph = await createGraphViaApi({ name: "needs", tasks: [{ id: "check", type: "Assert" }], dataflows: [] });
    const { slug } = await publish(graph.id, { auth: "public" });
    const schema = (await (await call(`/endpoints/${slug}/schema`, { token: null })).json()) as any;
    expect(schema.required).toEqual(["condition"]);
    expect(schema.properties.condition.type).toBe("boolean");
  });

  it("needs a read key for non-public endpoints", async () => {
    const graph = await createGraphViaApi(greetGraph());
    const { slug } = await publish(graph.id, { auth: "api-key" });
    expect((await call(`/endpoints/${slug}/schema`, { token: null })).status).toBe(401);
    expect((await call(`/endpoints/${slug}/schema`, { token: (await createKey(["read"])).key })).status).toBe(200);
    expect((await call("/endpoints/nope-nope/schema", { token: null })).status).toBe(404);
  });
});
