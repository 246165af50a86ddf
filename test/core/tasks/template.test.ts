import { describe, expect, it } from "vitest";
import { Template, templateVariables } from "../../../src/tasks/template";
import { abortedContext, accepts, configSchema, failure, portsOf, run, TestContext } from "./helpers";

describe("Template", () => {
  it("renders variables, dotted paths and JSON for objects", async () => {
    const out = await run(Template, { template: "Hi {{ name }} from {{user.city}} ({{user.tags[1]}}) {{user}}", name: "Ada", user: { city: "London", tags: ["a", "b"] } });
    expect(out).toEqual({ text: 'Hi Ada from London (b) {"city":"London","tags":["a","b"]}' });
  });

  it("renders missing and null values empty unless strict", async () => {
    expect(await run(Template, { template: "[{{a}}][{{b}}]", b: null })).toEqual({ text: "[][]" });
    const err = await failure(Template, { template: "Hi {{name}}" }, new TestContext({ strict: true }));
    expect(err).toMatchObject({ name: "PermanentTaskError", code: "missing_value", permanent: true });
    expect(err.message).toContain("{{name}}");
    expect(await run(Template, { template: "{{n}}", n: 0 }, new TestContext({ strict: true }))).toEqual({ text: "0" });
  });

  it("fails permanently on a malformed placeholder path", async () => {
    expect(await failure(Template, { template: "{{a..b}}" })).toMatchObject({ code: "invalid_path", permanent: true });
  });

  it("declares one port per top-level variable when the template is known", () => {
    expect(templateVariables("{{a.b}} {{a.c}} {{b[0]}} {{/c/d}}")).toEqual(["a", "b", "c"]);
    const ports = portsOf({ type: "Template", defaults: { template: "Hello {{name}} {{user.city}}" } });
    expect(Object.keys(ports.input.properties)).toEqual(["template", "name", "user"]);
    expect(ports.input.additionalProperties).toBe(false);
    expect(accepts(ports.input, { template: "x", name: "A", other: 1 })).toBe(false);
    // A malformed placeholder makes the ports unknowable: validation reports it.
    expect(() => portsOf({ type: "Template", defaults: { template: "{{a..b}}" } })).toThrow(/invalid path "a..b"/);
    // Without a known template the input is open.
    expect(portsOf({ type: "Template" }).input.additionalProperties).toBe(true);
  });

  it("rejects bad input and config", () => {
    expect(accepts(Template.input, { name: "no template" })).toBe(false);
    expect(accepts(Template.input, { template: 5 })).toBe(false);
    expect(accepts(configSchema(Template), { strict: "yes" })).toBe(false);
    expect(accepts(configSchema(Template), { strict: true })).toBe(true);
  });

  it("rejects when its signal is aborted", async () => {
    expect(await failure(Template, { template: "x" }, abortedContext())).toMatchObject({ name: "TaskAbortedError", message: "run cancelled" });
  });
});
