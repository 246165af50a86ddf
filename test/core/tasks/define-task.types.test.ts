import { Type } from "@sinclair/typebox";
import { describe, expect, expectTypeOf, it } from "vitest";
import { defineTask } from "../../../src/core/task/define-task";
import { defineQueueTask } from "../../../src/tasks/job-queue-task";

/**
 * Type-level checks: `npm run typecheck` compiles this file, and each `@ts-expect-error` line must be
 * an error (an unused one is itself an error), so a loosening of defineTask's types fails the build.
 */

const input = Type.Object({ text: Type.String(), times: Type.Optional(Type.Integer()) });
const output = Type.Object({ text: Type.String(), length: Type.Number() });
const config = Type.Object({ suffix: Type.Optional(Type.String()) });

describe("defineTask types", () => {
  it("types run's input, config and return value from the schemas", () => {
    const Repeat = defineTask({
      type: "Repeat",
      title: "Repeat",
      category: "Test",
      execution: "inline",
      input,
      output,
      config,
      run: (inp, ctx) => {
        expectTypeOf(inp.text).toEqualTypeOf<string>();
        expectTypeOf(inp.times).toEqualTypeOf<number | undefined>();
        expectTypeOf(ctx.config.suffix).toEqualTypeOf<string | undefined>();
        expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
        const text = inp.text.repeat(inp.times ?? 1) + (ctx.config.suffix ?? "");
        return { text, length: text.length };
      },
    });
    expectTypeOf(Repeat.run).parameter(0).toEqualTypeOf<{ text: string; times?: number }>();
    expect(Repeat.type).toBe("Repeat");
  });

  it("rejects mismatches at compile time", () => {
    const defs = [
      defineTask({
        type: "WrongType",
        title: "t",
        category: "Test",
        execution: "inline",
        input,
        output,
        // @ts-expect-error: `length` must be a number
        run: ({ text }) => ({ text, length: "long" }),
      }),
      defineTask({
        type: "Missing",
        title: "t",
        category: "Test",
        execution: "inline",
        input,
        output,
        // @ts-expect-error: `length` is missing from the output
        run: ({ text }) => ({ text }),
      }),
      defineTask({
        type: "AsyncWrong",
        title: "t",
        category: "Test",
        execution: "inline",
        input,
        output,
        // @ts-expect-error: an async run is checked too
        run: async ({ text }) => ({ text, length: null }),
      }),
      defineTask({
        type: "NoSuchPort",
        title: "t",
        category: "Test",
        execution: "inline",
        input,
        output,
        run: (inp) => {
          // @ts-expect-error: `count` is not an input port
          const n: number = inp.count;
          return { text: inp.text, length: n };
        },
      }),
      defineTask({
        type: "InputTypo",
        title: "t",
        category: "Test",
        execution: "inline",
        input,
        output,
        // @ts-expect-error: `text` is a string, not a number
        run: ({ text }: { text: number }) => ({ text: String(text), length: 1 }),
      }),
      defineTask({
        type: "NoSuchConfig",
        title: "t",
        category: "Test",
        execution: "inline",
        input,
        output,
        config,
        run: ({ text }, ctx) => {
          // @ts-expect-error: `prefix` is not a config key
          const p: string = ctx.config.prefix;
          return { text: p + text, length: 0 };
        },
      }),
      defineTask({
        type: "BadResume",
        title: "t",
        category: "Test",
        execution: "inline",
        input: Type.Object({ ms: Type.Number() }),
        output: Type.Object({ done: Type.Boolean() }),
        wait: ({ ms }) => ({ kind: "timer", ms }),
        // @ts-expect-error: resume builds the output too
        resume: () => ({ done: "yes" }),
      }),
      defineTask({
        type: "BadWait",
        title: "t",
        category: "Test",
        execution: "inline",
        input: Type.Object({ ms: Type.Number() }),
        output: Type.Object({}),
        // @ts-expect-error: not a wait request
        wait: ({ ms }) => ({ kind: "sleep", ms }),
      }),
      defineTask({
        type: "BadExecution",
        title: "t",
        category: "Test",
        // @ts-expect-error: not an execution kind
        execution: "thread",
        input,
        output,
        run: ({ text }) => ({ text, length: 0 }),
      }),
    ];
    expect(defs).toHaveLength(9);
  });

  it("types defineQueueTask the same way, and requires run without wait", () => {
    const ok = defineQueueTask({
      type: "Q",
      title: "Q",
      category: "Test",
      input,
      output,
      run: async ({ text }) => ({ text, length: text.length }),
    });
    expectTypeOf(ok.execution).toEqualTypeOf<"inline" | "queue" | "graph">();
    // @ts-expect-error: a queue task needs run
    expect(() => defineQueueTask({ type: "Q2", title: "Q", category: "Test", input, output })).toThrow(/needs run/);
    expect(() =>
      defineQueueTask({
        type: "Q3",
        title: "Q",
        category: "Test",
        input,
        output,
        run: ({ text }) => ({ text, length: 1 }),
        // @ts-expect-error: a queue worker runs; it does not park on a durable wait
        wait: () => ({ kind: "timer", ms: 1 }),
      }),
    ).toThrow(/durable waits/);
    defineQueueTask({
      type: "Q4",
      title: "Q",
      category: "Test",
      input,
      output,
      // @ts-expect-error: wrong output type
      run: ({ text }) => ({ text, length: [text.length] }),
    });
    expect(ok.execution).toBe("queue");
  });
});
