import { describe, expect, it } from "vitest";
import { isRetryable } from "../../../src/core/task/errors";
import { Assert } from "../../../src/tasks/assert";
import { Identity } from "../../../src/tasks/identity";
import { abortedContext, accepts, failure, run } from "./helpers";

describe("Assert", () => {
  it("passes value through when the condition holds", async () => {
    expect(await run(Assert, { condition: true, value: { a: 1 } })).toEqual({ value: { a: 1 } });
  });

  it("fails with AssertionError and the message, not retryable", async () => {
    const err = await failure(Assert, { condition: false, message: "total must be positive", value: -1 });
    expect(err).toEqual({ name: "AssertionError", message: "total must be positive", code: "assertion_failed", permanent: true });
    expect(isRetryable(err)).toBe(false);
    expect((await failure(Assert, { condition: false })).message).toBe("assertion failed");
  });

  it("rejects a missing or non-boolean condition and a non-string message", () => {
    expect(accepts(Assert.input, { condition: "true" })).toBe(false);
    expect(accepts(Assert.input, {})).toBe(false);
    expect(accepts(Assert.input, { condition: true, message: 7 })).toBe(false);
    expect(accepts(Assert.input, { condition: true, message: "m".repeat(4097) })).toBe(false);
    expect(accepts(Assert.input, { condition: true, extra: 1 })).toBe(true); // open input: a `*` dataflow may bring more keys
  });

  it("rejects when aborted", async () => {
    expect(await failure(Assert, { condition: true }, abortedContext())).toMatchObject({ name: "TaskAbortedError" });
  });
});

describe("Identity", () => {
  it("passes value through, including null and absent", async () => {
    expect(await run(Identity, { value: [1, "a", null] })).toEqual({ value: [1, "a", null] });
    expect(await run(Identity, { value: null })).toEqual({ value: null });
    expect(await run(Identity, {})).toEqual({ value: undefined });
  });

  it("rejects when aborted", async () => {
    expect(await failure(Identity, { value: 1 }, abortedContext())).toMatchObject({ name: "TaskAbortedError" });
  });
});
