import { lstatSync } from "node:fs";
import { join } from "node:path";
import {
  compileDockerignore,
  escapePattern,
  unescapePattern,
  wildcardIndex,
} from "../discover/dockerignore.js";
import type { Git } from "../git/git.js";
import { splitNul } from "../git/git.js";
import type { ShipGraph } from "../graph/build.js";
import { compileAbove } from "../graph/owners.js";
import type { RepoSnapshot } from "../repo/snapshot.js";
import type { GraphEdge, GraphNode, NodeId } from "../types.js";
import { holdsAny, joinRepoPath, lowerBound, parentDir } from "../util/paths.js";
import { compareStrings } from "../util/sort.js";

/**
 * The images that copy a workspace package's build output, for a diff: a path below the package's
 * directory at or under which no file is tracked (`COPY dist ./dist` after a build outside docker,
 * dist ignored by git) is made from the package's files and its dependencies, so what affects the
 * package affects the image, though the image reads none of the package's tracked files.
 *
 * Only copies whose package is affected and whose image is not are looked at, so a run checks
 * nothing unless the answer can change. A path is tracked when the graph's file list has it (a
 * commit's list is whole); in the working tree, one absent from the disk is not; for the rest one
 * `git ls-files` decides. Returns the edges image → package that make those images affected, and a
 * note for each. (I/O)
 */
export async function buildOutputEdges(
  git: Git,
  root: string,
  graph: ShipGraph,
  snapshot: RepoSnapshot,
  affected: Readonly<Record<string, unknown>>,
): Promise<{ edges: GraphEdge[]; notes: string[] }> {
  // (most runs stop here: every image is affected already, or no package is)
  let open = false;
  for (const node of graph.nodes.values()) if (node.kind === "image" && !(node.id in affected)) open = true;
  if (!open) return { edges: [], notes: [] };
  const candidates = imageCopies(graph, (id) => !(id in affected)).inPackages.filter(
    (copy) => copy.package in affected,
  );
  if (candidates.length === 0) return { edges: [], notes: [] };
  const plain = candidates.filter((copy) => copy.glob === undefined);
  const untracked = await untrackedPaths(
    git,
    root,
    snapshot.rev === "worktree" ? graph.files : snapshot.files,
    snapshot.rev === "worktree",
    [...new Set(plain.map((copy) => copy.path))],
  );
  const unmatched = await globsMatchingNothingTracked(
    git,
    snapshot,
    candidates.filter((copy) => copy.glob !== undefined),
  );
  const edges: GraphEdge[] = [];
  const notes: string[] = [];
  const seen = new Set<string>();
  for (const copy of candidates) {
    const output = copy.glob === undefined ? untracked.has(copy.path) : unmatched.has(copy);
    if (!output || seen.has(`${copy.image}\n${copy.package}`)) continue;
    seen.add(`${copy.image}\n${copy.package}`);
    edges.push({
      from: copy.image,
      to: copy.package,
      kind: "depends",
      declaredIn: `${copy.detail} (no tracked file at ${copy.path}: ${copy.package}'s build output)`,
    });
    notes.push(buildOutputNote(copy));
  }
  return { edges, notes: notes.sort(compareStrings) };
}

/** An image's COPY/ADD source (its literal part) below a workspace package's directory. */
interface PackageCopy {
  image: NodeId;
  package: NodeId;
  /** Repo-relative path, without wildcards; for a glob source, the package's directory. */
  path: string;
  /** A source with wildcards (repo-relative) that may select paths in the package's directory. */
  glob?: string;
  /** The instruction, e.g. "services/api/Dockerfile:3 COPY dist ./dist". */
  detail: string;
}

/**
 * The paths the chosen images copy, by the literal part of each source: those below a workspace
 * package's directory (with the deepest such package; the root package builds nothing an image
 * copies from a subdirectory), and the plain paths outside every package. Computed only when a
 * run needs them, from the images' context sources. Pure.
 */
function imageCopies(
  graph: ShipGraph,
  chosen: (image: NodeId) => boolean,
): { inPackages: PackageCopy[]; outside: Omit<PackageCopy, "package">[] } {
  const inPackages: PackageCopy[] = [];
  const outside: Omit<PackageCopy, "package">[] = [];
  const images: GraphNode[] = [];
  for (const node of graph.nodes.values()) {
    if (node.kind === "image" && node.owns.context?.sources !== undefined && chosen(node.id))
      images.push(node);
  }
  if (images.length === 0) return { inPackages, outside };
  // every package, for globs, only when one has some
  let allPackages: [string, NodeId][] | undefined;
  const everyPackage = () => {
    allPackages ??= [...graph.nodes.values()].flatMap((n) =>
      n.package ? [[n.package.dir, n.id] as [string, NodeId]] : [],
    );
    return allPackages;
  };
  for (const node of images) {
    const context = node.owns.context!;
    if (!context.sources) continue;
    // a named build context (additionalContexts) below a package is read whole, like a plain path
    for (const dir of node.owns.dirs) {
      const holder = packageHolding(graph, dir);
      if (holder === undefined) continue;
      inPackages.push({
        image: node.id,
        package: holder[1],
        path: dir,
        detail: `${node.declaredIn.file} ${node.declaredIn.key}.additionalContexts`,
      });
    }
    for (const { pattern, detail } of context.sources) {
      const wildcard = wildcardIndex(pattern);
      const literal = wildcard < 0 ? pattern : pattern.slice(0, pattern.lastIndexOf("/", wildcard) + 1);
      const path = joinRepoPath(context.dir, literal === "." ? "" : unescapePattern(literal)).replace(
        /\/+$/,
        "",
      );
      if (wildcard >= 0) {
        // a glob may select paths in the package holding its literal part and in the packages
        // below that part its segments reach (`COPY dist* ./`, `COPY services/*/dist /app`; not
        // `COPY package*.json ./` at the root). An install file's optional-copy idiom
        // (`COPY yarn.lock* ./`) is never build output.
        const glob = joinRepoPath(escapePattern(context.dir), pattern);
        const last = glob.slice(glob.lastIndexOf("/") + 1);
        const lastWildcard = wildcardIndex(last);
        if (lastWildcard > 0 && INSTALL_FILES.has(last.slice(0, lastWildcard))) continue;
        const reaches = compileAbove(glob);
        const holder = packageHolding(graph, path, true);
        if (holder !== undefined)
          inPackages.push({ image: node.id, package: holder[1], path: holder[0], glob, detail });
        for (const [dir, pkg] of everyPackage()) {
          if (dir !== "" && dir !== path && (path === "" || dir.startsWith(`${path}/`)) && reaches(dir))
            inPackages.push({ image: node.id, package: pkg, path: dir, glob, detail });
        }
        continue;
      }
      const holder = packageHolding(graph, path);
      if (holder !== undefined) {
        inPackages.push({ image: node.id, package: holder[1], path, detail });
        continue;
      }
      // (an ONBUILD trigger runs in the children's builds, against their contexts; a source that
      // goes through a symlink is checked where it leads, its next entry)
      if (
        path !== "" &&
        graph.owners.packageAt(path) === undefined &&
        !detail.includes(" ONBUILD ") &&
        !context.sources.some((other) => other.detail.startsWith(`${detail} (through the symlink`))
      )
        outside.push({ image: node.id, path, detail });
    }
  }
  return { inPackages, outside };
}

/**
 * The deepest workspace package whose directory holds `path`: strictly above it, or also at it
 * with `orAt` (the root package excluded: it builds nothing an image copies from a subdirectory),
 * with that directory.
 */
function packageHolding(graph: ShipGraph, path: string, orAt = false): [string, NodeId] | undefined {
  for (let dir = orAt ? path : parentDir(path); dir !== ""; dir = parentDir(dir)) {
    const pkg = graph.owners.packageAt(dir);
    if (pkg !== undefined) return [dir, pkg];
  }
  return undefined;
}

/** The tracked files at or under `paths`, sorted. (I/O: one git ls-files) */
async function trackedFiles(git: Git, paths: readonly string[]): Promise<string[]> {
  return (await git.lsFiles(paths)).sort(compareStrings);
}

function buildOutputNote(copy: PackageCopy): string {
  const what =
    copy.glob === undefined
      ? `${copy.path} (${copy.detail}), where no file is tracked`
      : `${copy.glob} (${copy.detail}), which selects no tracked file in ${copy.path}`;
  return `${copy.image} copies ${what}: it is taken as the build output of ${copy.package}, so what affects ${copy.package} affects ${copy.image}`;
}

/** Files an install reads, which a Dockerfile copies with an optional glob (`COPY yarn.lock* ./`). */
const INSTALL_FILES = new Set([
  "package.json",
  "package-lock.json",
  "npm-shrinkwrap.json",
  "yarn.lock",
  "pnpm-lock.yaml",
  "pnpm-workspace.yaml",
  "bun.lock",
  "bun.lockb",
  ".npmrc",
  ".yarnrc.yml",
]);

/**
 * The glob copies that select no tracked file in their package's directory (a file, or one under
 * a directory the glob selects): what they copy there is build output. (I/O: one git ls-files of
 * those directories, in the working tree)
 */
async function globsMatchingNothingTracked(
  git: Git,
  snapshot: RepoSnapshot,
  copies: readonly PackageCopy[],
): Promise<Set<PackageCopy>> {
  const out = new Set<PackageCopy>();
  if (copies.length === 0) return out;
  const dirs = [...new Set(copies.map((copy) => copy.path))];
  const files = snapshot.rev === "worktree" ? await trackedFiles(git, dirs) : snapshot.files;
  const matchers = new Map<string, (path: string) => boolean>();
  for (const copy of copies) {
    let matches = matchers.get(copy.glob!);
    if (!matches) {
      matches = compileDockerignore([copy.glob!]);
      matchers.set(copy.glob!, matches);
    }
    // the paths the glob selects that hold tracked files: a file, or the directory it is in
    const roots = new Set<string>();
    const prefix = `${copy.path}/`;
    for (let i = lowerBound(files, prefix); i < files.length && files[i]!.startsWith(prefix); i++) {
      const file = files[i]!;
      if (!matches(file)) continue;
      // the shallowest path the glob matches: the file itself or a directory it is in
      for (let end = file.indexOf("/", prefix.length); ; end = file.indexOf("/", end + 1)) {
        const candidate = end < 0 ? file : file.slice(0, end);
        if (matches(candidate)) {
          roots.add(candidate);
          break;
        }
        if (end < 0) break;
      }
    }
    // nothing tracked, or only in directories git ignores (a force-added dist/.gitkeep)
    const dirs = [...roots].filter((root) => files[lowerBound(files, root)] !== root);
    if (dirs.length < roots.size) continue;
    if (roots.size === 0 || (await ignoredDirs(git, dirs)).length === dirs.length) out.add(copy);
  }
  return out;
}

/** Which of `paths` no tracked file is at or under. (I/O) */
async function untrackedPaths(
  git: Git,
  root: string,
  known: readonly string[],
  worktree: boolean,
  paths: readonly string[],
): Promise<Set<string>> {
  const untracked = new Set<string>();
  const ask: string[] = [];
  // directories holding tracked files: still build output when git ignores them (a force-added
  // dist/.gitkeep)
  const trackedDirs: string[] = [];
  for (const path of paths) {
    if (holdsAny(known, path)) {
      if (known[lowerBound(known, path)] !== path) trackedDirs.push(path);
      continue;
    }
    if (!worktree) {
      untracked.add(path); // a commit's file list is whole
      continue;
    }
    try {
      lstatSync(join(root, path));
      ask.push(path); // on disk: tracked, or an ignored build output; git knows
    } catch {
      untracked.add(path); // not in the working tree (a sparse checkout's left-out path counts too: the safe side)
    }
  }
  if (ask.length > 0) {
    const listed = await trackedFiles(git, ask);
    for (const path of ask) {
      if (!holdsAny(listed, path)) untracked.add(path);
      else if (listed[lowerBound(listed, path)] !== path) trackedDirs.push(path);
    }
  }
  for (const path of await ignoredDirs(git, trackedDirs)) untracked.add(path);
  return untracked;
}

/**
 * Which of the directories git ignores (`dir/` against .gitignore, whatever is tracked in it); all
 * of them when git cannot say (the safe side). (I/O)
 */
async function ignoredDirs(git: Git, dirs: readonly string[]): Promise<string[]> {
  if (dirs.length === 0) return [];
  const { code, stdout } = await git.runWithInputStatus(
    ["check-ignore", "--no-index", "-z", "--stdin"],
    dirs.map((dir) => `${dir}/\0`).join(""),
  );
  if (code === 1) return []; // none ignored
  if (code !== 0) return [...dirs];
  return splitNul(stdout).map((path) => path.replace(/\/$/, ""));
}

/**
 * Warnings for the paths images copy from outside every workspace package where nothing is
 * tracked (`COPY dist/apps/api`, built outside docker): what makes them cannot be traced, so a
 * change that rebuilds them would be missed. Checked on the disk only (no git call): a path absent
 * from the working tree and from the graph's files. An image with `dependsOn` has declared it. (I/O)
 */
export async function untracedCopyWarnings(
  git: Git,
  root: string,
  graph: ShipGraph,
  snapshot: RepoSnapshot,
  declaresDependencies: (image: NodeId) => boolean,
): Promise<string[]> {
  // an image whose context is a package's directory copies nothing from outside every package
  const chosen = (id: NodeId) => {
    const dir = graph.nodes.get(id)?.owns.context?.dir;
    return dir !== undefined && graph.owners.packageAt(dir) === undefined && !declaresDependencies(id);
  };
  const absent = imageCopies(graph, chosen).outside.filter((copy) => {
    if (holdsAny(snapshot.rev === "worktree" ? graph.files : snapshot.files, copy.path)) return false;
    if (snapshot.rev !== "worktree") return true; // a commit's file list is whole
    try {
      lstatSync(join(root, copy.path));
      return false; // on disk: tracked, or a build output already made; not told apart here
    } catch {
      return true;
    }
  });
  if (absent.length === 0) return [];
  // absent from the disk, but a sparse checkout may leave tracked files out: git says
  const tracked =
    snapshot.rev === "worktree" ? await trackedFiles(git, [...new Set(absent.map((copy) => copy.path))]) : [];
  const warnings: string[] = [];
  for (const copy of absent) {
    if (holdsAny(tracked, copy.path)) continue;
    const name = copy.image.slice("image:".length);
    warnings.push(
      `${copy.detail}: nothing is tracked at ${copy.path} and no workspace package holds it: if it is build output, shipgraph cannot tell what makes it; declare that with images.${name}.dependsOn (for example package:<name>)`,
    );
  }
  return warnings;
}
