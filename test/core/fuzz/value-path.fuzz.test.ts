import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { placeholders } from "../../../src/tasks/lib/render";
import { InvalidPathError, getAt, parsePath } from "../../../src/tasks/lib/value-path";
import { fuzzParams, runsOf } from "./fuzz-params";
import { weirdString } from "./arbitraries";

/*
 * The value paths users write in Template placeholders, Pick, Transform, Condition and Log
 * (src/tasks/lib/value-path.ts). Validation works out a Template's ports from its placeholders,
 * and the tasks turn InvalidPathError into a permanent failure: any other error from a path
 * the user wrote is a bug (a misleading message, a retried task that can never succeed).
 */

const params = fuzzParams(process.env);
const PROPERTY_TIMEOUT_MS = 60_000 * Math.max(1, params.scale);

/** Path-shaped text: the path syntax's own characters, escapes and quotes, mixed with anything. */
const pathText = fc.oneof(
  fc.string({ unit: fc.constantFrom(".", "[", "]", '"', "\\\\", "/", "~", "0", "1", "a", "x", "u", "\\u0001", "\\n", "é", "😀"), maxLength: 16 }),
  weirdString.filter((s) => s.length < 200),
);

describe("value paths (fuzzed)", () => {
  it("parsePath either parses or throws InvalidPathError, never another error", () => {
    fc.assert(
      fc.property(pathText, (path) => {
        let segments: string[] | undefined;
        try {
          segments = parsePath(path);
        } catch (err) {
          expect(err, `parsePath(${JSON.stringify(path)}) threw ${(err as Error).name}: ${(err as Error).message}`).toBeInstanceOf(InvalidPathError);
          return;
        }
        // What parses can be followed through any value without throwing.
        expect(() => getAt({ a: [1, { b: 2 }] }, segments as string[])).not.toThrow();
      }),
      runsOf(params, 2000),
    );
  }, PROPERTY_TIMEOUT_MS);

  it("template placeholders either parse or throw InvalidPathError", () => {
    fc.assert(
      fc.property(pathText, pathText, (a, b) => {
        try {
          placeholders(`${a}{{${b}}}{{ ${a} }}`);
        } catch (err) {
          expect(err, `placeholders threw ${(err as Error).name}: ${(err as Error).message}`).toBeInstanceOf(InvalidPathError);
        }
      }),
      runsOf(params, 1000),
    );
  }, PROPERTY_TIMEOUT_MS);
});
