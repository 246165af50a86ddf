import { OptionalKind, Type, type TSchema } from "@sinclair/typebox";
import type { TaskNode } from "../core/graph/schema";
import { defineTask, type TaskPorts } from "../core/task/define-task";
import { subgraphPorts } from "./graph-as-task";

/** Iterations running at once when `config.concurrency` is not set. */
export const DEFAULT_MAP_CONCURRENCY = 10;
/** The highest `config.concurrency`. */
export const MAX_MAP_CONCURRENCY = 1000;
/** The most elements one Map runs its subgraph for (every iteration's tasks are rows of the run). */
export const MAX_MAP_ITEMS = 10_000;

const DEFAULT_ITEM_PORT = "item";
const DEFAULT_INDEX_PORT = "index";

/** A port name a subgraph can declare: not the reserved "*" and "[error]". */
function portName(description: string) {
  return Type.String({ minLength: 1, maxLength: 128, pattern: "^(?!\\*$|\\[error\\]$)[\\s\\S]+$", description });
}

const config = Type.Object(
  {
    concurrency: Type.Optional(
      Type.Integer({ minimum: 1, maximum: MAX_MAP_CONCURRENCY, default: DEFAULT_MAP_CONCURRENCY, description: `Most iterations running at once (default ${DEFAULT_MAP_CONCURRENCY})` }),
    ),
    itemPort: Type.Optional(portName(`The input key each element reaches the subgraph under (default "${DEFAULT_ITEM_PORT}")`)),
    indexPort: Type.Optional(portName(`The input key of the element's index (default "${DEFAULT_INDEX_PORT}")`)),
  },
  { additionalProperties: false },
);

/** The type's catalog schemas; each instance's ports come from its subgraph (see mapPorts). */
const input = Type.Object(
  { items: Type.Array(Type.Unknown(), { maxItems: MAX_MAP_ITEMS, description: "One subgraph iteration per element" }) },
  { additionalProperties: true },
);
const output = Type.Object({ results: Type.Array(Type.Unknown(), { description: "Each iteration's merged leaves, in item order" }) }, { additionalProperties: false });

function portNames(task: TaskNode): { itemPort: string; indexPort: string } {
  const c = task.config ?? {};
  return {
    itemPort: typeof c.itemPort === "string" ? c.itemPort : DEFAULT_ITEM_PORT,
    indexPort: typeof c.indexPort === "string" ? c.indexPort : DEFAULT_INDEX_PORT,
  };
}

/** A subgraph port schema without the Optional marker subgraphPorts gave it (it becomes an array's items). */
function required(schema: TSchema): TSchema {
  const copy: TSchema = { ...schema };
  delete (copy as unknown as Record<PropertyKey, unknown>)[OptionalKind];
  return copy;
}

/**
 * Ports of one Map: input `items` (an array of what the subgraph's `itemPort` accepts) plus the
 * subgraph's other input ports, which reach every iteration as they are; output `results`, an
 * array of what one iteration's merged leaves are (an object, or with `merge: GRAPH_RESULT_ARRAY`
 * the `[{ id, type, data }]` list).
 */
export function mapPorts(task: TaskNode, portsOf: (t: TaskNode) => TaskPorts | undefined): TaskPorts {
  const { itemPort, indexPort } = portNames(task);
  if (itemPort === indexPort) throw new Error(`config.itemPort and config.indexPort are both "${itemPort}"; they must differ`);
  const inner = subgraphPorts(task, portsOf);
  const props = { ...(inner.input.properties as Record<string, TSchema>) };
  const item = props[itemPort];
  delete props[itemPort];
  delete props[indexPort];
  delete props.items;
  return {
    input: Type.Object(
      { items: Type.Array(item ? required(item) : Type.Unknown(), { maxItems: MAX_MAP_ITEMS }), ...props },
      { additionalProperties: inner.input.additionalProperties !== false },
    ),
    output: Type.Object({ results: Type.Array(inner.whole ?? inner.output) }, { additionalProperties: false }),
  };
}

/**
 * Map: runs its `subgraph` once per element of `items`, at most `config.concurrency` iterations
 * at once. Iteration i reads, like a run input, the Map's other input ports plus `item` (the
 * element) and `index` (i) — names set by `config.itemPort` / `config.indexPort`. Its output is
 * `{ results }`: each iteration's leaves merged by the Map's `merge` (as a GraphAsTask merges its
 * subgraph), in item order. The runner expands the iterations lazily under the path `<id>[<i>]`
 * (task keys `map[3]/inner`); an iteration failing without an `[error]` dataflow inside it fails
 * the Map, whose own `[error]` dataflows can route that.
 */
export const MapTask = defineTask({
  type: "Map",
  title: "Map",
  category: "Control",
  description:
    "Runs its `subgraph` once per element of `items` (each iteration reads `item` and `index`, plus the Map's other inputs), " +
    `at most \`config.concurrency\` (default ${DEFAULT_MAP_CONCURRENCY}) at once; output \`results\`: every iteration's merged leaves, in item order.`,
  execution: "graph",
  input,
  output,
  config,
  ports: mapPorts,
  iterate: (inp, cfg) => {
    const { items, ...shared } = inp;
    const itemPort = cfg.itemPort ?? DEFAULT_ITEM_PORT;
    const indexPort = cfg.indexPort ?? DEFAULT_INDEX_PORT;
    return {
      count: items.length,
      concurrency: cfg.concurrency ?? DEFAULT_MAP_CONCURRENCY,
      input: (index) => ({ ...shared, [indexPort]: index, [itemPort]: items[index] }),
      output: (results) => ({ results }),
    };
  },
});
