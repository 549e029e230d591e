import micromatch from "micromatch";
import { compileDockerignore } from "../discover/dockerignore.js";
import type { GraphNode, NodeId } from "../types.js";
import { isUnder, parentDirs } from "../util/paths.js";
import { sortedUnique } from "../util/sort.js";

/** Answers "which nodes own this file?" in time independent of the number of packages. */
export interface OwnerIndex {
  /** Sorted ids of the nodes that own `path`. */
  ownersOf(path: string): NodeId[];
  /** True when `path` matches a `global` glob. */
  isGlobal(path: string): boolean;
  /** Ids of the generators whose `outputs` match `path`, sorted. */
  generatorsOutputting(path: string): NodeId[];
}

interface GlobOwner {
  id: NodeId;
  base: string;
  match: (path: string) => boolean;
}

/**
 * Compiles every node's ownership once. A package owns the files under its directory where it
 * is the deepest package (nested packages take their own files); other nodes own their
 * directories, exact files and globs as declared.
 */
export function createOwnerIndex(nodes: readonly GraphNode[], global: readonly string[]): OwnerIndex {
  const packageByDir = new Map<string, NodeId>();
  const dirOwners: { id: NodeId; dir: string; excluded: (relative: string) => boolean }[] = [];
  const fileOwners = new Map<string, NodeId[]>();
  const globOwners: GlobOwner[] = [];
  const outputOwners: GlobOwner[] = [];

  for (const node of nodes) {
    if (node.kind === "package") {
      for (const dir of node.owns.dirs) packageByDir.set(dir, node.id);
    } else {
      const excluded = node.owns.dockerignore ? compileDockerignore(node.owns.dockerignore) : () => false;
      for (const dir of node.owns.dirs) dirOwners.push({ id: node.id, dir, excluded });
    }
    for (const file of node.owns.files) {
      const list = fileOwners.get(file) ?? [];
      list.push(node.id);
      fileOwners.set(file, list);
    }
    for (const glob of node.owns.globs) globOwners.push(compileGlob(node.id, glob));
    for (const glob of node.generator?.outputs ?? []) outputOwners.push(compileGlob(node.id, glob));
  }
  const globalMatchers = global.map((glob) => compileGlob("target:global" as NodeId, glob));

  return {
    ownersOf(path) {
      const owners: NodeId[] = [];
      if (packageByDir.size > 0) {
        // the path itself first: a submodule (gitlink) path equals the package's directory
        for (const dir of [path, ...parentDirs(path)]) {
          const id = packageByDir.get(dir);
          if (id) {
            owners.push(id);
            break;
          }
        }
      }
      for (const { id, dir, excluded } of dirOwners) {
        // path === dir: a submodule used as the build context changed
        if (
          path === dir ||
          (isUnder(path, dir) && !excluded(dir === "" ? path : path.slice(dir.length + 1)))
        ) {
          owners.push(id);
        }
      }
      const exact = fileOwners.get(path);
      if (exact) owners.push(...exact);
      for (const owner of globOwners) if (matches(owner, path)) owners.push(owner.id);
      return owners.length <= 1 ? owners : sortedUnique(owners);
    },
    isGlobal(path) {
      return globalMatchers.some((m) => matches(m, path));
    },
    generatorsOutputting(path) {
      return sortedUnique(outputOwners.filter((o) => matches(o, path)).map((o) => o.id));
    },
  };
}

function compileGlob(id: NodeId, glob: string): GlobOwner {
  return { id, base: globBase(glob), match: micromatch.matcher(glob, { dot: true }) };
}

function matches(owner: GlobOwner, path: string): boolean {
  return (owner.base === "" || path.startsWith(owner.base)) && owner.match(path);
}

/** The literal directory prefix of a glob ("" when it starts with a wildcard), for cheap pre-filtering. */
export function globBase(glob: string): string {
  const scanned = micromatch.scan(glob);
  if (!scanned.isGlob) return glob;
  return scanned.base === "." ? "" : scanned.base;
}
