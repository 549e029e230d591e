import { expect } from "vitest";
import { shipgraph } from "./cli.js";
import { gitRepo, type TestRepo } from "./repo.js";

/**
 * Commits `files` on main, applies `change` on a branch and commits it, and returns
 * `affected --base main --format json` (with `args`) as parsed JSON; a non-zero exit throws with
 * stderr.
 */
export async function affectedAfterChange<T>(
  files: Record<string, string>,
  change: (repo: TestRepo) => void,
  ...args: string[]
): Promise<T> {
  const repo = gitRepo(files);
  repo.git("checkout", "-q", "-b", "change");
  change(repo);
  repo.commit("change");
  return affectedIn<T>(repo, ...args);
}

/** `affected --base main --format json` (with `args`) in `repo`, parsed; its exit must be 0. */
export async function affectedIn<T>(repo: TestRepo, ...args: string[]): Promise<T> {
  const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json", ...args]);
  expect(run.code, run.stderr).toBe(0);
  return run.json<T>();
}
