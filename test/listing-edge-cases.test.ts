// Where the graph's file listing and the stamps could part from what git itself says: pathspec
// variables in the environment, submodules named by a literal ending in "/", overlapping outputs
// fixed in turn, and library callers of worktreeSnapshot.

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { getAffected } from "../packages/core/src/affected/run.js";
import { runDrift } from "../packages/core/src/drift/index.js";
import { hashFiles } from "../packages/core/src/drift/stamp.js";
import { Git } from "../packages/core/src/git/git.js";
import { graphScope, loadGraph } from "../packages/core/src/load-graph.js";
import { pathSelector, readGitIndex } from "../packages/core/src/repo/git-index.js";
import { type RepoSnapshot, worktreeSnapshot } from "../packages/core/src/repo/snapshot.js";
import { gitRepo, SMALL_CONFIG, smallWorkspace, type TestRepo } from "./helpers/repo.js";

// biome-ignore lint/suspicious/noUndeclaredEnvVars: a git variable these tests set, not a build input
const saved = process.env.GIT_LITERAL_PATHSPECS;
afterEach(() => {
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: as above
  if (saved === undefined) delete process.env.GIT_LITERAL_PATHSPECS;
  else process.env.GIT_LITERAL_PATHSPECS = saved;
});

async function packages(repo: TestRepo): Promise<string[]> {
  const { graph } = await loadGraph({ cwd: repo.dir, scope: "graph" });
  return [...graph.nodes.keys()].filter((id) => id.startsWith("package:")).sort();
}

describe("GIT_LITERAL_PATHSPECS in the environment (magit and some wrappers set it)", () => {
  it("the index reader and the git fallback (split index) find the same workspace packages", async () => {
    const repo = smallWorkspace(SMALL_CONFIG);
    process.env.GIT_LITERAL_PATHSPECS = "1";
    expect(await packages(repo)).toEqual(["package:core", "package:web"]); // index read directly
    repo.git("update-index", "--split-index"); // the reader declines: git ls-files runs
    expect(await packages(repo)).toEqual(["package:core", "package:web"]);
  });

  it("a change in libs/core affects core, web and the web image under the git fallback", async () => {
    const repo = smallWorkspace(SMALL_CONFIG);
    repo.git("checkout", "-q", "-b", "feature");
    repo.append("libs/core/index.ts", "export const more = 2;\n").commit("core change");
    repo.git("update-index", "--split-index");
    process.env.GIT_LITERAL_PATHSPECS = "1";
    const { report } = await getAffected({ cwd: repo.dir, base: "main" });
    expect(report.affected.package).toEqual(["core", "web"]);
    expect(report.affected.image).toEqual(["web"]);
  });

  it("untracked files are listed (--untracked) as without the variable", async () => {
    const repo = smallWorkspace(SMALL_CONFIG);
    repo.write({ "libs/extra/package.json": JSON.stringify({ name: "extra" }) });
    const scope = { fileNames: ["package.json"], extensions: [], literals: ["apps/web"] };
    const without = (await worktreeSnapshot(new Git(repo.dir), { untracked: true, scope })).files;
    expect(without).toContain("libs/extra/package.json");
    process.env.GIT_LITERAL_PATHSPECS = "1";
    const withVariable = (await worktreeSnapshot(new Git(repo.dir), { untracked: true, scope })).files;
    expect(withVariable).toEqual(without);
  });
});

describe("a generator writing into a submodule path through `out: .` under `-o gen`", () => {
  it("the listing scope names the directory, which also selects a submodule (gitlink) at gen", () => {
    const config = {
      global: [],
      protos: {},
      generators: {
        sdk: { template: "buf.gen.yaml", run: "buf generate --template buf.gen.yaml -o gen", inputs: [] },
      },
      packages: {},
      images: {},
      targets: {},
    } as unknown as Parameters<typeof graphScope>[0];
    // `out: .` parsed under the -o directory (parseBufTemplate's outBase)
    const scope = graphScope(config, (_template, outBase) => [outBase]);
    expect(scope?.literals).toEqual(["gen"]);

    const repo = gitRepo({ "x/a": "a\n" });
    repo.git("update-index", "--add", "--cacheinfo", `160000,${repo.head()},gen`);
    const git = execFileSync("git", ["ls-files", "-z", "--", ":(literal)gen/"], {
      cwd: repo.dir,
      encoding: "utf8",
    })
      .split("\0")
      .filter(Boolean);
    expect(git).toEqual(["gen"]);
    const read = readGitIndex(repo.dir, {}, pathSelector({ literals: scope!.literals }))!.map((e) => e.path);
    expect(read).toEqual(git);
  });
});

describe("drift --fix with overlapping outputs that include a workspace manifest", () => {
  function repo(): TestRepo {
    return gitRepo({
      "package.json": JSON.stringify({ name: "root", private: true }),
      "pnpm-workspace.yaml": "packages:\n  - gen\n",
      "shipgraph.yaml":
        'generators:\n  second:\n    run: ["node", "b.mjs"]\n    outputs: ["gen/**"]\n    dependsOn: ["generator:first"]\n  first:\n    run: ["node", "a.mjs"]\n    outputs: ["gen/**"]\n',
      "a.mjs":
        'import { mkdirSync, writeFileSync } from "node:fs";\nmkdirSync("gen", { recursive: true });\nwriteFileSync("gen/package.json", JSON.stringify({ name: "gen", version: "2.0.0" }));\n',
      "b.mjs": 'import { writeFileSync } from "node:fs";\nwriteFileSync("gen/b.txt", "b\\n");\n',
      "gen/package.json": JSON.stringify({ name: "gen", version: "1.0.0" }),
      "gen/b.txt": "b\n",
    });
  }
  const statuses = (report: Awaited<ReturnType<typeof runDrift>>) =>
    report.generators.map((g) => [g.name, g.status, g.fixed ?? false]);

  it("the second generator compares against the file the first one's fix wrote", async () => {
    expect(statuses(await runDrift({ cwd: repo().dir, fix: true }))).toEqual([
      ["first", "drift", true],
      ["second", "clean", false],
    ]);
  });

  it("the same when git lists the files (split index)", async () => {
    const split = repo();
    split.git("update-index", "--split-index");
    expect(statuses(await runDrift({ cwd: split.dir, fix: true }))).toEqual([
      ["first", "drift", true],
      ["second", "clean", false],
    ]);
  });
});

describe("a sparse checkout (files outside its patterns are tracked but not in the working tree)", () => {
  /** core changes on a branch; then the checkout leaves apps/web (the dependent image) out. */
  function sparseRepo(): TestRepo {
    const repo = smallWorkspace(SMALL_CONFIG);
    repo.git("checkout", "-q", "-b", "change");
    repo.append("libs/core/index.ts", "// changed\n");
    repo.commit("change");
    repo.git("sparse-checkout", "set", "--no-cone", "/*", "!/apps/web/");
    expect(existsSync(join(repo.dir, "apps/web/package.json"))).toBe(false);
    return repo;
  }
  const affected = async (repo: TestRepo) =>
    (await getAffected({ cwd: repo.dir, base: "main" })).report.affected;

  it("reads the left-out files from the index: the same answer as a full checkout", async () => {
    const repo = sparseRepo();
    expect(await affected(repo)).toMatchObject({ image: ["web"], package: ["core", "web"] });
    // a file at a left-out path in the working tree is not the tracked one
    repo.write({ "apps/web/package.json": JSON.stringify({ name: "impostor" }) });
    expect(await affected(repo)).toMatchObject({ image: ["web"], package: ["core", "web"] });
  });

  it("the same when git lists the files (split index)", async () => {
    const repo = sparseRepo();
    repo.git("update-index", "--split-index");
    expect(await affected(repo)).toMatchObject({ image: ["web"], package: ["core", "web"] });
  });

  /** base changes on a branch; child (FROM base; its Dockerfile a link to a shared one) is left out. */
  function imagesRepo(): TestRepo {
    const repo = gitRepo({
      "shipgraph.yaml":
        "images:\n  base:\n    context: base\n    ref: ghcr.io/acme/base\n  child:\n    context: apps/child\n",
      "base/Dockerfile": "FROM alpine\nCOPY x /x\n",
      "base/x": "x\n",
      "docker/child.Dockerfile": "FROM ghcr.io/acme/base:1\nCOPY app.js /app.js\n",
      "apps/child/app.js": "a\n",
    });
    symlinkSync("../../docker/child.Dockerfile", join(repo.dir, "apps/child/Dockerfile"));
    repo.commit("link");
    repo.git("checkout", "-q", "-b", "change");
    repo.append("base/x", "y\n").commit();
    return repo;
  }

  for (const [what, patterns] of [
    ["the image", ["/*", "!/apps/child/"]],
    ["the image and its linked Dockerfile", ["/*", "!/apps/child/", "!/docker/"]],
    ["the linked Dockerfile (the link stays, dangling)", ["/*", "!/docker/"]],
  ] as const) {
    it(`files no listing covers (a Dockerfile, through a link) are read from the index: ${what} left out`, async () => {
      const repo = imagesRepo();
      const full = await getAffected({ cwd: repo.dir, base: "main" });
      repo.git("sparse-checkout", "set", "--no-cone", ...patterns);
      expect(existsSync(join(repo.dir, "apps/child/app.js"))).toBe(
        !(patterns as readonly string[]).includes("!/apps/child/"),
      );
      const sparse = await getAffected({ cwd: repo.dir, base: "main" });
      expect(sparse.report.affected.image).toEqual(["base", "child"]);
      expect(sparse.report.matrix).toEqual(full.report.matrix);
      expect(sparse.report.warnings).toEqual([]);
      // a change to the shared Dockerfile alone reaches the image through the link
      repo.git("sparse-checkout", "disable");
      repo.git("checkout", "-q", "-B", "only-dockerfile", "main");
      repo.append("docker/child.Dockerfile", "RUN true\n").commit();
      repo.git("sparse-checkout", "set", "--no-cone", ...patterns);
      const alone = await getAffected({ cwd: repo.dir, base: "main" });
      expect(alone.report.affected.image).toEqual(["child"]);
    });
  }
});

describe("library callers", () => {
  it("worktreeSnapshot still takes git pathspecs as its scope", async () => {
    const repo = gitRepo({ "a/package.json": "{}", "b/x.txt": "x" });
    await expect(
      worktreeSnapshot(new Git(repo.dir), { scope: [":(glob)**/package.json"] }),
    ).resolves.toMatchObject({ files: ["a/package.json"] });
  });

  it("hashFiles hashes the same bytes as one update per entry, across its ~1 MB chunks", async () => {
    const ids = new Map<string, string>();
    for (let i = 0; i < 6000; i++)
      ids.set(`dir/${String(i).padStart(5, "0")}/${"é".repeat(200)}.ts`, `${i}`.padStart(40, "0"));
    const snapshot = {
      blobIds: async (paths: readonly string[]) => new Map(paths.map((p) => [p, ids.get(p)!])),
    };
    const reference = createHash("sha256");
    for (const [path, id] of [...ids].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      reference.update(path).update("\0").update(id).update("\n");
    }
    expect(await hashFiles(snapshot as unknown as RepoSnapshot, [...ids.keys()].reverse())).toBe(
      `sha256-${reference.digest("hex")}`,
    );
  });
});
