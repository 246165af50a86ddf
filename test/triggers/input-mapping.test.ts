import { describe, expect, it } from "vitest";
import { applyInputMapping, inputMappingErrors, mappingReadsBody } from "../../src/api/input-mapping";

const body = { user: { name: "Ada", "a/b": 1, "m~n": 2 }, items: [{ id: 7 }, { id: 8 }], flag: false, nothing: null };
const headers = new Headers({ "X-GitHub-Event": "push", "Content-Type": "application/json" });

describe("input mappings", () => {
  it("resolves JSON Pointers into the body and reads headers by lower-case name", () => {
    const mapping = {
      name: "/body/user/name",
      slash: "/body/user/a~1b",
      tilde: "/body/user/m~0n",
      second: "/body/items/1/id",
      flag: "/body/flag",
      nothing: "/body/nothing",
      whole: "/body",
      event: "/headers/x-github-event",
    };
    expect(inputMappingErrors(mapping, "/inputMapping")).toEqual([]);
    expect(applyInputMapping(mapping, body, headers)).toEqual({ name: "Ada", slash: 1, tilde: 2, second: 8, flag: false, nothing: null, whole: body, event: "push" });
  });

  it("leaves out keys whose pointer finds nothing", () => {
    const mapping = { a: "/body/user/missing", b: "/body/items/2/id", c: "/body/items/01", d: "/body/items/-", e: "/body/flag/x", f: "/headers/x-absent" };
    expect(applyInputMapping(mapping, body, headers)).toEqual({});
    expect(applyInputMapping({ a: "/body/x" }, undefined, headers)).toEqual({});
  });

  it("keeps a key named __proto__ as a key and never reads inherited properties", () => {
    const input = applyInputMapping(JSON.parse('{"__proto__":"/body/user/name","ctor":"/body/constructor"}'), body, headers);
    expect(Object.getPrototypeOf(input)).toBe(Object.prototype);
    expect(Object.keys(input)).toEqual(["__proto__"]);
    expect(JSON.parse(JSON.stringify(input))).toEqual(JSON.parse('{"__proto__":"Ada"}'));
  });

  it("refuses pointers outside body and headers, header pointers that are not one lower-case name, and credential headers", () => {
    const errors = inputMappingErrors(
      {
        a: "body/x",
        b: "/query/x",
        c: "/headers",
        d: "/headers/X-Upper",
        e: "/headers/a/b",
        f: "/headers/authorization",
        g: "/headers/cookie",
        h: "/headers/weft-signature",
        i: 5,
        j: "/body/ok",
      },
      "/inputMapping",
    );
    expect(errors.map((e) => e.path)).toEqual(["/inputMapping/a", "/inputMapping/b", "/inputMapping/c", "/inputMapping/d", "/inputMapping/e", "/inputMapping/f", "/inputMapping/g", "/inputMapping/h", "/inputMapping/i"]);
    expect(inputMappingErrors([], "/m")).toEqual([{ path: "/m", message: expect.any(String) }]);
    expect(inputMappingErrors(Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, "/body"])), "/m")).toHaveLength(1);
  });

  it("knows whether a mapping needs the body", () => {
    expect(mappingReadsBody({ a: "/headers/x" })).toBe(false);
    expect(mappingReadsBody({ a: "/headers/x", b: "/body" })).toBe(true);
    expect(mappingReadsBody({ a: "/bodyguard" } as Record<string, string>)).toBe(false);
  });
});
