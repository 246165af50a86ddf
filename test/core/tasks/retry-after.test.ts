import { describe, expect, it } from "vitest";
import { MAX_RETRY_AFTER_MS, parseRetryAfter } from "../../../src/tasks/http/retry-after";

const now = Date.parse("2026-11-26T10:00:00Z");

describe("parseRetryAfter", () => {
  it("reads delay-seconds", () => {
    expect(parseRetryAfter("0", now)).toBe(0);
    expect(parseRetryAfter(" 120 ", now)).toBe(120_000);
    expect(parseRetryAfter("999999999", now)).toBe(MAX_RETRY_AFTER_MS);
  });

  it("reads HTTP dates, past ones as 0", () => {
    expect(parseRetryAfter("Thu, 26 Nov 2026 10:01:30 GMT", now)).toBe(90_000);
    expect(parseRetryAfter("Thursday, 26-Nov-26 10:00:10 GMT", now)).toBe(10_000);
    expect(parseRetryAfter("Thu, 26 Nov 2026 09:00:00 GMT", now)).toBe(0);
  });

  it("ignores absent and malformed values", () => {
    for (const v of [null, "", "-5", "1.5", "soon", "10 seconds", "2026-11-26"]) expect(parseRetryAfter(v, now), String(v)).toBeUndefined();
  });
});
