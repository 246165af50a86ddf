/** UTF-8 byte length of a string, without an encoder (none is needed to count). */
export function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * The JSON size in bytes of `value` when it is larger than `limit`, else -1. Numbers, booleans,
 * null and short strings are answered without serialising (events carry many small values).
 */
export function sizeAbove(value: unknown, limit: number): number {
  switch (typeof value) {
    case "undefined":
    case "number":
    case "boolean":
    case "bigint":
    case "symbol":
    case "function":
      return limit >= 32 ? -1 : jsonBytesAbove(value, limit);
    case "string":
      // A UTF-16 unit is at most 6 bytes of JSON ("\u001f"), plus the quotes.
      if (value.length * 6 + 2 <= limit) return -1;
      return jsonBytesAbove(value, limit);
    default:
      if (value === null) return limit >= 4 ? -1 : jsonBytesAbove(value, limit);
      return jsonBytesAbove(value, limit);
  }
}

function jsonBytesAbove(value: unknown, limit: number): number {
  const json = JSON.stringify(value);
  if (json === undefined || json.length <= limit / 3) return -1;
  const size = utf8Length(json);
  return size > limit ? size : -1;
}
