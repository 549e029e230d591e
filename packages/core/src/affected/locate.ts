import { ROOT_MANIFEST_FILES } from "../discover/workspaces.js";
import { ShipgraphError } from "../errors.js";
import type { ShipGraph } from "../graph/build.js";
import type { Cause, FileChange, GraphNode, NodeId } from "../types.js";

export interface Located {
  /** Directly touched nodes with the first cause found for each (changes are visited in path order). */
  touched: Map<NodeId, Cause>;
  /** Set when one change affects everything (a `global` file, or an unowned file with `unowned: all`). */
  everything: Cause | undefined;
  unownedFiles: string[];
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
): Located {
  const touched = new Map<NodeId, Cause>();
  let everything: Cause | undefined;
  const unownedFiles: string[] = [];
  // A node keeps the first cause found, except that any other cause beats "one of its own files":
  // a lockfile change must reach an image through its context package even if a README of that
  // package changed too (see propagate.ts).
  const touch = (id: NodeId, cause: Cause) => {
    const existing = touched.get(id);
    const ownFile = (c: Cause) => c.kind === "file" && c.rule === "owned";
    if (!existing || (ownFile(existing) && !ownFile(cause))) {
      touched.set(id, cause);
    }
  };
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

  for (const { path } of [...changes].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    let claimed = false;
    if (graph.owners.isGlobal(path)) {
      everything ??= { kind: "file", rule: "global", file: path };
      claimed = true;
    }
    if (graph.configFiles.includes(path)) claimed = true; // compared declaration by declaration (config-diff.ts)
    if (ROOT_MANIFESTS.has(path) || path === graph.workspaceFile) {
      for (const id of installed) touch(id, { kind: "file", rule: "root-manifest", file: path });
      claimed = true;
    }
    const owners = graph.owners.ownersOf(path);
    for (const id of owners) {
      const via = graph.owners.ownershipDetail(id, path);
      touch(id, { kind: "file", rule: "owned", file: path, ...(via ? { via } : {}) });
    }
    if (owners.length > 0) claimed = true;
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
  return { touched, everything, unownedFiles };
}
