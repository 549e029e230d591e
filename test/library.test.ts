import { execFile } from "node:child_process";
import { readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import {
  type AffectedReport,
  buildGraph,
  computeAffected,
  diffFiles,
  discover,
  explainNode,
  Git,
  getAffected,
  loadGraph,
  type NodeId,
  REPO_AND_HEAD_ARGS,
  worktreeSnapshot,
} from "@shipgraph/core";
import { describe, expect, it } from "vitest";
import { exampleRepo, gitRepo, tempDir } from "./helpers/repo.js";

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

  it("computeAffected, without the base comparisons getAffected makes, counts config and manifest changes whole", async () => {
    const repo = exampleRepo();
    repo.git("checkout", "-q", "-b", "rename");
    const manifest = "packages/auth/package.json";
    repo.write({
      [manifest]: readFileSync(join(repo.dir, manifest), "utf8").replace('"@acme/auth"', '"@acme/auth2"'),
    });
    repo.append("shipgraph.yaml", "\n# a comment\n").commit();
    const { graph } = await getAffected({ cwd: repo.dir, base: "main" });
    const changes = await diffFiles(new Git(repo.dir), "main", "HEAD");
    expect(changes.map((c) => c.path)).toEqual([manifest, "shipgraph.yaml"]);
    // the config changed: with no comparison of its declarations, everything counts
    const all = computeAffected({ graph, changes });
    expect(all.affected.image).toEqual(["api", "base", "billing", "orders"]);
    expect(all.reasons["image:base"]!.cause).toMatchObject({ kind: "config", file: "shipgraph.yaml" });
    // a renamed package: who still depends on the old name is not known without the base
    const renamed = computeAffected({ graph, changes: changes.filter((c) => c.path === manifest) });
    expect(renamed.affected.image).toEqual(expect.arrayContaining(["api"]));
    expect(renamed.reasons["package:@acme/api"]!.cause).toMatchObject({
      kind: "file",
      rule: "dependency-gone",
    });
  });

  it("explainNode follows the edges the result followed (a conservative result)", async () => {
    const repo = exampleRepo();
    repo.append("proto/acme/common/v1/ids.proto", "\nmessage OrderId {\n  string value = 1;\n}\n").commit();
    const { report, graph } = await getAffected({ cwd: repo.dir, base: "main", conservative: true });
    expect(report.affected.image).toContain("orders");
    expect(explainNode(graph, report, "image:orders").map((r) => r.chain.at(-2))).toContain(
      "package:@acme/orders",
    );
  });

  it("rejects what would silently match nothing: odd change paths, an unknown force, --files outside the repository", async () => {
    const repo = exampleRepo();
    const { graph } = await getAffected({ cwd: repo.dir, all: "x" });
    for (const path of ["./packages/auth/src/index.ts", "/etc/passwd", "packages/../x", ""]) {
      expect(() => computeAffected({ graph, changes: [{ path, status: "modified" }] })).toThrow(
        expect.objectContaining({ code: "USAGE" }),
      );
    }
    expect(() => computeAffected({ graph, changes: [], force: ["bogus" as "all"] })).toThrow(
      expect.objectContaining({ code: "USAGE" }),
    );
    await expect(getAffected({ cwd: repo.dir, files: ["/etc/passwd"] })).rejects.toMatchObject({
      code: "USAGE",
    });
    await expect(getAffected({ cwd: repo.dir, files: ["../outside.txt"] })).rejects.toMatchObject({
      code: "USAGE",
    });
  });

  it("--files ./paths from a directory reached through a symbolic link are inside the repository", async () => {
    const repo = exampleRepo();
    const link = join(tempDir("shipgraph-link-"), "repo");
    symlinkSync(repo.dir, link, "dir");
    const { report } = await getAffected({ cwd: join(link, "packages"), files: ["./auth/src/index.ts"] });
    expect(report.affected.image).toEqual(["api"]);
  });

  it("discover takes a snapshot made without the newer optional methods", async () => {
    const repo = exampleRepo();
    const loaded = await loadGraph({ cwd: repo.dir });
    const { empty: _empty, ...older } = await worktreeSnapshot(loaded.git);
    const discovered = await discover(older, loaded.config);
    expect(discovered.emptyPaths).toBeUndefined();
    expect(discovered.workspace.packages.length).toBeGreaterThan(0);
  });
});
