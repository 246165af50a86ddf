/*
 * Five-field cron expressions (minute hour day-of-month month day-of-week), evaluated in UTC.
 *
 * Syntax per field: `*`, a value, a range `a-b`, a step `*\/n`, `a-b/n` or `a/n` (from a to the
 * field's maximum), and comma lists of these. Months take JAN–DEC and weekdays SUN–SAT
 * (case-insensitive, also inside ranges); weekday 7 is Sunday like 0. The nicknames @yearly
 * (@annually), @monthly, @weekly, @daily (@midnight) and @hourly stand for their usual
 * expansions. Not supported, and refused rather than guessed at: seconds or year fields, `?`,
 * `L`, `W`, `#`, `@reboot`, ranges that wrap (FRI-MON).
 *
 * Day matching follows Vixie cron, which most people's expectations come from: when both the
 * day-of-month and the day-of-week fields are restricted (do not start with `*`), a day matches
 * if EITHER matches; when one of them starts with `*`, both must match (so `0 0 *\/2 * MON`
 * means Mondays that fall on odd days).
 */

export class CronError extends Error {
  override readonly name = "CronError";
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const FIELDS: readonly FieldSpec[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] },
  // 7 is accepted as Sunday and folded onto 0 after parsing.
  { name: "day of week", min: 0, max: 7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
];

const NICKNAMES: Readonly<Record<string, string>> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

/** Longest expression accepted: a real one is far shorter; this bounds parsing work. */
const MAX_EXPRESSION_LENGTH = 256;

/** A parsed expression: for each field, whether each value matches. */
export interface CronSchedule {
  /** The expression as given (trimmed). */
  readonly expression: string;
  readonly minutes: readonly boolean[];
  readonly hours: readonly boolean[];
  /** Indexed by day 1–31 (index 0 unused). */
  readonly daysOfMonth: readonly boolean[];
  /** Indexed by month 1–12 (index 0 unused). */
  readonly months: readonly boolean[];
  /** Indexed by weekday 0–6, Sunday = 0. */
  readonly daysOfWeek: readonly boolean[];
  /** Vixie's rule: a day field that starts with `*` does not take part in the either-or. */
  readonly dayOfMonthStar: boolean;
  readonly dayOfWeekStar: boolean;
}

/** Days in each month at most (February counts its leap day). */
const MAX_DAYS_IN_MONTH = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Parses `expression`; throws CronError saying which field is wrong and why. */
export function parseCron(expression: string): CronSchedule {
  if (typeof expression !== "string") throw new CronError("a cron expression must be a string");
  const trimmed = expression.trim();
  if (trimmed.length === 0) throw new CronError("the cron expression is empty");
  if (trimmed.length > MAX_EXPRESSION_LENGTH) throw new CronError(`a cron expression is at most ${MAX_EXPRESSION_LENGTH} characters`);
  let source = trimmed;
  if (source.startsWith("@")) {
    const expansion = NICKNAMES[source.toLowerCase()];
    if (!expansion) throw new CronError(`unknown nickname ${JSON.stringify(source)}; use one of ${Object.keys(NICKNAMES).join(", ")}`);
    source = expansion;
  }
  const parts = source.split(/[ \t]+/);
  if (parts.length !== 5) {
    throw new CronError(`a cron expression has 5 fields (minute hour day-of-month month day-of-week); got ${parts.length}`);
  }
  const [minutes, hours, daysOfMonth, months, daysOfWeekRaw] = parts.map((p, i) => parseField(p, FIELDS[i]));
  const daysOfWeek = daysOfWeekRaw.slice(0, 7);
  if (daysOfWeekRaw[7]) daysOfWeek[0] = true;
  const schedule: CronSchedule = {
    expression: trimmed,
    minutes,
    hours,
    daysOfMonth,
    months,
    daysOfWeek,
    dayOfMonthStar: parts[2].startsWith("*"),
    dayOfWeekStar: parts[4].startsWith("*"),
  };
  assertCanFire(schedule);
  return schedule;
}

function parseField(text: string, spec: FieldSpec): boolean[] {
  const set = new Array<boolean>(spec.max + 1).fill(false);
  for (const item of text.split(",")) {
    if (item === "") throw new CronError(`${spec.name}: empty list item in ${JSON.stringify(text)}`);
    const [rangeText, stepText, extra] = item.split("/");
    if (extra !== undefined) throw new CronError(`${spec.name}: more than one "/" in ${JSON.stringify(item)}`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d{1,3}$/.test(stepText) || Number(stepText) === 0) throw new CronError(`${spec.name}: the step in ${JSON.stringify(item)} must be a whole number ≥ 1`);
      step = Number(stepText);
    }
    let from: number;
    let to: number;
    if (rangeText === "*") {
      from = spec.min;
      to = spec.max;
    } else if (rangeText.includes("-")) {
      const bounds = rangeText.split("-");
      if (bounds.length !== 2) throw new CronError(`${spec.name}: ${JSON.stringify(item)} is not a range a-b`);
      from = value(bounds[0], spec, item);
      to = value(bounds[1], spec, item);
      if (from > to) throw new CronError(`${spec.name}: the range ${JSON.stringify(rangeText)} goes backwards; write it as a list instead`);
    } else {
      from = value(rangeText, spec, item);
      // `a/n` runs from a to the field's end; a bare value is just itself.
      to = stepText === undefined ? from : spec.max;
    }
    for (let v = from; v <= to; v += step) set[v] = true;
  }
  return set;
}

function value(token: string, spec: FieldSpec, item: string): number {
  let n: number;
  if (/^\d{1,2}$/.test(token)) n = Number(token);
  else {
    const index = spec.names?.indexOf(token.toUpperCase()) ?? -1;
    if (index < 0) {
      const hint = spec.names ? ` (a number or one of ${spec.names.join(", ")})` : "";
      throw new CronError(`${spec.name}: ${JSON.stringify(token)} in ${JSON.stringify(item)} is not a value${hint}`);
    }
    n = index + (spec.name === "month" ? 1 : 0);
  }
  if (n < spec.min || n > spec.max) throw new CronError(`${spec.name}: ${n} is outside ${spec.min}–${spec.max}`);
  return n;
}

/** Refuses expressions that can never fire, like `0 0 30 2 *` (February 30th). */
function assertCanFire(s: CronSchedule): void {
  // Only the day-of-month field alone can rule out every day: with a restricted day of week the
  // either-or (or, with a star day-of-month, every month's weeks) always leaves some day.
  if (s.dayOfMonthStar || !s.dayOfWeekStar) return;
  for (let month = 1; month <= 12; month++) {
    if (!s.months[month]) continue;
    for (let day = 1; day <= MAX_DAYS_IN_MONTH[month]; day++) if (s.daysOfMonth[day]) return;
  }
  throw new CronError("the expression never fires: none of its days of the month exist in its months");
}

function dayMatches(s: CronSchedule, date: Date): boolean {
  const dom = s.daysOfMonth[date.getUTCDate()];
  const dow = s.daysOfWeek[date.getUTCDay()];
  return s.dayOfMonthStar || s.dayOfWeekStar ? dom && dow : dom || dow;
}

/**
 * Years searched ahead. A date on a given weekday ("Feb 29 that is a Sunday", "Sep 13 that is a
 * Sunday" — day of month AND day of week when one of them is `*`-based) recurs every 28 years
 * within a century and at most 40 years apart across a skipped leap year (2100).
 */
const SEARCH_YEARS = 40;
const MINUTE_MS = 60_000;

/**
 * The first minute strictly after `afterMs` (ms since the epoch) at which `schedule` fires, in
 * ms since the epoch (UTC), or null when there is none within the search horizon. Skips whole
 * months, days and hours that cannot match, so it takes at most a few thousand steps.
 */
export function nextFireAfter(schedule: CronSchedule, afterMs: number): number | null {
  if (!Number.isFinite(afterMs)) throw new RangeError("afterMs must be a finite number");
  let t = Math.floor(afterMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  const lastYear = new Date(t).getUTCFullYear() + SEARCH_YEARS;
  for (;;) {
    const d = new Date(t);
    const year = d.getUTCFullYear();
    if (year > lastYear) return null;
    const month = d.getUTCMonth(); // 0-based
    if (!schedule.months[month + 1]) {
      t = Date.UTC(year, month + 1, 1);
      continue;
    }
    if (!dayMatches(schedule, d)) {
      t = Date.UTC(year, month, d.getUTCDate() + 1);
      continue;
    }
    const hour = d.getUTCHours();
    if (!schedule.hours[hour]) {
      t = Date.UTC(year, month, d.getUTCDate(), hour + 1);
      continue;
    }
    const minute = d.getUTCMinutes();
    const next = schedule.minutes.indexOf(true, minute);
    if (next < 0) {
      t = Date.UTC(year, month, d.getUTCDate(), hour + 1);
      continue;
    }
    return Date.UTC(year, month, d.getUTCDate(), hour, next);
  }
}
