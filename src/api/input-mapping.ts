import { Type } from "@sinclair/typebox";
import { parsePointer, pointer } from "../core/graph/pointer";
import type { ValidationError } from "../core/graph/validation-error";

/*
 * A webhook's input mapping: how a delivery becomes the run input, when the sender's payload is
 * not already shaped like it. Each entry names a run input key and a JSON Pointer (RFC 6901)
 * into the delivery, seen as `{ "body": <the JSON body>, "headers": { <lower-case name>: value } }`:
 *
 *   { "name": "/body/user/name", "event": "/headers/x-github-event", "payload": "/body" }
 *
 * A pointer that finds nothing leaves its key out of the input (the graph's input validation then
 * says whether that key was required). Without a mapping, the body — a JSON object — is the input.
 * Credentials never reach a run input: the headers that carry them cannot be mapped.
 */

export const MAX_MAPPED_KEYS = 64;
const MAX_POINTER_LENGTH = 512;

/** Headers whose values are credentials or signatures: refused in a mapping. */
const UNMAPPABLE_HEADERS = new Set(["authorization", "proxy-authorization", "cookie", "weft-signature"]);

export const InputMappingSchema = Type.Record(
  Type.String({ minLength: 1, maxLength: 128 }),
  Type.String({ minLength: 1, maxLength: MAX_POINTER_LENGTH, pattern: "^/(body|headers)(/.*)?$" }),
  {
    maxProperties: MAX_MAPPED_KEYS,
    $id: "InputMapping",
    description: "Run input key → JSON Pointer into { body, headers } (header names in lower case). Without it, the body is the input.",
  },
);

export type InputMapping = Record<string, string>;

/** Every problem with a mapping, with paths under `base` (e.g. `/inputMapping`). */
export function inputMappingErrors(mapping: unknown, base: string): ValidationError[] {
  if (mapping === null || typeof mapping !== "object" || Array.isArray(mapping)) return [{ path: base, message: "must be an object of input key → JSON Pointer" }];
  const entries = Object.entries(mapping as Record<string, unknown>);
  if (entries.length > MAX_MAPPED_KEYS) return [{ path: base, message: `maps at most ${MAX_MAPPED_KEYS} keys` }];
  const errors: ValidationError[] = [];
  for (const [key, value] of entries) {
    const at = pointer(base, key);
    if (key.length === 0 || key.length > 128) errors.push({ path: at, message: "an input key is 1 to 128 characters" });
    if (typeof value !== "string" || value.length > MAX_POINTER_LENGTH) {
      errors.push({ path: at, message: `must be a JSON Pointer string of at most ${MAX_POINTER_LENGTH} characters` });
      continue;
    }
    let tokens: string[];
    try {
      tokens = parsePointer(value);
    } catch {
      errors.push({ path: at, message: "must be a JSON Pointer (starting with /)" });
      continue;
    }
    const [root, ...rest] = tokens;
    if (root === "body") continue;
    if (root !== "headers") {
      errors.push({ path: at, message: 'must point into "/body" or "/headers/<name>"' });
    } else if (rest.length !== 1 || !/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(rest[0])) {
      errors.push({ path: at, message: "a header pointer is /headers/<name>, with the name in lower case" });
    } else if (UNMAPPABLE_HEADERS.has(rest[0])) {
      errors.push({ path: at, message: `the ${rest[0]} header carries credentials and cannot become run input` });
    }
  }
  return errors;
}

/** True when some entry reads the body (so the body must be JSON). */
export function mappingReadsBody(mapping: InputMapping): boolean {
  return Object.values(mapping).some((p) => p === "/body" || p.startsWith("/body/"));
}

function resolve(document: unknown, tokens: string[]): { found: boolean; value?: unknown } {
  let node = document;
  for (const token of tokens) {
    if (Array.isArray(node)) {
      if (!/^(0|[1-9]\d*)$/.test(token) || Number(token) >= node.length) return { found: false };
      node = node[Number(token)];
    } else if (node !== null && typeof node === "object" && Object.prototype.hasOwnProperty.call(node, token)) {
      node = (node as Record<string, unknown>)[token];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: node };
}

/** The run input a delivery maps to. `mapping` must have passed inputMappingErrors. */
export function applyInputMapping(mapping: InputMapping, body: unknown, headers: Headers): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  // defineProperty, not assignment: a key named "__proto__" must be a key, not a prototype.
  const set = (key: string, value: unknown) => Object.defineProperty(input, key, { value, enumerable: true, writable: true, configurable: true });
  for (const [key, ptr] of Object.entries(mapping)) {
    const [root, ...rest] = parsePointer(ptr);
    if (root === "headers") {
      const value = headers.get(rest[0]);
      if (value !== null) set(key, value);
      continue;
    }
    const hit = resolve(body, rest);
    if (hit.found) set(key, hit.value);
  }
  return input;
}
