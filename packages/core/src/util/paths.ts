import { posix } from "node:path";

/**
 * Normalises a repo-relative path written by a user: forward slashes, no "./", no trailing
 * slash; "" for the repository root. `backslashes: "keep"` for real file names (a backslash is
 * a legal character in a posix file name).
 */
export function normalizeRepoPath(path: string, backslashes: "convert" | "keep" = "convert"): string {
  const cleaned = posix.normalize(backslashes === "convert" ? path.replace(/\\/g, "/") : path);
  if (cleaned === "." || cleaned === "./") return "";
  return cleaned.replace(/^\.\//, "").replace(/\/+$/, "");
}

/** True when a normalised relative path climbs out of where it is relative to ("..", "../x"). */
export function leavesRoot(path: string): boolean {
  return path === ".." || path.startsWith("../");
}

/**
 * The repository path a symbolic link at `link` names with its stored `target`, resolved from the
 * link's directory as the OS does; undefined for an absolute target or one that leaves the
 * repository. Pure.
 */
export function linkTargetPath(link: string, target: string): string | undefined {
  if (target.startsWith("/")) return undefined;
  const dir = link.includes("/") ? link.slice(0, link.lastIndexOf("/")) : "";
  const path = posix.normalize(joinRepoPath(dir, target));
  return leavesRoot(path) ? undefined : path;
}

/** True when `file` is `dir` itself or lies under it ("" is the root and contains everything). */
export function isUnder(file: string, dir: string): boolean {
  return dir === "" || file === dir || file.startsWith(`${dir}/`);
}

/** The parent directories of a repo-relative file, deepest first, ending with "" (the root). */
export function parentDirs(file: string): string[] {
  const dirs: string[] = [];
  let index = file.lastIndexOf("/");
  while (index > 0) {
    dirs.push(file.slice(0, index));
    index = file.lastIndexOf("/", index - 1);
  }
  dirs.push("");
  return dirs;
}

/**
 * The deepest of `path` itself and its parent directories that `byDir` has, with its value:
 * e.g. the package a file lies in.
 */
export function nearestDir<T>(path: string, byDir: ReadonlyMap<string, T>): [string, T] | undefined {
  for (let dir = path; ; ) {
    const value = byDir.get(dir);
    if (value !== undefined) return [dir, value];
    if (dir === "") return undefined;
    dir = parentDir(dir);
  }
}

/** "a/b/c" → "a/b", "a" → "" (the root). */
export function parentDir(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash <= 0 ? "" : path.slice(0, slash);
}

/** `dir/name`, or `name` at the root. */
export function joinRepoPath(dir: string, name: string): string {
  return dir === "" ? name : `${dir}/${name}`;
}

const C_ESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, "\\": 92 };

/**
 * Decodes a path as git prints it without -z: `"caf\303\251.ts"` (core.quotePath) is
 * `café.ts`. A line that is not C-quoted is returned unchanged.
 */
export function unquoteGitPath(line: string): string {
  if (line.length < 2 || !line.startsWith('"') || !line.endsWith('"')) return line;
  const body = line.slice(1, -1);
  const bytes: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== "\\") {
      bytes.push(...Buffer.from(ch, "utf8"));
      continue;
    }
    const next = body[i + 1] ?? "";
    if (/[0-7]/.test(next)) {
      bytes.push(Number.parseInt(body.slice(i + 1, i + 4), 8));
      i += 3;
    } else if (next in C_ESCAPES) {
      bytes.push(C_ESCAPES[next]!);
      i += 1;
    } else {
      return line; // not git's quoting after all
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/** Whether a sorted list of files has `path` itself, or a file under it (two binary searches). */
export function holdsAny(sorted: readonly string[], path: string): boolean {
  return (
    sorted[lowerBound(sorted, path)] === path ||
    sorted[lowerBound(sorted, `${path}/`)]?.startsWith(`${path}/`) === true
  );
}

/** The index of the first of the sorted strings not before `value` (code-unit order). */
export function lowerBound(sorted: readonly string[], value: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
