import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isWellFormedText } from "../../../src/core/unicode";
import { MAX_JSON_DEPTH } from "../../../src/core/json-depth";
import { validateGraph } from "../../../src/core/graph/validate";
import { createRegistry } from "../../../src/tasks/index";
import { InvalidPathError, parsePath } from "../../../src/tasks/lib/value-path";
import { deepValue } from "./arbitraries";
import { fuzzParams, runsOf } from "./fuzz-params";

/*
 * Bugs the validation fuzzer found (test/core/fuzz/validation.fuzz.test.ts), each with the exact
 * input that showed it.
 */

const registry = createRegistry();

describe("validateGraph regressions", () => {
  it("a Condition predicate nested 10,000 deep is an error at its config key, not a stack overflow", () => {
    // Threw RangeError: Maximum call stack size exceeded (TypeBox's check of the recursive
    // predicate schema), which the API answered with a 500.
    const graph = { name: "g", tasks: [{ id: "a", type: "Condition", config: { rules: [{ port: "p", when: deepValue(10_000, "predicate") }] } }], dataflows: [] };
    const result = validateGraph(graph, registry);
    expect(result).toEqual({ valid: false, errors: [{ path: "/tasks/0/config/rules", message: `nests more than ${MAX_JSON_DEPTH} levels deep` }] });
  });

  it(`accepts defaults nested ${MAX_JSON_DEPTH} levels deep and refuses one more`, () => {
    // `defaults` is level 1, so `value` may nest MAX_JSON_DEPTH - 1 levels.
    const graph = (depth: number) => ({ name: "g", tasks: [{ id: "a", type: "Identity", defaults: { value: deepValue(depth, "array") } }], dataflows: [] });
    expect(validateGraph(graph(MAX_JSON_DEPTH - 1), registry).errors).toEqual([]);
    expect(validateGraph(graph(MAX_JSON_DEPTH), registry).errors).toEqual([{ path: "/tasks/0/defaults/value", message: `nests more than ${MAX_JSON_DEPTH} levels deep` }]);
  });
});

describe("lone surrogates (found by the API fuzzer: a stored graph read back with duplicate ids)", () => {
  it("ids, ports and names holding a lone surrogate are refused where they are", () => {
    // Was valid: D1 stores text as UTF-8, so both ids came back as "\uFFFD\uFFFD\uFFFD" — a stored
    // graph with duplicate task ids, whose runs then failed to start with a 500.
    const graph = {
      name: "collide\uD800",
      tasks: [
        { id: "\uD800", type: "Identity" },
        { id: "\uD801", type: "Identity", name: "\uDC00label" },
        { id: "c", type: "Identity" },
      ],
      dataflows: [{ sourceTaskId: "c", sourceTaskPortId: "value", targetTaskId: "\uD801", targetTaskPortId: "x\uDFFF" }],
    };
    const message = "must be valid Unicode text (it holds a lone surrogate, which cannot be stored)";
    expect(validateGraph(graph, registry).errors).toEqual([
      { path: "/name", message },
      { path: "/tasks/0/id", message },
      { path: "/tasks/1/id", message },
      { path: "/tasks/1/name", message },
      { path: "/dataflows/0/targetTaskId", message },
      { path: "/dataflows/0/targetTaskPortId", message },
    ]);
  });

  it("emoji and other surrogate pairs stay valid", () => {
    const graph = { name: "😀", tasks: [{ id: "👩‍👩‍👧‍👦", type: "Identity" }, { id: "𝄞", type: "Identity" }], dataflows: [{ sourceTaskId: "👩‍👩‍👧‍👦", sourceTaskPortId: "value", targetTaskId: "𝄞", targetTaskPortId: "😀" }] };
    expect(validateGraph(graph, registry).errors).toEqual([]);
  });

  it("isWellFormedText agrees with String.prototype.isWellFormed on any UTF-16 string", () => {
    const native = (s: string) => (s as unknown as { isWellFormed(): boolean }).isWellFormed();
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 12 }), fc.string({ unit: fc.integer({ min: 0xd7ff, max: 0xe000 }).map((c) => String.fromCharCode(c)), maxLength: 8 }), (a, b) => {
        expect(isWellFormedText(a + b)).toBe(native(a + b));
        expect(isWellFormedText(b + a)).toBe(native(b + a));
      }),
      runsOf(fuzzParams(process.env), 1000),
    );
  });
});

describe("quoted keys in value paths (found by value-path.fuzz.test.ts)", () => {
  it.each([['a["\\x"]'], ['a["\u0001"]'], ['{{a["\u0001"]}}']])("%j is an InvalidPathError, was a SyntaxError from JSON.parse", (path) => {
    // A SyntaxError is not what Template, Pick, Transform and Condition turn into a permanent
    // failure: such a task was retried, and validation showed V8's JSON message.
    expect(() => parsePath(path)).toThrow(InvalidPathError);
  });

  it("a Template whose placeholder has a bad quoted key is reported with the path's own message", () => {
    const result = validateGraph({ name: "g", tasks: [{ id: "t", type: "Template", defaults: { template: 'Hi {{a["\\x"]}}' } }], dataflows: [] }, registry);
    expect(result.errors).toEqual([{ path: "/tasks/0", message: `cannot work out this task's ports: invalid path "a[\"\\x\"]": the quoted key "\\x" is not a valid JSON string` }]);
  });
});
