/**
 * Outbound host allow-lists for Fetch.
 *
 * An entry is a host name ("api.example.com"), a wildcard for its subdomains at any depth
 * ("*.example.com" — not example.com itself), an IP literal ("127.0.0.1", "[::1]") or "*" (any
 * public host). Matching ignores case and a trailing dot; ports are not part of an entry.
 *
 * Loopback, private, link-local and unspecified addresses, and "localhost", are never matched by a
 * wildcard: they must be listed exactly. A graph author cannot reach the deployment's own network
 * by writing "*".
 */

export type HostList = readonly string[];

export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.endsWith(".")) h = h.slice(0, -1);
  if (h.startsWith("[") && h.endsWith("]")) h = h.slice(1, -1);
  return h;
}

function ipv4(host: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts : undefined;
}

/** Whether a (normalized) host names this machine or a private network. */
export function isInternalHost(host: string): boolean {
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  const v4 = ipv4(host);
  if (v4) {
    const [a, b] = v4;
    return (
      a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127)
    );
  }
  if (host.includes(":")) {
    // IPv6: loopback, unspecified, unique-local fc00::/7, link-local fe80::/10, IPv4-mapped.
    if (host === "::1" || host === "::") return true;
    if (/^f[cd][0-9a-f]{2}:/.test(host) || /^fe[89ab][0-9a-f]:/.test(host)) return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host);
    if (mapped) return isInternalHost(mapped[1]);
    return /^::ffff:/.test(host);
  }
  return false;
}

/** Whether one allow-list entry admits `host` (both normalized). */
function entryAdmits(entry: string, host: string): boolean {
  if (entry === host) return true;
  if (isInternalHost(host)) return false;
  if (entry === "*") return true;
  if (entry.startsWith("*.")) {
    const suffix = entry.slice(1); // ".example.com"
    return host.endsWith(suffix) && host.length > suffix.length && !ipv4(host);
  }
  return false;
}

/** Whether `list` admits `host`. */
export function hostAllowed(list: HostList, host: string): boolean {
  const h = normalizeHost(host);
  return list.some((e) => entryAdmits(normalizeHost(e), h));
}

/** A syntactically acceptable entry: "*", "*.name", a host name or an IP literal. */
export const HOST_ENTRY_PATTERN = "^(\\*|(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\\.?|\\[[0-9A-Fa-f:.]+\\])$";

/**
 * Parses a deployment setting such as `FETCH_ALLOW_HOSTS="api.example.com, *.example.org"`
 * (commas or whitespace between entries). Empty or unset → undefined (no deployment restriction).
 */
export function parseHostList(setting: string | undefined): string[] | undefined {
  if (setting === undefined) return undefined;
  const entries = setting.split(/[\s,]+/).filter((e) => e.length > 0);
  const re = new RegExp(HOST_ENTRY_PATTERN);
  for (const e of entries) if (!re.test(e)) throw new Error(`invalid host allow-list entry ${JSON.stringify(e)}`);
  return entries.length > 0 ? entries : undefined;
}
