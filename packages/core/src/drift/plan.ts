import { type ShipGraph, successors } from "../graph/build.js";
import { globBase } from "../graph/owners.js";
import type { EdgeKind, GraphNode, NodeId } from "../types.js";
import { isUnder } from "../util/paths.js";
import { compareStrings } from "../util/sort.js";

/** Generators that must run in one sandbox, in this order. */
export interface DriftGroup {
  generators: GraphNode[];
  /** Each member's id → the members it needs to have run before it (see generatorNeeds). */
  needs: ReadonlyMap<NodeId, ReadonlySet<NodeId>>;
}

/** Generator id → the other generators it needs to have run first. */
export type GeneratorNeeds = ReadonlyMap<NodeId, ReadonlySet<NodeId>>;

/** The edges along which a generator reads other nodes' files (`generates`: a consumer's outputs). */
const NEED_KINDS: ReadonlySet<EdgeKind> = new Set(["depends", "compiles", "context", "generates"]);

/**
 * For each generator, the other generators whose outputs it reads, so they must run before it in
 * its sandbox: those it depends on (through any chain of nodes), and those whose outputs a node on
 * such a chain owns — itself, through its `inputs`, or a package it depends on (`generates` edges,
 * when the graph has them). A generator that compiles protos reads every protos entry, as buf may
 * import any of them. Cycles are kept (both then need each other). Pure.
 */
export function generatorNeeds(graph: ShipGraph): GeneratorNeeds {
  const next = successors(graph.edges, NEED_KINDS);
  const generators = [...graph.nodes.values()].filter((n) => n.kind === "generator");
  const protos = [...graph.nodes.values()].filter((n) => n.kind === "proto").map((n) => n.id);
  const needs = new Map<NodeId, Set<NodeId>>();
  for (const generator of generators) {
    const seen = new Set<NodeId>([generator.id]);
    const stack: NodeId[] = [generator.id];
    const visit = (id: NodeId) => {
      if (seen.has(id)) return;
      seen.add(id);
      stack.push(id);
    };
    let allProtos = false;
    while (stack.length > 0) {
      const current = stack.pop()!;
      if (!allProtos && current.startsWith("proto:")) {
        allProtos = true;
        for (const proto of protos) visit(proto);
      }
      for (const to of next.get(current) ?? []) visit(to);
    }
    seen.delete(generator.id);
    needs.set(generator.id, new Set([...seen].filter((id) => graph.nodes.get(id)?.kind === "generator")));
  }
  return needs;
}

/**
 * Groups generators that must share one sandbox: those whose outputs may overlap (one output
 * glob's base directory contains another's), and those one of which needs the other's outputs (see
 * generatorNeeds), so it sees them freshly generated rather than as the tree has them. Within a
 * group, a generator runs after those it needs; ties, and cycles, by id. Independent groups may
 * run in parallel. Pure.
 */
export function planDriftGroups(
  graph: ShipGraph,
  selected: readonly GraphNode[],
  needs: GeneratorNeeds = generatorNeeds(graph),
): DriftGroup[] {
  const nodes = [...selected].sort((a, b) => compareStrings(a.id, b.id));
  const parent = nodes.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i]!;
    return i;
  };
  const related = (a: GraphNode, b: GraphNode) =>
    outputsOverlap(a, b) || needs.get(a.id)?.has(b.id) === true || needs.get(b.id)?.has(a.id) === true;
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      if (related(nodes[i]!, nodes[j]!)) parent[find(j)] = find(i);
    }
  }
  const groups = new Map<number, GraphNode[]>();
  nodes.forEach((node, i) => {
    const root = find(i);
    groups.set(root, [...(groups.get(root) ?? []), node]);
  });
  return [...groups.values()].map((members) => {
    const ids = new Set(members.map((m) => m.id));
    const within = new Map(
      members.map((m) => [m.id, new Set([...(needs.get(m.id) ?? [])].filter((id) => ids.has(id)))]),
    );
    return { generators: dependencyOrder(members, within), needs: within };
  });
}

/** True when two generators' outputs may overlap: one output glob's base directory contains another's. */
export function outputsOverlap(a: GraphNode, b: GraphNode): boolean {
  const bases = (n: GraphNode) => (n.generator?.outputs ?? []).map(globBase);
  return bases(a).some((x) => bases(b).some((y) => isUnder(x, y) || isUnder(y, x)));
}

/**
 * The selected generators plus, transitively, every generator whose outputs overlap theirs (a
 * file under shared outputs that one of them no longer generates may be another's: checked apart,
 * the other's files would count as stale, and --fix delete them) and every generator they need
 * (checked against the tree's copy of its outputs, a generator that reads them would look clean
 * while they are stale). Pure.
 */
export function withRelated(
  all: readonly GraphNode[],
  selected: readonly GraphNode[],
  needs: GeneratorNeeds,
): GraphNode[] {
  const chosen = new Set(selected);
  for (let grew = true; grew; ) {
    grew = false;
    for (const node of all) {
      if (chosen.has(node)) continue;
      if ([...chosen].some((c) => outputsOverlap(node, c) || needs.get(c.id)?.has(node.id))) {
        chosen.add(node);
        grew = true;
      }
    }
  }
  return all.filter((n) => chosen.has(n));
}

/** The generators that need one of `selected` (transitively, as generatorNeeds is), plus those. Pure. */
export function withDependents(
  all: readonly GraphNode[],
  selected: readonly GraphNode[],
  needs: GeneratorNeeds,
): GraphNode[] {
  const ids = new Set(selected.map((n) => n.id));
  return all.filter((n) => ids.has(n.id) || [...(needs.get(n.id) ?? [])].some((id) => ids.has(id)));
}

/** Topological order over `needs` among the members; ties by id, a cycle broken at its first id. */
function dependencyOrder(members: GraphNode[], needs: ReadonlyMap<NodeId, ReadonlySet<NodeId>>): GraphNode[] {
  const ordered: GraphNode[] = [];
  const done = new Set<string>();
  const remaining = [...members];
  while (remaining.length > 0) {
    const index = remaining.findIndex((m) => [...needs.get(m.id)!].every((d) => done.has(d)));
    const next = remaining.splice(index === -1 ? 0 : index, 1)[0]!;
    ordered.push(next);
    done.add(next.id);
  }
  return ordered;
}
