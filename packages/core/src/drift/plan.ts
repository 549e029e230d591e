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
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      if (outputsOverlap(nodes[i]!, nodes[j]!)) parent[find(j)] = find(i);
    }
  }
  const groups = new Map<number, GraphNode[]>();
  nodes.forEach((node, i) => {
    const root = find(i);
    groups.set(root, [...(groups.get(root) ?? []), node]);
  });
  return [...groups.values()].map((members) => ({ generators: dependencyOrder(graph, members) }));
}

/** True when two generators' outputs may overlap: one output glob's base directory contains another's. */
export function outputsOverlap(a: GraphNode, b: GraphNode): boolean {
  const bases = (n: GraphNode) => (n.generator?.outputs ?? []).map(globBase);
  return bases(a).some((x) => bases(b).some((y) => isUnder(x, y) || isUnder(y, x)));
}

/**
 * The selected generators plus every generator whose outputs overlap theirs (transitively): a
 * file under shared outputs that one of them no longer generates may be another's, so they are
 * checked together, or the other's files would count as stale (and --fix delete them). Pure.
 */
export function withOverlapping(all: readonly GraphNode[], selected: readonly GraphNode[]): GraphNode[] {
  const chosen = new Set(selected);
  for (let grew = true; grew; ) {
    grew = false;
    for (const node of all) {
      if (!chosen.has(node) && [...chosen].some((c) => outputsOverlap(node, c))) {
        chosen.add(node);
        grew = true;
      }
    }
  }
  return all.filter((n) => chosen.has(n));
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
