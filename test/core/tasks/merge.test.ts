import { describe, expect, it } from "vitest";
import { Merge } from "../../../src/tasks/merge";
import { abortedContext, accepts, configSchema, failure, portsOf, run, TestContext } from "./helpers";

describe("Merge", () => {
  it("merges shallowly by default, later objects winning", async () => {
    const out = await run(Merge, { objects: [{ a: 1, nested: { x: 1 } }, { b: 2, nested: { y: 2 } }, { a: 3 }] });
    expect(out).toEqual({ value: { a: 3, b: 2, nested: { y: 2 } } });
  });

  it("merges nested objects with deep, arrays replaced or concatenated", async () => {
    const objects = [{ user: { name: "Ada", tags: ["a"] } }, { user: { city: "London", tags: ["b"] } }];
    expect(await run(Merge, { objects }, new TestContext({ deep: true }))).toEqual({ value: { user: { name: "Ada", city: "London", tags: ["b"] } } });
    expect(await run(Merge, { objects }, new TestContext({ deep: true, arrays: "concat" }))).toEqual({
      value: { user: { name: "Ada", city: "London", tags: ["a", "b"] } },
    });
    // The inputs are not modified.
    expect(objects[0]).toEqual({ user: { name: "Ada", tags: ["a"] } });
  });

  it("merges the named ports after objects, in config order, skipping null and absent ones", async () => {
    const ctx = new TestContext({ ports: ["base", "override"] });
    const out = await run(Merge, { objects: [{ a: 0, z: 0 }], override: { a: 2 }, base: { a: 1, b: 1 }, extra: null }, ctx);
    expect(out).toEqual({ value: { a: 2, z: 0, b: 1 } });
    expect(await run(Merge, { base: null }, ctx)).toEqual({ value: {} });
    expect(await run(Merge, {})).toEqual({ value: {} });
  });

  it("declares the named ports, closed", () => {
    const ports = portsOf({ type: "Merge", config: { ports: ["base", "override"] } });
    expect(Object.keys(ports.input.properties)).toEqual(["objects", "base", "override"]);
    expect(accepts(ports.input, { base: { a: 1 }, override: null })).toBe(true);
    expect(accepts(ports.input, { base: 5 })).toBe(false);
    expect(accepts(ports.input, { other: {} })).toBe(false);
    expect(Object.keys(portsOf({ type: "Merge" }).input.properties)).toEqual(["objects"]);
  });

  it("does not let a __proto__ key change the prototype", async () => {
    const evil = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}');
    for (const deep of [false, true]) {
      const out = (await run(Merge, { objects: [evil] }, new TestContext({ deep }))) as { value: Record<string, unknown> };
      expect(Object.getPrototypeOf(out.value)).toBe(Object.prototype);
      expect((out.value as { polluted?: unknown }).polluted).toBeUndefined();
      expect(Object.keys(out.value)).toEqual(["__proto__", "a"]);
    }
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it("fails permanently on a value that is not an object", async () => {
    const err = await failure(Merge, { objects: [{ a: 1 }] as unknown[], base: [1, 2] }, new TestContext({ ports: ["base"] }));
    expect(err).toMatchObject({ code: "not_an_object", permanent: true, message: "base is not an object" });
  });

  it("rejects bad input and config", () => {
    expect(accepts(Merge.input, { objects: [1] })).toBe(false);
    expect(accepts(Merge.input, { objects: {} })).toBe(false);
    const config = configSchema(Merge);
    expect(accepts(config, { deep: "yes" })).toBe(false);
    expect(accepts(config, { arrays: "merge" })).toBe(false);
    expect(accepts(config, { ports: ["objects"] })).toBe(false); // taken by the array port
    expect(accepts(config, { ports: ["a", "a"] })).toBe(false);
    expect(accepts(config, { ports: ["*"] })).toBe(false);
    expect(accepts(config, { ports: ["[error]"] })).toBe(false);
    expect(accepts(config, { deep: true, arrays: "concat", ports: ["a", "b"] })).toBe(true);
  });

  it("rejects when aborted", async () => {
    expect(await failure(Merge, { objects: [] }, abortedContext())).toMatchObject({ name: "TaskAbortedError" });
  });
});
