/**
 * Paths into JSON values, shared by Pick, Transform, Condition, Template and Log.
 *
 * Two spellings:
 * - JSON Pointer (RFC 6901) when the path starts with "/": `/items/0/name`, `/a~1b` (key "a/b");
 * - dotted otherwise: `items.0.name`, also `items[0].name`.
 * The empty path is the value itself. Only own properties are read (never `__proto__` or
 * `constructor` from a prototype), and an array index must be a canonical non-negative integer.
 */

export type PathSegment = string;

const cache = new Map<string, PathSegment[]>();
const CACHE_LIMIT = 1024;

export class InvalidPathError extends Error {
  constructor(path: string, why: string) {
    super(`invalid path "${path}": ${why}`);
    this.name = "InvalidPathError";
  }
}

function parsePointer(path: string): PathSegment[] {
  const parts = path.slice(1).split("/");
  return parts.map((p) => {
    if (/~[^01]|~$/.test(p)) throw new InvalidPathError(path, '"~" must be followed by 0 or 1');
    return p.replace(/~1/g, "/").replace(/~0/g, "~");
  });
}

function parseDotted(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  // "a.b[0].c" → a, b, 0, c. Brackets take an index or a quoted key: x["a.b"].
  const re = /([^.[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|(\.)/gy;
  let expectKey = true;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < path.length) {
    re.lastIndex = pos;
    m = re.exec(path);
    if (!m) throw new InvalidPathError(path, `unexpected "${path[pos]}" at ${pos}`);
    if (m[4] !== undefined) {
      if (expectKey) throw new InvalidPathError(path, `empty segment at ${pos}`);
      expectKey = true;
    } else {
      if (m[1] !== undefined && !expectKey) throw new InvalidPathError(path, `missing "." before "${m[1]}"`);
      out.push(m[1] ?? m[2] ?? quotedKey(path, m[3]));
      expectKey = false;
    }
    pos = re.lastIndex;
  }
  if (expectKey) throw new InvalidPathError(path, "ends with a separator");
  return out;
}

/** A bracketed key's text as a JSON string body (`a["x\\"y"]`): an invalid escape or a raw control character is the user's malformed path, not a crash. */
function quotedKey(path: string, body: string): string {
  try {
    return JSON.parse(`"${body}"`) as string;
  } catch {
    throw new InvalidPathError(path, `the quoted key "${body}" is not a valid JSON string`);
  }
}

/** The segments of a path; throws InvalidPathError on a malformed one. */
export function parsePath(path: string): PathSegment[] {
  if (path === "") return [];
  const hit = cache.get(path);
  if (hit) return hit;
  const segments = path.startsWith("/") ? parsePointer(path) : parseDotted(path);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(path, segments);
  return segments;
}

const hasOwn = Object.prototype.hasOwnProperty;
const INDEX = /^(0|[1-9]\d*)$/;

/** The value at `segments`, or `undefined` when any step is missing. */
export function getAt(value: unknown, segments: readonly PathSegment[]): unknown {
  let v = value;
  for (const key of segments) {
    if (Array.isArray(v)) {
      if (!INDEX.test(key)) return undefined;
      v = v[Number(key)];
    } else if (v !== null && typeof v === "object") {
      if (!hasOwn.call(v, key)) return undefined;
      v = (v as Record<string, unknown>)[key];
    } else {
      return undefined;
    }
  }
  return v;
}

/** `getAt(value, parsePath(path))`. */
export function getPath(value: unknown, path: string): unknown {
  return getAt(value, parsePath(path));
}
