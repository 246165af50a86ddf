import { describe, expect, it } from "vitest";
import { FormatDate, parseInstant } from "../../../src/tasks/format-date";
import { abortedContext, accepts, failure, run } from "./helpers";

const at = "2026-11-26T09:05:03.007Z"; // a Thursday

describe("FormatDate", () => {
  it("formats with a pattern in UTC by default", async () => {
    expect(await run(FormatDate, { date: at, pattern: "yyyy-MM-dd HH:mm:ss.SSS" })).toEqual({ text: "2026-11-26 09:05:03.007" });
    expect(await run(FormatDate, { date: at, pattern: "EEEE d MMMM yy, h:mm a" })).toEqual({ text: "Thursday 26 November 26, 9:05 AM" });
    expect(await run(FormatDate, { date: at, pattern: "EEE MMM d 'at' H'h' ''XXX''" })).toEqual({ text: "Thu Nov 26 at 9h 'Z'" });
  });

  it("formats in a time zone, with its offset, across DST", async () => {
    expect(await run(FormatDate, { date: at, pattern: "yyyy-MM-dd HH:mm XXX", timeZone: "Asia/Kolkata" })).toEqual({ text: "2026-11-26 14:35 +05:30" });
    expect(await run(FormatDate, { date: at, pattern: "HH:mm xxx", timeZone: "America/New_York" })).toEqual({ text: "04:05 -05:00" });
    expect(await run(FormatDate, { date: "2026-07-01T12:00:00Z", pattern: "HH:mm XX", timeZone: "America/New_York" })).toEqual({ text: "08:00 -0400" });
    expect(await run(FormatDate, { date: at, pattern: "HH:mm xxx", timeZone: "UTC" })).toEqual({ text: "09:05 +00:00" });
    expect(await run(FormatDate, { date: "2026-11-26T23:30:00Z", pattern: "yyyy-MM-dd", timeZone: "Pacific/Auckland" })).toEqual({ text: "2026-11-27" });
  });

  it("uses the locale for names", async () => {
    expect(await run(FormatDate, { date: at, pattern: "EEEE d MMMM", locale: "fr-FR" })).toEqual({ text: "jeudi 26 novembre" });
    expect(await run(FormatDate, { date: at, pattern: "EEEE", locale: "es" })).toEqual({ text: "jueves" });
  });

  it("formats with Intl options", async () => {
    expect(await run(FormatDate, { date: at, options: { dateStyle: "long" }, locale: "en-GB" })).toEqual({ text: "26 November 2026" });
    expect(await run(FormatDate, { date: at, options: { hour: "2-digit", minute: "2-digit", hour12: false }, timeZone: "Europe/Paris" })).toEqual({ text: "10:05" });
  });

  it("gives ISO 8601 with neither pattern nor options", async () => {
    expect(await run(FormatDate, { date: at })).toEqual({ text: at });
    expect(await run(FormatDate, { date: at, timeZone: "Europe/Paris" })).toEqual({ text: "2026-11-26T10:05:03.007+01:00" });
    expect(await run(FormatDate, { date: Date.parse(at) })).toEqual({ text: at });
  });

  it("reads ISO dates, date-times without offset as UTC, and offsets", () => {
    expect(parseInstant("2026-11-26")?.toISOString()).toBe("2026-11-26T00:00:00.000Z");
    expect(parseInstant("2026-11-26T10:00")?.toISOString()).toBe("2026-11-26T10:00:00.000Z");
    expect(parseInstant("2026-11-26T10:00:00+0130")?.toISOString()).toBe("2026-11-26T08:30:00.000Z");
    expect(parseInstant("2026-11-26T10:00:00.123456789-02:00")?.toISOString()).toBe("2026-11-26T12:00:00.123Z");
    for (const bad of ["2026-02-30", "26/11/2026", "2026-11-26 10:00", "yesterday", "2026-13-01T00:00:00Z", "2026-11-26T25:00:00Z"]) {
      expect(parseInstant(bad), bad).toBeUndefined();
    }
    expect(parseInstant(8.64e15 + 1)).toBeUndefined();
  });

  it("fails permanently on a bad date, zone, locale, pattern or option mix", async () => {
    expect(await failure(FormatDate, { date: "2026-02-30" })).toMatchObject({ code: "invalid_date", permanent: true });
    expect(await failure(FormatDate, { date: at, timeZone: "Mars/Olympus" })).toMatchObject({ code: "invalid_time_zone" });
    expect(await failure(FormatDate, { date: at, locale: "not a locale!" })).toMatchObject({ code: "invalid_locale" });
    expect(await failure(FormatDate, { date: at, pattern: "YYYY-MM-DD" })).toMatchObject({ code: "invalid_pattern" });
    expect(await failure(FormatDate, { date: at, pattern: "'unterminated" })).toMatchObject({ code: "invalid_pattern" });
    expect(await failure(FormatDate, { date: at, pattern: "ddd" })).toMatchObject({ code: "invalid_pattern" });
    expect(await failure(FormatDate, { date: at, pattern: "yyyy", options: { year: "numeric" } })).toMatchObject({ code: "conflicting_options" });
    expect(await failure(FormatDate, { date: at, options: { dateStyle: "long", year: "numeric" } })).toMatchObject({ code: "invalid_options" });
  });

  it("rejects bad input", () => {
    expect(accepts(FormatDate.input, { date: true })).toBe(false);
    expect(accepts(FormatDate.input, { date: at, options: { dateStyle: "huge" } })).toBe(false);
    expect(accepts(FormatDate.input, { date: at, options: { timeZone: "UTC" } })).toBe(false); // its own port
    expect(accepts(FormatDate.input, { date: at, pattern: "" })).toBe(false);
    expect(accepts(FormatDate.input, {})).toBe(false);
  });

  it("rejects when aborted", async () => {
    expect(await failure(FormatDate, { date: at }, abortedContext())).toMatchObject({ name: "TaskAbortedError" });
  });
});
