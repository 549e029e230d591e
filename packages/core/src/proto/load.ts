import type { ShipGraph } from "../graph/build.js";
import type { RepoSnapshot } from "../repo/snapshot.js";
import { isUnder } from "../util/paths.js";
import { buildProtoIndex, type ProtoIndex } from "./index.js";
import { type ProtoFileInfo, parseProto } from "./parse.js";

/** The module roots of the graph's proto nodes, and a test for the .proto files they hold. */
export function protoRoots(graph: ShipGraph): { roots: string[]; inModules: (path: string) => boolean } {
  const roots = [
    ...new Set([...graph.nodes.values()].flatMap((n) => n.owns.protos ?? []).map((o) => o.root)),
  ];
  return { roots, inModules: (path) => path.endsWith(".proto") && roots.some((r) => isUnder(path, r)) };
}

/**
 * Reads and parses every .proto file of the graph's modules in the snapshot into the import
 * graph. Throws PROTO_INVALID for a file that does not parse. (I/O via snapshot)
 */
export async function loadProtoIndex(graph: ShipGraph, snapshot: RepoSnapshot): Promise<ProtoIndex> {
  const { roots, inModules } = protoRoots(graph);
  const texts = await snapshot.read(snapshot.files.filter(inModules));
  const infos = new Map<string, ProtoFileInfo>();
  for (const [path, text] of texts) infos.set(path, parseProto(text, path));
  return buildProtoIndex(infos, roots);
}
