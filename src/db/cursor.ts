/*
 * Opaque pagination cursors. A cursor is the sort key of the last item of a page, as base64url
 * JSON; clients must treat it as an opaque string. Decoding checks the shape, so a forged or
 * truncated cursor is a client error (InvalidCursorError), never a query with odd parameters.
 */

export class InvalidCursorError extends Error {
  override readonly name = "InvalidCursorError";
  constructor() {
    super("cursor is not one this API issued");
  }
}

function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(cursor: string): string {
  if (!/^[A-Za-z0-9_-]{1,1024}$/.test(cursor)) throw new InvalidCursorError();
  try {
    const binary = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    throw new InvalidCursorError();
  }
}

function decodeParts(cursor: string): unknown[] {
  try {
    const parts: unknown = JSON.parse(fromBase64Url(cursor));
    if (Array.isArray(parts)) return parts;
  } catch {
    // fall through
  }
  throw new InvalidCursorError();
}

/** Keyset for lists ordered by creation, newest first: (createdAt desc, id desc). */
export interface CreatedKeyset {
  createdAt: number;
  id: string;
}

export function encodeCreatedCursor(key: CreatedKeyset): string {
  return toBase64Url(JSON.stringify([key.createdAt, key.id]));
}

export function decodeCreatedCursor(cursor: string): CreatedKeyset {
  const parts = decodeParts(cursor);
  const [createdAt, id] = parts;
  if (parts.length !== 2 || !Number.isSafeInteger(createdAt) || typeof id !== "string" || id.length === 0) throw new InvalidCursorError();
  return { createdAt: createdAt as number, id };
}

/** Keyset for a graph's versions, newest first. */
export function encodeVersionCursor(version: number): string {
  return toBase64Url(JSON.stringify([version]));
}

export function decodeVersionCursor(cursor: string): number {
  const parts = decodeParts(cursor);
  const [version] = parts;
  if (parts.length !== 1 || !Number.isSafeInteger(version) || (version as number) < 1) throw new InvalidCursorError();
  return version as number;
}

/** One page of a list: SPEC §8 `{ items, nextCursor }`. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
