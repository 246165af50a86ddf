/**
 * Finds repeated dataflows (the same four fields; SPEC §8: the later one is the error) in O(1)
 * per dataflow. The common case, one dataflow per pair of tasks, costs a numeric map entry and
 * no string; only pairs joined more than once get keys with their port names.
 */
export class DuplicateDataflows {
  /** (source index, target index) → the first dataflow joining them. */
  private readonly firstOfPair = new Map<number, number>();
  /** "pair\0sourcePort\0targetPort" → dataflow index, for pairs seen more than once. */
  private readonly byPorts = new Map<string, number>();
  /** Dataflows whose tasks are not both in the graph, by their four fields. */
  private readonly dangling = new Map<string, number>();

  constructor(
    private readonly taskCount: number,
    /** The port ids of an earlier dataflow, read back when its pair turns up again. */
    private readonly portsOf: (index: number) => [string, string],
  ) {}

  /** Records dataflow `index` from task `s` to task `t`; returns an earlier identical dataflow's index. */
  add(index: number, s: number, sourcePort: string, t: number, targetPort: string): number | undefined {
    const pair = s * this.taskCount + t;
    const first = this.firstOfPair.get(pair);
    if (first === undefined) {
      this.firstOfPair.set(pair, index);
      return undefined;
    }
    const [fs, ft] = this.portsOf(first);
    // NUL never occurs in a valid port name, so these keys are unambiguous.
    const firstKey = `${pair}\u0000${fs}\u0000${ft}`;
    if (!this.byPorts.has(firstKey)) this.byPorts.set(firstKey, first);
    const key = `${pair}\u0000${sourcePort}\u0000${targetPort}`;
    const earlier = this.byPorts.get(key);
    if (earlier !== undefined) return earlier;
    this.byPorts.set(key, index);
    return undefined;
  }

  /** The same for a dataflow naming a task that does not exist (its ids are all there is to compare). */
  addDangling(index: number, fields: [string, string, string, string]): number | undefined {
    const key = fields.join("\u0000");
    const earlier = this.dangling.get(key);
    if (earlier !== undefined) return earlier;
    this.dangling.set(key, index);
    return undefined;
  }
}
