import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { D1RateLimiter, DEFAULT_RATE_LIMITS, PlatformRateLimiter } from "../../src/api/rate-limit";
import type { Env } from "../../src/env";
import { ADMIN_TOKEN, BASE, call, createGraphViaApi, createKey, greetGraph, problem } from "../api/helpers";
import { appWith, createHook, signedRequest } from "./helpers";

const SMALL = { key: { limit: 3, periodS: 60 }, signed: { limit: 2, periodS: 60 }, public: { limit: 2, periodS: 10 } };

function get(path: string, token: string | null, headers: Record<string, string> = {}): Request {
  return new Request(BASE + path, { headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers } });
}

/** The env without the rate limiting bindings: the D1 fallback counts. */
const withoutBindings = { RATE_LIMIT_KEYS: undefined, RATE_LIMIT_SIGNED: undefined, RATE_LIMIT_PUBLIC: undefined } as Partial<Env>;

async function expect429(res: Response, maxRetryAfter: number): Promise<number> {
  const p = await problem(res);
  expect(p.status).toBe(429);
  expect(p.type).toBe("urn:weft:problem:too-many-requests");
  const retryAfter = Number(res.headers.get("Retry-After"));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(maxRetryAfter);
  return retryAfter;
}

describe("the D1 fixed-window limiter", () => {
  it("allows `limit` requests per window, then answers with the seconds left in it", async () => {
    let now = Date.UTC(2026, 10, 26, 10, 0, 15); // 15 s into a minute window
    const limiter = new D1RateLimiter({ ...DEFAULT_RATE_LIMITS, key: { limit: 2, periodS: 60 } }, () => now);
    const key = `unit-${crypto.randomUUID()}`;
    expect(await limiter.take(env, "key", key)).toEqual({ allowed: true });
    expect(await limiter.take(env, "key", key)).toEqual({ allowed: true });
    expect(await limiter.take(env, "key", key)).toMatchObject({ allowed: false, retryAfterS: 45 });
    now += 44_500;
    expect(await limiter.take(env, "key", key)).toMatchObject({ allowed: false, retryAfterS: 1 });
    expect(await limiter.take(env, "key", `${key}-other`)).toEqual({ allowed: true });
    now += 500; // the next window
    expect(await limiter.take(env, "key", key)).toEqual({ allowed: true });
  });

  it("counts concurrent requests exactly", async () => {
    const limiter = new D1RateLimiter({ ...DEFAULT_RATE_LIMITS, signed: { limit: 5, periodS: 60 } }, () => Date.UTC(2026, 0, 1, 0, 0, 1));
    const key = `burst-${crypto.randomUUID()}`;
    const decisions = await Promise.all(Array.from({ length: 12 }, () => limiter.take(env, "signed", key)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
  });

  it("is what the platform limiter uses when no binding is configured", async () => {
    const limiter = new PlatformRateLimiter({ ...DEFAULT_RATE_LIMITS, public: { limit: 1, periodS: 60 } });
    const bare = new Proxy(env, { get: (t, n) => (n === "RATE_LIMIT_PUBLIC" ? undefined : Reflect.get(t, n)) }) as Env;
    const key = `fallback-${crypto.randomUUID()}`;
    expect((await limiter.take(bare, "public", key)).allowed).toBe(true);
    const second = await limiter.take(bare, "public", key);
    expect(second.allowed).toBe(false);
    if (!second.allowed) expect(second.retryAfterS).toBeLessThanOrEqual(60);
  });
});

describe("429 through the API (D1 fallback, small limits)", () => {
  it("limits each API key on every authenticated route; other keys and the admin token are not affected", async () => {
    const fetch = appWith({ rateLimiter: new D1RateLimiter(SMALL) }, withoutBindings);
    const a = (await createKey(["read"])).key;
    const b = (await createKey(["read"])).key;
    for (let i = 0; i < 3; i++) expect((await fetch(get("/graphs", a))).status).toBe(200);
    await expect429(await fetch(get("/graphs", a)), 60);
    await expect429(await fetch(get("/task-types", a)), 60); // one bucket per key, across routes
    expect((await fetch(get("/graphs", b))).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await fetch(get("/graphs", ADMIN_TOKEN))).status).toBe(200);
    // A refused credential is a 401, not a 429: nothing is counted for unknown keys.
    expect((await fetch(get("/graphs", "weft_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))).status).toBe(401);
  });

  it("limits deliveries per hook, forged ones included, with Retry-After", async () => {
    const fetch = appWith({ rateLimiter: new D1RateLimiter(SMALL) }, withoutBindings);
    const graph = await createGraphViaApi(greetGraph());
    const hook = await createHook(graph.id);
    const other = await createHook(graph.id);
    expect((await fetch(await signedRequest(hook.path, hook.secret, '{"name":"1"}'))).status).toBe(202);
    expect((await fetch(await signedRequest(hook.path, "whsec_forged", '{"name":"2"}'))).status).toBe(401);
    await expect429(await fetch(await signedRequest(hook.path, hook.secret, '{"name":"3"}')), 60);
    expect((await fetch(await signedRequest(other.path, other.secret, '{"name":"4"}'))).status).toBe(202);
  });

  it("limits public endpoints per client address", async () => {
    // A fixed clock, 2 s into a 10 s window: with the real one a window could end between the
    // second and third request, and the third would pass.
    const fetch = appWith({ rateLimiter: new D1RateLimiter(SMALL, () => Date.UTC(2026, 10, 26, 10, 0, 2)) }, withoutBindings);
    const graph = await createGraphViaApi(greetGraph());
    const slug = `rl-${Date.now().toString(36)}`;
    expect((await call(`/endpoints/${slug}`, { method: "PUT", json: { graphId: graph.id, auth: "public" } })).status).toBe(201);
    const from = (ip: string) => new Request(`${BASE}/endpoints/${slug}`, { method: "POST", headers: { "Content-Type": "application/json", "CF-Connecting-IP": ip }, body: '{"name":"x"}' });
    expect((await fetch(from("203.0.113.1"))).status).toBe(200);
    expect((await fetch(from("203.0.113.1"))).status).toBe(200);
    expect(await expect429(await fetch(from("203.0.113.1")), 10)).toBe(8);
    expect((await fetch(from("203.0.113.2"))).status).toBe(200);
    // The schema route of a public endpoint shares the address's bucket.
    await expect429(await fetch(get(`/endpoints/${slug}/schema`, null, { "CF-Connecting-IP": "203.0.113.1" })), 10);
  });
});

describe("429 through the Workers rate limiting binding (wrangler.toml, simulated by Miniflare)", () => {
  it("is configured, and limits a public endpoint's callers with Retry-After of the binding's period", async () => {
    expect(env.RATE_LIMIT_PUBLIC).toBeDefined();
    expect(env.RATE_LIMIT_KEYS).toBeDefined();
    expect(env.RATE_LIMIT_SIGNED).toBeDefined();
    const graph = await createGraphViaApi(greetGraph());
    const slug = `rlb-${Date.now().toString(36)}`;
    expect((await call(`/endpoints/${slug}`, { method: "PUT", json: { graphId: graph.id, auth: "public" } })).status).toBe(201);
    const { limit } = DEFAULT_RATE_LIMITS.public;
    const ip = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
    // Windows are aligned to the clock: one boundary may fall inside the loop, never two, so the
    // first 429 comes after more than `limit` and at most 2·limit + 1 requests.
    let first429 = 0;
    let res: Response | undefined;
    for (let i = 1; i <= 2 * limit + 1; i++) {
      res = await call(`/endpoints/${slug}/schema`, { token: null, headers: { "CF-Connecting-IP": ip } });
      if (res.status === 429) {
        first429 = i;
        break;
      }
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    expect(first429).toBeGreaterThan(limit);
    expect(res!.headers.get("Retry-After")).toBe(String(DEFAULT_RATE_LIMITS.public.periodS));
    expect((await call(`/endpoints/${slug}/schema`, { token: null, headers: { "CF-Connecting-IP": "198.51.100.254" } })).status).toBe(200);
  });
});
