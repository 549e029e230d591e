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
import { asRecord, type Lockfile, type LockfileKind, lockfileError, lockfileFromGraph } from "./model.js";
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
  return importerDirs.filter((dir) => {
    const a = before.externalClosure(dir);
    const b = after.externalClosure(dir);
    if (a === undefined || b === undefined || !sameStrings(a, b)) return true;
    const linksBefore = before.links?.(dir) ?? [];
    const linksAfter = after.links?.(dir) ?? [];
    return !sameStrings(linksBefore, linksAfter);
  });
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}
