import type { Git } from "../git/git.js";
import { worktreeSnapshot } from "../repo/snapshot.js";
import type { GraphEdge, NodeId } from "../types.js";
import { nearestDir, parentDir } from "../util/paths.js";
import { compareStrings } from "../util/sort.js";
import type { ShipGraph } from "./build.js";
import { globBase } from "./owners.js";

/**
 * The `reads` edges of a graph: image `from` reads files that node `to` (a package, proto module,
 * generator or target) owns — its Dockerfile COPYs them from the build context, say
 * `COPY packages/logger ./logger` in a root-context image — without a graph edge between the two.
 *
 * They are for showing the graph (`shipgraph graph`), never part of `graph.edges`: a change to
 * one of those files reaches the image through the image's own ownership of the file, and a node
 * affected through its dependencies does not reach the image (the image copies the node's files,
 * not what they depend on). One edge per pair; `declaredIn` is the instruction that reads the
 * first such file (in path order). `files` are the repository's files, at least those under
 * imageRoots (listReadEdges lists them). Pure.
 */
export function readEdges(graph: ShipGraph, files: readonly string[]): GraphEdge[] {
  const images = new Set<NodeId>();
  for (const node of graph.nodes.values()) if (node.kind === "image") images.add(node.id);
  if (images.size === 0) return [];
  const roots = new Map(imageRoots(graph).map((root) => [root, true] as const));
  // the first segments of those: most files are ruled out without walking their directories
  const tops = new Set([...roots.keys()].map((root) => root.split("/", 1)[0]!));
  const linked = new Set(graph.edges.map((e) => `${e.from}\0${e.to}`));
  const found = new Map<string, GraphEdge>();
  for (const file of files) {
    if (!tops.has("") && !tops.has(file.slice(0, file.indexOf("/") >>> 0))) continue;
    if (nearestDir(file, roots) === undefined) continue;
    const owners = graph.owners.ownersOf(file, true);
    if (owners.length < 2) continue;
    for (const image of owners) {
      if (!images.has(image)) continue;
      for (const to of owners) {
        if (images.has(to)) continue;
        const key = `${image}\0${to}`;
        if (linked.has(key) || found.has(key)) continue;
        found.set(key, { from: image, to, kind: "reads", declaredIn: readVia(graph, image, file) });
      }
    }
  }
  return [...found.values()].sort((a, b) => compareStrings(a.from, b.from) || compareStrings(a.to, b.to));
}

/**
 * Where the files an image may own lie: each image's build context, its own files and
 * directories, and the literal bases of its globs, sorted, none under another ("" is the
 * repository root). Pure.
 */
export function imageRoots(graph: ShipGraph): string[] {
  const roots = new Map<string, true>();
  for (const node of graph.nodes.values()) {
    if (node.kind !== "image") continue;
    if (node.owns.context) roots.set(node.owns.context.dir, true);
    for (const path of [...node.owns.files, ...node.owns.dirs, ...node.owns.globs.map(globBase)])
      roots.set(path, true);
  }
  // those under another are redundant (a Dockerfile in its context): one listing literal each less
  return [...roots.keys()]
    .filter((root) => root === "" || nearestDir(parentDir(root), roots) === undefined)
    .sort(compareStrings);
}

/**
 * readEdges over the tracked files of the working tree under imageRoots, listed here: the graph
 * `affected` builds lists only what building it needs. (I/O)
 */
export async function listReadEdges(git: Git, graph: ShipGraph): Promise<GraphEdge[]> {
  const roots = imageRoots(graph);
  if (roots.length === 0) return [];
  const listing = await worktreeSnapshot(git, {
    scope: roots.includes("") ? undefined : { fileNames: [], extensions: [], literals: roots },
  });
  return readEdges(graph, listing.files);
}

/**
 * Why image `id` reads `file`: the instruction that copies it, the file itself when the image
 * names it (its Dockerfile, .dockerignore, dotenv files), else its config entry (`inputs`). Pure.
 */
function readVia(graph: ShipGraph, id: NodeId, file: string): string {
  const detail = graph.owners.ownershipDetail(id, file, true);
  if (detail !== undefined) return detail;
  const node = graph.nodes.get(id)!;
  if (node.owns.files.includes(file)) return file;
  const { file: config, key } = node.declaredIn;
  if (key === undefined) return config;
  return node.owns.globs.length > 0 ? `${config} ${key}.inputs` : `${config} ${key}`;
}
