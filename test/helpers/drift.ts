import type { DriftReport } from "@shipgraph/core";
import { expect } from "vitest";
import { cleanEnv, shipgraph } from "./cli.js";
import type { TestRepo } from "./repo.js";
import { treeHashes } from "./tree.js";

/**
 * `drift --format json` (with `args`) in `repo`: its exit code, the parsed report (core's
 * DriftReport is the JSON's shape) and stderr. With `readOnly`, the run must leave the working
 * tree as it found it. `env` adds to the clean environment.
 */
export async function driftIn(
  repo: TestRepo,
  args: readonly string[] = [],
  options: { readOnly?: boolean; env?: Record<string, string | undefined> } = {},
): Promise<{ code: number; report: DriftReport; stderr: string }> {
  const before = options.readOnly ? treeHashes(repo.dir) : undefined;
  const run = await shipgraph(repo.dir, ["drift", "--format", "json", ...args], {
    env: cleanEnv(options.env),
  });
  if (before !== undefined) expect(treeHashes(repo.dir)).toEqual(before);
  return { code: run.code, report: run.json<DriftReport>(), stderr: run.stderr };
}
