/** The Worker's bindings; declared in src/cloudflare-env.d.ts so `cloudflare:workers` sees them too. */
export type Env = Cloudflare.Env;
