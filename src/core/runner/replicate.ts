import { TaskInvalidInputError } from "../task/errors";

/** Upper bound on the replicas one task may expand into (the cartesian product can explode). */
export const MAX_REPLICAS = 10_000;

/**
 * `config.replicate` (the seed's ArrayTask): the ports of `ports` whose value is an array run the
 * task once per element; several such ports give their cartesian product, the first listed port
 * varying slowest (replica i of ports [a, b] with |b| = m is a[⌊i/m⌋], b[i mod m]).
 * Returns undefined when no replicate port holds an array (the task runs once, as usual).
 */
export function expandReplicas(input: Record<string, unknown>, ports: readonly string[]): Record<string, unknown>[] | undefined {
  const arrays: Array<{ port: string; values: unknown[] }> = [];
  for (const port of ports) {
    const v = input[port];
    if (Array.isArray(v)) arrays.push({ port, values: v });
  }
  if (arrays.length === 0) return undefined;
  let count = 1;
  for (const a of arrays) count *= a.values.length;
  if (count > MAX_REPLICAS) {
    throw new TaskInvalidInputError(`replicate over ${arrays.map((a) => `"${a.port}"`).join(", ")} would run ${count} replicas, more than ${MAX_REPLICAS}`);
  }
  const replicas: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const replica = { ...input };
    let rest = i;
    for (let p = arrays.length - 1; p >= 0; p--) {
      const { port, values } = arrays[p];
      replica[port] = values[rest % values.length];
      rest = Math.floor(rest / values.length);
    }
    replicas.push(replica);
  }
  return replicas;
}
