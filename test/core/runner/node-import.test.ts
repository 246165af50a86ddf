import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** Every module reachable from `entry` through static imports, with the bare specifiers it names. */
function importGraph(entry: string): { files: string[]; bare: string[] } {
  const files = new Set<string>();
  const bare = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, "utf8");
    for (const m of source.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/gms)) {
      const spec = m[1];
      if (!spec.startsWith(".")) {
        bare.add(spec);
        continue;
      }
      const base = resolve(dirname(file), spec);
      const candidates = [`${base}.ts`, join(base, "index.ts")];
      const found = candidates.find((c) => {
        try {
          readFileSync(c);
          return true;
        } catch {
          return false;
        }
      });
      if (!found) throw new Error(`cannot resolve ${spec} from ${file}`);
      visit(found);
    }
  };
  visit(entry);
  return { files: [...files].map((f) => f.slice(root.length + 1)), bare: [...bare] };
}

describe("the runner is pure core", () => {
  it("imports nothing from Cloudflare, Hono, Drizzle or the platform shell", () => {
    for (const entry of ["src/core/runner/index.ts", "src/core/task/index.ts"]) {
      const { files, bare } = importGraph(join(root, entry));
      expect(files.every((f) => f.startsWith("src/core/")), files.join(", ")).toBe(true);
      for (const spec of bare) expect(spec).toMatch(/^@sinclair\/typebox(\/|$)/);
    }
  });

  it("runs a graph in a plain Node process", () => {
    const script = `
      import { runGraph } from "./src/core/runner/index.ts";
      import { createRegistry } from "./src/tasks/index.ts";
      const graph = { name: "n", tasks: [{ id: "a", type: "Template", defaults: { template: "Hello {{name}}" } }], dataflows: [] };
      const r = await runGraph(graph, { name: "Node" }, createRegistry(), { startTime: 0 });
      console.log(JSON.stringify({ status: r.status, output: r.output, cf: typeof globalThis.caches }));
    `;
    const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: root, encoding: "utf8" });
    expect(JSON.parse(out.trim())).toEqual({ status: "COMPLETED", output: { text: "Hello Node" }, cf: "undefined" });
  });
});
