import {
  type AffectedReport,
  buildGraph,
  computeAffected,
  discover,
  getAffected,
  loadGraph,
  type NodeId,
  worktreeSnapshot,
} from "@shipgraph/core";
import { describe, expect, it } from "vitest";
import { exampleRepo } from "./helpers/repo.js";

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
});
