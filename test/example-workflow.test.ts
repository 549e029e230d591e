import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadGraph, ROOT_MANIFEST_FILES } from "@shipgraph/core";
import micromatch from "micromatch";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
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
    expect(mark.needs).toEqual(["plan", "proto", "images"]);
    expect(mark.if).toContain("always()");
    expect(mark.if).toContain("needs.images.result");
    expect(mark.permissions).toEqual({ contents: "write" });
    expect(workflow.permissions).toEqual({ contents: "read" });
  });

  it("plan runs shipgraph with --format github; images fan out only with has_work and never skip on a skipped proto", () => {
    const { plan, proto, images } = workflow.jobs;
    expect(
      plan.steps.some(
        (s: { run?: string }) => s.run?.includes("affected") && s.run.includes("--format github"),
      ),
    ).toBe(true);
    expect(proto.if).toBe("needs.plan.outputs.needs_proto == 'true'");
    expect(images.if).toContain("always()");
    expect(images.if).toContain("needs.plan.outputs.has_work == 'true'");
    expect(images.strategy.matrix).toBe("${{ fromJSON(needs.plan.outputs.matrix) }}");
    expect(images.steps[0].if).toBe(
      "needs.plan.outputs.needs_proto == 'true' && needs.proto.result != 'success'",
    );
    expect(workflow.on.push.tags).toEqual(["v*"]);
    expect(workflow.on.workflow_dispatch.inputs.force.options).toEqual(["none", "proto", "images", "all"]);
  });
});
