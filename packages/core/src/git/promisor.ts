import { readdirSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";

/**
 * Partial clones (`git clone --filter=blob:none`, actions/checkout's `filter: blob:none`) hold no
 * file contents but those checked out: git fetches any other blob from the promisor remote when
 * it is read, one request per blob. These helpers let Git.prefetch fetch them in one request.
 */

/**
 * Whether the repository at `root` may lack objects that a promisor remote has: a pack that git
 * marked as a promisor's (`<pack>.promisor`, written by every filtered clone or fetch, and kept
 * by repack and gc) lies in its object store or in one it borrows from (alternates). A file-system
 * check, no git process, so that a complete clone pays nothing. When the store cannot be found,
 * false: reads then fetch on demand, as git does. (I/O)
 */
export function hasPromisorPacks(root: string, env: NodeJS.ProcessEnv = process.env): boolean {
  try {
    const objects = objectsDir(root, env);
    if (objects === undefined) return false;
    return [objects, ...alternates(objects)].some((dir) => {
      try {
        return readdirSync(join(dir, "pack")).some((name) => name.endsWith(".promisor"));
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/**
 * The object directory git uses for the work tree at `root`: GIT_OBJECT_DIRECTORY, else the common
 * directory's `objects` (a linked worktree's `.git` file names its own directory, whose
 * `commondir` names the shared one). (I/O)
 */
function objectsDir(root: string, env: NodeJS.ProcessEnv): string | undefined {
  if (env.GIT_OBJECT_DIRECTORY) return resolve(root, env.GIT_OBJECT_DIRECTORY);
  if (env.GIT_COMMON_DIR) return join(resolve(root, env.GIT_COMMON_DIR), "objects");
  let gitDir = env.GIT_DIR ? resolve(root, env.GIT_DIR) : join(root, ".git");
  if (statSync(gitDir).isFile()) {
    const named = /^gitdir: (.+)$/m.exec(readFileSync(gitDir, "utf8"))?.[1]?.trim();
    if (named === undefined) return undefined;
    gitDir = resolve(root, named);
  }
  let common = gitDir;
  try {
    common = resolve(gitDir, readFileSync(join(gitDir, "commondir"), "utf8").trim());
  } catch {
    // no commondir: the repository's own directory
  }
  return join(common, "objects");
}

/** The object directories listed in `objects/info/alternates` (relative ones from `objects`). (I/O) */
function alternates(objects: string): string[] {
  let text: string;
  try {
    text = readFileSync(join(objects, "info", "alternates"), "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => (isAbsolute(line) ? line : resolve(objects, line)));
}

/**
 * The blob ids of `wanted` paths in `git ls-tree -r -z` output (`index` false) or `git ls-files
 * -s -z` output (`index` true, stage-0 entries only): path → id. Links count (their blob is the
 * target); submodules (commits) and directories do not. Pure.
 */
export function blobIdsIn(out: string, index: boolean, wanted: ReadonlySet<string>): Map<string, string> {
  const ids = new Map<string, string>();
  for (const entry of out.split("\0")) {
    const tab = entry.indexOf("\t");
    if (tab < 0) continue;
    const path = entry.slice(tab + 1);
    if (!wanted.has(path)) continue;
    const [mode, second, third] = entry.slice(0, tab).split(" ");
    if (mode === "160000" || mode === "040000") continue;
    if (index) {
      if (third === "0" && second !== undefined) ids.set(path, second);
    } else if (second === "blob" && third !== undefined) ids.set(path, third);
  }
  return ids;
}

/**
 * Which of `ids` `git rev-list --objects --no-walk --missing=print --ignore-missing --stdin`
 * (given them) did not list as present: git 2.39 leaves a missing one out (--ignore-missing),
 * later versions may print it as `?<id>`. Pure.
 */
export function missingFrom(ids: readonly string[], revList: string): string[] {
  const present = new Set<string>();
  for (const line of revList.split("\n")) {
    if (line === "" || line.startsWith("?")) continue;
    present.add(line.split(" ")[0]!);
  }
  return ids.filter((id) => !present.has(id));
}

/**
 * The promisor remotes in `git config --get-regexp '^(extensions\.partialclone|remote\..*\.promisor)$'`
 * output, in the order git asks them: the remotes marked `promisor` as the config lists them, then
 * the one extensions.partialClone names. Pure.
 */
export function promisorRemotes(config: string): string[] {
  const marked: string[] = [];
  let named: string | undefined;
  for (const line of config.split("\n")) {
    if (line === "") continue;
    const space = line.indexOf(" ");
    const key = space < 0 ? line : line.slice(0, space);
    const value = space < 0 ? "true" : line.slice(space + 1).trim();
    if (key.toLowerCase() === "extensions.partialclone") {
      if (value !== "") named = value;
    } else if (/^remote\..+\.promisor$/i.test(key) && /^(true|yes|on|1)$/i.test(value)) {
      marked.push(key.slice("remote.".length, -".promisor".length));
    }
  }
  const remotes = marked.filter((remote) => remote !== named);
  if (named !== undefined) remotes.push(named);
  return remotes;
}
