import { readFileSync } from "node:fs";
import { UsageError } from "./exit-codes";

/** Reads a file, turning a missing or unreadable one into a usage error that names it. */
export function readFileOrUsage(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** `--input '{"a":1}'` or `--input @file.json`: a JSON object. */
export function parseInputOption(value: string | undefined): Record<string, unknown> {
  if (value === undefined) return {};
  const text = value.startsWith("@") ? readFileOrUsage(value.slice(1)).toString("utf8") : value;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--input is not valid JSON: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new UsageError("--input must be a JSON object");
  return parsed as Record<string, unknown>;
}

/** A JSON file's content, or a usage error naming the file. */
export function readJsonFile(path: string): unknown {
  const text = readFileOrUsage(path).toString("utf8");
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
}
