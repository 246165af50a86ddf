import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Dataflow, Graph, GraphBody, TaskNode } from "../../../src/core/graph/schema";
import { validateGraph } from "../../../src/core/graph/validate";
import { runGraph } from "../../../src/core/runner/index";
import { builtinTasks, createRegistry } from "../../../src/tasks/index";
import { TestServer } from "./http-server";

/** "a.x->b.y" → a dataflow. */
function flow(spec: string): Dataflow {
  const m = /^([^.]+)\.(.+)->([^.]+)\.(.+)$/.exec(spec);
  if (!m) throw new Error(`bad flow ${spec}`);
  return { sourceTaskId: m[1], sourceTaskPortId: m[2], targetTaskId: m[3], targetTaskPortId: m[4] };
}

function body(tasks: TaskNode[], flows: string[]): GraphBody {
  return { tasks, dataflows: flows.map(flow) };
}

const ORDER = {
  id: "o-7",
  customer: { first: "Ada", last: "Lovelace" },
  lines: [
    { sku: "apple", qty: 3, price: 1.5 },
    { sku: "pear", qty: 2, price: 2.25 },
  ],
  discount: 1,
  placed: "2026-11-26T09:05:00Z",
  note: "Deliver AFTER 5pm",
};

/**
 * An order pipeline that uses every built-in type: fetch the order over HTTP, wait for an
 * approval signal, assert it, hold the order for a minute, branch on it, reshape it, price each line in a
 * Map (whose iterations run a GraphAsTask), total, split and round the bill, format the date,
 * tidy the note, and log the summary.
 */
function orderGraph(): Graph {
  const lineBody = body(
    [
      { id: "fields", type: "Transform", config: { mapping: { a: "qty", b: "price", sku: "sku" } } },
      { id: "mul", type: "Multiply" },
      {
        id: "fmt",
        type: "GraphAsTask",
        subgraph: body([{ id: "t", type: "Template", defaults: { template: "{{sku}}={{amount}}" } }, { id: "up", type: "Uppercase" }], ["t.text->up.text"]),
      },
      { id: "row", type: "Merge", config: { ports: ["calc", "label"] } },
    ],
    ["fields.a->mul.a", "fields.b->mul.b", "fields.sku->fmt.sku", "mul.product->fmt.amount", "mul.*->row.calc", "fmt.*->row.label"],
  );
  return {
    name: "every-builtin",
    tasks: [
      { id: "url", type: "Template", defaults: { template: "{{origin}}/orders/{{orderId}}" } },
      { id: "fetch", type: "Fetch", config: { retry: { maxAttempts: 2, initialDelayMs: 10 } } },
      { id: "order", type: "Pick", defaults: { path: "body" } },
      { id: "approval", type: "WaitForSignal", defaults: { signal: "approval", timeoutMs: 3_600_000 } },
      { id: "ok", type: "Transform", config: { mapping: { condition: "approved" } } },
      { id: "check", type: "Assert", defaults: { message: "the order was not approved" } },
      { id: "hold", type: "Delay", defaults: { ms: 60_000 } },
      { id: "gate", type: "Condition", config: { rules: [{ port: "priced", when: { all: [{ op: "exists", path: "lines" }, { op: "gte", path: "discount", value: 0 }] } }] } },
      {
        id: "shape",
        type: "Transform",
        config: { mapping: { lines: "lines", name: { template: "{{customer.first}} {{customer.last}}" }, placed: "placed", note: "note", discount: "discount" } },
      },
      { id: "lines", type: "Map", subgraph: lineBody, config: { itemPort: "value", concurrency: 1 } },
      { id: "texts", type: "Transform", config: { mapping: { first: "0.value.text", second: "1.value.text" } } },
      { id: "join", type: "Concat", defaults: { separator: " & " } },
      { id: "amounts", type: "Transform", config: { mapping: { p0: "0.value.product", p1: "1.value.product" } } },
      { id: "sum", type: "Add" },
      { id: "minus", type: "Subtract" },
      { id: "perHead", type: "Divide", defaults: { b: 3 } },
      { id: "round", type: "Round", defaults: { decimals: 2 } },
      { id: "lineCount", type: "Length" },
      { id: "when", type: "FormatDate", defaults: { pattern: "d MMM yyyy", timeZone: "Europe/London" } },
      { id: "words", type: "Split", defaults: { separator: " " } },
      { id: "wordCount", type: "Length" },
      { id: "quiet", type: "Lowercase" },
      { id: "fix", type: "Replace", defaults: { pattern: "5pm", replacement: "17:00" } },
      {
        id: "summary",
        type: "Template",
        defaults: { template: "{{name}} ordered {{count}} lines on {{date}}: {{items}}; {{share}} each; {{words}} words: {{note}}" },
      },
      { id: "log", type: "Log", defaults: { message: "summary: {{value}}" } },
      { id: "out", type: "Identity" },
    ],
    dataflows: [
      "url.text->fetch.url",
      "fetch.*->order.value",
      "approval.payload->ok.value",
      "ok.condition->check.condition",
      "order.value->check.value",
      "check.value->hold.value",
      "hold.value->gate.value",
      "gate.priced->shape.value",
      "shape.lines->lines.items",
      "lines.results->texts.value",
      "texts.first->join.values",
      "texts.second->join.values",
      "lines.results->amounts.value",
      "amounts.p0->sum.values",
      "amounts.p1->sum.values",
      "sum.sum->minus.a",
      "shape.discount->minus.b",
      "minus.difference->perHead.a",
      "perHead.quotient->round.value",
      "lines.results->lineCount.value",
      "shape.placed->when.date",
      "shape.note->words.text",
      "words.parts->wordCount.value",
      "shape.note->quiet.text",
      "quiet.text->fix.text",
      "shape.name->summary.name",
      "lineCount.length->summary.count",
      "when.text->summary.date",
      "join.text->summary.items",
      "round.value->summary.share",
      "wordCount.length->summary.words",
      "fix.text->summary.note",
      "summary.text->log.value",
      "log.value->out.value",
    ].map(flow),
  };
}

function typesIn(tasks: TaskNode[], into = new Set<string>()): Set<string> {
  for (const t of tasks) {
    into.add(t.type);
    if (t.subgraph) typesIn(t.subgraph.tasks, into);
  }
  return into;
}

describe("a graph that uses every built-in type", () => {
  const server = new TestServer({
    "/orders/o-7": (_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(ORDER)),
  });
  beforeAll(() => server.start());
  afterAll(() => server.stop());

  const registry = createRegistry([], { fetch: { allowHosts: ["127.0.0.1"] } });

  it("validates and uses them all", () => {
    const g = orderGraph();
    expect(validateGraph(g, registry).errors).toEqual([]);
    const used = typesIn(g.tasks);
    expect(builtinTasks.map((d) => d.type).filter((t) => !used.has(t))).toEqual([]);
  });

  it("runs to the merged output, through the HTTP fetch, the signal, the delay and the Map", async () => {
    const start = Date.parse("2026-11-26T10:00:00Z");
    const r = await runGraph(orderGraph(), { origin: server.origin, orderId: "o-7" }, registry, {
      startTime: start,
      signals: [{ name: "approval", payload: { approved: true, by: "ops" }, afterMs: 5_000 }],
    });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe("COMPLETED");
    const summary = "Ada Lovelace ordered 2 lines on 26 Nov 2026: APPLE=4.5 & PEAR=4.5; 2.67 each; 3 words: deliver after 17:00";
    expect(r.output).toEqual({ value: summary });

    expect(server.requests.map((q) => `${q.method} ${q.url}`)).toEqual(["GET /orders/o-7"]);
    const log = r.events.find((e) => e.kind === "task" && e.taskId === "log" && e.type === "progress");
    expect(log?.data?.message).toBe(`summary: ${summary}`);
    // The Map ran each line's subgraph (a GraphAsTask inside) under lines[i], one at a time.
    const byKey = new Map(r.tasks.map((t) => [t.key, t]));
    expect(byKey.get("lines")?.output).toEqual({
      results: [{ value: { product: 4.5, text: "APPLE=4.5" } }, { value: { product: 4.5, text: "PEAR=4.5" } }],
    });
    expect(byKey.get("lines[1]/fmt/up")).toMatchObject({ path: "lines[1]/fmt", status: "COMPLETED", output: { text: "PEAR=4.5" } });
    expect(r.events.some((e) => e.kind === "task" && e.type === "error")).toBe(false);
    expect(r.tasks.every((t) => t.status === "COMPLETED")).toBe(true);
    expect(r.tasks.find((t) => t.key === "gate")?.output).toEqual({ priced: ORDER });
    // The signal came after 5 s; the Delay held the order for a minute after the Assert.
    const at = (taskId: string, type: string) => Date.parse(r.events.find((e) => e.kind === "task" && e.taskId === taskId && e.type === type)?.ts ?? "");
    expect(at("check", "start") - start).toBe(5_000);
    expect(at("hold", "complete") - at("hold", "start")).toBe(60_000);
    expect(at("shape", "start")).toBe(at("hold", "complete"));
  });

  it("fails at the Assert when the approval says no, and never reaches the Map", async () => {
    const r = await runGraph(orderGraph(), { origin: server.origin, orderId: "o-7" }, registry, {
      signals: [{ name: "approval", payload: { approved: false } }],
    });
    expect(r.status).toBe("FAILED");
    expect(r.error).toEqual({ name: "AssertionError", message: "the order was not approved", code: "assertion_failed" });
    const status = Object.fromEntries(r.tasks.map((t) => [t.key, t.status]));
    expect(status).toMatchObject({ check: "FAILED", hold: "SKIPPED", lines: "SKIPPED", out: "SKIPPED" });
    expect(r.tasks.some((t) => t.key.startsWith("lines["))).toBe(false);
  });

  it("takes the Condition's default branch when the order has no lines: everything after it is skipped", async () => {
    const empty = new TestServer({ "/orders/o-0": (_req, res) => res.writeHead(200, { "content-type": "application/json" }).end('{"id":"o-0"}') });
    await empty.start();
    try {
      const r = await runGraph(orderGraph(), { origin: empty.origin, orderId: "o-0" }, registry, { signals: [{ name: "approval", payload: { approved: true } }] });
      expect(r.status).toBe("COMPLETED");
      expect(r.output).toEqual({});
      expect(r.tasks.find((t) => t.key === "gate")?.output).toEqual({ default: { id: "o-0" } });
      expect(r.tasks.filter((t) => t.status === "SKIPPED").map((t) => t.key)).toContain("lines");
      expect(r.tasks.find((t) => t.key === "out")?.status).toBe("SKIPPED");
    } finally {
      await empty.stop();
    }
  });
});
