import { describe, expect, it } from "vitest";
import { Log, MAX_LOG_MESSAGE } from "../../../src/tasks/log";
import { abortedContext, accepts, failure, run, TestContext } from "./helpers";

describe("Log", () => {
  it("writes the message to the run's log and passes value through", async () => {
    const ctx = new TestContext();
    const out = await run(Log, { message: "got {{value.count}} items: {{value.items}}", value: { count: 2, items: ["a", "b"] } }, ctx);
    expect(ctx.logs).toEqual(['got 2 items: ["a","b"]']);
    expect(out).toEqual({ value: { count: 2, items: ["a", "b"] }, message: 'got 2 items: ["a","b"]' });
  });

  it("logs the whole value with {{value}} and plain text as is", async () => {
    const ctx = new TestContext();
    await run(Log, { message: "v={{value}}", value: 42 }, ctx);
    await run(Log, { message: "checkpoint reached" }, ctx);
    expect(ctx.logs).toEqual(["v=42", "checkpoint reached"]);
  });

  it("cuts long lines without splitting a surrogate pair", async () => {
    const ctx = new TestContext();
    const long = `${"x".repeat(MAX_LOG_MESSAGE - 2)}😀😀😀`;
    const out = (await run(Log, { message: long }, ctx)) as { message: string };
    expect(out.message.length).toBeLessThanOrEqual(MAX_LOG_MESSAGE);
    expect(out.message.endsWith("…")).toBe(true);
    expect(out.message).not.toMatch(/[\ud800-\udbff]…$/);
    expect(ctx.logs[0]).toBe(out.message);
  });

  it("fails permanently on a malformed placeholder and logs nothing", async () => {
    const ctx = new TestContext();
    expect(await failure(Log, { message: "{{value..x}}" }, ctx)).toMatchObject({ code: "invalid_path", permanent: true });
    expect(ctx.logs).toEqual([]);
  });

  it("rejects an empty or missing message", () => {
    expect(accepts(Log.input, { message: "" })).toBe(false);
    expect(accepts(Log.input, { value: 1 })).toBe(false);
    expect(accepts(Log.input, { message: "m", level: "warn" })).toBe(false);
  });

  it("rejects when aborted, before logging", async () => {
    const ctx = abortedContext();
    expect(await failure(Log, { message: "m" }, ctx)).toMatchObject({ name: "TaskAbortedError" });
    expect(ctx.logs).toEqual([]);
  });
});
