import { isUnder } from "../util/paths.js";
import { compareStrings } from "../util/sort.js";
import type { ProtoFileInfo } from "./parse.js";

/**
 * The import graph of the repository's .proto files, as plain data. Import paths are relative
 * to module roots, so a file is known by every import path it has under a root that contains
 * it; importers are kept by import path, which also finds the importers of a deleted file.
 */
export interface ProtoIndex {
  /** Module roots (repo-relative), deepest first. */
  roots: string[];
  /** Repo path → what its text says (head; for a deleted file, the base's text when it could be read). */
  files: Map<string, ProtoFileInfo>;
  /** Import path → the repo paths of the files that import it (any kind of import), sorted. */
  importers: Map<string, string[]>;
}

/** Builds the index from parsed files and the module roots. Pure. */
export function buildProtoIndex(
  files: ReadonlyMap<string, ProtoFileInfo>,
  roots: readonly string[],
): ProtoIndex {
  const importers = new Map<string, string[]>();
  for (const [path, info] of files) {
    for (const { path: imported } of info.imports) {
      const list = importers.get(imported);
      if (list) list.push(path);
      else importers.set(imported, [path]);
    }
  }
  for (const list of importers.values()) list.sort(compareStrings);
  const sortedRoots = [...new Set(roots)].sort((a, b) => b.length - a.length || compareStrings(a, b));
  return { roots: sortedRoots, files: new Map(files), importers };
}

/** The import paths of a repo file: its path relative to each module root that contains it. */
export function importPathsOf(index: ProtoIndex, path: string): string[] {
  return index.roots
    .filter((root) => isUnder(path, root) && path !== root)
    .map((root) => (root === "" ? path : path.slice(root.length + 1)));
}

/** The import path of a repo file under its deepest module root (the path plugins name outputs by). */
export function importPathOf(index: ProtoIndex, path: string): string {
  return importPathsOf(index, path)[0] ?? path;
}

/**
 * The changed files plus every file that imports one of them, transitively (public, weak and
 * option imports included: each makes the importer's compilation read the file). Each affected
 * file maps to its chain: [the file, the file it imports, …, the changed file]. Breadth first,
 * so every chain is a shortest one. Pure.
 */
export function affectedProtoFiles(index: ProtoIndex, changed: readonly string[]): Map<string, string[]> {
  const chains = new Map<string, string[]>();
  const queue = [...new Set(changed)].sort(compareStrings);
  for (const file of queue) chains.set(file, [file]);
  for (let i = 0; i < queue.length; i++) {
    const file = queue[i]!;
    for (const importPath of importPathsOf(index, file)) {
      for (const importer of index.importers.get(importPath) ?? []) {
        if (chains.has(importer)) continue;
        chains.set(importer, [importer, ...chains.get(file)!]);
        queue.push(importer);
      }
    }
  }
  return chains;
}
