import { HttpProblem } from "./problem";

/** A graph version's entity tag: `"<version>"` (SPEC §8). */
export function versionETag(version: number): string {
  return `"${version}"`;
}

/**
 * The version an `If-Match` header demands: a version bare (`3`) or quoted (`"3"`), or several
 * separated by commas (any may match). `*` matches whatever version is current: `"any"`.
 * Missing → 428; unparseable → 400. Weak tags (`W/"3"`) never match under If-Match's strong
 * comparison (RFC 9110), so they are refused as well.
 */
export function parseIfMatch(header: string | undefined): number[] | "any" {
  if (header === undefined || header.trim() === "") {
    throw new HttpProblem("precondition-required", 'This update needs an If-Match header with the version it is based on, e.g. If-Match: "3".');
  }
  if (header.trim() === "*") return "any";
  const versions: number[] = [];
  for (const part of header.split(",")) {
    const m = /^\s*(?:"(\d{1,15})"|(\d{1,15}))\s*$/.exec(part);
    const v = m ? Number(m[1] ?? m[2]) : NaN;
    if (!Number.isSafeInteger(v) || v < 1) {
      throw new HttpProblem("malformed-request", `If-Match must name a graph version, bare or quoted (e.g. "3"); got ${JSON.stringify(header.slice(0, 64))}.`);
    }
    versions.push(v);
  }
  return versions;
}
