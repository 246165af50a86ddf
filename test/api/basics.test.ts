import { afterEach, describe, expect, it, vi } from "vitest";
import { errorResponse } from "../../src/api/app";
import { API_SECURITY_HEADERS } from "../../src/api/security-headers";
import { call, problem } from "./helpers";

describe("GET /health", () => {
  it("answers without a credential", async () => {
    const res = await call("/health", { token: null });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("ignores a wrong credential (it is public)", async () => {
    expect((await call("/health", { token: "nonsense" })).status).toBe(200);
  });
});

describe("security headers", () => {
  it("are on successful responses and on problems", async () => {
    for (const res of [await call("/health"), await call("/graphs/nope"), await call("/no-such-route"), await call("/graphs", { token: null })]) {
      for (const [name, value] of Object.entries(API_SECURITY_HEADERS)) expect(res.headers.get(name), name).toBe(value);
    }
  });
});

describe("GET /task-types", () => {
  it("lists every registered type with its schemas", async () => {
    const res = await call("/task-types");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: Record<string, unknown>[]; nextCursor: null };
    expect(body.nextCursor).toBeNull();
    const types = body.items.map((t) => t.type);
    for (const t of ["Template", "Uppercase", "Fetch", "GraphAsTask", "Delay", "Assert", "WaitForSignal"]) expect(types).toContain(t);
    for (const t of body.items) {
      expect(typeof t.title).toBe("string");
      expect(typeof t.category).toBe("string");
      expect(["inline", "queue", "graph", "durable"]).toContain(t.execution);
      expect(t.inputSchema).toMatchObject({ type: "object" });
      expect(t.outputSchema).toMatchObject({ type: "object" });
      expect(t.configSchema).toMatchObject({ type: "object" });
    }
    expect(body.items.find((t) => t.type === "Fetch")?.execution).toBe("queue");
  });
});

describe("unknown routes and methods", () => {
  it("answers 404 problem for an unknown path", async () => {
    const res = await call("/nope/nothing");
    expect(res.status).toBe(404);
    expect((await problem(res)).type).toBe("urn:weft:problem:not-found");
  });

  it("treats a trailing slash as a different (unknown) path", async () => {
    expect((await call("/graphs/")).status).toBe(404);
  });

  it("answers 405 problem with Allow for a known path and a wrong method", async () => {
    const res = await call("/graphs", { method: "PATCH" });
    expect(res.status).toBe(405);
    expect(res.headers.get("Allow")?.split(", ").sort()).toEqual(["GET", "HEAD", "POST"]);
    expect((await problem(res)).type).toBe("urn:weft:problem:method-not-allowed");

    const put = await call("/health", { method: "PUT" });
    expect(put.status).toBe(405);
    expect(put.headers.get("Allow")).toBe("GET, HEAD");

    const onItem = await call("/graphs/g_1/versions/3", { method: "DELETE" });
    expect(onItem.status).toBe(405);
    expect(onItem.headers.get("Allow")).toBe("GET, HEAD");
  });

  it("answers HEAD on a GET route without a body", async () => {
    const res = await call("/health", { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
  });
});

describe("unexpected errors", () => {
  afterEach(() => vi.restoreAllMocks());

  it("become a 500 problem with an instance id, logged, with no internals in the body", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = errorResponse(new Error("D1_ERROR: no such column: secret_column in SELECT * FROM api_keys"));
    expect(res.status).toBe(500);
    const body = await problem(res);
    const text = JSON.stringify(body);
    expect(text).not.toContain("secret_column");
    expect(text).not.toContain("SELECT");
    expect(text).not.toMatch(/\bat \w+ \(/); // no stack frames
    expect(body.instance).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    const id = body.instance!.slice("urn:uuid:".length);
    expect(body.detail).toContain(id);
    expect(log).toHaveBeenCalledOnce();
    expect(String(log.mock.calls[0][0])).toContain(id);
  });

  it("answers a non-Error throw the same way", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const res = errorResponse("a string");
    expect(res.status).toBe(500);
    expect((await problem(res)).instance).toBeDefined();
  });
});
