import { lstatSync } from "node:fs";
import { join } from "node:path";
import { isShipgraphError } from "../errors.js";
import type { Git } from "../git/git.js";
import type { GraphNode } from "../types.js";
import { splitCommand } from "./argv.js";
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

/** The candidates the run wrote, or why it could not tell (the generator could not run there). */
export type BaseRun = { written: string[] } | { unknown: string };

/**
 * Which of `candidates` (files of the tree under `node`'s `outputs` at `mergeBase`, as the merge
 * base has them) the generator writes when it runs as it was there: its command, as the merge
 * base's config has it, on a copy of the merge base's files without the candidates, like the copy
 * drift runs generators in (never the working tree). A candidate it writes is generated code; one
 * it does not write (hand-written code a glob that was too broad took in) is not, whatever the
 * glob said: --fix must not delete it.
 *
 * Whether it writes one, not with which bytes: the tree's copy is the merge base's, and a
 * generator that writes that path overwrites whatever is there each time it runs, so no work of
 * anyone's lives in it, and a generated file that was stale at the merge base already, or one a
 * generator stamps with the time, is left behind all the same. Running it with the candidates
 * gone, not comparing times, keeps a formatter-like generator, which rewrites what it finds, from
 * claiming hand-written files.
 *
 * A generator that cannot run there (no command, one missing from PATH, failing, timing out)
 * leaves it unknown: `unknown` says why. (I/O: a sandbox, the generator's process)
 */
export async function writtenAtBase(
  git: Git,
  root: string,
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
  const excluded = new Set(candidates);
  let sandbox: Awaited<ReturnType<typeof createSandbox>>;
  try {
    sandbox = await createSandbox(git, {
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
      inRepository(text, sandbox.dir, root),
    );
    if (failure !== undefined) {
      const said = failure.output?.split("\n").findLast((line) => line.trim() !== "");
      return { unknown: `${failure.message}${said === undefined ? "" : ` (${said.trim()})`}` };
    }
    return { written: candidates.filter((path) => exists(join(sandbox.dir, path))) };
  } finally {
    sandbox.dispose();
  }
}

/** Whether a file or a link (dangling or not) is at `abs`: a directory there is not the file. (I/O) */
function exists(abs: string): boolean {
  try {
    return !lstatSync(abs).isDirectory();
  } catch {
    return false;
  }
}
