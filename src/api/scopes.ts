/*
 * API key scopes, ordered: read < run < admin. A scope implies every scope below it, and the
 * admin token (the Worker's ADMIN_TOKEN secret) holds all of them.
 *
 * - read:  look at anything — graphs, versions, runs, events, the task catalog, dry-run validation.
 * - run:   do the work — create, update and delete graphs, start and control runs. Writing a
 *          graph changes nothing until it runs, and a caller that may run graphs is trusted with
 *          what they do, so authoring sits with running rather than with administration.
 * - admin: manage who and what gets in — API keys, and (with the triggers) webhooks, public
 *          endpoints and schedules, which open ways in from outside.
 */
export const SCOPES = ["read", "run", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

const RANK: Record<Scope, number> = { read: 0, run: 1, admin: 2 };

export function isScope(value: unknown): value is Scope {
  return typeof value === "string" && (SCOPES as readonly string[]).includes(value);
}

/** True when holding `granted` permits an action that needs `needed`. */
export function scopeSatisfies(granted: readonly Scope[], needed: Scope): boolean {
  return granted.some((g) => RANK[g] >= RANK[needed]);
}
