/**
 * Lockfiles as "which external packages does each workspace package resolve": so a root lockfile
 * change affects only the packages whose resolved dependencies (direct or transitive) changed, and
 * a code generator only when its plugin package (or that plugin's own dependencies) did.
 *
 * Policy: missing a change is the worst outcome (a silently skipped deploy). Every parser throws
 * LOCKFILE_INVALID on anything it cannot read for certain (unknown version, dangling reference,
 * syntax error), and the caller then treats everything as changed; changedImporters reports an
 * importer as changed whenever either side cannot say.
 */
import { posix } from "node:path";
import { normalizeRepoPath } from "../util/paths.js";
import {
  asRecord,
  type DependencyGraph,
  type DirectDependency,
  dependentsOf,
  type Lockfile,
  type LockfileKind,
  lockfileError,
  lockfileFromGraph,
  reachingBack,
} from "./model.js";
import { parseNpmLockfile } from "./npm.js";
import { parsePnpmLockfile } from "./pnpm.js";
import { parseYamlDocuments } from "./text.js";
import { parseYarnBerryLockfile } from "./yarn-berry.js";
import { isYarnClassic, parseYarnClassicLockfile } from "./yarn-classic.js";

export type { Lockfile, LockfileKind } from "./model.js";

/** File names recognised at the repository root. */
export const LOCKFILE_NAMES: readonly string[] = [
  "pnpm-lock.yaml",
  "package-lock.json",
  "npm-shrinkwrap.json",
  "yarn.lock",
];

/** The package manager a lockfile file name belongs to; undefined for any other name. */
export function lockfileKind(file: string): LockfileKind | undefined {
  switch (posix.basename(file.replace(/\\/g, "/"))) {
    case "pnpm-lock.yaml":
      return "pnpm";
    case "package-lock.json":
    case "npm-shrinkwrap.json":
      return "npm";
    case "yarn.lock":
      return "yarn";
    default:
      return undefined;
  }
}

/**
 * Parses a lockfile's text. Paths inside it are taken relative to the repository root, where the
 * lockfile is expected to be. `manifests` (importer dir → parsed package.json) is needed only for
 * yarn classic (v1), whose lockfile does not list importers: each importer's direct deps come from
 * its package.json (dependencies, devDependencies, optionalDependencies; the root's too, under "").
 * Throws ShipgraphError("LOCKFILE_INVALID"), also for a yarn classic lockfile without manifests.
 */
export function parseLockfile(
  file: string,
  text: string,
  manifests?: ReadonlyMap<string, Record<string, unknown>>,
): Lockfile {
  const kind = lockfileKind(file);
  switch (kind) {
    case "pnpm":
      return lockfileFromGraph(kind, file, parsePnpmLockfile(file, text));
    case "npm":
      return lockfileFromGraph(kind, file, parseNpmLockfile(file, text));
    case "yarn":
      return lockfileFromGraph(kind, file, parseYarn(file, text, manifests));
    default:
      throw lockfileError(
        file,
        "not a lockfile name shipgraph reads",
        `use one of ${LOCKFILE_NAMES.join(", ")}`,
      );
  }
}

function parseYarn(
  file: string,
  text: string,
  manifests: ReadonlyMap<string, Record<string, unknown>> | undefined,
) {
  const berryHint = "run `yarn install` to rewrite yarn.lock; until then every package counts as affected";
  if (isYarnClassic(text)) {
    // Without manifests no importer would be known, and "unknown" must not read as "unchanged".
    if (!manifests) {
      throw lockfileError(
        file,
        "a yarn classic (v1) lockfile does not list workspace packages",
        "pass the workspace package.json files (manifests) to parseLockfile",
      );
    }
    return parseYarnClassicLockfile(file, text, manifests);
  }
  const data = asRecord(parseYamlDocuments(text, file, berryHint).at(-1));
  if (!data || !asRecord(data.__metadata)) {
    throw lockfileError(file, "neither a yarn classic (v1) nor a yarn berry lockfile", berryHint);
  }
  return parseYarnBerryLockfile(file, data);
}

/**
 * Which of `importerDirs` have a different externalClosure, or different links (pnpm: what a hook
 * made it link shows in no manifest), between two lockfiles, in the given order. Everything when
 * there is no `before` (no lockfile at the base); also an importer that either lockfile does not
 * know, since "unknown" cannot prove "unchanged".
 */
export function changedImporters(
  before: Lockfile | undefined,
  after: Lockfile,
  importerDirs: readonly string[],
): string[] {
  if (!before) return [...importerDirs];
  // First the importers the two models show unchanged without a walk (most, on a dependency
  // bump); the others are compared closure by closure, which also sees a rewrite that resolves
  // the same (a lockfile format migration renames every node)
  const a = before.graph;
  const b = after.graph;
  let maybe = importerDirs;
  if (a !== undefined && b !== undefined && Boolean(a.importerLinks) === Boolean(b.importerLinks)) {
    const changed = changedNodes(a, b);
    maybe = importerDirs.filter((dir) => {
      const key = normalizeRepoPath(dir);
      const was = a.importers.get(key);
      const is = b.importers.get(key);
      if (was === undefined || is === undefined || !sameDirect(was, is)) return true;
      if (is.some((d) => d.node !== undefined && (changed.has(d.node) || !b.nodes.has(d.node)))) return true;
      return !sameStrings(a.importerLinks?.get(key) ?? [], b.importerLinks?.get(key) ?? []);
    });
  }
  return maybe.filter((dir) => {
    const a = before.externalClosure(dir);
    const b = after.externalClosure(dir);
    if (a === undefined || b === undefined || !sameStrings(a, b)) return true;
    const linksBefore = before.links?.(dir) ?? [];
    const linksAfter = after.links?.(dir) ?? [];
    return !sameStrings(linksBefore, linksAfter);
  });
}

/**
 * The nodes of `after` whose closure may differ from the same node's in `before`: those `before`
 * does not have, or has with another label, other dependencies, peers or links, and every node
 * reaching one of them (a dependency of a node not in `after`'s nodes makes it differ too). A
 * node outside this set reaches in `after` only nodes `before` has alike, so its closure (labels
 * and links) is the same on both sides: an importer whose direct dependencies are the same and
 * outside it is unchanged, found in one pass over both models instead of a walk per importer.
 * (One in it may still resolve the same: two lockfiles can name the same packages otherwise.) Pure.
 */
function changedNodes(before: DependencyGraph, after: DependencyGraph): Set<string> {
  const differ: string[] = [];
  for (const [id, node] of after.nodes) {
    const was = before.nodes.get(id);
    if (
      was === undefined ||
      was.label !== node.label ||
      !sameStrings(was.deps, node.deps) ||
      !sameStrings(was.peers, node.peers) ||
      !sameStrings(was.links ?? [], node.links ?? []) ||
      node.deps.some((dep) => !after.nodes.has(dep))
    )
      differ.push(id);
  }
  return reachingBack(differ, dependentsOf(after.nodes));
}

/** The same direct dependencies (name and node), in any order. */
function sameDirect(a: readonly DirectDependency[], b: readonly DirectDependency[]): boolean {
  if (a.length !== b.length) return false;
  const key = (d: DirectDependency) => `${d.name}\u0000${d.node ?? ""}`;
  const left = a.map(key).sort();
  const right = b.map(key).sort();
  return sameStrings(left, right);
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}
