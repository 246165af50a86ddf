import { describe, expect, it } from "vitest";
import { CORS_ALLOWED_HEADERS, parseCorsOrigins } from "../../src/api/cors";
import { API_SECURITY_HEADERS } from "../../src/api/security-headers";
import { ADMIN_TOKEN, BASE, call, createGraphViaApi, greetGraph } from "../api/helpers";
import { appWith } from "./helpers";

const APP = "https://app.example.com";
const withCors = appWith({}, { CORS_ORIGINS: `${APP}, http://localhost:5173/ ,not an origin,*,https://x.example.com/path` });

function preflight(path: string, origin: string, method = "POST", headers = "authorization, content-type"): Request {
  return new Request(BASE + path, { method: "OPTIONS", headers: { Origin: origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers } });
}

describe("parseCorsOrigins", () => {
  it("keeps exact origins only: no wildcard, no paths, no junk", () => {
    expect([...parseCorsOrigins(`${APP}, http://localhost:5173/ ,not an origin,*,https://x.example.com/path,null`)]).toEqual([APP, "http://localhost:5173"]);
    expect(parseCorsOrigins(undefined).size).toBe(0);
    expect(parseCorsOrigins("").size).toBe(0);
  });
});

describe("CORS", () => {
  it("answers a preflight from an allowed origin with the route's methods and the headers the API reads", async () => {
    const res = await withCors(preflight("/graphs/g_1", APP, "PUT", "authorization, content-type, if-match"));
    expect(res.status).toBe(204);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe(APP);
    expect(res.headers.get("Access-Control-Allow-Methods")?.split(", ")).toEqual(expect.arrayContaining(["GET", "PUT", "PATCH", "DELETE"]));
    expect(res.headers.get("Access-Control-Allow-Headers")).toBe(CORS_ALLOWED_HEADERS.join(", "));
    expect(res.headers.get("Access-Control-Allow-Headers")).toContain("Idempotency-Key");
    expect(res.headers.get("Access-Control-Allow-Credentials")).toBeNull();
    expect(Number(res.headers.get("Access-Control-Max-Age"))).toBeGreaterThan(0);
    expect(res.headers.get("Vary")).toContain("Origin");
    const local = await withCors(preflight("/runs", "http://localhost:5173", "GET"));
    expect(local.headers.get("Access-Control-Allow-Origin")).toBe("http://localhost:5173");
  });

  it("refuses a preflight from another origin, and leaves unknown paths to 404", async () => {
    for (const origin of ["https://evil.example.com", "https://app.example.com.evil.com", "http://app.example.com", "null"]) {
      const res = await withCors(preflight("/graphs", origin));
      expect(res.status, origin).toBe(403);
      expect(res.headers.get("Access-Control-Allow-Origin")).toBeNull();
    }
    expect((await withCors(preflight("/nowhere", APP))).status).toBe(404);
  });

  it("lets an allowed origin read responses and the headers it needs (ETag, Location, Retry-After)", async () => {
    const graph = await createGraphViaApi(greetGraph());
    const res = await withCors(new Request(`${BASE}/graphs/${graph.id}`, { headers: { Origin: APP, Authorization: `Bearer ${ADMIN_TOKEN}` } }));
    expect(res.status).toBe(200);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe(APP);
    expect(res.headers.get("Access-Control-Expose-Headers")?.split(", ")).toEqual(expect.arrayContaining(["ETag", "Location", "Retry-After"]));
    expect(res.headers.get("Vary")).toContain("Origin");
    for (const [name, value] of Object.entries(API_SECURITY_HEADERS)) expect(res.headers.get(name)).toBe(value);
    // Errors carry the CORS headers too, so the page can read the problem.
    const missing = await withCors(new Request(`${BASE}/graphs/g_missing`, { headers: { Origin: APP, Authorization: `Bearer ${ADMIN_TOKEN}` } }));
    expect(missing.status).toBe(404);
    expect(missing.headers.get("Access-Control-Allow-Origin")).toBe(APP);
  });

  it("grants nothing to other origins", async () => {
    const res = await withCors(new Request(`${BASE}/health`, { headers: { Origin: "https://evil.example.com" } }));
    expect(res.status).toBe(200);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBeNull();
    expect(res.headers.get("Access-Control-Expose-Headers")).toBeNull();
  });

  it("is off by default: no CORS_ORIGINS, no CORS headers, preflights are not answered", async () => {
    const res = await call("/health", { token: null, headers: { Origin: APP } });
    expect(res.headers.get("Access-Control-Allow-Origin")).toBeNull();
    const pre = await call("/graphs", { method: "OPTIONS", token: null, headers: { Origin: APP, "Access-Control-Request-Method": "POST" } });
    expect(pre.status).toBe(405);
    expect(pre.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });
});
