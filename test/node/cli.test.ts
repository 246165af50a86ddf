import { createHmac } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalWeft, freePort, startLocalWeft } from "../support/local-weft.mjs";
import { type CliResult, weft } from "./cli-helpers";

/*
 * The `weft` CLI against a real local Weft (`wrangler dev` on loopback, fresh storage): graphs,
 * runs followed to the end with their exit codes, webhooks, signatures, and every kind of error.
 */

let server: LocalWeft;
let dir: string;
let env: Record<string, string>;

const greet = {
  name: "cli-greet",
  description: "Greets, then shouts",
  tasks: [
    { id: "greeting", type: "Template", defaults: { template: "Hello, {{name}}!" } },
    { id: "shout", type: "Uppercase" },
  ],
  dataflows: [{ sourceTaskId: "greeting", sourceTaskPortId: "text", targetTaskId: "shout", targetTaskPortId: "text" }],
};

const failing = {
  name: "cli-fails",
  tasks: [
    { id: "check", type: "Assert", defaults: { message: "the check said no" } },
    { id: "after", type: "Identity" },
  ],
  dataflows: [{ sourceTaskId: "check", sourceTaskPortId: "value", targetTaskId: "after", targetTaskPortId: "value" }],
};

function file(name: string, content: string | object): string {
  const p = path.join(dir, name);
  writeFileSync(p, typeof content === "string" ? content : JSON.stringify(content));
  return p;
}

async function api(pathname: string, init: RequestInit = {}) {
  const res = await fetch(`${server.url}${pathname}`, { ...init, headers: { Authorization: `Bearer ${server.adminToken}`, "Content-Type": "application/json", ...init.headers } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

function expectExit(r: CliResult, code: number) {
  expect(r.code, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(code);
}

beforeAll(async () => {
  server = await startLocalWeft();
  dir = mkdtempSync(path.join(tmpdir(), "weft-cli-"));
  env = { WEFT_URL: server.url, WEFT_TOKEN: server.adminToken };
});

afterAll(async () => {
  await server?.stop();
});

describe("weft graphs", () => {
  it("push creates a graph, then updates the graph of that name with a new version", async () => {
    const graphFile = file("greet.json", greet);
    const created = await weft(["graphs", "push", graphFile], env);
    expectExit(created, 0);
    expect(created.stdout).toMatch(/^created cli-greet \S+ version 1$/m);
    const id = /created cli-greet (\S+)/.exec(created.stdout)?.[1];

    const updated = await weft(["graphs", "push", graphFile, "--json"], env);
    expectExit(updated, 0);
    expect(JSON.parse(updated.stdout)).toEqual({ id, name: "cli-greet", version: 2, created: false });
    expect((await api(`/graphs/${id}`)).body.version).toBe(2);
  });

  it("push refuses an invalid graph with every problem and its JSON Pointer (exit 1), storing nothing", async () => {
    const bad = { name: "cli-bad", tasks: [{ id: "a", type: "NoSuchType" }, { id: "a", type: "Identity" }], dataflows: [] };
    const r = await weft(["graphs", "push", file("bad.json", bad)], env);
    expectExit(r, 1);
    expect(r.stderr).toContain("/tasks/0/type");
    expect(r.stderr).toContain("/tasks/1/id");
    expect(r.stderr).toMatch(/not a valid graph: 2 problems/);
    expect((await api("/graphs?name=cli-bad")).body.items).toEqual([]);
  });

  it("push answers a missing or malformed file with a usage error (exit 2)", async () => {
    expectExit(await weft(["graphs", "push", path.join(dir, "nope.json")], env), 2);
    const malformed = await weft(["graphs", "push", file("broken.json", "{ not json")], env);
    expectExit(malformed, 2);
    expect(malformed.stderr).toMatch(/not valid JSON/);
    expectExit(await weft(["graphs", "push"], env), 2);
  });

  it("ls lists the graphs, as a table or JSON", async () => {
    const table = await weft(["graphs", "ls"], env);
    expectExit(table, 0);
    expect(table.stdout).toMatch(/^ID\s+NAME\s+VERSION\s+TASKS\s+UPDATED/);
    expect(table.stdout).toMatch(/cli-greet\s+2\s+2\s/);
    const json = await weft(["graphs", "ls", "--json"], env);
    expectExit(json, 0);
    expect(JSON.parse(json.stdout).map((g: { name: string }) => g.name)).toContain("cli-greet");
  });
});

describe("configuration and errors", () => {
  it("takes --url and --token over the environment", async () => {
    const r = await weft(["graphs", "ls", "--url", server.url, "--token", server.adminToken], { WEFT_URL: "http://127.0.0.1:1", WEFT_TOKEN: "wrong" });
    expectExit(r, 0);
  });

  it("exits 3 when the API refuses the credential or cannot be reached", async () => {
    const unauthorized = await weft(["graphs", "ls"], { WEFT_URL: server.url, WEFT_TOKEN: "weft_not_a_key" });
    expectExit(unauthorized, 3);
    expect(unauthorized.stderr).toMatch(/401/);
    const none = await weft(["graphs", "ls"], { WEFT_URL: server.url });
    expectExit(none, 3);
    expect(none.stderr).toMatch(/--token or WEFT_TOKEN/);
    const down = await weft(["graphs", "ls"], { WEFT_URL: `http://127.0.0.1:${await freePort()}`, WEFT_TOKEN: "x" });
    expectExit(down, 3);
    expect(down.stderr).toMatch(/cannot reach the API \(ECONNREFUSED\)/);
  });

  it("exits 2 on unknown commands and options, and bad option values", async () => {
    expectExit(await weft(["frobnicate"], env), 2);
    expectExit(await weft(["graphs", "ls", "--bogus"], env), 2);
    expectExit(await weft(["runs", "ls", "--status", "DONE"], env), 2);
    expectExit(await weft(["runs", "ls", "--limit", "0"], env), 2);
    expectExit(await weft(["graphs", "ls", "--url", "ftp://x"], env), 2);
    expectExit(await weft([], env), 2);
    const help = await weft(["--help"]);
    expectExit(help, 0);
    expect(help.stdout).toContain("weft graphs push <file.json>");
  });
});

describe("weft sign", () => {
  it("prints the Weft-Signature header: HMAC-SHA256 over '<t>.<raw body>' keyed with the secret", async () => {
    const body = '{"order": 42, "note": "café"}\n';
    const bodyFile = file("body.json", body);
    const r = await weft(["sign", "s3cr3t", bodyFile, "--timestamp", "1700000000"]);
    expectExit(r, 0);
    const expected = createHmac("sha256", Buffer.from("s3cr3t", "utf8")).update(Buffer.from(`1700000000.${body}`, "utf8")).digest("hex");
    expect(r.stdout.trim()).toBe(`Weft-Signature: t=1700000000,v1=${expected}`);
  });

  it("uses the current time by default, and signs the bytes exactly (one changed byte changes it)", async () => {
    const before = Math.floor(Date.now() / 1000);
    const a = await weft(["sign", "k", file("a.txt", "payload")]);
    const b = await weft(["sign", "k", file("b.txt", "payloae")]);
    const after = Math.floor(Date.now() / 1000);
    const [, t, macA] = /^Weft-Signature: t=(\d+),v1=([0-9a-f]{64})$/.exec(a.stdout.trim()) ?? [];
    expect(Number(t)).toBeGreaterThanOrEqual(before);
    expect(Number(t)).toBeLessThanOrEqual(after);
    expect(macA).toBe(createHmac("sha256", "k").update(`${t}.payload`).digest("hex"));
    expect(b.stdout).not.toContain(macA);
  });

  it("refuses missing arguments, an unreadable file and a bad timestamp (exit 2)", async () => {
    expectExit(await weft(["sign", "k"]), 2);
    expectExit(await weft(["sign", "k", path.join(dir, "missing")]), 2);
    expectExit(await weft(["sign", "k", file("c.txt", "x"), "--timestamp", "-5"]), 2);
  });
});

describe("weft run", () => {
  it("--follow shows the run to its end: output on stdout, a task table, exit 0 when COMPLETED", async () => {
    const r = await weft(["run", "cli-greet", "--input", '{"name":"Ada"}', "--follow"], env);
    expectExit(r, 0);
    expect(JSON.parse(r.stdout)).toEqual({ text: "HELLO, ADA!" });
    expect(r.stderr).toMatch(/^TASK\s+TYPE\s+STATUS\s+ATTEMPTS\s+TOOK\s+ERROR$/m);
    expect(r.stderr).toMatch(/^greeting\s+Template\s+COMPLETED\s+1\s/m);
    expect(r.stderr).toMatch(/^shout\s+Uppercase\s+COMPLETED\s+1\s/m);
    expect(r.stderr).toMatch(/run \S+ COMPLETED/);
  });

  it("reads --input from a file with @", async () => {
    const r = await weft(["run", "cli-greet", "--input", `@${file("input.json", { name: "Grace" })}`, "--follow", "--json"], env);
    expectExit(r, 0);
    const run = JSON.parse(r.stdout);
    expect(run.status).toBe("COMPLETED");
    expect(run.output).toEqual({ text: "HELLO, GRACE!" });
  });

  it("--follow exits 1 when the run fails, naming the error", async () => {
    expectExit(await weft(["graphs", "push", file("failing.json", failing)], env), 0);
    const r = await weft(["run", "cli-fails", "--input", '{"condition": false}', "--follow"], env);
    expectExit(r, 1);
    expect(r.stderr).toMatch(/^check\s+Assert\s+FAILED\s+1\s.*AssertionError: the check said no/m);
    expect(r.stderr).toMatch(/^after\s+Identity\s+SKIPPED/m);
    expect(r.stderr).toMatch(/run \S+ FAILED/);
    expect(r.stdout).toBe("");
  });

  it("without --follow prints the new run and exits 0 at once", async () => {
    const r = await weft(["run", "cli-greet", "--input", '{"name":"Bo"}'], env);
    expectExit(r, 0);
    expect(r.stdout).toMatch(/^r_\S+ (PENDING|PROCESSING|COMPLETED)$/m);
  });

  it("refuses bad --input (exit 2) and an unknown graph (exit 3)", async () => {
    expectExit(await weft(["run", "cli-greet", "--input", "{nope"], env), 2);
    expectExit(await weft(["run", "cli-greet", "--input", "[1,2]"], env), 2);
    expectExit(await weft(["run", "cli-greet", "--input", "@/definitely/missing.json"], env), 2);
    const unknown = await weft(["run", "no-such-graph", "--follow"], env);
    expectExit(unknown, 3);
    expect(unknown.stderr).toMatch(/no graph with the id or name "no-such-graph"/);
  });
});

describe("weft runs", () => {
  it("ls lists runs, filtered by graph and status", async () => {
    const all = await weft(["runs", "ls"], env);
    expectExit(all, 0);
    expect(all.stdout).toMatch(/^ID\s+GRAPH\s+STATUS\s+CREATED\s+TOOK/);
    const failed = await weft(["runs", "ls", "--graph", "cli-fails", "--status", "failed", "--json"], env);
    expectExit(failed, 0);
    const items = JSON.parse(failed.stdout) as { status: string }[];
    expect(items.length).toBeGreaterThanOrEqual(1);
    expect(items.every((r) => r.status === "FAILED")).toBe(true);
  });

  it("tail prints a finished run's events in order and exits with its outcome", async () => {
    const started = await weft(["run", "cli-greet", "--input", '{"name":"Tail"}', "--follow", "--json"], env);
    expectExit(started, 0);
    const runId = JSON.parse(started.stdout).id as string;
    const r = await weft(["runs", "tail", runId, "--json"], env);
    expectExit(r, 0);
    const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { seq: number; kind: string; type: string });
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]).toMatchObject({ kind: "graph", type: "start" });
    expect(events.at(-1)).toMatchObject({ kind: "graph", type: "complete" });
    expectExit(await weft(["runs", "tail", "r_missing"], env), 3);
  });
});

describe("weft hooks", () => {
  it("create prints the hook with its secret, and a delivery signed by `weft sign` starts a run", async (ctx) => {
    const probe = await api("/graphs/x/hooks", { method: "POST", body: "{}" });
    if (probe.status === 404 && /no route/i.test(probe.body?.detail ?? "")) return ctx.skip();
    const r = await weft(["hooks", "create", "cli-greet", "--json"], env);
    expectExit(r, 0);
    const hook = JSON.parse(r.stdout) as { id: string; url: string; secret: string };
    expect(hook.url).toMatch(/^https?:\/\/.+\/hooks\//);
    const body = JSON.stringify({ name: "Hook" });
    const signed = await weft(["sign", hook.secret, file("hook-body.json", body)]);
    const header = signed.stdout.trim().replace(/^Weft-Signature: /, "");
    const res = await fetch(`${server.url}/hooks/${hook.id}`, { method: "POST", headers: { "Content-Type": "application/json", "Weft-Signature": header }, body });
    expect(res.status).toBe(202);
  });
});
