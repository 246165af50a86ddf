#!/usr/bin/env node
// The `weft` command (package.json "bin"). The CLI is TypeScript in src/cli, run through tsx so
// it is never stale and needs no build step: `npx weft --help`.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
