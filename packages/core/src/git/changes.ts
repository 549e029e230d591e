import { ShipgraphError } from "../errors.js";
import type { FileChange } from "../types.js";
import { compareStrings } from "../util/sort.js";
import { type Git, splitNul } from "./git.js";

/** A resolved comparison: the diff runs from `mergeBase` to `head`. */
export interface ResolvedRange {
  /** The ref as given (or as found, e.g. "origin/main" for "main"). */
  baseRef: string;
  base: string;
  head: string;
  mergeBase: string;
  /** Notes worth showing the user (e.g. which ref was used, how far history was deepened). */
  notes: string[];
}

export interface ResolveRangeOptions {
  base: string;
  /** Further refs to try, in order, when `base` (or origin/<base>) is not in the clone. */
  fallbacks?: readonly string[] | undefined;
  head?: string;
  /** `head` is already a commit SHA resolved by the caller (saves a git call). */
  headIsResolved?: boolean | undefined;
  /** Fetch more history (git fetch --deepen) until a merge base is found, at most this many times. */
  deepen?: number | undefined;
}

const SHALLOW_HINT =
  "the clone is shallow: fetch full history (actions/checkout with `fetch-depth: 0`), or `git fetch --deepen=200 origin`, or pass --deepen to let shipgraph fetch it";

/**
 * Resolves base and head to commits and finds their merge base (`base...head` semantics).
 * Never returns a short diff silently: a missing base or no merge base is an error that names
 * the fix. (I/O)
 */
export async function resolveRange(git: Git, options: ResolveRangeOptions): Promise<ResolvedRange> {
  const notes: string[] = [];
  const headRef = options.head ?? "HEAD";
  const head = options.headIsResolved ? headRef : await git.resolveCommit(headRef);
  if (!head) {
    throw new ShipgraphError("HEAD_NOT_FOUND", `head ref "${headRef}" does not resolve to a commit`, {
      ref: headRef,
      hint: "pass an existing branch, tag or SHA to --head",
    });
  }
  // Fast path: the base as given, resolved and merged with head at once (two git calls in parallel).
  if (!options.base.startsWith("-")) {
    const [sha, mergeBase] = await Promise.all([
      git.resolveCommit(options.base),
      git.tryRun(["merge-base", `${options.base}^{commit}`, head]),
    ]);
    if (sha && mergeBase)
      return { baseRef: options.base, base: sha, head, mergeBase: mergeBase.trim(), notes };
  }
  let attempts = 0;
  for (;;) {
    const found = await resolveBase(git, options.base, options.fallbacks ?? []);
    if (found) {
      const mergeBase = (await git.tryRun(["merge-base", found.sha, head]))?.trim();
      if (mergeBase) {
        if (found.ref !== options.base)
          notes.push(`base "${options.base}" is not a local ref; using ${found.ref}`);
        return { baseRef: found.ref, base: found.sha, head, mergeBase, notes };
      }
    }
    const shallow = await git.isShallow();
    if (shallow && options.deepen && attempts < options.deepen) {
      const depth = 50 * 2 ** attempts;
      attempts++;
      // A single-branch clone (`git clone --depth 1 --branch x`) never fetches the base, however
      // deep: fetch it as the ref it is resolved as (origin/<branch>, a tag, or a SHA GitHub
      // serves), then deepen both histories until they meet.
      if (!found && (await fetchBase(git, [options.base, ...(options.fallbacks ?? [])], depth))) {
        notes.push(`fetched base ${options.base} from origin (git fetch --depth=${depth})`);
        continue;
      }
      notes.push(`fetched ${depth} more commits of history (git fetch --deepen=${depth})`);
      await git.run(["fetch", "--quiet", `--deepen=${depth}`]);
      continue;
    }
    if (!found) {
      throw new ShipgraphError(
        "BASE_NOT_FOUND",
        `base ref "${options.base}" is not in this clone${shallow ? " (the clone is shallow)" : ""}`,
        {
          ref: options.base,
          hint: shallow
            ? SHALLOW_HINT
            : `fetch it (\`${fetchCommand(options.base)}\`; GitHub also serves a SHA: \`git fetch origin <sha>\`) or pass an existing ref to --base`,
        },
      );
    }
    throw new ShipgraphError(
      "NO_MERGE_BASE",
      `no merge base between ${label(options.base, found.sha)} and ${label(headRef, head)}${
        shallow ? ": the clone is shallow, so the common history is missing" : ": the histories are unrelated"
      }`,
      {
        ref: options.base,
        hint: shallow
          ? SHALLOW_HINT
          : "pass a --base that shares history with head, or --all to treat everything as affected",
      },
    );
  }
}

/**
 * How to `git fetch` `ref` so that resolving it afterwards succeeds: a branch `x` (or `origin/x`)
 * into `refs/remotes/origin/x`, which resolveBase tries, a plain name else as a tag; a full SHA
 * as itself. (`git fetch origin origin/x` would fail: origin has no such branch.)
 */
function baseRefspecs(ref: string): string[] {
  if (/^([0-9a-f]{40}|[0-9a-f]{64})$/i.test(ref)) return [ref];
  if (/^[0-9a-f]{7,39}$/i.test(ref) || ref.startsWith("-")) return [];
  if (ref.startsWith("refs/tags/")) return [`+${ref}:${ref}`];
  if (ref.startsWith("refs/heads/")) return []; // resolved only as a local branch
  const branch = ref.startsWith("origin/") ? ref.slice("origin/".length) : ref;
  if (branch === "" || branch === "HEAD" || /[\s~^:?*[\\]|\.\.|@\{/.test(branch)) return [];
  const heads = `+refs/heads/${branch}:refs/remotes/origin/${branch}`;
  // a plain name may be a tag (the last deployed release)
  return ref.startsWith("origin/") ? [heads] : [heads, `+refs/tags/${branch}:refs/tags/${branch}`];
}

/** The command that fetches `ref` so that `--base ref` resolves (for a hint). */
function fetchCommand(ref: string): string {
  const [refspec] = baseRefspecs(ref);
  return refspec === undefined ? `git fetch origin ${ref}` : `git fetch origin ${refspec}`;
}

/** Fetches the first of `refs` that origin has, `depth` commits deep; whether one was. (I/O) */
async function fetchBase(git: Git, refs: readonly string[], depth: number): Promise<boolean> {
  for (const ref of refs) {
    for (const refspec of baseRefspecs(ref)) {
      // tryRun: origin may not have it (or be no remote at all); what resolves afterwards decides
      await git.tryRun(["fetch", "--quiet", "--no-tags", `--depth=${depth}`, "origin", refspec]);
      if ((await resolveBase(git, ref, [])) !== undefined) return true;
    }
  }
  return false;
}

/** "main (0123456789ab)", or just the short SHA when the ref is the SHA itself. */
function label(ref: string, sha: string): string {
  return sha.startsWith(ref) ? sha.slice(0, 12) : `${ref} (${sha.slice(0, 12)})`;
}

async function resolveBase(
  git: Git,
  base: string,
  fallbacks: readonly string[],
): Promise<{ ref: string; sha: string } | undefined> {
  const candidates = [base];
  // CI checkouts often have origin/<branch> but no local <branch>.
  if (!/^[0-9a-f]{7,64}$/i.test(base) && !base.startsWith("origin/") && !base.startsWith("refs/")) {
    candidates.push(`origin/${base}`);
  }
  candidates.push(...fallbacks);
  for (const ref of candidates) {
    const sha = await git.resolveCommit(ref);
    if (sha) return { ref, sha };
  }
  return undefined;
}

const STATUS: Record<string, FileChange["status"]> = {
  A: "added",
  M: "modified",
  D: "deleted",
  R: "renamed",
  C: "copied",
  T: "type-changed",
  U: "modified",
};

/**
 * Files changed from `from` to `to` (a commit, or undefined for the working tree and index).
 * A rename yields both paths (old as deleted, new as renamed); deletions count. (I/O)
 */
export async function diffFiles(git: Git, from: string, to: string | undefined): Promise<FileChange[]> {
  const args = [
    "diff",
    "--raw",
    "-z",
    "--no-ext-diff",
    "--no-textconv",
    "--no-relative",
    "--find-renames",
    "--ignore-submodules=none",
    from,
  ];
  if (to !== undefined) args.push(to);
  args.push("--");
  return parseRawDiff(await git.run(args));
}

/** Untracked files that are not ignored. (I/O) */
export async function untrackedFiles(git: Git): Promise<FileChange[]> {
  const out = await git.run(["ls-files", "-z", "--others", "--exclude-standard"]);
  return splitNul(out).map((path) => ({ path, status: "untracked" as const }));
}

/** Parses `git diff --name-status -z` output. */
export function parseNameStatus(out: string): FileChange[] {
  return parseDiffEntries(out, (code) => ({ code }));
}

/**
 * The entries of `git diff -z` output: per entry a head token (`head` reads its status code and
 * the change's kind, if it says one), then the path, or the old and the new path for a rename or
 * a copy. A rename yields both paths (old as deleted). Pure.
 */
function parseDiffEntries(
  out: string,
  head: (token: string) => { code: string; kind?: FileChange["kind"] },
): FileChange[] {
  const tokens = splitNul(out);
  const changes: FileChange[] = [];
  for (let i = 0; i < tokens.length; ) {
    const { code, kind } = head(tokens[i++]!);
    const letter = code[0] ?? "M";
    const status = STATUS[letter] ?? "modified";
    const known = kind === undefined ? {} : { kind };
    if (letter === "R" || letter === "C") {
      const oldPath = tokens[i++]!;
      const newPath = tokens[i++]!;
      if (letter === "R") changes.push({ path: oldPath, status: "deleted", from: newPath, ...known });
      changes.push({ path: newPath, status, from: oldPath, ...known });
    } else {
      changes.push({ path: tokens[i++]!, status, ...known });
    }
  }
  return changes;
}

/** A gitlink's mode in `git diff --raw`: a submodule's commit. */
const GITLINK_MODE = "160000";
/** A symbolic link's mode in `git diff --raw`: its blob is the target. */
const LINK_MODE = "120000";

/**
 * What a `git diff --raw` entry's modes say is at its path (see FileChange.kind): a gitlink on
 * either side, a submodule; else a link on either side (what lies below it is its target's), a
 * link; else a file. Pure.
 */
function kindOf(srcMode: string | undefined, dstMode: string | undefined): NonNullable<FileChange["kind"]> {
  if (srcMode === GITLINK_MODE || dstMode === GITLINK_MODE) return "submodule";
  if (srcMode === LINK_MODE || dstMode === LINK_MODE) return "link";
  return "file";
}

/**
 * Parses `git diff --raw -z` output (`:<mode> <mode> <oid> <oid> <status>` NUL path NUL, a
 * second path for a rename or copy) as parseNameStatus does, with each change's kind from the
 * modes (000000: no such side).
 */
export function parseRawDiff(out: string): FileChange[] {
  return parseDiffEntries(out, (meta) => {
    const [srcMode, dstMode, , , code = "M"] = meta.slice(1).split(" ");
    return { code, kind: kindOf(srcMode, dstMode) };
  });
}

/**
 * Merges change lists: one entry per path (the first seen wins), sorted by path. Its kind is
 * the least a list lets one assume: a path that is a file in one diff (base...head) but a link
 * or a submodule in another (the working tree's, the replaced base's) may have something below
 * it that changed, and one untracked or named by --files is not known.
 */
export function mergeChanges(...lists: FileChange[][]): FileChange[] {
  const byPath = new Map<string, FileChange>();
  for (const list of lists)
    for (const change of list) {
      const seen = byPath.get(change.path);
      if (seen === undefined) byPath.set(change.path, change);
      else if (seen.kind !== change.kind) {
        const kind = mergedKind(seen.kind, change.kind);
        const { kind: _, ...rest } = seen;
        byPath.set(change.path, kind === undefined ? rest : { ...rest, kind });
      }
    }
  return [...byPath.values()].sort((a, b) => compareStrings(a.path, b.path));
}

/** Two diffs' kinds of one path, as one: unknown wins, then submodule, then link. Pure. */
function mergedKind(a: FileChange["kind"], b: FileChange["kind"]): FileChange["kind"] {
  if (a === undefined || b === undefined) return undefined;
  for (const kind of ["submodule", "link"] as const) if (a === kind || b === kind) return kind;
  return "file";
}
