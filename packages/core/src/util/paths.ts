import { posix } from "node:path";

/**
 * Normalises a repo-relative path written by a user: forward slashes, no "./", no trailing
 * slash; "" for the repository root.
 */
export function normalizeRepoPath(path: string): string {
  const cleaned = posix.normalize(path.replace(/\\/g, "/"));
  if (cleaned === "." || cleaned === "./") return "";
  return cleaned.replace(/^\.\//, "").replace(/\/+$/, "");
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

/** `dir/name`, or `name` at the root. */
export function joinRepoPath(dir: string, name: string): string {
  return dir === "" ? name : `${dir}/${name}`;
}
