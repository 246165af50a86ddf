import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main";
import { bar, table } from "../../src/cli/output";
import { webhookSignature } from "../../src/cli/signature";

describe("webhookSignature", () => {
  it("is HMAC-SHA256 of '<t>.<body>' keyed with the secret's UTF-8 bytes", () => {
    const body = new TextEncoder().encode('{"x":"ü"}');
    const expected = createHmac("sha256", Buffer.from("clé", "utf8")).update("1700000000.").update(body).digest("hex");
    expect(webhookSignature("clé", body, 1700000000)).toBe(`t=1700000000,v1=${expected}`);
  });

  it("refuses a timestamp that is not whole seconds", () => {
    expect(() => webhookSignature("k", new Uint8Array(), 1.5)).toThrow(RangeError);
    expect(() => webhookSignature("k", new Uint8Array(), -1)).toThrow(RangeError);
  });
});

describe("output helpers", () => {
  it("aligns table columns, colour codes not counted", () => {
    expect(table(["A", "LONGER"], [["xxx", "\u001b[32mok\u001b[39m"], ["y", "z"]])).toEqual(["A    LONGER", "───  ──────", "xxx  \u001b[32mok\u001b[39m", "y    z"]);
  });

  it("draws bars clamped to 0–100", () => {
    expect(bar(50, 4)).toBe("[██░░]");
    expect(bar(150, 2)).toBe("[██]");
    expect(bar(-3, 2)).toBe("[░░]");
  });
});

describe("main", () => {
  const capture = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, output: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), interactive: false, color: false } };
  };

  it("answers usage errors with exit 2 and a hint", async () => {
    const c = capture();
    expect(await main(["graphs", "frob"], {}, c.output)).toBe(2);
    expect(c.err.join("\n")).toMatch(/unknown command: weft graphs frob[\s\S]*--help/);
    expect(await main(["run"], {}, c.output)).toBe(2);
    expect(await main(["sign", "--timestamp"], {}, c.output)).toBe(2);
  });

  it("prints help on stdout with exit 0", async () => {
    const c = capture();
    expect(await main(["-h"], {}, c.output)).toBe(0);
    expect(c.out.join("\n")).toContain("Exit codes:");
  });
});
