import { describe, expect, it } from "vitest";
import { Delay, MAX_DELAY_MS } from "../../../src/tasks/delay";
import { WaitForSignal } from "../../../src/tasks/wait-for-signal";
import { accepts } from "./helpers";

// Durable tasks have no run(): the runner parks them on the run's alarm or a named signal
// (tested with the runner); here, what they ask for and what they make of the outcome.

describe("Delay", () => {
  it("asks for a timer of `ms` and passes value through on resume", () => {
    expect(Delay.run).toBeUndefined();
    expect(Delay.wait?.({ ms: 1500, value: 1 }, {})).toEqual({ kind: "timer", ms: 1500 });
    expect(Delay.resume?.({ ms: 1500, value: { a: 1 } }, { kind: "timer" })).toEqual({ value: { a: 1 } });
  });

  it("rejects negative, non-numeric and over-long delays", () => {
    expect(accepts(Delay.input, { ms: 0 })).toBe(true);
    expect(accepts(Delay.input, { ms: MAX_DELAY_MS })).toBe(true);
    expect(accepts(Delay.input, { ms: -1 })).toBe(false);
    expect(accepts(Delay.input, { ms: "10" })).toBe(false);
    expect(accepts(Delay.input, { ms: MAX_DELAY_MS + 1 })).toBe(false);
    expect(accepts(Delay.input, {})).toBe(false);
  });
});

describe("WaitForSignal", () => {
  it("asks for the named signal, with its timeout when set", () => {
    expect(WaitForSignal.wait?.({ signal: "approval" }, {})).toEqual({ kind: "signal", name: "approval" });
    expect(WaitForSignal.wait?.({ signal: "approval", timeoutMs: 60_000 }, {})).toEqual({ kind: "signal", name: "approval", timeoutMs: 60_000 });
  });

  it("outputs the payload, or fails with TaskTimeoutError on timeout", () => {
    expect(WaitForSignal.resume?.({ signal: "s" }, { kind: "signal", payload: { approved: true } })).toEqual({ payload: { approved: true } });
    expect(() => WaitForSignal.resume?.({ signal: "s", timeoutMs: 500 }, { kind: "timeout" })).toThrow(
      expect.objectContaining({ name: "TaskTimeoutError", message: "task timed out after 500 ms" }),
    );
  });

  it("rejects an empty or over-long name and a bad timeout", () => {
    expect(accepts(WaitForSignal.input, { signal: "" })).toBe(false);
    expect(accepts(WaitForSignal.input, { signal: "x".repeat(129) })).toBe(false);
    expect(accepts(WaitForSignal.input, { signal: "s", timeoutMs: 0 })).toBe(false);
    expect(accepts(WaitForSignal.input, { signal: "s", unknown: 1 })).toBe(false);
    expect(accepts(WaitForSignal.input, { signal: "s", timeoutMs: 10 })).toBe(true);
  });
});
