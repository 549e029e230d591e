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
    // c's npm: alias names @s/b: pnpm links the workspace package unless linking is off (below)
    expect(report.affected.package).toEqual(["@s/b", "a", "c"]);
    expect(report.warnings).toEqual([]);
  });

  it("an npm: alias naming a workspace package depends on it while pnpm may link it (pnpm-lock: `version: link:../b`)", async () => {
    const files = {
      "pnpm-workspace.yaml": "packages:\n  - 'packages/*'\n",
      "packages/b/package.json": JSON.stringify({ name: "b", version: "1.0.0" }),
      "packages/b/index.ts": "export {};\n",
      "packages/a/package.json": JSON.stringify({ name: "a", dependencies: { x: "npm:b@^1.0.0" } }),
      "packages/c/package.json": JSON.stringify({ name: "c", dependencies: { b: "npm:b@^1.0.0" } }),
      // an alias of another registry package under a workspace package's name is not that package
      "packages/d/package.json": JSON.stringify({ name: "d", dependencies: { b: "npm:left-pad@^1" } }),
      "shipgraph.yaml": "unowned: ignore\n",
    };
    for (const [npmrc, expected] of [
      ["link-workspace-packages=true\n", ["a", "b", "c"]],
      ["", ["a", "b", "c"]], // pnpm 9's default is off, but ~/.npmrc or pnpm 8 may turn it on
      ["link-workspace-packages = false\n", ["b"]],
    ] as const) {
      const repo = gitRepo({ ...files, ".npmrc": npmrc });
      repo.git("checkout", "-q", "-b", "change");
      repo.append("packages/b/index.ts", "// x\n").commit();
      const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.json<{ affected: { package: string[] } }>().affected.package, npmrc).toEqual(expected);
    }
  });

  it("pnpm's link-workspace-packages=deep: a package with an outside dependency may install any workspace package (warned)", async () => {
    const repo = gitRepo({
      "pnpm-workspace.yaml": "packages:\n  - packages/*\n",
      ".npmrc": "link-workspace-packages=deep\n",
      // micromatch depends on picomatch, which pnpm then links to the workspace's picomatch
      "packages/a/package.json": JSON.stringify({ name: "a", dependencies: { micromatch: "^4.0.8" } }),
      "packages/pm/package.json": JSON.stringify({ name: "picomatch", version: "2.3.2" }),
      "packages/pm/index.js": "1\n",
      "packages/c/package.json": JSON.stringify({ name: "c", dependencies: { e: "workspace:*" } }),
      "packages/e/package.json": JSON.stringify({ name: "e" }),
      "shipgraph.yaml": "unowned: ignore\n",
    });
    repo.git("checkout", "-q", "-b", "change");
    repo.append("packages/pm/index.js", "2\n").commit();
    const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
    expect(run.code, run.stderr).toBe(0);
    const report = run.json<{ affected: { package: string[] }; warnings: string[] }>();
    expect(report.affected.package).toEqual(["a", "picomatch"]);
    expect(report.warnings.join("\n")).toContain("link-workspace-packages=deep");
  });

  it('a package depending on the pnpm workspace root (`"root": "workspace:*"`, linked as ../..) reads every file', async () => {
    const repo = gitRepo({
      "package.json": JSON.stringify({ name: "root", version: "1.0.0", private: true }),
      "index.js": "1\n",
      "pnpm-workspace.yaml": "packages:\n  - packages/*\n",
      "packages/a/package.json": JSON.stringify({ name: "a", dependencies: { root: "workspace:*" } }),
      "packages/b/package.json": JSON.stringify({ name: "b" }),
      "shipgraph.yaml": "unowned: ignore\n",
    });
    repo.git("checkout", "-q", "-b", "change");
    repo.append("index.js", "2\n").commit();
    const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
    expect(run.code, run.stderr).toBe(0);
    const report = run.json<{ affected: { package: string[] }; warnings: string[] }>();
    expect(report.affected.package).toEqual(["a"]);
    expect(report.warnings).toEqual([]);
  });

  it("a pnpm package.yaml / package.json5 manifest, which shipgraph does not read, is a warning naming it", async () => {
    const repo = gitRepo({
      "pnpm-workspace.yaml": "packages:\n  - packages/*\n",
      "packages/y/package.yaml": "name: y\nversion: 1.0.0\n",
      "packages/y/index.js": "1\n",
      "packages/j/package.json5": "{name: 'j'}\n",
      // beside a package.json, the package.json is the manifest (pnpm reads it first)
      "packages/a/package.json": JSON.stringify({ name: "a" }),
      "packages/a/package.yaml": "name: a\n",
      "shipgraph.yaml": "unowned: ignore\n",
    });
    repo.git("checkout", "-q", "-b", "change");
    repo.append("packages/y/index.js", "2\n").commit();
    const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
    expect(run.code, run.stderr).toBe(0);
    const report = run.json<{ warnings: string[] }>();
    expect(report.warnings.filter((w) => w.includes("reads only package.json"))).toEqual([
      expect.stringMatching(/^packages\/j\/package\.json5: pnpm reads it/),
      expect.stringMatching(/^packages\/y\/package\.yaml: pnpm reads it/),
    ]);
  });

  it("a yarn `workspace:` path is read from the project root (`workspace:./packages/b` from packages/a)", async () => {
    const repo = gitRepo({
      "package.json": JSON.stringify({ private: true, workspaces: ["packages/*"] }),
      ".yarnrc.yml": "nodeLinker: node-modules\n",
      "packages/b/package.json": JSON.stringify({ name: "b", version: "1.0.0" }),
      "packages/b/index.js": "1\n",
      "packages/a/package.json": JSON.stringify({ name: "a", dependencies: { b: "workspace:./packages/b" } }),
      "packages/c/package.json": JSON.stringify({ name: "c", dependencies: { b: "workspace:packages/b" } }),
      // pnpm's reading, from the package's directory, still counts
      "packages/d/package.json": JSON.stringify({ name: "d", dependencies: { b: "workspace:../b" } }),
      "packages/e/package.json": JSON.stringify({ name: "e" }),
      "shipgraph.yaml": "unowned: ignore\n",
    });
    repo.git("checkout", "-q", "-b", "change");
    repo.append("packages/b/index.js", "2\n").commit();
    const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
    expect(run.code, run.stderr).toBe(0);
    const report = run.json<{ affected: { package: string[] }; warnings: string[] }>();
    expect(report.affected.package).toEqual(["a", "b", "c", "d"]);
    expect(report.warnings).toEqual([]);
  });

  it("an override installing a workspace package or a local path: who declares the name depends on it, who has outside dependencies may install it", async () => {
    const pkgs = {
      "packages/b/package.json": JSON.stringify({ name: "b", version: "1.0.0" }),
      "packages/b/index.js": "1\n",
      "vendor/zz/index.js": "1\n",
      "packages/a/package.json": JSON.stringify({ name: "a", dependencies: { zz: "^1.0.0" } }),
      "packages/c/package.json": JSON.stringify({ name: "c", dependencies: { "left-pad": "^1.0.0" } }),
      "packages/d/package.json": JSON.stringify({ name: "d", dependencies: { b: "workspace:*" } }),
      "packages/e/package.json": JSON.stringify({ name: "e" }),
      "shipgraph.yaml": "unowned: ignore\n",
    };
    const variants: [string, Record<string, string>][] = [
      [
        "pnpm.overrides",
        { "package.json": JSON.stringify({ pnpm: { overrides: { "zz@1": "link:packages/b" } } }) },
      ],
      [
        "pnpm-workspace.yaml",
        { "pnpm-workspace.yaml": "packages:\n  - packages/*\noverrides:\n  zz: link:./packages/b\n" },
      ],
      [
        "npm overrides",
        {
          "package.json": JSON.stringify({
            workspaces: ["packages/*"],
            overrides: { zz: "file:./packages/b" },
          }),
        },
      ],
      [
        "npm $ref",
        {
          "package.json": JSON.stringify({
            workspaces: ["packages/*"],
            devDependencies: { zz: "file:packages/b" },
            overrides: { foo: { zz: "$zz" } },
          }),
        },
      ],
      [
        "yarn resolutions",
        {
          "package.json": JSON.stringify({
            workspaces: ["packages/*"],
            resolutions: { "**/zz": "portal:./packages/b" },
          }),
        },
      ],
      [
        "pnpm workspace:",
        { "package.json": JSON.stringify({ pnpm: { overrides: { "foo>zz": "workspace:b@*" } } }) },
      ],
    ];
    for (const [variant, root] of variants) {
      const repo = gitRepo({ "pnpm-workspace.yaml": "packages:\n  - packages/*\n", ...pkgs, ...root });
      if (root["package.json"]?.includes("workspaces")) repo.remove("pnpm-workspace.yaml").commit();
      repo.git("checkout", "-q", "-b", "change");
      repo.append("packages/b/index.js", "2\n").commit();
      const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
      expect(run.code, run.stderr).toBe(0);
      // a declares zz (installed as b); c may install zz through left-pad; d depends on b; e has nothing
      expect(run.json<{ affected: { package: string[] } }>().affected.package, variant).toEqual([
        "a",
        "b",
        "c",
        "d",
      ]);
    }
    // a local directory: its files are an input of a and c
    const repo = gitRepo({
      "pnpm-workspace.yaml": "packages:\n  - packages/*\n",
      ...pkgs,
      "package.json": JSON.stringify({ pnpm: { overrides: { zz: "link:vendor/zz" } } }),
    });
    repo.git("checkout", "-q", "-b", "change");
    repo.append("vendor/zz/index.js", "2\n").commit();
    const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json<{ affected: { package: string[] } }>().affected.package).toEqual(["a", "c"]);
  });

  it("an override installing a workspace package brings what it depends on to whoever may install it", async () => {
    const repo = gitRepo({
      "pnpm-workspace.yaml": "packages:\n  - packages/*\n",
      "package.json": JSON.stringify({ name: "root", pnpm: { overrides: { zz: "workspace:b@*" } } }),
      "packages/b/package.json": JSON.stringify({
        name: "b",
        version: "1.0.0",
        dependencies: { c: "workspace:*" },
      }),
      "packages/c/package.json": JSON.stringify({ name: "c", version: "1.0.0" }),
      "packages/c/index.js": "1\n",
      "packages/a/package.json": JSON.stringify({ name: "a", dependencies: { zz: "^1.0.0" } }),
      // x may install zz (= b, which installs c) through left-pad
      "packages/x/package.json": JSON.stringify({ name: "x", dependencies: { "left-pad": "^1.0.0" } }),
      "packages/e/package.json": JSON.stringify({ name: "e" }),
      "shipgraph.yaml": "unowned: ignore\n",
    });
    repo.git("checkout", "-q", "-b", "change");
    repo.append("packages/c/index.js", "2\n").commit();
    const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json<{ affected: { package: string[] } }>().affected.package).toEqual(["a", "b", "c", "x"]);
  });

  it("a .pnpmfile.cjs readPackage hook: the links pnpm-lock.yaml records count; without a lockfile every file counts, with a warning", async () => {
    const files = {
      "pnpm-workspace.yaml": "packages:\n  - packages/*\n",
      ".pnpmfile.cjs":
        "module.exports = { hooks: { readPackage(p) { if (p.name === 'a') p.dependencies = { ...p.dependencies, b: 'workspace:*' }; return p; } } };\n",
      "packages/a/package.json": JSON.stringify({ name: "a" }),
      "packages/b/package.json": JSON.stringify({ name: "b" }),
      "packages/b/index.js": "1\n",
      "packages/c/package.json": JSON.stringify({ name: "c" }),
      "shipgraph.yaml": "unowned: ignore\n",
    };
    const lock =
      "lockfileVersion: '9.0'\n\nimporters:\n\n  .: {}\n\n  packages/a:\n    dependencies:\n      b:\n        specifier: workspace:*\n        version: link:../b\n\n  packages/b: {}\n\n  packages/c: {}\n";
    for (const [lockfile, expected] of [
      [lock, ["a", "b"]],
      [undefined, ["a", "b", "c"]],
    ] as const) {
      const repo = gitRepo({ ...files, ...(lockfile ? { "pnpm-lock.yaml": lockfile } : {}) });
      repo.git("checkout", "-q", "-b", "change");
      repo.append("packages/b/index.js", "2\n").commit();
      const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
      expect(run.code, run.stderr).toBe(0);
      const report = run.json<{ affected: { package: string[] }; warnings: string[] }>();
      expect(report.affected.package, String(lockfile !== undefined)).toEqual(expected);
      expect(
        report.warnings.some((w) => w.includes("readPackage")),
        String(lockfile !== undefined),
      ).toBe(lockfile === undefined);
    }
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

describe("local-path dependencies (file:, link:, portal:, a bare path)", () => {
  interface Report {
    affected: { image: string[]; package: string[] };
    reasons: Record<string, { cause: { rule?: string; file?: string; detail?: string }; chain: string[] }>;
    unownedFiles: string[];
    warnings: string[];
  }

  async function affectedBy(repo: TestRepo, change: (r: TestRepo) => void): Promise<Report> {
    repo.git("checkout", "-q", "-b", "change");
    change(repo);
    repo.commit();
    const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
    expect(run.code, run.stderr).toBe(0);
    return run.json<Report>();
  }

  it("a change in a directory a package installs from a local path affects it, its dependents and its image", async () => {
    const repo = gitRepo({
      "package.json": JSON.stringify({ name: "root", private: true }),
      "pnpm-workspace.yaml": "packages:\n  - 'packages/*'\n",
      "packages/a/package.json": JSON.stringify({
        name: "@x/a",
        dependencies: { foo: "file:../../vendor/foo" },
      }),
      "packages/a/index.js": 'require("foo");\n',
      "packages/a/Dockerfile": "FROM node:22\nCOPY . .\n",
      "packages/c/package.json": JSON.stringify({ name: "@x/c", dependencies: { "@x/a": "workspace:*" } }),
      "packages/d/package.json": JSON.stringify({ name: "@x/d" }),
      "vendor/foo/package.json": JSON.stringify({ name: "foo", main: "index.js" }),
      "vendor/foo/index.js": "module.exports = 1;\n",
      "shipgraph.yaml": "images:\n  a:\n    context: packages/a\n",
    });
    const report = await affectedBy(repo, (r) => r.write({ "vendor/foo/index.js": "module.exports = 2;\n" }));
    expect(report.affected).toMatchObject({ package: ["@x/a", "@x/c"], image: ["a"] });
    expect(report.unownedFiles).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(report.reasons["package:@x/a"]).toEqual({
      cause: {
        kind: "file",
        rule: "local-dependency",
        file: "vendor/foo/index.js",
        detail: "packages/a/package.json dependencies.foo: file:../../vendor/foo",
      },
      chain: ["package:@x/a"],
    });
    // the image is built from the package's directory: a dependency's change reaches it
    expect(report.reasons["image:a"]!.chain).toEqual(["package:@x/a", "image:a"]);
  });

  it("every local spec counts: pnpm link:, an npm file: tarball, yarn portal:, a bare path, pnpm workspace:<path>", async () => {
    const cases = [
      { manager: "pnpm", spec: "link:../../vendor/foo", changed: "vendor/foo/index.js" },
      { manager: "npm", spec: "file:../../vendor/foo-1.0.0.tgz", changed: "vendor/foo-1.0.0.tgz" },
      { manager: "yarn", spec: "portal:../../vendor/foo", changed: "vendor/foo/index.js" },
      { manager: "npm", spec: "../../vendor/foo", changed: "vendor/foo/index.js" },
      { manager: "pnpm", spec: "workspace:../../vendor/foo", changed: "vendor/foo/index.js" },
    ];
    for (const { manager, spec, changed } of cases) {
      const repo = gitRepo({
        ...(manager === "pnpm"
          ? {
              "package.json": JSON.stringify({ name: "root", private: true }),
              "pnpm-workspace.yaml": "packages:\n  - 'packages/*'\n",
            }
          : { "package.json": JSON.stringify({ name: "root", private: true, workspaces: ["packages/*"] }) }),
        "packages/a/package.json": JSON.stringify({ name: "a", devDependencies: { foo: spec } }),
        "packages/b/package.json": JSON.stringify({ name: "b" }),
        "vendor/foo/package.json": JSON.stringify({ name: "foo" }),
        "vendor/foo/index.js": "1\n",
        "vendor/foo-1.0.0.tgz": "tarball 1\n",
        "shipgraph.yaml": "packages: {}\n",
      });
      const report = await affectedBy(repo, (r) => r.write({ [changed]: "2\n" }));
      expect(report.affected.package, spec).toEqual(["a"]);
      expect(report.reasons["package:a"]!.cause.detail, spec).toBe(
        `packages/a/package.json devDependencies.foo: ${spec}`,
      );
      expect(report.unownedFiles, spec).toEqual([]);
    }
  });

  it("a local path on a workspace package's directory depends on that package, whatever the name; a matching name elsewhere does not", async () => {
    const repo = gitRepo({
      "pnpm-workspace.yaml": "packages:\n  - 'packages/*'\n",
      "packages/a/package.json": JSON.stringify({
        name: "a",
        dependencies: { bee: "file:../b", c: "file:../../vendor/c" },
      }),
      "packages/b/package.json": JSON.stringify({ name: "b" }),
      "packages/b/index.js": "1\n",
      "packages/c/package.json": JSON.stringify({ name: "c" }),
      "packages/c/index.js": "1\n",
      "vendor/c/package.json": JSON.stringify({ name: "c" }),
      "shipgraph.yaml": "unowned: ignore\n",
    });
    const report = await affectedBy(repo, (r) =>
      r.append("packages/b/index.js", "2\n").append("packages/c/index.js", "2\n"),
    );
    // a installs b (as "bee"), and its "c" from vendor/c, not the workspace package c
    expect(report.affected.package).toEqual(["a", "b", "c"]);
    expect(report.reasons["package:a"]!.chain).toEqual(["package:b", "package:a"]);
  });

  it("a local dependency's own local dependencies count, and a cycle between them ends", async () => {
    const repo = gitRepo({
      "pnpm-workspace.yaml": "packages:\n  - 'packages/*'\n",
      "packages/a/package.json": JSON.stringify({
        name: "a",
        dependencies: { foo: "file:../../vendor/foo" },
      }),
      "packages/b/package.json": JSON.stringify({ name: "b" }),
      "vendor/foo/package.json": JSON.stringify({ name: "foo", dependencies: { bar: "file:../bar" } }),
      "vendor/bar/package.json": JSON.stringify({ name: "bar", dependencies: { foo: "file:../foo" } }),
      "vendor/bar/index.js": "1\n",
      "shipgraph.yaml": "packages: {}\n",
    });
    const report = await affectedBy(repo, (r) => r.append("vendor/bar/index.js", "2\n"));
    expect(report.affected.package).toEqual(["a"]);
    expect(report.reasons["package:a"]!.cause).toMatchObject({
      rule: "local-dependency",
      detail:
        "packages/a/package.json dependencies.foo: file:../../vendor/foo → vendor/foo/package.json dependencies.bar: file:../bar",
    });
  });

  it("a local path outside the repository is a warning naming the manifest and key", async () => {
    const repo = gitRepo({
      "pnpm-workspace.yaml": "packages:\n  - 'packages/*'\n",
      "packages/a/package.json": JSON.stringify({
        name: "a",
        dependencies: { ext: "file:../../../sibling-repo/ext", abs: "link:/opt/lib" },
      }),
      "packages/a/index.js": "1\n",
      "shipgraph.yaml": "packages: {}\n",
    });
    const report = await affectedBy(repo, (r) => r.append("packages/a/index.js", "2\n"));
    expect(report.warnings).toEqual([
      'packages/a/package.json: dependencies.abs uses "link:/opt/lib", an absolute path: shipgraph cannot see a change there, so none affects anything',
      'packages/a/package.json: dependencies.ext uses "file:../../../sibling-repo/ext", a path outside the repository: shipgraph cannot see a change there, so none affects anything',
    ]);
  });

  it("what the root installs from a local path reaches the packages that declare it by name; a note names the rest", async () => {
    const repo = gitRepo({
      "package.json": JSON.stringify({
        name: "root",
        private: true,
        dependencies: { foo: "file:vendor/foo" },
      }),
      "pnpm-workspace.yaml": "packages:\n  - 'packages/*'\n",
      // npm and yarn resolve a's range to the root's copy (hoisted); b does not declare foo
      "packages/a/package.json": JSON.stringify({ name: "a", dependencies: { foo: "^1.0.0" } }),
      "packages/b/package.json": JSON.stringify({ name: "b" }),
      "packages/c/package.json": JSON.stringify({ name: "c", dependencies: { a: "workspace:*" } }),
      "vendor/foo/package.json": JSON.stringify({ name: "foo", version: "1.0.0" }),
      "vendor/foo/index.js": "module.exports = 1;\n",
      "shipgraph.yaml": "unowned: ignore\n",
    });
    const run = async () => {
      const out = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
      expect(out.code, out.stderr).toBe(0);
      return out.json<Report & { notes: string[] }>();
    };
    const report = await affectedBy(repo, (r) => r.write({ "vendor/foo/index.js": "module.exports = 2;\n" }));
    expect(report.affected.package).toEqual(["a", "c"]);
    expect(report.reasons["package:a"]!.cause).toEqual({
      kind: "file",
      rule: "local-dependency",
      file: "vendor/foo/index.js",
      detail:
        "packages/a/package.json dependencies.foo: ^1.0.0, installed at the root by package.json dependencies.foo: file:vendor/foo",
    });
    const notes = (await run()).notes;
    expect(notes).toEqual([
      expect.stringMatching(
        /^vendor\/foo\/index\.js changed in what the root installs from a local path \(package\.json dependencies\.foo: file:vendor\/foo\).*"vendor\/foo\/\*\*" under `global`/,
      ),
    ]);
    // a change elsewhere: no note
    repo.git("checkout", "-q", "-b", "only-b", "main");
    repo.write({ "packages/b/x.js": "1\n" }).commit("b");
    expect((await run()).notes).toEqual([]);
  });

  it("a package the config declares by path follows its package.json's local paths", async () => {
    const repo = gitRepo({
      "package.json": JSON.stringify({ name: "root", private: true }),
      "pnpm-workspace.yaml": "packages:\n  - 'packages/*'\n",
      "packages/a/package.json": JSON.stringify({ name: "a" }),
      "packages/a/index.js": "1\n",
      "packages/b/package.json": JSON.stringify({ name: "b" }),
      "packages/b/index.js": "1\n",
      "tools/package.json": JSON.stringify({
        name: "tools",
        dependencies: { bar: "file:../vendor/bar", a: "file:../packages/a" },
      }),
      "vendor/bar/index.js": "1\n",
      "shipgraph.yaml": "unowned: ignore\npackages:\n  tools: { path: tools }\n",
    });
    const report = await affectedBy(repo, (r) =>
      r.write({ "vendor/bar/index.js": "2\n", "packages/a/index.js": "2\n", "packages/b/index.js": "2\n" }),
    );
    expect(report.affected.package).toEqual(["a", "b", "tools"]);
    expect(report.reasons["package:tools"]!.cause).toMatchObject({
      rule: "local-dependency",
      file: "vendor/bar/index.js",
      detail: "tools/package.json dependencies.bar: file:../vendor/bar",
    });
    // a workspace package at a local path: a dependency edge
    repo.git("checkout", "-q", "-b", "only-a", "main");
    repo.write({ "packages/a/index.js": "3\n" }).commit("a");
    const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
    expect(run.code, run.stderr).toBe(0);
    const onlyA = run.json<Report>();
    expect(onlyA.affected.package).toEqual(["a", "tools"]);
    expect(onlyA.reasons["package:tools"]!.chain).toEqual(["package:a", "package:tools"]);
  });

  it("pnpm-lock.yaml narrowing keeps a change in what a local dependency resolves (and only there)", async () => {
    const lock = (padVersion: string) =>
      [
        "lockfileVersion: '9.0'",
        "",
        "importers:",
        "",
        "  .: {}",
        "",
        "  packages/a:",
        "    dependencies:",
        "      foo:",
        "        specifier: file:../../vendor/foo",
        "        version: file:vendor/foo",
        "",
        "  packages/b:",
        "    dependencies:",
        "      left-pad:",
        "        specifier: ^1.3.0",
        "        version: 1.3.0",
        "",
        "packages:",
        "",
        "  foo@file:vendor/foo:",
        "    resolution: {directory: vendor/foo, type: directory}",
        "",
        "  left-pad@1.3.0:",
        "    resolution: {integrity: sha512-one}",
        "",
        ...(padVersion === "1.3.0"
          ? []
          : [`  left-pad@${padVersion}:`, `    resolution: {integrity: sha512-${padVersion}}`, ""]),
        "snapshots:",
        "",
        "  foo@file:vendor/foo:",
        "    dependencies:",
        `      left-pad: ${padVersion}`,
        "",
        "  left-pad@1.3.0: {}",
        "",
        ...(padVersion === "1.3.0" ? [] : [`  left-pad@${padVersion}: {}`, ""]),
      ].join("\n");
    const repo = gitRepo({
      "package.json": JSON.stringify({ name: "root", private: true }),
      "pnpm-workspace.yaml": "packages:\n  - 'packages/*'\n",
      "pnpm-lock.yaml": lock("1.3.0"),
      "packages/a/package.json": JSON.stringify({
        name: "a",
        dependencies: { foo: "file:../../vendor/foo" },
      }),
      "packages/b/package.json": JSON.stringify({ name: "b", dependencies: { "left-pad": "^1.3.0" } }),
      "vendor/foo/package.json": JSON.stringify({ name: "foo", dependencies: { "left-pad": "^1.3.0" } }),
      "shipgraph.yaml": "packages: {}\n",
    });
    const report = await affectedBy(repo, (r) => r.write({ "pnpm-lock.yaml": lock("1.3.1") }));
    expect(report.affected.package).toEqual(["a"]);
    expect(report.reasons["package:a"]!.cause).toMatchObject({ rule: "lockfile", file: "pnpm-lock.yaml" });
  });
});
