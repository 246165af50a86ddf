/*
 * Terminal output: aligned tables, colour only on a terminal (and never with NO_COLOR), and
 * everything meant for scripts on stdout, everything for people about progress on stderr.
 */

export interface Output {
  out(line: string): void;
  err(line: string): void;
  /** A TTY on stderr: progress may redraw in place. */
  readonly interactive: boolean;
  readonly color: boolean;
}

export function processOutput(): Output {
  const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    interactive: process.stderr.isTTY === true,
    color,
  };
}

const CODES: Record<string, [number, number]> = { green: [32, 39], red: [31, 39], yellow: [33, 39], blue: [34, 39], dim: [2, 22], bold: [1, 22] };

export function paint(enabled: boolean, style: keyof typeof CODES, text: string): string {
  if (!enabled) return text;
  const [open, close] = CODES[style];
  return `\u001b[${open}m${text}\u001b[${close}m`;
}

const STATUS_STYLE: Record<string, keyof typeof CODES> = {
  COMPLETED: "green",
  FAILED: "red",
  ABORTED: "yellow",
  PROCESSING: "blue",
  QUEUED: "blue",
  SKIPPED: "dim",
  PENDING: "dim",
  PAUSED: "yellow",
};

export function paintStatus(enabled: boolean, status: string): string {
  return paint(enabled, STATUS_STYLE[status] ?? "bold", status);
}

const ANSI = /\u001b\[[0-9;]*m/g;
const visibleLength = (s: string) => s.replace(ANSI, "").length;

/** Columns padded to their widest cell; the last column is not padded. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ""))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + " ".repeat(widths[i] - visibleLength(c))))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "─".repeat(w))), ...rows.map(line)];
}

/** `[██████░░░░]` for 0–100. */
export function bar(percent: number, width = 20): string {
  const p = Math.max(0, Math.min(100, percent));
  const full = Math.round((p / 100) * width);
  return `[${"█".repeat(full)}${"░".repeat(width - full)}]`;
}

export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return "";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}

export function between(start: string | null | undefined, end: string | null | undefined): string {
  if (!start || !end) return "";
  return duration(Date.parse(end) - Date.parse(start));
}
