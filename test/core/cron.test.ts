import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CronError, type CronSchedule, nextFireAfter, parseCron } from "../../src/core/cron";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The next `count` fire times after `from`, as ISO strings. */
function fires(expression: string, from: string, count = 1): (string | null)[] {
  const schedule = parseCron(expression);
  const out: (string | null)[] = [];
  let t: number | null = at(from);
  for (let i = 0; i < count && t !== null; i++) {
    t = nextFireAfter(schedule, t);
    out.push(iso(t));
  }
  return out;
}

/** Brute force: does `s` fire at minute `ms`? (Vixie's day rule, written independently.) */
function firesAt(s: CronSchedule, ms: number): boolean {
  const d = new Date(ms);
  const domRestricted = !s.dayOfMonthStar;
  const dowRestricted = !s.dayOfWeekStar;
  const dom = s.daysOfMonth[d.getUTCDate()];
  const dow = s.daysOfWeek[d.getUTCDay()];
  const day = domRestricted && dowRestricted ? dom || dow : dom && dow;
  return s.minutes[d.getUTCMinutes()] && s.hours[d.getUTCHours()] && s.months[d.getUTCMonth() + 1] && day;
}

describe("parseCron", () => {
  it("expands lists, ranges, steps and names", () => {
    const s = parseCron("0,15-17,*/20 9-17/4 1,15 JAN-mar,dec mon-FRI");
    const on = (xs: readonly boolean[]) => xs.flatMap((v, i) => (v ? [i] : []));
    expect(on(s.minutes)).toEqual([0, 15, 16, 17, 20, 40]);
    expect(on(s.hours)).toEqual([9, 13, 17]);
    expect(on(s.daysOfMonth)).toEqual([1, 15]);
    expect(on(s.months)).toEqual([1, 2, 3, 12]);
    expect(on(s.daysOfWeek)).toEqual([1, 2, 3, 4, 5]);
    expect(s.dayOfMonthStar).toBe(false);
    expect(s.dayOfWeekStar).toBe(false);
  });

  it("reads a/n as from a to the end of the field, and folds weekday 7 onto Sunday", () => {
    const on = (xs: readonly boolean[]) => xs.flatMap((v, i) => (v ? [i] : []));
    expect(on(parseCron("5/20 * * * *").minutes)).toEqual([5, 25, 45]);
    expect(on(parseCron("* * * * 7").daysOfWeek)).toEqual([0]);
    expect(on(parseCron("* * * * 5-7").daysOfWeek)).toEqual([0, 5, 6]);
    expect(on(parseCron("* * * * */100").daysOfWeek)).toEqual([0]);
  });

  it("accepts the nicknames and extra whitespace", () => {
    expect(fires("@hourly", "2026-03-01T10:30:00Z")).toEqual(["2026-03-01T11:00:00.000Z"]);
    expect(fires("@daily", "2026-03-01T10:30:00Z")).toEqual(["2026-03-02T00:00:00.000Z"]);
    expect(fires("@MIDNIGHT", "2026-03-01T10:30:00Z")).toEqual(["2026-03-02T00:00:00.000Z"]);
    expect(fires("@weekly", "2026-03-02T10:30:00Z")).toEqual(["2026-03-08T00:00:00.000Z"]); // a Sunday
    expect(fires("@monthly", "2026-03-02T10:30:00Z")).toEqual(["2026-04-01T00:00:00.000Z"]);
    expect(fires("@yearly", "2026-03-02T10:30:00Z")).toEqual(["2027-01-01T00:00:00.000Z"]);
    expect(fires("@annually", "2026-03-02T10:30:00Z")).toEqual(["2027-01-01T00:00:00.000Z"]);
    expect(fires("  0\t12  *   * *  ", "2026-03-01T10:30:00Z")).toEqual(["2026-03-01T12:00:00.000Z"]);
  });

  it.each([
    ["", /empty/],
    ["   ", /empty/],
    ["* * * *", /5 fields.*got 4/],
    ["* * * * * *", /5 fields.*got 6/],
    ["60 * * * *", /minute: 60 is outside 0–59/],
    ["* 24 * * *", /hour: 24 is outside 0–23/],
    ["* * 0 * *", /day of month: 0 is outside 1–31/],
    ["* * 32 * *", /day of month/],
    ["* * * 13 *", /month: 13/],
    ["* * * 0 *", /month: 0/],
    ["* * * * 8", /day of week: 8/],
    ["*/0 * * * *", /step .* ≥ 1/],
    ["*/x * * * *", /step/],
    ["*/5/2 * * * *", /more than one "\/"/],
    ["5-1 * * * *", /goes backwards/],
    ["* * * * FRI-MON", /goes backwards/],
    ["1-2-3 * * * *", /not a range/],
    ["1,,2 * * * *", /empty list item/],
    ["1, * * * *", /5 fields|empty list item/],
    ["* * * JANUARY *", /not a value.*JAN/],
    ["* * * * MONDAY", /not a value/],
    ["JAN * * * *", /minute: "JAN".*not a value/],
    ["-1 * * * *", /not a value/],
    ["1.5 * * * *", /not a value/],
    ["* * ? * *", /not a value/],
    ["* * L * *", /not a value/],
    ["* * * * 1#2", /not a value/],
    ["* * 15W * *", /not a value/],
    ["@reboot", /unknown nickname/],
    ["@every 5m", /unknown nickname/],
    ["0 0 30 2 *", /never fires/],
    ["0 0 31 4,6,9,11 *", /never fires/],
    ["x".repeat(300), /at most 256/],
  ])("refuses %j", (expression, message) => {
    expect(() => parseCron(expression)).toThrow(CronError);
    expect(() => parseCron(expression)).toThrow(message);
  });

  it("accepts February 29th (it fires in leap years)", () => {
    expect(fires("0 0 29 2 *", "2026-03-01T00:00:00Z")).toEqual(["2028-02-29T00:00:00.000Z"]);
    expect(fires("0 0 29 2 *", "2096-03-01T00:00:00Z")).toEqual(["2104-02-29T00:00:00.000Z"]);
  });
});

describe("nextFireAfter", () => {
  it("is strictly after the given time, on whole minutes", () => {
    expect(fires("* * * * *", "2026-03-01T10:30:00.000Z", 2)).toEqual(["2026-03-01T10:31:00.000Z", "2026-03-01T10:32:00.000Z"]);
    expect(fires("* * * * *", "2026-03-01T10:30:59.999Z")).toEqual(["2026-03-01T10:31:00.000Z"]);
    expect(fires("30 10 * * *", "2026-03-01T10:30:00.000Z")).toEqual(["2026-03-02T10:30:00.000Z"]);
    expect(fires("30 10 * * *", "2026-03-01T10:29:59.000Z")).toEqual(["2026-03-01T10:30:00.000Z"]);
  });

  it("walks steps, ranges and lists", () => {
    expect(fires("*/15 * * * *", "2026-03-01T10:50:00Z", 3)).toEqual(["2026-03-01T11:00:00.000Z", "2026-03-01T11:15:00.000Z", "2026-03-01T11:30:00.000Z"]);
    expect(fires("0 9-17/4 * * *", "2026-03-01T18:00:00Z", 4)).toEqual([
      "2026-03-02T09:00:00.000Z",
      "2026-03-02T13:00:00.000Z",
      "2026-03-02T17:00:00.000Z",
      "2026-03-03T09:00:00.000Z",
    ]);
    expect(fires("0 0 1,15 * *", "2026-01-15T00:00:00Z", 3)).toEqual(["2026-02-01T00:00:00.000Z", "2026-02-15T00:00:00.000Z", "2026-03-01T00:00:00.000Z"]);
  });

  it("rolls over months, years and month lengths", () => {
    expect(fires("59 23 31 * *", "2026-01-31T23:59:00Z", 3)).toEqual(["2026-03-31T23:59:00.000Z", "2026-05-31T23:59:00.000Z", "2026-07-31T23:59:00.000Z"]);
    expect(fires("0 0 1 JAN *", "2026-12-31T23:59:00Z")).toEqual(["2027-01-01T00:00:00.000Z"]);
    expect(fires("0 12 * FEB *", "2026-02-28T12:00:00Z")).toEqual(["2027-02-01T12:00:00.000Z"]);
  });

  it("matches weekdays, and either day field when both are restricted (Vixie)", () => {
    // 2026-03-02 is a Monday.
    expect(fires("0 9 * * MON-FRI", "2026-03-06T09:00:00Z", 2)).toEqual(["2026-03-09T09:00:00.000Z", "2026-03-10T09:00:00.000Z"]);
    // The 13th OR a Friday.
    expect(fires("0 0 13 * FRI", "2026-03-01T00:00:00Z", 4)).toEqual([
      "2026-03-06T00:00:00.000Z",
      "2026-03-13T00:00:00.000Z",
      "2026-03-20T00:00:00.000Z",
      "2026-03-27T00:00:00.000Z",
    ]);
    expect(fires("0 0 13 * FRI", "2026-03-27T00:00:00Z", 2)).toEqual(["2026-04-03T00:00:00.000Z", "2026-04-10T00:00:00.000Z"]);
    // A day-of-month field starting with * takes part as AND: odd days that are Mondays.
    expect(fires("0 0 */2 * MON", "2026-03-01T00:00:00Z", 2)).toEqual(["2026-03-09T00:00:00.000Z", "2026-03-23T00:00:00.000Z"]);
  });

  it("returns null when nothing fires within the horizon", () => {
    // A star weekday field makes the day rule AND: February 29th on a Sunday, 2032 then 2060.
    const s = parseCron("0 0 29 2 */7");
    expect(iso(nextFireAfter(s, at("2026-01-01T00:00:00Z")))).toBe("2032-02-29T00:00:00.000Z");
    expect(iso(nextFireAfter(s, at("2033-01-01T00:00:00Z")))).toBe("2060-02-29T00:00:00.000Z");
    // Found by the property below: Sep 13 on a Sunday is 11 years after 2026.
    expect(iso(nextFireAfter(parseCron("* 0 13 9 */7"), 1789261140000))).toBe("2037-09-13T00:00:00.000Z");
  });

  it("agrees with a brute-force minute scan (property)", () => {
    const field = (min: number, max: number) =>
      fc.oneof(
        fc.constant("*"),
        fc.integer({ min, max }).map(String),
        fc.tuple(fc.integer({ min, max }), fc.integer({ min, max })).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
        fc.integer({ min: 1, max: max - min + 1 }).map((n) => `*/${n}`),
        fc.array(fc.integer({ min, max }), { minLength: 1, maxLength: 3 }).map((xs) => xs.join(",")),
      );
    const expression = fc
      .tuple(field(0, 59), field(0, 23), field(1, 28), field(1, 12), field(0, 7))
      .map((parts) => parts.join(" "));
    fc.assert(
      fc.property(expression, fc.integer({ min: at("2026-01-01T00:00:00Z"), max: at("2027-01-01T00:00:00Z") }), (expr, from) => {
        const schedule = parseCron(expr);
        const next = nextFireAfter(schedule, from);
        expect(next).not.toBeNull();
        expect(next! > from).toBe(true);
        expect(firesAt(schedule, next!)).toBe(true);
        // No earlier matching minute between `from` and `next`: scan at most two days of minutes.
        const start = Math.floor(from / 60_000) * 60_000 + 60_000;
        for (let t = start; t < next! && t < start + 2 * 86_400_000; t += 60_000) if (firesAt(schedule, t)) expect.fail(`${expr} fires at ${iso(t)}, before ${iso(next)}`);
      }),
      { numRuns: 300, seed: 20261126 },
    );
  });
});
