import { PermanentTaskError } from "../../core/task/errors";

export class ResponseTooLargeError extends PermanentTaskError {
  constructor(limit: number, url: string) {
    super(`response from ${url} is larger than ${limit} bytes`, "response_too_large");
  }
}

/**
 * Reads a response body up to `limit` bytes, streaming, so an oversized body is never held whole:
 * past the limit the stream is cancelled and ResponseTooLargeError thrown. `onBytes` sees the
 * running total (for progress).
 */
export async function readLimited(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
  url: string,
  onBytes?: (received: number) => void,
): Promise<Uint8Array> {
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limit) {
        await reader.cancel().catch(() => {});
        throw new ResponseTooLargeError(limit, url);
      }
      chunks.push(value);
      onBytes?.(total);
    }
  } finally {
    reader.releaseLock();
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** Base64 of bytes without Node's Buffer (the Worker has none without nodejs_compat). */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

/** The charset of a Content-Type, if TextDecoder knows it; utf-8 otherwise. */
export function decoderFor(contentType: string | null): TextDecoder {
  const m = contentType ? /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType) : null;
  if (m) {
    try {
      return new TextDecoder(m[1]);
    } catch {
      // an unknown charset: fall back to UTF-8 rather than failing the request
    }
  }
  return new TextDecoder("utf-8");
}
