import {
  copyFileSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, relative, sep } from "node:path";
import { ShipgraphError } from "../errors.js";
import { Git, runGitWithEnv, splitNul } from "../git/git.js";
import { globBase } from "../graph/owners.js";
import { isWithin, landingPath } from "../util/landing-path.js";
import { isUnder, joinRepoPath } from "../util/paths.js";

/** An isolated copy of the repository in which generators run. Nothing here touches the real tree. */
export interface Sandbox {
  /** The copy's root directory. */
  dir: string;
  /** Removes the copy (unless kept). Safe to call twice. */
  dispose(): void;
}

export interface SandboxOptions {
  /** Materialise exactly a commit (`commit`) instead of the working tree (tracked + untracked, not ignored). */
  committed: boolean;
  /** The commit `committed` materialises: HEAD by default (the merge base, to run a generator as it was there). */
  commit?: string | undefined;
  /** Files not to copy: the outputs the generators will produce, so stale ones show. */
  exclude: (path: string) => boolean;
  /** The generators' `outputs` globs: no link out of the repository may lead to them. */
  outputs: readonly string[];
  /** Keep the directory after dispose() (for debugging). */
  keep: boolean;
  /** Told what could not be copied (a file whose name is not UTF-8). */
  onWarning?: ((message: string) => void) | undefined;
}

/**
 * Copies the repository's files into a new temporary directory. Ignored `node_modules`
 * directories are linked (read-only use: plugins and their libraries resolve as in the real tree);
 * everything else is a real copy, so a generator can write anywhere in the sandbox, and every
 * symbolic link leads to a place inside it (see containLinks). (I/O)
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
      const commit = options.commit ?? "HEAD";
      const paths = splitNul(await git.run(["ls-tree", "-r", "-z", "--name-only", "--full-tree", commit]));
      // a partial clone lacks the blobs of commits it did not check out: fetched in one request,
      // not one by one as checkout-index would
      await git.prefetch(commit, paths);
      const env = { GIT_INDEX_FILE: join(parent, "index") };
      await runGitWithEnv(git.root, ["read-tree", commit], env);
      await runGitWithEnv(git.root, ["--work-tree", dir, "checkout-index", "--all", "--force"], env);
      rmSync(join(parent, "index"), { force: true });
      for (const path of paths) {
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
        if (path.includes("\uFFFD")) {
          // (Node.js names it with U+FFFD for the bytes that are not UTF-8: no such file exists)
          options.onWarning?.(
            `${JSON.stringify(path)}: its name is not UTF-8, so it is not copied where the generators run; one that reads it would not find it (rename it: git mv)`,
          );
          continue;
        }
        copied.add(path);
        if (!copyEntry(join(git.root, path), join(dir, path)) && entry.startsWith("S ")) leftOut.push(path);
      }
      if (leftOut.length > 0) await checkOutFromIndex(git, dir, leftOut);
    }
    // (before node_modules is linked: those links lead out on purpose)
    containLinks(git.root, dir, options.outputs);
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
    cpSync(from, to, { recursive: true, verbatimSymlinks: true }); // a submodule checkout
  else copyFileSync(from, to);
  return true;
}

/**
 * Makes every symbolic link in the sandbox lead to a place inside it: copied verbatim, an
 * absolute link (or a relative one climbing out with `..`) would let a generator write the
 * working tree, or anywhere else, through it. Each link that leads out of the sandbox is judged
 * by where it leads from the real tree:
 * 1. into the repository: re-pointed to the same place in the sandbox;
 * 2. to a directory holding the repository: refused (a copy would hold the tree itself);
 * 3. out of the repository, where the outputs lie behind it: refused (git tracks the link, not
 *    what the generator would write behind it, and --fix may not write there);
 * 4. out of the repository, elsewhere: replaced by a copy of what it leads to, so the generator
 *    reads the same and writes stay in the sandbox; a dangling one is left out (there is nothing
 *    to read, and writing through it would create its target). (I/O)
 */
function containLinks(root: string, dir: string, outputs: readonly string[]): void {
  const realRoot = realpathSync(root);
  const realDir = realpathSync(dir);
  const bases = [...new Set(outputs.map(globBase))];
  const leadsOut = (path: string) => {
    const landed = landingPath(join(dir, path));
    return landed !== undefined && !isWithin(landed, realDir);
  };
  const links = findLinks(dir, "");
  for (const path of links.filter(leadsOut)) {
    const at = join(dir, path);
    const target = readlinkSync(at);
    // where it leads from the real tree (not path.join: "x/.." is x's target's parent)
    const real = landingPath(isAbsolute(target) ? target : `${join(realRoot, dirname(path))}/${target}`);
    rmSync(at);
    if (real === undefined) continue; // a loop there: nothing to read through it
    if (isWithin(real, realRoot)) {
      symlinkSync(join(dir, ...relative(realRoot, real).split(sep)), at);
      continue;
    }
    if (isWithin(realRoot, real)) {
      throw new ShipgraphError(
        "ENVIRONMENT",
        `${path} is a symbolic link to ${target}, which holds the repository: a generator could write the working tree through it`,
        {
          file: path,
          hint: "point the link at what the generators need, not at a directory above the repository",
        },
      );
    }
    const behind = bases.find((base) => base !== "" && isUnder(base, path));
    if (behind !== undefined) {
      throw new ShipgraphError(
        "CONFIG_INVALID",
        `${path} is a symbolic link to ${target}, outside the repository, and outputs (${outputs.filter((o) => isUnder(globBase(o), path)).join(", ")}) lie behind it: git does not track files behind a link, and a generator would write outside the repository`,
        {
          file: path,
          hint: `replace the link ${path} with a directory in the repository, or set outputs to files the repository holds`,
        },
      );
    }
    if (!existsSync(real)) continue;
    try {
      cpSync(real, at, { recursive: true, dereference: true });
    } catch (error) {
      throw new ShipgraphError(
        "ENVIRONMENT",
        `${path} is a symbolic link to ${target}, outside the repository; copying it into the drift sandbox failed: ${(error as Error).message}`,
        {
          file: path,
          hint: "make the link's target readable, or replace the link with the files it leads to",
        },
      );
    }
  }
  // a link re-pointed or copied can change where others lead: check them all once more
  const still = findLinks(dir, "").find(leadsOut);
  if (still !== undefined) {
    throw new ShipgraphError(
      "ENVIRONMENT",
      `${still} is a symbolic link that leads out of the drift sandbox (${readlinkSync(join(dir, still))}): a generator could write outside it`,
      { file: still, hint: "make the link relative, leading to a place in the repository" },
    );
  }
}

/** The symbolic links under `dir`/`path` (repo-relative), not followed. (I/O) */
function findLinks(dir: string, path: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(dir, path), { withFileTypes: true })) {
    const child = joinRepoPath(path, entry.name);
    if (entry.isSymbolicLink()) out.push(child);
    else if (entry.isDirectory()) out.push(...findLinks(dir, child));
  }
  return out;
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

/**
 * A generated file whose name is not UTF-8 reaches Node.js with U+FFFD in place of its bytes: no
 * such file exists, so it cannot be compared (nor written by --fix). ENVIRONMENT naming it. (Pure.)
 */
export function assertUtf8Name(path: string, context: string): void {
  if (!path.includes("\uFFFD")) return;
  throw new ShipgraphError(
    "ENVIRONMENT",
    `${context} ${JSON.stringify(path)}, whose name is not UTF-8 (\uFFFD stands for the bytes that are not): drift cannot copy or compare it`,
    { file: path, hint: "rename the file to a UTF-8 name (git mv), or keep it out of the repository" },
  );
}

/**
 * git run in the sandbox through an empty repository made for it (no templates; excludesFile
 * pointed nowhere): the repository's own .gitignore and .gitattributes files, as the sandbox
 * holds them, apply, and nothing of this machine's repository. stdout, or undefined when git
 * exits with another code than 0. (I/O)
 */
export async function sandboxGit(
  sandboxDir: string,
  args: string[],
  input: string,
): Promise<string | undefined> {
  const rules = join(dirname(sandboxDir), "rules.git");
  if (!existsSync(rules))
    await runGitWithEnv(dirname(sandboxDir), ["init", "-q", "--bare", "--template=", rules], {});
  return new Git(sandboxDir).tryRunWithInput(
    [`--git-dir=${rules}`, "--work-tree=.", "-c", `core.excludesFile=${join(rules, "no-excludes")}`, ...args],
    input,
  );
}
