/**
 * JSON Pointers (RFC 6901) for validation error paths: `/tasks/3/defaults/a~1b` names the key
 * `a/b`. `~` and `/` inside a token are escaped as `~0` and `~1` (in that order, so `~1` stays
 * unambiguous).
 */
export function escapePointerToken(token: string | number): string {
  const s = String(token);
  // Fast path: almost every token (indexes, ids, port names) needs no escaping.
  if (!s.includes("~") && !s.includes("/")) return s;
  return s.replace(/~/g, "~0").replace(/\//g, "~1");
}

/** `base` (already a pointer, "" for the root) extended by raw, unescaped tokens. */
export function pointer(base: string, ...tokens: (string | number)[]): string {
  let out = base;
  for (const t of tokens) out += `/${escapePointerToken(t)}`;
  return out;
}

/** The raw tokens of a pointer: `parsePointer("/a~1b/0")` is `["a/b", "0"]`. */
export function parsePointer(ptr: string): string[] {
  if (ptr === "") return [];
  if (!ptr.startsWith("/")) throw new Error(`not a JSON pointer: ${JSON.stringify(ptr)}`);
  return ptr
    .slice(1)
    .split("/")
    .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}
