import dagre from "@dagrejs/dagre";
import type { ViewModel } from "./model";

/*
 * Positions for a view model, computed once per structure (opening or closing a subgraph is a
 * new structure; run events never are). dagre's default ranker (network simplex) is superlinear
 * and takes tens of seconds on a thousand tasks; longest-path ranks such graphs in about a second
 * and a half with a slightly less compact drawing, so large graphs use it.
 */

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Layout {
  /** Top-left corner and size of every node, group boxes included. */
  nodes: Record<string, Box>;
  /** Polyline points of every edge, by edge id. */
  edges: Record<string, { x: number; y: number }[]>;
  width: number;
  height: number;
}

export const SMALL_GRAPH_NODES = 150;

export function layoutView(view: ViewModel): Layout {
  const g = new dagre.graphlib.Graph({ multigraph: true, compound: true });
  g.setGraph({
    rankdir: "LR",
    nodesep: 14,
    ranksep: 56,
    edgesep: 8,
    marginx: 16,
    marginy: 16,
    ranker: view.nodes.length <= SMALL_GRAPH_NODES ? "network-simplex" : "longest-path",
  });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of view.nodes) {
    g.setNode(n.id, n.kind === "group" ? { paddingTop: 28, paddingLeft: 12, paddingRight: 12, paddingBottom: 12 } : { width: n.width, height: n.height });
  }
  for (const n of view.nodes) if (n.parent) g.setParent(n.id, n.parent);
  for (const e of view.edges) g.setEdge(e.from, e.to, {}, e.id);
  dagre.layout(g);

  const nodes: Record<string, Box> = {};
  for (const n of view.nodes) {
    const p = g.node(n.id) as { x: number; y: number; width: number; height: number };
    nodes[n.id] = { x: p.x - p.width / 2, y: p.y - p.height / 2, width: p.width, height: p.height };
  }
  const edges: Layout["edges"] = {};
  for (const e of view.edges) {
    const label = g.edge(e.from, e.to, e.id) as { points?: { x: number; y: number }[] } | undefined;
    edges[e.id] = (label?.points ?? []).map((p) => ({ x: p.x, y: p.y }));
  }
  const graph = g.graph() as { width?: number; height?: number };
  return { nodes, edges, width: graph.width ?? 0, height: graph.height ?? 0 };
}
