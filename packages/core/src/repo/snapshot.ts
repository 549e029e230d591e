import {
  type Dirent,
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  type Stats,
  statSync,
} from "node:fs";
import { isAbsolute, join, relative, sep } from "node:path";
import { compileCopySource } from "../discover/dockerignore.js";
import { wildcardLinkCandidates } from "../docker/symlink.js";
import { type Git, splitNul } from "../git/git.js";
import { createHash } from "../util/crypto.js";
import { holdsAny, isUnder, joinRepoPath } from "../util/paths.js";
import { readManyFiles } from "../util/read-many.js";
import { compareStrings } from "../util/sort.js";
import { mark } from "../util/trace.js";
import { type IndexEntry, type IndexInfo, pathSelector, readGitIndex } from "./git-index.js";

/**
 * The files of the repository at one point: the working tree (tracked files, optionally plus
 * untracked ones) or a commit. The graph is built from one snapshot; nothing walks the disk.
 */
export interface RepoSnapshot {
  /** "worktree" or a commit SHA. */
  readonly rev: string;
  /** Sorted repo-relative posix paths. */
  readonly files: readonly string[];
  /** File contents (utf8) for the paths that exist; others are absent. */
  read(paths: readonly string[]): Promise<Map<string, string>>;
  /** File contents as bytes, for exact comparison. */
  readBytes(paths: readonly string[]): Promise<Map<string, Buffer>>;
  /**
   * Git blob ids of the files (sha1 of "blob <size>\0<content>"), absent for missing files:
   * taken from the index for files the working tree has not changed, computed for the others,
   * so hashing many files reads only the changed ones.
   */
  blobIds(paths: readonly string[]): Promise<Map<string, string>>;
  /** Which of the paths are symbolic links, with their targets as stored (relative or absolute). */
  symlinks(paths: readonly string[]): Promise<Map<string, string>>;
  /**
   * Every path that may be a symbolic link, sorted, told without I/O (the working tree's index
   * records each link, listed or not): a path not in it is none, one in it is asked of
   * `symlinks`: the index's links, and the untracked files when listed. Undefined when the
   * snapshot cannot tell (a commit, git listed the files).
   */
  readonly links?: readonly string[];
  /**
   * The symbolic links a wildcard COPY source's segments match (`pattern` repo-relative), with
   * their targets: those wildcardLinkCandidates names. A scoped listing's `files` lacks them.
   */
  linksMatching?(pattern: string): Promise<Map<string, string>>;
  /** Which of the paths are executable files (git's mode 100755; in the working tree, its x bit). */
  executables(paths: readonly string[]): Promise<Set<string>>;
  /**
   * Which of the paths (files or directories) hold nothing: no tracked file is the path or lies
   * under it. In the working tree, a path that exists on disk holds something (untracked build
   * output counts: it may be what a build copies).
   */
  empty?(paths: readonly string[]): Promise<Set<string>>;
  /**
   * Of `paths` (listed ones `read` did not return), those that are there but cannot be read, each
   * with why: a symbolic link to nothing readable, a directory, a read error; at a commit, a blob
   * git cannot give. A path the working tree has deleted is absent, not unreadable.
   */
  unreadable?(paths: readonly string[]): Promise<Map<string, string>>;
  /**
   * Working tree only: the files ending in `extension` under `dirs` that a tool walking the disk
   * reads but the listing does not hold as such: those .gitignore ignores (in an ignored
   * directory too), and those it reaches through a symbolic link (any under `dirs`, ignored ones
   * of any name too; followed on disk, a link to a directory walked) → the repository file it
   * really is (`real`), or, out of the repository or unreadable, the blob id of the bytes read or
   * why (`id`). `skip` says which paths (files, directories: then nothing under them) the tool
   * does not read, such as a module's excludes (`node_modules`): not walked, not returned.
   * Undefined when the snapshot cannot tell.
   */
  diskOnly?(
    dirs: readonly string[],
    extension: string,
    skip?: (path: string) => boolean,
  ): Promise<Map<string, DiskFile>>;
}

/** What a file only the disk shows is (see RepoSnapshot.diskOnly). */
export type DiskFile = { real: string } | { id: string };

/**
 * What a scoped listing selects: paths named `fileNames` at any depth, paths ending with one of
 * `extensions`, and paths equal to or under one of `literals`.
 */
export interface ListingScope {
  fileNames: readonly string[];
  extensions: readonly string[];
  literals: readonly string[];
}

/** The git pathspecs that select what `scope` selects. */
export function scopePathspecs(scope: ListingScope): string[] {
  return [
    ...scope.fileNames.map((name) => `:(glob)**/${name}`),
    ...scope.extensions.map((extension) => `:(glob)**/*${extension}`),
    ...scope.literals.map((literal) => `:(literal)${literal}`),
  ];
}

/**
 * The working tree: its tracked files from the index (read directly, or by `git ls-files` when
 * the index is in a form the reader does not handle), optionally limited to `scope`; untracked
 * files from `git ls-files --others`. (I/O)
 */
export async function worktreeSnapshot(
  git: Git,
  options: WorktreeListingOptions = {},
): Promise<RepoSnapshot> {
  return startWorktreeListing(git, options).snapshot;
}

export interface WorktreeListingOptions {
  untracked?: boolean;
  /** What to list (default everything); git pathspecs are still accepted (then git lists them). */
  scope?: ListingScope | readonly string[] | undefined;
  /** Start finding which tracked files the working tree changed now (blobIds needs it). */
  indexState?: boolean;
}

/**
 * worktreeSnapshot, telling whether the tracked files came from reading the index directly
 * (done by the time this returns) or from a `git ls-files` still running. (I/O)
 */
export function startWorktreeListing(
  git: Git,
  options: WorktreeListingOptions = {},
): { fromIndex: boolean; snapshot: Promise<RepoSnapshot> } {
  // git processes first (they run while the index is parsed): untracked files, and which tracked
  // files the working tree changed (git compares the stat data of every entry)
  const { scope } = options;
  const legacy = Array.isArray(scope); // pathspecs: only git can read them
  const pathspecs =
    scope === undefined
      ? []
      : ["--", ...(legacy ? (scope as string[]) : scopePathspecs(scope as ListingScope))];
  const others = options.untracked
    ? git.run(["ls-files", "-z", "--others", "--exclude-standard", ...pathspecs])
    : undefined;
  const diffFiles = options.indexState ? git.run(["diff-files", "--name-only", "-z"]) : undefined;
  for (const call of [others, diffFiles]) call?.catch(() => {}); // awaited below / by blobIds
  // stamps hash the x bit (see executables): ask git now, while the process is small (a spawn
  // copies the parent's page tables), and its answer arrives while the graph is built
  if (options.indexState) void git.xBitCounts();
  const info: IndexInfo = { skipWorktree: false, links: [] };
  const entries = legacy
    ? undefined
    : readGitIndex(git.root, process.env, scope ? pathSelector(scope as ListingScope) : () => true, info);
  // a sparse checkout leaves tracked files out of the working tree; without the index read here,
  // any may be one
  const mayBeSparse = entries === undefined || info.skipWorktree;
  return {
    fromIndex: entries !== undefined,
    snapshot: listWorktree(
      git,
      options,
      entries,
      others,
      diffFiles,
      pathspecs,
      mayBeSparse,
      entries === undefined ? undefined : info.links!.sort(compareStrings),
    ),
  };
}

async function listWorktree(
  git: Git,
  options: WorktreeListingOptions,
  entries: IndexEntry[] | undefined,
  othersCall: Promise<string> | undefined,
  diffFiles: Promise<string> | undefined,
  pathspecs: readonly string[],
  mayBeSparse: boolean,
  /** Every symbolic link of the index, sorted; undefined when git listed the files. */
  indexLinks: readonly string[] | undefined,
): Promise<RepoSnapshot> {
  // A full listing (drift, stamps: they hash files) keeps the blob ids too: the index is then
  // read once, not again for blobIds. Untracked files come from their own call, so no untracked
  // name can pass for a staged entry.
  const full = options.scope === undefined;
  const [listing, others] = await Promise.all([
    entries ? undefined : git.run(["ls-files", "-z", "--cached", "-t", "-s", ...pathspecs]),
    othersCall,
  ]);
  let listed: string[];
  let staged: StagedEntries | undefined;
  // tracked files a sparse checkout leaves out of the working tree (→ their modes): read from the index
  const sparseModes = new Map<string, number>();
  if (entries) {
    listed = entries.map((entry) => entry.path);
    for (const entry of entries) if (entry.skipWorktree) sparseModes.set(entry.path, entry.mode);
    if (full) staged = stagedFromIndex(entries);
  } else {
    // "-t" puts a status tag and a space before each "<mode> <oid> <stage>\t<path>": "S" marks
    // skip-worktree
    const untagged = splitNul(listing!).map((entry) => {
      const skipped = skipWorktreeEntry(entry);
      if (skipped) sparseModes.set(skipped.path, skipped.mode);
      return entry.slice(2);
    });
    staged = parseStaged(untagged);
    listed = staged.paths;
    if (!full) staged = undefined;
  }
  if (others !== undefined) listed.push(...splitNul(others));
  // the index lists each path once, except conflicted ones (one per stage), and --others can
  // repeat a path: de-duplicate then. Sorting an already sorted list is linear.
  const conflicted = staged ? staged.conflicted.size > 0 : (entries?.some((e) => e.stage !== 0) ?? true);
  const files = (options.untracked || conflicted ? [...new Set(listed)] : listed).sort(compareStrings);
  // blob ids will be asked for (stamps): the few files whose id git must hash are hashed as soon
  // as git has said which they are, while the graph is built, not when the first hash is asked
  let indexState = options.indexState ? readIndexState(git, staged, diffFiles) : undefined;
  const hashedAhead = indexState?.then((state) => hashAhead(git, files, state));
  hashedAhead?.catch(() => {}); // awaited by blobIds
  const snapshot: RepoSnapshot = {
    rev: "worktree",
    files,
    // (untracked links are in no index: with untracked files listed, each of them may be one)
    ...(indexLinks !== undefined
      ? {
          links:
            others === undefined
              ? indexLinks
              : [...new Set([...indexLinks, ...splitNul(others)])].sort(compareStrings),
        }
      : {}),
    async blobIds(paths) {
      indexState ??= readIndexState(git, staged, diffFiles);
      const [{ index, conflicted, dirty }, ahead] = await Promise.all([indexState, hashedAhead]);
      const out = new Map<string, string>();
      const changed: string[] = [];
      for (const path of paths) {
        const indexed = index.get(path);
        if (indexed !== undefined && !dirty.has(path) && !conflicted.has(path)) out.set(path, indexed);
        else if (ahead?.hashed.has(path)) {
          const id = ahead.ids.get(path);
          if (id !== undefined) out.set(path, id);
        } else changed.push(path);
      }
      for (const [path, id] of await worktreeBlobIds(git, changed)) out.set(path, id);
      return out;
    },
    async symlinks(paths) {
      const out = worktreeSymlinks(git.root, paths);
      // links a sparse checkout leaves out of the working tree: the index has them
      if (mayBeSparse) {
        const left = await sparseEntries(
          git,
          paths.filter((path) => !out.has(path)),
          sparseModes,
        );
        const links = [...left].filter(([, mode]) => mode === MODE_SYMLINK).map(([path]) => path);
        for (const [path, target] of await git.readBlobs("", links)) out.set(path, target.toString("utf8"));
      }
      return out;
    },
    async linksMatching(pattern) {
      // the index's links the pattern may match, still links in the working tree (or left out of
      // it by a sparse checkout); without the index read here, or with untracked files listed
      // too, the working tree as BuildKit reads it
      if (indexLinks === undefined || options.untracked) return worktreeLinksMatching(git.root, pattern);
      return snapshot.symlinks(wildcardLinkCandidates("", pattern, indexLinks));
    },
    async executables(paths) {
      indexState ??= readIndexState(git, staged, diffFiles);
      const [{ index, executable, conflicted, dirty }, xBitCounts] = await Promise.all([
        indexState,
        git.xBitCounts(),
      ]);
      const out = new Set<string>();
      const absent: string[] = [];
      for (const path of paths) {
        // the index's mode for a file the working tree has not changed (git compares the x bit),
        // and for any tracked file where git ignores the working tree's x bit (core.fileMode false)
        if (index.has(path) && ((!dirty.has(path) && !conflicted.has(path)) || !xBitCounts)) {
          if (executable.has(path)) out.add(path);
          continue;
        }
        const stat = lstatSync(join(git.root, path), { throwIfNoEntry: false });
        if (stat === undefined) absent.push(path);
        else if (xBitCounts && stat.isFile() && (stat.mode & 0o100) !== 0) out.add(path);
      }
      // files a sparse checkout leaves out of the working tree: the index has their mode
      if (mayBeSparse && absent.length > 0) {
        for (const [path, mode] of await sparseEntries(git, absent, sparseModes))
          if (mode === MODE_EXECUTABLE) out.add(path);
      }
      return out;
    },
    async empty(paths) {
      // on disk: something is there; otherwise git says whether anything is tracked there (a
      // sparse checkout leaves tracked directories out of the working tree)
      const absent = paths.filter((path) => path !== "" && path !== "." && !existsSync(join(git.root, path)));
      if (absent.length === 0) return new Set();
      const tracked = await git.lsFiles(absent);
      return new Set(absent.filter((path) => !tracked.some((file) => isUnder(file, path))));
    },
    async read(paths) {
      const out = new Map<string, string>();
      for (const [path, bytes] of await readTracked(git, paths, sparseModes, mayBeSparse))
        out.set(path, bytes.toString("utf8"));
      return out;
    },
    async unreadable(paths) {
      return worktreeUnreadable(git.root, paths);
    },
    async diskOnly(dirs, extension, skip = () => false) {
      if (dirs.length === 0) return new Map();
      // git walks `dirs` in another process while the links are looked up and the caller goes on
      const listing = listIgnored(git, dirs);
      listing.catch(() => {}); // awaited below
      const under = (path: string) => !skip(path) && dirs.some((dir) => isUnder(path, dir));
      // the links under the roots the listing has (the index's and the untracked files): none,
      // and nothing is looked at on disk for them
      const links = [...worktreeSymlinks(git.root, (snapshot.links ?? files).filter(under)).keys()];
      const ignored: string[] = [];
      const walked: string[] = [];
      const paths = splitNul(await listing);
      mark("ignored files listed");
      for (const path of paths) {
        if (!path.endsWith("/")) {
          if (under(path)) ignored.push(path);
          continue;
        }
        // an ignored directory under a root is walked; a root in an ignored directory too
        const dir = path.slice(0, -1);
        if (under(dir)) walked.push(dir);
        else walked.push(...dirs.filter((root) => root !== "" && isUnder(root, dir) && !skip(root)));
      }
      if (ignored.length + walked.length + links.length === 0) return new Map();
      const listed = walked.length > 0 ? new Set(files) : new Set<string>();
      return diskOnlyFiles(git.root, { ignored, walked, links, listed, skip }, extension);
    },
    async readBytes(paths) {
      return readTracked(git, paths, sparseModes, mayBeSparse);
    },
  };
  return snapshot;
}

/**
 * The symbolic links in the working tree whose path `pattern`'s first segments match (see
 * wildcardLinkCandidates), found as BuildKit resolves a wildcard source: segment by segment, each
 * wildcard segment against a directory's entries (a `**` one is one segment), a link matched not
 * followed here. Only the directories the pattern reaches are read. (I/O)
 */
function worktreeLinksMatching(root: string, pattern: string): Map<string, string> {
  const out = new Map<string, string>();
  const segments = pattern.split("/");
  let level = [""];
  for (let depth = 0; depth < segments.length && level.length > 0; depth++) {
    const segment = segments[depth]!;
    const matches = /[*?[\\]/.test(segment) ? compileCopySource(segment) : undefined;
    const next: string[] = [];
    for (const dir of level) {
      const entries: { path: string; link: boolean; dir: boolean }[] = [];
      if (matches === undefined) {
        const path = joinRepoPath(dir, segment);
        let stats: Stats | undefined;
        try {
          stats = lstatSync(join(root, path), { throwIfNoEntry: false });
        } catch {
          stats = undefined; // a parent is a file (ENOTDIR)
        }
        if (stats) entries.push({ path, link: stats.isSymbolicLink(), dir: stats.isDirectory() });
      } else {
        let listed: Dirent[];
        try {
          listed = readdirSync(join(root, dir), { withFileTypes: true });
        } catch {
          continue; // absent, or not a directory
        }
        for (const entry of listed) {
          if (!matches(entry.name)) continue;
          const path = joinRepoPath(dir, entry.name);
          entries.push({ path, link: entry.isSymbolicLink(), dir: entry.isDirectory() });
        }
      }
      for (const entry of entries) {
        if (entry.link) out.set(entry.path, readlinkSync(join(root, entry.path)));
        else if (entry.dir) next.push(entry.path);
      }
    }
    level = next;
  }
  return out;
}

/**
 * Which of `paths` are in the working tree but cannot be read, with why (see
 * RepoSnapshot.unreadable). (I/O: one lstat each, and a read for those that are files)
 */
function worktreeUnreadable(root: string, paths: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const path of paths) {
    const abs = join(root, path);
    let stats: Stats | undefined;
    try {
      stats = lstatSync(abs, { throwIfNoEntry: false });
    } catch {
      stats = undefined; // a parent is a file (ENOTDIR): deleted, as far as this path goes
    }
    if (stats === undefined) continue;
    if (stats.isSymbolicLink()) {
      const target = readlinkSync(abs);
      out.set(
        path,
        existsSync(abs)
          ? `a symbolic link to ${target}, which cannot be read`
          : `a symbolic link to ${target}, which does not exist here`,
      );
    } else if (stats.isDirectory()) out.set(path, "a directory in the working tree");
    else {
      try {
        readFileSync(abs);
      } catch (error) {
        out.set(path, `it cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
      }
    }
  }
  return out;
}

/**
 * The paths under `dirs` (repository paths, "" the root) that .gitignore, .git/info/exclude or
 * core.excludesFile ignores: an ignored directory once, with a trailing "/" (git does not walk it:
 * node_modules; an ignored one holding one of `dirs` is named instead of it), an ignored file or
 * link by its own path. (I/O)
 */
function listIgnored(git: Git, dirs: readonly string[]): Promise<string> {
  const pathspecs = dirs.includes("") ? [] : ["--", ...dirs.map((dir) => `:(literal)${dir}`)];
  return git.run([
    "ls-files",
    "-z",
    "--others",
    "--ignored",
    "--exclude-standard",
    "--directory",
    ...pathspecs,
  ]);
}

/** Links followed on the way to one file, or directories deep under one link, before giving up. */
const MAX_DISK_DEPTH = 32;

/** What diskOnlyFiles looks at (repository paths). */
interface DiskPlaces {
  /** Ignored files and links (their own path, any name). */
  ignored: readonly string[];
  /** Directories walked whole: ignored ones, and roots inside one. */
  walked: readonly string[];
  /** Symbolic links the listing has. */
  links: readonly string[];
  /** The listed files (a walked directory's listed files are not disk-only). */
  listed: ReadonlySet<string>;
  /** Paths the tool does not read (see RepoSnapshot.diskOnly): a directory's files neither. */
  skip: (path: string) => boolean;
}

/**
 * The files ending in `extension` a tool walking the disk reads at `places` that the listing does
 * not hold as such, each at the path the tool reads it by: an ignored file itself, a link to a
 * file, the files of a walked directory or under a link to a directory (links in them followed,
 * a loop walked once) → what it is (see DiskFile). What cannot be read (a link to nothing, a
 * loop of links, a directory it may not list) is there all the same, by why: buf fails on it,
 * and a stamp made so must not match one where it reads. (I/O)
 */
function diskOnlyFiles(root: string, places: DiskPlaces, extension: string): Map<string, DiskFile> {
  const out = new Map<string, DiskFile>();
  let realRoot: string | undefined;
  const record = (path: string, abs: string) => {
    let real: string;
    let bytes: Buffer;
    try {
      real = realpathSync(abs);
      realRoot ??= realpathSync(root);
      const inside = relative(realRoot, real);
      if (inside !== "" && !inside.startsWith("..") && !isAbsolute(inside)) {
        out.set(path, { real: inside.split(sep).join("/") });
        return;
      }
      bytes = readFileSync(real);
    } catch (error) {
      out.set(path, { id: `unreadable ${(error as NodeJS.ErrnoException).code ?? "error"}` });
      return;
    }
    out.set(path, { id: createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex") });
  };
  /** `path` (a link, a walked directory or an entry under one); `seen`: the real directories of its chain. */
  const walk = (path: string, abs: string, depth: number, seen: ReadonlySet<string>) => {
    let stats: Stats | undefined;
    let real: string;
    try {
      stats = statSync(abs, { throwIfNoEntry: false });
      if (stats === undefined || !stats.isDirectory()) {
        if (path.endsWith(extension)) record(path, abs);
        return;
      }
      real = realpathSync(abs);
    } catch (error) {
      // a loop of links, a directory on the way it may not enter
      if (path.endsWith(extension))
        out.set(path, { id: `unreadable ${(error as NodeJS.ErrnoException).code}` });
      return;
    }
    if (seen.has(real) || depth > MAX_DISK_DEPTH) return; // a loop
    const inside = new Set(seen).add(real);
    let entries: Dirent[];
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch (error) {
      out.set(`${path}/`, { id: `unreadable ${(error as NodeJS.ErrnoException).code}` });
      return;
    }
    for (const entry of entries) {
      const child = joinRepoPath(path, entry.name);
      if (places.listed.has(child) || places.skip(child)) continue;
      if (entry.isFile()) {
        if (entry.name.endsWith(extension)) record(child, join(abs, entry.name));
      } else if (entry.isDirectory() || entry.isSymbolicLink())
        walk(child, join(abs, entry.name), depth + 1, inside);
    }
  };
  for (const path of places.ignored) {
    const stats = lstatSync(join(root, path), { throwIfNoEntry: false });
    if (stats?.isSymbolicLink()) walk(path, join(root, path), 0, new Set());
    else if (stats?.isFile() && path.endsWith(extension)) record(path, join(root, path));
  }
  for (const dir of places.walked) walk(dir, join(root, dir), 0, new Set());
  for (const link of places.links) walk(link, join(root, link), 0, new Set());
  return out;
}

/** Up to this many names asked in one directory, each is lstat'ed; more, the directory is listed. */
const FEW_NAMES = 3;

/** Which of `paths` are symbolic links in the working tree, with their targets. (I/O) */
function worktreeSymlinks(root: string, paths: readonly string[]): Map<string, string> {
  // one readdir per parent directory instead of one lstat per path (many sources share one)
  const out = new Map<string, string>();
  const byParent = new Map<string, string[]>();
  for (const path of paths) {
    const slash = path.lastIndexOf("/");
    const parent = slash === -1 ? "" : path.slice(0, slash);
    const names = byParent.get(parent);
    if (names === undefined) byParent.set(parent, [path.slice(slash + 1)]);
    else names.push(path.slice(slash + 1));
  }
  for (const [parent, names] of byParent) {
    if (names.length <= FEW_NAMES) {
      // a Dockerfile and its .dockerignore candidates: a few lstat calls cost less than listing the
      // directory (and make no error for an absent path)
      for (const name of names) {
        const path = joinRepoPath(parent, name);
        let stats: Stats | undefined;
        try {
          stats = lstatSync(join(root, path), { throwIfNoEntry: false });
        } catch {
          stats = undefined; // a parent is a file (ENOTDIR): no link here
        }
        if (stats?.isSymbolicLink()) out.set(path, readlinkSync(join(root, path)));
      }
      continue;
    }
    const dir = join(root, parent);
    // most candidates' parents do not exist (COPY sources are probed segment by segment): a
    // test that cannot throw is much cheaper than the error readdir would make
    if (!existsSync(dir)) continue;
    let links: Set<string>;
    try {
      links = new Set(
        readdirSync(dir, { withFileTypes: true })
          .filter((entry) => entry.isSymbolicLink())
          .map((entry) => entry.name),
      );
    } catch {
      continue; // the directory is absent: so are its entries
    }
    for (const name of names) {
      if (!links.has(name)) continue;
      const path = joinRepoPath(parent, name);
      out.set(path, readlinkSync(join(root, path)));
    }
  }
  return out;
}

/**
 * Files of the working tree. Synchronous reads measured faster than thousands of concurrent
 * promises (5k manifests: ~80 ms vs ~500 ms); git processes started earlier keep running
 * meanwhile. Files deleted in the working tree but still in the index are absent. Files a sparse
 * checkout leaves out (`sparse`) are read from the index, as git has them: their absence (or
 * whatever lies at their path) is not a change. (I/O)
 */
async function readTracked(
  git: Git,
  paths: readonly string[],
  sparse: ReadonlyMap<string, number>,
  mayBeSparse: boolean,
): Promise<Map<string, Buffer>> {
  if (!mayBeSparse) return readManyFiles(git.root, paths);
  const fromIndex = paths.filter((path) => sparse.has(path));
  const out = readManyFiles(
    git.root,
    paths.filter((path) => !sparse.has(path)),
  );
  // files the listing did not cover (a Dockerfile, a template): absent here, perhaps left out
  const absent = paths.filter((path) => !sparse.has(path) && !out.has(path));
  if (absent.length > 0) fromIndex.push(...(await sparseEntries(git, absent, sparse)).keys());
  // "" as the commit: `:<path>` names the index's (stage 0) blob
  for (const [path, bytes] of await git.readBlobs("", fromIndex)) out.set(path, bytes);
  return out;
}

/**
 * Which of `paths` the index marks skip-worktree (a sparse checkout leaves them out), with their
 * modes; those the listing had (`known`) without asking git. (I/O)
 */
async function sparseEntries(
  git: Git,
  paths: readonly string[],
  known: ReadonlyMap<string, number>,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const ask: string[] = [];
  for (const path of paths) {
    const mode = known.get(path);
    if (mode !== undefined) out.set(path, mode);
    else ask.push(path);
  }
  if (ask.length > 0) {
    // (a pathspec naming a directory lists what is under it: only the paths asked count)
    const asked = new Set(ask);
    const listing = await git.tryRun(["--literal-pathspecs", "ls-files", "-z", "-t", "-s", "--", ...ask]);
    for (const entry of splitNul(listing ?? "")) {
      const skipped = skipWorktreeEntry(entry);
      if (skipped && asked.has(skipped.path)) out.set(skipped.path, skipped.mode);
    }
  }
  return out;
}

/** A `git ls-files -t -s` entry tagged "S" (skip-worktree): its path and mode; else undefined. Pure. */
function skipWorktreeEntry(tagged: string): { path: string; mode: number } | undefined {
  if (!tagged.startsWith("S ")) return undefined;
  const match = STAGED_ENTRY.exec(tagged.slice(2));
  return match ? { path: tagged.slice(2 + match[0].length), mode: Number.parseInt(match[1]!, 8) } : undefined;
}

const MODE_SYMLINK = 0o120000;
const MODE_EXECUTABLE = 0o100755;

interface IndexState {
  /** path → blob id of stage-0 entries */
  index: Map<string, string>;
  /** stage-0 entries with mode 100755 */
  executable: Set<string>;
  conflicted: Set<string>;
  /** tracked files whose working-tree copy differs from the index (by stat, then content) */
  dirty: Set<string>;
}

/** "<mode> <blob id> <stage>\t" before the path of a `git ls-files -s` entry. */
const STAGED_ENTRY = /^([0-7]{6}) ([0-9a-f]{40,64}) ([0-3])\t/;

interface StagedEntries {
  /** Every listed path, in listing order (a conflicted path once per stage). */
  paths: string[];
  /** path → blob id of stage-0 entries */
  index: Map<string, string>;
  /** stage-0 entries with mode 100755 */
  executable: Set<string>;
  conflicted: Set<string>;
}

/** The staged entries of an index read directly. Pure. */
function stagedFromIndex(entries: readonly IndexEntry[]): StagedEntries {
  const staged: StagedEntries = { paths: [], index: new Map(), executable: new Set(), conflicted: new Set() };
  for (const { path, oid, stage, mode } of entries) {
    staged.paths.push(path);
    if (stage !== 0) staged.conflicted.add(path);
    else {
      staged.index.set(path, oid);
      if (mode === MODE_EXECUTABLE) staged.executable.add(path);
    }
  }
  return staged;
}

/** Parses `git ls-files -s -z` entries. Pure. */
function parseStaged(entries: readonly string[]): StagedEntries {
  return stagedFromIndex(
    entries.flatMap((entry): IndexEntry[] => {
      const match = STAGED_ENTRY.exec(entry);
      if (!match) return [];
      const stage = Number(match[3]) as IndexEntry["stage"];
      return [
        {
          path: entry.slice(match[0].length),
          mode: Number.parseInt(match[1]!, 8),
          oid: match[2]!,
          stage,
          // not in this listing (the worktree listing reads it from the "-t" tags)
          skipWorktree: false,
        },
      ];
    }),
  );
}

/**
 * The index's blob ids (from `staged` when the listing had them, else one more ls-files) and which
 * tracked files the working tree changed. (I/O)
 */
async function readIndexState(
  git: Git,
  staged: StagedEntries | undefined,
  dirty: Promise<string> | undefined,
): Promise<IndexState> {
  const [entries, changed] = await Promise.all([
    staged ?? git.run(["ls-files", "-s", "-z"]).then((out) => parseStaged(splitNul(out))),
    dirty ?? git.run(["diff-files", "--name-only", "-z"]),
  ]);
  mark("index state read (git diff-files)");
  return {
    index: entries.index,
    executable: entries.executable,
    conflicted: entries.conflicted,
    dirty: new Set(splitNul(changed)),
  };
}

/** Up to this many files whose id only the working tree has are hashed ahead (see hashAhead). */
const HASH_AHEAD_LIMIT = 256;

/**
 * The ids of the listed files that the index cannot give (untracked, changed in the working tree,
 * conflicted), hashed before anyone asks: `hashed` are the paths done (a deleted one has no id).
 * Nothing when there are more than HASH_AHEAD_LIMIT: a caller may want only some of them, and
 * hashing, say, a tree of untracked build output it never asks for would cost more than waiting.
 * (I/O: one git hash-object)
 */
async function hashAhead(
  git: Git,
  files: readonly string[],
  { index, conflicted, dirty }: IndexState,
): Promise<{ hashed: Set<string>; ids: Map<string, string> }> {
  const changed: string[] = [];
  for (const path of files) {
    if (index.get(path) !== undefined && !dirty.has(path) && !conflicted.has(path)) continue;
    changed.push(path);
    if (changed.length > HASH_AHEAD_LIMIT) return { hashed: new Set(), ids: new Map() };
  }
  return { hashed: new Set(changed), ids: await worktreeBlobIds(git, changed) };
}

/**
 * The blob ids git would store for these working-tree files: through `git hash-object`, which
 * applies the clean conversions (.gitattributes `eol`/`text`, core.autocrlf, filters) — a file only
 * stat-dirty, checked out with CRLF, has its index id, not the id of its raw bytes. Links hash
 * their target; deleted files are left out. (I/O)
 */
async function worktreeBlobIds(git: Git, paths: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const files: string[] = [];
  for (const path of paths) {
    const stat = lstatSync(join(git.root, path), { throwIfNoEntry: false });
    if (stat === undefined || stat.isDirectory()) continue;
    // (hash-object reads one path per line, and follows links)
    if (stat.isSymbolicLink() || path.includes("\n")) {
      const id = worktreeBlobId(join(git.root, path));
      if (id !== undefined) out.set(path, id);
    } else files.push(path);
  }
  if (files.length === 0) return out;
  const ids = (await git.tryRunWithInput(["hash-object", "--stdin-paths"], `${files.join("\n")}\n`))
    ?.trim()
    .split("\n");
  files.forEach((path, i) => {
    const id = ids?.length === files.length ? ids[i] : worktreeBlobId(join(git.root, path));
    if (id !== undefined) out.set(path, id);
  });
  return out;
}

/** The git blob id of a working-tree file's bytes (a symlink hashes its target, as git stores it). (I/O) */
function worktreeBlobId(abs: string): string | undefined {
  try {
    const content = lstatSync(abs).isSymbolicLink() ? Buffer.from(readlinkSync(abs)) : readFileSync(abs);
    return createHash("sha1").update(`blob ${content.length}\0`).update(content).digest("hex");
  } catch {
    return undefined; // deleted in the working tree
  }
}

/** Paths a commit snapshot's symlinks() names as pathspecs; with more, it lists the whole tree. */
const FEW_PATHSPECS = 100;

/** A commit: one `git ls-tree`, reads through one `git cat-file --batch`. (I/O) */
export async function commitSnapshot(git: Git, commit: string): Promise<RepoSnapshot> {
  const files = splitNul(await git.run(["ls-tree", "-r", "-z", "--name-only", "--full-tree", commit])).sort(
    compareStrings,
  );
  const snapshot: RepoSnapshot = {
    rev: commit,
    files,
    async blobIds(paths) {
      const ids = new Map<string, string>();
      for (const entry of splitNul(await git.run(["ls-tree", "-r", "-z", "--full-tree", commit]))) {
        const tab = entry.indexOf("\t");
        ids.set(entry.slice(tab + 1), entry.slice(0, tab).split(" ")[2]!);
      }
      const out = new Map<string, string>();
      for (const path of paths) {
        const id = ids.get(path);
        if (id !== undefined) out.set(path, id);
      }
      return out;
    },
    async read(paths) {
      const out = new Map<string, string>();
      for (const [path, bytes] of await snapshot.readBytes(paths)) out.set(path, bytes.toString("utf8"));
      return out;
    },
    async empty(paths) {
      return new Set(paths.filter((path) => path !== "" && path !== "." && !holdsAny(files, path)));
    },
    async unreadable(paths) {
      // (every listed path has a blob: one git does not give is missing from the object store)
      const listed = new Set(files);
      const read = await snapshot.readBytes(paths.filter((path) => listed.has(path)));
      return new Map(
        paths
          .filter((path) => listed.has(path) && !read.has(path))
          .map((path) => [path, `git cannot read its blob at ${commit.slice(0, 12)}`] as const),
      );
    },
    async executables(paths) {
      if (paths.length === 0) return new Set();
      // the whole tree once: as many paths on a command line could be too many
      const executable = new Set(
        splitNul(await git.run(["ls-tree", "-r", "-z", "--full-tree", commit]))
          .filter((entry) => entry.startsWith("100755 "))
          .map((entry) => entry.slice(entry.indexOf("\t") + 1)),
      );
      return new Set(paths.filter((path) => executable.has(path)));
    },
    async symlinks(paths) {
      const out = new Map<string, string>();
      if (paths.length === 0) return out;
      // a few paths as pathspecs; more (a wildcard source's matches), the whole tree once: as
      // many paths on a command line could be too many
      const wanted = paths.length > FEW_PATHSPECS ? new Set(paths) : undefined;
      const listing = wanted
        ? await git.run(["ls-tree", "-r", "-z", "--full-tree", commit])
        : await git.run(["ls-tree", "-z", "--full-tree", commit, "--", ...paths]);
      const links = splitNul(listing)
        .filter((entry) => entry.startsWith("120000 "))
        .map((entry) => entry.slice(entry.indexOf("\t") + 1))
        .filter((path) => wanted === undefined || wanted.has(path));
      for (const [path, target] of await git.readBlobs(commit, links)) out.set(path, target.toString("utf8"));
      return out;
    },
    async linksMatching(pattern) {
      return snapshot.symlinks(wildcardLinkCandidates("", pattern, files));
    },
    async readBytes(paths) {
      const out = await git.readBlobs(commit, paths);
      for (const path of paths) {
        if (path.includes("\n") && !out.has(path)) {
          const text = await git.tryRun(["show", `${commit}:${path}`]);
          if (text !== undefined) out.set(path, Buffer.from(text));
        }
      }
      return out;
    },
  };
  return snapshot;
}
