import { env } from "cloudflare:workers";
import { createRegistry, parseHostList } from "./tasks";

/**
 * The task types this deployment runs. The API (validation, /task-types), the RunObject (inline
 * tasks) and the queue consumer (queue tasks) all use this one registry. Add a custom task type
 * in one line: `createRegistry([MyTask], …)`.
 *
 * FETCH_ALLOW_HOSTS (a Worker var: comma- or space-separated hosts, `*.example.com` wildcards)
 * is the ceiling for every Fetch task's outbound hosts; a task's `config.allowHosts` narrows it.
 */
const allowHosts = parseHostList(env.FETCH_ALLOW_HOSTS);

export const registry = createRegistry([], allowHosts ? { fetch: { allowHosts } } : {});
