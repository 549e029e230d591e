import { resolve } from "node:path";
import {
  graphToJson,
  listReadEdges,
  loadGraph,
  type NodeId,
  renderGraphDot,
  renderGraphMermaid,
  renderJson,
  unknownNodeError,
} from "@shipgraph/core";
import type { CliIO } from "../io.js";

export interface GraphFlags {
  format: "mermaid" | "dot" | "json";
  focus?: string;
  config?: string;
  cwd?: string;
}

export async function runGraph(flags: GraphFlags, io: CliIO): Promise<number> {
  const { graph, git } = await loadGraph({
    cwd: resolve(io.cwd, flags.cwd ?? "."),
    config: flags.config,
    scope: "graph",
  });
  const focus = flags.focus as NodeId | undefined;
  if (focus !== undefined && !graph.nodes.has(focus)) {
    throw unknownNodeError(graph, focus, `--focus ${focus}`);
  }
  for (const warning of graph.warnings) io.stderr(`shipgraph: warning: ${warning}\n`);
  // which nodes' files each image copies (listed apart: the graph lists only what it needs)
  const reads = await listReadEdges(git, graph);
  switch (flags.format) {
    case "mermaid":
      io.stdout(renderGraphMermaid(graph, focus, reads));
      break;
    case "dot":
      io.stdout(renderGraphDot(graph, focus, reads));
      break;
    case "json":
      io.stdout(renderJson(graphToJson(graph, focus, reads)));
      break;
  }
  return 0;
}
