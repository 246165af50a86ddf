import { describe, expect, it } from "vitest";
import { type ValidationError, validateGraph } from "../../../src/core/graph/validate";
import { DEFAULT_LIMITS } from "../../../src/core/limits";
import { df, graph, registry } from "./fixtures";

function errorsOf(input: unknown, limits = DEFAULT_LIMITS): ValidationError[] {
  const result = validateGraph(input, registry, limits);
  if (result.valid) return [];
  expect(result.errors.length).toBeGreaterThan(0);
  return result.errors;
}

/** The single error at `path` (fails when there is none or several). */
function errorAt(errors: ValidationError[], path: string): string {
  const at = errors.filter((e) => e.path === path);
  expect(at, `errors at ${path} in ${JSON.stringify(errors, null, 1)}`).toHaveLength(1);
  return at[0].message;
}

const emit = (id = "a") => ({ id, type: "Emit" });
const sink = (id = "b", defaults?: Record<string, unknown>) => ({ id, type: "Sink", ...(defaults ? { defaults } : {}) });

describe("validateGraph: valid graphs", () => {
  it("accepts an empty graph and returns it", () => {
    const input = graph({});
    const result = validateGraph(input, registry);
    expect(result).toEqual({ valid: true, graph: input, errors: [] });
  });

  it("accepts a graph using every built-in type", () => {
    const input = {
      name: "every built-in",
      description: "one of each",
      merge: "GRAPH_RESULT_ARRAY",
      tasks: [
        { id: "greet", type: "Template", name: "Greeting", defaults: { template: "Hello {{name}}, {{user.city}}" } },
        { id: "loud", type: "Uppercase" },
        { id: "check", type: "Assert", defaults: { condition: true, message: "always" } },
        { id: "wait", type: "Delay", defaults: { ms: 10 }, config: { timeoutMs: 1000 } },
        { id: "approve", type: "WaitForSignal", defaults: { signal: "approval", timeoutMs: 60000 } },
        {
          id: "call",
          type: "Fetch",
          defaults: { url: "https://example.com/api", method: "POST", headers: { "x-a": "1" }, responseType: "json" },
          config: { retry: { maxAttempts: 3, backoff: "exponential", initialDelayMs: 500, maxDelayMs: 30000 }, cacheable: false },
        },
        { id: "pass", type: "Identity" },
        { id: "sum", type: "Add", defaults: { a: 1 }, config: { replicate: ["values"] } },
        { id: "times", type: "Multiply", defaults: { b: 2 } },
        {
          id: "sub",
          type: "GraphAsTask",
          merge: "PROPERTY_ARRAY",
          subgraph: {
            tasks: [
              { id: "in", type: "Uppercase" },
              { id: "out", type: "Template", defaults: { template: "<{{text}}>" } },
            ],
            dataflows: [df("in", "text", "out", "text")],
          },
        },
        { id: "onError", type: "Identity" },
      ],
      dataflows: [
        df("greet", "text", "loud", "text"),
        df("loud", "text", "sub", "text"),
        df("sub", "text", "check", "value"),
        df("check", "value", "wait", "value"),
        df("wait", "value", "approve", "signal"),
        df("approve", "payload", "call", "body"),
        df("call", "status", "sum", "values"),
        df("call", "[error]", "onError", "value"),
        df("sum", "sum", "times", "a"),
        df("times", "*", "pass", "*"),
      ],
    };
    expect(validateGraph(input, registry)).toEqual({ valid: true, graph: input, errors: [] });
  });

  it("ignores unknown top-level keys, so a graph fetched from the API can be sent back", () => {
    expect(errorsOf(graph({ id: "g_1", version: 3, createdAt: "2026-01-01" }))).toEqual([]);
  });
});

describe("validateGraph: structure", () => {
  it("rejects input that is not an object", () => {
    for (const input of [null, 42, "graph", [], true]) {
      expect(errorsOf(input)).toEqual([{ path: "", message: "must be a JSON object with name, tasks and dataflows" }]);
    }
  });

  it("reports missing and mistyped top-level fields", () => {
    expect(errorsOf({})).toEqual([
      { path: "/name", message: "is required" },
      { path: "/tasks", message: "is required" },
      { path: "/dataflows", message: "is required" },
    ]);
    const errors = errorsOf({ name: 7, description: false, merge: "ALL", tasks: {}, dataflows: "x" });
    expect(errorAt(errors, "/name")).toBe("must be a string");
    expect(errorAt(errors, "/description")).toBe("must be a string");
    expect(errorAt(errors, "/merge")).toBe('must be one of "PROPERTY_ARRAY", "GRAPH_RESULT_ARRAY"');
    expect(errorAt(errors, "/tasks")).toBe("must be an array");
    expect(errorAt(errors, "/dataflows")).toBe("must be an array");
    expect(errors).toHaveLength(5);
  });

  it("checks string bounds from the schema", () => {
    const errors = errorsOf(graph({ name: "", description: "d".repeat(10_001), tasks: [{ id: "x".repeat(129), type: "", name: "n".repeat(1025) }] }));
    expect(errorAt(errors, "/name")).toBe("must not be empty");
    expect(errorAt(errors, "/description")).toBe("must be at most 10000 characters");
    expect(errorAt(errors, "/tasks/0/id")).toBe("must be at most 128 characters");
    expect(errorAt(errors, "/tasks/0/type")).toBe("must not be empty");
    expect(errorAt(errors, "/tasks/0/name")).toBe("must be at most 1024 characters");
  });

  it("reports bad task fields with their paths", () => {
    const errors = errorsOf(
      graph({
        tasks: [
          "not a task",
          { type: "Emit" },
          { id: 3, type: 4 },
          { id: "has space", type: "Emit" },
          { id: "a/b", type: "Emit", defaults: [1], config: "fast", colour: "red" },
        ],
      }),
    );
    expect(errorAt(errors, "/tasks/0")).toBe("must be an object");
    expect(errorAt(errors, "/tasks/1/id")).toBe("is required");
    expect(errorAt(errors, "/tasks/2/id")).toBe("must be a string");
    expect(errorAt(errors, "/tasks/2/type")).toBe("must be a string");
    expect(errorAt(errors, "/tasks/3/id")).toBe("must not contain /, [, ] or whitespace");
    expect(errorAt(errors, "/tasks/4/id")).toBe("must not contain /, [, ] or whitespace");
    expect(errorAt(errors, "/tasks/4/defaults")).toBe("must be an object");
    expect(errorAt(errors, "/tasks/4/config")).toBe("must be an object");
    expect(errorAt(errors, "/tasks/4/colour")).toMatch(/^is not a task field/);
    expect(errors).toHaveLength(9);
  });

  it("reports bad dataflow fields with their paths, and still checks the good fields", () => {
    const errors = errorsOf(
      graph({
        tasks: [emit("a"), sink("b")],
        dataflows: [
          null,
          { sourceTaskId: "a", sourceTaskPortId: "text", targetTaskId: "b" },
          { sourceTaskId: "a", sourceTaskPortId: "", targetTaskId: "ghost", targetTaskPortId: 5 },
          { ...df("a", "text", "b", "text"), label: "x" },
        ],
      }),
    );
    expect(errorAt(errors, "/dataflows/0")).toBe("must be an object");
    expect(errorAt(errors, "/dataflows/1/targetTaskPortId")).toBe("is required");
    expect(errorAt(errors, "/dataflows/2/sourceTaskPortId")).toBe("must not be empty");
    expect(errorAt(errors, "/dataflows/2/targetTaskPortId")).toBe("must be a string");
    expect(errorAt(errors, "/dataflows/2/targetTaskId")).toBe('no task "ghost" in this graph');
    expect(errorAt(errors, "/dataflows/3/label")).toMatch(/^is not a dataflow field/);
    expect(errors).toHaveLength(6);
  });

  it("escapes ~ and / in pointer tokens (RFC 6901)", () => {
    const errors = errorsOf(graph({ tasks: [{ id: "t", type: "Sink", defaults: { "a/b~c": 1, "~1": 2 }, "x/y": true }] }));
    expect(errors.map((e) => e.path).sort()).toEqual(["/tasks/0/defaults/a~1b~0c", "/tasks/0/defaults/~01", "/tasks/0/x~1y"].sort());
  });
});

describe("validateGraph: tasks", () => {
  it("reports an unknown task type at /tasks/i/type", () => {
    const errors = errorsOf(graph({ tasks: [emit(), { id: "x", type: "Teleport" }] }));
    expect(errors).toEqual([{ path: "/tasks/1/type", message: 'unknown task type "Teleport"' }]);
  });

  it("reports a duplicate task id at the later occurrence", () => {
    const errors = errorsOf(graph({ tasks: [emit("a"), sink("b"), emit("a"), emit("a")] }));
    expect(errors).toEqual([
      { path: "/tasks/2/id", message: 'duplicate task id "a": already used by /tasks/0' },
      { path: "/tasks/3/id", message: 'duplicate task id "a": already used by /tasks/0' },
    ]);
  });

  it("rejects subgraph and merge on a task that is not a GraphAsTask", () => {
    const errors = errorsOf(graph({ tasks: [{ id: "a", type: "Emit", subgraph: { tasks: [], dataflows: [] }, merge: "PROPERTY_ARRAY" }] }));
    expect(errorAt(errors, "/tasks/0/subgraph")).toBe('only a graph task (GraphAsTask, Map…) has a subgraph; "Emit" is not one');
    expect(errorAt(errors, "/tasks/0/merge")).toMatch(/^only a graph task \(GraphAsTask, Map…\) has merge/);
    expect(errors).toHaveLength(2);
  });

  it("requires a subgraph on a GraphAsTask", () => {
    expect(errorsOf(graph({ tasks: [{ id: "g", type: "GraphAsTask" }] }))).toEqual([
      { path: "/tasks/0/subgraph", message: "is required: a GraphAsTask runs its subgraph" },
    ]);
  });

  it("validates subgraphs recursively with full paths", () => {
    const errors = errorsOf(
      graph({
        tasks: [
          emit("a"),
          emit("b"),
          {
            id: "g",
            type: "GraphAsTask",
            subgraph: {
              tasks: [
                { id: "x", type: "Nope" },
                { id: "inner", type: "GraphAsTask", subgraph: { tasks: [emit("y"), emit("y")], dataflows: [df("y", "text", "z", "text")] } },
              ],
              dataflows: [],
              merge: "PROPERTY_ARRAY",
            },
          },
          { id: "h", type: "GraphAsTask", subgraph: "nothing" },
        ],
      }),
    );
    expect(errors).toEqual([
      { path: "/tasks/2/subgraph/merge", message: "is not a subgraph field (a subgraph has tasks and dataflows)" },
      { path: "/tasks/2/subgraph/tasks/0/type", message: 'unknown task type "Nope"' },
      { path: "/tasks/2/subgraph/tasks/1/subgraph/tasks/1/id", message: 'duplicate task id "y": already used by /tasks/2/subgraph/tasks/1/subgraph/tasks/0' },
      { path: "/tasks/2/subgraph/tasks/1/subgraph/dataflows/0/targetTaskId", message: 'no task "z" in this subgraph' },
      { path: "/tasks/3/subgraph", message: "must be an object with tasks and dataflows" },
    ]);
  });

  it("resolves a GraphAsTask's ports from its subgraph", () => {
    const sub = {
      id: "g",
      type: "GraphAsTask",
      subgraph: { tasks: [{ id: "s", type: "Sink" }], dataflows: [] },
    };
    // Input ports: the root's unfed inputs (Sink's, closed); output ports: the leaf's (done: boolean).
    expect(errorsOf(graph({ tasks: [emit("a"), sub], dataflows: [df("a", "text", "g", "text")] }))).toEqual([]);
    const errors = errorsOf(graph({ tasks: [emit("a"), sub, sink("c")], dataflows: [df("a", "text", "g", "nope"), df("g", "done", "c", "n")] }));
    expect(errorAt(errors, "/dataflows/0/targetTaskPortId")).toMatch(/^task "g" \(GraphAsTask\) has no input port "nope"/);
    expect(errorAt(errors, "/dataflows/1")).toBe("incompatible ports: g[done] gives boolean but c[n] takes number");
  });

  it("types the whole output of a GRAPH_RESULT_ARRAY GraphAsTask as an array", () => {
    const sub = { id: "g", type: "GraphAsTask", merge: "GRAPH_RESULT_ARRAY", subgraph: { tasks: [emit("e")], dataflows: [] } };
    const errors = errorsOf(
      graph({ tasks: [sub, sink("b"), { id: "i", type: "Identity" }], dataflows: [df("g", "*", "b", "text"), df("g", "*", "i", "value")] }),
    );
    expect(errors).toEqual([
      { path: "/dataflows/0", message: "incompatible ports: g[*] gives array of { id, type, data } but b[text] takes string" },
    ]);
  });

  it("does not judge dataflows of a GraphAsTask whose subgraph is invalid", () => {
    const errors = errorsOf(
      graph({
        tasks: [emit("a"), { id: "g", type: "GraphAsTask", subgraph: { tasks: [{ id: "s", type: "Nope" }], dataflows: [] } }],
        dataflows: [df("a", "text", "g", "anything")],
      }),
    );
    expect(errors).toEqual([{ path: "/tasks/1/subgraph/tasks/0/type", message: 'unknown task type "Nope"' }]);
  });

  it("bounds subgraph nesting", () => {
    let body: Record<string, unknown> = { tasks: [], dataflows: [] };
    for (let i = 0; i < 40; i++) body = { tasks: [{ id: "g", type: "GraphAsTask", subgraph: body }], dataflows: [] };
    const errors = errorsOf({ name: "deep", ...body });
    expect(errors).toHaveLength(1);
    expect(errors[0].path).toBe(`${"/tasks/0/subgraph".repeat(33)}`);
    expect(errors[0].message).toBe("nests subgraphs more than 32 deep");
  });

  it("reports a port resolution that throws instead of crashing", () => {
    expect(errorsOf(graph({ tasks: [{ id: "f", type: "Fussy", defaults: { explode: true } }] }))).toEqual([
      { path: "/tasks/0", message: "cannot work out this task's ports: explode is not supported" },
    ]);
  });
});

describe("validateGraph: defaults", () => {
  it("checks each default against its input port, leaving absent required ports alone", () => {
    const errors = errorsOf(
      graph({ tasks: [sink("b", { n: "five", i: 1.5, numbers: [1, "two"], user: { name: 1 }, mode: "medium", any: { deep: [1] } })] }),
    );
    expect(errors).toEqual([
      { path: "/tasks/0/defaults/n", message: "must be a number" },
      { path: "/tasks/0/defaults/i", message: "must be an integer" },
      { path: "/tasks/0/defaults/numbers/1", message: "must be a number" },
      { path: "/tasks/0/defaults/user/name", message: "must be a string" },
      { path: "/tasks/0/defaults/mode", message: 'must be one of "fast", "slow"' },
    ]);
  });

  it("rejects a default for a port a closed schema does not have", () => {
    expect(errorsOf(graph({ tasks: [sink("b", { txt: "typo" })] }))).toEqual([
      { path: "/tasks/0/defaults/txt", message: "is not an input port of Sink (its input ports: text, n, i, flag, numbers, user, any, mode)" },
    ]);
  });

  it("accepts any key on an open input schema, and checks the declared ones", () => {
    expect(errorsOf(graph({ tasks: [{ id: "d", type: "Delay", defaults: { ms: 5, extra: 1 } }] }))).toEqual([]);
    expect(errorsOf(graph({ tasks: [{ id: "d", type: "Delay", defaults: { ms: -1 } }] }))).toEqual([
      { path: "/tasks/0/defaults/ms", message: "must be at least 0" },
    ]);
  });

  it("derives Template ports from its template", () => {
    const t = (defaults: Record<string, unknown>) => graph({ tasks: [{ id: "t", type: "Template", defaults }] });
    expect(errorsOf(t({ template: "Hi {{name}}", name: "Ada" }))).toEqual([]);
    expect(errorsOf(t({ template: "Hi {{name}}", nmae: "Ada" }))).toEqual([
      { path: "/tasks/0/defaults/nmae", message: "is not an input port of Template (its input ports: template, name)" },
    ]);
    expect(errorsOf(t({ template: 42 }))).toEqual([{ path: "/tasks/0/defaults/template", message: "must be a string" }]);
  });

  it("does not fail a known format it cannot check (Fetch url)", () => {
    expect(errorsOf(graph({ tasks: [{ id: "f", type: "Fetch", defaults: { url: "https://example.com" } }] }))).toEqual([]);
  });
});

describe("validateGraph: config", () => {
  it("validates the runner keys", () => {
    const errors = errorsOf(
      graph({
        tasks: [
          {
            id: "a",
            type: "Emit",
            config: { retry: { maxAttempts: 0, backoff: "linear", jitter: true }, timeoutMs: 1.5, cacheable: "yes", replicate: "text" },
          },
        ],
      }),
    );
    expect(errors).toEqual([
      { path: "/tasks/0/config/retry/jitter", message: "is not an accepted property" },
      { path: "/tasks/0/config/retry/maxAttempts", message: "must be at least 1" },
      { path: "/tasks/0/config/retry/backoff", message: 'must be one of "fixed", "exponential"' },
      { path: "/tasks/0/config/timeoutMs", message: "must be an integer" },
      { path: "/tasks/0/config/cacheable", message: "must be a boolean" },
      { path: "/tasks/0/config/replicate", message: "must be an array" },
    ]);
  });

  it("rejects an initial retry delay above the maximum", () => {
    expect(errorsOf(graph({ tasks: [{ id: "a", type: "Emit", config: { retry: { initialDelayMs: 10, maxDelayMs: 5 } } }] }))).toEqual([
      { path: "/tasks/0/config/retry/initialDelayMs", message: "must not exceed maxDelayMs (5)" },
    ]);
  });

  it("requires replicate to name distinct input ports", () => {
    const errors = errorsOf(graph({ tasks: [{ id: "s", type: "Sink", config: { replicate: ["numbers", "nope", "numbers"] } }] }));
    expect(errors).toEqual([
      { path: "/tasks/0/config/replicate/1", message: '"nope" is not an input port of Sink (its input ports: text, n, i, flag, numbers, user, any, mode)' },
      { path: "/tasks/0/config/replicate/2", message: 'names port "numbers" twice' },
    ]);
  });

  it("checks the type's own config schema and rejects keys no schema declares", () => {
    expect(errorsOf(graph({ tasks: [{ id: "c", type: "Configured", config: { mode: "fast", level: 2, retry: { maxAttempts: 2 } } }] }))).toEqual([]);
    expect(errorsOf(graph({ tasks: [{ id: "c", type: "Configured", config: { level: -1, speed: 9 } }] }))).toEqual([
      { path: "/tasks/0/config/level", message: "must be at least 0" },
      { path: "/tasks/0/config/speed", message: "is not a config key of Configured (accepted: retry, timeoutMs, cacheable, replicate, mode, level)" },
      { path: "/tasks/0/config/mode", message: "is required" },
    ]);
    expect(errorsOf(graph({ tasks: [{ id: "c", type: "Configured" }] }))).toEqual([{ path: "/tasks/0/config/mode", message: "is required" }]);
    expect(errorsOf(graph({ tasks: [{ id: "a", type: "Emit", config: { mode: "fast" } }] }))).toEqual([
      { path: "/tasks/0/config/mode", message: "is not a config key of Emit (accepted: retry, timeoutMs, cacheable, replicate)" },
    ]);
  });
});

describe("validateGraph: dataflows", () => {
  it("reports a duplicate dataflow at the later occurrence", () => {
    const errors = errorsOf(
      graph({
        tasks: [emit("a"), sink("b")],
        dataflows: [df("a", "text", "b", "text"), df("a", "count", "b", "n"), df("a", "text", "b", "text"), df("a", "count", "b", "n")],
      }),
    );
    expect(errors).toEqual([
      { path: "/dataflows/2", message: "duplicate dataflow: the same ports are already joined by /dataflows/0" },
      { path: "/dataflows/3", message: "duplicate dataflow: the same ports are already joined by /dataflows/1" },
    ]);
  });

  it("allows several dataflows between the same two tasks on different ports", () => {
    const flows = [df("a", "text", "b", "text"), df("a", "count", "b", "n"), df("a", "count", "b", "i"), df("a", "ratio", "b", "n")];
    expect(errorsOf(graph({ tasks: [emit("a"), sink("b")], dataflows: flows }))).toEqual([]);
  });

  it("reports duplicates among dataflows that name missing tasks too", () => {
    const errors = errorsOf(graph({ tasks: [emit("a")], dataflows: [df("a", "text", "ghost", "x"), df("a", "text", "ghost", "x")] }));
    expect(errors).toEqual([
      { path: "/dataflows/0/targetTaskId", message: 'no task "ghost" in this graph' },
      { path: "/dataflows/1", message: "duplicate dataflow: the same ports are already joined by /dataflows/0" },
    ]);
  });

  it("reports dataflows from and to missing tasks", () => {
    const errors = errorsOf(graph({ tasks: [emit("a"), sink("b")], dataflows: [df("nobody", "text", "b", "text"), df("a", "text", "nowhere", "text")] }));
    expect(errors).toEqual([
      { path: "/dataflows/0/sourceTaskId", message: 'no task "nobody" in this graph' },
      { path: "/dataflows/1/targetTaskId", message: 'no task "nowhere" in this graph' },
    ]);
  });

  it("reports missing source and target ports on closed schemas", () => {
    const errors = errorsOf(graph({ tasks: [emit("a"), sink("b")], dataflows: [df("a", "txt", "b", "texte")] }));
    expect(errors).toEqual([
      { path: "/dataflows/0/sourceTaskPortId", message: 'task "a" (Emit) has no output port "txt" (its output ports: text, count, ratio, flag, words, data, user)' },
      { path: "/dataflows/0/targetTaskPortId", message: 'task "b" (Sink) has no input port "texte" (its input ports: text, n, i, flag, numbers, user, any, mode)' },
    ]);
  });

  it("accepts any port name on open schemas", () => {
    // Delay's schemas are open (TypeBox objects are unless additionalProperties is false).
    expect(errorsOf(graph({ tasks: [{ id: "d", type: "Delay" }, { id: "e", type: "Delay" }], dataflows: [df("d", "whatever", "e", "anything")] }))).toEqual([]);
  });

  it("accepts * on both sides and [error] as a source only", () => {
    const ok = graph({
      tasks: [emit("a"), { id: "i", type: "Identity" }, sink("b"), { id: "j", type: "Identity" }],
      dataflows: [df("a", "*", "i", "value"), df("a", "[error]", "b", "any"), df("a", "[error]", "b", "user"), df("a", "*", "j", "*")],
    });
    expect(errorsOf(ok)).toEqual([]);
    const errors = errorsOf(graph({ tasks: [emit("a"), sink("b")], dataflows: [df("b", "done", "a", "[error]")] }));
    expect(errors).toEqual([{ path: "/dataflows/0/targetTaskPortId", message: '"[error]" is a source port only: it carries the source task\'s error' }]);
  });

  it("types [error] as the error object and * as the whole object", () => {
    const errors = errorsOf(
      graph({
        tasks: [emit("a"), sink("b"), sink("c"), emit("e")],
        dataflows: [df("a", "[error]", "b", "text"), df("a", "[error]", "c", "user"), df("a", "*", "b", "numbers"), df("e", "*", "c", "*")],
      }),
    );
    expect(errorAt(errors, "/dataflows/0")).toBe("incompatible ports: a[[error]] gives { name, message, code? } but b[text] takes string");
    // {name, message, code?} into Sink's user, an open {name: string}: fine.
    expect(errors.some((e) => e.path === "/dataflows/1")).toBe(false);
    expect(errorAt(errors, "/dataflows/2")).toMatch(/^incompatible ports: a\[\*\] gives \{ text, count, ratio, flag, words, data, … \} but b\[numbers\] takes array of number$/);
    // Emit's whole output always has keys (count, ratio…) that Sink's closed input does not take.
    expect(errorAt(errors, "/dataflows/3")).toMatch(/^incompatible ports: e\[\*\] gives .* but c\[\*\] takes \{ text\?, n\?/);
    expect(errors).toHaveLength(3);
  });

  it("rejects a whole output into a closed whole input lacking one of its keys", () => {
    const errors = errorsOf(graph({ tasks: [{ id: "i", type: "Identity" }, sink("b")], dataflows: [df("i", "*", "b", "*")] }));
    expect(errors).toEqual([
      { path: "/dataflows/0", message: "incompatible ports: i[*] gives { value } but b[*] takes { text?, n?, i?, flag?, numbers?, user?, … }" },
    ]);
  });

  it("reports incompatible port schemas at /dataflows/i, naming both ports and types", () => {
    const errors = errorsOf(
      graph({
        tasks: [emit("a"), sink("b")],
        dataflows: [
          df("a", "text", "b", "n"),
          df("a", "count", "b", "n"), // integer → number: static
          df("a", "ratio", "b", "i"), // number → integer: runtime
          df("a", "data", "b", "flag"), // unknown → boolean: runtime
          df("a", "flag", "b", "text"),
          df("a", "words", "b", "numbers"), // string[] → number[]: only [] fits, runtime
          df("a", "text", "b", "mode"), // string → "fast" | "slow": runtime
          df("a", "user", "b", "user"), // {name, age} → closed {name}? Sink's user is open: static
        ],
      }),
    );
    expect(errors).toEqual([
      { path: "/dataflows/0", message: "incompatible ports: a[text] gives string but b[n] takes number" },
      { path: "/dataflows/4", message: "incompatible ports: a[flag] gives boolean but b[text] takes string" },
    ]);
  });

  it("lets a value of an array port's element type append to it", () => {
    expect(errorsOf(graph({ tasks: [emit("a"), sink("b")], dataflows: [df("a", "count", "b", "numbers"), df("a", "ratio", "b", "numbers")] }))).toEqual([]);
    expect(errorsOf(graph({ tasks: [emit("a"), sink("b")], dataflows: [df("a", "text", "b", "numbers")] }))).toEqual([
      { path: "/dataflows/0", message: "incompatible ports: a[text] gives string but b[numbers] takes array of number" },
    ]);
  });

  it("reports a cycle once, at one of its dataflows, naming its tasks in order", () => {
    const tasks = ["a", "b", "c", "d"].map((id) => ({ id, type: "Identity" }));
    const errors = errorsOf(
      graph({
        tasks,
        dataflows: [df("a", "value", "b", "value"), df("b", "value", "c", "value"), df("c", "value", "a", "value"), df("c", "value", "d", "value")],
      }),
    );
    expect(errors).toEqual([{ path: "/dataflows/2", message: "cycle: a → b → c → a" }]);
  });

  it("reports a self-loop and each separate cycle", () => {
    const tasks = ["a", "b", "c", "d", "e"].map((id) => ({ id, type: "Identity" }));
    const errors = errorsOf(
      graph({
        tasks,
        dataflows: [
          df("a", "value", "a", "value"),
          df("b", "value", "c", "value"),
          df("d", "value", "e", "value"),
          df("e", "value", "d", "value"),
          df("c", "value", "b", "value"),
          df("a", "value", "b", "value"),
        ],
      }),
    );
    expect(errors).toEqual([
      { path: "/dataflows/0", message: "cycle: a → a" },
      { path: "/dataflows/3", message: "cycle: d → e → d" },
      { path: "/dataflows/4", message: "cycle: b → c → b" },
    ]);
  });

  it("finds a cycle inside a subgraph", () => {
    const errors = errorsOf(
      graph({
        tasks: [
          {
            id: "g",
            type: "GraphAsTask",
            subgraph: {
              tasks: [{ id: "x", type: "Identity" }, { id: "y", type: "Identity" }],
              dataflows: [df("x", "value", "y", "value"), df("y", "value", "x", "value")],
            },
          },
        ],
      }),
    );
    expect(errors).toEqual([{ path: "/tasks/0/subgraph/dataflows/1", message: "cycle: x → y → x" }]);
  });
});

describe("validateGraph: several problems at once", () => {
  it("lists every problem, in document order", () => {
    const errors = errorsOf({
      name: "",
      tasks: [emit("a"), { id: "a", type: "Ghost" }, sink("b", { nope: 1 }), { id: "c", type: "Identity" }, { id: "d", type: "Identity" }],
      dataflows: [df("a", "text", "b", "n"), df("x", "text", "b", "text"), df("c", "value", "d", "value"), df("d", "value", "c", "value"), df("a", "text", "b", "n")],
    });
    expect(errors).toEqual([
      { path: "/name", message: "must not be empty" },
      { path: "/tasks/1/id", message: 'duplicate task id "a": already used by /tasks/0' },
      { path: "/tasks/1/type", message: 'unknown task type "Ghost"' },
      { path: "/tasks/2/defaults/nope", message: "is not an input port of Sink (its input ports: text, n, i, flag, numbers, user, any, mode)" },
      { path: "/dataflows/0", message: "incompatible ports: a[text] gives string but b[n] takes number" },
      { path: "/dataflows/1/sourceTaskId", message: 'no task "x" in this graph' },
      { path: "/dataflows/4", message: "duplicate dataflow: the same ports are already joined by /dataflows/0" },
      { path: "/dataflows/3", message: "cycle: c → d → c" },
    ]);
  });
});

describe("validateGraph: limits", () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `t${i}`, type: "Identity" }));
  const limits = { ...DEFAULT_LIMITS, maxTasks: 5, maxDataflows: 3 };

  it("accepts a graph at the limits", () => {
    const flows = [df("t0", "value", "t1", "value"), df("t1", "value", "t2", "value"), df("t2", "value", "t3", "value")];
    expect(errorsOf(graph({ tasks: many(5), dataflows: flows }), limits)).toEqual([]);
  });

  it("reports too many tasks and dataflows once each, counting subgraphs, and skips the rest", () => {
    const sub = { id: "g", type: "GraphAsTask", subgraph: { tasks: many(2), dataflows: [df("t0", "value", "t1", "value")] } };
    const input = {
      name: 5,
      tasks: [...many(3), sub, { id: "x", type: "Ghost" }],
      dataflows: [df("t0", "value", "t1", "value"), df("t1", "value", "t2", "value"), df("t2", "value", "t0", "value")],
    };
    expect(errorsOf(input, limits)).toEqual([
      { path: "/name", message: "must be a string" },
      { path: "/tasks", message: "has 7 tasks (subgraphs included), more than the limit of 5" },
      { path: "/dataflows", message: "has 4 dataflows (subgraphs included), more than the limit of 3" },
    ]);
  });
});
