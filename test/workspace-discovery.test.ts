import { describe, expect, it } from "vitest";
import { shipgraph } from "./helpers/cli.js";
import { gitRepo } from "./helpers/repo.js";

describe("workspace packages", () => {
  it("extglob and brace workspace globs find their packages", async () => {
    for (const glob of ["packages/@(lib|app)", "{packages/lib,packages/app}", "packages/!(legacy)"]) {
      const repo = gitRepo({
        "pnpm-workspace.yaml": `packages:\n  - '${glob}'\n`,
        "packages/lib/package.json": JSON.stringify({ name: "lib" }),
        "packages/lib/index.ts": "export {};\n",
        "packages/app/package.json": JSON.stringify({ name: "app", dependencies: { lib: "workspace:*" } }),
        "packages/legacy/package.json": JSON.stringify({ name: "legacy" }),
        "shipgraph.yaml": "unowned: ignore\n",
      });
      repo.git("checkout", "-q", "-b", "change");
      repo.append("packages/lib/index.ts", "// x\n").commit();
      const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.json<{ affected: { package: string[] } }>().affected.package, glob).toEqual(["app", "lib"]);
    }
  });

  it("only tracked packages count: an ignored scratch copy on disk is neither a package nor a name clash", async () => {
    const repo = gitRepo({
      ".gitignore": "packages/scratch/\n",
      "pnpm-workspace.yaml": "packages:\n  - 'packages/*'\n",
      "packages/lib/package.json": JSON.stringify({ name: "lib" }),
      "packages/lib/index.ts": "export {};\n",
      "shipgraph.yaml": "unowned: ignore\n",
    });
    repo.write({ "packages/scratch/package.json": JSON.stringify({ name: "lib" }) });
    repo.git("checkout", "-q", "-b", "change");
    repo.append("packages/lib/index.ts", "// x\n").commit();
    const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json<{ affected: { package: string[] } }>().affected.package).toEqual(["lib"]);
  });

  it('a pnpm workspace alias (`"alias": "workspace:real@*"`) depends on the real package', async () => {
    const repo = gitRepo({
      "pnpm-workspace.yaml": "packages:\n  - 'packages/*'\n",
      "packages/b/package.json": JSON.stringify({ name: "@s/b" }),
      "packages/b/index.ts": "export {};\n",
      "packages/a/package.json": JSON.stringify({
        name: "a",
        dependencies: { "alias-b": "workspace:@s/b@*" },
      }),
      "packages/c/package.json": JSON.stringify({ name: "c", dependencies: { "@s/b": "npm:@s/b@^1" } }),
      "shipgraph.yaml": "unowned: ignore\n",
    });
    repo.git("checkout", "-q", "-b", "change");
    repo.append("packages/b/index.ts", "// x\n").commit();
    const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
    expect(run.code, run.stderr).toBe(0);
    const report = run.json<{ affected: { package: string[] }; warnings: string[] }>();
    // c installs @s/b from the registry (npm: alias): not the workspace package
    expect(report.affected.package).toEqual(["@s/b", "a"]);
    expect(report.warnings).toEqual([]);
  });
});
