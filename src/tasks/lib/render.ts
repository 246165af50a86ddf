import { getAt, parsePath, type PathSegment } from "./value-path";

/** `{{ path }}` placeholders: anything but braces and whitespace inside, spaces around allowed. */
const PLACEHOLDER = /\{\{\s*([^{}\s]+)\s*\}\}/g;

export interface Placeholder {
  /** The path as written. */
  path: string;
  segments: PathSegment[];
}

/** Every placeholder of a template, in order (throws InvalidPathError on a malformed path). */
export function placeholders(template: string): Placeholder[] {
  const out: Placeholder[] = [];
  for (const m of template.matchAll(PLACEHOLDER)) out.push({ path: m[1], segments: parsePath(m[1]) });
  return out;
}

/** How a value reads inside text: strings as is, missing as "", objects and arrays as JSON. */
export function textOf(v: unknown): string {
  if (v === undefined || v === null) return "";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

/**
 * Renders `{{path}}` placeholders against `scope`. `onMissing` is called for a path with no value
 * (it may throw); the placeholder then renders as "".
 */
export function render(template: string, scope: unknown, onMissing?: (path: string) => void): string {
  return template.replace(PLACEHOLDER, (_, path: string) => {
    const v = getAt(scope, parsePath(path));
    if (v === undefined && onMissing) onMissing(path);
    return textOf(v);
  });
}
