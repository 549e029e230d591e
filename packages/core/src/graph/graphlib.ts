import { Graph } from "@dagrejs/graphlib";
import type { GraphEdge, GraphNode } from "../types.js";
import type { ShipGraph } from "./build.js";

/**
 * The graph as a @dagrejs/graphlib Graph (edge from → to, labels are the node and edge data),
 * for tools that want graphlib's algorithms. Built on demand: `affected` does not need it.
 */
export function toGraphlib(graph: ShipGraph): Graph<object, GraphNode, GraphEdge> {
  const g = new Graph<object, GraphNode, GraphEdge>({ directed: true });
  for (const node of graph.nodes.values()) g.setNode(node.id, node);
  for (const edge of graph.edges) g.setEdge(edge.from, edge.to, edge);
  return g;
}
