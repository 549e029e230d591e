import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { shipgraph, shipgraphBin } from "./helpers/cli.js";
import { exampleRepo, gitRepo, SMALL_CONFIG, smallWorkspace, type TestRepo } from "./helpers/repo.js";

interface Report {
  needs: { proto: boolean; images: boolean };
  mode: string;
  modeReason: string;
  changedFiles: number;
  affected: Record<string, string[]>;
  matrix: { include: { image: string }[] };
  reasons: Record<string, { cause: Record<string, string>; chain: string[] }>;
  unownedFiles: string[];
}

const NOTHING = { generator: [], image: [], package: [], proto: [], target: [] };

async function affected(repo: TestRepo, ...args: string[]): Promise<Report> {
  const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json", ...args]);
  if (run.code !== 0) throw new Error(`exit ${run.code}: ${run.stderr}`);
  return run.json<Report>();
}

describe("file names", () => {
  it("handles spaces, quotes, unicode and a newline in changed paths", async () => {
    const repo = exampleRepo();
    const names = [
      "packages/logger/src/with space.ts",
      "packages/logger/src/quote\"d'.ts",
      "packages/logger/src/ünïcødé-日本.ts",
      "packages/logger/src/new\nline.ts",
      "notes/odd name\nwith newline.md",
    ];
    repo.write(Object.fromEntries(names.map((n) => [n, "x\n"]))).commit("odd names");
    const report = await affected(repo);
    expect(report.changedFiles).toBe(5);
    expect(report.affected.package).toEqual([
      "@acme/api",
      "@acme/auth",
      "@acme/billing",
      "@acme/logger",
      "@acme/orders",
    ]);
    expect(report.unownedFiles).toEqual(["notes/odd name\nwith newline.md"]);
    expect(report.reasons["package:@acme/logger"]!.cause.file).toBe("packages/logger/src/new\nline.ts");
  });

  it("reads --files from stdin, NUL-separated, so any name passes through", async () => {
    const repo = exampleRepo();
    const run = await shipgraph(repo.dir, ["affected", "--files", "-", "--format", "json"], {
      stdin: "services/billing/src/a\nb.ts\0README.md\0",
    });
    expect(run.code).toBe(0);
    const report = run.json<Report>();
    expect(report.changedFiles).toBe(2);
    expect(report.affected).toEqual({ ...NOTHING, image: ["billing"], package: ["@acme/billing"] });
    expect(report.unownedFiles).toEqual(["README.md"]);
  });
});

describe("input from git and from users", () => {
  it("--files - decodes git's quoted names (git diff --name-only | shipgraph affected --files -)", async () => {
    const repo = exampleRepo();
    repo.write({ 'services/billing/src/café "x".ts': "export {};\n" }).commit();
    const names = repo.git("diff", "--name-only", "main...HEAD");
    expect(names).toBe('"services/billing/src/caf\\303\\251 \\"x\\".ts"\n');
    const run = await shipgraph(repo.dir, ["affected", "--files", "-", "--format", "json"], { stdin: names });
    expect(run.json<Report>().affected.image).toEqual(["billing"]);
    expect(run.json<Report>().unownedFiles).toEqual([]);
  });

  it("--files given several paths in one argument (a space-separated list, quoted) is a usage error", async () => {
    const repo = exampleRepo();
    const run = await shipgraph(repo.dir, ["affected", "--files", "README.md services/billing/src/index.ts"]);
    expect([run.code, run.stderr]).toEqual([
      2,
      expect.stringContaining(
        'error[USAGE]: --files "README.md services/billing/src/index.ts": no such file, but each of its 2 words is one: several paths in one argument?',
      ),
    ]);
    // a list that names a deleted file too: not every word exists
    repo.git("rm", "-q", "services/billing/src/index.ts");
    repo.commit("delete");
    for (const [files, counted] of [
      ["README.md services/orders/src/index.ts services/billing/src/index.ts", "2 of its 3 words are files"],
      ["services/orders/src/index.ts services/billing/src/gone.ts", "1 of its 2 words is a file"],
    ]) {
      const run = await shipgraph(repo.dir, ["affected", "--files", files!]);
      expect([run.code, run.stderr]).toEqual([
        2,
        expect.stringContaining(`no such file, but ${counted}: several paths in one argument?`),
      ]);
    }
    // a file whose name has a space, and a deleted one, are paths like any other
    repo.write({ "services/billing/src/a b.ts": "export {};\n" }).commit();
    const spaced = await shipgraph(repo.dir, [
      "affected",
      "--files",
      "services/billing/src/a b.ts",
      "--format",
      "json",
    ]);
    expect(spaced.json<Report>().affected.image).toEqual(["billing"]);
    const gone = await shipgraph(repo.dir, [
      "affected",
      "--files",
      "services/billing/src/gone x.ts",
      "--format",
      "json",
    ]);
    expect(gone.json<Report>().affected.image).toEqual(["billing"]);
  });

  it("--files with --base, and --uncommitted with --head, are usage errors (exit 2)", async () => {
    const repo = exampleRepo();
    const files = await shipgraph(repo.dir, ["affected", "--files", "a.ts", "--base", "nope"]);
    expect(files.code).toBe(2);
    expect(files.stderr).toContain("error[USAGE]: --files replaces the git diff");
    const head = await shipgraph(repo.dir, ["affected", "--base", "main", "--head", "main", "--uncommitted"]);
    expect(head.code).toBe(2);
    expect(head.stderr).toContain("error[USAGE]");
  });

  it("a head that is an ancestor of the base is an error, not an empty diff", async () => {
    const repo = exampleRepo();
    repo.append("services/billing/src/index.ts", "// x\n").commit();
    const run = await shipgraph(repo.dir, ["affected", "--base", "feature", "--head", "main"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("error[EMPTY_RANGE]");
    expect(run.stderr).toContain("pull_request_target");
  });
});

describe("root manifests and lockfiles", () => {
  it("a root manifest changed only in form (whitespace, key order, YAML comments, descriptive fields) affects nothing", async () => {
    const repo = exampleRepo();
    const manifest = JSON.parse(repo.git("show", "HEAD:package.json")) as Record<string, unknown>;
    const { name, ...rest } = manifest;
    repo
      .write({
        "package.json": `${JSON.stringify({ ...rest, name, description: "the acme monorepo" }, null, 4)}\n`,
        "pnpm-workspace.yaml": `# the workspace\n${repo.git("show", "HEAD:pnpm-workspace.yaml")}`,
      })
      .commit("form only");
    const report = await affected(repo);
    expect(report.affected).toEqual(NOTHING);
    expect(report.unownedFiles).toEqual([]);
    // scalars are compared as written (pnpm's catalog range 18.0 is not 18); a YAML tag counts
    const yaml = repo.git("show", "HEAD:pnpm-workspace.yaml");
    repo.write({ "pnpm-workspace.yaml": `${yaml}catalog:\n  react: 18.0\n` }).commit();
    repo.git("branch", "-f", "main", "HEAD");
    repo.write({ "pnpm-workspace.yaml": `${yaml}catalog:\n  react: 18\n` }).commit();
    expect((await affected(repo)).affected.package).toHaveLength(7);
    repo.write({ "pnpm-workspace.yaml": `${yaml}catalog: !!omap [{ react: 18 }]\n` }).commit();
    expect((await affected(repo)).affected.package).toHaveLength(7);
    repo.git("branch", "-f", "main", "HEAD");
    // a script is not form: the root's scripts may run in any build
    repo
      .write({ "package.json": `${JSON.stringify({ ...manifest, scripts: { build: "x" } }, null, 2)}\n` })
      .commit();
    expect((await affected(repo)).affected.package).toHaveLength(7);
  });

  it("a root lockfile that knows none of the packages counts every package, image and generator as changed", async () => {
    const repo = exampleRepo();
    repo.write({ "pnpm-lock.yaml": "lockfileVersion: '9.0'\n" }).commit("lock");
    repo.git("branch", "-f", "main", "HEAD");
    repo.write({ "pnpm-lock.yaml": "lockfileVersion: '9.0'\n# bump\n" }).commit("bump");
    const report = await affected(repo);
    expect(report.affected).toEqual({
      ...NOTHING,
      // buf and the protoc plugins are installed from the root manifests too
      generator: ["routes", "ts-sdk"],
      target: ["docs-site"],
      image: ["api", "billing", "orders"],
      package: [
        "@acme/api",
        "@acme/auth",
        "@acme/billing",
        "@acme/logger",
        "@acme/orders",
        "@acme/routes",
        "@acme/sdk",
      ],
    });
    // "unknown" cannot prove "unchanged": the lockfile lists no importer at either commit
    expect(report.reasons["package:@acme/sdk"]!.cause).toMatchObject({
      kind: "file",
      rule: "lockfile",
      file: "pnpm-lock.yaml",
    });
    expect(report.unownedFiles).toEqual([]);
  });

  it("a plugin bump in the root package.json makes the generators affected", async () => {
    const repo = exampleRepo();
    repo.write({
      "package.json": repo
        .git("show", "HEAD:package.json")
        .replace('"@bufbuild/protoc-gen-es": "2.17.0"', '"@bufbuild/protoc-gen-es": "2.18.0"'),
    });
    repo.commit("bump protoc-gen-es");
    const report = await affected(repo);
    expect(report.affected.generator).toEqual(["routes", "ts-sdk"]);
    expect(report.needs.proto).toBe(true);
  });

  it("the root package.json and the workspace file count too", async () => {
    const edits = {
      "package.json": (text: string) => text.replace("pnpm@9.15.9", "pnpm@9.15.0"),
      "pnpm-workspace.yaml": (text: string) => `${text}onlyBuiltDependencies:\n  - esbuild\n`,
    };
    for (const [file, edit] of Object.entries(edits)) {
      const repo = exampleRepo();
      repo.write({ [file]: edit(repo.git("show", `HEAD:${file}`)) }).commit();
      const report = await affected(repo);
      expect(report.affected.package).toHaveLength(7);
      expect(report.affected.image).toEqual(["api", "billing", "orders"]);
    }
  });
});

describe("unowned files", () => {
  it("unowned: all makes an unowned file affect everything, and says which file", async () => {
    const repo = smallWorkspace(`unowned: all\n${SMALL_CONFIG}`);
    repo.git("checkout", "-q", "-b", "f");
    repo.write({ Makefile: "all:\n" }).commit();
    const report = await affected(repo);
    expect(report.affected).toEqual({ ...NOTHING, image: ["web"], package: ["core", "web"] });
    expect(report.unownedFiles).toEqual(["Makefile"]);
    expect(report.reasons["image:web"]!.cause).toEqual({
      kind: "file",
      rule: "unowned-all",
      file: "Makefile",
    });
  });

  it("unowned: error fails with exit 2 naming the files", async () => {
    const repo = smallWorkspace(`unowned: error\n${SMALL_CONFIG}`);
    repo.git("checkout", "-q", "-b", "f");
    repo.write({ Makefile: "all:\n", "libs/core/index.ts": "export const core = 2;\n" }).commit();
    const run = shipgraphBin(repo.dir, ["affected", "--base", "main", "--format", "json"]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("error[UNOWNED_FILES]");
    expect(run.stderr).toContain('"Makefile"');
    expect(run.stderr).toContain("unowned: error");
  });

  it("unowned: ignore (the default) lists the file and affects nothing", async () => {
    const repo = smallWorkspace(SMALL_CONFIG);
    repo.git("checkout", "-q", "-b", "f");
    repo.write({ Makefile: "all:\n" }).commit();
    const report = await affected(repo);
    expect(report.affected).toEqual(NOTHING);
    expect(report.unownedFiles).toEqual(["Makefile"]);
  });
});

describe("config changes", () => {
  it("an edit of one image's entry affects that image and its dependents only", async () => {
    const repo = exampleRepo();
    const edited = repo
      .git("show", "HEAD:shipgraph.yaml")
      .replace(
        '    matrix: { platform: "linux/amd64,linux/arm64" }',
        '    matrix: { platform: "linux/amd64" }',
      );
    expect(edited).not.toBe(repo.git("show", "HEAD:shipgraph.yaml"));
    repo.write({ "shipgraph.yaml": edited }).commit("config");
    const report = await affected(repo);
    // every service builds FROM the base image (read from their Dockerfiles)
    expect(report.affected).toEqual({ ...NOTHING, image: ["api", "base", "billing", "orders"] });
    expect(report.reasons["image:base"]!.cause).toEqual({
      kind: "config",
      file: "shipgraph.yaml",
      detail: "images.base changed",
    });
    expect(report.reasons["image:api"]!.chain).toEqual(["image:base", "image:api"]);
  });

  it("comments and formatting in the config affect nothing", async () => {
    const repo = exampleRepo();
    repo.append("shipgraph.yaml", "\n# a comment\n").commit();
    const report = await affected(repo);
    expect(report.affected).toEqual(NOTHING);
    expect(report.unownedFiles).toEqual([]);
  });

  it("an added node is affected", async () => {
    const repo = exampleRepo();
    repo.append("shipgraph.yaml", '  docs-pdf:\n    inputs: ["docs/site/**"]\n').commit();
    const report = await affected(repo);
    expect(report.affected).toEqual({ ...NOTHING, target: ["docs-pdf"] });
  });

  it("when the base's config cannot be read, everything is affected with the reason", async () => {
    const repo = smallWorkspace("images: [not, a, map]\n");
    repo.git("checkout", "-q", "-b", "f");
    repo.write({ "shipgraph.yaml": SMALL_CONFIG }).commit();
    const report = await affected(repo);
    expect(report.affected).toEqual({ ...NOTHING, image: ["web"], package: ["core", "web"] });
    const cause = report.reasons["image:web"]!.cause;
    expect(cause.kind).toBe("config");
    expect(cause.detail).toMatch(/^the base's shipgraph.yaml cannot be read/);
  });
});

describe("images", () => {
  it("adding or deleting a <Dockerfile>.dockerignore outside the context affects the image", async () => {
    const repo = smallWorkspace(
      "images:\n  web:\n    context: apps/web\n    dockerfile: docker/web.Dockerfile\n",
      {
        "docker/web.Dockerfile": "FROM node:22\n",
        "docker/web.Dockerfile.dockerignore": "*.md\n",
      },
    );
    repo.git("checkout", "-q", "-b", "f");
    repo.git("rm", "-q", "docker/web.Dockerfile.dockerignore");
    repo.commit("drop ignore file");
    expect((await affected(repo)).affected.image).toEqual(["web"]);
  });
});

describe("bad config exits 2 naming the file, the key and a fix", () => {
  it("an unknown key, with its line and a suggestion", async () => {
    const repo = smallWorkspace("images:\n  web:\n    context: apps/web\n    dependson: []\n");
    const run = shipgraphBin(repo.dir, ["affected", "--all"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("error[CONFIG_INVALID]");
    expect(run.stderr).toContain(
      'shipgraph.yaml:4: images.web.dependson: unknown key "dependson" (did you mean "dependsOn"?)',
    );
    // the suggestion once, not again as the hint
    expect(run.stderr.split("did you mean").length).toBe(2);
  });

  it("a generator command that is neither a string nor a list says what it must be", async () => {
    const repo = smallWorkspace('generators:\n  g:\n    run: 42\n    outputs: ["gen/**"]\n');
    const run = shipgraphBin(repo.dir, ["affected", "--all"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'shipgraph.yaml:3: generators.g.run: expected a command line ("buf generate --template x.yaml") or a list of words',
    );
  });

  it("a dangling reference, with a suggestion", async () => {
    const repo = smallWorkspace(
      'images:\n  web:\n    context: apps/web\n    dependsOn: ["package:cor"]\n  "web.v2":\n    context: apps/web\n    dependsOn:\n      - image:web\n      - image:wbe\n',
    );
    const run = shipgraphBin(repo.dir, ["affected", "--all"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("error[CONFIG_REFERENCE]");
    // each with the line of the entry (a name with a dot quoted in the key path)
    expect(run.stderr).toContain(
      'shipgraph.yaml:4 images.web.dependsOn[0]: "package:cor" is not a node (did you mean "package:core"?)',
    );
    expect(run.stderr).toContain(
      'shipgraph.yaml:9 images["web.v2"].dependsOn[1]: "image:wbe" is not a node (did you mean "image:web"?)',
    );
  });

  it("a dependency cycle, naming the cycle and where each edge is declared", async () => {
    const repo = smallWorkspace(
      'images:\n  web:\n    context: apps/web\n    dependsOn: ["image:worker"]\n  worker:\n    context: apps/web\n    dependsOn: ["image:web"]\n',
    );
    const run = shipgraphBin(repo.dir, ["affected", "--all"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      "error[GRAPH_CYCLE]: dependency cycle: image:web → image:worker → image:web (declared in shipgraph.yaml:4 images.web.dependsOn[0]; shipgraph.yaml:7 images.worker.dependsOn[0])",
    );
  });

  it("a YAML syntax error, with its line", async () => {
    const repo = smallWorkspace("images:\n  web:\n    context: [apps/web\n");
    const run = await shipgraph(repo.dir, ["affected", "--all"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/error\[CONFIG_PARSE\]: shipgraph.yaml:\d+: /);
  });

  it("a missing --config file names what it looked for", async () => {
    const repo = gitRepo({ "a.txt": "a" });
    const run = await shipgraph(repo.dir, ["affected", "--all", "--config", "shipgraph.yaml"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("error[CONFIG_NOT_FOUND]");
    expect(run.stderr).toContain("shipgraph.yaml");
  });

  it("an unparseable package.json fails loudly instead of dropping the package", async () => {
    const repo = smallWorkspace(SMALL_CONFIG, { "libs/core/package.json": "{ name: core" });
    const run = await shipgraph(repo.dir, ["affected", "--all"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("error[MANIFEST_INVALID]: libs/core/package.json: cannot parse");
  });

  it("a glob that matches nothing is a warning, not an error", async () => {
    const repo = smallWorkspace(`global: ["tools/nothing/**"]\n${SMALL_CONFIG}`);
    const run = await shipgraph(repo.dir, ["affected", "--all", "--format", "json"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      'warning: shipgraph.yaml global[0]: "tools/nothing/**" matches no tracked file',
    );
    expect(run.json<{ warnings: string[] }>().warnings).toEqual([
      'shipgraph.yaml global[0]: "tools/nothing/**" matches no tracked file',
    ]);
  });
});

describe("config paths that hold nothing", () => {
  const config = [
    "protos:",
    "  core: { path: protos }",
    "images:",
    "  web:",
    "    context: apps/web",
    "    additionalContexts: { shared: sharedd, out: build/out }",
    '    buildArgsFrom: ["deploy.evn", "apps/web/.env"]',
    "",
  ].join("\n");
  const expected = [
    'shipgraph.yaml images.web.additionalContexts.shared: "sharedd" holds no tracked file: no change there can affect anything',
    'shipgraph.yaml images.web.buildArgsFrom[0]: "deploy.evn" is not a tracked file (nor in the working tree): no change there can affect anything',
    'shipgraph.yaml protos.core.path: "protos" holds no tracked file: no change there can affect anything',
  ];
  const warned = (warnings: string[]) => warnings.filter((w) => w.includes("no change there"));

  it("are warnings naming the key: a misspelt path owns nothing, so its changes would affect nothing", async () => {
    const repo = smallWorkspace(config, {
      "proto/a.proto": 'syntax = "proto3";\n',
      "apps/web/.env": "A=1\n",
    });
    // a later commit, for reading the graph from a commit (--head) below
    const first = repo.git("rev-parse", "HEAD").trim();
    repo.write({ "apps/web/extra.txt": "x" }).commit();
    repo.git("checkout", "-q", "--detach", first);
    // untracked build output is something: a build may copy it
    repo.write({ "build/out/x.js": "x" });
    const run = await shipgraph(repo.dir, ["affected", "--all", "--format", "json"]);
    expect(run.code).toBe(0);
    expect(warned(run.json<{ warnings: string[] }>().warnings).sort()).toEqual(expected);
    expect(run.stderr).toContain(`warning: ${expected[2]}`);
    // the graph read from a commit: the same, where the working tree's untracked files are not
    const atCommit = await shipgraph(repo.dir, [
      "affected",
      "--base",
      first,
      "--head",
      "main",
      "--format",
      "json",
    ]);
    expect(atCommit.code).toBe(0);
    expect(warned(atCommit.json<{ warnings: string[] }>().warnings).sort()).toEqual([
      'shipgraph.yaml images.web.additionalContexts.out: "build/out" holds no tracked file: no change there can affect anything',
      ...expected,
    ]);
  });

  it("a path a sparse checkout leaves out of the working tree is not empty", async () => {
    const repo = smallWorkspace(config.replace("path: protos", "path: proto"), {
      "proto/a.proto": 'syntax = "proto3";\n',
      "sharedd/x.txt": "x",
      "build/out/x.js": "x",
      "deploy.evn": "A=1\n",
      "apps/web/.env": "A=1\n",
    });
    repo.git("sparse-checkout", "set", "--no-cone", "/apps/", "/libs/", "/*.yaml", "/*.json");
    const run = await shipgraph(repo.dir, ["affected", "--all", "--format", "json"]);
    expect(run.code).toBe(0);
    expect(warned(run.json<{ warnings: string[] }>().warnings)).toEqual([]);
  });
});

describe("config file formats", () => {
  it("reads shipgraph.json and shipgraph.config.mjs", async () => {
    const json = smallWorkspace("", {});
    json
      .remove("shipgraph.yaml")
      .write({ "shipgraph.json": JSON.stringify({ images: { web: { context: "apps/web" } } }) });
    json.commit("json config");
    const fromJson = await shipgraph(json.dir, ["affected", "--all", "--format", "json"]);
    expect(fromJson.json<Report>().affected.image).toEqual(["web"]);

    const mjs = smallWorkspace("", {});
    mjs.remove("shipgraph.yaml").write({
      "shipgraph.config.mjs":
        'export default { images: { web: { context: "apps/web", matrix: { arch: "arm64" } } } };\n',
    });
    mjs.commit("mjs config");
    const fromMjs = await shipgraph(mjs.dir, ["affected", "--all", "--format", "json"]);
    expect(fromMjs.json<Report>().matrix.include).toEqual([
      { image: "web", context: "apps/web", dockerfile: "apps/web/Dockerfile", arch: "arm64", level: 0 },
    ]);
  });

  it("a matrix entry carries the build args and named contexts the Dockerfile was analysed with", async () => {
    const repo = smallWorkspace(
      "images:\n  web:\n    context: apps/web\n    buildArgs: { NODE: '22', APP: web }\n    additionalContexts: { shared: libs/core, assets: apps/web }\n  plain: { context: libs/core, dockerfile: apps/web/Dockerfile }\n",
    );
    const run = await shipgraph(repo.dir, ["affected", "--all", "--format", "json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json<Report>().matrix.include).toEqual([
      { image: "plain", context: "libs/core", dockerfile: "apps/web/Dockerfile", level: 0 },
      {
        image: "web",
        context: "apps/web",
        dockerfile: "apps/web/Dockerfile",
        level: 0,
        build_args: "APP=web\nNODE=22",
        build_contexts: "assets=apps/web\nshared=libs/core",
      },
    ]);
    const reserved = await shipgraph(
      smallWorkspace("images:\n  web: { context: apps/web, matrix: { build_args: x } }\n").dir,
      ["affected", "--all"],
    );
    expect(reserved.code).toBe(2);
    expect(reserved.stderr).toContain("images.web.matrix.build_args: is reserved");
  });

  it("a matrix number that does not read back as written is an error; quoted, it reaches the matrix as written", async () => {
    const yaml = smallWorkspace(
      "images:\n  web:\n    context: apps/web\n    matrix: { node: 20.10, replicas: 3, arch: 0x1F }\n",
    );
    const refused = await shipgraph(yaml.dir, ["affected", "--all", "--format", "json"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'shipgraph.yaml:4: images.web.matrix.node: 20.10 reads as the number 20.1, which the CI matrix would get: quote it ("20.10") to keep it as written',
    );
    expect(refused.stderr).toContain("images.web.matrix.arch: 0x1F reads as the number 31");
    expect(refused.stderr).not.toContain("replicas");

    const json = smallWorkspace("", {});
    json.remove("shipgraph.yaml").write({
      "shipgraph.json": '{"images": {"web": {"context": "apps/web", "matrix": {"go": 1.20}}}}\n',
    });
    json.commit("json config");
    const fromJson = await shipgraph(json.dir, ["affected", "--all", "--format", "json"]);
    expect([fromJson.code, fromJson.stderr]).toEqual([
      2,
      expect.stringContaining("shipgraph.json:1: images.web.matrix.go: 1.20 reads as the number 1.2"),
    ]);

    const quoted = smallWorkspace(
      'images:\n  web:\n    context: apps/web\n    matrix: { node: "20.10", replicas: 3, ratio: 0.5 }\n',
    );
    const run = await shipgraph(quoted.dir, ["affected", "--all", "--format", "json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json<Report>().matrix.include).toEqual([
      {
        image: "web",
        context: "apps/web",
        dockerfile: "apps/web/Dockerfile",
        node: "20.10",
        ratio: 0.5,
        replicas: 3,
        level: 0,
      },
    ]);
  });

  it("compares a .ts config with the base's version without writing to the working tree", async () => {
    const repo = smallWorkspace("", {});
    const ts = (platform: string) =>
      `import type {} from "node:fs";\nconst platform: string = ${JSON.stringify(platform)};\nexport default { images: { web: { context: "apps/web", matrix: { platform } } } };\n`;
    repo
      .remove("shipgraph.yaml")
      .write({ "shipgraph.config.ts": ts("amd64") })
      .commit("ts config");
    repo.git("checkout", "-q", "-b", "f");
    repo.write({ "shipgraph.config.ts": ts("arm64") }).commit("arm");
    const report = await affected(repo);
    expect(report.affected).toEqual({ ...NOTHING, image: ["web"] });
    expect(report.reasons["image:web"]!.cause.detail).toBe("images.web changed");
    expect(repo.git("status", "--porcelain", "--untracked-files=all")).toBe("");
  });
  it("a config that declares nothing, or is not one file, is an error naming it (exit 2)", async () => {
    const cases: [Record<string, string>, string[], string][] = [
      [
        { "shipgraph.yaml": "# nothing yet\n" },
        [],
        "error[CONFIG_INVALID]: shipgraph.yaml is empty: it declares nothing",
      ],
      [
        { "shipgraph.config.ts": "export const config = { images: {} };\n" },
        [],
        "error[CONFIG_INVALID]: shipgraph.config.ts: the module has no default export",
      ],
      [
        { "shipgraph.config.ts": 'const config = { images: { web: { context: "apps/web" } } };\n' },
        [],
        "error[CONFIG_INVALID]: shipgraph.config.ts: the module has no default export",
      ],
      [
        { "shipgraph.config.mjs": 'export const images = { web: { context: "apps/web" } };\n' },
        [],
        "error[CONFIG_INVALID]: shipgraph.config.mjs: the module has no default export",
      ],
      [
        { "shipgraph.yaml": "images:\n  web: { context: apps/web, target: prod, matrix: { target: x } }\n" },
        [],
        'images.web.matrix.target: the matrix entry\'s target is images.web.target ("prod"): remove one of them',
      ],
      [
        { "shipgraph.config.ts": "export default null;\n" },
        [],
        "error[CONFIG_INVALID]: shipgraph.config.ts: the default export is null, not a config object",
      ],
      [
        { "shipgraph.json": '{"images":{"web":{"context":"apps/web"}}}\n' },
        [],
        "error[CONFIG_INVALID]: several shipgraph configs at the repository root: shipgraph.yaml, shipgraph.json",
      ],
      [
        { "conf/x.txt": "x" },
        ["--config", "conf"],
        "error[CONFIG_NOT_FOUND]: config file conf is a directory",
      ],
      [
        { "shipgraph.json": '{\n  "images": {},\n  // web\n  "unowned": "all"\n}\n' },
        ["--config", "shipgraph.json"],
        "error[CONFIG_PARSE]: shipgraph.json:3: invalid JSON",
      ],
      [
        { "shipgraph.yaml": "images:\n  web: { context: apps/web, matrix: { level: 3 } }\n" },
        [],
        'images.web.matrix.level: is reserved: "image", "context", "dockerfile", "level", "build_args", "build_contexts" are set by shipgraph',
      ],
      [
        { "shipgraph.yaml": 'generators:\n  g: { run: [""], outputs: ["gen/**"] }\n' },
        [],
        "generators.g.run",
      ],
    ];
    for (const [files, args, message] of cases) {
      const repo = smallWorkspace(SMALL_CONFIG);
      if (!("shipgraph.json" in files)) repo.remove("shipgraph.yaml");
      repo.write(files).commit();
      const run = await shipgraph(repo.dir, ["affected", "--all", ...args]);
      expect([run.code, run.stderr]).toEqual([2, expect.stringContaining(message)]);
    }
    // a config that is a link to a file not there (an untracked one: the tracked case is a deleted
    // config) is unreadable, not absent: no inferred graph in its place
    const linked = smallWorkspace(SMALL_CONFIG);
    linked.remove("shipgraph.yaml").commit("config elsewhere");
    symlinkSync("../platform/shipgraph.yaml", join(linked.dir, "shipgraph.yaml"));
    const dangling = await shipgraph(linked.dir, ["affected", "--all"]);
    expect([dangling.code, dangling.stderr]).toEqual([
      2,
      expect.stringContaining(
        "error[CONFIG_INVALID]: shipgraph.yaml is a symbolic link to ../platform/shipgraph.yaml, which does not exist",
      ),
    ]);
  });
});

describe("module configs that import other files", () => {
  it("a change to an imported helper affects everything, with the reason", async () => {
    const repo = smallWorkspace("", {});
    repo.remove("shipgraph.yaml").write({
      "shipgraph.config.mjs":
        'import { platform } from "./ci/platform.mjs";\nexport default { images: { web: { context: "apps/web", matrix: { platform } } } };\n',
      "ci/platform.mjs": 'export const platform = "linux/amd64";\n',
    });
    repo.commit("module config");
    repo.git("checkout", "-q", "-b", "f");
    repo.write({ "ci/platform.mjs": 'export const platform = "linux/arm64";\n' }).commit();
    const report = await affected(repo);
    expect(report.affected).toEqual({ ...NOTHING, image: ["web"], package: ["core", "web"] });
    expect(report.reasons["image:web"]!.cause.detail).toContain("imports other files (ci/platform.mjs)");
    expect(report.unownedFiles).toEqual([]);
  });
});

describe("working-tree changes", () => {
  it("--uncommitted and --untracked add changes that are not committed", async () => {
    const repo = exampleRepo();
    repo.append("services/billing/src/index.ts", "// staged later\n");
    repo.write({ "services/orders/src/new.ts": "export {};\n" });
    expect((await affected(repo)).affected).toEqual(NOTHING);
    expect((await affected(repo, "--uncommitted")).affected.image).toEqual(["billing"]);
    expect((await affected(repo, "--uncommitted", "--untracked")).affected.image).toEqual([
      "billing",
      "orders",
    ]);
  });
});
