import type { Cause, EdgeKind, GraphEdge, NodeId, Reason } from "../types.js";
import { compareStrings } from "../util/sort.js";

export interface Dependent {
  id: NodeId;
  kind: EdgeKind;
}

/** Dependents of each node over the edges that propagate (`generates` only when conservative). */
export function dependentsIndex(
  edges: readonly GraphEdge[],
  conservative: boolean,
): Map<NodeId, Dependent[]> {
  const index = new Map<NodeId, Dependent[]>();
  // a graph's edges are sorted by `from`, so each list comes out sorted: then it is only checked
  let sorted = true;
  for (let i = 0; i < edges.length; i++) {
    const edge = edges[i]!;
    if (edge.kind === "generates" && !conservative) continue;
    const list = index.get(edge.to);
    const entry = { id: edge.from, kind: edge.kind };
    if (list) {
      if (list[list.length - 1]!.id > entry.id) sorted = false;
      list.push(entry);
    } else index.set(edge.to, [entry]);
  }
  if (!sorted) for (const list of index.values()) list.sort((a, b) => compareStrings(a.id, b.id));
  return index;
}

/** Touched only by a change to one of its own files (no edge, no lockfile/config/forced cause). */
function ownFileOnly(reason: Reason): boolean {
  return reason.chain.length === 1 && reason.cause.kind === "file" && reason.cause.rule === "owned";
}

/**
 * Walks from the touched nodes to everything that depends on them, breadth first, so each
 * node's chain is a shortest one; ties go to the touched node and dependent that sort first.
 * A `context` edge (image → the package its build context is) carries only what reaches the
 * package through an edge or a non-file cause: the package's own files reach the image through
 * the image's own ownership, which honours its .dockerignore. A `compiles` edge (generator → proto
 * node) carries everything but a changed .proto file, which locate already mapped to exactly the
 * generators that read it. Pure; cycles are harmless.
 */
export function propagate(
  touched: ReadonlyMap<NodeId, Cause>,
  dependents: ReadonlyMap<NodeId, Dependent[]>,
): Map<NodeId, Reason> {
  const reasons = new Map<NodeId, Reason>();
  // For nodes first touched by their own file and later reached through an edge: that reason.
  const viaEdge = new Map<NodeId, Reason>();
  const queue: NodeId[] = [...touched.keys()].sort(compareStrings);
  for (const id of queue) reasons.set(id, { cause: touched.get(id)!, chain: [id] });
  const carried = (id: NodeId): Reason | undefined => {
    const reason = reasons.get(id)!;
    return ownFileOnly(reason) ? viaEdge.get(id) : reason;
  };
  for (let i = 0; i < queue.length; i++) {
    const current = queue[i]!;
    for (const { id: dependent, kind } of dependents.get(current) ?? []) {
      const from = kind === "context" ? carried(current) : (carried(current) ?? reasons.get(current)!);
      if (!from) continue;
      // a changed .proto file reaches generators through the import graph (locate.ts), not the module
      if (kind === "compiles" && from.cause.kind === "file" && from.cause.rule === "proto") continue;
      // (the reason, with its chain, is made only for a node it is kept for)
      const existing = reasons.get(dependent);
      if (!existing) {
        reasons.set(dependent, { cause: from.cause, chain: [...from.chain, dependent] });
        queue.push(dependent);
      } else if (ownFileOnly(existing) && !viaEdge.has(dependent)) {
        // Affected by its own file and now also through an edge: its context dependents follow.
        viaEdge.set(dependent, { cause: from.cause, chain: [...from.chain, dependent] });
        queue.push(dependent);
      }
    }
  }
  return reasons;
}
