import { existsSync, lstatSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { shipgraph } from "./helpers/cli.js";
import { exampleRepo, gitRepo, type TestRepo, tempDir } from "./helpers/repo.js";

/** A workflow with one job whose one step runs `run` (a strategy matrix `matrix`, if given). */
function runStepWorkflow(run: string, matrix?: string): string {
  return [
    "on: push",
    "jobs:",
    "  b:",
    "    runs-on: ubuntu-latest",
    ...(matrix ? [`    strategy: { matrix: ${matrix} }`] : []),
    "    steps:",
    `      - run: ${run}`,
    "",
  ].join("\n");
}

interface Report {
  needs: { proto: boolean; images: boolean };
  affected: Record<string, string[]>;
  matrix: { include: { image: string; context: string; dockerfile: string; level: number }[] };
  protoFiles: string[];
}

async function affected(repo: TestRepo, ...args: string[]): Promise<{ report: Report; stderr: string }> {
  const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json", ...args]);
  if (run.code !== 0) throw new Error(`exit ${run.code}: ${run.stderr}`);
  return { report: run.json<Report>(), stderr: run.stderr };
}

/** The hand-written config names the generators after their use; init names them after the template. */
const GENERATOR_BY_TEMPLATE: Record<string, string> = { "ts-sdk": "ts", routes: "routes" };

/** What both configs can answer: init cannot know the hand-written `targets` or `global`, nor the names it chose. */
function answers(report: Report) {
  return {
    needs: report.needs,
    images: report.affected.image,
    packages: report.affected.package,
    generators: report.affected.generator!.map((g) => GENERATOR_BY_TEMPLATE[g] ?? g).sort(),
    protoModules: report.affected.proto!.length,
    matrix: report.matrix.include.map(({ image, context, dockerfile, level }) => ({
      image,
      context,
      dockerfile,
      level,
    })),
    protoFiles: report.protoFiles,
  };
}

/** The changes of the end-to-end suite (affected-example.test.ts), as edits on the feature branch. */
const SCENARIOS: [string, (repo: TestRepo) => void, string[]?][] = [
  ["a service-only change", (r) => r.append("services/billing/src/index.ts", "export const version = 2;\n")],
  [
    "a shared library change",
    (r) => r.append("packages/logger/src/index.ts", "export const level = 'info';\n"),
  ],
  [
    "a leaf proto change",
    (r) => r.append("proto/acme/users/v1/users.proto", "\nmessage Note {\n  string t = 1;\n}\n"),
  ],
  ["a widely imported proto change", (r) => r.append("proto/acme/common/v1/ids.proto", "\n// ids\n")],
  ["a template change", (r) => r.append("buf.gen.routes.yaml", "# tweak\n")],
  ["a local plugin change", (r) => r.append("plugins/protoc-gen-routes/index.mjs", "// faster\n")],
  ["a deleted file", (r) => r.remove("services/orders/src/index.ts")],
  ["a file the .dockerignore excludes", (r) => r.append("services/api/README.md", "More docs.\n")],
  ["a context package manifest", (r) => r.append("services/api/package.json", "\n")],
  ["the base image's Dockerfile", (r) => r.append("images/base/Dockerfile", "ENV TZ=UTC\n")],
  ["a generated file", (r) => r.append("packages/sdk/src/gen/acme/users/v1/users_pb.ts", "// edited\n")],
  ["an unrelated file", (r) => r.append("README.md", "More docs.\n")],
  ["a global file (a script the CD workflow runs)", (r) => r.append("tools/ci/deploy.sh", "# retry\n")],
  [
    "a rename across two packages",
    (r) => r.git("mv", "services/billing/src/index.ts", "packages/auth/src/billing.ts"),
  ],
  [
    "a proto change, conservatively",
    (r) => r.append("proto/acme/common/v1/ids.proto", "\n// ids\n"),
    ["--conservative"],
  ],
  [
    "a root manifest change",
    (r) =>
      r.write({
        "package.json": readFileSync(join(r.dir, "package.json"), "utf8").replace(
          "pnpm@9.15.9",
          "pnpm@9.15.0",
        ),
      }),
  ],
];

describe("shipgraph init on the example monorepo", () => {
  it("writes a config whose affected answers equal the hand-written config's on every end-to-end scenario", async () => {
    const hand = exampleRepo();
    const inferred = exampleRepo();
    inferred.remove("shipgraph.yaml");
    const init = await shipgraph(inferred.dir, ["init"]);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stderr).toContain("ts: template buf.gen.ts.yaml, out packages/sdk/src/gen");
    expect(init.stderr).toContain("base: context images/base, images/base/Dockerfile, ref ghcr.io/acme/base");
    // nothing is left out: what deserves a look is not called a gap
    expect(init.stderr).not.toContain("could not infer");
    expect(init.stderr).toContain("to check (3; inferred, but worth a look):\n  .github/workflows/cd.yml:");
    inferred.commit("init");
    inferred.git("branch", "-f", "main", "HEAD");
    hand.git("branch", "-f", "main", "HEAD");
    for (const [name, edit, args = []] of SCENARIOS) {
      for (const repo of [hand, inferred]) {
        repo.git("checkout", "-q", "-B", "scenario", "main");
        edit(repo);
        repo.commit(name);
      }
      const [a, b] = await Promise.all([affected(hand, ...args), affected(inferred, ...args)]);
      expect(answers(b.report), name).toEqual(answers(a.report));
    }
  });

  it("never overwrites a config without --force; --dry-run writes nothing", async () => {
    const repo = exampleRepo();
    const before = readFileSync(join(repo.dir, "shipgraph.yaml"), "utf8");
    const refused = await shipgraph(repo.dir, ["init"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("shipgraph.yaml already exists");
    expect(readFileSync(join(repo.dir, "shipgraph.yaml"), "utf8")).toBe(before);
    const dry = await shipgraph(repo.dir, ["init", "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("template: buf.gen.ts.yaml");
    expect(readFileSync(join(repo.dir, "shipgraph.yaml"), "utf8")).toBe(before);
    const forced = await shipgraph(repo.dir, ["init", "--force"]);
    expect(forced.code).toBe(0);
    expect(readFileSync(join(repo.dir, "shipgraph.yaml"), "utf8")).toBe(dry.stdout);
  });

  it("without any config, affected runs on the inferred graph and says so on stderr", async () => {
    const repo = exampleRepo();
    repo.remove("shipgraph.yaml").commit("no config");
    repo.git("branch", "-f", "main", "HEAD");
    repo.append("services/billing/src/index.ts", "export const v = 3;\n").commit();
    const { report, stderr } = await affected(repo);
    expect(stderr).toContain("no shipgraph config at the repository root: using the graph inferred");
    expect(report.affected.image).toEqual(["billing"]);
    expect(report.affected.package).toEqual(["@acme/billing"]);
  });
});

describe("shipgraph init finds images in bake, compose and workflow files", () => {
  it("every image with its context, Dockerfile, target and extra contexts", async () => {
    const repo = gitRepo({
      "docker-bake.hcl": [
        'variable "TAG" { default = "dev" }',
        'target "worker" {',
        '  context = "services/worker"',
        '  dockerfile = "build/Dockerfile"',
        '  target = "runtime"',
        '  tags = ["ghcr.io/acme/worker:${TAG}"]',
        "}",
        "",
      ].join("\n"),
      "services/worker/build/Dockerfile":
        "FROM node:22 AS build\nCOPY . .\nFROM node:22-slim AS runtime\nCOPY --from=build /app /app\n",
      "compose.yaml": [
        "services:",
        "  web:",
        "    build:",
        "      context: apps/web",
        "      dockerfile: web.Dockerfile",
        "      target: prod",
        "      additional_contexts:",
        "        shared: ./libs/shared",
        "  redis:",
        "    image: redis:7",
        "",
      ].join("\n"),
      "apps/web/web.Dockerfile": "FROM node:22 AS prod\nCOPY . .\nCOPY --from=shared . /shared\n",
      "libs/shared/index.ts": "export {};\n",
      ".github/workflows/cd.yml": [
        "on: push",
        "jobs:",
        "  build:",
        "    runs-on: ubuntu-latest",
        "    steps:",
        "      - uses: actions/checkout@v4",
        "      - uses: docker/build-push-action@v6",
        "        with:",
        "          context: .",
        "          file: services/api/Dockerfile",
        "          target: release",
        "          tags: ghcr.io/acme/api:latest",
        "",
      ].join("\n"),
      "services/api/Dockerfile": "FROM node:22 AS release\nCOPY services/api ./\n",
    });
    const run = await shipgraph(repo.dir, ["init", "--dry-run"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      ["  api:", "    context: .", "    dockerfile: services/api/Dockerfile", "    target: release"].join(
        "\n",
      ),
    );
    expect(run.stdout).toContain(
      [
        "  web:",
        "    context: apps/web",
        "    dockerfile: apps/web/web.Dockerfile",
        "    target: prod",
        "    additionalContexts:",
        "      shared: libs/shared",
      ].join("\n"),
    );
    expect(run.stdout).toContain(
      [
        "  worker:",
        "    context: services/worker",
        "    dockerfile: services/worker/build/Dockerfile",
        "    target: runtime",
      ].join("\n"),
    );
    expect(run.stdout).not.toContain("redis");
    // the written config is valid and builds a graph with exactly these images
    repo.write({ "shipgraph.yaml": run.stdout }).commit("config");
    const graph = await shipgraph(repo.dir, ["graph", "--format", "json"]);
    expect(graph.code, graph.stderr).toBe(0);
    const ids = (graph.json<{ nodes: { id: string }[] }>().nodes ?? [])
      .map((n) => n.id)
      .filter((id) => id.startsWith("image:"));
    expect(ids).toEqual(["image:api", "image:web", "image:worker"]);
  });
});

describe("the inferred graph refuses to guess", () => {
  it("without a config, an unparseable buf.yaml is exit 2 naming it, not a module silently left out", async () => {
    const repo = gitRepo({
      "buf.yaml": "version: v2\nmodules:\n  - path: proto\n    excludes: proto/x\n",
      "proto/acme/a.proto": 'syntax = "proto3";\npackage acme;\n',
      "buf.gen.yaml": "version: v2\nplugins:\n  - local: protoc-gen-es\n    out: gen\n",
    });
    repo.git("checkout", "-q", "-b", "change");
    repo.append("proto/acme/a.proto", "// x\n").commit();
    const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("the graph cannot be inferred completely");
    expect(run.stderr).toContain("buf.yaml:4");
    expect(run.stderr).toContain("shipgraph init");
  });

  it("without a config, a workflow building with a context from its own matrix is exit 2", async () => {
    const repo = gitRepo({
      "services/api/Dockerfile": "FROM node:22\nCOPY libs/shared ./shared\n",
      "libs/shared/x.ts": "export {};\n",
      ".github/workflows/cd.yml": [
        "on: push",
        "jobs:",
        "  build:",
        "    runs-on: ubuntu-latest",
        "    strategy: { matrix: { svc: [api] } }",
        "    steps:",
        "      - uses: docker/build-push-action@v6",
        "        with:",
        "          context: .",
        "          file: services/${{ matrix.svc }}/Dockerfile",
        "",
      ].join("\n"),
    });
    const run = await shipgraph(repo.dir, ["affected", "--all", "--format", "json"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(".github/workflows/cd.yml:");
  });

  it("a repository without buf.yaml: the templates' input directories are the modules", async () => {
    const repo = gitRepo({
      "proto/acme/a.proto": 'syntax = "proto3";\npackage acme;\nmessage A {}\n',
      "buf.gen.yaml":
        "version: v2\ninputs:\n  - directory: proto\nplugins:\n  - local: protoc-gen-es\n    out: gen\n",
    });
    repo.git("checkout", "-q", "-b", "change");
    repo.append("proto/acme/a.proto", "// x\n").commit();
    const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
    expect(run.code, run.stderr).toBe(0);
    const report = run.json<Report & { generatedFiles: Record<string, string[]> }>();
    expect(report.affected.generator).toEqual(["buf"]);
    expect(report.protoFiles).toEqual(["proto/acme/a.proto"]);
  });

  it("Containerfiles and <name>.dockerfile are images too; a dockerfile.ts is not", async () => {
    const repo = gitRepo({
      "services/api/Containerfile": "FROM node:22\n",
      "services/web/Dockerfile.web.prod": "FROM node:22\n",
      "services/x/x.dockerfile": "FROM node:22\n",
      "src/docker/dockerfile.ts": "export {};\n",
      "docs/Dockerfile.md": "# notes\n",
    });
    const run = await shipgraph(repo.dir, ["init", "--dry-run"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("services/api/Containerfile");
    expect(run.stderr).toContain("services/web/Dockerfile.web.prod");
    expect(run.stderr).toContain("services/x/x.dockerfile");
    expect(run.stderr).not.toContain("dockerfile.ts");
    expect(run.stderr).not.toContain("Dockerfile.md");
  });

  it("Dockerfile.go and Dockerfile.js are a Go and a JS service's Dockerfiles", async () => {
    const repo = gitRepo({
      "svc/Dockerfile.go": "FROM golang:1.24\n",
      "svc/Dockerfile.js": "FROM node:22\n",
    });
    const run = await shipgraph(repo.dir, ["init", "--dry-run"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("dockerfile: svc/Dockerfile.go");
    expect(run.stdout).toContain("dockerfile: svc/Dockerfile.js");
  });

  it("a workflow matrix of literal contexts is not shipgraph's plan: without a config it is exit 2", async () => {
    const repo = gitRepo({
      "services/api/Dockerfile": "FROM node:22\nCOPY libs/shared ./shared\n",
      "libs/shared/x.ts": "export {};\n",
      ".github/workflows/cd.yml": [
        "on: push",
        "jobs:",
        "  build:",
        "    runs-on: ubuntu-latest",
        "    strategy:",
        "      matrix:",
        "        include: [{ context: ., dockerfile: services/api/Dockerfile }]",
        "    steps:",
        "      - uses: docker/build-push-action@v6",
        "        with:",
        "          context: ${{ matrix.context }}",
        "          file: ${{ matrix.dockerfile }}",
        "",
      ].join("\n"),
    });
    const run = await shipgraph(repo.dir, ["affected", "--all", "--format", "json"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("matrix.context");
  });

  it("init --force does not write shipgraph.yaml beside another config file", async () => {
    const repo = gitRepo({ "shipgraph.json": "{}\n", "services/api/Dockerfile": "FROM node:22\n" });
    const run = await shipgraph(repo.dir, ["init", "--force"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("shipgraph.json exists");
    expect(() => readFileSync(join(repo.dir, "shipgraph.yaml"))).toThrow();
  });

  it("init writes what it could not infer at the top of the file, and exits 1", async () => {
    const repo = gitRepo({
      "services/api/Dockerfile": "FROM node:22\nCOPY . /app\n",
      "services/api/a.js": "x\n",
      ".github/workflows/cd.yml": [
        "on: push",
        "jobs:",
        "  b:",
        "    runs-on: ubuntu-latest",
        "    steps:",
        "      - run: |",
        "          for svc in api; do docker build -t ghcr.io/acme/$svc services/$svc; done",
        "",
      ].join("\n"),
    });
    const run = await shipgraph(repo.dir, ["init"]);
    expect(run.code).toBe(1);
    const written = readFileSync(join(repo.dir, "shipgraph.yaml"), "utf8");
    expect(written.split("\n").slice(0, 3)).toEqual([
      "# TODO: `shipgraph init` could not infer these; declare them by hand, then delete this note,",
      "# or shipgraph may miss the artifacts they build:",
      "#   ! .github/workflows/cd.yml:7: docker build context uses $svc, which cannot be resolved statically",
    ]);
    expect(run.stderr).toContain("1 gap(s) to fill by hand are listed at its top");
    expect(run.stderr).toContain(
      "could not infer (1; left out of the config: complete it by hand, or shipgraph may miss the artifact):\n  ! .github/workflows/cd.yml:7:",
    );
    const dry = await shipgraph(repo.dir, ["init", "--dry-run"]);
    expect([dry.code, dry.stdout]).toEqual([1, written]);
  });

  it("init does not replace a config a sparse checkout leaves out of the working tree", async () => {
    const repo = gitRepo({
      "shipgraph.yaml": "images:\n  api: { context: services/api, matrix: { tier: gold } }\n",
      "services/api/Dockerfile": "FROM node:22\n",
    });
    repo.git("sparse-checkout", "set", "--no-cone", "/services/");
    const refused = await shipgraph(repo.dir, ["init"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      "shipgraph.yaml is tracked but a sparse checkout leaves it out of the working tree",
    );
    expect(repo.git("status", "--porcelain")).toBe("");
  });

  it("init neither writes through a symbolic link at shipgraph.yaml nor takes a dangling one for absent", async () => {
    const repo = gitRepo({ "services/api/Dockerfile": "FROM node:22\n" });
    const outside = join(tempDir("sg-init-link-"), "elsewhere.yaml");
    symlinkSync(outside, join(repo.dir, "shipgraph.yaml"));
    const refused = await shipgraph(repo.dir, ["init"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("shipgraph.yaml already exists: init does not overwrite a config");
    expect(existsSync(outside)).toBe(false);
    const forced = await shipgraph(repo.dir, ["init", "--force"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(existsSync(outside)).toBe(false);
    expect(lstatSync(join(repo.dir, "shipgraph.yaml")).isFile()).toBe(true);
    expect(readFileSync(join(repo.dir, "shipgraph.yaml"), "utf8")).toContain(
      "  api:\n    context: services/api\n",
    );
  });

  it("a Dockerfile whose COPY sources are paths from the repository root is built from there", async () => {
    const worker = [
      "FROM golang:1.22 AS build",
      "COPY go.mod go.sum ./",
      "COPY pkg ./pkg",
      "COPY services/worker ./services/worker",
      "RUN go build -o /w ./services/worker",
      "FROM scratch",
      "COPY --from=build /w /w",
      "",
    ].join("\n");
    const files = {
      "go.mod": "module example.com/m\n",
      "go.sum": "",
      "pkg/lib/lib.go": "package lib\n",
      "services/worker/main.go": "package main\n",
      "services/worker/Dockerfile": worker,
      // its own directory's files, and build output (found nowhere): its own directory
      "services/web/Dockerfile": "FROM node:22\nCOPY package.json ./\nCOPY dist ./dist\n",
      "services/web/package.json": "{}\n",
    };
    const repo = gitRepo(files);
    repo.git("checkout", "-q", "-b", "change");
    repo.append("pkg/lib/lib.go", "// x\n").commit();
    const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json<{ affected: { image: string[] } }>().affected.image).toEqual(["worker"]);
    const init = await shipgraph(repo.dir, ["init", "--dry-run"]);
    expect(init.stdout).toContain("  worker:\n    context: .\n    dockerfile: services/worker/Dockerfile\n");
    expect(init.stdout).toContain("  web:\n    context: services/web\n");
    expect(init.stderr).toContain(
      "services/worker/Dockerfile: built from the repository root (services/worker/Dockerfile:2 COPY go.mod go.sum ./ copies a path from there, not from services/worker): check the context",
    );

    // sources of both kinds: nobody can tell, so the inferred graph refuses
    const mixed = gitRepo({
      ...files,
      "docker/run.sh": "x\n",
      "docker/mixed.Dockerfile": "FROM alpine\nCOPY run.sh /\nCOPY pkg /pkg\n",
    });
    const refused = await shipgraph(mixed.dir, ["affected", "--all", "--format", "json"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("docker/mixed.Dockerfile: cannot tell its build context");
  });

  it("Dockerfiles of templates, vendored code, test data, dev containers and actions are not images, and init says so", async () => {
    const files: Record<string, string> = {
      "services/api/Dockerfile": "FROM alpine\n",
      "services/api/Dockerfile.template": "FROM {{ base }}\n",
      ".devcontainer/Dockerfile": "FROM alpine\n",
      ".github/actions/lint/Dockerfile": "FROM alpine\n",
      "vendor/github.com/foo/bar/Dockerfile": "FROM alpine\n",
      "test/fixtures/sample/Dockerfile": "FROM alpine\n",
      "testdata/Dockerfile": "FROM alpine\n",
      // one a compose file names is an image wherever it lies
      "compose.yaml": "services:\n  dev:\n    build: { context: ., dockerfile: .devcontainer/Dockerfile }\n",
    };
    const repo = gitRepo(files);
    const init = await shipgraph(repo.dir, ["init", "--dry-run"]);
    expect(init.code).toBe(0);
    expect(init.stderr).toContain("images (2):\n  api: context services/api");
    expect(init.stderr).toContain("  dev: context ., .devcontainer/Dockerfile (found in compose.yaml:2)");
    expect(init.stderr).toContain(
      "not taken as images (templates, vendored code, test data, dev containers, container actions): .github/actions/lint/Dockerfile, services/api/Dockerfile.template, test/fixtures/sample/Dockerfile, testdata/Dockerfile, vendor/github.com/foo/bar/Dockerfile",
    );
  });

  it("keeps the build args and the service: contexts a compose file gives an image", async () => {
    const repo = gitRepo({
      "images/base/Dockerfile": "FROM alpine\nRUN true\n",
      "services/web/Dockerfile": "FROM base\nCOPY . /app\n",
      "services/web/x": "x\n",
      "services/api/Dockerfile":
        "ARG NODE_VERSION=18\nFROM node:${NODE_VERSION}\nARG APP=api\nCOPY ${APP}.js /app/\n",
      "services/api/api.js": "x\n",
      "services/api/other.js": "x\n",
      "compose.yaml": [
        "services:",
        "  base: { build: images/base }",
        "  web:",
        "    build:",
        "      context: services/web",
        '      additional_contexts: { base: "service:base" }',
        "  api:",
        "    build:",
        "      context: services/api",
        '      args: { NODE_VERSION: "20", APP: other }',
        "",
      ].join("\n"),
    });
    const init = await shipgraph(repo.dir, ["init", "--dry-run"]);
    expect(init.code).toBe(0);
    expect(init.stdout).toContain(
      '  api:\n    context: services/api\n    buildArgs:\n      NODE_VERSION: "20"\n      APP: other\n',
    );
    expect(init.stdout).toContain('  web:\n    context: services/web\n    dependsOn: ["image:base"]\n');
    // and the inferred graph answers with them: the file the build really copies, the base it is built from
    for (const [file, images] of [
      ["services/api/other.js", ["api"]],
      ["services/api/api.js", []],
      ["images/base/Dockerfile", ["base", "web"]],
    ] as const) {
      const run = await shipgraph(repo.dir, ["affected", "--files", file, "--format", "json"]);
      expect(run.json<{ affected: { image: string[] } }>().affected.image, file).toEqual(images);
    }
  });

  it("a build arg two builds of one image give different values is a gap, not one of them", async () => {
    const repo = gitRepo({
      "services/api/Dockerfile": "FROM alpine\nARG APP=api\nCOPY ${APP}.js /app/\n",
      "services/api/a.js": "x\n",
      "services/api/b.js": "x\n",
      "compose.yaml": "services:\n  api:\n    build:\n      context: services/api\n      args: { APP: a }\n",
      ".github/workflows/cd.yml": runStepWorkflow(
        "docker build --build-arg APP=b -t ghcr.io/acme/api services/api",
      ),
    });
    const run = await shipgraph(repo.dir, ["affected", "--files", "services/api/b.js", "--format", "json"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("build arg APP of image api has different values");
  });

  it("plugins of this repository: ./paths, go run directories, and the plugin package's other files are inputs", async () => {
    const repo = gitRepo({
      "buf.yaml": "version: v2\nmodules:\n  - path: proto\n",
      "proto/acme/a.proto": 'syntax = "proto3";\npackage acme;\nmessage A {}\n',
      "buf.gen.yaml": [
        "version: v2",
        "plugins:",
        '  - { local: ["node", "tools/protoc-gen-foo/bin/cli.mjs"], out: gen/foo }',
        '  - { local: ["go", "run", "./cmd/protoc-gen-bar"], out: gen/bar }',
        "  - { local: ./bin/protoc-gen-baz, out: gen/baz }",
        "",
      ].join("\n"),
      "tools/protoc-gen-foo/package.json": '{"name":"protoc-gen-foo"}\n',
      "tools/protoc-gen-foo/bin/cli.mjs": "import '../lib/render.mjs';\n",
      "tools/protoc-gen-foo/lib/render.mjs": "export {};\n",
      "cmd/protoc-gen-bar/main.go": "package main\n",
      "bin/protoc-gen-baz": "#!/bin/sh\n",
    });
    const init = await shipgraph(repo.dir, ["init", "--dry-run"]);
    expect(init.stdout).toContain(
      '    inputs: ["bin/**", "cmd/protoc-gen-bar/**", "tools/protoc-gen-foo/**"]\n',
    );
    for (const file of [
      "tools/protoc-gen-foo/lib/render.mjs",
      "cmd/protoc-gen-bar/main.go",
      "bin/protoc-gen-baz",
    ]) {
      const run = await shipgraph(repo.dir, ["affected", "--files", file, "--format", "json"]);
      expect(run.json<{ affected: { generator: string[] } }>().affected.generator, file).toEqual(["buf"]);
    }
  });

  it("dockerfile and Dockerfile-<x> are Dockerfiles; an official Docker Hub image is no in-repo base", async () => {
    const repo = gitRepo({
      "services/a/Dockerfile-dev": "FROM alpine\n",
      "services/b/dockerfile": "FROM alpine\n",
      "images/node/Dockerfile": "FROM docker.io/library/node:22\n",
      "services/c/Dockerfile": "FROM docker.io/library/node:22\nCOPY . /app\n",
    });
    const init = await shipgraph(repo.dir, ["init", "--dry-run"]);
    expect(init.stderr).toContain("  a-dev: context services/a, services/a/Dockerfile-dev");
    expect(init.stderr).toContain("  b: context services/b, services/b/dockerfile");
    expect(init.stdout).not.toContain("ref:");
  });

  it("a build arg is an image's only when every build gives it that one literal value", async () => {
    const repo = gitRepo({
      "docker/Dockerfile": "FROM node:20\nARG APP\nCOPY services/${APP} /app\n",
      "services/api/a.js": "x\n",
      "services/web/a.js": "x\n",
      "compose.yaml":
        "services:\n  api:\n    build: { context: ., dockerfile: docker/Dockerfile, args: { APP: api } }\n",
      ".github/workflows/cd.yml": runStepWorkflow(
        "docker build --build-arg APP=${{ matrix.app }} -f docker/Dockerfile -t x .",
        "{ app: [api, web] }",
      ),
    });
    const run = await shipgraph(repo.dir, ["affected", "--files", "services/web/a.js", "--format", "json"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("build arg APP of image api has different values");
  });

  it("scalars YAML reads otherwise are quoted, and a service: dependency follows its image's name", async () => {
    const repo = gitRepo({
      "base/Dockerfile": "FROM alpine\n",
      "otherbase/Dockerfile": "FROM alpine\n",
      "api/Dockerfile": "FROM base\nCOPY x /x\n",
      "api/x": "x\n",
      "compose.yaml": [
        "services:",
        "  base: { build: { context: base } }",
        "  api:",
        "    build:",
        "      context: api",
        '      additional_contexts: { base: "service:base" }',
        '      args: { NPM_SCOPE: "@acme", SEP: "-" }',
        "",
      ].join("\n"),
      // another image called base: the compose service's image is renamed
      "docker-bake.hcl": 'target "base" {\n  context = "otherbase"\n}\n',
    });
    const init = await shipgraph(repo.dir, ["init"]);
    expect(init.code, init.stderr).toBe(0);
    const written = readFileSync(join(repo.dir, "shipgraph.yaml"), "utf8");
    expect(written).toContain('      NPM_SCOPE: "@acme"\n      SEP: "-"\n');
    expect(written).toContain(
      '  api:\n    context: api\n    buildArgs:\n      NPM_SCOPE: "@acme"\n      SEP: "-"\n    dependsOn: ["image:base-2"]\n',
    );
    expect(written).toContain("  base-2:\n    context: base\n");
    repo.commit("config");
    const run = await shipgraph(repo.dir, ["affected", "--files", "base/Dockerfile", "--format", "json"]);
    expect(run.json<{ affected: { image: string[] } }>().affected.image).toEqual(["api", "base-2"]);
  });

  it("services named vendor or fixtures are images: only vendor/ at the root and test fixtures are skipped", async () => {
    const repo = gitRepo({
      "services/vendor/Dockerfile": "FROM alpine\n",
      "apps/fixtures/Dockerfile": "FROM alpine\n",
      "vendor/x/Dockerfile": "FROM alpine\n",
      "test/fixtures/y/Dockerfile": "FROM alpine\n",
    });
    const init = await shipgraph(repo.dir, ["init", "--dry-run"]);
    expect(init.stderr).toContain("images (2):\n  fixtures: context apps/fixtures");
    expect(init.stderr).toContain("  vendor: context services/vendor");
    expect(init.stderr).toContain(": test/fixtures/y/Dockerfile, vendor/x/Dockerfile (declare any");
  });

  it("a build arg set when the build runs that a COPY reads is a gap; the ref is what compose tags", async () => {
    const repo = gitRepo({
      "services/api/Dockerfile":
        "FROM alpine\nARG APP=api\nARG VERSION\nCOPY ${APP}.js /app/\nLABEL v=$VERSION\n",
      "services/api/api.js": "x\n",
      "services/api/web.js": "x\n",
      ".github/workflows/cd.yml": runStepWorkflow(
        "docker build --build-arg APP=${{ matrix.app }} --build-arg VERSION=${{ github.sha }} -t x services/api",
        "{ app: [api, web] }",
      ),
    });
    const run = await shipgraph(repo.dir, ["affected", "--files", "services/api/web.js", "--format", "json"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("build arg APP of image");
    expect(run.stderr).not.toContain("build arg VERSION of image");

    // compose's image: names the ref other Dockerfiles build FROM, whatever the directory is called
    const based = gitRepo({
      "docker/base-image/Dockerfile": "FROM alpine\n",
      "services/web/Dockerfile": "FROM ghcr.io/acme/base:1\nCOPY . /app\n",
      "compose.yaml": [
        "services:",
        '  runtime: { build: docker/base-image, image: "ghcr.io/acme/base:1" }',
        "  web: { build: services/web }",
        "",
      ].join("\n"),
    });
    const affected = await shipgraph(based.dir, [
      "affected",
      "--files",
      "docker/base-image/Dockerfile",
      "--format",
      "json",
    ]);
    expect(affected.json<{ affected: { image: string[] } }>().affected.image).toEqual(["runtime", "web"]);
  });

  it("init reads the tracked files, staged ones included, as the inferred graph does: not untracked ones", async () => {
    const repo = gitRepo({ "services/api/Dockerfile": "FROM alpine\n" });
    repo.write({ "scratch/Dockerfile": "FROM alpine\n", "services/web/Dockerfile": "FROM alpine\n" });
    repo.git("add", "services/web/Dockerfile");
    const init = await shipgraph(repo.dir, ["init", "--dry-run"]);
    expect(init.stderr).toContain("images (2):\n  api: context services/api");
    expect(init.stderr).toContain("  web: context services/web");
    expect(init.stdout).not.toContain("scratch");
  });
});
