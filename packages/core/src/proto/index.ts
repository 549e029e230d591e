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
  /** Files of `files` the head does not have (deleted: described from the base's text). */
  deleted?: Set<string>;
  /**
   * Each changed .proto file as the base has it: its text, "absent" (added), or "unknown" (the
   * base's text could not be parsed). A file not listed is the same at the base as at head.
   * Undefined when the base was not read: nothing is known about it.
   */
  base?: Map<string, ProtoFileInfo | "absent" | "unknown">;
  /**
   * Files of `files` the snapshot does not list that the working tree has (untracked, or ignored
   * by .gitignore) and a listed file imports: buf compiles them here, a clone lacks them. Sorted.
   */
  untracked?: string[];
}

export type Side = "head" | "base";

/** A repo file as one side has it: undefined when absent there, "unknown" when the base's text is unknown. Pure. */
export function protoAt(index: ProtoIndex, path: string, side: Side): ProtoFileInfo | "unknown" | undefined {
  if (side === "head") return index.deleted?.has(path) ? undefined : index.files.get(path);
  if (index.base === undefined) return "unknown";
  const base = index.base.get(path);
  if (base === undefined) return index.deleted?.has(path) ? "unknown" : index.files.get(path);
  return base === "absent" ? undefined : base;
}

/** Every repo file either side has (deleted ones, and added ones, included), sorted. Pure. */
export function allProtoFiles(index: ProtoIndex): string[] {
  return [...new Set([...index.files.keys(), ...(index.base?.keys() ?? [])])].sort(compareStrings);
}

/** The import closure of some repo files at one side of the diff. */
export interface ImportClosure {
  /** The start files and every repo file they import, transitively. */
  files: Set<string>;
  /** Import paths no repo file of that side has (well-known types, dependencies'), imported transitively. */
  external: Set<string>;
  /** A file on the way had no known text at that side (the base's could not be parsed): the closure may miss files. */
  unknown: boolean;
}

/** The repo files an import path names at one side: its path under each module root. Pure. */
export function resolveImport(index: ProtoIndex, importPath: string, side: Side): string[] {
  return index.roots
    .map((root) => (root === "" ? importPath : `${root}/${importPath}`))
    .filter((path) => protoAt(index, path, side) !== undefined);
}

/**
 * The files `start` import at one side, transitively (every kind of import: buf puts each in the
 * image), with the start files themselves; import paths no repo file has are `external`. Pure.
 */
export function importClosure(index: ProtoIndex, start: Iterable<string>, side: Side): ImportClosure {
  const files = new Set<string>();
  const external = new Set<string>();
  let unknown = false;
  const queue = [...start];
  for (let i = 0; i < queue.length; i++) {
    const file = queue[i]!;
    if (files.has(file)) continue;
    files.add(file);
    const info = protoAt(index, file, side);
    if (info === "unknown") unknown = true;
    if (info === undefined || info === "unknown") continue;
    for (const { path } of info.imports) {
      const found = resolveImport(index, path, side);
      if (found.length === 0) external.add(path);
      for (const f of found) if (!files.has(f)) queue.push(f);
    }
  }
  return { files, external, unknown };
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
