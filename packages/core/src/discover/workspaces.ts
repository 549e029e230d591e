import { type Dirent, readdirSync } from "node:fs";
import { join, posix } from "node:path";
import jsYaml from "js-yaml";
import micromatch from "micromatch";
import { parseYamlText } from "../config/parse.js";
import { ShipgraphError } from "../errors.js";
import { type Lockfile, parseLockfile } from "../lockfile/index.js";
import type { RepoSnapshot } from "../repo/snapshot.js";
import { joinRepoPath, leavesRoot, normalizeRepoPath } from "../util/paths.js";
import { readManyFiles } from "../util/read-many.js";
import { compareStrings, sortStrings } from "../util/sort.js";
import { mark } from "../util/trace.js";

/** A workspace package found from pnpm-workspace.yaml or package.json `workspaces`. */
export interface WorkspacePackage {
  name: string;
  /** Repo-relative directory. */
  dir: string;
  /** Repo-relative path of its package.json. */
  manifest: string;
  /** Names of workspace packages it depends on (any dependency field), sorted. */
  dependencies: string[];
  /** The commands its `bin` field installs (a string `bin` is named after the package). */
  bins: string[];
  /**
   * What it installs from a local path in the repository that is not a workspace package's
   * directory (those are `dependencies`): directories, whose files are then its inputs, and
   * tarballs; its local dependencies' own too. Sorted by path; absent when none.
   */
  localDependencies?: LocalDependency[];
}

/** A directory or tarball in the repository that a package installs from a local path. */
export interface LocalDependency {
  /** Repo-relative path ("" is the repository root). */
  path: string;
  /**
   * The manifest entries that lead there, the package's own first and a local dependency's own
   * after " → ": "packages/a/package.json dependencies.foo: file:../../vendor/foo".
   */
  via: string;
}

export interface Workspace {
  /** The file that lists the workspace globs, if any. */
  workspaceFile: string | undefined;
  packages: WorkspacePackage[];
  warnings: string[];
  /**
   * What the root package.json installs from local paths (into the root's node_modules, where
   * every package can resolve it), by dependency name, sorted; absent when nothing.
   */
  rootLocal?: RootLocalDependency[];
  /**
   * Repository files that shape every install besides the root manifests (ROOT_MANIFEST_FILES):
   * the pnpmfiles the `pnpmfile` and `global-pnpmfile` settings name, sorted; absent when none.
   */
  installFiles?: string[];
  /**
   * Packages the config declares by `path` (not workspace packages) that have a package.json, by
   * name: the workspace packages they install through local paths, their bins and their local
   * dependencies. Absent when none.
   */
  declared?: Map<string, DeclaredPackageFacts>;
}

/** One local-path dependency of the root package.json. */
export interface RootLocalDependency {
  /** The dependency's name in the root manifest. */
  name: string;
  /** "package.json devDependencies.foo: file:vendor/foo" */
  entry: string;
  /** The workspace package whose directory it names, if any. */
  package?: string;
  /** The commands its package.json `bin` installs (on the root's node_modules/.bin). */
  bins: string[];
  /** Its directories and tarballs, its own local dependencies' too (as a package's). */
  paths: LocalDependency[];
}

/** What a config-declared package's package.json says (see Workspace.declared). */
export interface DeclaredPackageFacts {
  /** Workspace packages it installs through local paths, sorted. */
  dependencies: string[];
  bins: string[];
  localDependencies?: LocalDependency[];
}

/** A package the config declares by path: its name and directory. */
export interface DeclaredPackage {
  name: string;
  dir: string;
}

/**
 * Root files whose change can alter what any package installs or resolves. None of them is
 * "unowned": each affects every package (a later step narrows lockfile changes).
 */
export const ROOT_MANIFEST_FILES = [
  "package.json",
  "pnpm-workspace.yaml",
  "pnpm-lock.yaml",
  "package-lock.json",
  "npm-shrinkwrap.json",
  "yarn.lock",
  "bun.lock",
  "bun.lockb",
  ".npmrc",
  ".yarnrc.yml",
  ".pnpmfile.cjs",
  ".pnpmfile.mjs",
] as const;

/** The manifest fields that list dependencies. */
export const DEPENDENCY_FIELDS = [
  "dependencies",
  "devDependencies",
  "optionalDependencies",
  "peerDependencies",
] as const;

/**
 * Reads, from disk, the manifests the workspace globs point at, expanding each glob with one
 * readdir per wildcard level: it needs no git listing, so it runs while `git ls-files` reads the
 * index. Only a read-ahead: which packages exist is decided later from the tracked files
 * (discoverWorkspace reads them through the snapshot), exactly as without it. Globs with extglobs, braces or
 * "**" are not expanded (their manifests are read after the listing). (I/O)
 */
export function prefetchWorkspaceManifests(root: string): Map<string, Buffer> {
  const cache = readManyFiles(root, ["pnpm-workspace.yaml", "package.json"]);
  let patterns: string[];
  try {
    patterns = workspaceGlobs(decodeAll(cache)).patterns;
  } catch {
    return cache; // discovery reports the broken file
  }
  const manifests: string[] = [];
  for (const pattern of patterns) {
    if (pattern.startsWith("!")) continue;
    const segments = pattern.split("/");
    // only plain names and single-segment wildcards (*, ?, [..]): anything else is left to git
    if (!segments.every((segment) => /^[^(){}!@+]*$/.test(segment) && !segment.includes("**"))) continue;
    for (const dir of expandOnDisk(root, segments, "")) if (dir !== "") manifests.push(`${dir}/package.json`);
  }
  for (const [path, bytes] of readManyFiles(root, manifests)) cache.set(path, bytes);
  return cache;
}

function decodeAll(files: ReadonlyMap<string, Buffer>): Map<string, string> {
  return new Map([...files].map(([path, bytes]) => [path, bytes.toString("utf8")]));
}

/** Directories matching a glob's segments, one readdir per wildcard level (node_modules skipped). */
function expandOnDisk(root: string, segments: readonly string[], base: string): string[] {
  if (segments.length === 0) return [base];
  const [segment, ...rest] = segments as [string, ...string[]];
  if (!/[*?[{]/.test(segment)) return expandOnDisk(root, rest, base === "" ? segment : `${base}/${segment}`);
  let entries: Dirent[];
  try {
    entries = readdirSync(join(root, base), { withFileTypes: true });
  } catch {
    return [];
  }
  const match = micromatch.matcher(segment, { dot: false });
  return entries
    .filter((e) => e.isDirectory() && e.name !== "node_modules" && match(e.name))
    .flatMap((e) => expandOnDisk(root, rest, base === "" ? e.name : `${base}/${e.name}`));
}

/**
 * The submodules (paths in .gitmodules) the workspace globs select that no tracked package.json
 * already stands for. (I/O via snapshot)
 */
async function workspaceSubmodules(
  snapshot: RepoSnapshot,
  patterns: readonly string[],
  listed: readonly string[],
): Promise<string[]> {
  const text = (await snapshot.read([".gitmodules"])).get(".gitmodules");
  if (text === undefined) return [];
  const paths = [...text.matchAll(/^\s*path\s*=\s*(.+?)\s*$/gm)].map((m) =>
    m[1]!.replace(/^"(.*)"$/, "$1").replace(/\/+$/, ""),
  );
  const known = new Set(listed);
  return matchDirs(paths, patterns).filter((dir) => !known.has(dir));
}

/** The candidate directories the workspace globs select (negated globs excluded), sorted. */
function matchDirs(candidateDirs: readonly string[], patterns: readonly string[]): string[] {
  const positive = patterns.filter((p) => !p.startsWith("!"));
  const negative = patterns.filter((p) => p.startsWith("!")).map((p) => p.slice(1));
  if (positive.length === 0) return [];
  // each glob compiled once (what micromatch(list, globs, { ignore }) selects, without its
  // per-item result objects); `dir/*`, the usual workspace glob, is matched without picomatch
  const matchers = positive.map((p) => {
    const prefix = negative.length === 0 ? starGlobPrefix(p) : undefined;
    return prefix !== undefined
      ? (dir: string) => matchesStarGlob(dir, prefix)
      : micromatch.matcher(p, { dot: false, ignore: negative });
  });
  const out: string[] = [];
  for (let i = 0; i < candidateDirs.length; i++) {
    const dir = candidateDirs[i]!;
    for (let m = 0; m < matchers.length; m++) {
      if (matchers[m]!(dir)) {
        out.push(dir);
        break;
      }
    }
  }
  // (the candidates come sorted: then this only checks)
  return sortStrings(out);
}

/**
 * "packages/" for the glob "packages/*" (plain directory names, then one `*`), else undefined.
 * Such globs are most workspaces' only ones, and picomatch builds a result object per test. Pure.
 */
export function starGlobPrefix(glob: string): string | undefined {
  return /^[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)*\/\*$/.test(glob) ? glob.slice(0, -1) : undefined;
}

/**
 * Whether picomatch's `<prefix>*` (dot: false) matches `dir`: its regex is
 * `^(?:<prefix>(?!\.)(?=.)[^/]*?\/?)$`, so one more path segment, not starting with "." nor with
 * a line terminator, and at most a trailing "/". Pure.
 */
export function matchesStarGlob(dir: string, prefix: string): boolean {
  const p = prefix.length;
  if (dir.length <= p || !dir.startsWith(prefix)) return false;
  const first = dir.charCodeAt(p);
  // "." (dot: false), and what the regex's `(?=.)` does not match: \n, \r, U+2028, U+2029
  if (first === 46 || first === 10 || first === 13 || first === 0x2028 || first === 0x2029) return false;
  const end = dir.charCodeAt(dir.length - 1) === 47 ? dir.length - 1 : dir.length;
  const slash = dir.indexOf("/", p);
  return slash === -1 || slash >= end;
}

/**
 * The workspace file and its package globs (normalised: no "./", no trailing "/"), from the texts
 * of pnpm-workspace.yaml and package.json. Throws MANIFEST_INVALID / CONFIG_PARSE for a broken one.
 */
function workspaceGlobs(rootFiles: ReadonlyMap<string, string>): {
  workspaceFile: string | undefined;
  patterns: string[];
} {
  let globs: string[] = [];
  let workspaceFile: string | undefined;
  const pnpmText = rootFiles.get("pnpm-workspace.yaml");
  if (pnpmText !== undefined) {
    workspaceFile = "pnpm-workspace.yaml";
    const data = parseYamlText(pnpmText, "pnpm-workspace.yaml").data as { packages?: unknown } | null;
    globs = stringList(data?.packages, "pnpm-workspace.yaml", "packages");
  } else {
    const rootText = rootFiles.get("package.json");
    if (rootText !== undefined) {
      const root = parseManifest(rootText, "package.json");
      const ws = root.workspaces;
      const list = Array.isArray(ws) ? ws : (ws as { packages?: unknown } | undefined)?.packages;
      if (list !== undefined) {
        workspaceFile = "package.json";
        globs = stringList(list, "package.json", "workspaces");
      }
    }
  }
  return { workspaceFile, patterns: globs.map((g) => g.replace(/^\.\//, "").replace(/\/+$/, "")) };
}

/**
 * Whether each of `manifests` (package.json paths) is a workspace package's by the snapshot's
 * workspace globs. (I/O via snapshot)
 */
export async function workspaceManifests(
  snapshot: RepoSnapshot,
  manifests: readonly string[],
): Promise<Set<string>> {
  const { patterns } = workspaceGlobs(await snapshot.read(["pnpm-workspace.yaml", "package.json"]));
  return new Set(matchDirs(manifestDirs(manifests), patterns).map((dir) => `${dir}/package.json`));
}

/** The directories of the package.json files among `paths` (none under node_modules). Pure. */
function manifestDirs(paths: readonly string[], others?: string[]): string[] {
  const dirs: string[] = [];
  for (let i = 0; i < paths.length; i++) {
    const f = paths[i]!;
    if (f.endsWith("/package.json")) {
      if (!f.includes("node_modules/")) dirs.push(f.slice(0, -"/package.json".length));
    } else if (
      others !== undefined &&
      (f.endsWith("/package.yaml") || f.endsWith("/package.json5")) &&
      !f.includes("node_modules/")
    )
      others.push(f);
  }
  return dirs;
}

/** The names a manifest's dependency fields install, a pnpm alias (workspace: or npm:) as its real name. Pure. */
export function dependencyNames(data: Record<string, unknown>): { field: string; name: string }[] {
  const out: { field: string; name: string }[] = [];
  const deps = dependencyTriples(data);
  for (let i = 0; i < deps.length; i += 3) {
    const field = deps[i]!;
    const spec = deps[i + 2]!;
    const aliased = workspaceAlias(spec) ?? npmAlias(spec);
    out.push({ field, name: aliased ?? deps[i + 1]! });
    if (aliased !== undefined) out.push({ field, name: deps[i + 1]! });
  }
  return out;
}

/**
 * The dependencies a manifest pins to the workspace (a `workspace:` spec), by the name of the
 * package they link (a pnpm alias as its real name). Pure.
 */
export function workspaceDependencies(
  data: Record<string, unknown>,
): { field: string; name: string; spec: string }[] {
  const out: { field: string; name: string; spec: string }[] = [];
  const deps = dependencyTriples(data);
  for (let i = 0; i < deps.length; i += 3) {
    const spec = deps[i + 2]!;
    if (spec.startsWith("workspace:"))
      out.push({ field: deps[i]!, name: workspaceAlias(spec) ?? deps[i + 1]!, spec });
  }
  return out;
}

/**
 * [field, dependency name, spec] triples of every dependency field, flat (a spec that is not a
 * string: ""). Pure.
 */
function dependencyTriples(data: Record<string, unknown>): string[] {
  const deps: string[] = [];
  for (let f = 0; f < DEPENDENCY_FIELDS.length; f++) {
    const field = DEPENDENCY_FIELDS[f]!;
    const entries = data[field];
    if (!entries || typeof entries !== "object") continue;
    const names = Object.keys(entries);
    for (let k = 0; k < names.length; k++) {
      const spec = (entries as Record<string, unknown>)[names[k]!];
      deps.push(field, names[k]!, typeof spec === "string" ? spec : "");
    }
  }
  return deps;
}

/**
 * Discovers workspace packages from the snapshot's files (reads only manifests), what the root
 * package.json installs from local paths, and the local dependencies of the packages the config
 * declares by path (`declared`). (I/O via snapshot)
 */
export async function discoverWorkspace(
  snapshot: RepoSnapshot,
  declared: readonly DeclaredPackage[] = [],
): Promise<Workspace> {
  const warnings: string[] = [];
  const rootFiles = await snapshot.read([
    "pnpm-workspace.yaml",
    "package.json",
    ".npmrc",
    ".pnpmfile.cjs",
    ".pnpmfile.mjs",
    ".yarnrc.yml",
  ]);
  const { workspaceFile, patterns } = workspaceGlobs(rootFiles);
  // pnpm links an `npm:` alias to a workspace package of that name while linkWorkspacePackages is
  // on (its default before pnpm 9, and a user-level setting may turn it on): counted unless the
  // repository itself turns it off
  const npmAliasesLink = !linkingOff(rootFiles);
  const root = readRootManifest(rootFiles.get("package.json"));
  const named = root && "data" in root ? root.data.name : undefined;
  const rootName = typeof named === "string" && named !== "" ? named : undefined;
  const found =
    patterns.length === 0
      ? []
      : await workspaceManifestFacts(snapshot, patterns, workspaceFile === "pnpm-workspace.yaml", warnings);
  const rootEdges = rootLocalEdges(root, warnings);
  const declaredFacts = await declaredManifestFacts(snapshot, declared, found);
  const byName = new Set(found.map((f) => f.name));
  const extras = installExtras(rootFiles, root, byName, npmAliasesLink, warnings);
  const installFiles = extras.files.length > 0 ? { installFiles: extras.files } : {};
  if (found.length === 0 && rootEdges.length === 0 && declaredFacts.length === 0)
    return { workspaceFile, packages: [], warnings, ...installFiles };

  // Local paths, resolved once every package's directory is known: the workspace packages with a
  // local-path dependency, the declared packages, and each of the root's local dependencies alone
  // (a package declaring one of those by name gets that one).
  const rootAt = found.length + declaredFacts.length;
  const roots: (LocalRoot | undefined)[] = [];
  let packageDirs: Set<string> | undefined;
  for (const f of declaredFacts.length === 0 ? found : [...found, ...declaredFacts]) {
    if (!hasLocalSpec(f.deps)) {
      roots.push(undefined);
      continue;
    }
    const edges = localEdges(f.dir, f.manifest, f.deps);
    // yarn reads a `workspace:` path from the project root (`workspace:./packages/b` from any
    // package), pnpm from the package's directory: the root's reading counts when only it names a
    // workspace package's directory
    for (const edge of edges) {
      if (!edge.spec.startsWith("workspace:")) continue;
      packageDirs ??= new Set(found.map((p) => p.dir));
      if (edge.target !== undefined && packageDirs.has(edge.target)) continue;
      const fromRoot = resolveLocalPath("", edge.spec.slice("workspace:".length));
      if (fromRoot !== undefined && packageDirs.has(fromRoot)) edge.target = fromRoot;
    }
    roots.push({ self: f.name, edges });
  }
  for (const edge of rootEdges) roots.push({ self: undefined, edges: [edge] });
  const packageAt = new Map<string, ManifestFacts>();
  let local: Awaited<ReturnType<typeof localDependencies>> | undefined;
  if (roots.some((r) => r !== undefined)) {
    for (const f of found) packageAt.set(f.dir, f);
    local = await localDependencies(snapshot, packageAt, roots, warnings);
  }
  const rootLocal = rootEdges.map((edge, i): RootLocalDependency => {
    const resolved = local!.results[rootAt + i]!;
    const target = edge.target === undefined ? undefined : packageAt.get(edge.target);
    return {
      name: edge.name,
      entry: edge.entry,
      ...(target ? { package: target.name } : {}),
      bins: target ? target.bins : (local!.binsAt.get(edge.target ?? "") ?? []),
      paths: resolved.paths,
    };
  });
  const rootByName = new Map(rootLocal.map((r) => [r.name, r] as const));

  /** One package's workspace dependencies and local dependencies, from its manifest facts. */
  const resolve = (facts: ManifestFacts, index: number) => {
    const { name, manifest, deps } = facts;
    const resolved = local?.results[index];
    const dependencies: string[] = resolved ? [...new Set(resolved.packages)] : [];
    const paths: LocalDependency[] = resolved ? [...resolved.paths] : [];
    for (let i = 0; i < deps.length; i += 3) {
      const field = deps[i]!;
      const spec = deps[i + 2]!;
      // a local path installs what is there, whatever the dependency's name (resolved above)
      if (roots[index] !== undefined && localSpecPath(spec) !== undefined) continue;
      // pnpm's workspace alias: `"alias": "workspace:real-name@range"` links the package real-name
      const isNpm = spec.startsWith("npm:");
      const aliased = isNpm ? (npmAliasesLink ? npmAlias(spec) : undefined) : workspaceAlias(spec);
      const dep = aliased !== undefined && byName.has(aliased) ? aliased : deps[i + 1]!;
      const isPackage = dep !== name && byName.has(dep);
      // An `npm:` alias installs the package it names: a workspace package of that name when pnpm
      // links workspace packages (pnpm-lock.yaml then says `version: link:../b`), and otherwise
      // another package from the registry under this name.
      if (isPackage && (!isNpm || dep === aliased)) {
        if (!dependencies.includes(dep)) dependencies.push(dep);
      } else if (spec.startsWith("workspace:") && !isPackage) {
        // pnpm's workspace root is a project too: `"root": "workspace:*"` links the repository's
        // root directory, every file of which the package can then read
        if (dep === rootName && dep !== name)
          paths.push({ path: "", via: `${manifest} ${field}.${deps[i + 1]}: ${spec} (the workspace root)` });
        else if (index < found.length)
          warnings.push(
            `${manifest}: ${field}.${dep} uses "${spec}" but no workspace package is named "${dep}"`,
          );
      } else if (rootByName.size > 0 && !isPackage && !spec.startsWith("npm:")) {
        // a name the root installs from a local path: npm and yarn resolve it to the root's copy
        const atRoot = rootByName.get(dep);
        if (atRoot === undefined) continue;
        if (atRoot.package !== undefined && atRoot.package !== name && !dependencies.includes(atRoot.package))
          dependencies.push(atRoot.package);
        const entry = `${manifest} ${field}.${dep}: ${spec}, installed at the root by`;
        for (const p of atRoot.paths) paths.push({ path: p.path, via: `${entry} ${p.via}` });
      }
    }
    return { dependencies: sortStrings(dependencies), localDependencies: uniquePaths(paths) };
  };

  const packages: WorkspacePackage[] = new Array(found.length);
  for (let index = 0; index < found.length; index++) {
    const facts = found[index]!;
    const { dependencies, localDependencies } = resolve(facts, index);
    const pkg: WorkspacePackage = {
      name: facts.name,
      dir: facts.dir,
      manifest: facts.manifest,
      dependencies,
      bins: facts.bins,
    };
    if (localDependencies) pkg.localDependencies = localDependencies;
    packages[index] = pkg;
  }
  if (local) mark("local dependencies resolved");
  if (found.length > 0) {
    await applyInstallExtras(snapshot, extras, found, packages, byName, warnings);
    applyOverrides(rootFiles, root, found, packages, byName, npmAliasesLink);
    applyDeepLinking(rootFiles, found, packages, byName, warnings);
  }
  const workspace: Workspace = { workspaceFile, packages, warnings, ...installFiles };
  if (rootLocal.length > 0) workspace.rootLocal = rootLocal;
  if (declaredFacts.length > 0) {
    workspace.declared = new Map(
      declaredFacts.map((facts, d) => {
        const { dependencies, localDependencies } = resolve(facts, found.length + d);
        return [
          facts.name,
          { dependencies, bins: facts.bins, ...(localDependencies ? { localDependencies } : {}) },
        ];
      }),
    );
  }
  return workspace;
}

/** Paths by path (the first `via` kept), sorted; undefined when none. */
function uniquePaths(paths: readonly LocalDependency[]): LocalDependency[] | undefined {
  if (paths.length === 0) return undefined;
  const byPath = new Map<string, LocalDependency>();
  for (const p of paths) if (!byPath.has(p.path)) byPath.set(p.path, p);
  return [...byPath.values()].sort((a, b) => compareStrings(a.path, b.path));
}

/** Whether [field, name, spec] triples hold a local-path spec. Pure. */
function hasLocalSpec(deps: readonly string[]): boolean {
  for (let i = 2; i < deps.length; i += 3) if (localSpecPath(deps[i]!) !== undefined) return true;
  return false;
}

/**
 * The root package.json's local-path dependencies, resolved from the root. A root manifest that
 * does not parse is warned about (a change to it already counts for every package). Pure.
 */
function rootLocalEdges(root: RootManifest, warnings: string[]): LocalEdge[] {
  if (root === undefined) return [];
  if ("error" in root) {
    warnings.push(`${root.error.message}: what it installs from local paths is not followed`);
    return [];
  }
  return localEdges("", "package.json", dependencyTriples(root.data));
}

/** The root package.json, parsed once for what discovery reads of it: undefined when absent. */
type RootManifest = { data: Record<string, unknown> } | { error: Error } | undefined;

function readRootManifest(text: string | undefined): RootManifest {
  if (text === undefined) return undefined;
  try {
    return { data: parseManifest(text, "package.json") };
  } catch (error) {
    return { error: error as Error };
  }
}

/**
 * The workspace packages' manifest facts, by the workspace globs; a package that is a git
 * submodule not checked out, or two packages with one name, is an error. (I/O via snapshot)
 */
async function workspaceManifestFacts(
  snapshot: RepoSnapshot,
  patterns: readonly string[],
  pnpm: boolean,
  warnings: string[],
): Promise<ManifestFacts[]> {
  // pnpm also reads package.yaml and package.json5 manifests (@pnpm/fs.find-packages)
  const others: string[] | undefined = pnpm ? [] : undefined;
  const candidateDirs = manifestDirs(snapshot.files, others);
  mark("workspace file read");
  const listed = matchDirs(candidateDirs, patterns);
  if (others !== undefined && others.length > 0) {
    const withJson = new Set(listed);
    const byDir = new Map(others.map((f) => [f.slice(0, f.lastIndexOf("/")), f] as const));
    for (const dir of matchDirs([...byDir.keys()], patterns)) {
      if (withJson.has(dir)) continue;
      warnings.push(
        `${byDir.get(dir)}: pnpm reads it as a workspace package's manifest, but shipgraph reads only package.json: the files of ${dir} belong to no package and what depends on it is not seen (write its manifest as package.json)`,
      );
    }
  }
  // a package that is a git submodule: its package.json is in its own repository, not this index
  const submodules = await workspaceSubmodules(snapshot, patterns, listed);
  const dirs = submodules.length === 0 ? listed : [...listed, ...submodules].sort(compareStrings);
  mark("workspace globs matched");

  const paths = dirs.map((d) => `${d}/package.json`);
  // bytes, not texts: each manifest is decoded, parsed and reduced to what the graph needs in
  // turn, so its text and parsed object die young instead of all 5,000 living until the end
  const manifests = await snapshot.readBytes(paths);
  mark("workspace manifests read");
  for (const dir of submodules) {
    if (manifests.has(`${dir}/package.json`)) continue;
    throw new ShipgraphError(
      "MANIFEST_INVALID",
      `${dir} is a git submodule the workspace globs include, and its package.json cannot be read${snapshot.rev === "worktree" ? " (not checked out)" : ` at ${snapshot.rev.slice(0, 12)} (a submodule's files are in its own repository)`}: what depends on it cannot be known`,
      {
        file: `${dir}/package.json`,
        hint:
          snapshot.rev === "worktree"
            ? "check it out (`git submodule update --init`), or exclude it from the workspace globs"
            : "run without --head, in a checkout with the submodule checked out",
      },
    );
  }
  const found: ManifestFacts[] = [];
  const byName = new Map<string, string>();
  for (let i = 0; i < dirs.length; i++) {
    const manifest = paths[i]!;
    const bytes = manifests.get(manifest);
    if (bytes === undefined) continue;
    const data = parseManifest(bytes.toString("utf8"), manifest);
    const dir = dirs[i]!;
    const name = typeof data.name === "string" && data.name !== "" ? data.name : dir;
    const previous = byName.get(name);
    if (previous !== undefined) {
      throw new ShipgraphError(
        "MANIFEST_INVALID",
        `two workspace packages are named "${name}": ${previous} and ${manifest}`,
        {
          file: manifest,
          key: "name",
          hint: "give each workspace package a unique name",
        },
      );
    }
    byName.set(name, manifest);
    found.push(manifestFacts(name, dir, manifest, data));
  }
  mark("workspace manifests parsed");
  return found;
}

/**
 * The manifest facts of the declared packages that have a package.json and are not workspace
 * packages (a workspace package's `path` is checked against its directory elsewhere). (I/O via
 * snapshot)
 */
async function declaredManifestFacts(
  snapshot: RepoSnapshot,
  declared: readonly DeclaredPackage[],
  found: readonly ManifestFacts[],
): Promise<ManifestFacts[]> {
  if (declared.length === 0) return [];
  const workspaceNames = new Set(found.map((f) => f.name));
  const workspaceDirs = new Set(found.map((f) => f.dir));
  const candidates = declared.filter((d) => !workspaceNames.has(d.name) && !workspaceDirs.has(d.dir));
  const texts = await snapshot.read(candidates.map((d) => joinRepoPath(d.dir, "package.json")));
  const out: ManifestFacts[] = [];
  for (const { name, dir } of candidates) {
    const manifest = joinRepoPath(dir, "package.json");
    const text = texts.get(manifest);
    if (text === undefined) continue;
    out.push(manifestFacts(name, dir, manifest, parseManifest(text, manifest)));
  }
  return out;
}

/**
 * The path of a dependency spec that installs from a local path, as npm, pnpm and yarn read it:
 * `file:` (a directory or a tarball), `link:`, yarn's `portal:`, pnpm's `workspace:../x`, and a
 * bare path (`./x`, `../x`, `/x`, `~/x`); undefined for any other spec. One string check for the
 * usual spec (it runs for every dependency of every manifest). Pure.
 */
export function localSpecPath(spec: string): string | undefined {
  const first = spec.charCodeAt(0);
  // "workspace:*" first: most specs of a large workspace (its one check is a character code)
  if (first === 0x77 /* w */) {
    const next = spec.charCodeAt("workspace:".length);
    return (next === 0x2e || next === 0x2f) && spec.startsWith("workspace:")
      ? spec.slice("workspace:".length)
      : undefined;
  }
  if (first === 0x66 /* f */) {
    if (!spec.startsWith("file:")) return undefined;
    // "file:///abs", "file://../x": the path after the slashes of a URL
    return spec.startsWith("file://") ? spec.slice("file://".length) : spec.slice("file:".length);
  }
  if (first === 0x6c /* l */) return spec.startsWith("link:") ? spec.slice("link:".length) : undefined;
  if (first === 0x70 /* p */) return spec.startsWith("portal:") ? spec.slice("portal:".length) : undefined;
  if (first === 0x2e /* . */ || first === 0x2f /* / */) return spec;
  // "~1.2" is a range, "~/x" a path
  if (first === 0x7e /* ~ */) return spec.startsWith("~/") ? spec : undefined;
  return undefined;
}

/**
 * Where a local spec's path, declared in the manifest of directory `dir`, lands: a repo-relative
 * path, or undefined when it leaves the repository or is absolute (from the home directory, a
 * drive) and so cannot be tracked. Package managers resolve it from the declaring package's
 * directory. Pure.
 */
export function resolveLocalPath(dir: string, path: string): string | undefined {
  if (ABSOLUTE.test(path)) return undefined;
  const resolved = normalizeRepoPath(posix.join(dir === "" ? "." : dir, path.replace(/\\/g, "/")));
  return leavesRoot(resolved) ? undefined : resolved;
}

/** A path from the root, the home directory or a drive. */
const ABSOLUTE = /^(?:[/\\~]|[a-zA-Z]:)/;

/** A tarball, as npm tells one from a directory. */
const TARBALL = /\.(?:tgz|tar\.gz|tar)$/i;

/** The glob of a local dependency's files: the tarball itself, or every file of the directory. */
export function localDependencyGlob(path: string): string {
  return TARBALL.test(path) ? path : path === "" ? "**" : `${path}/**`;
}

/** One local spec of a manifest, resolved. */
interface LocalEdge {
  /** The dependency's name (its key in the dependency field). */
  name: string;
  /** Repo-relative; undefined: outside the repository. */
  target: string | undefined;
  /** "packages/a/package.json dependencies.foo: file:../../vendor/foo" */
  entry: string;
  /** For a warning: the manifest, the key and the spec. */
  manifest: string;
  key: string;
  spec: string;
}

/** The local specs of a manifest's [field, name, spec] triples, resolved from its directory. Pure. */
function localEdges(dir: string, manifest: string, deps: readonly string[]): LocalEdge[] {
  const out: LocalEdge[] = [];
  for (let i = 0; i < deps.length; i += 3) {
    const spec = deps[i + 2]!;
    const path = localSpecPath(spec);
    if (path === undefined) continue;
    const key = `${deps[i]}.${deps[i + 1]}`;
    out.push({
      name: deps[i + 1]!,
      target: resolveLocalPath(dir, path),
      entry: `${manifest} ${key}: ${spec}`,
      manifest,
      key,
      spec,
    });
  }
  return out;
}

/** A manifest whose local-path dependencies are followed: its package's name (none for the root). */
interface LocalRoot {
  self: string | undefined;
  edges: LocalEdge[];
}

/**
 * For each root (by index; undefined stays undefined): the workspace packages it reaches that way
 * (a local path on a package's directory links that package, whatever name it is installed under)
 * and the other directories and tarballs it installs, following each local directory's own
 * package.json local dependencies (cycles stop where they close); and the commands each local
 * directory's `bin` installs. Warns about a path outside the repository, which no change can be
 * seen in, and one that holds no tracked file. (I/O via snapshot: the local directories' manifests)
 */
async function localDependencies(
  snapshot: RepoSnapshot,
  packageAt: ReadonlyMap<string, ManifestFacts>,
  roots: readonly (LocalRoot | undefined)[],
  warnings: string[],
): Promise<{
  results: ({ packages: string[]; paths: LocalDependency[] } | undefined)[];
  binsAt: Map<string, string[]>;
}> {
  // the local specs of each local directory's own package.json, read level by level
  const edgesOf = new Map<string, LocalEdge[]>();
  const binsAt = new Map<string, string[]>();
  let pending = roots.flatMap((root) => root?.edges ?? []);
  while (pending.length > 0) {
    const dirs = [
      ...new Set(
        pending.flatMap(({ target }) =>
          target === undefined || TARBALL.test(target) || packageAt.has(target) || edgesOf.has(target)
            ? []
            : [target],
        ),
      ),
    ];
    const texts = await snapshot.read(dirs.map((dir) => joinRepoPath(dir, "package.json")));
    pending = [];
    for (const dir of dirs) {
      const manifest = joinRepoPath(dir, "package.json");
      const text = texts.get(manifest);
      let edges: LocalEdge[] = [];
      if (text !== undefined) {
        try {
          const data = parseManifest(text, manifest);
          edges = localEdges(dir, manifest, dependencyTriples(data));
          const bins = binNames(typeof data.name === "string" ? data.name : "", data.bin);
          if (bins.length > 0) binsAt.set(dir, bins);
        } catch (error) {
          warnings.push(`${(error as Error).message}: its own local dependencies are not followed`);
        }
      }
      edgesOf.set(dir, edges);
      pending.push(...edges);
    }
  }
  const warned = new Set<LocalEdge>();
  const outside = (edge: LocalEdge) => {
    if (warned.has(edge)) return;
    warned.add(edge);
    warnings.push(
      `${edge.manifest}: ${edge.key} uses "${edge.spec}", ${ABSOLUTE.test(localSpecPath(edge.spec)!) ? "an absolute path" : "a path outside the repository"}: shipgraph cannot see a change there, so none affects anything`,
    );
  };
  const firstEntry = new Map<string, LocalEdge>();
  const results = roots.map((root) => {
    if (root === undefined) return undefined;
    const { self, edges } = root;
    const packages: string[] = [];
    const paths: LocalDependency[] = [];
    const seen = new Set<string>();
    // breadth first, so each path's `via` is a shortest chain
    const queue = edges.map((edge) => ({ edge, via: edge.entry }));
    for (let q = 0; q < queue.length; q++) {
      const { edge, via } = queue[q]!;
      const target = edge.target;
      if (target === undefined) {
        outside(edge);
        continue;
      }
      if (seen.has(target)) continue;
      seen.add(target);
      const name = packageAt.get(target)?.name;
      if (name !== undefined) {
        if (name !== self) packages.push(name);
        continue;
      }
      paths.push({ path: target, via });
      if (!firstEntry.has(target)) firstEntry.set(target, edge);
      for (const next of edgesOf.get(target) ?? []) queue.push({ edge: next, via: `${via} → ${next.entry}` });
    }
    paths.sort((a, b) => compareStrings(a.path, b.path));
    return { packages, paths };
  });
  // a path where nothing is tracked (build output, a misspelt path) holds nothing a diff can show
  const empty = await snapshot.empty?.([...firstEntry.keys()]);
  for (const path of empty ?? []) {
    const edge = firstEntry.get(path)!;
    warnings.push(
      `${edge.manifest}: ${edge.key} uses "${edge.spec}", and no tracked file is at ${path}: a change to what makes it affects nothing through it (add the files it is made from to the package's \`inputs\`)`,
    );
  }
  return { results, binsAt };
}

/** "workspace:b@*" → "b", "workspace:@s/b@^1" → "@s/b"; undefined for any other spec. */
function workspaceAlias(spec: string): string | undefined {
  // (no string made for the usual "workspace:*" or "workspace:^": 50,000 of them on a large repo)
  if (!spec.startsWith("workspace:")) return undefined;
  const at = spec.lastIndexOf("@");
  return at > "workspace:".length ? spec.slice("workspace:".length, at) : undefined;
}

/** One override of what a name installs, where it targets the repository. */
interface InRepoOverride {
  /** The name whose every install it replaces ("zz" for `"foo>zz@1": …`). */
  name: string;
  /** "package.json pnpm.overrides.zz: link:packages/b" */
  entry: string;
  /** The workspace package it installs instead, or… */
  package?: string;
  /** …the repo-relative directory or tarball it installs from. */
  path?: string;
}

/**
 * The overrides (pnpm `pnpm.overrides` and pnpm-workspace.yaml `overrides`, npm `overrides`, yarn
 * `resolutions`) that make a name install a workspace package (`workspace:`, an `npm:` alias of
 * one) or a local path (`link:`, `file:`, `portal:`, a bare path, resolved from the root; npm's
 * `$name` reference as the root's own spec of that name). Pure.
 */
function inRepoOverrides(
  rootFiles: ReadonlyMap<string, string>,
  rootManifest: RootManifest,
  byName: ReadonlySet<string>,
  npmAliasesLink: boolean,
): InRepoOverride[] {
  const entries: { name: string; entry: string; spec: string }[] = [];
  // (a root manifest that does not parse is warned about elsewhere)
  const root = rootManifest && "data" in rootManifest ? rootManifest.data : {};
  const flat = (value: unknown, at: string, nameOf: (key: string) => string | undefined) => {
    if (!value || typeof value !== "object" || Array.isArray(value)) return;
    for (const [key, spec] of Object.entries(value as Record<string, unknown>)) {
      const name = nameOf(key);
      if (typeof spec === "string" && name !== undefined)
        entries.push({ name, entry: `${at}.${key}: ${spec}`, spec });
    }
  };
  // pnpm: "foo@1>bar@2" overrides bar under foo
  const pnpmName = (key: string) => versionless(key.split(">").at(-1)!);
  flat(
    (root.pnpm as Record<string, unknown> | undefined)?.overrides,
    "package.json pnpm.overrides",
    pnpmName,
  );
  const yamlText = rootFiles.get("pnpm-workspace.yaml");
  if (yamlText !== undefined && /^overrides:/m.test(yamlText)) {
    try {
      const data = parseYamlText(yamlText, "pnpm-workspace.yaml").data as { overrides?: unknown } | null;
      flat(data?.overrides, "pnpm-workspace.yaml overrides", pnpmName);
    } catch {
      // discovery has already read the file's globs
    }
  }
  // yarn: "**/bar", "foo/bar", "@s/foo/@s/bar@1"
  flat(root.resolutions, "package.json resolutions", (key) => {
    const parts = key.split("/");
    const last = parts.at(-1)!;
    const scope = parts.at(-2);
    return versionless(scope?.startsWith("@") ? `${scope}/${last}` : last);
  });
  // npm: nested by the path to the package; "." is the key's own package
  const npm = (value: unknown, at: string, parent: string | undefined) => {
    if (!value || typeof value !== "object" || Array.isArray(value)) return;
    for (const [key, spec] of Object.entries(value as Record<string, unknown>)) {
      const name = key === "." ? parent : versionless(key);
      if (name === undefined) continue;
      if (typeof spec === "string") entries.push({ name, entry: `${at}.${key}: ${spec}`, spec });
      else npm(spec, `${at}.${key}`, name);
    }
  };
  npm(root.overrides, "package.json overrides", undefined);

  const out: InRepoOverride[] = [];
  for (const { name, entry, spec: written } of entries) {
    let spec = written;
    if (spec.startsWith("$")) {
      // npm: the root's own spec of that dependency
      const ref = spec.slice(1);
      spec = "";
      for (const field of DEPENDENCY_FIELDS) {
        const value = (root[field] as Record<string, unknown> | undefined)?.[ref];
        if (typeof value === "string") spec = value;
      }
    }
    const path = localSpecPath(spec);
    if (path !== undefined) {
      const target = resolveLocalPath("", path);
      if (target !== undefined) out.push({ name, entry, path: target });
      continue;
    }
    const aliased = spec.startsWith("workspace:")
      ? (workspaceAlias(spec) ?? name)
      : npmAliasesLink
        ? npmAlias(spec)
        : undefined;
    if (aliased !== undefined && byName.has(aliased)) out.push({ name, entry, package: aliased });
  }
  return out;
}

/** "bar@^2" → "bar", "@s/bar@2" → "@s/bar", "bar" → "bar". */
function versionless(selector: string): string | undefined {
  const name = splitAt(selector.trim());
  return name === "" ? undefined : name;
}

function splitAt(selector: string): string {
  const at = selector.indexOf("@", selector.startsWith("@") ? 1 : 0);
  return at === -1 ? selector : selector.slice(0, at);
}

/**
 * What installing a workspace package brings in, by its name: its directory, those of the
 * workspace packages it depends on (transitively), and their local dependencies, as they stand
 * when first asked (memoised). Pure.
 */
function installedFiles(
  found: readonly ManifestFacts[],
  packages: readonly WorkspacePackage[],
): (name: string) => string[] {
  const byPackageName = new Map(found.map((f, index) => [f.name, packages[index]!] as const));
  const brought = new Map<string, string[]>();
  return (name: string): string[] => {
    let paths = brought.get(name);
    if (paths !== undefined) return paths;
    const seen = new Set([name]);
    const queue = [name];
    const out = new Set<string>();
    for (let q = 0; q < queue.length; q++) {
      const member = byPackageName.get(queue[q]!);
      if (member === undefined) continue;
      out.add(member.dir);
      for (const l of member.localDependencies ?? []) out.add(l.path);
      for (const dep of member.dependencies) {
        if (seen.has(dep)) continue;
        seen.add(dep);
        queue.push(dep);
      }
    }
    paths = [...out].sort(compareStrings);
    brought.set(name, paths);
    return paths;
  };
}

/**
 * Overrides that install a workspace package or a local path in place of a name (see
 * inRepoOverrides): a package declaring that name depends on what it installs instead; any other
 * package that installs anything from outside the workspace may install the name through it (which
 * ones do, only the lockfile says), so the target's files are its local dependency. Edits
 * `packages` in place. Pure.
 */
function applyOverrides(
  rootFiles: ReadonlyMap<string, string>,
  rootManifest: RootManifest,
  found: readonly ManifestFacts[],
  packages: WorkspacePackage[],
  byName: ReadonlySet<string>,
  npmAliasesLink: boolean,
): void {
  const text = rootFiles.get("package.json") ?? "";
  // (no parse unless the root manifest or pnpm-workspace.yaml can hold an override)
  if (
    !/"(?:overrides|resolutions)"\s*:/.test(text) &&
    !/^overrides:/m.test(rootFiles.get("pnpm-workspace.yaml") ?? "")
  )
    return;
  const overrides = inRepoOverrides(rootFiles, rootManifest, byName, npmAliasesLink);
  if (overrides.length === 0) return;
  // first who declares an overridden name: it depends on the workspace package installed instead
  for (let index = 0; index < found.length; index++) {
    const { name: self, deps } = found[index]!;
    const pkg = packages[index]!;
    for (const override of overrides) {
      if (override.package === undefined || override.package === self) continue;
      if (!deps.some((dep, i) => i % 3 === 1 && dep === override.name)) continue;
      if (!pkg.dependencies.includes(override.package))
        pkg.dependencies = sortStrings([...pkg.dependencies, override.package]);
    }
  }
  const installs = installedFiles(found, packages);
  for (const override of overrides) if (override.package !== undefined) installs(override.package);
  for (let index = 0; index < found.length; index++) {
    const { name: self, deps } = found[index]!;
    const pkg = packages[index]!;
    const declares = new Set<string>();
    for (let i = 0; i < deps.length; i += 3) declares.add(deps[i + 1]!);
    const external = installsOutsidePackages(deps, pkg, byName);
    const local: LocalDependency[] = [...(pkg.localDependencies ?? [])];
    for (const override of overrides) {
      if (override.package === self) continue;
      if (declares.has(override.name)) {
        if (override.package === undefined)
          local.push({
            path: override.path!,
            via: `${pkg.manifest} installs ${override.name}: ${override.entry}`,
          });
      } else if (external) {
        // (a workspace package installed this way brings what it depends on too: no graph edge,
        // which could make a cycle, but their files)
        const via = `${override.entry}, which what ${pkg.manifest} installs from outside the workspace may install`;
        if (override.package === undefined) local.push({ path: override.path!, via });
        else for (const path of installs(override.package)) local.push({ path, via });
      }
    }
    const unique = uniquePaths(local);
    if (unique) pkg.localDependencies = unique;
  }
}

/**
 * What can give a package dependencies that no manifest shows, as the repository sets it (besides
 * overrides and deep linking, see applyOverrides and applyDeepLinking): pnpm's hooks and yarn's
 * and pnpm's `packageExtensions`.
 */
interface InstallExtras {
  /**
   * Where pnpm may run hooks (readPackage can add any dependency; afterAllResolved, custom
   * resolvers and updateConfig as much): the root's `.pnpmfile.cjs`, pnpm 11's `.pnpmfile.mjs`
   * (which it loads instead), the files the `pnpmfile` and `global-pnpmfile` settings name, and
   * config dependencies (pnpm 10 loads a plugin's pnpmfile): "…" each, for reasons.
   */
  hooks: string[];
  /**
   * The repository files those settings name (no `.pnpmfile.*`, which are root manifests already),
   * and yarn's plugins and release (`.yarnrc.yml` `plugins`, `yarnPath`), which every install runs.
   */
  files: string[];
  extensions: PackageExtension[];
  /**
   * yarn berry's plugins (`.yarnrc.yml` `plugins`): repo-relative paths, or "…" as written for one
   * outside the repository. Their registerPackageExtensions and reduceDependency hooks can give any
   * package any dependency, which yarn.lock does not show.
   */
  yarnPlugins: string[];
  /** Why the extensions cannot all be read (a file the package manager reads differently): every file counts. */
  unreadable?: string;
}

/** One dependency a `packageExtensions` entry gives a package, where it is in the repository. */
interface PackageExtension {
  manager: "pnpm" | "yarn";
  /** Where the map is: "package.json pnpm.packageExtensions". */
  at: string;
  /** The name of the package it extends ("ext" for `ext@1`). */
  name: string;
  /** "package.json pnpm.packageExtensions.ext@1.dependencies.b: workspace:*" */
  entry: string;
  /** The workspace package it installs, or… */
  package?: string;
  /**
   * …the local path as written (`../../vendor/x`): pnpm and yarn resolve it from the extended
   * package's own directory, as any dependency of that package's.
   */
  path?: string;
}

/** A pnpmfile setting's path as written: quotes taken off. */
function settingPath(value: string): string {
  return value.trim().replace(/^(["'])(.*)\1$/, "$2");
}

/**
 * The hooks and package extensions the root files set up (see InstallExtras); pnpm-workspace.yaml
 * and .yarnrc.yml are parsed only when they hold a key that matters. Pure.
 */
function installExtras(
  rootFiles: ReadonlyMap<string, string>,
  rootManifest: RootManifest,
  byName: ReadonlySet<string>,
  npmAliasesLink: boolean,
  warnings: string[],
): InstallExtras {
  const hooks: string[] = [];
  const files: string[] = [];
  const extensions: PackageExtension[] = [];
  for (const file of [".pnpmfile.cjs", ".pnpmfile.mjs"]) if (rootFiles.has(file)) hooks.push(file);
  const named = (setting: string, value: unknown) => {
    for (const entry of Array.isArray(value) ? value : [value]) {
      if (typeof entry !== "string" || settingPath(entry) === "") continue;
      const path = settingPath(entry);
      hooks.push(`${path} (${setting})`);
      const target = resolveLocalPath("", path);
      if (target === undefined)
        warnings.push(
          `${setting} names ${path}, outside the repository: a change to its hooks is not seen (keep the pnpmfile in the repository)`,
        );
      else if (target !== ".pnpmfile.cjs" && target !== ".pnpmfile.mjs") files.push(target);
    }
  };
  const npmrc = rootFiles.get(".npmrc") ?? "";
  for (const m of npmrc.matchAll(/^[ \t]*(global-pnpmfile|pnpmfile)[ \t]*=(.*)$/gm))
    named(`.npmrc ${m[1]}`, m[2]);
  const root = rootManifest && "data" in rootManifest ? rootManifest.data : {};
  const pnpmField = (root.pnpm ?? {}) as Record<string, unknown>;
  const configDeps = (value: unknown, at: string) => {
    if (value && typeof value === "object" && Object.keys(value).length > 0)
      hooks.push(`${at} (their pnpmfiles)`);
  };
  configDeps(pnpmField.configDependencies, "package.json pnpm.configDependencies");
  const yamlText = rootFiles.get("pnpm-workspace.yaml");
  // (a word test, not a key's at the start of a line: a quoted or flow-style key counts too)
  if (yamlText !== undefined && /pnpmfile|Pnpmfile|configDependencies|packageExtensions/.test(yamlText)) {
    let data: Record<string, unknown> | null = null;
    try {
      data = parseYamlText(yamlText, "pnpm-workspace.yaml").data as Record<string, unknown> | null;
    } catch {
      // discovery has already read the file's globs
    }
    named("pnpm-workspace.yaml pnpmfile", data?.pnpmfile);
    named("pnpm-workspace.yaml globalPnpmfile", data?.globalPnpmfile);
    configDeps(data?.configDependencies, "pnpm-workspace.yaml configDependencies");
    extensions.push(
      ...packageExtensions(
        "pnpm",
        data?.packageExtensions,
        "pnpm-workspace.yaml packageExtensions",
        byName,
        npmAliasesLink,
      ),
    );
  }
  extensions.push(
    ...packageExtensions(
      "pnpm",
      pnpmField.packageExtensions,
      "package.json pnpm.packageExtensions",
      byName,
      npmAliasesLink,
    ),
  );
  const yarnrc = rootFiles.get(".yarnrc.yml");
  let unreadable: string | undefined;
  const yarnPlugins: string[] = [];
  if (yarnrc !== undefined && /packageExtensions|plugins|yarnPath/.test(yarnrc)) {
    let data: Record<string, unknown> | null = null;
    try {
      // as yarn reads it (a repeated key is no error there: the last one counts)
      data = jsYaml.load(yarnrc, { schema: jsYaml.FAILSAFE_SCHEMA, json: true }) as Record<
        string,
        unknown
      > | null;
    } catch (error) {
      // yarn has a second, older parser: what it reads there is unknown
      unreadable = `.yarnrc.yml cannot be parsed (${(error as Error).message.split("\n")[0]}), so what its packageExtensions and plugins give is unknown`;
    }
    extensions.push(
      ...packageExtensions("yarn", data?.packageExtensions, ".yarnrc.yml packageExtensions", byName, false),
    );
    // a plugin is a path, or {path, spec}; yarnPath is the yarn that runs
    const plugins = Array.isArray(data?.plugins) ? data.plugins : [];
    for (const plugin of plugins) {
      const path = typeof plugin === "string" ? plugin : (plugin as { path?: unknown } | null)?.path;
      if (typeof path !== "string" || path === "") continue;
      const target = resolveLocalPath("", path);
      yarnPlugins.push(target ?? `${path} (outside the repository)`);
      if (target !== undefined) files.push(target);
    }
    const release = typeof data?.yarnPath === "string" ? resolveLocalPath("", data.yarnPath) : undefined;
    if (release !== undefined) files.push(release);
  }
  return {
    hooks,
    files: sortStrings([...new Set(files)]),
    extensions,
    yarnPlugins,
    ...(unreadable !== undefined ? { unreadable } : {}),
  };
}

/**
 * The dependencies a `packageExtensions` map (`{"ext@1": {dependencies: {b: "workspace:*"}}}`)
 * gives that install a workspace package (a `workspace:` spec, an `npm:` alias of one while pnpm
 * links those, or any spec of a workspace package's name, which pnpm's linkWorkspacePackages and
 * yarn's transparent workspaces resolve to it) or a local path (kept as written: see
 * PackageExtension.path). Peer dependencies count: pnpm installs them. Pure.
 */
function packageExtensions(
  manager: PackageExtension["manager"],
  value: unknown,
  at: string,
  byName: ReadonlySet<string>,
  npmAliasesLink: boolean,
): PackageExtension[] {
  if (!value || typeof value !== "object" || Array.isArray(value)) return [];
  const out: PackageExtension[] = [];
  for (const [selector, extension] of Object.entries(value as Record<string, unknown>)) {
    const name = versionless(selector);
    if (name === undefined || !extension || typeof extension !== "object") continue;
    for (const field of ["dependencies", "optionalDependencies", "peerDependencies"]) {
      const deps = (extension as Record<string, unknown>)[field];
      if (!deps || typeof deps !== "object") continue;
      for (const [dep, spec] of Object.entries(deps as Record<string, unknown>)) {
        if (typeof spec !== "string") continue;
        const entry = `${at}.${selector}.${field}.${dep}: ${spec}`;
        const path = localSpecPath(spec);
        if (path !== undefined && !spec.startsWith("workspace:")) {
          out.push({ manager, at, name, entry, path });
          continue;
        }
        const aliased = spec.startsWith("npm:")
          ? npmAliasesLink
            ? npmAlias(spec)
            : undefined
          : workspaceAlias(spec);
        const target =
          aliased !== undefined && byName.has(aliased) ? aliased : spec.startsWith("npm:") ? undefined : dep;
        if (target !== undefined && byName.has(target) && target !== name)
          out.push({ manager, at, name, entry, package: target });
      }
    }
  }
  return out;
}

/**
 * Applies what InstallExtras found. pnpm records in pnpm-lock.yaml what its hooks and package
 * extensions made of each package: each directory it links or installs from (`link:../b`, in an
 * importer or in an external package it resolves) is then a dependency, a workspace package's
 * directory by name. Without a pnpm-lock.yaml to read, hooks make every file of the repository an
 * input of every package (and a warning says why); package extensions (yarn's always: yarn.lock
 * does not show them) are read as written: the workspace package they extend depends on what they
 * install, and every package that installs anything from outside the workspace, which may install the
 * extended package, gets its files. Edits `packages` in place. (I/O via snapshot: pnpm-lock.yaml,
 * only when pnpm has hooks or extensions)
 */
async function applyInstallExtras(
  snapshot: RepoSnapshot,
  extras: InstallExtras,
  found: readonly ManifestFacts[],
  packages: WorkspacePackage[],
  byName: ReadonlySet<string>,
  warnings: string[],
): Promise<void> {
  if (extras.unreadable !== undefined) {
    warnings.push(`${extras.unreadable}: every file counts for every package (fix the file)`);
    for (const pkg of packages) readsEveryFile(pkg, extras.unreadable);
    return;
  }
  // yarn plugins with hooks that change dependencies: yarn.lock does not show what they add
  if (extras.yarnPlugins.length > 0) {
    const inRepo = extras.yarnPlugins.filter((p) => !p.endsWith(" (outside the repository)"));
    const texts = await snapshot.read(inRepo);
    const hooked = extras.yarnPlugins.filter((p) => {
      const text = texts.get(p);
      return text === undefined || /registerPackageExtensions|reduceDependency/.test(text);
    });
    if (hooked.length > 0) {
      const via = `yarn plugins (${hooked.join(", ")}): their registerPackageExtensions or reduceDependency hooks can give any package any dependency, which yarn.lock does not show`;
      warnings.push(`${via}, or they cannot be read: every file counts for every package`);
      for (const pkg of packages) readsEveryFile(pkg, via);
      return;
    }
  }
  let extensions = extras.extensions;
  if (extras.hooks.length > 0 || extensions.some((e) => e.manager === "pnpm")) {
    const causes = [
      ...extras.hooks,
      ...new Set(extensions.filter((e) => e.manager === "pnpm").map((e) => e.at)),
    ];
    const text = (await snapshot.read(["pnpm-lock.yaml"])).get("pnpm-lock.yaml");
    let lockfile: Lockfile | undefined;
    if (text !== undefined) {
      try {
        lockfile = parseLockfile("pnpm-lock.yaml", text);
      } catch {
        lockfile = undefined;
      }
    }
    // (with excludeLinksFromLockfile, what is linked from outside the workspace is not recorded:
    // the workspace links that are count, and the extensions as written besides)
    if (lockfile?.links !== undefined) applyLockfileLinks(lockfile, causes.join(", "), found, packages);
    if (lockfile?.links !== undefined && !lockfile.linksExcluded) {
      extensions = extensions.filter((e) => e.manager !== "pnpm");
    } else if (extras.hooks.length > 0) {
      const missing =
        text === undefined
          ? "there is no pnpm-lock.yaml"
          : lockfile === undefined
            ? "pnpm-lock.yaml cannot be read"
            : "pnpm-lock.yaml leaves links out (excludeLinksFromLockfile: true)";
      warnings.push(
        `${extras.hooks.join(", ")}: pnpm runs hooks from there (readPackage, afterAllResolved or a custom resolver can add any dependency), and ${missing} to see what they added: every file counts for every package (${lockfile === undefined ? "commit pnpm-lock.yaml" : "set exclude-links-from-lockfile=false"})`,
      );
      for (const pkg of packages)
        readsEveryFile(pkg, `pnpm hooks (${extras.hooks.join(", ")}): what they add is unknown: ${missing}`);
      return;
    }
  }
  if (extensions.length > 0) applyPackageExtensions(extensions, found, packages, byName);
}

/** Each package's lockfile links as dependencies (see applyInstallExtras). Edits `packages` in place. Pure. */
function applyLockfileLinks(
  lockfile: Lockfile,
  cause: string,
  found: readonly ManifestFacts[],
  packages: WorkspacePackage[],
): void {
  const nameAt = new Map(found.map((f) => [f.dir, f.name] as const));
  for (let index = 0; index < found.length; index++) {
    const { dir, name: self } = found[index]!;
    const links = lockfile.links!(dir);
    if (links === undefined || links.length === 0) continue;
    const pkg = packages[index]!;
    const added: string[] = [];
    const local: LocalDependency[] = [...(pkg.localDependencies ?? [])];
    for (const path of links) {
      const name = nameAt.get(path);
      if (name !== undefined) {
        if (name !== self && !pkg.dependencies.includes(name)) added.push(name);
      } else if (path !== dir) {
        local.push({
          path,
          via: `pnpm-lock.yaml: ${dir === "" ? "." : dir} installs from ${path === "" ? "." : path} (${cause})`,
        });
      }
    }
    if (added.length > 0) pkg.dependencies = sortStrings([...new Set([...pkg.dependencies, ...added])]);
    const unique = uniquePaths(local);
    if (unique) pkg.localDependencies = unique;
  }
}

/** Package extensions as written (see applyInstallExtras). Edits `packages` in place. Pure. */
function applyPackageExtensions(
  extensions: readonly PackageExtension[],
  found: readonly ManifestFacts[],
  packages: WorkspacePackage[],
  byName: ReadonlySet<string>,
): void {
  const indexOf = new Map(found.map((f, index) => [f.name, index] as const));
  // a workspace package extended: it depends on what the extension installs
  for (const extension of extensions) {
    const index = indexOf.get(extension.name);
    if (index === undefined) continue;
    const pkg = packages[index]!;
    if (extension.package !== undefined) {
      if (!pkg.dependencies.includes(extension.package))
        pkg.dependencies = sortStrings([...pkg.dependencies, extension.package]);
    } else {
      const target = resolveLocalPath(pkg.dir, extension.path!);
      if (target !== undefined)
        pkg.localDependencies = uniquePaths([
          ...(pkg.localDependencies ?? []),
          { path: target, via: extension.entry },
        ])!;
    }
  }
  // an external package extended: any package installing anything from outside the workspace may install it
  const external = extensions.filter((e) => !byName.has(e.name));
  if (external.length === 0) return;
  // Where an external package extended with a local path may be, to resolve it from: a local
  // directory some package installs (the only place such a path resolves), or the root
  const bases = [
    "",
    ...new Set(
      packages.flatMap((p) => (p.localDependencies ?? []).map((l) => l.path).filter((l) => !TARBALL.test(l))),
    ),
  ];
  const externalPaths = new Map<PackageExtension, string[]>();
  for (const extension of external)
    if (extension.path !== undefined)
      externalPaths.set(extension, [
        ...new Set(
          bases.flatMap((base) => {
            const target = resolveLocalPath(base, extension.path!);
            return target === undefined ? [] : [target];
          }),
        ),
      ]);
  const installs = installedFiles(found, packages);
  for (const extension of external) if (extension.package !== undefined) installs(extension.package);
  for (let index = 0; index < found.length; index++) {
    const { name: self, deps } = found[index]!;
    const pkg = packages[index]!;
    if (!installsOutsidePackages(deps, pkg, byName)) continue;
    const local: LocalDependency[] = [...(pkg.localDependencies ?? [])];
    for (const extension of external) {
      if (extension.package === self) continue;
      const via = `${extension.entry}, an extension of ${extension.name}, which what ${pkg.manifest} installs from outside the workspace may install`;
      const paths =
        extension.package === undefined ? externalPaths.get(extension)! : installs(extension.package);
      for (const path of paths) local.push({ path, via });
    }
    const unique = uniquePaths(local);
    if (unique) pkg.localDependencies = unique;
  }
}

/** "npm:b@^1" → "b", "npm:@s/b" → "@s/b"; undefined for any other spec. Pure. */
function npmAlias(spec: string): string | undefined {
  if (!spec.startsWith("npm:")) return undefined;
  const name = splitAt(spec.slice("npm:".length));
  return name === "" ? undefined : name;
}

/**
 * True when the repository turns pnpm's linkWorkspacePackages off: `link-workspace-packages=false`
 * in the root .npmrc, or `linkWorkspacePackages: false` in pnpm-workspace.yaml. Pure.
 */
function linkingOff(rootFiles: ReadonlyMap<string, string>): boolean {
  return linkSetting(rootFiles) === "false";
}

/**
 * pnpm's linkWorkspacePackages as the repository sets it ("true", "false", "deep"): from
 * pnpm-workspace.yaml, else the root .npmrc; undefined when neither says. Pure.
 */
function linkSetting(rootFiles: ReadonlyMap<string, string>): string | undefined {
  const npmrc = rootFiles.get(".npmrc") ?? "";
  const fromNpmrc = /^[ \t]*link-workspace-packages[ \t]*=[ \t]*(\S*)/m.exec(npmrc)?.[1];
  const fromYaml = /^linkWorkspacePackages:[ \t]*(\S*)/m.exec(
    rootFiles.get("pnpm-workspace.yaml") ?? "",
  )?.[1];
  return (fromYaml ?? fromNpmrc)?.replace(/^["']|["']$/g, "");
}

/**
 * pnpm's `link-workspace-packages=deep` links a workspace package into what any external package
 * depends on under its name, which no manifest of the repository shows (and which external
 * packages do, only pnpm-lock.yaml's snapshots say): every file is an input of each package that
 * installs anything from outside the workspace, and a warning says so. Edits `packages` in place. Pure.
 */
function applyDeepLinking(
  rootFiles: ReadonlyMap<string, string>,
  found: readonly ManifestFacts[],
  packages: WorkspacePackage[],
  byName: ReadonlySet<string>,
  warnings: string[],
): void {
  if (linkSetting(rootFiles) !== "deep") return;
  let counted = 0;
  for (let index = 0; index < found.length; index++) {
    if (!installsOutsidePackages(found[index]!.deps, packages[index]!, byName)) continue;
    readsEveryFile(
      packages[index]!,
      "link-workspace-packages=deep: an external dependency may install any workspace package",
    );
    counted++;
  }
  if (counted > 0)
    warnings.push(
      `link-workspace-packages=deep links workspace packages into external packages' dependencies, which no manifest shows: every file counts for the ${counted} package(s) that install anything from outside the workspace (use \`workspace:\` specs with link-workspace-packages=true to be precise)`,
    );
}

/** Makes every file of the repository an input of `pkg` (a local dependency on the root), for `via`. */
function readsEveryFile(pkg: WorkspacePackage, via: string): void {
  pkg.localDependencies = [{ path: "", via }, ...(pkg.localDependencies ?? []).filter((l) => l.path !== "")];
}

/**
 * Whether a package installs packages that are not workspace packages, whose own dependencies a
 * package manager resolves like any (and so overrides, extensions and deep links reach): a
 * dependency from outside the workspace, or a local directory or tarball (its localDependencies).
 * Pure.
 */
function installsOutsidePackages(
  deps: readonly string[],
  pkg: WorkspacePackage,
  byName: ReadonlySet<string>,
): boolean {
  return hasExternalDependency(deps, byName) || (pkg.localDependencies?.length ?? 0) > 0;
}

/** Whether [field, name, spec] triples hold a dependency from outside the workspace. Pure. */
function hasExternalDependency(deps: readonly string[], byName: ReadonlySet<string>): boolean {
  for (let i = 0; i < deps.length; i += 3) {
    const spec = deps[i + 2]!;
    if (spec.startsWith("workspace:") || localSpecPath(spec) !== undefined) continue;
    // (an npm: alias installs the package it names)
    if (!byName.has(spec.startsWith("npm:") ? (npmAlias(spec) ?? "") : deps[i + 1]!)) return true;
  }
  return false;
}

/** A parsed manifest reduced to what discovery keeps of it. Pure. */
function manifestFacts(
  name: string,
  dir: string,
  manifest: string,
  data: Record<string, unknown>,
): ManifestFacts {
  return { name, dir, manifest, deps: dependencyTriples(data), bins: binNames(name, data.bin) };
}

/** What discovery keeps of one workspace manifest until every package's name is known. */
interface ManifestFacts {
  name: string;
  dir: string;
  manifest: string;
  /** [field, dependency name, spec] triples, flat */
  deps: string[];
  bins: string[];
}

/** The command names a manifest's `bin` installs. */
export function binNames(name: string, bin: unknown): string[] {
  if (typeof bin === "string") return [name.split("/").at(-1)!];
  if (bin && typeof bin === "object") return Object.keys(bin).sort(compareStrings);
  return [];
}

function parseManifest(text: string, file: string): Record<string, unknown> {
  try {
    const data = JSON.parse(text) as unknown;
    if (!data || typeof data !== "object" || Array.isArray(data)) throw new Error("not a JSON object");
    return data as Record<string, unknown>;
  } catch (error) {
    throw new ShipgraphError("MANIFEST_INVALID", `${file}: cannot parse: ${(error as Error).message}`, {
      file,
      hint: "fix the JSON; shipgraph cannot tell what this package depends on until it parses",
    });
  }
}

function stringList(value: unknown, file: string, key: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
    throw new ShipgraphError("MANIFEST_INVALID", `${file}: ${key} must be a list of globs`, { file, key });
  }
  return value as string[];
}
