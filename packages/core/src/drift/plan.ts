import type { ShipGraph } from "../graph/build.js";
import { globBase } from "../graph/owners.js";
import type { GraphNode } from "../types.js";
import { isUnder } from "../util/paths.js";
import { compareStrings } from "../util/sort.js";

/** Generators that must run in one sandbox, in this order (their outputs overlap). */
export interface DriftGroup {
  generators: GraphNode[];
}

/**
 * Groups generators whose outputs may overlap (one output glob's base directory contains
 * another's), so each group runs in one workspace; within a group, a generator runs after the
 * generators it depends on. Independent groups may run in parallel. Pure.
 */
export function planDriftGroups(graph: ShipGraph, selected: readonly GraphNode[]): DriftGroup[] {
  const nodes = [...selected].sort((a, b) => compareStrings(a.id, b.id));
  const parent = nodes.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i]!;
    return i;
  };
  const bases = nodes.map((n) => (n.generator?.outputs ?? []).map(globBase));
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      const overlap = bases[i]!.some((a) => bases[j]!.some((b) => isUnder(a, b) || isUnder(b, a)));
      if (overlap) parent[find(j)] = find(i);
    }
  }
  const groups = new Map<number, GraphNode[]>();
  nodes.forEach((node, i) => {
    const root = find(i);
    groups.set(root, [...(groups.get(root) ?? []), node]);
  });
  return [...groups.values()].map((members) => ({ generators: dependencyOrder(graph, members) }));
}

/** Topological order over `depends` edges among the members; ties by id. */
function dependencyOrder(graph: ShipGraph, members: GraphNode[]): GraphNode[] {
  const ids = new Set(members.map((m) => m.id));
  const dependsOn = new Map(members.map((m) => [m.id, new Set<string>()]));
  // transitive: a generator depending on a package that depends on another generator still waits
  for (const member of members) {
    const seen = new Set<string>([member.id]);
    const stack: string[] = [member.id];
    while (stack.length > 0) {
      const current = stack.pop()!;
      for (const edge of graph.edges) {
        if (edge.from !== current || edge.kind !== "depends" || seen.has(edge.to)) continue;
        seen.add(edge.to);
        stack.push(edge.to);
        if (ids.has(edge.to)) dependsOn.get(member.id)!.add(edge.to);
      }
    }
  }
  const ordered: GraphNode[] = [];
  const done = new Set<string>();
  const remaining = [...members];
  while (remaining.length > 0) {
    const index = remaining.findIndex((m) => [...dependsOn.get(m.id)!].every((d) => done.has(d)));
    const next = remaining.splice(index === -1 ? 0 : index, 1)[0]!;
    ordered.push(next);
    done.add(next.id);
  }
  return ordered;
}
