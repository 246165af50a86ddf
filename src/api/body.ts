import { MAX_JSON_DEPTH, tooDeepAt } from "../core/json-depth";
import { pointer } from "../core/graph/pointer";
import { HttpProblem } from "./problem";

/** Request bodies that are not graphs or run inputs (e.g. API key creation) stay small. */
export const SMALL_BODY_BYTES = 16 * 1024;

/** `application/json` or any `application/*+json`, parameters (charset) allowed. */
function isJsonMediaType(contentType: string | null): boolean {
  if (!contentType) return false;
  const mediaType = contentType.split(";")[0].trim().toLowerCase();
  return mediaType === "application/json" || /^application\/[a-z0-9.+-]+\+json$/.test(mediaType);
}

/** False for a request sent without a body (or with Content-Length: 0): routes whose body is optional. */
export function hasBody(request: Request): boolean {
  return request.body !== null && request.headers.get("Content-Length") !== "0";
}

/** 415 unless the request says its body is JSON. */
export function requireJsonContentType(request: Request): void {
  if (!isJsonMediaType(request.headers.get("Content-Type"))) {
    throw new HttpProblem("unsupported-media-type", "The request body must be JSON, sent with Content-Type: application/json.");
  }
}

/**
 * Reads a request body's exact bytes, at most `maxBytes` of them: 413 when it is larger —
 * decided by counting the bytes as they stream in, since Content-Length may be absent or wrong
 * (a declared length over the limit is refused without reading). Signed requests (webhooks)
 * need these raw bytes: a signature covers them, not a re-serialisation of the JSON.
 */
export async function readBodyBytes(request: Request, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = () => new HttpProblem("payload-too-large", `The request body is larger than the ${maxBytes} bytes this route accepts.`);
  const declared = request.headers.get("Content-Length");
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge();
  return readAtMost(request, maxBytes, tooLarge);
}

/** Parses JSON from body bytes: 400 when they are empty, not UTF-8, not JSON, or nested deeper than MAX_JSON_DEPTH. */
export function parseJsonBytes(bytes: Uint8Array): unknown {
  if (bytes.length === 0) throw new HttpProblem("malformed-json", "The request body is empty; a JSON value was expected.");
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new HttpProblem("malformed-json", "The request body is not valid UTF-8.");
  }
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (err) {
    // V8's message says where parsing stopped; it holds no server data.
    throw new HttpProblem("malformed-json", `The request body is not valid JSON: ${(err as Error).message}`);
  }
  // JSON.parse takes any depth; what handles the value afterwards (schema checks, JSON.stringify,
  // Durable Object RPC) recurses and would overflow the stack: 400 here instead of a 500 there.
  const deep = tooDeepAt(value, MAX_JSON_DEPTH);
  if (deep) {
    const at = pointer("", ...deep.slice(0, 16)) + (deep.length > 16 ? "/…" : "");
    throw new HttpProblem("malformed-request", `The request body nests JSON more than ${MAX_JSON_DEPTH} levels deep (at ${at.slice(0, 512)}).`);
  }
  return value;
}

/**
 * Reads a JSON request body of at most `maxBytes`: 415 when the Content-Type is not JSON, 413
 * when the body is too large (readBodyBytes), 400 when it is empty or not JSON (parseJsonBytes).
 */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  requireJsonContentType(request);
  return parseJsonBytes(await readBodyBytes(request, maxBytes));
}

async function readAtMost(request: Request, maxBytes: number, tooLarge: () => HttpProblem): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
