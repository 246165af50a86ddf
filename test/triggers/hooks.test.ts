import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { signatureHeader } from "../../src/api/webhook-signature";
import { BASE, call, createGraphViaApi, greetGraph, pollRun, problem } from "../api/helpers";
import { appWith, createHook, nowS, send, signedRequest } from "./helpers";

const encoder = new TextEncoder();
const ADA = '{"name":"Ada"}';

async function deliver(path: string, secret: string, body: string, options: Parameters<typeof signedRequest>[3] = {}) {
  return send(await signedRequest(path, secret, body, options));
}

async function newHook(body?: unknown) {
  const graph = await createGraphViaApi(greetGraph());
  return { graph, hook: await createHook(graph.id, body) };
}

describe("creating, listing, rotating and deleting hooks", () => {
  it("creates a hook with an absolute URL and a secret shown once", async () => {
    const graph = await createGraphViaApi(greetGraph());
    const res = await call(`/graphs/${graph.id}/hooks`, { method: "POST" });
    expect(res.status).toBe(201);
    const hook = (await res.json()) as any;
    expect(hook.id).toMatch(/^hk_/);
    expect(hook.url).toBe(`${BASE}/hooks/${hook.id}`);
    expect(res.headers.get("Location")).toBe(hook.url);
    expect(hook.secret).toMatch(/^whsec_/);
    expect(hook.graphId).toBe(graph.id);
    expect(hook.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);

    const list = (await (await call(`/graphs/${graph.id}/hooks`)).json()) as any;
    expect(list.items.map((h: any) => h.id)).toEqual([hook.id]);
    expect(JSON.stringify(list)).not.toContain(hook.secret);
    expect(list.items[0]).not.toHaveProperty("secret");
    expect(list.nextCursor).toBeNull();
  });

  it("stores the secret sealed, never in clear", async () => {
    const { hook } = await newHook();
    const row = await env.DB.prepare("select * from hooks where id = ?").bind(hook.id).first<Record<string, unknown>>();
    expect(row).not.toBeNull();
    expect(JSON.stringify(row)).not.toContain(hook.secret.slice("whsec_".length));
    expect(String(row!.secret)).toMatch(/^v1\./);
  });

  it("answers 404 for an unknown graph, and 422 for a bad body", async () => {
    expect((await call("/graphs/g_missing/hooks", { method: "POST" })).status).toBe(404);
    expect((await call("/graphs/g_missing/hooks")).status).toBe(404);
    const graph = await createGraphViaApi(greetGraph());
    const p = await problem(await call(`/graphs/${graph.id}/hooks`, { json: { secret: "mine" } }));
    expect(p.status).toBe(422);
    const mapping = await problem(await call(`/graphs/${graph.id}/hooks`, { json: { inputMapping: { name: "/query/x", auth: "/headers/authorization", sig: "/headers/weft-signature", a: "/headers/X-Upper" } } }));
    expect(mapping.status).toBe(422);
    expect(mapping.errors?.map((e) => e.path).sort()).toEqual(["/inputMapping/a", "/inputMapping/auth", "/inputMapping/name", "/inputMapping/sig"]);
    expect((await problem(await call(`/graphs/${graph.id}/hooks`, { body: "{", headers: { "Content-Type": "application/json" } }))).status).toBe(400);
  });

  it("deletes a hook: its deliveries are then 404", async () => {
    const { hook } = await newHook();
    expect((await call(`/hooks/${hook.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await call(`/hooks/${hook.id}`, { method: "DELETE" })).status).toBe(404);
    expect((await deliver(hook.path, hook.secret, ADA)).status).toBe(404);
    expect((await call(`/hooks/${hook.id}/rotate`, { method: "POST" })).status).toBe(404);
  });
});

describe("deliveries", () => {
  it("starts a run with the body as input: 202 { runId, status }", async () => {
    const { graph, hook } = await newHook();
    const res = await deliver(hook.path, hook.secret, ADA);
    expect(res.status).toBe(202);
    const body = (await res.json()) as any;
    expect(Object.keys(body).sort()).toEqual(["runId", "status"]);
    const run = await pollRun(body.runId, (r) => r.status === "COMPLETED");
    expect(run.output).toEqual({ text: "HELLO, ADA!" });
    expect(run.graphId).toBe(graph.id);
    expect(run.trigger).toBe("webhook");
  });

  it("answers 404 for an unknown hook, before looking at the signature", async () => {
    const p = await problem(await deliver("/hooks/hk_missing", "whsec_x", ADA));
    expect(p.status).toBe(404);
  });

  it("refuses a missing, forged, truncated or malformed signature with 401", async () => {
    const { hook } = await newHook();
    const good = await signatureHeader(hook.secret, nowS(), encoder.encode(ADA));
    for (const signature of [
      null,
      await signatureHeader("whsec_forged", nowS(), encoder.encode(ADA)),
      good.slice(0, -1),
      good.slice(0, good.indexOf(",")),
      `v1=${good.split("v1=")[1]}`,
      "garbage",
    ]) {
      const res = await deliver(hook.path, hook.secret, ADA, { signature });
      const p = await problem(res);
      expect(p.status, String(signature)).toBe(401);
      expect(p.type).toBe("urn:weft:problem:unauthorized");
      expect(res.headers.get("WWW-Authenticate")).toContain("Weft-Signature");
    }
    // A signature made for another hook's secret is a forgery here.
    const other = await newHook();
    expect((await deliver(hook.path, other.hook.secret, ADA)).status).toBe(401);
  });

  it("refuses stale (t − 301) and future-dated (t + 301) signatures", async () => {
    const { hook } = await newHook();
    for (const offset of [-301, 301, -86_400]) {
      const p = await problem(await deliver(hook.path, hook.secret, ADA, { t: nowS() + offset }));
      expect(p.status, `offset ${offset}`).toBe(401);
      expect(p.detail).toMatch(/more than 300 s/);
    }
  });

  it("accepts the boundaries t − 300 and t + 300 exactly (server clock fixed)", async () => {
    const { hook } = await newHook();
    const now = Date.UTC(2026, 10, 26, 10, 0, 0, 500);
    const fetch = appWith({ clock: () => now });
    const t = Math.floor(now / 1000);
    for (const offset of [-300, 300]) {
      const res = await fetch(await signedRequest(hook.path, hook.secret, `{"name":"edge ${offset}"}`, { t: t + offset }));
      expect(res.status, `offset ${offset}`).toBe(202);
    }
    for (const offset of [-301, 301]) {
      const res = await fetch(await signedRequest(hook.path, hook.secret, `{"name":"edge ${offset}"}`, { t: t + offset }));
      expect(res.status, `offset ${offset}`).toBe(401);
    }
  });

  it("verifies the raw bytes: the same JSON re-encoded is refused", async () => {
    const { hook } = await newHook();
    const t = nowS();
    const signature = await signatureHeader(hook.secret, t, encoder.encode(ADA));
    for (const reencoded of ['{ "name": "Ada" }', '{"name":"Ada"}\n', '{"name":"\\u0041da"}']) {
      expect((await deliver(hook.path, hook.secret, reencoded, { signature })).status, reencoded).toBe(401);
    }
    expect((await deliver(hook.path, hook.secret, ADA, { signature })).status).toBe(202);
  });

  it("accepts several v1 values when one is valid", async () => {
    const { hook } = await newHook();
    const res = await deliver(hook.path, hook.secret, ADA, { secrets: ["whsec_stale-one", hook.secret, "whsec_another"] });
    expect(res.status).toBe(202);
  });

  it("replays: the same Weft-Delivery answers 200 with the same run; a new one starts another", async () => {
    const { hook } = await newHook();
    const first = await deliver(hook.path, hook.secret, ADA, { headers: { "Weft-Delivery": "evt_1" } });
    expect(first.status).toBe(202);
    const { runId } = (await first.json()) as any;
    // The sender retries later: signed anew, same delivery id, same body.
    const again = await deliver(hook.path, hook.secret, ADA, { t: nowS() - 5, headers: { "Weft-Delivery": "evt_1" } });
    expect(again.status).toBe(200);
    expect(((await again.json()) as any).runId).toBe(runId);
    // Idempotency-Key is taken as the delivery id when Weft-Delivery is absent.
    const byKey = await deliver(hook.path, hook.secret, ADA, { headers: { "Idempotency-Key": "evt_1" } });
    expect(byKey.status).toBe(200);
    expect(((await byKey.json()) as any).runId).toBe(runId);
    const other = await deliver(hook.path, hook.secret, ADA, { headers: { "Weft-Delivery": "evt_2" } });
    expect(other.status).toBe(202);
    expect(((await other.json()) as any).runId).not.toBe(runId);
  });

  it("answers 409 when a delivery id comes back with another body", async () => {
    const { hook } = await newHook();
    expect((await deliver(hook.path, hook.secret, ADA, { headers: { "Weft-Delivery": "evt_x" } })).status).toBe(202);
    const p = await problem(await deliver(hook.path, hook.secret, '{"name":"Bob"}', { headers: { "Weft-Delivery": "evt_x" } }));
    expect(p.status).toBe(409);
  });

  it("maps an exact replay of a request without a delivery id onto the first run", async () => {
    const { hook } = await newHook();
    const captured = await signedRequest(hook.path, hook.secret, ADA);
    const first = await send(captured.clone());
    expect(first.status).toBe(202);
    const replay = await send(captured);
    expect(replay.status).toBe(200);
    expect(((await replay.json()) as any).runId).toBe(((await first.json()) as any).runId);
  });

  it("starts one run for duplicate deliveries sent at once", async () => {
    const { hook } = await newHook();
    const responses = await Promise.all(Array.from({ length: 6 }, async () => deliver(hook.path, hook.secret, ADA, { headers: { "Weft-Delivery": "evt_burst" } })));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    for (const s of statuses) expect([200, 202, 409]).toContain(s);
    const runIds = new Set(await Promise.all(responses.filter((r) => r.status !== 409).map(async (r) => ((await r.json()) as any).runId)));
    expect(runIds.size).toBe(1);
    const runs = await env.DB.prepare("select count(*) as n from runs where graph_id = (select graph_id from hooks where id = ?)").bind(hook.id).first<{ n: number }>();
    expect(runs!.n).toBe(1);
  });

  it("validates the input: a non-object body is 400, a body that misfits the graph is 400 with paths", async () => {
    const { hook } = await newHook();
    expect((await problem(await deliver(hook.path, hook.secret, "[1,2]"))).status).toBe(400);
    expect((await problem(await deliver(hook.path, hook.secret, "not json"))).status).toBe(400);
    const misfit = await problem(await deliver(hook.path, hook.secret, '{"template":5}'));
    expect(misfit.status).toBe(400);
    expect(misfit.errors?.[0].path).toBe("/input/template");
    expect((await problem(await deliver(hook.path, hook.secret, ADA, { contentType: "text/plain" }))).status).toBe(415);
  });

  it("refuses a body over 1 MiB with 413, before checking the signature", async () => {
    const { hook } = await newHook();
    const big = JSON.stringify({ name: "x".repeat(1024 * 1024) });
    const p = await problem(await deliver(hook.path, hook.secret, big, { signature: "t=1,v1=" + "0".repeat(64) }));
    expect(p.status).toBe(413);
    // Exactly at the limit is read (and then judged on its signature).
    const atLimit = `{"name":"${"x".repeat(1024 * 1024 - 11)}"}`;
    expect(encoder.encode(atLimit).length).toBe(1024 * 1024);
    expect((await deliver(hook.path, hook.secret, atLimit, { signature: `t=${nowS()},v1=${"0".repeat(64)}` })).status).toBe(401);
  });

  it("maps body fields and selected headers onto the run input", async () => {
    const graph = await createGraphViaApi({
      name: "mapped",
      tasks: [{ id: "t", type: "Template", defaults: { template: "{{event}} by {{name}}" } }],
      dataflows: [],
    });
    const hook = await createHook(graph.id, { inputMapping: { name: "/body/sender/login", event: "/headers/x-github-event", missing: "/body/nope/0" } });
    expect(hook.inputMapping).toEqual({ name: "/body/sender/login", event: "/headers/x-github-event", missing: "/body/nope/0" });
    const res = await deliver(hook.path, hook.secret, '{"sender":{"login":"octocat"},"action":"opened"}', { headers: { "X-GitHub-Event": "issues" } });
    expect(res.status).toBe(202);
    const run = await pollRun(((await res.json()) as any).runId, (r) => r.status === "COMPLETED");
    expect(run.input).toEqual({ name: "octocat", event: "issues" });
    expect(run.output).toEqual({ text: "issues by octocat" });
  });
});

describe("rotation", () => {
  it("accepts the old and the new secret during the window, and the new one only after", async () => {
    const { hook } = await newHook();
    const start = Date.now();
    const rotate = await call(`/hooks/${hook.id}/rotate`, { json: { graceSeconds: 3600 } });
    expect(rotate.status).toBe(200);
    const rotated = (await rotate.json()) as any;
    expect(rotated.secret).not.toBe(hook.secret);
    expect(Date.parse(rotated.previousSecretExpiresAt) - start).toBeGreaterThanOrEqual(3600_000 - 1000);
    expect(rotated.rotatedAt).not.toBeNull();

    expect((await deliver(hook.path, hook.secret, '{"name":"old"}')).status).toBe(202);
    expect((await deliver(hook.path, rotated.secret, '{"name":"new"}')).status).toBe(202);
    expect((await deliver(hook.path, hook.secret, '{"name":"both"}', { secrets: [hook.secret, rotated.secret] })).status).toBe(202);

    // An hour and a second later (server clock moved on), the old secret is refused.
    const later = Date.parse(rotated.previousSecretExpiresAt) + 1000;
    const fetch = appWith({ clock: () => later });
    const t = Math.floor(later / 1000);
    expect((await fetch(await signedRequest(hook.path, hook.secret, '{"name":"late old"}', { t }))).status).toBe(401);
    expect((await fetch(await signedRequest(hook.path, rotated.secret, '{"name":"late new"}', { t }))).status).toBe(202);
  });

  it("defaults to a 24 h window; graceSeconds 0 revokes the old secret at once", async () => {
    const { hook } = await newHook();
    const before = Date.now();
    const rotated = (await (await call(`/hooks/${hook.id}/rotate`, { method: "POST" })).json()) as any;
    const window = Date.parse(rotated.previousSecretExpiresAt) - before;
    expect(window).toBeGreaterThan(24 * 3600_000 - 5000);
    expect(window).toBeLessThanOrEqual(24 * 3600_000 + 5000);

    const now = (await (await call(`/hooks/${hook.id}/rotate`, { json: { graceSeconds: 0 } })).json()) as any;
    expect(now.previousSecretExpiresAt).toBeNull();
    expect((await deliver(hook.path, rotated.secret, ADA)).status).toBe(401);
    expect((await deliver(hook.path, hook.secret, ADA)).status).toBe(401);
    expect((await deliver(hook.path, now.secret, ADA)).status).toBe(202);
  });

  it("refuses a grace beyond 7 days or of the wrong type (422)", async () => {
    const { hook } = await newHook();
    for (const graceSeconds of [7 * 86_400 + 1, -1, "60", 1.5]) {
      expect((await call(`/hooks/${hook.id}/rotate`, { json: { graceSeconds } })).status, String(graceSeconds)).toBe(422);
    }
  });

  it("fails loudly (500) when a stored secret no longer opens, e.g. after HOOK_SECRET_KEY changed", async () => {
    const { hook } = await newHook();
    const fetch = appWith({}, { HOOK_SECRET_KEY: "a different key" });
    const res = await fetch(await signedRequest(hook.path, hook.secret, ADA));
    expect((await problem(res)).status).toBe(500);
    // Rotation still works: it issues a new secret under the new key and keeps nothing old.
    const rotate = await fetch(new Request(`${BASE}/hooks/${hook.id}/rotate`, { method: "POST", headers: { Authorization: `Bearer ${env.ADMIN_TOKEN}` } }));
    expect(rotate.status).toBe(200);
    const rotated = (await rotate.json()) as any;
    expect(rotated.previousSecretExpiresAt).toBeNull();
    expect((await fetch(await signedRequest(hook.path, rotated.secret, ADA))).status).toBe(202);
  });
});
