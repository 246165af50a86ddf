// Reads and creates `.dev.vars`, the local secrets file `wrangler dev` loads (never committed).
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const DEV_VARS_PATH = fileURLToPath(new URL("../.dev.vars", import.meta.url));

/** `KEY=value` lines (values optionally quoted); comments and blank lines ignored. */
export function readDevVars(path = DEV_VARS_PATH) {
  const vars = {};
  if (!existsSync(path)) return vars;
  for (const line of readFileSync(path, "utf8").split(/\r?\n/)) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m || line.trimStart().startsWith("#")) continue;
    let value = m[2];
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1);
    vars[m[1]] = value;
  }
  return vars;
}

/**
 * Makes sure `.dev.vars` holds an ADMIN_TOKEN, generating a random one the first time.
 * Returns the token and whether it was just created.
 */
export function ensureAdminToken(path = DEV_VARS_PATH) {
  const existing = readDevVars(path).ADMIN_TOKEN;
  if (existing) return { token: existing, created: false };
  const token = `weft_admin_${randomBytes(24).toString("base64url")}`;
  const before = existsSync(path) ? readFileSync(path, "utf8") : "";
  const separator = before === "" || before.endsWith("\n") ? "" : "\n";
  writeFileSync(path, `${before}${separator}# Bootstrap admin token for the local API (Authorization: Bearer <token>).\nADMIN_TOKEN="${token}"\n`, { mode: 0o600 });
  return { token, created: true };
}
