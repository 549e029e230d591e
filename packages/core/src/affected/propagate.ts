import type { Cause, GraphEdge, NodeId, Reason } from "../types.js";
import { compareStrings } from "../util/sort.js";

/** Dependents of each node over the edges that propagate (`generates` only when conservative). */
export function dependentsIndex(edges: readonly GraphEdge[], conservative: boolean): Map<NodeId, NodeId[]> {
  const index = new Map<NodeId, NodeId[]>();
  for (const edge of edges) {
    if (edge.kind === "generates" && !conservative) continue;
    const list = index.get(edge.to);
    if (list) list.push(edge.from);
    else index.set(edge.to, [edge.from]);
  }
  for (const list of index.values()) list.sort(compareStrings);
  return index;
}

/**
 * Walks from the touched nodes to everything that depends on them, breadth first, so each
 * node's chain is a shortest one; ties go to the touched node and dependent that sort first.
 * Pure; cycles are harmless.
 */
export function propagate(
  touched: ReadonlyMap<NodeId, Cause>,
  dependents: ReadonlyMap<NodeId, NodeId[]>,
): Map<NodeId, Reason> {
  const reasons = new Map<NodeId, Reason>();
  const queue: NodeId[] = [...touched.keys()].sort(compareStrings);
  for (const id of queue) reasons.set(id, { cause: touched.get(id)!, chain: [id] });
  for (let i = 0; i < queue.length; i++) {
    const current = queue[i]!;
    const reason = reasons.get(current)!;
    for (const dependent of dependents.get(current) ?? []) {
      if (reasons.has(dependent)) continue;
      reasons.set(dependent, { cause: reason.cause, chain: [...reason.chain, dependent] });
      queue.push(dependent);
    }
  }
  return reasons;
}
