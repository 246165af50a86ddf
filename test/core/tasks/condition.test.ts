import { describe, expect, it } from "vitest";
import { Condition } from "../../../src/tasks/condition";
import { abortedContext, accepts, configSchema, failure, portsOf, run, TestContext } from "./helpers";

const rules = [
  { port: "high", when: { op: "gte", path: "score", value: 80 } },
  { port: "vip", when: { op: "contains", path: "tags", value: "vip" } },
  { port: "mid", when: { all: [{ op: "gte", path: "score", value: 50 }, { op: "lt", path: "score", value: 80 }] } },
];

describe("Condition", () => {
  it("activates the first matching rule's port, carrying the value", async () => {
    const value = { score: 90, tags: ["vip"] };
    expect(await run(Condition, { value, rules })).toEqual({ high: value });
    expect(await run(Condition, { value: { score: 60 }, rules })).toEqual({ mid: { score: 60 } });
  });

  it("activates every matching port in mode all", async () => {
    const value = { score: 90, tags: ["vip"] };
    expect(await run(Condition, { value, rules }, new TestContext({ mode: "all" }))).toEqual({ high: value, vip: value });
  });

  it("activates default when nothing matches", async () => {
    expect(await run(Condition, { value: { score: 1 }, rules })).toEqual({ default: { score: 1 } });
    expect(await run(Condition, { value: null, rules })).toEqual({ default: null });
  });

  it("takes rules from config, the input's winning when both are set", async () => {
    const ctx = new TestContext({ rules: [{ port: "yes", when: { op: "truthy" } }] });
    expect(await run(Condition, { value: true }, ctx)).toEqual({ yes: true });
    expect(await run(Condition, { value: true, rules: [{ port: "other", when: { op: "eq", value: true } }] }, ctx)).toEqual({ other: true });
  });

  it("is a branching type whose output ports are the rules' ports and default", () => {
    expect(Condition.branching).toBe(true);
    const ports = portsOf({ type: "Condition", config: { rules } });
    expect(Object.keys(ports.output.properties)).toEqual(["high", "vip", "mid", "default"]);
    expect(ports.output.additionalProperties).toBe(false);
    expect(ports.output.required ?? []).toEqual([]);
    expect(Object.keys(portsOf({ type: "Condition", defaults: { rules: [{ port: "a", when: { op: "exists" } }] } }).output.properties)).toEqual(["a", "default"]);
    // Rules fed by a dataflow: any port name.
    expect(portsOf({ type: "Condition" }).output.additionalProperties).toBe(true);
  });

  it("fails permanently without rules and on a rule it cannot evaluate", async () => {
    expect(await failure(Condition, { value: 1 })).toMatchObject({ code: "missing_rules", permanent: true });
    const err = await failure(Condition, { value: { s: 1 }, rules: [{ port: "a", when: { op: "in", path: "s", value: "x" } }] });
    expect(err).toMatchObject({ name: "PermanentTaskError", code: "invalid_rule", permanent: true });
  });

  it("rejects malformed rules and modes", () => {
    const config = configSchema(Condition);
    expect(accepts(config, { rules })).toBe(true);
    expect(accepts(config, { rules: [] })).toBe(false);
    expect(accepts(config, { rules: [{ port: "default", when: { op: "exists" } }] })).toBe(false);
    expect(accepts(config, { rules: [{ port: "*", when: { op: "exists" } }] })).toBe(false);
    expect(accepts(config, { rules: [{ port: "a", when: { op: "bigger", value: 1 } }] })).toBe(false);
    expect(accepts(config, { rules: [{ port: "a" }] })).toBe(false);
    expect(accepts(config, { mode: "some" })).toBe(false);
    expect(accepts(Condition.input, { rules })).toBe(false); // value is required
  });

  it("rejects when aborted", async () => {
    expect(await failure(Condition, { value: 1, rules }, abortedContext())).toMatchObject({ name: "TaskAbortedError" });
  });
});
