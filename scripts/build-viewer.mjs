#!/usr/bin/env node
// Bundles the viewer (src/viewer) into public/assets/: viewer.js (the page) and layout-worker.js
// (graph layout off the main thread). Run by `npm start`, `npm test` (pretest) and wrangler's
// [build] step, so `wrangler dev` and `wrangler deploy` always serve a fresh bundle; the output
// is not committed (.gitignore). `--watch` rebuilds on change.
import * as esbuild from "esbuild";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

const options = {
  absWorkingDir: root,
  entryPoints: { viewer: "src/viewer/main.ts", "layout-worker": "src/viewer/graph/layout-worker.ts" },
  outdir: "public/assets",
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["chrome110", "firefox110", "safari16"],
  minify: true,
  sourcemap: "linked",
  legalComments: "linked",
  logLevel: "warning",
};

if (process.argv.includes("--watch")) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
  console.log("[viewer] watching src/ for changes");
} else {
  const started = performance.now();
  const result = await esbuild.build({ ...options, metafile: true });
  const sizes = Object.entries(result.metafile.outputs)
    .filter(([file]) => file.endsWith(".js"))
    .map(([file, out]) => `${file.replace("public/assets/", "")} ${(out.bytes / 1024).toFixed(0)} KiB`);
  console.log(`[viewer] built ${sizes.join(", ")} in ${Math.round(performance.now() - started)} ms`);
}
