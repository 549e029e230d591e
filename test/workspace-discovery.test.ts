import { describe, expect, it } from "vitest";
import { shipgraph } from "./helpers/cli.js";
import { gitRepo, type TestRepo } from "./helpers/repo.js";

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

  it("deleting, renaming or moving out a package others depend on affects them (and their images)", async () => {
    const files = {
      "pnpm-workspace.yaml": "packages:\n  - 'packages/*'\n  - 'services/*'\n",
      "packages/a/package.json": JSON.stringify({ name: "@t/a", version: "1.0.0" }),
      "packages/a/index.ts": "export {};\n",
      "services/api/package.json": JSON.stringify({ name: "@t/api", dependencies: { "@t/a": "^1.0.0" } }),
      "services/api/Dockerfile": "FROM node:22\nCOPY . .\n",
      "services/web/package.json": JSON.stringify({ name: "@t/web" }),
      "services/web/Dockerfile": "FROM node:22\nCOPY . .\n",
      "shipgraph.yaml":
        "unowned: ignore\nimages:\n  api:\n    context: services/api\n  web:\n    context: services/web\n",
    };
    const changes: Record<string, (repo: TestRepo) => void> = {
      deleted: (r) => r.remove("packages/a"),
      renamed: (r) =>
        r.write({ "packages/a/package.json": JSON.stringify({ name: "@t/a2", version: "1.0.0" }) }),
      "moved out": (r) => r.git("mv", "packages/a", "legacy-a"),
    };
    for (const [what, change] of Object.entries(changes)) {
      const repo = gitRepo(files);
      repo.git("checkout", "-q", "-b", "change");
      change(repo);
      repo.commit();
      const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
      expect(run.code, run.stderr).toBe(0);
      const report = run.json<{
        affected: { image: string[]; package: string[] };
        reasons: Record<string, { cause: { rule?: string; file?: string; detail?: string } }>;
      }>();
      expect(report.affected.image, what).toEqual(["api"]);
      expect(report.reasons["package:@t/api"]!.cause, what).toMatchObject({
        rule: "dependency-gone",
        file: "packages/a/package.json",
        detail:
          'the workspace package "@t/a" it defined at the merge base is gone; services/api/package.json still lists it in dependencies',
      });
    }
  });

  it("with --files, a deleted package's dependents count: by its name at HEAD, or all packages when that is gone too", async () => {
    const repo = gitRepo({
      "pnpm-workspace.yaml": "packages:\n  - 'packages/*'\n",
      "packages/a/package.json": JSON.stringify({ name: "a" }),
      "packages/a/x.js": "x\n",
      "packages/b/package.json": JSON.stringify({ name: "b", dependencies: { a: "workspace:*" } }),
      "packages/c/package.json": JSON.stringify({ name: "c" }),
      "shipgraph.yaml": "unowned: ignore\n",
    });
    const files = ["affected", "--files", "packages/a/package.json", "packages/a/x.js", "--format", "json"];
    const packages = async () => {
      const run = await shipgraph(repo.dir, files);
      expect(run.code, run.stderr).toBe(0);
      return run.json<{ affected: { package: string[] } }>().affected.package;
    };
    repo.remove("packages/a"); // deleted, not committed: HEAD still names it
    expect(await packages()).toEqual(["b"]);
    repo.commit("delete a"); // committed: nothing says what it was
    expect(await packages()).toEqual(["b", "c"]);
  });

  it("with --files, a package renamed in a commit before HEAD: who pins the old name by workspace: counts", async () => {
    const repo = gitRepo({
      "pnpm-workspace.yaml": "packages:\n  - 'packages/*'\n",
      "packages/a/package.json": JSON.stringify({ name: "a" }),
      "packages/b/package.json": JSON.stringify({ name: "b", dependencies: { a: "workspace:*" } }),
      "packages/c/package.json": JSON.stringify({ name: "c", dependencies: { alias: "workspace:a@*" } }),
      "packages/d/package.json": JSON.stringify({ name: "d", dependencies: { b: "workspace:^" } }),
      "packages/e/package.json": JSON.stringify({ name: "e" }),
      "shipgraph.yaml": "unowned: ignore\n",
    });
    // committed: HEAD already has the new name, so the old one is nowhere --files can look
    repo.write({ "packages/a/package.json": JSON.stringify({ name: "a2" }) }).commit("rename a");
    const run = await shipgraph(repo.dir, [
      "affected",
      "--files",
      "packages/a/package.json",
      "--format",
      "json",
    ]);
    expect(run.code, run.stderr).toBe(0);
    const report = run.json<{
      affected: { package: string[] };
      reasons: Record<string, { cause: { rule?: string; detail?: string } }>;
    }>();
    // b and c (an alias of a) no longer install; d depends on b; e is untouched
    expect(report.affected.package).toEqual(["a2", "b", "c", "d"]);
    expect(report.reasons["package:c"]!.cause).toMatchObject({
      rule: "dependency-gone",
      detail:
        'packages/c/package.json pins "a" in dependencies with "workspace:a@*" and no workspace package has that name (renamed or deleted in a commit --files cannot see)',
    });
  });

  it("a workspace package that is a git submodule is discovered; not checked out, it is an error naming it", async () => {
    const sub = gitRepo({ "package.json": JSON.stringify({ name: "@t/sub" }), "index.js": "1\n" });
    const repo = gitRepo({
      "pnpm-workspace.yaml": "packages:\n  - 'packages/*'\n  - 'services/*'\n",
      "services/api/package.json": JSON.stringify({
        name: "@t/api",
        dependencies: { "@t/sub": "workspace:*" },
      }),
      "services/api/Dockerfile": "FROM node:22\nCOPY . .\n",
      "shipgraph.yaml": "unowned: ignore\nimages:\n  api:\n    context: services/api\n",
    });
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", sub.dir, "packages/sub");
    repo.commit("submodule");
    repo.git("checkout", "-q", "-b", "bump");
    sub.append("index.js", "2\n").commit();
    repo.git("-C", "packages/sub", "-c", "protocol.file.allow=always", "pull", "-q", "origin", "HEAD");
    repo.commit("bump");
    const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
    expect(run.code, run.stderr).toBe(0);
    const report = run.json<{ affected: { image: string[]; package: string[] }; warnings: string[] }>();
    expect(report.affected).toMatchObject({ image: ["api"], package: ["@t/api", "@t/sub"] });
    expect(report.warnings).toEqual([]);
    // a fresh clone without `submodule update --init`: the package cannot be read
    repo.git("submodule", "deinit", "-q", "-f", "packages/sub");
    const unread = await shipgraph(repo.dir, ["affected", "--base", "main"]);
    expect(unread.code).toBe(2);
    expect(unread.stderr).toContain(
      "packages/sub is a git submodule the workspace globs include, and its package.json cannot be read (not checked out)",
    );
  });
});
