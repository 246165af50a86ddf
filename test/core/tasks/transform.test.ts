import { describe, expect, it } from "vitest";
import { Transform } from "../../../src/tasks/transform";
import { abortedContext, accepts, configSchema, failure, portsOf, run, TestContext } from "./helpers";

const value = { user: { first: "Ada", last: "Lovelace", emails: ["ada@example.com"] }, plan: "pro" };

describe("Transform", () => {
  it("maps paths, defaults, constants and templates", async () => {
    const mapping = {
      name: { template: "{{user.first}} {{user.last}}" },
      email: "user.emails[0]",
      plan: "/plan",
      country: { path: "user.country", default: "unknown" },
      missing: "user.age",
      source: { const: { system: "crm", version: 2 } },
      everything: "",
    };
    expect(await run(Transform, { value, mapping })).toEqual({
      name: "Ada Lovelace",
      email: "ada@example.com",
      plan: "pro",
      country: "unknown",
      missing: null,
      source: { system: "crm", version: 2 },
      everything: value,
    });
  });

  it("takes the mapping from config when the input has none, the input's when both", async () => {
    expect(await run(Transform, { value }, new TestContext({ mapping: { p: "plan" } }))).toEqual({ p: "pro" });
    expect(await run(Transform, { value, mapping: { q: "plan" } }, new TestContext({ mapping: { p: "plan" } }))).toEqual({ q: "pro" });
  });

  it("declares one output port per mapping key", () => {
    const ports = portsOf({ type: "Transform", config: { mapping: { name: { template: "x" }, email: "a" } } });
    expect(Object.keys(ports.output.properties)).toEqual(["name", "email"]);
    expect(ports.output.additionalProperties).toBe(false);
    expect(accepts(ports.output, { name: 1, email: null })).toBe(false); // a template gives a string
    expect(Object.keys(portsOf({ type: "Transform", defaults: { mapping: { n: "a" } } }).output.properties)).toEqual(["n"]);
    expect(portsOf({ type: "Transform" }).output.additionalProperties).toBe(true);
    // A malformed mapping: no ports from it (validation reports the config error).
    expect(portsOf({ type: "Transform", config: { mapping: { a: 5 } } }).output.additionalProperties).toBe(true);
  });

  it("keeps a __proto__ output field an own field", async () => {
    const out = (await run(Transform, { value, mapping: { ["__proto__"]: { const: { polluted: true } } } as never })) as object;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(["__proto__"]);
  });

  it("fails permanently without a mapping or with a malformed path", async () => {
    expect(await failure(Transform, { value })).toMatchObject({ code: "missing_mapping", permanent: true });
    const err = await failure(Transform, { value, mapping: { a: "user..first" } });
    expect(err).toMatchObject({ code: "invalid_path", permanent: true });
    expect(err.message).toMatch(/^mapping "a": invalid path/);
  });

  it("rejects malformed mappings", () => {
    const config = configSchema(Transform);
    expect(accepts(config, { mapping: { a: 5 } })).toBe(false);
    expect(accepts(config, { mapping: { a: { path: "x", extra: 1 } } })).toBe(false);
    expect(accepts(config, { mapping: { a: { template: 3 } } })).toBe(false);
    expect(accepts(config, { mapping: { "*": "x" } })).toBe(false);
    expect(accepts(config, { mapping: { "[error]": "x" } })).toBe(false);
    expect(accepts(config, { mapping: { a: "x", b: { const: null }, c: { path: "y", default: 0 } } })).toBe(true);
    expect(accepts(Transform.input, { mapping: { a: "x" } })).toBe(false); // value is required
  });

  it("rejects when aborted", async () => {
    expect(await failure(Transform, { value, mapping: { a: "plan" } }, abortedContext())).toMatchObject({ name: "TaskAbortedError" });
  });
});
