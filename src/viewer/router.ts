/** Hash routes: `#/graphs/g_1` → { name: "graph", params: ["g_1"] }. */
export interface Route {
  name: "graphs" | "graph" | "runs" | "run" | "api" | "sign-in" | "not-found";
  params: string[];
}

const PATTERNS: [Route["name"], RegExp][] = [
  ["graphs", /^\/?(?:graphs\/?)?$/],
  ["graph", /^\/graphs\/([^/]+)$/],
  ["runs", /^\/runs\/?$/],
  ["run", /^\/runs\/([^/]+)$/],
  ["api", /^\/api\/?$/],
  ["sign-in", /^\/sign-in$/],
];

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, "") || "/";
  for (const [name, re] of PATTERNS) {
    const m = re.exec(path);
    if (m) {
      try {
        return { name, params: m.slice(1).map((p) => decodeURIComponent(p)) };
      } catch {
        return { name: "not-found", params: [] };
      }
    }
  }
  return { name: "not-found", params: [] };
}
