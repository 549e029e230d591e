import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadGraph, ROOT_MANIFEST_FILES } from "@shipgraph/core";
import micromatch from "micromatch";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { shipgraph } from "./helpers/cli.js";
import { exampleDir, exampleRepo } from "./helpers/repo.js";

const workflow = parse(readFileSync(join(exampleDir, ".github/workflows/cd.yml"), "utf8"));

describe("the example's CD workflow", () => {
  it("its on.push.paths filter covers every input of every node (no push is filtered out that should deploy)", async () => {
    const repo = exampleRepo();
    const { graph, snapshot } = await loadGraph({ cwd: repo.dir });
    const filters: string[] = workflow.on.push.paths;
    const uncovered = snapshot.files.filter((file) => {
      const relevant =
        graph.owners.ownersOf(file).length > 0 ||
        graph.owners.isGlobal(file) ||
        file === graph.configFile ||
        ["package.json", "pnpm-workspace.yaml", "pnpm-lock.yaml"].includes(file);
      return relevant && !micromatch.isMatch(file, filters, { dot: true });
    });
    expect(uncovered).toEqual([]);
  });

  it("its path filter also covers every root manifest and buf file shipgraph treats as an input", () => {
    const filters: string[] = workflow.on.push.paths;
    const always = [
      ...ROOT_MANIFEST_FILES.filter(
        (f) =>
          ![
            "package-lock.json",
            "npm-shrinkwrap.json",
            "yarn.lock",
            "bun.lock",
            "bun.lockb",
            ".yarnrc.yml",
          ].includes(f),
      ),
      "buf.yaml",
      "buf.lock",
      "buf.work.yaml",
      "shipgraph.yaml",
    ];
    expect(always.filter((f) => !micromatch.isMatch(f, filters, { dot: true }))).toEqual([]);
  });

  it("diffs from the last successful deploy and moves that marker only when everything succeeded", () => {
    const { plan } = workflow.jobs;
    const base = plan.steps.find((s: { id?: string }) => s.id === "base");
    expect(base.run).toContain("refs/tags/cd-deployed");
    const affected = plan.steps.find((s: { id?: string }) => s.id === "affected");
    expect(affected.run).toContain('args+=(--base "$BASE")');
    const mark = workflow.jobs["mark-deployed"];
    expect(mark.needs).toEqual(["plan", "proto", "images-level-0", "images-level-1"]);
    expect(mark.if).toContain("always()");
    expect(mark.if).toContain("needs.images-level-0.result");
    expect(mark.if).toContain("needs.images-level-1.result");
    expect(mark.permissions).toEqual({ contents: "write" });
    expect(workflow.permissions).toEqual({ contents: "read" });
  });

  it("plan runs shipgraph with --format github; images fan out level by level, only with work, never skipped by a skipped proto", async () => {
    const { plan, proto } = workflow.jobs;
    expect(
      plan.steps.some(
        (s: { run?: string }) => s.run?.includes("affected") && s.run.includes("--format github"),
      ),
    ).toBe(true);
    expect(proto.if).toBe("needs.plan.outputs.needs_proto == 'true'");
    // one job per level of the example's graph, each after the one below it: the services build
    // FROM the base image, so they must not build before (or without) it
    const all = await shipgraph(exampleRepo().dir, ["affected", "--all", "--format", "json"]);
    // (--all: every image is in the matrix)
    const maxImageLevel = Math.max(
      ...all.json<{ matrix: { include: { level: number }[] } }>().matrix.include.map((e) => e.level),
    );
    expect(maxImageLevel).toBe(1);
    const levelJobs = Object.keys(workflow.jobs).filter((name) => name.startsWith("images"));
    expect(levelJobs).toEqual(Array.from({ length: maxImageLevel + 1 }, (_, n) => `images-level-${n}`));
    for (let n = 0; n <= maxImageLevel; n++) {
      const job = workflow.jobs[`images-level-${n}`];
      expect(plan.outputs[`matrix_level_${n}`]).toBe(`\${{ steps.affected.outputs.matrix_level_${n} }}`);
      expect(plan.outputs[`has_work_level_${n}`]).toBe(`\${{ steps.affected.outputs.has_work_level_${n} }}`);
      expect(job.strategy.matrix).toBe(`\${{ fromJSON(needs.plan.outputs.matrix_level_${n}) }}`);
      expect(job.if).toContain("always()");
      expect(job.if).toContain(`needs.plan.outputs.has_work_level_${n} == 'true'`);
      expect(job.needs).toEqual(["plan", "proto", ...(n > 0 ? [`images-level-${n - 1}`] : [])]);
      if (n > 0)
        expect(job.if).toContain(
          `contains(fromJSON('["success", "skipped"]'), needs.images-level-${n - 1}.result)`,
        );
      expect(job.steps[0].if).toBe(
        "needs.plan.outputs.needs_proto == 'true' && needs.proto.result != 'success'",
      );
    }
    expect(workflow.on.push.tags).toEqual(["v*"]);
    expect(workflow.on.workflow_dispatch.inputs.force.options).toEqual(["none", "proto", "images", "all"]);
  });
});
