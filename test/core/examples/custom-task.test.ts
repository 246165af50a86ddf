import { readFileSync } from "node:fs";
import { Value } from "@sinclair/typebox/value";
import { describe, expect, it } from "vitest";
import { customTasks, Sha256, Slugify } from "../../../examples/custom-task/index";
import { validateGraph } from "../../../src/core/graph/validate";
import { toErrorInfo } from "../../../src/core/task/errors";
import { createRegistry } from "../../../src/tasks/index";
import { abortedContext, TestContext } from "../tasks/helpers";

async function slug(text: string, config: Record<string, unknown> = {}): Promise<unknown> {
  return await Slugify.run?.({ text }, new TestContext(config));
}

async function errorOf(attempt: () => unknown): Promise<ReturnType<typeof toErrorInfo>> {
  try {
    await attempt();
  } catch (err) {
    return toErrorInfo(err);
  }
  throw new Error("expected a failure");
}

describe("examples/custom-task: Slugify (inline)", () => {
  it("makes slugs", async () => {
    expect(await slug("Héllo, Wörld!")).toEqual({ slug: "hello-world" });
    expect(await slug("  Ünïcode   títles -- 2026  ")).toEqual({ slug: "unicode-titles-2026" });
    expect(await slug("Crème brûlée", { separator: "_" })).toEqual({ slug: "creme_brulee" });
    expect(await slug("日本語 タイトル")).toEqual({ slug: "日本語-タイトル" });
  });

  it("cuts at maxLength on a word boundary", async () => {
    expect(await slug("the quick brown fox", { maxLength: 12 })).toEqual({ slug: "the-quick" });
    expect(await slug("supercalifragilistic", { maxLength: 5 })).toEqual({ slug: "super" });
  });

  it("fails permanently when nothing is left", async () => {
    expect(await errorOf(() => slug("!!! ???"))).toMatchObject({ name: "PermanentTaskError", code: "empty_slug", permanent: true });
  });

  it("rejects bad input and config", () => {
    expect(Value.Check(Slugify.input, { text: 5 })).toBe(false);
    expect(Value.Check(Slugify.input, {})).toBe(false);
    expect(Value.Check(Slugify.config ?? Slugify.input, { separator: "." })).toBe(false);
    expect(Value.Check(Slugify.config ?? Slugify.input, { maxLength: 0 })).toBe(false);
  });

  it("rejects when aborted", async () => {
    expect(await errorOf(() => Slugify.run?.({ text: "x" }, abortedContext()))).toMatchObject({ name: "TaskAbortedError" });
  });
});

describe("examples/custom-task: Sha256 (queue)", () => {
  it("digests each item, reporting progress", async () => {
    const ctx = new TestContext();
    const out = await Sha256.run?.({ items: ["abc", ""] }, ctx);
    expect(out).toEqual({
      digests: ["ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
    });
    expect(ctx.progressed.map((p) => p.percent)).toEqual([50, 100]);
    expect(Sha256.execution).toBe("queue");
  });

  it("stops between items when aborted", async () => {
    const ctx = new TestContext();
    const origProgress = ctx.progress.bind(ctx);
    ctx.progress = (percent: number) => {
      origProgress(percent);
      ctx.controller.abort("run cancelled"); // cancel arrives after the first item
    };
    expect(await errorOf(() => Sha256.run?.({ items: ["a", "b", "c"] }, ctx))).toMatchObject({ name: "TaskAbortedError", message: "run cancelled" });
    expect(ctx.progressed).toHaveLength(1);
  });

  it("rejects bad input", () => {
    expect(Value.Check(Sha256.input, { items: "abc" })).toBe(false);
    expect(Value.Check(Sha256.input, { items: [1] })).toBe(false);
  });
});

describe("examples/custom-task: the graph", () => {
  const graph = JSON.parse(readFileSync(new URL("../../../examples/custom-task/graph.json", import.meta.url), "utf8"));

  it("validates once the types are registered (one line), and not before", () => {
    expect(validateGraph(graph, createRegistry(customTasks))).toMatchObject({ valid: true });
    const without = validateGraph(graph, createRegistry());
    expect(without.valid).toBe(false);
    expect(without.errors.map((e) => e.path).sort()).toEqual(["/tasks/0/type", "/tasks/2/type"]);
  });

  it("lists the custom types in the catalog", () => {
    const catalog = createRegistry(customTasks).catalog();
    expect(catalog.find((t) => t.type === "Slugify")).toMatchObject({ execution: "inline", category: "String" });
    expect(catalog.find((t) => t.type === "Sha256")).toMatchObject({ execution: "queue", category: "Crypto" });
  });
});
