import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { isRetryable } from "../../../src/core/task/errors";
import { createFetchTask, Fetch } from "../../../src/tasks/fetch";
import { closedPort, TestServer } from "./http-server";
import { abortedContext, accepts, configSchema, failure, run, TestContext } from "./helpers";

const BYTES = Uint8Array.from([0, 1, 2, 127, 128, 254, 255, 10, 13]);

const server = new TestServer({
  "/json": (_req, res) => res.writeHead(200, { "content-type": "application/json", "x-trace": "t1" }).end('{"ok":true,"n":[1,2]}'),
  "/text": (_req, res) => res.writeHead(200, { "content-type": "text/plain; charset=utf-8" }).end("héllo"),
  "/latin1": (_req, res) => res.writeHead(200, { "content-type": "text/plain; charset=iso-8859-1" }).end(Buffer.from([0x63, 0x61, 0x66, 0xe9])),
  "/bytes": (_req, res) => res.writeHead(200, { "content-type": "application/octet-stream" }).end(Buffer.from(BYTES)),
  "/html": (_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<html>not json</html>"),
  "/no-content": (_req, res) => res.writeHead(204).end(),
  "/echo": (req, res, body) =>
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ method: req.method, headers: req.headers, body })),
  // /hops?n=3 → 302 → /hops?n=2 … → /hops?n=0 answers 200.
  "/hops": (_req, res, _body, url) => {
    const n = Number(url.searchParams.get("n"));
    if (n <= 0) res.writeHead(200, { "content-type": "application/json" }).end('{"arrived":true}');
    else res.writeHead(302, { location: `/hops?n=${n - 1}` }).end();
  },
  "/redirect": (_req, res, _body, url) => res.writeHead(Number(url.searchParams.get("status") ?? 302), { location: url.searchParams.get("to") ?? "/" }).end(),
  "/status": (_req, res, _body, url) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    const retryAfter = url.searchParams.get("retry-after");
    if (retryAfter !== null) headers["retry-after"] = retryAfter;
    res.writeHead(Number(url.searchParams.get("code")), headers).end('{"error":"x"}');
  },
  // Never answers: for the request timeout.
  "/hang": () => {},
  // Headers at once, then a body that never ends: for abort mid-download.
  "/trickle": (_req, res) => {
    res.writeHead(200, { "content-type": "text/plain" });
    res.write("first chunk");
  },
  // Declares its size: refused before reading.
  "/big": (_req, res) => res.writeHead(200, { "content-type": "text/plain", "content-length": "4096" }).end("x".repeat(4096)),
  // No declared size, 64 KiB chunks for as long as the client reads (up to 64 MiB).
  "/endless": (_req, res) => {
    res.writeHead(200, { "content-type": "application/octet-stream" });
    const chunk = Buffer.alloc(65_536, 120);
    let sent = 0;
    const pump = () => {
      while (sent < 1024 && !res.destroyed) {
        sent++;
        if (!res.write(chunk)) {
          res.once("drain", pump);
          return;
        }
      }
      if (!res.destroyed) res.end();
    };
    pump();
  },
  // 1000 bytes with a declared length: for progress.
  "/kilobyte": (_req, res) => {
    res.writeHead(200, { "content-type": "text/plain", "content-length": "1000" });
    let i = 0;
    const next = () => {
      if (i === 10) return res.end();
      i++;
      res.write("y".repeat(100), next);
    };
    next();
  },
});

/** Fetch as a deployment that lets tasks reach this machine's test server. */
const LocalFetch = createFetchTask({ allowHosts: ["127.0.0.1", "localhost"] });

beforeAll(() => server.start());
afterAll(() => server.stop());
beforeEach(() => {
  server.requests.length = 0;
  server.cutShort.length = 0;
});

describe("Fetch: responses", () => {
  it("reads JSON, with status, headers and the final URL", async () => {
    const out = await run(LocalFetch, { url: `${server.origin}/json` });
    expect(out).toMatchObject({ status: 200, body: { ok: true, n: [1, 2] }, url: `${server.origin}/json` });
    expect((out as { headers: Record<string, string> }).headers).toMatchObject({ "content-type": "application/json", "x-trace": "t1" });
  });

  it("reads text, decoding the declared charset", async () => {
    expect(await run(LocalFetch, { url: `${server.origin}/text`, responseType: "text" })).toMatchObject({ body: "héllo" });
    expect(await run(LocalFetch, { url: `${server.origin}/latin1`, responseType: "text" })).toMatchObject({ body: "café" });
  });

  it("reads bytes as base64", async () => {
    const out = (await run(LocalFetch, { url: `${server.origin}/bytes`, responseType: "bytes" })) as { body: string };
    expect(out.body).toBe(Buffer.from(BYTES).toString("base64"));
  });

  it("gives null for an empty body and for HEAD", async () => {
    expect(await run(LocalFetch, { url: `${server.origin}/no-content` })).toMatchObject({ status: 204, body: null });
    expect(await run(LocalFetch, { url: `${server.origin}/json`, method: "HEAD" })).toMatchObject({ status: 200, body: null });
    expect(server.requests.map((r) => r.method)).toEqual(["GET", "HEAD"]);
  });

  it("sends a JSON body with its content type, a string body as is, and the headers", async () => {
    const json = (await run(LocalFetch, { url: `${server.origin}/echo`, method: "POST", body: { a: [1] }, headers: { "x-api-key": "k" } })) as {
      body: { method: string; headers: Record<string, string>; body: string };
    };
    expect(json.body).toMatchObject({ method: "POST", body: '{"a":[1]}', headers: { "content-type": "application/json", "x-api-key": "k" } });
    const text = (await run(LocalFetch, { url: `${server.origin}/echo`, method: "PUT", body: "raw=1", headers: { "content-type": "application/x-www-form-urlencoded" } })) as {
      body: { body: string; headers: Record<string, string> };
    };
    expect(text.body).toMatchObject({ body: "raw=1", headers: { "content-type": "application/x-www-form-urlencoded" } });
  });

  it("fails permanently on a body that is not JSON when JSON is expected", async () => {
    const err = await failure(LocalFetch, { url: `${server.origin}/html` });
    expect(err).toMatchObject({ code: "invalid_json", permanent: true });
    expect(err.message).toContain("text/html");
  });

  it("fails permanently on headers that cannot be sent, before sending anything", async () => {
    for (const headers of [{ "bad name": "x" }, { "x-ok": "line\nbreak" }]) {
      expect(await failure(LocalFetch, { url: `${server.origin}/echo`, headers }), JSON.stringify(headers)).toMatchObject({ code: "invalid_request", permanent: true });
    }
    expect(server.requests).toEqual([]);
  });

  it("fails permanently on a GET with a body, before sending anything", async () => {
    expect(await failure(LocalFetch, { url: `${server.origin}/echo`, body: { a: 1 } })).toMatchObject({ code: "invalid_request", permanent: true });
    expect(server.requests).toEqual([]);
  });

  it("reports download progress when the size is known", async () => {
    const ctx = new TestContext();
    await run(LocalFetch, { url: `${server.origin}/kilobyte`, responseType: "text" }, ctx);
    const steps = ctx.progressed.map((p) => p.percent);
    expect(steps.length).toBeGreaterThan(0);
    expect(steps.at(-1)).toBe(100);
    expect([...steps].sort((a, b) => a - b)).toEqual(steps);
  });
});

describe("Fetch: redirects", () => {
  it("follows redirects up to the limit", async () => {
    expect(await run(LocalFetch, { url: `${server.origin}/hops?n=3` })).toMatchObject({ status: 200, body: { arrived: true }, url: `${server.origin}/hops?n=0` });
    expect(server.requests.map((r) => r.url)).toEqual(["/hops?n=3", "/hops?n=2", "/hops?n=1", "/hops?n=0"]);
  });

  it("fails permanently past the limit (default 5, config maxRedirects)", async () => {
    expect(await failure(LocalFetch, { url: `${server.origin}/hops?n=6` })).toMatchObject({ code: "too_many_redirects", permanent: true });
    expect(server.requests).toHaveLength(6);
    expect(await failure(LocalFetch, { url: `${server.origin}/hops?n=3` }, new TestContext({ maxRedirects: 2 }))).toMatchObject({ code: "too_many_redirects" });
    expect(await failure(LocalFetch, { url: `${server.origin}/hops?n=1` }, new TestContext({ maxRedirects: 0 }))).toMatchObject({ code: "too_many_redirects" });
    expect(await run(LocalFetch, { url: `${server.origin}/hops?n=2` }, new TestContext({ maxRedirects: 2 }))).toMatchObject({ status: 200 });
  });

  it("refuses a redirect to a host outside the task's allow-list, without requesting it", async () => {
    const to = encodeURIComponent(`${server.localhostOrigin}/json`);
    const ctx = new TestContext({ allowHosts: ["127.0.0.1"] });
    const err = await failure(LocalFetch, { url: `${server.origin}/redirect?to=${to}` }, ctx);
    expect(err).toMatchObject({ code: "host_not_allowed", permanent: true });
    expect(err.message).toContain("localhost");
    expect(server.requests.map((r) => r.url)).toEqual([`/redirect?to=${to}`]);
  });

  it("refuses a redirect outside the deployment's allow-list whatever the task says", async () => {
    const OnlyLoopbackIp = createFetchTask({ allowHosts: ["127.0.0.1"] });
    const to = encodeURIComponent(`${server.localhostOrigin}/json`);
    const err = await failure(OnlyLoopbackIp, { url: `${server.origin}/redirect?to=${to}` }, new TestContext({ allowHosts: ["*"] }));
    expect(err).toMatchObject({ code: "host_not_allowed" });
  });

  it("refuses a redirect to another scheme", async () => {
    const err = await failure(LocalFetch, { url: `${server.origin}/redirect?to=${encodeURIComponent("file:///etc/passwd")}` });
    expect(err).toMatchObject({ code: "unsupported_protocol", permanent: true });
  });

  it("turns POST into GET on 303 and keeps method and body on 307", async () => {
    const to = encodeURIComponent("/echo");
    const after303 = (await run(LocalFetch, { url: `${server.origin}/redirect?status=303&to=${to}`, method: "POST", body: { a: 1 } })) as {
      body: { method: string; body: string; headers: Record<string, string> };
    };
    expect(after303.body.method).toBe("GET");
    expect(after303.body.body).toBe("");
    expect(after303.body.headers["content-type"]).toBeUndefined();
    const after307 = (await run(LocalFetch, { url: `${server.origin}/redirect?status=307&to=${to}`, method: "POST", body: { a: 1 } })) as {
      body: { method: string; body: string };
    };
    expect(after307.body).toMatchObject({ method: "POST", body: '{"a":1}' });
  });

  it("drops credentials on a redirect to another origin, keeps them on the same origin", async () => {
    const headers = { authorization: "Bearer secret", cookie: "s=1", "x-keep": "yes" };
    const cross = (await run(LocalFetch, { url: `${server.origin}/redirect?to=${encodeURIComponent(`${server.localhostOrigin}/echo`)}`, headers })) as {
      body: { headers: Record<string, string> };
    };
    expect(cross.body.headers.authorization).toBeUndefined();
    expect(cross.body.headers.cookie).toBeUndefined();
    expect(cross.body.headers["x-keep"]).toBe("yes");
    const same = (await run(LocalFetch, { url: `${server.origin}/redirect?to=%2Fecho`, headers })) as { body: { headers: Record<string, string> } };
    expect(same.body.headers.authorization).toBe("Bearer secret");
  });
});

describe("Fetch: failures", () => {
  it("fails retryably on 429 with Retry-After in seconds", async () => {
    const err = await failure(LocalFetch, { url: `${server.origin}/status?code=429&retry-after=120` });
    expect(err).toMatchObject({ name: "HttpError", code: "http_429", retryAfterMs: 120_000 });
    expect(err.permanent).toBeUndefined();
    expect(isRetryable(err)).toBe(true);
  });

  it("fails retryably on 429 with Retry-After as an HTTP date", async () => {
    const when = new Date(Math.ceil(Date.now() / 1000) * 1000 + 60_000); // HTTP dates have whole seconds
    const before = Date.now();
    const err = await failure(LocalFetch, { url: `${server.origin}/status?code=429&retry-after=${encodeURIComponent(when.toUTCString())}` });
    const after = Date.now();
    expect(err.code).toBe("http_429");
    expect(err.retryAfterMs).toBeGreaterThanOrEqual(when.getTime() - after);
    expect(err.retryAfterMs).toBeLessThanOrEqual(when.getTime() - before);
  });

  it("fails retryably on 5xx, permanently on other 4xx", async () => {
    const e503 = await failure(LocalFetch, { url: `${server.origin}/status?code=503&retry-after=5` });
    expect(e503).toMatchObject({ name: "HttpError", code: "http_503", retryAfterMs: 5000 });
    expect(isRetryable(e503)).toBe(true);
    const e500 = await failure(LocalFetch, { url: `${server.origin}/status?code=500` });
    expect(e500).toMatchObject({ code: "http_500" });
    expect(e500.retryAfterMs).toBeUndefined();
    expect(isRetryable(e500)).toBe(true);
    for (const code of [400, 401, 404, 422]) {
      const e = await failure(LocalFetch, { url: `${server.origin}/status?code=${code}` });
      expect(e).toMatchObject({ name: "HttpError", code: `http_${code}`, permanent: true });
      expect(isRetryable(e)).toBe(false);
    }
  });

  it("keeps the query string (which may hold secrets) out of error messages", async () => {
    const err = await failure(LocalFetch, { url: `${server.origin}/status?code=404&api_key=SECRET` });
    expect(err.message).toBe(`HTTP 404 Not Found from ${server.origin}/status`);
  });

  it("times out retryably", async () => {
    const err = await failure(LocalFetch, { url: `${server.origin}/hang`, timeoutMs: 150 });
    expect(err).toMatchObject({ name: "HttpTimeoutError", code: "timeout" });
    expect(isRetryable(err)).toBe(true);
  });

  it("fails permanently on a declared size over the limit, without reading it", async () => {
    const err = await failure(LocalFetch, { url: `${server.origin}/big`, responseType: "text" }, new TestContext({ maxResponseBytes: 1000 }));
    expect(err).toMatchObject({ code: "response_too_large", permanent: true });
    expect(await run(LocalFetch, { url: `${server.origin}/big`, responseType: "text" }, new TestContext({ maxResponseBytes: 4096 }))).toMatchObject({ status: 200 });
  });

  it("stops reading an undeclared body past the limit", async () => {
    const err = await failure(LocalFetch, { url: `${server.origin}/endless`, responseType: "bytes" }, new TestContext({ maxResponseBytes: 100_000 }));
    expect(err).toMatchObject({ code: "response_too_large", permanent: true });
    // The server never got to send its 64 MiB: the client hung up.
    await expect.poll(() => server.cutShort).toContain("/endless");
  });

  it("caps a task's maxResponseBytes at the deployment's", async () => {
    const Small = createFetchTask({ allowHosts: ["127.0.0.1"], maxResponseBytes: 1000 });
    expect(await failure(Small, { url: `${server.origin}/big` }, new TestContext({ maxResponseBytes: 10_000 }))).toMatchObject({ code: "response_too_large" });
  });

  it("fails retryably when the connection is refused", async () => {
    const port = await closedPort();
    const err = await failure(LocalFetch, { url: `http://127.0.0.1:${port}/` });
    expect(err).toMatchObject({ name: "NetworkError", code: "network_error" });
    expect(err.message).toContain("ECONNREFUSED");
    expect(isRetryable(err)).toBe(true);
  });
});

describe("Fetch: allowed hosts", () => {
  it("never reaches internal addresses unless the deployment lists them", async () => {
    for (const url of [`${server.origin}/json`, `${server.localhostOrigin}/json`, "http://10.0.0.1/", "http://[::1]/", "http://169.254.169.254/latest/meta-data"]) {
      expect(await failure(Fetch, { url }), url).toMatchObject({ code: "host_not_allowed", permanent: true });
    }
    // Not even when the task lists them: a graph author cannot widen the deployment's list.
    expect(await failure(Fetch, { url: `${server.origin}/json` }, new TestContext({ allowHosts: ["127.0.0.1"] }))).toMatchObject({ code: "host_not_allowed" });
    expect(server.requests).toEqual([]);
  });

  it("narrows to the task's allowHosts", async () => {
    const err = await failure(LocalFetch, { url: `${server.origin}/json` }, new TestContext({ allowHosts: ["api.example.com", "*.example.org"] }));
    expect(err).toMatchObject({ code: "host_not_allowed" });
    expect(server.requests).toEqual([]);
  });

  it("refuses schemes other than http and https", async () => {
    for (const url of ["ftp://example.com/x", "file:///etc/passwd", "data:text/plain,hi"]) {
      expect(await failure(Fetch, { url }), url).toMatchObject({ code: "unsupported_protocol", permanent: true });
    }
  });
});

describe("Fetch: abort", () => {
  it("rejects at once when already aborted, sending nothing", async () => {
    expect(await failure(LocalFetch, { url: `${server.origin}/json` }, abortedContext())).toMatchObject({ name: "TaskAbortedError", message: "run cancelled" });
    expect(server.requests).toEqual([]);
  });

  it("rejects when aborted while waiting for the response", async () => {
    const ctx = new TestContext();
    const pending = failure(LocalFetch, { url: `${server.origin}/hang` }, ctx);
    await expect.poll(() => server.requests.length).toBe(1);
    ctx.controller.abort("run cancelled");
    expect(await pending).toMatchObject({ name: "TaskAbortedError", message: "run cancelled", permanent: true });
  });

  it("rejects when aborted mid-download, and hangs up", async () => {
    const ctx = new TestContext();
    const pending = failure(LocalFetch, { url: `${server.origin}/trickle`, responseType: "text" }, ctx);
    await expect.poll(() => server.requests.length).toBe(1);
    ctx.controller.abort("a sibling failed");
    expect(await pending).toMatchObject({ name: "TaskAbortedError", message: "a sibling failed" });
    await expect.poll(() => server.cutShort).toContain("/trickle");
  });
});

describe("Fetch: schemas", () => {
  it("rejects bad input", () => {
    expect(accepts(Fetch.input, { url: "https://example.com" })).toBe(true);
    expect(accepts(Fetch.input, {})).toBe(false);
    expect(accepts(Fetch.input, { url: "not a url" })).toBe(false);
    expect(accepts(Fetch.input, { url: "https://example.com", method: "TRACE" })).toBe(false);
    expect(accepts(Fetch.input, { url: "https://example.com", responseType: "xml" })).toBe(false);
    expect(accepts(Fetch.input, { url: "https://example.com", headers: { a: 1 } })).toBe(false);
    expect(accepts(Fetch.input, { url: "https://example.com", timeoutMs: 0 })).toBe(false);
    expect(accepts(Fetch.input, { url: "https://example.com", extra: true })).toBe(false);
  });

  it("rejects bad config", () => {
    const config = configSchema(Fetch);
    expect(accepts(config, { allowHosts: ["api.example.com", "*.example.com", "*", "127.0.0.1", "[::1]"], maxRedirects: 3, maxResponseBytes: 1000 })).toBe(true);
    for (const bad of ["https://example.com", "*example.com", "a..b", "ex ample.com", "example.com:443", "*.*.com", ""]) {
      expect(accepts(config, { allowHosts: [bad] }), bad).toBe(false);
    }
    expect(accepts(config, { maxRedirects: 21 })).toBe(false);
    expect(accepts(config, { maxRedirects: -1 })).toBe(false);
    expect(accepts(config, { maxResponseBytes: 0 })).toBe(false);
    expect(accepts(config, { timeout: 5 })).toBe(false);
  });

  it("is a queue task", () => {
    expect(Fetch.execution).toBe("queue");
    expect(LocalFetch.type).toBe("Fetch");
  });
});
