import { ROOT_MANIFEST_FILES } from "../discover/workspaces.js";
import { ShipgraphError } from "../errors.js";
import type { ShipGraph } from "../graph/build.js";
import { ownsProto } from "../graph/owners.js";
import { affectedProtoFiles, type ProtoIndex, protoAt, type Side } from "../proto/index.js";
import { throughProtoLinks } from "../proto/links.js";
import { quotePath } from "../render/reason.js";
import type { Cause, FileChange, GeneratorInfo, GraphNode, NodeId } from "../types.js";
import { isUnder } from "../util/paths.js";
import { compareStrings } from "../util/sort.js";
import type { LockfileImpact } from "./lockfile.js";

export interface Located {
  /** Directly touched nodes with the first cause found for each (changes are visited in path order). */
  touched: Map<NodeId, Cause>;
  /** Set when one change affects everything (a `global` file, or an unowned file with `unowned: all`). */
  everything: Cause | undefined;
  unownedFiles: string[];
  /** The changed .proto files and their transitive importers, each with its import chain; undefined without a proto change or index. */
  protoFiles: Map<string, string[]> | undefined;
}

const ROOT_MANIFESTS = new Set<string>(ROOT_MANIFEST_FILES);

/**
 * Maps changed files to the nodes they touch. Each rule below is one "locator"; a file may match
 * several. A file nothing claims is unowned and handled by the config's `unowned` policy.
 */
export function locateChanges(
  graph: ShipGraph,
  changes: readonly FileChange[],
  argFiles: ReadonlyMap<string, Set<string> | "unparseable"> = new Map(),
  protos?: ProtoIndex,
  lockfiles: ReadonlyMap<string, LockfileImpact> = new Map(),
  gonePackages: ReadonlyMap<string, ReadonlyMap<NodeId, string>> = new Map(),
  inertBufFiles: ReadonlySet<string> = new Set(),
  inertIgnoreEdits: ReadonlyMap<string, ReadonlySet<NodeId>> = new Map(),
): Located {
  const touched = new Map<NodeId, Cause>();
  let everything: Cause | undefined;
  const unownedFiles: string[] = [];
  // A node keeps the first cause found, except that a cause that travels further beats one that
  // travels less: a changed .proto file does not cross `compiles` edges, one of a node's own files
  // does not cross `context` edges (a lockfile change must reach an image through its context
  // package even if a README of that package changed too; see propagate.ts).
  const touch = (id: NodeId, cause: Cause) => {
    const existing = touched.get(id);
    if (!existing || causeReach(existing) < causeReach(cause)) touched.set(id, cause);
  };
  const changedProtos: string[] = [];
  // module files a change reaches through a symbolic link → the file changed (its target, a link
  // in its chain); a linked directory retargeted: what lies under it is unknown
  const linkedFrom = new Map<string, string>();
  const linkOf = new Map<string, string>();
  let relinked: Cause | undefined;
  // Images reading build args from each dotenv file, computed once (not per changed file).
  const argFileReaders = new Map<string, GraphNode[]>();
  for (const node of graph.nodes.values()) {
    for (const file of node.image?.buildArgsFrom ?? [])
      argFileReaders.set(file, [...(argFileReaders.get(file) ?? []), node]);
  }
  // Root manifests install the workspace's packages and its tools (buf, protoc plugins from npm).
  const installed = [...graph.nodes.values()]
    .filter((n) => n.kind === "package" || n.kind === "generator")
    .map((n) => n.id);

  for (const { path, kind } of [...changes].sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
  )) {
    let claimed = false;
    if (graph.owners.isGlobal(path)) {
      everything ??= { kind: "file", rule: "global", file: path };
      claimed = true;
    }
    if (graph.configFiles.includes(path)) claimed = true; // compared declaration by declaration (config-diff.ts)
    const impact = lockfiles.get(path);
    const lockfile = impact?.touched;
    if (lockfile) {
      // compared importer by importer (or pin by pin): only what resolves differently
      for (const [id, detail] of lockfile) touch(id, { kind: "file", rule: "lockfile", file: path, detail });
      if (impact.claims !== false || lockfile.size > 0) claimed = true;
    }
    if (lockfile && impact.claims !== false) {
      // an npm lockfile compared: nothing more to do
    } else if (
      ROOT_MANIFESTS.has(path) ||
      path === graph.workspaceFile ||
      graph.installFiles?.includes(path)
    ) {
      for (const id of installed) touch(id, { kind: "file", rule: "root-manifest", file: path });
      claimed = true;
    }
    // a workspace package deleted or renamed here: who still depends on its old name
    for (const [id, detail] of gonePackages.get(path) ?? []) {
      touch(id, { kind: "file", rule: "dependency-gone", file: path, detail });
      claimed = true;
    }
    const owners = graph.owners.ownersOf(path, kind === "file");
    const inert = inertBufFiles.has(path);
    const inertFor = inertIgnoreEdits.get(path);
    for (const id of owners) {
      // a .dockerignore edit no path this image reads can see
      if (inertFor?.has(id)) continue;
      // A buf file changed in nothing buf generate reads: no generator is touched through its
      // template (one naming the file in its `inputs` is, as for any input), and the proto
      // node is touched as by a .proto change, which does not cross `compiles` edges (what depends
      // on the module itself, a lint target, still follows; an image copying the file reads its bytes).
      if (inert && graph.nodes.get(id)?.generator?.template === path) continue;
      if (inert && id.startsWith("proto:")) {
        touch(id, {
          kind: "file",
          rule: "proto",
          file: path,
          via: "only what buf generate does not read changed (lint, breaking, comments or layout)",
        });
        continue;
      }
      if (path.endsWith(".proto") && graph.nodes.get(id)?.owns.protos?.some((own) => ownsProto(own, path))) {
        touch(id, { kind: "file", rule: "proto", file: path });
        if (changedProtos.at(-1) !== path) changedProtos.push(path);
        continue;
      }
      // a file of a local dependency (file:, link:): a dependency's change, not one of its own files
      const local = graph.owners.localDependencyVia(id, path);
      if (local !== undefined) {
        touch(id, { kind: "file", rule: "local-dependency", file: path, detail: local });
        continue;
      }
      const via = graph.owners.ownershipDetail(id, path, kind === "file");
      touch(id, { kind: "file", rule: "owned", file: path, ...(via ? { via } : {}) });
    }
    if (owners.length > 0) claimed = true;
    // buf compiles a module's link to this file (or a linked directory holding it) as the module's
    const through = throughProtoLinks(graph.protoLinks, path);
    for (const [file, link] of through.files) {
      for (const id of graph.owners.ownersOf(file, true)) {
        if (!graph.nodes.get(id)?.owns.protos?.some((own) => ownsProto(own, file))) continue;
        touch(id, {
          kind: "file",
          rule: "proto",
          file: path,
          via: `read as ${quotePath(file)}${viaLink(file, link)}`,
        });
        claimed = true;
        if (!changedProtos.includes(file)) changedProtos.push(file);
        if (!linkedFrom.has(file)) {
          linkedFrom.set(file, path);
          linkOf.set(file, link);
        }
      }
    }
    for (const link of through.relinked) {
      for (const node of graph.nodes.values()) {
        if (!node.owns.protos?.some((own) => isUnder(link, own.ownDir))) continue;
        const id = node.id;
        const via = `the proto module reads ${quotePath(link)} through it, a symbolic link to a directory: every proto generator counts`;
        touch(id, { kind: "file", rule: "proto", file: path, via });
        relinked ??= { kind: "file", rule: "proto", file: path, via };
        claimed = true;
      }
    }
    // A dotenv file of build args touches an image only if a variable it declares as ARG changed.
    for (const node of argFileReaders.get(path) ?? []) {
      if (!node.image) continue;
      claimed = true;
      const keys = argFiles.get(path) ?? "unparseable";
      const read = keys === "unparseable" ? [] : (node.image.argNames ?? []).filter((name) => keys.has(name));
      if (keys === "unparseable" || read.length > 0) {
        const via =
          keys === "unparseable"
            ? `${path} could not be compared: the whole file counts`
            : `ARG ${read.join(", ")} from ${path}`;
        touch(node.id, { kind: "file", rule: "owned", file: path, via });
      }
    }
    // Checked-in generated outputs are known files: they touch whoever owns them, never the generator.
    if (!claimed && graph.owners.generatorsOutputting(path).length > 0) claimed = true;
    if (!claimed) unownedFiles.push(path);
  }

  // Changed .proto files reach exactly the generators that compile them or a file importing them.
  const protoFiles =
    changedProtos.length > 0 && protos ? affectedProtoFiles(protos, changedProtos) : undefined;
  if (changedProtos.length > 0 || relinked) {
    for (const node of graph.nodes.values()) {
      const reads = node.generator?.reads;
      if (!reads) continue;
      if (relinked) {
        touch(node.id, relinked);
        continue;
      }
      if (!protoFiles) {
        // no import graph given: every generator that compiles protos may read the changed file
        touch(node.id, {
          kind: "file",
          rule: "proto",
          file: changedProtos[0]!,
          via: "no import graph: every proto generator counts",
        });
        continue;
      }
      const hit = [...protoFiles.values()]
        .filter((chain) => compilesFile(graph, reads, chain[0]!, protos))
        .sort((a, b) => a.length - b.length || compareStrings(a[0]!, b[0]!))[0];
      if (hit === undefined) continue;
      const target = linkedFrom.get(hit.at(-1)!);
      touch(
        node.id,
        target === undefined
          ? { kind: "file", rule: "proto", file: hit.at(-1)!, via: describeChain(hit) }
          : {
              kind: "file",
              rule: "proto",
              file: target,
              via: `${hit.length === 1 ? `compiled by the generator as ${quotePath(hit[0]!)}` : describeChain([...hit, target])}${viaLink(hit.at(-1)!, linkOf.get(hit.at(-1)!)!)}`,
            },
      );
    }
  }

  if (unownedFiles.length > 0 && graph.unowned === "error") {
    const shown = unownedFiles.slice(0, 20).map((f) => JSON.stringify(f));
    throw new ShipgraphError(
      "UNOWNED_FILES",
      `${unownedFiles.length} changed file(s) belong to no node and ${graph.configFile} says \`unowned: error\`: ${shown.join(", ")}${
        unownedFiles.length > shown.length ? `, and ${unownedFiles.length - shown.length} more` : ""
      }`,
      {
        file: graph.configFile,
        key: "unowned",
        hint: "add the files to a node's `inputs` or to `global`, or set `unowned: ignore` / `unowned: all`",
      },
    );
  }
  if (unownedFiles.length > 0 && graph.unowned === "all") {
    everything ??= { kind: "file", rule: "unowned-all", file: unownedFiles[0]! };
  }
  return { touched, everything, unownedFiles, protoFiles };
}

/** How far a cause travels: a changed .proto file (0) < one of the node's own files (1) < anything else (2). */
function causeReach(cause: Cause): number {
  if (cause.kind !== "file") return 2;
  return cause.rule === "proto" ? 0 : cause.rule === "owned" ? 1 : 2;
}

/**
 * True when a generator with these `reads` compiles the .proto file at `path`: at `side` of the
 * diff, or (without one) at either. An input that selects a proto package (include_package_files)
 * compares the packages the file and the anchor have there; without `protos`, or when a package is
 * unknown, it selects every file.
 */
export function compilesFile(
  graph: ShipGraph,
  reads: NonNullable<GeneratorInfo["reads"]>,
  path: string,
  protos?: ProtoIndex,
  side?: Side,
): boolean {
  const selected = reads.inputs.some(
    (input) =>
      (input.paths.length === 0 || input.paths.some((p) => isUnder(path, p))) &&
      !input.excludePaths.some((p) => isUnder(path, p)) &&
      (input.packageOf === undefined || inPackageOf(protos, path, input.packageOf, side)),
  );
  return (
    selected &&
    reads.protos.some((id) => graph.nodes.get(id)?.owns.protos?.some((own) => ownsProto(own, path)))
  );
}

/** True when `path` may be in the proto package of `anchor` (at `side`, or either): unknown counts as yes. */
function inPackageOf(protos: ProtoIndex | undefined, path: string, anchor: string, side?: Side): boolean {
  if (!protos) return true;
  const sides: Side[] = side ? [side] : ["head", "base"];
  const packages = (file: string) =>
    sides.map((s) => {
      const info = protoAt(protos, file, s);
      return info === "unknown" ? info : info === undefined ? undefined : (info.package ?? "");
    });
  const anchors = packages(anchor);
  // the anchor absent from the files shipgraph read (or unknown): its package cannot be known
  if (anchors.includes("unknown") || anchors.every((p) => p === undefined)) return true;
  const own = packages(path);
  if (own.includes("unknown")) return true;
  return own.some((p) => p !== undefined && anchors.includes(p));
}

/** How a module file reads a changed file through `link` (the file itself, or the directory holding it). Pure. */
function viaLink(file: string, link: string): string {
  return file === link ? " (a symbolic link to it)" : ` (through the symbolic link ${quotePath(link)})`;
}

/** For a chain [a, b, c] (a imports b, b imports c, c changed): "a imports it via b"; "compiled" for [c]. */
function describeChain(chain: readonly string[]): string {
  if (chain.length === 1) return "compiled by the generator";
  const via = chain.slice(1, -1).map(quotePath);
  return `${quotePath(chain[0]!)}, which the generator compiles, imports it${via.length > 0 ? ` via ${via.join(" → ")}` : ""}`;
}
