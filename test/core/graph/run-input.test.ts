import { Type } from "@sinclair/typebox";
import { describe, expect, it } from "vitest";
import { validateRunInput } from "../../../src/core/graph/run-input";
import type { Graph } from "../../../src/core/graph/schema";
import { defineTask } from "../../../src/core/task/define-task";
import { createRegistry } from "../../../src/tasks/index";

/** A root task whose required ports are named like Object.prototype members. */
const Proto = defineTask({
  type: "Proto",
  title: "Proto",
  category: "Test",
  execution: "inline",
  input: Type.Object({ constructor: Type.String(), toString: Type.Integer(), plain: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
  output: Type.Object({}),
  run: () => ({}),
});
const registry = createRegistry([Proto]);
const graph = (defaults?: Record<string, unknown>): Graph => ({ name: "g", tasks: [{ id: "p", type: "Proto", ...(defaults ? { defaults } : {}) }], dataflows: [] }) as Graph;

describe("validateRunInput", () => {
  it("requires ports named like Object.prototype members: inherited keys are not given", () => {
    expect(validateRunInput(graph(), {}, registry)).toEqual([
      { path: "/input/constructor", message: "is required by task p" },
      { path: "/input/toString", message: "is required by task p" },
    ]);
  });

  it("takes them from the input or the task's defaults, and checks their type", () => {
    expect(validateRunInput(graph({ toString: 3 }), { constructor: "x" }, registry)).toEqual([]);
    const errors = validateRunInput(graph(), { constructor: 5, toString: 1 }, registry);
    expect(errors).toHaveLength(1);
    expect(errors[0].path).toBe("/input/constructor");
    expect(errors[0].message).toMatch(/input of task p/);
  });

  it("refuses an input that is not an object", () => {
    for (const bad of [null, [], "x", 3]) expect(validateRunInput(graph(), bad, registry)).toEqual([{ path: "/input", message: "must be a JSON object" }]);
  });
});
