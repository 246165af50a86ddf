import fc from "fast-check";
import type { Graph } from "../../../src/core/graph/schema";

/*
 * Generators of hostile input for the fuzzers (this folder runs in Node; test/fuzz/api.fuzz.test.ts
 * reuses them inside workerd, so nothing here may import a platform module).
 *
 * The inputs are what a careless or malicious client can send as JSON: valid graphs bent by a few
 * mutations (a field of the wrong type, a missing field, a string far over its limit, a value
 * nested 10,000 deep, ids made of emoji or lone surrogates, keys that mean something to
 * JavaScript objects) and arbitrary JSON that was never a graph.
 */

/** Keys that mean something to JavaScript objects: code that reads them with `obj[key]` or `in` sees the prototype. */
export const PROTOTYPE_KEYS = ["__proto__", "constructor", "prototype", "toString", "valueOf", "hasOwnProperty", "isPrototypeOf", "__defineGetter__"];

/** How deep the "deep nesting" values go: far beyond any real graph, well within what JSON.parse accepts. */
export const DEEP = 10_000;

/** Strings that have broken parsers, validators and stores before. */
export const WEIRD_STRINGS: readonly string[] = [
  "",
  " ",
  "\t\n",
  "a b",
  "a/b",
  "a[0]",
  "[error]",
  "*",
  "~0~1",
  "~",
  "~2",
  "%00",
  "\u0000",
  "\u001f",
  "\u202e", // right-to-left override
  "\uFEFF",
  "e\u0301", // combining accent
  "😀",
  "👩‍👩‍👧‍👦",
  "\uD800", // lone high surrogate
  "\uDFFF", // lone low surrogate
  "a\uD83Db",
  "{{",
  "}}",
  "{{x}}",
  "{{ a.b[0] }}",
  '{{a["\\x"]}}',
  '{{a["\u0001"]}}',
  "{{__proto__}}",
  "{{constructor.prototype}}",
  "{{a..b}}",
  "/body/__proto__",
  "null",
  "undefined",
  "NaN",
  "-0",
  "1e309",
  "0x10",
  "default",
  "PROPERTY_ARRAY",
  ...PROTOTYPE_KEYS,
  "x".repeat(128),
  "x".repeat(129),
  "x".repeat(257),
  "x".repeat(1025),
  "x".repeat(10_001),
];

/** Numbers at the edges: JSON cannot carry NaN or Infinity, but validateGraph may be called on any value. */
export const WEIRD_NUMBERS: readonly number[] = [
  NaN,
  Infinity,
  -Infinity,
  -0,
  0,
  -1,
  0.5,
  1e308,
  -1e308,
  5e-324,
  Number.MAX_SAFE_INTEGER + 2,
  2 ** 31,
  -(2 ** 31) - 1,
  86_400_001,
];

/** A string: a known troublemaker, random unicode (lone surrogates included), or a long one. */
export const weirdString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...WEIRD_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 24 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("x", "é", "😀", "{{a}}", "\uD800"), fc.integer({ min: 100, max: 70_000 })).map(([s, n]) => s.repeat(n)) },
);

/** A value nested `depth` levels deep, built without recursion (so building it cannot overflow either). */
export function deepValue(depth: number, shape: "array" | "object" | "predicate", leaf: unknown = 1): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) {
    if (shape === "array") v = [v];
    else if (shape === "object") v = { a: v };
    // Condition's predicates are a recursive schema: { not: { not: … } } makes its checker recurse.
    else v = i % 2 === 0 ? { not: v } : { all: [v] };
  }
  // fast-check prints counterexamples recursively: give it a short name instead (a symbol: invisible to JSON and Object.keys).
  if (typeof v === "object" && v !== null) Object.defineProperty(v, fc.toStringMethod, { value: () => `<${shape} nested ${depth} deep>` });
  return v;
}

/** An object with `key` as an own property, even when the key is `__proto__` (as JSON.parse makes it). */
export function withOwnKey(target: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return target;
}

/** An object key: ordinary, weird, or one of the prototype keys. */
export const weirdKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...PROTOTYPE_KEYS) },
  { weight: 2, arbitrary: weirdString.filter((s) => s.length <= 2000) },
  { weight: 1, arbitrary: fc.constantFrom("id", "type", "defaults", "config", "subgraph", "merge", "tasks", "dataflows", "name", "retry", "template", "rules", "value") },
);

/** Any value a mutation may put somewhere: wrong types, edge numbers, huge or deep values, objects with prototype keys. */
export function weirdValue(options: { json: boolean; deep?: boolean }): fc.Arbitrary<unknown> {
  const values: fc.WeightedArbitrary<unknown>[] = [
    { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 3, arbitrary: weirdString },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(null, true, false, [], {}, 0, 1, -1, 1.5, 1e21, -0, Number.MAX_SAFE_INTEGER + 2) },
    { weight: 1, arbitrary: fc.tuple(weirdKey, fc.jsonValue({ maxDepth: 2 })).map(([k, v]) => withOwnKey({}, k, v)) },
  ];
  if (options.deep !== false) {
    values.push({ weight: 1, arbitrary: fc.constantFrom("array", "object", "predicate").map((shape) => deepValue(DEEP, shape as "array" | "object" | "predicate")) });
  }
  // Not JSON: only validateGraph (called in-process) can receive these.
  if (!options.json) values.push({ weight: 1, arbitrary: fc.constantFrom<unknown>(...WEIRD_NUMBERS, undefined) });
  return fc.oneof(...values);
}

/**
 * Valid graphs that between them use most built-in types, their config keys, the `*` and
 * `[error]` ports and nested GraphAsTasks: the starting points of the mutations (a test checks
 * each is valid, so a mutation is the only reason one stops being).
 */
export const SEED_GRAPHS: readonly Graph[] = [
  {
    name: "greet",
    description: "Greets, then shouts",
    tasks: [
      { id: "greeting", type: "Template", name: "Compose", defaults: { template: "Hello, {{name}}!" } },
      { id: "shout", type: "Uppercase" },
    ],
    dataflows: [{ sourceTaskId: "greeting", sourceTaskPortId: "text", targetTaskId: "shout", targetTaskPortId: "text" }],
  },
  {
    name: "arithmetic",
    merge: "GRAPH_RESULT_ARRAY",
    tasks: [
      { id: "a", type: "Add", defaults: { a: 1, b: 2, values: [3, 4] }, config: { retry: { maxAttempts: 3, backoff: "exponential", initialDelayMs: 10, maxDelayMs: 100 }, timeoutMs: 1000, cacheable: true } },
      { id: "m", type: "Multiply", defaults: { b: 2 } },
      { id: "r", type: "Round" },
      { id: "len", type: "Length", defaults: { value: "abc" } },
      { id: "join", type: "Concat", defaults: { values: ["a", 1, true, null], separator: "-" } },
    ],
    dataflows: [
      { sourceTaskId: "a", sourceTaskPortId: "sum", targetTaskId: "m", targetTaskPortId: "a" },
      { sourceTaskId: "m", sourceTaskPortId: "product", targetTaskId: "r", targetTaskPortId: "value" },
    ],
  },
  {
    name: "branching",
    tasks: [
      {
        id: "check",
        type: "Condition",
        config: { rules: [{ port: "high", when: { op: "gt", path: "score", value: 5 } }, { port: "low", when: { not: { op: "gt", path: "score", value: 5 } } }], mode: "first" },
      },
      { id: "pick", type: "Pick", defaults: { path: "/score", default: 0 } },
      { id: "shape", type: "Transform", config: { mapping: { score: "score", fixed: { const: 1 }, line: { template: "{{score}}!" }, maybe: { path: "x.y", default: null } } } },
      { id: "merge", type: "Merge", config: { deep: true, arrays: "concat", ports: ["left", "right"] } },
      { id: "log", type: "Log", defaults: { message: "got {{value}}" } },
      { id: "guard", type: "Assert", defaults: { condition: true, message: "never" } },
      { id: "id", type: "Identity" },
    ],
    dataflows: [
      { sourceTaskId: "check", sourceTaskPortId: "high", targetTaskId: "pick", targetTaskPortId: "value" },
      { sourceTaskId: "check", sourceTaskPortId: "low", targetTaskId: "shape", targetTaskPortId: "value" },
      { sourceTaskId: "pick", sourceTaskPortId: "*", targetTaskId: "merge", targetTaskPortId: "left" },
      { sourceTaskId: "shape", sourceTaskPortId: "*", targetTaskId: "merge", targetTaskPortId: "right" },
      { sourceTaskId: "merge", sourceTaskPortId: "value", targetTaskId: "log", targetTaskPortId: "value" },
      { sourceTaskId: "log", sourceTaskPortId: "[error]", targetTaskId: "guard", targetTaskPortId: "value" },
      { sourceTaskId: "check", sourceTaskPortId: "default", targetTaskId: "id", targetTaskPortId: "value" },
    ],
  },
  {
    name: "durable and network",
    tasks: [
      { id: "fetch", type: "Fetch", defaults: { url: "https://example.com/api", method: "POST", headers: { "x-a": "1" }, body: { q: [1, 2] }, responseType: "json" } },
      { id: "wait", type: "WaitForSignal", defaults: { signal: "approve", timeoutMs: 60_000 } },
      { id: "pause", type: "Delay", defaults: { ms: 5 } },
      { id: "split", type: "Split", defaults: { text: "a,b", separator: "," } },
      { id: "swap", type: "Replace", defaults: { text: "aaa", pattern: "a", replacement: "b" } },
      { id: "date", type: "FormatDate", defaults: { date: "2026-01-01T00:00:00Z" } },
      { id: "recover", type: "Identity" },
    ],
    dataflows: [
      { sourceTaskId: "fetch", sourceTaskPortId: "body", targetTaskId: "wait", targetTaskPortId: "signal" },
      { sourceTaskId: "wait", sourceTaskPortId: "payload", targetTaskId: "pause", targetTaskPortId: "value" },
      { sourceTaskId: "fetch", sourceTaskPortId: "[error]", targetTaskId: "recover", targetTaskPortId: "value" },
    ],
  },
  {
    name: "nested",
    tasks: [
      { id: "before", type: "Template", defaults: { template: "{{who}}" } },
      {
        id: "outer",
        type: "GraphAsTask",
        merge: "PROPERTY_ARRAY",
        subgraph: {
          tasks: [
            { id: "up", type: "Uppercase" },
            {
              id: "inner",
              type: "GraphAsTask",
              merge: "GRAPH_RESULT_ARRAY",
              subgraph: { tasks: [{ id: "low", type: "Lowercase" }, { id: "len", type: "Length" }], dataflows: [{ sourceTaskId: "low", sourceTaskPortId: "text", targetTaskId: "len", targetTaskPortId: "value" }] },
            },
          ],
          dataflows: [{ sourceTaskId: "up", sourceTaskPortId: "text", targetTaskId: "inner", targetTaskPortId: "text" }],
        },
      },
      { id: "after", type: "Identity" },
    ],
    dataflows: [
      { sourceTaskId: "before", sourceTaskPortId: "text", targetTaskId: "outer", targetTaskPortId: "text" },
      { sourceTaskId: "outer", sourceTaskPortId: "*", targetTaskId: "after", targetTaskPortId: "value" },
    ],
  },
];

/** A random DAG of Identity tasks (any port into any port), acyclic by construction: edges go from lower to higher index. */
export const randomDagArb: fc.Arbitrary<Graph> = fc
  .record({ n: fc.integer({ min: 1, max: 30 }), edges: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 60 }) })
  .map(({ n, edges }) => {
    const tasks = Array.from({ length: n }, (_, i) => ({ id: `t${i}`, type: "Identity" }));
    const seen = new Set<string>();
    const dataflows = [];
    for (const [a, b] of edges) {
      if (n < 2) break;
      const s = a % (n - 1);
      const t = s + 1 + (b % (n - 1 - s));
      if (seen.has(`${s}>${t}`)) continue;
      seen.add(`${s}>${t}`);
      dataflows.push({ sourceTaskId: `t${s}`, sourceTaskPortId: "value", targetTaskId: `t${t}`, targetTaskPortId: "value" });
    }
    return { name: "random dag", tasks, dataflows };
  });

/** Ids and labels of any Unicode (emoji, combining marks, control characters, lone surrogates), within the id rules otherwise. */
const exoticText = (maxLength: number) =>
  fc.oneof(fc.string({ unit: "binary", minLength: 1, maxLength }), fc.string({ unit: "grapheme", minLength: 1, maxLength }), fc.constantFrom("😀", "👩‍👩‍👧‍👦", "e\u0301", "\u0000", "\u202e", "\uD800", "\uDFFF", "~0~1"));
const exoticId = exoticText(20).filter((s) => /^[^/[\]\s]+$/.test(s));

/**
 * Graphs whose names, ids, labels and port names are exotic Unicode: valid unless a string holds
 * a lone surrogate. What is stored must read back exactly as sent (a store that re-encodes text
 * would change them). A chain of Identity tasks, each feeding the next on a port of exotic name.
 */
export const exoticGraphArb: fc.Arbitrary<Graph> = fc
  .record({
    name: exoticText(40),
    description: exoticText(40),
    ids: fc.uniqueArray(exoticId, { minLength: 1, maxLength: 6 }),
    labels: fc.array(exoticText(20), { maxLength: 6 }),
    ports: fc.array(exoticText(20), { maxLength: 6 }),
  })
  .map(({ name, description, ids, labels, ports }) => ({
    name,
    description,
    tasks: ids.map((id, i) => ({ id, type: "Identity", ...(labels[i] !== undefined ? { name: labels[i] } : {}), defaults: { value: labels[i] ?? id } })),
    dataflows: ids.slice(1).map((id, i) => ({ sourceTaskId: ids[i], sourceTaskPortId: "value", targetTaskId: id, targetTaskPortId: ports[i] ?? "value" })),
  }));

/** A valid starting graph: one of the seeds or a random DAG. */
export const validGraphArb: fc.Arbitrary<Graph> = fc.oneof(fc.constantFrom(...SEED_GRAPHS), randomDagArb);

// ---------------------------------------------------------------------------------------------
// Mutations

export type MutationOp = "replace" | "delete" | "addKey" | "duplicate" | "retarget" | "reverse" | "renameTask";

export interface Mutation {
  op: MutationOp;
  /** Picks the location (modulo the number of candidates). */
  at: number;
  /** A second pick (another task, another element). */
  pick: number;
  key: string;
  value: unknown;
}

export function mutationArb(options: { json: boolean }): fc.Arbitrary<Mutation> {
  return fc.record({
    op: fc.constantFrom<MutationOp>("replace", "replace", "delete", "addKey", "duplicate", "retarget", "reverse", "renameTask"),
    at: fc.nat(),
    pick: fc.nat(),
    key: weirdKey,
    value: weirdValue(options),
  });
}

type Container = Record<string, unknown> | unknown[];

interface Location {
  parent: Container;
  key: string | number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isContainer = (v: unknown): v is Container => typeof v === "object" && v !== null;

/** Every (parent, key) in the tree down to `maxDepth`, breadth first and capped: never walks a 10,000-deep value. */
function locations(root: unknown, maxDepth = 8, cap = 4000): Location[] {
  const out: Location[] = [];
  let level: { node: unknown; depth: number }[] = [{ node: root, depth: 0 }];
  while (level.length > 0 && out.length < cap) {
    const next: typeof level = [];
    for (const { node, depth } of level) {
      if (!isContainer(node) || depth >= maxDepth) continue;
      const keys: (string | number)[] = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
      for (const key of keys) {
        out.push({ parent: node, key });
        next.push({ node: (node as Record<string | number, unknown>)[key], depth: depth + 1 });
      }
    }
    level = next;
  }
  return out;
}

/** Every graph body (the graph and its subgraphs) with well-formed task and dataflow arrays. */
function bodies(root: unknown): { tasks: unknown[]; dataflows: unknown[] }[] {
  const out: { tasks: unknown[]; dataflows: unknown[] }[] = [];
  const pending = [root];
  while (pending.length > 0 && out.length < 64) {
    const b = pending.pop();
    if (!isObject(b) || !Array.isArray(b.tasks) || !Array.isArray(b.dataflows)) continue;
    out.push(b as { tasks: unknown[]; dataflows: unknown[] });
    for (const t of b.tasks) if (isObject(t) && isObject(t.subgraph)) pending.push(t.subgraph);
  }
  return out;
}

/**
 * A deep copy, without recursion (values may be 10,000 deep) and keeping `__proto__` keys as own
 * keys. Mutations insert copies, so a generated value is never changed by a later mutation
 * (fast-check replays values while shrinking).
 */
export function cloneValue(value: unknown): unknown {
  if (!isContainer(value)) return value;
  const copy = (v: Container): Container => (Array.isArray(v) ? new Array(v.length) : {});
  const root = copy(value);
  const stack: [Container, Container][] = [[value, root]];
  while (stack.length > 0) {
    const [from, to] = stack.pop() as [Container, Container];
    const keys: (string | number)[] = Array.isArray(from) ? from.map((_, i) => i) : Object.keys(from);
    for (const k of keys) {
      const v = (from as Record<string | number, unknown>)[k];
      const c = isContainer(v) ? copy(v) : v;
      if (Array.isArray(to)) to[k as number] = c;
      else withOwnKey(to, String(k), c);
      if (isContainer(v)) stack.push([v, c as Container]);
    }
  }
  return root;
}

function setAt(loc: Location, value: unknown): void {
  value = cloneValue(value);
  if (Array.isArray(loc.parent)) loc.parent[loc.key as number] = value;
  else withOwnKey(loc.parent, String(loc.key), value);
}

/** Applies one mutation in place. Pure in its inputs: the same graph and mutation give the same result. */
export function applyMutation<T>(root: T, m: Mutation): T {
  const locs = locations(root);
  switch (m.op) {
    case "replace": {
      if (locs.length > 0) setAt(locs[m.at % locs.length], m.value);
      return root;
    }
    case "delete": {
      if (locs.length === 0) return root;
      const loc = locs[m.at % locs.length];
      if (Array.isArray(loc.parent)) loc.parent.splice(loc.key as number, 1);
      else delete loc.parent[loc.key as string];
      return root;
    }
    case "addKey": {
      const objects = [root, ...locs.map((l) => (l.parent as Record<string | number, unknown>)[l.key])].filter(isObject);
      if (objects.length > 0) withOwnKey(objects[m.at % objects.length], m.key, cloneValue(m.value));
      return root;
    }
    case "duplicate": {
      // Duplicate task ids and duplicate dataflows come from here.
      const arrays = locs.map((l) => (l.parent as Record<string | number, unknown>)[l.key]).filter((v): v is unknown[] => Array.isArray(v) && v.length > 0);
      if (arrays.length === 0) return root;
      const arr = arrays[m.at % arrays.length];
      arr.push(cloneValue(arr[m.pick % arr.length]));
      return root;
    }
    case "retarget":
    case "reverse":
    case "renameTask": {
      const bs = bodies(root);
      if (bs.length === 0) return root;
      const b = bs[m.at % bs.length];
      const ids = b.tasks.filter(isObject).map((t) => t.id);
      if (m.op === "renameTask") {
        const tasks = b.tasks.filter(isObject);
        if (tasks.length === 0) return root;
        // Another task's id (a duplicate) or a weird one.
        const id = m.pick % 2 === 0 && ids.length > 0 ? ids[m.pick % ids.length] : m.key;
        tasks[m.at % tasks.length].id = id;
        return root;
      }
      const flows = b.dataflows.filter(isObject);
      if (flows.length === 0) return root;
      const d = flows[m.pick % flows.length];
      if (m.op === "reverse") {
        // Closes a cycle (and usually points at ports the other end lacks).
        [d.sourceTaskId, d.targetTaskId] = [d.targetTaskId, d.sourceTaskId];
      } else if (ids.length > 0) {
        const field = m.at % 2 === 0 ? "sourceTaskId" : "targetTaskId";
        d[field] = ids[(m.at >> 1) % ids.length];
      }
      return root;
    }
  }
}

/** A deep copy of a (shallow, seed-sized) graph so mutations never touch the shared seeds. */
export function cloneGraph(g: Graph): Record<string, unknown> {
  return JSON.parse(JSON.stringify(g)) as Record<string, unknown>;
}

/** A valid graph bent by 1 to `max` mutations. */
export function mutatedGraphArb(options: { json: boolean; max?: number }): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(validGraphArb, fc.array(mutationArb(options), { minLength: 1, maxLength: options.max ?? 5 }))
    .map(([g, ms]) => ms.reduce(applyMutation, cloneGraph(g)));
}

/** Short description of a value for failure messages (a 10,000-deep value must not be printed whole). */
export function describeInput(v: unknown, max = 2000): string {
  const s = v === undefined ? "undefined" : jsonText(v);
  return s.length > max ? `${s.slice(0, max)}… (${s.length} chars)` : s;
}

/**
 * JSON.stringify without recursion: V8's own overflows the stack near 5,000 levels (in Node),
 * and the fuzzers build values 10,000 deep. Same output as JSON.stringify for JSON values
 * (non-finite numbers → null, undefined members skipped, undefined items → null).
 */
export function jsonText(value: unknown): string {
  const parts: string[] = [];
  // Work items: a value to write, or a literal piece of punctuation.
  const stack: ({ v: unknown } | { lit: string })[] = [{ v: value }];
  while (stack.length > 0) {
    const item = stack.pop() as { v: unknown } | { lit: string };
    if ("lit" in item) {
      parts.push(item.lit);
      continue;
    }
    const v = item.v;
    if (v === null || typeof v !== "object") {
      parts.push(typeof v === "number" ? (Number.isFinite(v) ? JSON.stringify(v) : "null") : (JSON.stringify(v) ?? "null"));
      continue;
    }
    const pending: ({ v: unknown } | { lit: string })[] = [];
    if (Array.isArray(v)) {
      pending.push({ lit: "[" });
      v.forEach((x, i) => {
        if (i > 0) pending.push({ lit: "," });
        pending.push({ v: x === undefined || typeof x === "function" ? null : x });
      });
      pending.push({ lit: "]" });
    } else {
      pending.push({ lit: "{" });
      let first = true;
      for (const k of Object.keys(v)) {
        const x = (v as Record<string, unknown>)[k];
        if (x === undefined || typeof x === "function") continue;
        pending.push({ lit: `${first ? "" : ","}${JSON.stringify(k)}:` }, { v: x });
        first = false;
      }
      pending.push({ lit: "}" });
    }
    for (let i = pending.length - 1; i >= 0; i--) stack.push(pending[i]);
  }
  return parts.join("");
}
