import type { ShipGraph } from "../graph/build.js";
import type { GraphEdge, NodeId, Reason } from "../types.js";
import { compareStrings } from "../util/sort.js";

/** A label safe inside a Mermaid `["…"]`: quotes and angle brackets as entities, one line. */
export function mermaidLabel(text: string): string {
  return text
    .replace(/[\r\n]+/g, " ")
    .replace(/#/g, "#35;")
    .replace(/"/g, "#quot;")
    .replace(/</g, "#lt;")
    .replace(/>/g, "#gt;");
}

/**
 * The graph (or the neighbourhood of `focus`: what it depends on and what depends on it) as a
 * Mermaid flowchart. Arrows point the way a change travels: dependency --> dependent;
 * generator -.-> consumer of its outputs; node -.->|reads| image that COPYs its files, for the
 * `reads` edges given (see readEdges: the graph's own edges do not hold them).
 */
export function renderGraphMermaid(
  graph: ShipGraph,
  focus?: NodeId,
  reads: readonly GraphEdge[] = [],
): string {
  const { ids, edges } = selectGraph(graph, focus, reads);
  const key = new Map(ids.map((id, i) => [id, `n${i}`]));
  const lines = ["flowchart LR"];
  for (const id of ids) lines.push(`  ${key.get(id)}["${mermaidLabel(id)}"]`);
  for (const edge of edges) {
    const arrow = edge.kind === "reads" ? "-.->|reads|" : dashed(edge) ? "-.->" : "-->";
    lines.push(`  ${key.get(edge.to)} ${arrow} ${key.get(edge.from)}`);
  }
  return `${lines.join("\n")}\n`;
}

/** The same selection as Graphviz DOT. */
export function renderGraphDot(graph: ShipGraph, focus?: NodeId, reads: readonly GraphEdge[] = []): string {
  const { ids, edges } = selectGraph(graph, focus, reads);
  const lines = ["digraph shipgraph {", "  rankdir=LR;"];
  for (const id of ids) lines.push(`  ${JSON.stringify(id)};`);
  for (const edge of edges) {
    const style =
      edge.kind === "reads" ? ' [style=dotted, label="reads"]' : dashed(edge) ? " [style=dashed]" : "";
    lines.push(`  ${JSON.stringify(edge.to)} -> ${JSON.stringify(edge.from)}${style};`);
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

/** Nodes and edges as plain data, for other tools (`reads` edges after the graph's own). */
export function graphToJson(
  graph: ShipGraph,
  focus?: NodeId,
  reads: readonly GraphEdge[] = [],
): { nodes: unknown[]; edges: GraphEdge[] } {
  const { ids, edges } = selectGraph(graph, focus, reads);
  return { nodes: ids.map((id) => graph.nodes.get(id)), edges };
}

/** Edges drawn dashed: those that order no build (`generates` is followed only with --conservative). */
function dashed(edge: GraphEdge): boolean {
  return edge.kind === "generates" || edge.kind === "may-base";
}

/**
 * The nodes (sorted) and edges (the graph's, then the `reads` edges) to show. With `focus`, what
 * it depends on and what depends on it, transitively. A `reads` edge (image → node whose files it
 * copies) carries only a change to the node's own files: what depends on the focus crosses one
 * only from the focus itself, and what the focus depends on ends at its node (the node's own
 * dependencies do not reach the image).
 */
function selectGraph(
  graph: ShipGraph,
  focus: NodeId | undefined,
  reads: readonly GraphEdge[],
): { ids: NodeId[]; edges: GraphEdge[] } {
  if (focus === undefined) return { ids: [...graph.nodes.keys()], edges: [...graph.edges, ...reads] };
  const keep = new Set<NodeId>([focus]);
  for (const forward of [true, false]) {
    const seen = new Set<NodeId>([focus]);
    const queue: NodeId[] = [focus];
    for (let i = 0; i < queue.length; i++) {
      const near = queue[i]!;
      for (const edge of graph.edges) {
        const far = forward
          ? edge.from === near
            ? edge.to
            : undefined
          : edge.to === near
            ? edge.from
            : undefined;
        if (far === undefined || seen.has(far)) continue;
        seen.add(far);
        keep.add(far);
        queue.push(far);
      }
      for (const edge of reads) {
        if (forward ? edge.from !== near : edge.to !== near || near !== focus) continue;
        const far = forward ? edge.to : edge.from;
        keep.add(far);
        // the far end of a forward `reads` edge ends the walk there (its own dependencies do not
        // reach the image), but another path may still go on from it: not marked seen
        if (forward || seen.has(far)) continue;
        seen.add(far);
        queue.push(far);
      }
    }
  }
  const ids = [...keep].sort(compareStrings);
  const shown = (e: GraphEdge) => keep.has(e.from) && keep.has(e.to);
  return { ids, edges: [...graph.edges.filter(shown), ...reads.filter(shown)] };
}

/**
 * Flowchart from changed files to affected artifacts for the job summary, capped at `cap`
 * nodes ("and N more"). Artifacts (images, targets) first, so the cap drops the least useful.
 */
export function renderAffectedMermaid(reasons: Record<string, Reason>, cap = 50): string {
  const priority: Record<string, number> = { image: 0, target: 1, generator: 2, proto: 3, package: 4 };
  const ordered = Object.entries(reasons).sort(
    ([a], [b]) =>
      (priority[a.split(":")[0]!] ?? 9) - (priority[b.split(":")[0]!] ?? 9) || compareStrings(a, b),
  );
  const key = new Map<string, string>();
  const lines = ["flowchart LR"];
  const edges = new Set<string>();
  let omitted = 0;
  const nodeFor = (label: string, isFile: boolean): string => {
    let id = key.get(label);
    if (!id) {
      id = `n${key.size}`;
      key.set(label, id);
      lines.push(isFile ? `  ${id}[/"${mermaidLabel(label)}"/]` : `  ${id}["${mermaidLabel(label)}"]`);
    }
    return id;
  };
  for (const [, reason] of ordered) {
    const source =
      "file" in reason.cause
        ? reason.cause.file
        : reason.cause.kind === "all"
          ? "everything"
          : reason.cause.detail;
    const labels = [source, ...reason.chain];
    const missing = labels.filter((l) => !key.has(l)).length;
    if (key.size + missing > cap) {
      omitted++;
      continue;
    }
    let previous = nodeFor(source, true);
    for (const id of reason.chain) {
      const next = nodeFor(id, false);
      const edge = `  ${previous} --> ${next}`;
      if (!edges.has(edge) && previous !== next) {
        edges.add(edge);
        lines.push(edge);
      }
      previous = next;
    }
  }
  if (omitted > 0) lines.push(`  more["and ${omitted} more affected nodes"]`);
  return `${lines.join("\n")}\n`;
}
