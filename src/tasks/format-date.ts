import { type Static, Type } from "@sinclair/typebox";
import { defineTask } from "../core/task/define-task";
import { PermanentTaskError } from "../core/task/errors";
import { throwIfAborted } from "./lib/abort";

/**
 * Date formatting with `Intl` (no date library): either a `pattern` of LDML-style tokens
 * (yyyy-MM-dd HH:mm) or `Intl.DateTimeFormat` `options`, in a `locale` and an IANA `timeZone`.
 */

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** The instant of an ISO 8601 string or epoch milliseconds; a date-time without an offset is UTC. */
export function parseInstant(date: string | number): Date | undefined {
  if (typeof date === "number") {
    const d = new Date(date);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  const m = ISO_DATE.exec(date.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = "00", mi = "00", s = "00", frac = "", zone = "Z"] = m;
  const ms = frac.padEnd(3, "0").slice(0, 3);
  const offset = zone.toUpperCase() === "Z" ? "Z" : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}${offset}`;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return undefined;
  // Date.parse rolls "02-30" over to March; a date that does not exist is an error, not a surprise.
  const check = new Date(t + (offset === "Z" ? 0 : offsetMinutes(offset) * 60_000));
  if (check.getUTCFullYear() !== Number(y) || check.getUTCMonth() + 1 !== Number(mo) || check.getUTCDate() !== Number(d)) return undefined;
  return new Date(t);
}

function offsetMinutes(offset: string): number {
  const sign = offset[0] === "-" ? -1 : 1;
  return sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
}

// ————————————————————————————————————————— Intl plumbing —————————————————————————————————————————

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Intl formatters are costly to build; a run formats many dates with the same few settings. */
function formatter(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}\u0000${JSON.stringify(options)}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, options);
    if (formatters.size >= 256) formatters.clear();
    formatters.set(key, f);
  }
  return f;
}

function part(parts: Intl.DateTimeFormatPart[], type: Intl.DateTimeFormatPartTypes): string {
  return parts.find((p) => p.type === type)?.value ?? "";
}

/** The wall-clock fields of an instant in a time zone. */
interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  /** Minutes east of UTC. */
  offset: number;
}

function fields(date: Date, timeZone: string): Fields {
  const parts = formatter("en-US", {
    timeZone,
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
    hourCycle: "h23",
    timeZoneName: "longOffset",
    era: "short",
  }).formatToParts(date);
  const zone = part(parts, "timeZoneName"); // "GMT", "GMT+05:30", "GMT-08:00"
  const m = /^GMT([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  const offset = m ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0)) : 0;
  const yearOfEra = Number(part(parts, "year"));
  const bc = part(parts, "era") === "BC";
  return {
    year: bc ? 1 - yearOfEra : yearOfEra,
    month: Number(part(parts, "month")),
    day: Number(part(parts, "day")),
    hour: Number(part(parts, "hour")),
    minute: Number(part(parts, "minute")),
    second: Number(part(parts, "second")),
    millisecond: date.getUTCMilliseconds(),
    offset,
  };
}

function pad(n: number, width: number): string {
  const s = String(Math.abs(n)).padStart(width, "0");
  return n < 0 ? `-${s}` : s;
}

function formatOffset(minutes: number, style: "X" | "XX" | "XXX", zulu: boolean): string {
  if (minutes === 0 && zulu) return "Z";
  const sign = minutes < 0 ? "-" : "+";
  const h = pad(Math.floor(Math.abs(minutes) / 60), 2);
  const m = pad(Math.abs(minutes) % 60, 2);
  if (style === "X") return m === "00" ? `${sign}${h}` : `${sign}${h}${m}`;
  return style === "XX" ? `${sign}${h}${m}` : `${sign}${h}:${m}`;
}

// ————————————————————————————————————————— patterns —————————————————————————————————————————

export class DatePatternError extends Error {}

type Token = { literal: string } | { field: string };

/** Splits a pattern into letter runs and literals; 'quoted text' is literal, '' is a quote. */
function tokenize(pattern: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === "'") {
      if (pattern[i + 1] === "'") {
        out.push({ literal: "'" });
        i += 2;
        continue;
      }
      const end = pattern.indexOf("'", i + 1);
      if (end < 0) throw new DatePatternError("unterminated quote");
      out.push({ literal: pattern.slice(i + 1, end) });
      i = end + 1;
    } else if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (pattern[j] === c) j++;
      out.push({ field: pattern.slice(i, j) });
      i = j;
    } else {
      out.push({ literal: c });
      i++;
    }
  }
  return out;
}

/** The pattern letters understood, for the error message and the docs. */
export const PATTERN_TOKENS =
  "yyyy yy y, MMMM MMM MM M, dd d, EEEE EEE, HH H, hh h, mm m, ss s, SSS SS S, a, XXX XX X (offset or Z), xxx xx x (offset), zzz (zone name)";

function formatPattern(date: Date, pattern: string, locale: string, timeZone: string): string {
  const f = fields(date, timeZone);
  const named = (options: Intl.DateTimeFormatOptions, type: Intl.DateTimeFormatPartTypes) =>
    part(formatter(locale, { timeZone, ...options }).formatToParts(date), type);
  let out = "";
  for (const t of tokenize(pattern)) {
    if ("literal" in t) {
      out += t.literal;
      continue;
    }
    const tok = t.field;
    const n = tok.length;
    switch (tok[0]) {
      case "y":
        out += n === 2 ? pad(((f.year % 100) + 100) % 100, 2) : pad(f.year, n);
        break;
      case "M":
        out += n >= 4 ? named({ month: "long" }, "month") : n === 3 ? named({ month: "short" }, "month") : pad(f.month, n);
        break;
      case "d":
        if (n > 2) throw new DatePatternError(`"${tok}"`);
        out += pad(f.day, n);
        break;
      case "E":
        out += n >= 4 ? named({ weekday: "long" }, "weekday") : named({ weekday: "short" }, "weekday");
        break;
      case "H":
        if (n > 2) throw new DatePatternError(`"${tok}"`);
        out += pad(f.hour, n);
        break;
      case "h":
        if (n > 2) throw new DatePatternError(`"${tok}"`);
        out += pad(f.hour % 12 === 0 ? 12 : f.hour % 12, n);
        break;
      case "m":
        if (n > 2) throw new DatePatternError(`"${tok}"`);
        out += pad(f.minute, n);
        break;
      case "s":
        if (n > 2) throw new DatePatternError(`"${tok}"`);
        out += pad(f.second, n);
        break;
      case "S":
        if (n > 3) throw new DatePatternError(`"${tok}"`);
        out += pad(f.millisecond, 3).slice(0, n);
        break;
      case "a":
        out += named({ hour: "numeric", hour12: true }, "dayPeriod");
        break;
      case "X":
      case "x":
        if (n > 3) throw new DatePatternError(`"${tok}"`);
        out += formatOffset(f.offset, ("X".repeat(n) as "X" | "XX" | "XXX"), tok[0] === "X");
        break;
      case "z":
        out += named({ timeZoneName: "short" }, "timeZoneName");
        break;
      default:
        throw new DatePatternError(`"${tok}" is not a pattern field (put literal text in single quotes)`);
    }
  }
  return out;
}

/** ISO 8601 with the zone's offset: 2026-11-26T11:00:00.000+01:00 (Z in UTC). */
function isoInZone(date: Date, timeZone: string): string {
  return formatPattern(date, "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "en-US", timeZone);
}

// ————————————————————————————————————————— the task —————————————————————————————————————————

const lit = <T extends string>(...values: T[]) => Type.Union(values.map((v) => Type.Literal(v)));

/** The `Intl.DateTimeFormat` options a graph may set (the time zone has its own port). */
export const DateFormatOptionsSchema = Type.Object(
  {
    dateStyle: Type.Optional(lit("full", "long", "medium", "short")),
    timeStyle: Type.Optional(lit("full", "long", "medium", "short")),
    weekday: Type.Optional(lit("long", "short", "narrow")),
    era: Type.Optional(lit("long", "short", "narrow")),
    year: Type.Optional(lit("numeric", "2-digit")),
    month: Type.Optional(lit("numeric", "2-digit", "long", "short", "narrow")),
    day: Type.Optional(lit("numeric", "2-digit")),
    hour: Type.Optional(lit("numeric", "2-digit")),
    minute: Type.Optional(lit("numeric", "2-digit")),
    second: Type.Optional(lit("numeric", "2-digit")),
    fractionalSecondDigits: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(3)])),
    hour12: Type.Optional(Type.Boolean()),
    timeZoneName: Type.Optional(lit("short", "long", "shortOffset", "longOffset", "shortGeneric", "longGeneric")),
  },
  { additionalProperties: false },
);
export type DateFormatOptions = Static<typeof DateFormatOptionsSchema>;

function validTimeZone(timeZone: string): boolean {
  try {
    formatter("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

export const FormatDate = defineTask({
  type: "FormatDate",
  title: "Format a date",
  category: "Date",
  description:
    "Formats `date` (ISO 8601 string — a date-time without offset is UTC — or epoch milliseconds) in `timeZone` (IANA, default UTC) " +
    `and \`locale\` (default en-US), with a \`pattern\` (${PATTERN_TOKENS}; 'quoted' literal text) or Intl \`options\`; ` +
    "with neither, ISO 8601 with the zone's offset.",
  execution: "inline",
  input: Type.Object(
    {
      date: Type.Union([Type.String({ maxLength: 64 }), Type.Number()], { description: "ISO 8601 string or epoch milliseconds" }),
      pattern: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
      options: Type.Optional(DateFormatOptionsSchema),
      locale: Type.Optional(Type.String({ minLength: 2, maxLength: 64, description: "BCP 47 tag, e.g. en-GB, fr, ja-JP" })),
      timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "IANA zone, e.g. Europe/Paris; default UTC" })),
    },
    { additionalProperties: false },
  ),
  output: Type.Object({ text: Type.String() }, { additionalProperties: false }),
  run: (inp, ctx) => {
    throwIfAborted(ctx.signal);
    const date = parseInstant(inp.date);
    if (!date) throw new PermanentTaskError(`${JSON.stringify(inp.date)} is not an ISO 8601 date or epoch milliseconds`, "invalid_date");
    const timeZone = inp.timeZone ?? "UTC";
    if (!validTimeZone(timeZone)) throw new PermanentTaskError(`unknown time zone ${JSON.stringify(timeZone)}`, "invalid_time_zone");
    const locale = inp.locale ?? "en-US";
    try {
      Intl.DateTimeFormat.supportedLocalesOf([locale]);
    } catch {
      throw new PermanentTaskError(`invalid locale ${JSON.stringify(locale)}`, "invalid_locale");
    }
    if (inp.pattern !== undefined && inp.options !== undefined) {
      throw new PermanentTaskError("set either `pattern` or `options`, not both", "conflicting_options");
    }
    if (inp.options !== undefined) {
      try {
        return { text: formatter(locale, { ...inp.options, timeZone }).format(date) };
      } catch (err) {
        // e.g. dateStyle together with year: Intl refuses the combination.
        throw new PermanentTaskError(`invalid options: ${(err as Error).message}`, "invalid_options");
      }
    }
    if (inp.pattern !== undefined) {
      try {
        return { text: formatPattern(date, inp.pattern, locale, timeZone) };
      } catch (err) {
        if (err instanceof DatePatternError) throw new PermanentTaskError(`invalid pattern: ${err.message}`, "invalid_pattern");
        throw err;
      }
    }
    return { text: timeZone === "UTC" ? date.toISOString() : isoInZone(date, timeZone) };
  },
});
