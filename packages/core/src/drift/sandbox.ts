import {
  copyFileSync,
  cpSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ShipgraphError } from "../errors.js";
import { type Git, runGitWithEnv, splitNul } from "../git/git.js";

/** An isolated copy of the repository in which generators run. Nothing here touches the real tree. */
export interface Sandbox {
  /** The copy's root directory. */
  dir: string;
  /** Removes the copy (unless kept). Safe to call twice. */
  dispose(): void;
}

export interface SandboxOptions {
  /** Materialise exactly HEAD instead of the working tree (tracked + untracked, not ignored). */
  committed: boolean;
  /** Files not to copy: the outputs the generators will produce, so stale ones show. */
  exclude: (path: string) => boolean;
  /** Keep the directory after dispose() (for debugging). */
  keep: boolean;
}

/**
 * Copies the repository's files into a new temporary directory. Ignored `node_modules`
 * directories are linked (read-only use: plugins and their libraries resolve as in the real tree);
 * everything else is a real copy, so a generator can write anywhere in the sandbox. (I/O)
 */
export async function createSandbox(git: Git, options: SandboxOptions): Promise<Sandbox> {
  const parent = mkdtempSync(join(tmpdir(), "shipgraph-drift-"));
  const dir = join(parent, "repo");
  mkdirSync(dir);
  const sandbox: Sandbox = {
    dir,
    dispose() {
      if (!options.keep) rmSync(parent, { recursive: true, force: true });
    },
  };
  try {
    if (options.committed) {
      const env = { GIT_INDEX_FILE: join(parent, "index") };
      await runGitWithEnv(git.root, ["read-tree", "HEAD"], env);
      await runGitWithEnv(git.root, ["--work-tree", dir, "checkout-index", "--all", "--force"], env);
      rmSync(join(parent, "index"), { force: true });
      for (const path of splitNul(
        await git.run(["ls-tree", "-r", "-z", "--name-only", "--full-tree", "HEAD"]),
      )) {
        if (options.exclude(path)) rmSync(join(dir, path), { force: true });
      }
    } else {
      // -t tags each path: "S " for a tracked file a sparse checkout leaves out of the working
      // tree (skip-worktree), which the generators read all the same: it comes from the index
      const listed = splitNul(
        await git.run(["ls-files", "-z", "-t", "--cached", "--others", "--exclude-standard"]),
      );
      const copied = new Set<string>();
      const leftOut: string[] = [];
      for (const entry of listed) {
        const path = entry.slice(2);
        if (copied.has(path) || options.exclude(path)) continue;
        copied.add(path);
        if (!copyEntry(join(git.root, path), join(dir, path)) && entry.startsWith("S ")) leftOut.push(path);
      }
      if (leftOut.length > 0) await checkOutFromIndex(git, dir, leftOut);
    }
    const ignoredDirs = splitNul(
      await git.run([
        "ls-files",
        "-z",
        "--others",
        "--ignored",
        "--exclude-standard",
        "--directory",
        "--no-empty-directory",
      ]),
    );
    for (const entry of ignoredDirs) {
      const path = entry.replace(/\/$/, "");
      if (path.split("/").at(-1) !== "node_modules") continue;
      linkEntries(join(git.root, path), join(dir, path));
    }
  } catch (error) {
    sandbox.dispose();
    throw error;
  }
  return sandbox;
}

/**
 * A real node_modules directory in the sandbox whose entries link to the real ones, so modules
 * resolve but anything a generator creates at its top (a .cache, a new package) stays in the
 * sandbox. Existing caches are not linked. Writes into an installed package still reach the real
 * node_modules: generators must not modify their dependencies.
 */
function linkEntries(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    if (name === ".cache") continue;
    symlinkSync(join(from, name), join(to, name));
  }
}

/** Copies a file, link or submodule checkout; false when there is nothing at `from`. */
function copyEntry(from: string, to: string): boolean {
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(from);
  } catch {
    return false; // in the index but not in the working tree
  }
  mkdirSync(dirname(to), { recursive: true });
  if (stat.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
  else if (stat.isDirectory())
    cpSync(from, to, { recursive: true }); // a submodule checkout
  else copyFileSync(from, to);
  return true;
}

/** Writes the index's version of `paths` (skip-worktree entries) under `dir`. (I/O) */
async function checkOutFromIndex(git: Git, dir: string, paths: readonly string[]): Promise<void> {
  const args = ["checkout-index", "--ignore-skip-worktree-bits", "-z", "--stdin", `--prefix=${dir}/`];
  if ((await git.tryRunWithInput(args, `${paths.join("\0")}\0`)) === undefined) {
    throw new ShipgraphError(
      "GIT_FAILED",
      `git checkout-index could not write the ${paths.length} file(s) this sparse checkout leaves out (${paths.slice(0, 3).join(", ")}${paths.length > 3 ? ", …" : ""}) into the drift sandbox`,
      { hint: "run with --committed, or add them to the sparse checkout (`git sparse-checkout add …`)" },
    );
  }
}
