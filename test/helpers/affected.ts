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
  const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json", ...args]);
  if (run.code !== 0) throw new Error(`exit ${run.code}: ${run.stderr}`);
  return run.json<T>();
}
