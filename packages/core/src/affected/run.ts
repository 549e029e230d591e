import { lstatSync, realpathSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import type { Config } from "@shipgraph/config-schema";
import jsYaml from "js-yaml";
import { withoutCheckSections } from "../buf/checks.js";
import { bufGenerateArgs } from "../buf/command.js";
import { bufYaml } from "../buf/yaml.js";
import { isModuleConfig, parseConfigText, relativeImports } from "../config/load.js";
import { normalizeConfig } from "../config/normalize.js";
import { compileDockerignore, parseDockerignore } from "../discover/dockerignore.js";
import { generatorTemplate } from "../discover/index.js";
import {
  binNames,
  DEPENDENCY_FIELDS,
  dependencyNames,
  localDependencyGlob,
  localSpecPath,
  workspaceDependencies,
  workspaceManifests,
} from "../discover/workspaces.js";
import { changedDotenvKeys } from "../docker/dotenv.js";
import { isShipgraphError, ShipgraphError } from "../errors.js";
import { diffFiles, mergeChanges, type ResolvedRange, resolveRange, untrackedFiles } from "../git/changes.js";
import { type EarlyGitCall, findRepoRootAndHead, Git } from "../git/git.js";
import { type ShipGraph, withEdges } from "../graph/build.js";
import { loadGraph } from "../load-graph.js";
import { importPathsOf, type ProtoIndex } from "../proto/index.js";
import { throughProtoLinks } from "../proto/links.js";
import { loadProtoIndex, protoRoots } from "../proto/load.js";
import { type ProtoFileInfo, parseProto } from "../proto/parse.js";
import { quotePath } from "../render/reason.js";
import type { RepoSnapshot } from "../repo/snapshot.js";
import type { AffectedResult, FileChange, NodeId } from "../types.js";
import { isUnder, joinRepoPath, leavesRoot, normalizeRepoPath } from "../util/paths.js";
import { compareStrings, stableStringify } from "../util/sort.js";
import { mark } from "../util/trace.js";
import { buildOutputEdges, untracedCopyWarnings } from "./build-outputs.js";
import { changedDeclarations, movedTemplates } from "./config-diff.js";
import { computeAffected, type ForceKind } from "./index.js";
import { goModImpact, isRootLockfile, type LockfileImpact, lockfileImpact } from "./lockfile.js";

export interface AffectedOptions {
  /** A directory inside the repository. */
  cwd: string;
  /** Config file path; default: found at the repository root. */
  config?: string | undefined;
  /** Base ref: the diff is `base...head` (from their merge base). */
  base?: string | undefined;
  /** Refs to try when `base` is not in the clone (from the CI event). */
  baseFallbacks?: readonly string[] | undefined;
  /** Head ref; default HEAD (and the graph is read from the working tree). */
  head?: string | undefined;
  /**
   * An explicit list of changed files instead of a git diff: repo-relative paths, or paths that
   * start with "./", "../" or "/" (resolved against `cwd`).
   */
  files?: readonly string[] | undefined;
  /** Add staged and unstaged changes to tracked files. */
  uncommitted?: boolean | undefined;
  /** Add untracked, not-ignored files. */
  untracked?: boolean | undefined;
  /** Treat everything as affected, with this reason. */
  all?: string | undefined;
  force?: readonly ForceKind[] | undefined;
  conservative?: boolean | undefined;
  /** Fetch more history up to this many times when the clone is shallow. */
  deepen?: number | undefined;
  /**
   * Also count files that differ between base and head because of commits only in base (a
   * force push replaced them): for a base that is what was deployed. Default: for a tag or SHA
   * that is not an ancestor of head (the deployed commit, replaced), yes, with a note; for a branch
   * (a pull request's target, whose own later commits are not this change), no.
   */
  includeBaseOnlyChanges?: boolean | undefined;
  /** findRepoRootAndHead's git call, already started in `cwd` (see EarlyGitCall). */
  repoProbe?: EarlyGitCall | undefined;
}

/** The result of `shipgraph affected`: the pure result plus where it came from. */
export interface AffectedReport extends AffectedResult {
  base: string | null;
  baseRef: string | null;
  head: string | null;
  mergeBase: string | null;
  /** Number of changed files considered. */
  changedFiles: number;
  configFile: string;
  warnings: string[];
  notes: string[];
}

/** Loads the graph, computes the changed files and what they affect. (I/O) */
export async function getAffected(
  options: AffectedOptions,
): Promise<{ report: AffectedReport; graph: ShipGraph }> {
  const forceAll = options.force?.includes("all");
  const allReason = options.all ?? (forceAll ? "--force all" : undefined);
  if (allReason === undefined && options.base === undefined && options.files === undefined) {
    throw new ShipgraphError("NO_BASE", "no base to compare with", {
      hint: "pass --base REF (e.g. --base origin/main), --files, or --all; in GitHub Actions the base comes from the event",
    });
  }

  if (options.files !== undefined && options.base !== undefined) {
    throw new ShipgraphError("USAGE", "--files replaces the git diff: it cannot be combined with --base", {
      hint: "pass either --base REF or --files",
    });
  }
  if ((options.uncommitted || options.untracked) && options.head !== undefined) {
    throw new ShipgraphError(
      "USAGE",
      "--uncommitted/--untracked add working-tree changes: they cannot be combined with --head",
      {
        hint: "drop --head (the working tree is on HEAD), or commit the changes",
      },
    );
  }
  mark("affected: start");
  const { root, head: checkedOut } = await findRepoRootAndHead(options.cwd, options.repoProbe);
  mark("root and HEAD found");
  const git = new Git(root);
  const head = options.head === undefined ? checkedOut : await git.resolveCommit(options.head);
  if (!head) {
    throw new ShipgraphError(
      "HEAD_NOT_FOUND",
      options.head
        ? `head ref "${options.head}" does not resolve to a commit`
        : "the repository has no commits yet",
      {
        ...(options.head ? { ref: options.head } : {}),
        hint: "commit first, or pass an existing ref to --head",
      },
    );
  }
  // The graph comes from the working tree unless --head names a commit other than HEAD.
  const atHead = head === checkedOut;
  // Reading the graph and asking git for the diff are independent: the diff's git calls start
  // first, and move on whenever loading the graph lets the event loop turn.
  const diffing =
    allReason === undefined
      ? changedFiles(git, root, head, options).then((d) => {
          mark("changed files listed");
          return d;
        })
      : undefined;
  diffing?.catch(() => {}); // awaited below, after the graph (its errors come first)
  // in a partial clone, the merge base's copies of the changed files compared below are fetched
  // in one request while the graph loads (git would fetch each as it is read); in a complete
  // clone this costs nothing. Registered first: the reads below wait for it
  const prefetching = diffing?.then((d) =>
    d.mergeBase && !d.twoSided ? git.prefetch(d.mergeBase, comparedAtBase(d.changes)) : undefined,
  );
  prefetching?.catch(() => {}); // its failure reaches the reads that wait for it
  // the merge base's copy of each changed .proto file (see protoIndexFor), read by git while the
  // graph loads: started as soon as the diff is known, off the critical path
  const baseProtos = diffing?.then((d) => {
    // (an added file has no copy there: it reads as absent without asking git)
    const paths = d.changes
      .filter((c) => c.path.endsWith(".proto") && c.status !== "added" && c.status !== "untracked")
      .map((c) => c.path);
    if (!d.mergeBase || d.twoSided) return undefined;
    return paths.length > 0 ? git.readBlobs(d.mergeBase, paths) : new Map<string, Buffer>();
  });
  baseProtos?.catch(() => {}); // awaited in protoIndexFor
  const loaded = await loadGraph({
    cwd: root,
    root,
    scope: "graph",
    // generator → consumer edges matter only when followed
    generatesEdges: options.conservative === true,
    config: options.config,
    untracked: options.untracked,
    ...(atHead ? {} : { commit: head }),
  });
  const diff = await diffing;
  mark("graph and diff ready");
  let { graph } = loaded;
  const changes = diff?.changes ?? [];
  const { base = null, baseRef = null, mergeBase = null, notes = [] } = diff ?? {};
  const describeDiff = diff?.describe ?? "diff of the given files";

  // what changed within a file is compared with the merge base; without a comparison, a changed
  // file counts whole
  const compare = allReason === undefined && diff?.twoSided !== true;
  const config = compare
    ? await configChanges(git, root, graph, loaded.config, changes, mergeBase, loaded.snapshot)
    : undefined;
  const argFiles = compare
    ? await changedArgFiles(git, graph, changes, mergeBase, loaded.snapshot)
    : undefined;
  const protos = compare
    ? await protoIndexFor(graph, changes, baseProtos, loaded.snapshot, notes)
    : undefined;
  const lockfiles = compare
    ? new Map([
        ...movedTemplateClaims(config),
        ...(await unchangedRootManifests(git, changes, mergeBase, loaded.snapshot)),
        ...(await lockfileImpacts(git, graph, changes, mergeBase, loaded.snapshot, notes)),
      ])
    : undefined;
  const gonePackages = compare
    ? await vanishedPackages(git, graph, changes, mergeBase, loaded.snapshot)
    : undefined;
  const inertBufFiles = compare
    ? new Set([
        ...(await inertBufChanges(git, graph, changes, mergeBase, loaded.snapshot)),
        ...(config && "moved" in config ? config.moved : []),
      ])
    : undefined;
  const inertIgnoreEdits = compare
    ? await inertDockerignoreEdits(git, graph, changes, mergeBase, loaded.snapshot)
    : undefined;
  mark("config, proto and lockfile changes read");
  const input = {
    inertBufFiles,
    inertIgnoreEdits,
    graph,
    changes,
    argFiles,
    protos,
    lockfiles,
    gonePackages,
    all: allReason,
    config,
    force: options.force,
    conservative: options.conservative,
    describeDiff,
  };
  let result = computeAffected(input);
  if (allReason === undefined) {
    // an image copying an affected package's build output (nothing tracked where it copies from)
    const outputs = await buildOutputEdges(git, root, graph, loaded.snapshot, result.reasons);
    if (outputs.edges.length > 0) {
      graph = withEdges(graph, outputs.edges);
      notes.push(...outputs.notes);
      result = computeAffected({ ...input, graph });
    }
  }
  // generatedFiles names what the plugins write for every file a generator compiles when
  // something else than a .proto file affects it (a file its template or buf.yaml now selects):
  // that needs the head's protos, read here when no .proto change read them
  if (
    protos === undefined &&
    result.affected.generator.some((name) => namesProtoOutputs(graph, name)) &&
    !(compare && changedInModules(graph, changes))
  ) {
    const headProtos = await headProtoIndex(graph, loaded.snapshot, notes);
    if (headProtos !== undefined) result = computeAffected({ ...input, graph, headProtos });
  }
  if (allReason === undefined && graph.rootLocal) notes.push(...rootLocalNotes(graph, changes));
  mark("affected computed");
  const untraced =
    allReason === undefined
      ? await untracedCopyWarnings(
          git,
          root,
          graph,
          loaded.snapshot,
          (id) => (loaded.config.images[id.slice("image:".length)]?.dependsOn.length ?? 0) > 0,
        )
      : [];
  const warnings =
    untraced.length > 0 ? [...graph.warnings, ...untraced].sort(compareStrings) : graph.warnings;
  mark("untraced copies checked");
  return {
    graph,
    report: {
      ...result,
      base,
      baseRef,
      head,
      mergeBase,
      changedFiles: changes.length,
      configFile: graph.configFile,
      warnings,
      notes,
    },
  };
}

/**
 * The changed files whose merge-base copy a comparison may read (it existed there): .proto files,
 * manifests, root lockfiles and workspace files, go.mod and tools.go, buf and shipgraph config
 * files, buf templates by their usual name, .dockerignore files and dotenv files (build args).
 * Judged by name, before the graph is known: what it leaves out (a template named otherwise) is
 * fetched when it is read. Pure.
 */
function comparedAtBase(changes: readonly FileChange[]): string[] {
  return changes
    .filter((c) => c.status !== "added" && c.status !== "untracked")
    .map((c) => c.path)
    .filter((path) => {
      const name = basename(path);
      return (
        isRootLockfile(path) ||
        COMPARED_NAMES.has(name) ||
        /\.(proto|dockerignore|env)$/.test(name) ||
        /^(buf\.gen.*\.(ya?ml|json)|shipgraph\..+|\.env(\..+)?)$/.test(name)
      );
    });
}

/** File names whose merge-base copy a comparison reads wherever they are (see comparedAtBase). */
const COMPARED_NAMES = new Set([
  "package.json",
  "go.mod",
  "tools.go",
  "pnpm-workspace.yaml",
  ".yarnrc.yml",
  "buf.yaml",
  "buf.work.yaml",
]);

/**
 * Notes for changed files in what the root package.json installs from a local path: every package
 * can resolve it from the root's node_modules, and only the packages that declare it (and the
 * generators running its commands) count the change. Pure.
 */
function rootLocalNotes(graph: ShipGraph, changes: readonly FileChange[]): string[] {
  const notes: string[] = [];
  for (const dep of graph.rootLocal ?? []) {
    const files = changes
      .map((c) => c.path)
      .filter((path) => !graph.owners.isGlobal(path) && dep.paths.some((p) => isUnder(path, p.path)));
    if (files.length === 0) continue;
    const more = files.length > 1 ? ` and ${files.length - 1} more` : "";
    notes.push(
      `${quotePath(files[0]!)}${more} changed in what the root installs from a local path (${dep.paths.find((p) => files.some((f) => isUnder(f, p.path)))!.via}): only the packages that declare "${dep.name}" and the generators running its commands count it; one that uses it without declaring it is not seen (list ${dep.paths.map((p) => `"${localDependencyGlob(p.path)}"`).join(", ")} under \`global\` if you rely on that)`,
    );
  }
  return notes;
}

/** A path from --files: repo-relative as given, or absolute / ./-relative to the cwd. */
function toRepoRelative(root: string, cwd: string, path: string): string {
  const repoPath =
    !isAbsolute(path) && !path.startsWith("./") && !path.startsWith("../")
      ? normalizeRepoPath(path, "keep")
      : // git names the root by its real path: the current directory may be reached through a link
        normalizeRepoPath(relative(realpathLoose(root), realpathLoose(resolve(cwd, path))), "keep");
  if (repoPath === "" || leavesRoot(repoPath) || isAbsolute(repoPath)) {
    throw new ShipgraphError("USAGE", `--files ${path}: not a file inside the repository ${root}`, {
      hint: "pass paths inside the repository: relative to its root as `git diff --name-only` prints them, or starting with ./ or ../ from the current directory",
    });
  }
  assertNotSeveralPaths(root, repoPath);
  return repoPath;
}

/**
 * A space-separated list passed as one argument (tj-actions/changed-files' default output, quoted
 * in a shell) is one path that exists nowhere: a deleted file to shipgraph, which then touches
 * nothing. When the path is absent and one of its words is a file from the root (a list may name
 * deleted files too; a deleted file whose name has spaces rarely has a word that is a file from
 * the root), it is USAGE. (I/O)
 */
function assertNotSeveralPaths(root: string, repoPath: string): void {
  const words = repoPath.split(/\s+/).filter((word) => word !== "");
  if (words.length < 2 || lstatSync(join(root, repoPath), { throwIfNoEntry: false }) !== undefined) return;
  const existing = words.filter(
    (word) => lstatSync(join(root, word), { throwIfNoEntry: false }) !== undefined,
  );
  if (existing.length === 0) return;
  throw new ShipgraphError(
    "USAGE",
    `--files "${repoPath}": no such file, but ${existing.length === words.length ? `each of its ${words.length} words is one` : `${existing.length} of its ${words.length} words ${existing.length === 1 ? "is a file" : "are files"}`}: several paths in one argument?`,
    {
      hint: "pass each path as its own argument, or one per line (or NUL-separated) through `--files -`; for tj-actions/changed-files, set its `separator` to a newline",
    },
  );
}

/**
 * The real path of `path`: of its deepest existing ancestor, with the rest appended (a deleted
 * file passed to --files no longer exists, the directory it was in may). (I/O)
 */
function realpathLoose(path: string): string {
  const rest: string[] = [];
  for (let at = path; ; at = dirname(at)) {
    try {
      return join(realpathSync(at), ...rest);
    } catch {
      if (dirname(at) === at) return path;
      rest.unshift(basename(at));
    }
  }
}

interface Diff {
  changes: FileChange[];
  base: string | null;
  baseRef: string | null;
  mergeBase: string | null;
  notes: string[];
  describe: string;
  /**
   * Files also differ from the base on its own side (a force push replaced commits): the
   * comparisons with the merge base cannot see those differences, so none is made.
   */
  twoSided?: boolean;
}

/** The changed files: the given list, or the diff base...head, plus working-tree changes if asked. (I/O) */
async function changedFiles(git: Git, root: string, head: string, options: AffectedOptions): Promise<Diff> {
  const diff: Diff = {
    changes: [],
    base: null,
    baseRef: null,
    mergeBase: null,
    notes: [],
    describe: "diff of the given files",
  };
  if (options.files !== undefined) {
    diff.changes = mergeChanges(
      options.files.map((path) => ({
        path: toRepoRelative(root, options.cwd, path),
        status: "modified" as const,
      })),
    );
  } else {
    let range = await resolveRange(git, {
      base: options.base!,
      fallbacks: options.baseFallbacks,
      head,
      headIsResolved: true,
      deepen: options.deepen,
    });
    // (with working-tree changes asked for, `--base HEAD` is the way to ask for them alone)
    if (range.base === head && !options.uncommitted && !options.untracked)
      range = await baseOtherThanHead(git, range, options);
    // a tag or SHA head does not contain may be the deployed commit a force push replaced: what
    // only it had counts too, and a note says why (a pull request's base.sha with its head checked
    // out looks the same: there, pass the branch)
    const twoSided =
      options.includeBaseOnlyChanges ??
      (range.mergeBase !== range.base && (await branchNamed(git, range.baseRef)) === undefined);
    if (twoSided && options.includeBaseOnlyChanges === undefined) {
      diff.notes.push(
        `base ${range.baseRef} is a tag or commit that ${options.head ?? "HEAD"} does not contain: taken as the deployed commit, what only it had counts too (for a pull request's base, pass its branch, e.g. origin/main)`,
      );
    }
    if (range.mergeBase === head && range.base !== head && !twoSided) {
      throw new ShipgraphError(
        "EMPTY_RANGE",
        `head (${options.head ?? "HEAD"}, ${head.slice(0, 12)}) is an ancestor of base ${range.baseRef} (${range.base.slice(0, 12)}): ` +
          "the diff base...head is empty, so nothing would be affected",
        {
          ref: range.baseRef,
          hint: "check out the commit to deploy (pull_request_target checks out the base branch by default), or pass the right --head / --base",
        },
      );
    }
    diff.notes.push(...range.notes);
    diff.base = range.base;
    diff.baseRef = range.baseRef;
    diff.mergeBase = range.mergeBase;
    diff.describe = `diff of ${range.baseRef}...${options.head ?? "HEAD"} (merge base ${range.mergeBase.slice(0, 12)})`;
    const lists = [await diffFiles(git, range.mergeBase, head)];
    if (twoSided && range.mergeBase !== range.base) {
      const fromBase = await diffFiles(git, range.base, head);
      lists.push(fromBase);
      diff.describe += `, plus ${range.baseRef}..HEAD (the base is not an ancestor of head)`;
      if (fromBase.length > 0) {
        diff.twoSided = true;
        diff.notes.push(
          `${range.baseRef} is not an ancestor of head: changed config, lockfiles, manifests, buf files and build-arg files count whole (their contents are compared with the merge base only, where the replaced commits' changes do not show)`,
        );
      }
    }
    diff.changes = mergeChanges(...lists);
  }
  if (options.uncommitted) diff.changes = mergeChanges(diff.changes, await diffFiles(git, "HEAD", undefined));
  if (options.untracked) diff.changes = mergeChanges(diff.changes, await untrackedFiles(git));
  return diff;
}

/**
 * When the base is head itself, the diff is empty: right for a tag or SHA naming the last deployed
 * commit when nothing was pushed since (a re-run), or for a new branch without commits yet; a
 * silent miss for a branch compared with itself — `--base origin/main` on a push to main, or a
 * merged pull request's event, whose base branch now holds the merge (FACTS: "after merging,
 * origin/main == HEAD"). A later candidate that is not head (the event's base SHA) is taken; a
 * base that is the checked-out branch (or any branch, with a detached head) is EMPTY_RANGE. (I/O)
 */
async function baseOtherThanHead(
  git: Git,
  range: ResolvedRange,
  options: AffectedOptions,
): Promise<ResolvedRange> {
  const head = range.head;
  const candidates = [options.base!, ...(options.baseFallbacks ?? [])];
  for (const candidate of candidates.slice(candidates.indexOf(range.baseRef) + 1)) {
    const other = await resolveRange(git, {
      base: candidate,
      fallbacks: [],
      head,
      headIsResolved: true,
    }).catch(() => undefined);
    if (other === undefined || other.base === head) continue;
    return {
      ...other,
      notes: [
        ...range.notes,
        ...other.notes,
        `base ${range.baseRef} is ${options.head ?? "HEAD"} itself (a merged pull request?): using ${candidate}`,
      ],
    };
  }
  // the branch the base names, and the one checked out (none when detached, as CI checkouts are)
  const [branch, current] = await Promise.all([
    branchNamed(git, range.baseRef),
    options.head === undefined ? git.tryRun(["symbolic-ref", "-q", "--short", "HEAD"]) : undefined,
  ]);
  if (branch !== undefined && (branch === "HEAD" || !current?.trim() || current.trim() === branch)) {
    throw new ShipgraphError(
      "EMPTY_RANGE",
      `base ${range.baseRef} is ${options.head ?? "HEAD"} itself (${head.slice(0, 12)}): a branch compared with itself has an empty diff, so nothing would be affected`,
      {
        ref: range.baseRef,
        hint: "on a push, compare with the commit before it (GitHub: --format github reads github.event.before; GitLab: --base $CI_COMMIT_BEFORE_SHA); in CD, with the last deployed commit (a tag or SHA, which may equal HEAD when nothing changed since). A detached checkout (as CI makes) of a branch without commits of its own looks the same: pass --all, or a base that is not HEAD",
      },
    );
  }
  return {
    ...range,
    notes: [
      ...range.notes,
      `base ${range.baseRef} is ${options.head ?? "HEAD"} itself: nothing changed since it`,
    ],
  };
}

/**
 * The branch a ref names ("main" for main, origin/main or refs/remotes/origin/main; "HEAD" for
 * HEAD), or undefined for a tag or a commit. (I/O)
 */
async function branchNamed(git: Git, ref: string): Promise<string | undefined> {
  const full = (await git.tryRun(["rev-parse", "--symbolic-full-name", ref]))?.trim() ?? "";
  if (full === "HEAD") return full;
  return /^refs\/(?:heads\/|remotes\/[^/]+\/)(.+)$/.exec(full)?.[1];
}

/**
 * Workspace packages the diff deletes or renames: a changed package.json that was a workspace
 * package's at the merge base, whose base `name` no package has now. For each, the packages that
 * still list that name in a dependency field: what they install changes (or breaks) though their
 * own files did not. Likewise the generators whose local plugin is a command (`bin`) such a
 * manifest installed at the base and no longer does. Every head manifest is read only when a
 * package is gone. (I/O)
 */
async function vanishedPackages(
  git: Git,
  graph: ShipGraph,
  changes: readonly FileChange[],
  mergeBase: string | null,
  head: RepoSnapshot,
): Promise<Map<string, Map<NodeId, string>>> {
  const out = new Map<string, Map<NodeId, string>>();
  const changed = [
    ...new Set(changes.flatMap((c) => [c.path, ...(c.from !== undefined ? [c.from] : [])])),
  ].filter((path) => path.endsWith("/package.json"));
  if (changed.length === 0) return out;
  const gone = new Map<string, string>(); // base name → its manifest
  const goneBins = new Map<string, string>(); // a command the manifest installed at the base → it
  const workspace = [...(await workspaceManifests(head, changed))];
  const headTexts = await head.read(workspace);
  // a manifest that does not parse named nothing anyone could depend on (discovery has already
  // refused a head manifest that does not parse)
  const fields = (text: string | undefined): Record<string, unknown> | undefined => {
    try {
      const data = text === undefined ? undefined : (JSON.parse(text) as unknown);
      return data && typeof data === "object" ? (data as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  };
  // --files names no base: the manifests as committed at HEAD stand for it (their uncommitted
  // deletion or rename shows); one missing there and in the working tree named a package nobody
  // can know, so every package counts
  const base = await git.readBlobs(mergeBase ?? "HEAD", workspace);
  if (mergeBase === null) {
    for (const path of workspace) {
      if (base.has(path) || headTexts.has(path)) continue;
      const touched = new Map<NodeId, string>();
      for (const node of graph.nodes.values()) {
        if (node.package)
          touched.set(
            node.id,
            `${path} is gone and, with --files, what it was is unknown: every package counts`,
          );
      }
      out.set(path, touched);
    }
  }
  for (const [path, bytes] of base) {
    const before = fields(bytes.toString("utf8"));
    const name = before?.name;
    if (typeof name !== "string" || name === "") continue;
    if (!graph.nodes.has(`package:${name}`)) gone.set(name, path);
    // a local protoc plugin run by a command this manifest no longer installs
    const after = fields(headTexts.get(path));
    const kept = new Set(typeof after?.name === "string" ? binNames(after.name, after.bin) : []);
    for (const bin of binNames(name, before?.bin)) if (!kept.has(bin)) goneBins.set(bin, path);
  }
  for (const node of graph.nodes.values()) {
    for (const plugin of node.generator?.buf?.plugins ?? []) {
      const bin = plugin.local?.[0]?.split("/").at(-1);
      const file = bin === undefined ? undefined : goneBins.get(bin);
      if (file === undefined) continue;
      const touched = out.get(file) ?? new Map<NodeId, string>();
      out.set(file, touched);
      touched.set(
        node.id,
        `the command "${bin}" it runs as a protoc plugin was installed by ${file} at the merge base, and no longer is`,
      );
    }
  }
  // --files: a rename committed before HEAD is invisible here (HEAD has the new name already), but
  // a package that still pins the old name with a `workspace:` spec no longer installs: it counts
  // whenever a workspace manifest is among the files
  const renamedBefore = mergeBase === null ? [...workspace].sort(compareStrings)[0] : undefined;
  if (gone.size === 0 && renamedBefore === undefined) return out;
  const packages = [...graph.nodes.values()].filter((node) => node.package !== undefined);
  const texts = await head.read(packages.map((node) => node.package!.manifest));
  for (const node of packages) {
    const data = fields(texts.get(node.package!.manifest));
    if (data === undefined) continue;
    if (renamedBefore !== undefined) {
      for (const { field, name, spec } of workspaceDependencies(data)) {
        if (name === node.name || graph.nodes.has(`package:${name}`)) continue;
        const touched = out.get(renamedBefore) ?? new Map<NodeId, string>();
        out.set(renamedBefore, touched);
        if (touched.has(node.id)) continue;
        touched.set(
          node.id,
          `${node.package!.manifest} pins "${name}" in ${field} with "${spec}" and no workspace package has that name (renamed or deleted in a commit --files cannot see)`,
        );
      }
    }
    for (const { field, name } of dependencyNames(data)) {
      const file = gone.get(name);
      if (file === undefined) continue;
      const touched = out.get(file) ?? new Map<NodeId, string>();
      out.set(file, touched);
      if (!touched.has(node.id)) {
        touched.set(
          node.id,
          `the workspace package "${name}" it defined at the merge base is gone; ${node.package!.manifest} still lists it in ${field}`,
        );
      }
    }
  }
  return out;
}

/** For each changed dotenv file of build args: which variables changed between the merge base and head. (I/O) */
async function changedArgFiles(
  git: Git,
  graph: ShipGraph,
  changes: readonly FileChange[],
  mergeBase: string | null,
  head: RepoSnapshot,
): Promise<Map<string, Set<string> | "unparseable">> {
  const argFiles = new Set([...graph.nodes.values()].flatMap((n) => n.image?.buildArgsFrom ?? []));
  const changed = changes.map((c) => c.path).filter((p) => argFiles.has(p));
  const out = new Map<string, Set<string> | "unparseable">();
  if (changed.length === 0) return out;
  const before = mergeBase ? await git.readBlobs(mergeBase, changed) : undefined;
  const after = await head.read(changed);
  for (const path of changed) {
    out.set(
      path,
      before ? changedDotenvKeys(before.get(path)?.toString("utf8"), after.get(path)) : "unparseable",
    );
  }
  return out;
}

/** Each changed root lockfile compared between the merge base and head, importer by importer. (I/O) */
async function lockfileImpacts(
  git: Git,
  graph: ShipGraph,
  changes: readonly FileChange[],
  mergeBase: string | null,
  head: RepoSnapshot,
  notes: string[],
): Promise<Map<string, LockfileImpact>> {
  const out = new Map<string, LockfileImpact>();
  // go.mod files pin Go protoc plugins: compared pin by pin
  const goMods = changes.map((c) => c.path).filter((p) => p === "go.mod" || p.endsWith("/go.mod"));
  if (goMods.length > 0) {
    // tools.go where the Go community keeps it: beside go.mod, or in tools/, internal/tools/, hack/
    const toolsFiles = (mod: string) =>
      ["tools.go", "tools/tools.go", "internal/tools/tools.go", "hack/tools.go"].map(
        (t) => `${mod.slice(0, -"go.mod".length)}${t}`,
      );
    const paths = [...goMods, ...goMods.flatMap(toolsFiles)];
    const headTexts = await head.read(paths);
    const baseBlobs = mergeBase ? await git.readBlobs(mergeBase, paths) : new Map<string, Buffer>();
    for (const file of goMods) {
      const side = (texts: ReadonlyMap<string, string | Buffer>) => {
        const tools = toolsFiles(file).flatMap((t) => (texts.has(t) ? [texts.get(t)!.toString()] : []));
        return {
          gomod: texts.get(file)?.toString(),
          toolsGo: tools.length > 0 ? tools.join("\n") : undefined,
        };
      };
      out.set(file, goModImpact(graph, file, side(baseBlobs), side(headTexts)));
    }
  }
  const changed = changes.map((c) => c.path).filter(isRootLockfile);
  if (changed.length === 0) return out;
  const manifestPaths = [
    "package.json",
    ...[...graph.nodes.values()].flatMap((n) => (n.package ? [n.package.manifest] : [])),
  ];
  const dirOf = (manifest: string) =>
    manifest === "package.json" ? "" : manifest.slice(0, -"/package.json".length);
  const parseManifests = (texts: ReadonlyMap<string, string>) => {
    const manifests = new Map<string, Record<string, unknown>>();
    for (const [path, text] of texts) {
      try {
        manifests.set(dirOf(path), JSON.parse(text) as Record<string, unknown>);
      } catch {
        // an unparseable manifest fails the graph already; at the base it only narrows less
      }
    }
    return manifests;
  };
  const headTexts = await head.read([...changed, ...manifestPaths]);
  const baseBlobs = mergeBase
    ? await git.readBlobs(mergeBase, [...changed, ...manifestPaths])
    : new Map<string, Buffer>();
  const baseTexts = new Map([...baseBlobs].map(([path, blob]) => [path, blob.toString("utf8")] as const));
  const headManifests = parseManifests(new Map([...headTexts].filter(([p]) => p.endsWith("package.json"))));
  const baseManifests = parseManifests(new Map([...baseTexts].filter(([p]) => p.endsWith("package.json"))));
  for (const file of changed) {
    const impact =
      mergeBase === null
        ? { file, touched: undefined, reason: "there is no base commit to compare it with" }
        : lockfileImpact(
            graph,
            file,
            { text: baseTexts.get(file), manifests: baseManifests },
            { text: headTexts.get(file), manifests: headManifests },
          );
    if (impact.touched === undefined)
      notes.push(
        `${file} changed and cannot be compared (${impact.reason}): every package and generator counts`,
      );
    notes.push(...(impact.notes ?? []));
    out.set(file, impact);
  }
  // A root package.json whose only change is in dependency fields changed nothing the compared
  // lockfile does not show: its dependency bumps are already counted importer by importer.
  const compared = changed.every((file) => out.get(file)?.touched !== undefined);
  if (compared && changes.some((c) => c.path === "package.json")) {
    const before = baseManifests.get("");
    const after = headManifests.get("");
    if (
      before &&
      after &&
      stableStringify(without(before, DEPENDENCY_FIELDS)) ===
        stableStringify(without(after, DEPENDENCY_FIELDS))
    ) {
      out.set("package.json", {
        file: "package.json",
        touched: new Map(),
        reason: "only dependency versions changed, as the lockfile shows",
      });
    }
  }
  // Likewise a pnpm-workspace.yaml whose only change is in its catalogs: a `catalog:` spec is a
  // dependency version, which pnpm-lock.yaml resolves importer by importer. A catalog entry that is
  // a local path or a workspace spec installs what no closure shows: then the file counts.
  if (
    out.get("pnpm-lock.yaml")?.touched !== undefined &&
    changes.some((c) => c.path === "pnpm-workspace.yaml" && c.status === "modified")
  ) {
    const texts = await head.read(["pnpm-workspace.yaml"]);
    const blobs = await git.readBlobs(mergeBase!, ["pnpm-workspace.yaml"]);
    const read = (text: string | undefined) => {
      try {
        const data = text === undefined ? undefined : rawYaml(text);
        return data && typeof data === "object" && !Array.isArray(data)
          ? (data as Record<string, unknown>)
          : undefined;
      } catch {
        return undefined;
      }
    };
    const before = read(blobs.get("pnpm-workspace.yaml")?.toString("utf8"));
    const after = read(texts.get("pnpm-workspace.yaml"));
    if (
      before &&
      after &&
      stableStringify(without(before, CATALOG_FIELDS)) === stableStringify(without(after, CATALOG_FIELDS)) &&
      onlyRegistryCatalogs(before) &&
      onlyRegistryCatalogs(after) &&
      lockfileHasCatalogs(before, after, out.get("pnpm-lock.yaml")!.catalogs, headManifests)
    ) {
      out.set("pnpm-workspace.yaml", {
        file: "pnpm-workspace.yaml",
        touched: new Map(),
        reason: "only catalog entries changed, as pnpm-lock.yaml shows",
      });
    }
  }
  return out;
}

/** A parsed pnpm-workspace.yaml's catalogs by name (`catalog` is the one named "default"). Pure. */
function catalogsOf(data: Record<string, unknown>): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  const named = data.catalogs;
  if (named && typeof named === "object" && !Array.isArray(named)) {
    for (const [name, catalog] of Object.entries(named as Record<string, unknown>))
      if (catalog && typeof catalog === "object") out.set(name, catalog as Record<string, unknown>);
  }
  if (data.catalog && typeof data.catalog === "object")
    out.set("default", data.catalog as Record<string, unknown>);
  return out;
}

/**
 * Whether pnpm-lock.yaml at head resolved the catalogs pnpm-workspace.yaml now holds, so that its
 * importers show what a catalog change installs: every catalog entry the lockfile records has the
 * workspace file's specifier (pnpm's own allCatalogsAreUpToDate), and a changed entry that the
 * lockfile does not record is used by no manifest. Otherwise (a lockfile not updated with the
 * catalogs, which only a frozen install would reject) the change is not narrowed. Pure.
 */
function lockfileHasCatalogs(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  locked: ReadonlyMap<string, ReadonlyMap<string, string>> | undefined,
  manifests: ReadonlyMap<string, Record<string, unknown>>,
): boolean {
  const now = catalogsOf(after);
  for (const [name, entries] of locked ?? []) {
    for (const [alias, specifier] of entries) if (now.get(name)?.[alias] !== specifier) return false;
  }
  const was = catalogsOf(before);
  const used = (name: string, alias: string) =>
    [...manifests.values()].some((manifest) =>
      DEPENDENCY_FIELDS.some((field) => {
        const spec = (manifest[field] as Record<string, unknown> | undefined)?.[alias];
        return (
          typeof spec === "string" && spec.startsWith("catalog:") && (spec.slice(8) || "default") === name
        );
      }),
    );
  for (const name of new Set([...was.keys(), ...now.keys()])) {
    const a = was.get(name) ?? {};
    const b = now.get(name) ?? {};
    for (const alias of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (a[alias] === b[alias] || locked?.get(name)?.has(alias)) continue;
      if (used(name, alias)) return false;
    }
  }
  return true;
}

/** The pnpm-workspace.yaml keys that hold catalogs: `catalog` (the default) and named `catalogs`. */
const CATALOG_FIELDS = ["catalog", "catalogs"];

/**
 * True when every catalog entry of a parsed pnpm-workspace.yaml is a string that installs from a
 * registry (no local path, no `workspace:` spec): what it installs is a lockfile closure. Pure.
 */
function onlyRegistryCatalogs(data: Record<string, unknown>): boolean {
  const registry = (catalog: unknown): boolean => {
    if (catalog === undefined || catalog === null) return true;
    if (typeof catalog !== "object" || Array.isArray(catalog)) return false;
    return Object.values(catalog).every(
      (spec) =>
        typeof spec === "string" && !spec.startsWith("workspace:") && localSpecPath(spec) === undefined,
    );
  };
  const named = data.catalogs;
  if (named !== undefined && (typeof named !== "object" || named === null || Array.isArray(named)))
    return false;
  return registry(data.catalog) && Object.values((named ?? {}) as Record<string, unknown>).every(registry);
}

/**
 * Which of the changed files (modified, not added or deleted) that `select` picks hold the same
 * data at the merge base and at head, by `data` (a canonical text, or undefined when it cannot be
 * read: then the file counts as changed). None without a merge base. (I/O)
 */
async function sameDataAtBase(
  git: Git,
  changes: readonly FileChange[],
  mergeBase: string | null,
  head: RepoSnapshot,
  select: (path: string) => boolean,
  data: (path: string, text: string) => string | undefined,
): Promise<string[]> {
  const paths = changes.filter((c) => c.status === "modified" && select(c.path)).map((c) => c.path);
  if (paths.length === 0 || mergeBase === null) return [];
  const after = await head.read(paths);
  const before = await git.readBlobs(mergeBase, paths);
  const read = (path: string, text: string | undefined) => {
    if (text === undefined) return undefined;
    try {
      return data(path, text);
    } catch {
      return undefined;
    }
  };
  return paths.filter((path) => {
    const a = read(path, before.get(path)?.toString("utf8"));
    return a !== undefined && a === read(path, after.get(path));
  });
}

/**
 * YAML as its raw text says it, every scalar a string (`18.0` is not `18`, `True` not `true`: yarn
 * and buf read the text), for comparing two versions of a file. Throws on a tag (`!!set`) or
 * anything else the failsafe schema does not read: the caller then counts the change.
 */
function rawYaml(text: string): unknown {
  return jsYaml.load(text, { schema: jsYaml.FAILSAFE_SCHEMA });
}

/**
 * Changed buf files that cannot change what `buf generate` writes: a generator's template or a
 * buf.yaml / buf.work.yaml holding the same data at base and head (comments, whitespace, key
 * order; a plain `true` is not a quoted `"true"`, see bufYaml), a buf.yaml also once its `lint` and `breaking` sections (and each module's) are set
 * aside, which generation does not apply, when buf surely decodes them on that side (see
 * withoutCheckSections). Anything that does not parse on either side counts. (I/O)
 */
async function inertBufChanges(
  git: Git,
  graph: ShipGraph,
  changes: readonly FileChange[],
  mergeBase: string | null,
  head: RepoSnapshot,
): Promise<Set<string>> {
  // a template counts only for generators that run buf generate on it (another command may read
  // the file any way it likes)
  const templates = new Set<string>();
  for (const node of graph.nodes.values()) {
    const generator = node.generator;
    if (generator?.template === undefined || generator.run === undefined) continue;
    if (bufGenerateArgs(generator.run, "run") !== undefined) templates.add(generator.template);
  }
  const isBufYaml = (path: string) => path === "buf.yaml" || path.endsWith("/buf.yaml");
  const same = await sameDataAtBase(
    git,
    changes,
    mergeBase,
    head,
    (path) =>
      templates.has(path) || isBufYaml(path) || path === "buf.work.yaml" || path.endsWith("/buf.work.yaml"),
    (path, text) => {
      const parsed = bufYaml(text);
      if (!isBufYaml(path) || !parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
        return stableStringify(parsed);
      }
      // lint and breaking sections buf may reject count whole (a failing generation is a change)
      return stableStringify(withoutCheckSections(parsed as Record<string, unknown>) ?? parsed);
    },
  );
  return new Set(same);
}

/**
 * For each changed .dockerignore (modified, readable on both sides), the images whose build it
 * cannot change: no pattern that differs between base and head (added, removed or moved, `!` or
 * not) can match a path the image reads — their literal directories are disjoint from those of
 * every context source the Dockerfile reads (and from the .dockerignore itself, which a COPY may
 * read). A path no changed pattern matches has the same last matching pattern, so the same
 * answer, tracked or built. An image reading its whole context counts. (I/O)
 */
async function inertDockerignoreEdits(
  git: Git,
  graph: ShipGraph,
  changes: readonly FileChange[],
  mergeBase: string | null,
  head: RepoSnapshot,
): Promise<Map<string, Set<NodeId>>> {
  const out = new Map<string, Set<NodeId>>();
  const paths = changes
    .filter(
      (c) => c.status === "modified" && (c.path === ".dockerignore" || c.path.endsWith(".dockerignore")),
    )
    .map((c) => c.path);
  if (paths.length === 0 || mergeBase === null) return out;
  const after = await head.read(paths);
  const before = await git.readBlobs(mergeBase, paths);
  // a link (a retargeted one stays "modified"): git's blob is its target path, not the patterns
  const links = await head.symlinks(paths);
  for (const path of paths) {
    const a = before.get(path)?.toString("utf8");
    const b = after.get(path);
    if (a === undefined || b === undefined || links.has(path)) continue;
    const basePatterns = parseDockerignore(a);
    const headPatterns = parseDockerignore(b);
    const changed = changedPatterns(basePatterns, headPatterns).map((p) =>
      literalDir(p.startsWith("!") ? p.slice(1) : p),
    );
    const overlap = (x: string, y: string) => isUnder(x, y) || isUnder(y, x);
    const headKey = stableStringify(headPatterns);
    // whether a path is excluded on both sides (compiled once per file, not per image)
    const excludedBoth = bothExcluded(basePatterns, headPatterns);
    const inert = new Set<NodeId>();
    for (const node of graph.nodes.values()) {
      const context = node.owns.context;
      if (!node.image || !context || !node.owns.files.includes(path)) continue;
      // one of its own .dockerignore files (a link's target is read through the link: not here)
      const contextDir = node.image.context === "." ? "" : node.image.context;
      if (
        path !== `${node.image.dockerfile}.dockerignore` &&
        path !== joinRepoPath(contextDir, ".dockerignore")
      )
        continue;
      // the file the build applies (another with the same patterns would decide the same)
      if (stableStringify(context.dockerignore) !== headKey) continue;
      if (context.sources === undefined || context.why !== undefined) continue;
      const reads = context.sources.map((source) => literalDir(source.pattern));
      // a .dockerignore inside the context that does not exclude itself is a file a COPY copies
      const self = isUnder(path, context.dir)
        ? path.slice(context.dir === "" ? 0 : context.dir.length + 1)
        : undefined;
      const copied = self !== undefined && reads.some((read) => overlap(self, read)) && !excludedBoth(self);
      if (!copied && !changed.some((dir) => reads.some((read) => overlap(read, dir)))) inert.add(node.id);
    }
    if (inert.size > 0) out.set(path, inert);
  }
  return out;
}

/** Whether a path is excluded by both pattern lists. Pure. */
function bothExcluded(before: readonly string[], after: readonly string[]): (path: string) => boolean {
  const a = compileDockerignore(before);
  const b = compileDockerignore(after);
  return (path) => a(path) && b(path);
}

/**
 * The patterns of `after` and `before` outside their longest common subsequence (order counts),
 * after their common start and end; every pattern of the rest when it is too long to compare
 * (a generated file: the table is quadratic). Pure.
 */
function changedPatterns(allBefore: readonly string[], allAfter: readonly string[]): string[] {
  let start = 0;
  while (start < allBefore.length && start < allAfter.length && allBefore[start] === allAfter[start]) start++;
  let end = 0;
  while (
    end < allBefore.length - start &&
    end < allAfter.length - start &&
    allBefore[allBefore.length - 1 - end] === allAfter[allAfter.length - 1 - end]
  )
    end++;
  const before = allBefore.slice(start, allBefore.length - end);
  const after = allAfter.slice(start, allAfter.length - end);
  const n = before.length;
  const m = after.length;
  if (n * m > 250_000) return [...before, ...after];
  // lcs[i][j]: the common subsequence's length of before[i..] and after[j..]
  const lcs = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i]![j] =
        before[i] === after[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const changed: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (before[i] === after[j]) {
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) changed.push(before[i++]!);
    else changed.push(after[j++]!);
  }
  return [...changed, ...before.slice(i), ...after.slice(j)];
}

/**
 * The directory a pattern's matches all lie under (or are): its segments before the first one
 * with a wildcard, a class or an escape; "" when the first one has (or the pattern is "."). Pure.
 */
function literalDir(pattern: string): string {
  if (pattern === "." || pattern === "") return "";
  const segments = pattern.split("/");
  const literal: string[] = [];
  for (const segment of segments) {
    if (/[*?[\\]/.test(segment)) break;
    literal.push(segment);
  }
  return literal.join("/");
}

/** package.json fields that only describe the project: no install or build reads them. */
const DESCRIPTIVE_FIELDS = [
  "author",
  "bugs",
  "contributors",
  "description",
  "funding",
  "homepage",
  "keywords",
  "license",
  "repository",
];

/**
 * Root manifests (package.json, pnpm-workspace.yaml, .yarnrc.yml) whose change is only in form:
 * the same data at base and head (whitespace, key order, YAML comments), or for package.json
 * only descriptive fields. Each is claimed with nothing touched, instead of every package and
 * generator. Anything that does not parse on either side is left to the usual rule. (I/O)
 */
async function unchangedRootManifests(
  git: Git,
  changes: readonly FileChange[],
  mergeBase: string | null,
  head: RepoSnapshot,
): Promise<Map<string, LockfileImpact>> {
  const same = await sameDataAtBase(
    git,
    changes,
    mergeBase,
    head,
    (path) => path === "package.json" || path === "pnpm-workspace.yaml" || path === ".yarnrc.yml",
    (path, text) => {
      if (path !== "package.json") return stableStringify(rawYaml(text));
      const manifest = JSON.parse(text) as unknown;
      if (!manifest || typeof manifest !== "object" || Array.isArray(manifest)) return undefined;
      return stableStringify(without(manifest as Record<string, unknown>, DESCRIPTIVE_FIELDS));
    },
  );
  return new Map(
    same.map((path) => [
      path,
      {
        file: path,
        touched: new Map(),
        reason:
          path === "package.json"
            ? "the same data at base and head, but for descriptive fields"
            : "the same data at base and head",
      },
    ]),
  );
}

/** A shallow copy of `record` without `keys`. Pure. */
function without(record: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const rest = { ...record };
  for (const key of keys) delete rest[key];
  return rest;
}

/**
 * The import graph of every .proto file the proto nodes' modules hold, when a .proto file changed
 * (otherwise nothing is read). Deleted protos are described from the merge base, so their stale
 * outputs can be named. An unparseable file means no index — every proto generator counts — and a
 * note says so. (I/O)
 */
async function protoIndexFor(
  graph: ShipGraph,
  changes: readonly FileChange[],
  /** The merge base's copies of the changed .proto files (undefined without a merge base). */
  baseProtos: Promise<Map<string, Buffer> | undefined> | undefined,
  head: RepoSnapshot,
  notes: string[],
): Promise<ProtoIndex | undefined> {
  const { roots, inModules } = protoRoots(graph);
  const byPath = new Map(changes.map((c) => [c.path, c] as const));
  // module files a change reaches through a symbolic link (see throughProtoLinks) → the changed
  // file whose base copy is what buf read there; undefined when not known (a link of the chain
  // retargeted, the file added)
  const linked = new Map<string, string | undefined>();
  for (const change of changes) {
    for (const [file, link] of throughProtoLinks(graph.protoLinks, change.path).files) {
      if (!inModules(file) || linked.has(file)) continue;
      const read = file !== link || graph.protoLinks?.get(link)?.at(-1) === change.path;
      linked.set(file, read && change.status !== "added" ? change.path : undefined);
    }
  }
  const changedProtos = changes.filter((c) => c.path.endsWith(".proto"));
  if ((changedProtos.length === 0 && linked.size === 0) || roots.length === 0) return undefined;
  const present = new Set(head.files);
  const direct = new Set(changedProtos.map((c) => c.path).filter(inModules));
  for (const file of direct) linked.delete(file);
  const changed = [...new Set([...direct, ...linked.keys()])].sort(compareStrings);
  const deleted = [...direct].filter((p) => !present.has(p)).sort(compareStrings);
  try {
    const index = await loadProtoIndex(graph, head);
    notes.push(...untrackedProtoNotes(index));
    index.deleted = new Set(deleted);
    // each changed file as the base has it (what a deleted one was, what an import or package
    // change leaves behind, what its outputs were named: a go_package or a service changes them)
    const blobs = await baseProtos;
    if (blobs !== undefined) {
      const base = new Map<string, ProtoFileInfo | "absent" | "unknown">();
      for (const path of changed) {
        // through a link, the base's copy of the file it reads; a symbolic link at the base or
        // at head (`kind`: git's blob of one is its target's path, not what buf read), or a file
        // read through a link the base is not known to have had: unknown
        const source = linked.has(path) ? linked.get(path) : path;
        const blob = source === undefined ? undefined : blobs.get(source);
        if (
          source === undefined ||
          byPath.get(path)?.kind === "link" ||
          (source !== path && blob === undefined)
        ) {
          base.set(path, "unknown");
          continue;
        }
        if (blob === undefined) {
          base.set(path, "absent");
          continue;
        }
        try {
          const info = parseProto(blob.toString("utf8"), path);
          base.set(path, info);
          if (!present.has(path) && !index.files.has(path)) index.files.set(path, info);
        } catch {
          // a file the base could not parse: its outputs are named with every plugin's widest
          // rule, and what it imported at the base is unknown
          base.set(path, "unknown");
        }
      }
      index.base = base;
    }
    return index;
  } catch (error) {
    if (!isShipgraphError(error)) throw error;
    notes.push(
      `${error.message.split("\n")[0]}: without the import graph every generator that compiles protos counts as affected`,
    );
    return undefined;
  }
}

/**
 * A note per .proto file the import graph took from the working tree though git does not track it
 * (a tracked file imports it): what it changes counts here, but a clone (CI) lacks it. Pure.
 */
function untrackedProtoNotes(index: ProtoIndex): string[] {
  return (index.untracked ?? []).map((path) => {
    const importers = importPathsOf(index, path).flatMap((p) => index.importers.get(p) ?? []);
    return `${path} is imported (by ${[...new Set(importers)].sort(compareStrings).join(", ")}) but git does not track it (untracked, or ignored by .gitignore): buf compiles it here, and its imports count, but a clone lacks it (commit it, or have CI create it before buf runs)`;
  });
}

/** True when a changed file is a .proto file of the graph's modules (the roots computed once). */
function changedInModules(graph: ShipGraph, changes: readonly FileChange[]): boolean {
  const { inModules } = protoRoots(graph);
  return changes.some((c) => inModules(c.path));
}

/** True when generator `name` compiles protos with a buf template (its outputs can be named per .proto). */
function namesProtoOutputs(graph: ShipGraph, name: string): boolean {
  const generator = graph.nodes.get(`generator:${name}`)?.generator;
  return generator?.buf !== undefined && generator.reads !== undefined;
}

/**
 * The head's import graph, for naming the outputs of every file a generator compiles. An
 * unparseable file means none (generatedFiles then lists the tracked outputs), and a note says so. (I/O)
 */
async function headProtoIndex(
  graph: ShipGraph,
  head: RepoSnapshot,
  notes: string[],
): Promise<ProtoIndex | undefined> {
  if (protoRoots(graph).roots.length === 0) return undefined;
  try {
    const index = await loadProtoIndex(graph, head);
    notes.push(...untrackedProtoNotes(index));
    return index;
  } catch (error) {
    if (!isShipgraphError(error)) throw error;
    notes.push(
      `${error.message.split("\n")[0]}: generatedFiles lists only the tracked outputs of the generators a non-proto change affects`,
    );
    return undefined;
  }
}

/** Which nodes the config change touches: compares the base's config with the head's, entry by entry. */
async function configChanges(
  git: Git,
  root: string,
  graph: ShipGraph,
  headConfig: Config,
  changes: readonly FileChange[],
  mergeBase: string | null,
  head: RepoSnapshot,
): Promise<
  | { changed: Map<NodeId, string>; moved: string[]; left: { from: string; to: string; name: string }[] }
  | { all: string }
  | undefined
> {
  const changed = changes.filter((c) => graph.configFiles.includes(c.path)).map((c) => c.path);
  if (changed.length === 0) return undefined;
  if (graph.configFiles.length > 1) {
    // The base's config module would be evaluated against the head's imports: no sound comparison.
    return {
      all: `${changed.join(", ")} changed and ${graph.configFile} imports other files (${graph.configFiles.slice(1).join(", ")}): declarations cannot be compared across commits`,
    };
  }
  if (mergeBase === null) {
    return { all: `${graph.configFile} changed and there is no base commit to compare it with` };
  }
  const text = (await git.readBlobs(mergeBase, [graph.configFile])).get(graph.configFile)?.toString("utf8");
  if (text === undefined)
    return { all: `${graph.configFile} does not exist at the base (${mergeBase.slice(0, 12)})` };
  try {
    if (isModuleConfig(graph.configFile) && relativeImports(text).length > 0) {
      return {
        all: `the base's ${graph.configFile} imports other files: declarations cannot be compared across commits`,
      };
    }
    const baseConfig = normalizeConfig(await parseConfigText(text, graph.configFile, root));
    const changed = changedDeclarations(baseConfig, headConfig);
    const moved = await sameMovedTemplates(git, baseConfig, headConfig, mergeBase, head);
    for (const name of moved.keys()) changed.delete(`generator:${name}`);
    // the file at a new path is inert only when every generator running it was moved there with
    // the same data (another one already using that path sees its content change)
    const inert = [...new Set(moved.values())].filter((path) =>
      [...graph.nodes.values()].every(
        (node) => node.generator?.template !== path || moved.get(node.name) === path,
      ),
    );
    return { changed, moved: inert, left: templatesLeft(baseConfig, headConfig, changes) };
  } catch (error) {
    if (!isShipgraphError(error)) throw error;
    return { all: `the base's ${graph.configFile} cannot be read (${error.message.split("\n")[0]})` };
  }
}

/**
 * The generators whose declaration changed only in where their template lives (movedTemplates),
 * with the same template data at the base's path and at head's: buf generates the same files, so
 * the declaration change and the template file at its new path run nothing. Each maps to its new
 * path. Compared as templates are in inertBufChanges (comments, layout and key order aside); a
 * side that is no mapping (a symbolic link's blob is its target) or a change between JSON and
 * YAML (buf reads a file by its extension) counts. (I/O)
 */
async function sameMovedTemplates(
  git: Git,
  baseConfig: Config,
  headConfig: Config,
  mergeBase: string,
  head: RepoSnapshot,
): Promise<Map<string, string>> {
  const moves = movedTemplates(baseConfig, headConfig);
  const same = new Map<string, string>();
  if (moves.size === 0) return same;
  const moved = [...moves.values()];
  const before = await git.readBlobs(
    mergeBase,
    moved.map((m) => m.from),
  );
  const after = await head.read(moved.map((m) => m.to));
  const data = (text: string | undefined) => {
    try {
      const parsed = text === undefined ? undefined : bufYaml(text);
      return parsed && typeof parsed === "object" && !Array.isArray(parsed)
        ? stableStringify(parsed)
        : undefined;
    } catch {
      return undefined;
    }
  };
  const json = (path: string) => path.toLowerCase().endsWith(".json");
  for (const [name, { from, to }] of moves) {
    if (json(from) !== json(to)) continue;
    const a = data(before.get(from)?.toString("utf8"));
    if (a !== undefined && a === data(after.get(to))) same.set(name, to);
  }
  return same;
}

/**
 * The deleted paths a generator's template moved away from (its `template`, or the file its `run`
 * names, differs at head) that no generator runs at head: what the deletion changes for the
 * generator is judged by comparing its declaration and the template's data (configChanges), so
 * the old path itself touches nothing (`unowned: all` or `error` must not read it as news). Pure.
 */
function templatesLeft(
  baseConfig: Config,
  headConfig: Config,
  changes: readonly FileChange[],
): { from: string; to: string; name: string }[] {
  const deleted = new Set(changes.filter((c) => c.status === "deleted").map((c) => c.path));
  const used = new Set(Object.values(headConfig.generators).map((g) => generatorTemplate(g)?.path));
  return Object.entries(headConfig.generators).flatMap(([name, generator]) => {
    const before = baseConfig.generators[name];
    const from = before === undefined ? undefined : generatorTemplate(before)?.path;
    const to = generatorTemplate(generator)?.path;
    return from !== undefined && to !== undefined && deleted.has(from) && !used.has(from)
      ? [{ from, to, name }]
      : [];
  });
}

/** The claims of templatesLeft: each old path, with nothing touched. Pure. */
function movedTemplateClaims(config: Awaited<ReturnType<typeof configChanges>>): [string, LockfileImpact][] {
  if (config === undefined || !("left" in config)) return [];
  return config.left.map(({ from, to, name }) => [
    from,
    {
      file: from,
      touched: new Map(),
      reason: `generator ${name}'s template at the base, now ${to} (compared with its declaration)`,
    },
  ]);
}
