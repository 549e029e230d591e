import { lstatSync } from "node:fs";
import { join } from "node:path";
import { isShipgraphError } from "../errors.js";
import type { LoadedGraph } from "../load-graph.js";
import type { RepoSnapshot } from "../repo/snapshot.js";
import type { GraphNode } from "../types.js";
import { splitCommand } from "./argv.js";
import { compareOutputs, differInGit } from "./compare.js";
import { commandFailure, generatorEnv, inRepository, runCommand } from "./run-command.js";
import { createSandbox } from "./sandbox.js";

export interface BaseRunOptions {
  /** The generators' environment (their PATH gets the sandbox's node_modules/.bin first). */
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  keepTemp: boolean;
  onKeptSandbox?: ((dir: string) => void) | undefined;
  onWarning?: ((message: string) => void) | undefined;
}

/**
 * The candidates the run wrote as the tree has them (`written`), those it wrote otherwise
 * (`otherwise`), or why it could not tell (the generator could not run there).
 */
export type BaseRun = { written: string[]; otherwise: string[] } | { unknown: string };

/**
 * Which of `candidates` (files of the tree under `node`'s `outputs` at `mergeBase`, as the merge
 * base has them) the generator writes when it runs as it was there: its command, as the merge
 * base's config has it, on a copy of the merge base's files without the candidates, like the copy
 * drift runs generators in (never the working tree). A candidate it writes, byte for byte as the
 * tree has it (as git stores it: see differInGit), is generated code; one it does not write
 * (hand-written code a glob that was too broad took in) is not, whatever the glob said: --fix
 * must not delete it.
 *
 * One it writes with other bytes is `otherwise`: not known to be generated. A generator may write
 * a file only when it is missing, a stub to be filled in by hand (gqlgen's resolver.go, a
 * scaffold), which the run, having removed it, writes afresh: written at all would make the code
 * filled in there left behind, and --fix would delete it. A generated file that was stale at the
 * merge base already (drift there) is `otherwise` too: the caller warns, deletes nothing.
 * Running it with the candidates gone, not comparing times, keeps a formatter-like generator,
 * which rewrites what it finds, from claiming hand-written files.
 *
 * A generator that cannot run there (no command, one missing from PATH, failing, timing out)
 * leaves it unknown: `unknown` says why. (I/O: a sandbox, the generator's process)
 */
export async function writtenAtBase(
  loaded: Pick<LoadedGraph, "git" | "root" | "snapshot">,
  node: GraphNode,
  mergeBase: string,
  candidates: readonly string[],
  options: BaseRunOptions,
): Promise<BaseRun> {
  const run = node.generator?.run;
  if (run === undefined) return { unknown: "it has no `run` command there" };
  let argv: string[];
  try {
    argv = typeof run === "string" ? splitCommand(run, `generators.${node.name}.run`) : [...run];
  } catch (error) {
    return { unknown: (error as Error).message };
  }
  // interrupted during an earlier one: no copy of the merge base made, no generator started
  if (options.signal?.aborted) return { unknown: "interrupted" };
  const excluded = new Set(candidates);
  let sandbox: Awaited<ReturnType<typeof createSandbox>>;
  try {
    sandbox = await createSandbox(loaded.git, {
      committed: true,
      commit: mergeBase,
      exclude: (path) => excluded.has(path),
      outputs: node.generator?.outputs ?? [],
      keep: options.keepTemp,
      onWarning: options.onWarning,
    });
  } catch (error) {
    if (!isShipgraphError(error)) throw error;
    return { unknown: error.message };
  }
  try {
    if (options.keepTemp) options.onKeptSandbox?.(sandbox.dir);
    // (in its cwd there, as drift runs it: see runGroup)
    const cwd = node.generator?.cwd ?? "";
    const result = await runCommand(argv, {
      cwd: join(sandbox.dir, cwd),
      env: generatorEnv(options.env, sandbox.dir, cwd),
      timeoutMs: options.timeoutMs,
      signal: options.signal,
    });
    const failure = commandFailure(result, options.timeoutMs, (text) =>
      inRepository(text, sandbox.dir, loaded.root),
    );
    if (failure !== undefined) {
      const said = failure.output?.split("\n").findLast((line) => line.trim() !== "");
      return { unknown: `${failure.message}${said === undefined ? "" : ` (${said.trim()})`}` };
    }
    const written = candidates.filter((path) => exists(join(sandbox.dir, path)));
    const otherwise = new Set(await differing(loaded.snapshot, sandbox.dir, written));
    return {
      written: written.filter((path) => !otherwise.has(path)),
      otherwise: written.filter((path) => otherwise.has(path)),
    };
  } finally {
    sandbox.dispose();
  }
}

/**
 * Of the files the run wrote (`paths`), those whose content differs from the tree's, as drift
 * compares outputs: a link equals a link to the same place, a file the same blob (see
 * differInGit); the x bit is not content. (I/O)
 */
async function differing(
  tree: RepoSnapshot,
  sandboxDir: string,
  paths: readonly string[],
): Promise<string[]> {
  if (paths.length === 0) return [];
  const { modified, missing } = await compareOutputs(
    sandboxDir,
    paths,
    paths,
    await tree.symlinks(paths),
    (wanted) => tree.readBytes(wanted),
  );
  // (one the tree's copy of which cannot be read is not known to be the same)
  return [...(await differInGit(tree, sandboxDir, modified)), ...missing];
}

/** Whether a file or a link (dangling or not) is at `abs`: a directory there is not the file. (I/O) */
function exists(abs: string): boolean {
  try {
    return !lstatSync(abs).isDirectory();
  } catch {
    return false;
  }
}
