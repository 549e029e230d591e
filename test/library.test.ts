import { execFile } from "node:child_process";
import {
  type AffectedReport,
  buildGraph,
  computeAffected,
  discover,
  getAffected,
  loadGraph,
  type NodeId,
  REPO_AND_HEAD_ARGS,
  worktreeSnapshot,
} from "@shipgraph/core";
import { describe, expect, it } from "vitest";
import { exampleRepo, gitRepo } from "./helpers/repo.js";

describe("@shipgraph/core as a library", () => {
  it("computes the affected result of a repository without the CLI", async () => {
    const repo = exampleRepo();
    repo.append("packages/auth/src/index.ts", "// x\n").commit();
    const { report } = await getAffected({ cwd: repo.dir, base: "main" });
    const typed: AffectedReport = report;
    expect(typed.affected.image).toEqual(["api"]);
    expect(typed.matrix.include).toEqual([
      {
        image: "api",
        context: "services/api",
        dockerfile: "services/api/Dockerfile",
        platform: "linux/amd64",
        level: 1,
      },
    ]);
    expect(typed.reasons["image:api" satisfies NodeId]!.chain).toEqual([
      "package:@acme/auth",
      "package:@acme/api",
      "image:api",
    ]);
  });

  it("exposes the pure pieces: the same graph and walk from loaded data", async () => {
    const repo = exampleRepo();
    const loaded = await loadGraph({ cwd: repo.dir });
    const discovered = await discover(await worktreeSnapshot(loaded.git), loaded.config);
    const graph = buildGraph({ config: loaded.config, configFile: "shipgraph.yaml", discovered });
    expect([...graph.nodes.keys()]).toEqual([...loaded.graph.nodes.keys()]);
    const result = computeAffected({
      graph,
      changes: [{ path: "images/base/Dockerfile", status: "modified" }],
    });
    expect(result.affected.image).toEqual(["api", "base", "billing", "orders"]);
  });

  it("uses a git call started early only when it is its own call in its own directory", async () => {
    const repo = exampleRepo();
    repo.append("packages/auth/src/index.ts", "// x\n").commit();
    const other = gitRepo({ "README.md": "other\n" });
    const probe = (cwd: string, args: readonly string[]) => ({
      cwd,
      args,
      result: new Promise<{ failed: boolean; stdout: string }>((done) =>
        execFile("git", [...args], { cwd }, (error, stdout) => done({ failed: !!error, stdout })),
      ),
    });
    const expected = (await getAffected({ cwd: repo.dir, base: "main" })).report;
    // the same call, in the same directory: the same answer
    const same = await getAffected({
      cwd: repo.dir,
      base: "main",
      repoProbe: probe(repo.dir, REPO_AND_HEAD_ARGS),
    });
    expect(same.report).toEqual(expected);
    // another repository's answer, or another call's, is never taken for this one
    for (const repoProbe of [
      probe(other.dir, REPO_AND_HEAD_ARGS),
      probe(repo.dir, ["rev-parse", "--show-toplevel", "HEAD"]),
    ]) {
      const { report } = await getAffected({ cwd: repo.dir, base: "main", repoProbe });
      expect(report).toEqual(expected);
    }
  });
});
