import type { Dataflow, Graph, GraphBody, TaskNode } from "../../src/core/graph/schema";
import type { Random } from "./random";

/**
 * Random graphs for the soak: DAGs of 5–60 tasks (plus the tasks of small GraphAsTask subgraphs)
 * mixing every way a task can run and end — inline (sync and async) and queue steps, steps that
 * fail N times then succeed under a retry policy, steps that hang until their timeout, durable
 * Delays, Condition branches, `[error]` routes and nested subgraphs. Every task's behaviour is
 * fixed by the graph (see soak-tasks.ts), so `runGraph` can evaluate the same graph as reference.
 */

export type NodeKind = "inline" | "async" | "queue" | "flaky" | "hang" | "delay" | "condition" | "subgraph";

/** What a generated graph contains: for the report, and for the fault plan (which keys to spare). */
export interface GraphInfo {
  /** Every task, subgraph tasks included. */
  tasks: number;
  kinds: Record<NodeKind, number>;
  /** `[error]` dataflows. */
  errorRoutes: number;
  /** Tasks planned to fail for good (their failure routed or failing the run). */
  doomed: number;
  /** Keys ("sub/inner") of tasks with a `timeoutMs`: a report delayed by an injected crash could time them out. */
  timeoutKeys: string[];
  /** Whether the reference must run on the real clock (a hanging attempt only ends by its timeout). */
  hangs: boolean;
}

export interface GeneratedGraph {
  graph: Graph;
  input: Record<string, unknown>;
  info: GraphInfo;
}

const WEIGHTS: Record<NodeKind, number> = { inline: 24, async: 10, queue: 22, flaky: 12, hang: 5, delay: 8, condition: 8, subgraph: 7 };
/** Condition rules over a hex hash: "hi" for c–f, "mid" for 6–b, else "default". */
const RULE_PORTS = ["hi", "mid", "default"] as const;
const CONDITION_RULES = [
  { port: "hi", when: { op: "gte", value: "c" } },
  { port: "mid", when: { op: "gte", value: "6" } },
];
const MAX_DEPTH = 2;

interface Built {
  node: TaskNode;
  kind: NodeKind;
  /** May fail for good (planned), so an `[error]` route or a run failure may follow. */
  mayFail: boolean;
}

class Generator {
  readonly info: GraphInfo = {
    tasks: 0,
    kinds: { inline: 0, async: 0, queue: 0, flaky: 0, hang: 0, delay: 0, condition: 0, subgraph: 0 },
    errorRoutes: 0,
    doomed: 0,
    timeoutKeys: [],
    hangs: false,
  };

  constructor(private readonly rng: Random) {}

  /** A scope's tasks in topological order (parents are always earlier tasks) and its dataflows. */
  body(count: number, depth: number, path: string): GraphBody & { mayFail: boolean } {
    const rng = this.rng;
    const built: Built[] = [];
    const dataflows: Dataflow[] = [];
    let mayFail = false;
    for (let i = 0; built.length < count; i++) {
      const id = `t${i}`;
      const parents = built.length > 0 && rng.chance(0.85) ? this.parents(built) : [];
      let kind = rng.weighted(depth >= MAX_DEPTH ? { ...WEIGHTS, subgraph: 0 } : WEIGHTS);
      // A subgraph's roots read the GraphAsTask's `in`: only steps have that port.
      if (depth > 0 && parents.length === 0 && (kind === "delay" || kind === "condition" || kind === "subgraph" || kind === "hang")) kind = "inline";
      // A subgraph's last task is a leaf: a step, so the GraphAsTask has a `value` output port.
      if (depth > 0 && built.length === count - 1 && (kind === "condition" || kind === "subgraph")) kind = "queue";
      if ((kind === "delay" || kind === "condition") && parents.length > 1) parents.length = 1;
      const b = this.task(id, kind, depth, path, parents.length === 0);
      built.push(b);
      for (const p of parents) dataflows.push({ sourceTaskId: p.node.id, sourceTaskPortId: sourcePort(p, rng), targetTaskId: id, targetTaskPortId: targetPort(kind) });
      // An `[error]` route: nearly always when the task may fail for good, sometimes otherwise (then SKIPPED).
      // In a subgraph, a second unrouted failure could race the first to fail the GraphAsTask, and
      // the error its own `[error]` route carries would depend on timing: it is always routed.
      const mustRoute = b.mayFail && depth > 0 && mayFail;
      if (mustRoute || rng.chance(b.mayFail ? 0.85 : 0.1)) {
        const handler = this.task(`${id}h`, rng.chance(0.7) ? "inline" : "queue", depth, path, false);
        built.push(handler);
        dataflows.push({ sourceTaskId: id, sourceTaskPortId: "[error]", targetTaskId: handler.node.id, targetTaskPortId: "err" });
        this.info.errorRoutes++;
        if (rng.chance(0.4) && built.length > 2) {
          const extra = rng.pick(built.slice(0, -2));
          dataflows.push({ sourceTaskId: extra.node.id, sourceTaskPortId: sourcePort(extra, rng), targetTaskId: handler.node.id, targetTaskPortId: "in" });
        }
      } else if (b.mayFail) mayFail = true;
    }
    return { tasks: built.map((b) => b.node), dataflows, mayFail };
  }

  /** 1–3 distinct earlier tasks, mostly recent ones (long chains as well as wide joins). */
  private parents(built: Built[]): Built[] {
    const window = built.slice(Math.max(0, built.length - 8));
    const n = Math.min(window.length, this.rng.chance(0.6) ? 1 : this.rng.int(2, 3));
    return this.rng.shuffle(window).slice(0, n);
  }

  private task(id: string, kind: NodeKind, depth: number, path: string, root: boolean): Built {
    const rng = this.rng;
    const key = path ? `${path}/${id}` : id;
    this.info.tasks++;
    this.info.kinds[kind]++;
    const salt = `${key}:${rng.int(0, 1e6)}`;
    switch (kind) {
      case "inline":
        return { kind, mayFail: false, node: { id, type: "SoakStep", defaults: { salt } } };
      case "async":
        return { kind, mayFail: false, node: { id, type: "SoakStep", defaults: { salt, delayMs: rng.int(1, 40) } } };
      case "queue":
        return { kind, mayFail: false, node: { id, type: "SoakQueueStep", defaults: { salt, ...(rng.chance(0.4) ? { delayMs: rng.int(1, 40) } : {}) } } };
      case "flaky": {
        const failures = rng.int(1, 2);
        const permanent = rng.chance(0.08);
        const doomed = permanent || rng.chance(0.12);
        if (doomed) this.info.doomed++;
        return {
          kind,
          mayFail: doomed,
          node: {
            id,
            type: rng.chance(0.5) ? "SoakQueueStep" : "SoakStep",
            defaults: { salt, failures, ...(permanent ? { permanent } : {}) },
            config: { retry: { maxAttempts: doomed && !permanent ? rng.int(1, failures) : failures + 1, backoff: "fixed", initialDelayMs: rng.int(5, 40) } },
          },
        };
      }
      case "hang": {
        const doomed = rng.chance(0.2);
        if (doomed) this.info.doomed++;
        this.info.hangs = true;
        this.info.timeoutKeys.push(key);
        // A spare attempt: an injected delivery crash can delay a good attempt past its timeout.
        return {
          kind,
          mayFail: doomed,
          node: {
            id,
            type: rng.chance(0.5) ? "SoakQueueStep" : "SoakStep",
            defaults: { salt, hangs: 1 },
            config: { timeoutMs: rng.int(80, 200), retry: { maxAttempts: doomed ? 1 : 3, backoff: "fixed", initialDelayMs: rng.int(5, 30) } },
          },
        };
      }
      case "delay":
        return { kind, mayFail: false, node: { id, type: "Delay", defaults: { ms: rng.int(5, 250), ...(root ? { value: `delay-${salt}` } : {}) } } };
      case "condition":
        return { kind, mayFail: false, node: { id, type: "Condition", config: { rules: CONDITION_RULES }, ...(root ? { defaults: { value: salt } } : {}) } };
      case "subgraph": {
        const body = this.body(this.rng.int(2, 5), depth + 1, key);
        return { kind, mayFail: body.mayFail, node: { id, type: "GraphAsTask", subgraph: { tasks: body.tasks, dataflows: body.dataflows } } };
      }
    }
  }
}

function sourcePort(b: Built, rng: Random): string {
  return b.kind === "condition" ? rng.pick(RULE_PORTS) : "value";
}

function targetPort(kind: NodeKind): string {
  return kind === "delay" || kind === "condition" ? "value" : "in";
}

/** The graph and run input for one soak run, from its seed's stream. */
export function generateGraph(rng: Random, name: string): GeneratedGraph {
  const gen = new Generator(rng);
  const body = gen.body(rng.int(5, 60), 0, "");
  const graph: Graph = { name, tasks: body.tasks, dataflows: body.dataflows, ...(rng.chance(0.2) ? { merge: "GRAPH_RESULT_ARRAY" as const } : {}) };
  return { graph, input: { in: [`input-${rng.int(0, 1e9)}`] }, info: gen.info };
}
