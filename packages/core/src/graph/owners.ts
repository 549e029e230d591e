import micromatch from "micromatch";
import { moduleContains } from "../buf/modules.js";
import {
  compileCopySource,
  compileDockerignore,
  hasWildcard,
  unescapePattern,
} from "../discover/dockerignore.js";
import type { GraphNode, NodeId, ProtoOwnership } from "../types.js";
import { isUnder, nearestDir, parentDir } from "../util/paths.js";
import { sortedUnique } from "../util/sort.js";

/** Answers "which nodes own this file?" in time independent of the number of packages. */
export interface OwnerIndex {
  /**
   * Sorted ids of the nodes that own `path`. With `file` (git says the path is a regular file on
   * each side, neither a submodule nor a link: nothing lies under it, nor is read through it), a build
   * source below the path does not make its image an owner (see compileAbove).
   */
  ownersOf(path: string, file?: boolean): NodeId[];
  /** True when `path` matches a `global` glob. */
  isGlobal(path: string): boolean;
  /** Ids of the generators `path` is an output of (see outputsOf), sorted. */
  generatorsOutputting(path: string): NodeId[];
  /**
   * True when generator `id` reads `path`: a file it owns (its template, `inputs`, local inputs
   * of its template) or, when it compiles protos, one a protos entry owns (its .proto files, buf
   * config files, `inputs`: buf may import any module).
   */
  isInputOf(id: NodeId, path: string): boolean;
  /**
   * Generator `id`'s outputs: the files its `outputs` globs match but for its inputs (isInputOf),
   * which are never outputs: not left out where drift runs it, compared, reported or deleted.
   */
  outputsOf(id: NodeId): (path: string) => boolean;
  /** Why `id` owns `path`, when there is more to say (the Dockerfile instruction that reads it). */
  ownershipDetail(id: NodeId, path: string, file?: boolean): string | undefined;
  /**
   * The manifest entries through which package `id` installs `path` from a local path (a local
   * directory holding it, or the tarball itself), or undefined when it does not.
   */
  localDependencyVia(id: NodeId, path: string): string | undefined;
  /** The package whose directory is `dir` exactly, if any. */
  packageAt(dir: string): NodeId | undefined;
}

interface ContextOwner {
  id: NodeId;
  dir: string;
  /** The .dockerignore excludes the path and nothing under it (see excludedWhole). */
  excluded: (relative: string) => boolean;
  /** The .dockerignore excludes the path, a file (nothing lies under it). */
  excludedFile: (relative: string) => boolean;
  /** Undefined: every file of the context. */
  sources:
    | { matches: (relative: string) => boolean; above: (relative: string) => boolean; detail: string }[]
    | undefined;
  why: string | undefined;
}

interface GlobOwner {
  id: NodeId;
  matches: (path: string) => boolean;
  /** The glob's literal base: every path it matches lies under it. */
  base: string;
}

/**
 * Compiles every node's ownership once. A package owns the files under its directory where it
 * is the deepest package (nested packages take their own files); other nodes own their
 * directories, exact files and globs as declared.
 */
export function createOwnerIndex(nodes: readonly GraphNode[], global: readonly string[]): OwnerIndex {
  const packageByDir = new Map<string, NodeId>();
  const dirOwners: { id: NodeId; dir: string }[] = [];
  const contextOwners: ContextOwner[] = [];
  const fileOwners = new Map<string, NodeId[]>();
  const globOwners: GlobOwner[] = [];
  const outputOwners: GlobOwner[] = [];
  // generators that compile protos: every file a protos entry owns is their input
  const readsProtos = new Set<NodeId>();
  const protoOwners: { id: NodeId; own: ProtoOwnership }[] = [];
  // local dependencies by path: a changed path asks only its own and its ancestors'
  const localByPath = new Map<string, Map<NodeId, string>>();

  for (let n = 0; n < nodes.length; n++) {
    const node = nodes[n]!;
    const { dirs, files, globs } = node.owns;
    if (node.kind === "package") {
      for (let i = 0; i < dirs.length; i++) packageByDir.set(dirs[i]!, node.id);
    } else {
      for (let i = 0; i < dirs.length; i++) dirOwners.push({ id: node.id, dir: dirs[i]! });
    }
    const context = node.owns.context;
    if (context) {
      contextOwners.push({
        id: node.id,
        dir: context.dir,
        excluded: excludedWhole(context.dockerignore),
        excludedFile: compileDockerignore(context.dockerignore),
        sources: context.sources?.map((s) => ({
          matches: compileSource(s.pattern, s.excludes),
          above: compileAbove(s.pattern),
          detail: s.detail,
        })),
        why: context.why,
      });
    }
    for (let i = 0; i < files.length; i++) {
      const list = fileOwners.get(files[i]!);
      if (list) list.push(node.id);
      else fileOwners.set(files[i]!, [node.id]);
    }
    for (let i = 0; i < globs.length; i++) globOwners.push(compileGlob(node.id, globs[i]!));
    if (node.owns.protos) for (const own of node.owns.protos) protoOwners.push({ id: node.id, own });
    for (const { path, via } of node.owns.local ?? []) {
      const byId = localByPath.get(path);
      // (the first way a package installs the path is the one told)
      if (byId) {
        if (!byId.has(node.id)) byId.set(node.id, via);
      } else localByPath.set(path, new Map([[node.id, via]]));
    }
    if (node.generator) {
      for (const glob of node.generator.outputs) outputOwners.push(compileGlob(node.id, glob));
      if (node.generator.reads) readsProtos.add(node.id);
    }
  }
  const globalMatchers = global.map((glob) => compileGlob("target:global" as NodeId, glob));
  // build contexts by directory: a path asks only the contexts of its ancestors (and itself)
  const contextsByDir = new Map<string, ContextOwner[]>();
  for (const owner of contextOwners) {
    const list = contextsByDir.get(owner.dir);
    if (list) list.push(owner);
    else contextsByDir.set(owner.dir, [owner]);
  }

  // what can hold a generator's inputs (its own files, dirs and globs, the proto nodes'): a path
  // under none of these is no input of any generator, told without asking each owner
  const inputNode = (id: NodeId) => id.startsWith("generator:") || id.startsWith("proto:");
  const inputFiles = new Set<string>();
  for (const [file, ids] of fileOwners) if (ids.some(inputNode)) inputFiles.add(file);
  const inputAreas = [
    ...dirOwners.filter((o) => inputNode(o.id)).map((o) => o.dir),
    ...globOwners.filter((o) => inputNode(o.id)).map((o) => o.base),
    ...nodes.filter((n) => n.kind === "generator").flatMap((n) => (n.owns.local ?? []).map((l) => l.path)),
  ];
  const maybeInput = (path: string) =>
    path.endsWith(".proto") || inputFiles.has(path) || inputAreas.some((area) => isUnder(path, area));

  const index: OwnerIndex = {
    ownersOf(path, file = false) {
      const owners: NodeId[] = [];
      if (packageByDir.size > 0) {
        // the path itself first: a submodule (gitlink) path equals the package's directory
        const owner = nearestDir(path, packageByDir);
        if (owner) owners.push(owner[1]);
      }
      for (const { id, dir } of dirOwners) if (isUnder(path, dir)) owners.push(id);
      if (contextsByDir.size > 0) {
        for (let dir = path; ; dir = parentDir(dir)) {
          const here = contextsByDir.get(dir);
          if (here)
            for (const owner of here)
              if (contextReason(owner, path, file) !== undefined) owners.push(owner.id);
          if (dir === "") break;
        }
      }
      if (path.endsWith(".proto")) {
        for (const { id, own } of protoOwners) if (ownsProto(own, path)) owners.push(id);
      }
      if (localByPath.size > 0) {
        for (let dir = path; ; dir = parentDir(dir)) {
          for (const id of localByPath.get(dir)?.keys() ?? []) owners.push(id);
          if (dir === "") break;
        }
      }
      const exact = fileOwners.get(path);
      if (exact) owners.push(...exact);
      for (const owner of globOwners) if (owner.matches(path)) owners.push(owner.id);
      return owners.length <= 1 ? owners : sortedUnique(owners);
    },
    isGlobal(path) {
      return globalMatchers.some((m) => m.matches(path));
    },
    ownershipDetail(id, path, file = false) {
      const owner = contextOwners.find((o) => o.id === id);
      const reason = owner ? contextReason(owner, path, file) : undefined;
      return reason === "" ? undefined : reason;
    },
    localDependencyVia(id, path) {
      if (localByPath.size === 0) return undefined;
      for (let dir = path; ; dir = parentDir(dir)) {
        const via = localByPath.get(dir)?.get(id);
        if (via !== undefined) return via;
        if (dir === "") return undefined;
      }
    },
    packageAt(dir) {
      return packageByDir.get(dir);
    },
    generatorsOutputting(path) {
      return sortedUnique(
        outputOwners.filter((o) => o.matches(path) && !index.isInputOf(o.id, path)).map((o) => o.id),
      );
    },
    isInputOf(id, path) {
      if (!maybeInput(path)) return false;
      // (only a generator's own ownership and the proto nodes' can hold its inputs: no package,
      // build context or local dependency of another node is asked, which ownersOf would do)
      const owns = (by: (owner: NodeId) => boolean) =>
        fileOwners.get(path)?.some(by) === true ||
        dirOwners.some((o) => by(o.id) && isUnder(path, o.dir)) ||
        globOwners.some((o) => by(o.id) && o.matches(path)) ||
        (path.endsWith(".proto") && protoOwners.some((o) => by(o.id) && ownsProto(o.own, path)));
      return (
        owns((owner) => owner === id) ||
        index.localDependencyVia(id, path) !== undefined ||
        (readsProtos.has(id) && owns((owner) => owner.startsWith("proto:")))
      );
    },
    outputsOf(id) {
      const globs = outputOwners.filter((o) => o.id === id);
      return (path) => globs.some((o) => o.matches(path)) && !index.isInputOf(id, path);
    },
  };
  return index;
}

/** True when the proto ownership covers the .proto file at `path` (its module compiles it). */
export function ownsProto(own: ProtoOwnership, path: string): boolean {
  return (
    isUnder(path, own.ownDir) &&
    moduleContains({ dir: own.root, configFile: "", excludes: own.excludes, includes: own.includes }, path)
  );
}

/**
 * Why a context owner reads `path`: the detail of the first source that selects it ("" when
 * the whole context counts), or undefined when the build does not read it. A `file` (git says
 * so) has nothing under it: no source below it reads through it.
 */
function contextReason(owner: ContextOwner, path: string, file = false): string | undefined {
  // path === dir: a submodule used as the build context changed
  if (path === owner.dir) return owner.why ?? "";
  if (!isUnder(path, owner.dir)) return undefined;
  const relative = owner.dir === "" ? path : path.slice(owner.dir.length + 1);
  const excluded = file ? owner.excludedFile(relative) : owner.excluded(relative);
  if (owner.sources === undefined) return excluded ? undefined : (owner.why ?? "");
  for (const source of owner.sources) {
    if (!excluded && source.matches(relative)) return source.detail;
    // a path above a source (a submodule bumped there) changes what the source reads, whatever the
    // .dockerignore says of the directory itself
    if (!file && source.above(relative)) return source.detail;
  }
  return undefined;
}

/**
 * The .dockerignore as a predicate over changed paths: excluded, and nothing under the path can be
 * re-included by a `!` pattern (a changed path may be a directory: a submodule's gitlink, which
 * `*` plus `!vendor/lib/src` excludes while keeping what is under it).
 */
function excludedWhole(patterns: readonly string[]): (relative: string) => boolean {
  const excluded = compileDockerignore(patterns);
  const reincluded = patterns.filter((p) => p.startsWith("!")).map((p) => compileAbove(p.slice(1)));
  if (reincluded.length === 0) return excluded;
  return (relative) => excluded(relative) && !reincluded.some((under) => under(relative));
}

/**
 * A COPY/ADD source as a predicate over context-relative paths: "." is everything; a
 * pattern (wildcards as in Go's filepath.Match, `**` any run: see compileCopySource) selects the paths it matches and everything
 * under them; a plain path (escapes removed: `a\[1].txt` is `a[1].txt`) selects itself and
 * everything under it. (A changed path above it counts too: see compileAbove.)
 */
export function compileSource(source: string, excludes?: readonly string[]): (relative: string) => boolean {
  if (hasWildcard(source)) return compileCopySource(source);
  const pattern = unescapePattern(source);
  // `--exclude=**/name` (see ContextSource): below a plain-path source, what it names is not copied
  const excluded = excludes && excludes.length > 0 ? compileDockerignore(excludes) : undefined;
  if (pattern === ".") return excluded ? (relative) => !excluded(relative) : () => true;
  return (relative) =>
    relative === pattern ||
    (relative.startsWith(`${pattern}/`) && !excluded?.(relative.slice(pattern.length + 1)));
}

/**
 * True for a path strictly above what the pattern selects: a directory some of whose descendants
 * it may select (segment by segment, wildcards as in Go's filepath.Match). A regular file cannot
 * be one, so only a directory-like change matches: a submodule's gitlink bumped at `vendor/lib`
 * changes `vendor/lib/src`, and a file replaced by a directory changes what lies under it.
 */
export function compileAbove(pattern: string): (relative: string) => boolean {
  if (pattern === "." || pattern === "") return () => false;
  if (!hasWildcard(pattern)) {
    const path = unescapePattern(pattern);
    return (relative) => path.startsWith(`${relative}/`);
  }
  const segments = pattern.split("/");
  // one matcher per depth, made once: the path's segments against the pattern's first ones
  const prefixes = segments
    .slice(0, -1)
    .map((_, i) => compileDockerignore([segments.slice(0, i + 1).join("/")]));
  // from a "**" segment on, any depth: a path below the segments before it may hold a match
  const globstar = segments.indexOf("**");
  return (relative) => {
    const parts = relative.split("/");
    const depth = parts.length;
    if (globstar >= 0 && depth > globstar) {
      return globstar === 0 || prefixes[globstar - 1]!(parts.slice(0, globstar).join("/"));
    }
    return depth <= prefixes.length && prefixes[depth - 1]!(relative);
  };
}

function compileGlob(id: NodeId, glob: string): GlobOwner {
  return { id, matches: globMatcher(glob), base: globBase(glob) };
}

/**
 * A compiled glob (micromatch, dot files included) over repo-relative paths, with its literal
 * base as a cheap pre-filter. The one way globs are matched against files.
 */
export function globMatcher(glob: string): (path: string) => boolean {
  const base = globBase(glob);
  const match = micromatch.matcher(glob, { dot: true });
  return (path) => (base === "" || path.startsWith(base)) && match(path);
}

/** True for paths that any of the globs match. */
export function anyGlobMatcher(globs: readonly string[]): (path: string) => boolean {
  const matchers = globs.map(globMatcher);
  return (path) => matchers.some((m) => m(path));
}

/** The literal directory prefix of a glob ("" when it starts with a wildcard), for cheap pre-filtering. */
export function globBase(glob: string): string {
  const scanned = micromatch.scan(glob);
  if (!scanned.isGlob) return glob;
  return scanned.base === "." ? "" : scanned.base;
}
