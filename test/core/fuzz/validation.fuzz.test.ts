import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parsePointer } from "../../../src/core/graph/pointer";
import type { Graph } from "../../../src/core/graph/schema";
import { type ValidationResult, validateGraph } from "../../../src/core/graph/validate";
import { createRegistry } from "../../../src/tasks/index";
import {
  DEEP,
  PROTOTYPE_KEYS,
  SEED_GRAPHS,
  cloneGraph,
  deepValue,
  describeInput,
  exoticGraphArb,
  jsonText,
  mutatedGraphArb,
  validGraphArb,
  weirdKey,
  weirdString,
  weirdValue,
  withOwnKey,
} from "./arbitraries";
import { fuzzParams, runsOf } from "./fuzz-params";

/*
 * Property-based fuzzing of validateGraph (SPEC §2, §8): whatever it is given, it answers — never
 * throws, never overflows the stack — and what it answers is usable: an invalid graph has at
 * least one error, every error's path is a JSON Pointer into the input, and a graph it accepts
 * really has unique ids, no dangling reference and no cycle, and is accepted again after a JSON
 * round trip. Seed and run counts: fuzz-params.ts.
 */

const registry = createRegistry();
const params = fuzzParams(process.env);
/** A property's time budget: generous (a loaded CI machine), and scaled with FUZZ_RUNS. */
const PROPERTY_TIMEOUT_MS = 60_000 * Math.max(1, params.scale);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** validateGraph, with a thrown error turned into a failure that shows the input. */
function validate(input: unknown): ValidationResult {
  try {
    return validateGraph(input, registry);
  } catch (err) {
    throw new Error(`validateGraph threw ${(err as Error)?.name}: ${(err as Error)?.message}\ninput: ${describeInput(input)}`);
  }
}

/**
 * Why `path` does not point into `input`, or undefined when it does. A pointer may name a missing
 * member (a required field that is absent) when its parent object exists; every other step must
 * exist: an array index in range, an own property (never one inherited from Object.prototype).
 */
export function pointerProblem(input: unknown, path: string): string | undefined {
  if (path !== "" && !path.startsWith("/")) return "does not start with /";
  if (/~(?![01])/.test(path)) return "has a ~ not followed by 0 or 1";
  const tokens = parsePointer(path);
  let node = input;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    const last = i === tokens.length - 1;
    if (Array.isArray(node)) {
      if (!/^(0|[1-9]\d*)$/.test(token) || Number(token) >= node.length) return `index ${JSON.stringify(token)} is not in an array of ${node.length} (step ${i})`;
      node = node[Number(token)];
    } else if (isObject(node)) {
      if (!hasOwn(node, token)) return last ? undefined : `no member ${JSON.stringify(token.slice(0, 64))} (step ${i})`;
      node = node[token];
    } else {
      return `steps into a ${node === null ? "null" : typeof node} (step ${i})`;
    }
  }
  return undefined;
}

/** The invariants of an accepted graph body, recursively through subgraphs (without trusting the validator's own helpers). */
function acceptedBodyProblems(body: Record<string, unknown>, where: string): string[] {
  const problems: string[] = [];
  const tasks = body.tasks as Record<string, unknown>[];
  const dataflows = body.dataflows as Record<string, unknown>[];
  const index = new Map<string, number>();
  tasks.forEach((t, i) => {
    if (typeof t.id !== "string" || t.id.length === 0) problems.push(`${where}/tasks/${i}: id ${describeInput(t.id)}`);
    else if (index.has(t.id)) problems.push(`${where}/tasks/${i}: duplicate id ${t.id}`);
    else index.set(t.id, i);
  });
  // Kahn's algorithm: every task is removed exactly when the graph has no cycle.
  const indegree = new Array<number>(tasks.length).fill(0);
  const out: number[][] = tasks.map(() => []);
  const seen = new Set<string>();
  dataflows.forEach((d, j) => {
    const s = index.get(d.sourceTaskId as string);
    const t = index.get(d.targetTaskId as string);
    if (s === undefined || t === undefined) {
      problems.push(`${where}/dataflows/${j}: dangling`);
      return;
    }
    const key = JSON.stringify([d.sourceTaskId, d.sourceTaskPortId, d.targetTaskId, d.targetTaskPortId]);
    if (seen.has(key)) problems.push(`${where}/dataflows/${j}: duplicate`);
    seen.add(key);
    out[s].push(t);
    indegree[t]++;
  });
  const ready = indegree.flatMap((d, i) => (d === 0 ? [i] : []));
  let removed = 0;
  while (ready.length > 0) {
    const n = ready.pop() as number;
    removed++;
    for (const m of out[n]) if (--indegree[m] === 0) ready.push(m);
  }
  if (removed !== tasks.length) problems.push(`${where}: has a cycle`);
  tasks.forEach((t, i) => {
    if (isObject(t.subgraph)) problems.push(...acceptedBodyProblems(t.subgraph, `${where}/tasks/${i}/subgraph`));
  });
  return problems;
}

/**
 * Every way one answer breaks its contract (empty when it holds); `json` says the input is JSON,
 * so a round trip must not change the verdict. Collected rather than asserted one by one: the
 * failure message prints the input once, and only when something is wrong.
 */
function answerProblems(input: unknown, result: ValidationResult, json: boolean): string[] {
  const problems: string[] = [];
  if (typeof result.valid !== "boolean" || !Array.isArray(result.errors)) return [`malformed result ${describeInput(result)}`];
  if (result.valid !== (result.errors.length === 0)) problems.push(`valid is ${result.valid} with ${result.errors.length} errors`);
  for (const e of result.errors) {
    if (typeof e.path !== "string" || typeof e.message !== "string" || e.message.length === 0) {
      problems.push(`malformed error ${describeInput(e)}`);
      continue;
    }
    const problem = pointerProblem(input, e.path);
    if (problem) problems.push(`path ${JSON.stringify(e.path.slice(0, 200))} (${e.message.slice(0, 200)}): ${problem}`);
  }
  if (!result.valid) return problems;
  if (result.graph !== input) problems.push("the accepted graph is not the input");
  problems.push(...acceptedBodyProblems(input as Record<string, unknown>, ""));
  if (json) {
    // Stored graphs are JSON: what was accepted must be accepted again, unchanged, after a round trip.
    const text = jsonText(input);
    const again = validate(JSON.parse(text));
    if (!again.valid) problems.push(`rejected after a JSON round trip: ${describeInput(again.errors)}`);
    else if (jsonText(again.graph) !== text) problems.push("changed by a JSON round trip");
  }
  return problems;
}

/** Validates twice: the answer holds its contract and does not depend on anything but the input. */
function fuzzOne(input: unknown, json: boolean): ValidationResult {
  const result = validate(input);
  const problems = answerProblems(input, result, json);
  // Compared as JSON text: toEqual would recurse through a 10,000-deep input.
  if (jsonText(validate(input).errors) !== jsonText(result.errors)) problems.push("a second validation answered differently");
  if (problems.length > 0) expect.fail(`${problems.join("\n")}\ninput: ${describeInput(input)}\nerrors: ${describeInput(result.errors)}`);
  return result;
}

describe("validateGraph fuzzing: the starting points", () => {
  it.each(SEED_GRAPHS.map((g) => [g.name, g] as const))("seed graph %s is valid", (_, graph) => {
    expect(validate(cloneGraph(graph)).errors).toEqual([]);
  });

  it("seeds and random DAGs are valid, and keep the whole contract", () => {
    fc.assert(
      fc.property(validGraphArb, (g) => {
        expect(fuzzOne(cloneGraph(g), true).errors).toEqual([]);
      }),
      runsOf(params, 100),
    );
  }, PROPERTY_TIMEOUT_MS);
});

describe("validateGraph fuzzing: properties", () => {
  it("answers any JavaScript value (objects with prototype keys, NaN, undefined, deep nesting) without throwing", () => {
    const anyValue = fc.oneof(
      fc.anything({ maxDepth: 3, withNullPrototype: true, withBoxedValues: true, key: weirdKey }),
      weirdValue({ json: false }),
      fc.record({ name: weirdValue({ json: false }), tasks: weirdValue({ json: false }), dataflows: weirdValue({ json: false }) }, { requiredKeys: [] }),
    );
    fc.assert(
      fc.property(anyValue, (input) => {
        fuzzOne(input, false);
      }),
      runsOf(params, 300),
    );
  }, PROPERTY_TIMEOUT_MS);

  it("answers graph-shaped JSON of random tasks and dataflows", () => {
    // Deep values have their own cases below; here they would only slow the many small graphs down.
    const field = weirdValue({ json: true, deep: false });
    const idish = fc.oneof(fc.constantFrom("a", "b", "c"), weirdString);
    const task = fc.record(
      { id: idish, type: fc.oneof(fc.constantFrom(...registry.types()), weirdString), defaults: field, config: field, subgraph: field, merge: field, name: field },
      { requiredKeys: ["id", "type"] },
    );
    const dataflow = fc.record(
      { sourceTaskId: idish, sourceTaskPortId: fc.oneof(fc.constantFrom("*", "[error]", "value", "text"), weirdString), targetTaskId: idish, targetTaskPortId: fc.oneof(fc.constantFrom("*", "value", "text"), weirdString) },
      { requiredKeys: [] },
    );
    const graph = fc.record({ name: fc.oneof(fc.constant("g"), weirdString), tasks: fc.array(task, { maxLength: 8 }), dataflows: fc.array(dataflow, { maxLength: 12 }), merge: field }, { requiredKeys: ["name", "tasks", "dataflows"] });
    fc.assert(
      fc.property(graph, (input) => {
        // Through JSON text, as the API receives it (a lone surrogate survives JSON.stringify as an escape).
        fuzzOne(JSON.parse(jsonText(input)), true);
      }),
      runsOf(params, 300),
    );
  }, PROPERTY_TIMEOUT_MS);

  it("answers valid graphs bent by mutations (wrong types, missing fields, huge strings, deep values, weird ids, prototype keys)", () => {
    let invalid = 0;
    fc.assert(
      fc.property(mutatedGraphArb({ json: true }), (input) => {
        if (!fuzzOne(input, true).valid) invalid++;
      }),
      runsOf(params, 500),
    );
    // The mutations are meant to break graphs: most of them must (or the fuzzer tests little).
    expect(invalid).toBeGreaterThan(runsOf(params, 500).numRuns / 3);
  }, PROPERTY_TIMEOUT_MS);

  it("accepts names, ids, labels and ports of any Unicode, unless one holds a lone surrogate (which storage cannot keep)", () => {
    const texts = (g: Graph) => [g.name, g.description ?? "", ...g.tasks.flatMap((t) => [t.id, t.name ?? ""]), ...g.dataflows.flatMap((d) => [d.sourceTaskPortId, d.targetTaskPortId])];
    const wellFormed = (s: string) => (s as unknown as { isWellFormed(): boolean }).isWellFormed();
    fc.assert(
      fc.property(exoticGraphArb, (g) => {
        const result = fuzzOne(JSON.parse(jsonText(g)), true);
        expect(result.valid, describeInput(result.errors)).toBe(texts(g).every(wellFormed));
      }),
      runsOf(params, 300),
    );
  }, PROPERTY_TIMEOUT_MS);

  it("answers mutated graphs holding values JSON cannot carry (NaN, Infinity, undefined)", () => {
    fc.assert(
      fc.property(mutatedGraphArb({ json: false }), (input) => {
        fuzzOne(input, false);
      }),
      runsOf(params, 200),
    );
  }, PROPERTY_TIMEOUT_MS);
});

describe("validateGraph fuzzing: the hard cases, each one deterministically", () => {
  const shapes = ["array", "object", "predicate"] as const;

  /** Every place of a graph a client fills with a value of its choice. */
  const places: [string, (deep: unknown) => Record<string, unknown>][] = [
    ["the graph name", (v) => ({ name: v, tasks: [], dataflows: [] })],
    ["the tasks list", (v) => ({ name: "g", tasks: v, dataflows: [] })],
    ["a task", (v) => ({ name: "g", tasks: [v], dataflows: [] })],
    ["a task id", (v) => ({ name: "g", tasks: [{ id: v, type: "Identity" }], dataflows: [] })],
    ["an open default (Identity.value)", (v) => ({ name: "g", tasks: [{ id: "a", type: "Identity", defaults: { value: v } }], dataflows: [] })],
    ["a typed default (Fetch.headers)", (v) => ({ name: "g", tasks: [{ id: "a", type: "Fetch", defaults: { url: "https://x.test", headers: v } }], dataflows: [] })],
    ["Fetch.body", (v) => ({ name: "g", tasks: [{ id: "a", type: "Fetch", defaults: { url: "https://x.test", body: v } }], dataflows: [] })],
    ["Condition rules (a recursive schema)", (v) => ({ name: "g", tasks: [{ id: "a", type: "Condition", config: { rules: [{ port: "p", when: v }] } }], dataflows: [] })],
    ["Condition rules as a default", (v) => ({ name: "g", tasks: [{ id: "a", type: "Condition", defaults: { rules: [{ port: "p", when: v }] } }], dataflows: [] })],
    ["a Transform mapping default", (v) => ({ name: "g", tasks: [{ id: "a", type: "Transform", config: { mapping: { x: { path: "a", default: v } } } }], dataflows: [] })],
    ["Merge objects", (v) => ({ name: "g", tasks: [{ id: "a", type: "Merge", defaults: { objects: [v] } }], dataflows: [] })],
    ["the retry policy", (v) => ({ name: "g", tasks: [{ id: "a", type: "Identity", config: { retry: v } }], dataflows: [] })],
    ["a subgraph", (v) => ({ name: "g", tasks: [{ id: "a", type: "GraphAsTask", subgraph: v }], dataflows: [] })],
    ["a dataflow", (v) => ({ name: "g", tasks: [{ id: "a", type: "Identity" }], dataflows: [v] })],
  ];

  it.each(places.flatMap(([where, make]) => shapes.map((shape) => [`${where}, ${shape} ${DEEP} deep`, make, shape] as const)))("%s", (_, make, shape) => {
    const input = JSON.parse(jsonText(make(deepValue(DEEP, shape))));
    fuzzOne(input, true);
  });

  it(`GraphAsTasks nested ${DEEP} deep are refused at the subgraph depth limit, without recursing ${DEEP} deep`, () => {
    let body: Record<string, unknown> = { tasks: [{ id: "leaf", type: "Identity" }], dataflows: [] };
    for (let i = 0; i < DEEP; i++) body = { tasks: [{ id: `g${i}`, type: "GraphAsTask", subgraph: body }], dataflows: [] };
    const result = fuzzOne({ name: "deep", ...body }, true);
    expect(result.valid).toBe(false);
    expect(result.errors.some((e) => e.message.includes("nests subgraphs"))).toBe(true);
  });

  it.each(PROTOTYPE_KEYS.map((k) => [k] as const))("%s as a task id, port, default key, config key and graph key", (key) => {
    const task = (id: string, extra: Record<string, unknown> = {}) => ({ id, type: "Identity", ...extra });
    const graphs: Record<string, unknown>[] = [
      { name: "g", tasks: [task(key), task("b")], dataflows: [{ sourceTaskId: key, sourceTaskPortId: "value", targetTaskId: "b", targetTaskPortId: "value" }] },
      { name: "g", tasks: [task("a"), task("b")], dataflows: [{ sourceTaskId: "a", sourceTaskPortId: key, targetTaskId: "b", targetTaskPortId: key }] },
      { name: "g", tasks: [{ id: "a", type: "Template", defaults: withOwnKey({ template: `{{${key}}}` }, key, 1) }], dataflows: [] },
      { name: "g", tasks: [{ id: "a", type: "Add", defaults: withOwnKey({}, key, 1) }], dataflows: [] },
      { name: "g", tasks: [{ id: "a", type: "Identity", config: withOwnKey({}, key, 1) }], dataflows: [] },
      { name: "g", tasks: [withOwnKey({ id: "a", type: "Identity" }, key, 1)], dataflows: [] },
      { name: "g", tasks: [{ id: "a", type: key }], dataflows: [] },
      { name: "g", tasks: [{ id: "a", type: "Merge", config: { ports: [key] }, defaults: withOwnKey({}, key, {}) }], dataflows: [] },
      { name: "g", tasks: [{ id: "c", type: "Condition", config: { rules: [{ port: key, when: { op: "exists", path: "a" } }] } }, task("b")], dataflows: [{ sourceTaskId: "c", sourceTaskPortId: key, targetTaskId: "b", targetTaskPortId: "value" }] },
      { name: "g", tasks: [{ id: "t", type: "Transform", config: { mapping: withOwnKey({}, key, "a") } }, task("b")], dataflows: [{ sourceTaskId: "t", sourceTaskPortId: key, targetTaskId: "b", targetTaskPortId: "value" }] },
      { name: "g", tasks: [{ id: "s", type: "GraphAsTask", subgraph: withOwnKey({ tasks: [], dataflows: [] }, key, []) }], dataflows: [] },
      withOwnKey({ name: "g", tasks: [], dataflows: [] }, key, { tasks: 1 }),
    ];
    for (const g of graphs) {
      // Both as built here and as JSON.parse makes it (an own "__proto__" key).
      fuzzOne(g, false);
      fuzzOne(JSON.parse(jsonText(g)), true);
    }
  });

  it("ids and ports made of emoji, lone surrogates and control characters", () => {
    for (const s of ["😀", "👩‍👩‍👧‍👦", "\uD800", "\uDFFF", "a\uD83Db", "\u0000", "\u202e", "e\u0301", "~0~1", "a~b/c"]) {
      const graph = {
        name: s,
        description: s,
        tasks: [
          { id: s, type: "Identity", name: s },
          { id: `${s}2`, type: "Template", defaults: { template: `{{${s}}}` } },
        ],
        dataflows: [{ sourceTaskId: s, sourceTaskPortId: s, targetTaskId: `${s}2`, targetTaskPortId: s }],
      };
      fuzzOne(JSON.parse(jsonText(graph)), true);
    }
  });
});
