import fc from "fast-check";
import type { RouteSpec } from "../../src/api/route-table";
import { signatureHeader } from "../../src/api/webhook-signature";
import { applyMutation, cloneValue, exoticGraphArb, jsonText, mutationArb, validGraphArb, weirdString, weirdValue } from "../core/fuzz/arbitraries";
import { ADMIN_TOKEN, BASE } from "../api/helpers";
import { type Fixtures, realParam } from "./fixtures";

/*
 * Fuzzed HTTP requests for one route of the route table: its path parameters real or made up
 * (percent-encoded unicode, broken escapes, 10 KB ids), random query parameters, a body that is
 * the route's valid body, a mutation of it, random JSON, text that is not JSON or bytes that are
 * not UTF-8, under a right or wrong Content-Type, and odd If-Match, Idempotency-Key, signature
 * and Authorization headers. A request is described as data (printable when a property fails)
 * and turned into a Request only when sent, so "the current version" and "a valid signature"
 * are computed against the state of that moment.
 */

export type ParamChoice = { kind: "real" } | { kind: "made-up"; segment: string };

export type BodySpec =
  | { kind: "none" }
  | { kind: "json"; value: unknown }
  | { kind: "text"; text: string }
  | { kind: "bytes"; bytes: number[] };

export type HeaderChoice = { kind: "absent" } | { kind: "current" } | { kind: "value"; value: string };

export interface FuzzRequest {
  params: Record<string, ParamChoice>;
  /** The raw query string, "" or starting with "?". */
  query: string;
  body: BodySpec;
  contentType: string | null;
  auth: { kind: "admin" } | { kind: "read-key" } | { kind: "none" } | { kind: "header"; value: string };
  ifMatch: HeaderChoice;
  idempotencyKey: string | null;
  /** "current": a valid Weft-Signature over the body with the fixture hook's secret. */
  signature: HeaderChoice;
  delivery: string | null;
  /** The Upgrade header (WebSocket routes only). */
  upgrade: string | null;
}

/** Printable ASCII: what a Headers object accepts from any client. */
const printable = (maxLength: number) => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength });

/** Percent-encodes every byte outside the unreserved set (a lone surrogate becomes U+FFFD, as a browser sends it). */
export function encodeSegment(s: string): string {
  let out = "";
  for (const b of new TextEncoder().encode(s)) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Path segments and query values no client should send, as raw text: broken escapes, encoded slashes, NUL. */
const RAW_GARBAGE = ["%", "%Z", "%ZZ", "%FF", "%C3%28", "%E0%80%80", "%ED%A0%80", "%00", "%2F", "a%2Fb", "%25", "..", ".", "%20", "+"];

const madeUpSegment: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: weirdString.filter((s) => s.length > 0 && s.length <= 4000).map(encodeSegment) },
  { weight: 2, arbitrary: fc.constantFrom(...RAW_GARBAGE) },
  { weight: 2, arbitrary: fc.constantFrom("g_00000000000000000000000000", "r_missing", "hk_missing", "sch_missing", "1", "0", "-1", "999999999999999999999", "fuzz-endpoint-missing", "__proto__", "constructor") },
  { weight: 1, arbitrary: fc.constant("x".repeat(10_240)) },
);

const QUERY_NAMES = ["limit", "cursor", "after", "wait", "status", "graphId", "ref", "name", "token", "x", ""];
const QUERY_VALUES = ["-1", "0", "1", "0.5", "200", "201", "1e309", "NaN", "Infinity", "-Infinity", "abc", "", "1.5", "99999999999999999999", "0x10", " 1", "+1", "10000", "10001", "PENDING", "COMPLETED", "nope", "run:input", "task:x"];

const queryArb: fc.Arbitrary<string> = fc
  .array(
    fc.tuple(
      fc.constantFrom(...QUERY_NAMES),
      fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...QUERY_VALUES) },
        { weight: 2, arbitrary: weirdString.filter((s) => s.length <= 2000).map(encodeSegment) },
        { weight: 1, arbitrary: fc.constantFrom(...RAW_GARBAGE) },
      ),
    ),
    { maxLength: 4 },
  )
  .map((pairs) => (pairs.length === 0 ? "" : `?${pairs.map(([k, v]) => `${k}=${v}`).join("&")}`));

/** Byte sequences that are not UTF-8: stray continuation, truncated sequences, overlong forms, encoded surrogates. */
const INVALID_UTF8: number[][] = [
  [0xff],
  [0x80],
  [0xc3, 0x28],
  [0xe2, 0x82],
  [0xc0, 0xaf],
  [0xe0, 0x80, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xfe, 0xfe, 0xff, 0xff],
];

const CONTENT_TYPES = [
  "application/json; charset=utf-8",
  "APPLICATION/JSON",
  "application/merge-patch+json",
  "application/json; charset=latin1",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/jsonx",
  "",
];

const IF_MATCH_GARBAGE = ["", "abc", 'W/"1"', '"1", "2"', '"0"', "0", "-1", "1e3", "1.0", "99999999999999999999", '"', ",,,", '"*"', "* , 1", " "];
const SIGNATURE_GARBAGE = ["t=1,v1=00", "t=99999999999999999999,v1=ab", "v1=abc", "t=,v1=", "t=1", "garbage", `t=${"9".repeat(400)},v1=${"a".repeat(64)}`];

/** The valid body of each route that takes one (by "METHOD path"), so mutations start from something the handler accepts. */
function validBodyArb(route: RouteSpec, f: Fixtures): fc.Arbitrary<unknown> | undefined {
  switch (`${route.method} ${route.path}`) {
    case "POST /graphs/validate":
    case "POST /graphs":
    case "PUT /graphs/:id":
      return fc.oneof(validGraphArb, exoticGraphArb);
    case "PATCH /graphs/:id":
      // Valid whatever the graph holds by then (fuzzed PUTs replace it): fresh ids, joined to each other only.
      return fc.tuple(fc.nat({ max: 1_000_000 }), fc.constantFrom("Identity", "Uppercase"), fc.boolean()).map(([n, type, join]) => ({
        ops: [
          { op: "addTask", task: { id: `p${n}`, type: "Identity" } },
          { op: "addTask", task: { id: `q${n}`, type } },
          ...(join ? [{ op: "addDataflow", dataflow: { sourceTaskId: `p${n}`, sourceTaskPortId: "value", targetTaskId: `q${n}`, targetTaskPortId: type === "Identity" ? "value" : "text" } }] : []),
          ...(join && n % 2 === 0 ? [{ op: "removeDataflow", dataflowId: `p${n}[value] ==> q${n}[${type === "Identity" ? "value" : "text"}]` }] : []),
        ],
      }));
    case "POST /graphs/:id/runs":
      return fc.constantFrom<unknown>({ input: { name: "Ada" } }, { input: { name: "Ada" }, merge: "GRAPH_RESULT_ARRAY" }, {});
    case "POST /keys":
      return fc.constantFrom<unknown>({ name: "fuzzed", scopes: ["read"] }, { name: "fuzzed", scopes: ["run", "admin"] });
    case "POST /runs/:id/signals/:name":
      return fc.jsonValue({ maxDepth: 3 });
    case "POST /graphs/:id/hooks":
      return fc.constantFrom<unknown>({}, { inputMapping: { name: "/body/name", event: "/headers/x-event" } });
    case "POST /hooks/:hookId/rotate":
    case "POST /endpoints/:slug/rotate":
      return fc.constantFrom<unknown>({}, { graceSeconds: 3600 });
    case "POST /hooks/:hookId":
    case "POST /endpoints/:slug":
      return fc.constantFrom<unknown>({ name: "Ada" }, {});
    case "PUT /endpoints/:slug":
      return fc.constantFrom("public", "api-key", "hmac").map((auth) => ({ graphId: f.runGraphId, auth, timeoutMs: 5000, description: "fuzzed" }));
    case "POST /graphs/:id/schedules":
      return fc.boolean().map((enabled) => ({ cron: "0 0 1 1 *", input: { name: "Ada" }, enabled }));
    case "PATCH /schedules/:scheduleId":
      return fc.constantFrom<unknown>({ cron: "*/5 * * * *" }, { enabled: false }, { input: { name: "Bo" } });
    default:
      return undefined;
  }
}

function bodyArb(route: RouteSpec, f: Fixtures): fc.Arbitrary<BodySpec> {
  if (route.method === "GET") return fc.constant({ kind: "none" });
  const valid = validBodyArb(route, f) ?? fc.jsonValue({ maxDepth: 2 });
  const mutated = fc
    .tuple(valid, fc.array(mutationArb({ json: true }), { minLength: 1, maxLength: 3 }))
    .map(([v, ms]) => ms.reduce(applyMutation, cloneValue(v)));
  const text = (v: unknown) => jsonText(v);
  return fc.oneof(
    { weight: 3, arbitrary: valid.map((value): BodySpec => ({ kind: "json", value })) },
    { weight: 5, arbitrary: mutated.map((value): BodySpec => ({ kind: "json", value })) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value): BodySpec => ({ kind: "json", value })) },
    { weight: 1, arbitrary: weirdValue({ json: true }).map((value): BodySpec => ({ kind: "json", value })) },
    // Truncated JSON: a valid body cut short.
    { weight: 1, arbitrary: fc.tuple(valid, fc.nat()).map(([v, n]): BodySpec => ({ kind: "text", text: text(v).slice(0, Math.max(0, n % Math.max(1, text(v).length))) })) },
    {
      weight: 1,
      arbitrary: fc.constantFrom<BodySpec>(
        { kind: "text", text: "" },
        { kind: "text", text: " \n" },
        { kind: "text", text: "null" },
        { kind: "text", text: "\uFEFF{}" },
        { kind: "text", text: '{"a":1,"a":2}' },
        { kind: "text", text: '{"__proto__":{"admin":true},"input":{"__proto__":{"x":1}}}' },
        { kind: "text", text: "[1e999, -1e999, 1e-999]" },
        { kind: "text", text: '{"input":{"name":1e999}}' },
        { kind: "text", text: "NaN" },
        { kind: "text", text: "{'a':1}" },
        { kind: "text", text: '"\\ud800"' },
      ),
    },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...INVALID_UTF8), valid).map(([bad, v]): BodySpec => ({ kind: "bytes", bytes: [...new TextEncoder().encode(text(v).slice(0, 20)), ...bad, 0x7d] })) },
    { weight: 1, arbitrary: fc.constant<BodySpec>({ kind: "none" }) },
  );
}

/** Fuzzed requests for `route`. */
export function requestArb(route: RouteSpec, f: Fixtures): fc.Arbitrary<FuzzRequest> {
  const names = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]);
  const paramArbs: Record<string, fc.Arbitrary<ParamChoice>> = {};
  for (const name of names) {
    const madeUp = madeUpSegment.map((segment): ParamChoice => ({ kind: "made-up", segment }));
    paramArbs[name] =
      realParam(route, name, f) === undefined ? madeUp : fc.oneof({ weight: 3, arbitrary: fc.constant<ParamChoice>({ kind: "real" }) }, { weight: 2, arbitrary: madeUp });
  }
  const isHookDelivery = route.method === "POST" && (route.path === "/hooks/:hookId" || route.path === "/endpoints/:slug");
  return fc.record({
    params: fc.record(paramArbs),
    query: fc.oneof({ weight: 2, arbitrary: fc.constant("") }, { weight: 3, arbitrary: queryArb }),
    body: bodyArb(route, f),
    contentType: fc.oneof({ weight: 12, arbitrary: fc.constant<string | null>("application/json") }, { weight: 1, arbitrary: fc.constant(null) }, { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) }),
    auth: fc.oneof(
      { weight: 20, arbitrary: fc.constant({ kind: "admin" as const }) },
      { weight: 1, arbitrary: fc.constant({ kind: "read-key" as const }) },
      { weight: 1, arbitrary: fc.constant({ kind: "none" as const }) },
      { weight: 1, arbitrary: fc.oneof(printable(64), fc.constant(`Bearer ${"x".repeat(10_240)}`), fc.constant("Bearer "), fc.constant("Basic YTpi")).map((value) => ({ kind: "header" as const, value })) },
    ),
    ifMatch: fc.oneof(
      { weight: 2, arbitrary: fc.constant<HeaderChoice>({ kind: "absent" }) },
      { weight: 5, arbitrary: fc.constant<HeaderChoice>({ kind: "current" }) },
      { weight: 2, arbitrary: fc.oneof(fc.constantFrom("*", ...IF_MATCH_GARBAGE), printable(40)).map((value): HeaderChoice => ({ kind: "value", value })) },
    ),
    idempotencyKey: fc.oneof({ weight: 4, arbitrary: fc.constant<string | null>(null) }, { weight: 1, arbitrary: printable(300) }, { weight: 1, arbitrary: fc.constantFrom("", "k".repeat(10_240), "same-key") }),
    signature: isHookDelivery
      ? fc.oneof(
          { weight: 4, arbitrary: fc.constant<HeaderChoice>({ kind: "current" }) },
          { weight: 1, arbitrary: fc.constant<HeaderChoice>({ kind: "absent" }) },
          { weight: 2, arbitrary: fc.oneof(fc.constantFrom(...SIGNATURE_GARBAGE), printable(80)).map((value): HeaderChoice => ({ kind: "value", value })) },
        )
      : fc.constant<HeaderChoice>({ kind: "absent" }),
    delivery: fc.oneof({ weight: 3, arbitrary: fc.constant<string | null>(null) }, { weight: 1, arbitrary: printable(300) }),
    upgrade: route.path.endsWith("/ws")
      ? fc.oneof({ weight: 3, arbitrary: fc.constant<string | null>("websocket") }, { weight: 1, arbitrary: fc.constantFrom<string | null>(null, "WebSocket", "h2c", "websocket, h2c", "") })
      : fc.constant(null),
  });
}

/** What the request depends on at the moment it is sent. */
export interface SendContext {
  fixtures: Fixtures;
  readKey: string;
  /** The latest version of the graph the route edits, for If-Match: current. */
  currentVersion: () => Promise<number | undefined>;
}

export function bodyBytes(body: BodySpec): Uint8Array | undefined {
  switch (body.kind) {
    case "none":
      return undefined;
    case "json":
      return new TextEncoder().encode(jsonText(body.value));
    case "text":
      return new TextEncoder().encode(body.text);
    case "bytes":
      return new Uint8Array(body.bytes);
  }
}

/** The path of `route` with its parameters filled in as `req` says. */
export function concretePath(route: RouteSpec, req: FuzzRequest, f: Fixtures): string {
  return route.path.replace(/:(\w+)/g, (_, name: string) => {
    const choice = req.params[name];
    const real = realParam(route, name, f);
    return choice?.kind === "real" && real !== undefined ? encodeSegment(real) : choice?.kind === "made-up" ? choice.segment : "missing";
  });
}

/** Builds the Request for `req` now. */
export async function toRequest(route: RouteSpec, req: FuzzRequest, ctx: SendContext): Promise<Request> {
  const headers = new Headers();
  const bytes = bodyBytes(req.body);
  if (req.auth.kind === "admin") headers.set("Authorization", `Bearer ${ADMIN_TOKEN}`);
  else if (req.auth.kind === "read-key") headers.set("Authorization", `Bearer ${ctx.readKey}`);
  else if (req.auth.kind === "header") headers.set("Authorization", req.auth.value);
  if (bytes !== undefined && req.contentType !== null) headers.set("Content-Type", req.contentType);
  if (req.ifMatch.kind === "value") headers.set("If-Match", req.ifMatch.value);
  else if (req.ifMatch.kind === "current") {
    const v = await ctx.currentVersion();
    if (v !== undefined) headers.set("If-Match", `"${v}"`);
  }
  if (req.idempotencyKey !== null) headers.set("Idempotency-Key", req.idempotencyKey);
  if (req.delivery !== null) headers.set("Weft-Delivery", req.delivery);
  if (req.upgrade !== null) headers.set("Upgrade", req.upgrade);
  if (req.signature.kind === "value") headers.set("Weft-Signature", req.signature.value);
  else if (req.signature.kind === "current" && ctx.fixtures.hook) {
    headers.set("Weft-Signature", await signatureHeader(ctx.fixtures.hook.secret, Math.floor(Date.now() / 1000), bytes ?? new Uint8Array()));
  }
  const url = BASE + concretePath(route, req, ctx.fixtures) + req.query;
  return new Request(url, { method: route.method, headers, ...(bytes !== undefined ? { body: bytes } : {}) });
}

/** A failing request, readable: the values that matter, long ones cut. */
export function describeRequest(route: RouteSpec, req: FuzzRequest, f: Fixtures): string {
  const bytes = bodyBytes(req.body);
  const preview = bytes === undefined ? "(none)" : `${bytes.length} bytes: ${new TextDecoder().decode(bytes.slice(0, 300))}${bytes.length > 300 ? "…" : ""}`;
  const cut = (s: string) => (s.length > 200 ? `${s.slice(0, 200)}… (${s.length} chars)` : s);
  return [
    `${route.method} ${cut(concretePath(route, req, f) + req.query)}`,
    `auth: ${req.auth.kind === "header" ? cut(req.auth.value) : req.auth.kind}; content-type: ${req.contentType}; if-match: ${JSON.stringify(req.ifMatch)}`,
    `idempotency-key: ${req.idempotencyKey === null ? "none" : cut(req.idempotencyKey)}; signature: ${JSON.stringify(req.signature).slice(0, 200)}; delivery: ${req.delivery === null ? "none" : cut(req.delivery)}; upgrade: ${req.upgrade}`,
    `body ${req.body.kind}, ${preview}`,
  ].join("\n");
}

