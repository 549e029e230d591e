import { resolve } from "node:path";
import {
  graphToJson,
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
  const { graph } = await loadGraph({
    cwd: resolve(io.cwd, flags.cwd ?? "."),
    config: flags.config,
    scope: "graph",
  });
  const focus = flags.focus as NodeId | undefined;
  if (focus !== undefined && !graph.nodes.has(focus)) {
    throw unknownNodeError(graph, focus, `--focus ${focus}`);
  }
  for (const warning of graph.warnings) io.stderr(`shipgraph: warning: ${warning}\n`);
  switch (flags.format) {
    case "mermaid":
      io.stdout(renderGraphMermaid(graph, focus));
      break;
    case "dot":
      io.stdout(renderGraphDot(graph, focus));
      break;
    case "json":
      io.stdout(renderJson(graphToJson(graph, focus)));
      break;
  }
  return 0;
}
