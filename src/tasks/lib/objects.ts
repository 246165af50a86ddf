/** Plain-object helpers that are safe on untrusted JSON (no prototype pollution). */

export type JsonObject = Record<string, unknown>;

export function isPlainObject(v: unknown): v is JsonObject {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Sets an own data property even for "__proto__" (a plain assignment would change the prototype). */
export function setOwn(target: JsonObject, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

export type ArrayMerge = "replace" | "concat";

/**
 * Merges `source` into `target` (mutating it): plain objects recursively, arrays by `arrays`,
 * anything else replaced. Values from `source` are copied, never shared, where they are merged into.
 */
export function deepMergeInto(target: JsonObject, source: JsonObject, arrays: ArrayMerge): JsonObject {
  for (const key of Object.keys(source)) {
    const next = source[key];
    const prev = Object.prototype.hasOwnProperty.call(target, key) ? target[key] : undefined;
    if (isPlainObject(prev) && isPlainObject(next)) {
      setOwn(target, key, deepMergeInto(deepMergeInto({}, prev, arrays), next, arrays));
    } else if (arrays === "concat" && Array.isArray(prev) && Array.isArray(next)) {
      setOwn(target, key, [...prev, ...next]);
    } else if (isPlainObject(next)) {
      setOwn(target, key, deepMergeInto({}, next, arrays));
    } else {
      setOwn(target, key, next);
    }
  }
  return target;
}

/** Copies the own keys of `source` onto `target` (one level). */
export function shallowMergeInto(target: JsonObject, source: JsonObject): JsonObject {
  for (const key of Object.keys(source)) setOwn(target, key, source[key]);
  return target;
}
