import { readdirSync, readFileSync, symlinkSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { shipgraph } from "./helpers/cli.js";
import { buf, gitRepo, projectRoot, type TestRepo, tempDir } from "./helpers/repo.js";

/**
 * buf's own configuration as shipgraph reads it, end to end: buf v1 workspaces (buf.work.yaml),
 * v2 modules with excludes/includes, every kind of plugin, `proto_file` inputs, managed mode and
 * malformed files. Each fixture is a real git repository, and real buf checks that it is a valid
 * buf setup and that shipgraph agrees with what buf compiles and writes.
 */

interface Report {
  needs: { proto: boolean; images: boolean };
  affected: Record<string, string[]>;
  reasons: Record<string, { cause: Record<string, string>; chain: string[] }>;
  unownedFiles: string[];
  protoFiles: string[];
  generatedFiles: Record<string, string[]>;
}

async function affected(repo: TestRepo, ...args: string[]): Promise<Report> {
  const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json", ...args]);
  if (run.code !== 0) throw new Error(`exit ${run.code}: ${run.stderr}`);
  return run.json<Report>();
}

/** `affected` for an explicit list of changed files (no git diff). */
async function affectedFiles(repo: TestRepo, files: string[]): Promise<Report> {
  const run = await shipgraph(repo.dir, ["affected", "--format", "json", "--files", ...files]);
  if (run.code !== 0) throw new Error(`exit ${run.code}: ${run.stderr}`);
  return run.json<Report>();
}

/** Files the working tree changed (after running buf), sorted. */
function changedInTree(repo: TestRepo): string[] {
  return repo
    .git("status", "--porcelain", "--untracked-files=all")
    .split("\n")
    .filter(Boolean)
    .map((line) => line.slice(3))
    .sort();
}

/** What real buf compiles in the workspace at the repository root (repo-relative paths), sorted. */
function bufFiles(repo: TestRepo): string[] {
  return buf(repo, "ls-files").split("\n").filter(Boolean).sort();
}

function trackedProtos(repo: TestRepo): string[] {
  return repo.git("ls-files", "*.proto").split("\n").filter(Boolean).sort();
}

/** Starts the feature branch the changes are committed on (`affected --base main`). */
function feature(repo: TestRepo): TestRepo {
  repo.git("checkout", "-q", "-b", "feature");
  return repo;
}

function proto(pkg: string, body: string, { imports = [], options = [] }: ProtoExtras = {}): string {
  return [
    'syntax = "proto3";',
    `package ${pkg};`,
    ...imports.map((i) => `import "${i}";`),
    ...options.map((o) => `option ${o};`),
    body,
    "",
  ].join("\n");
}
interface ProtoExtras {
  imports?: string[];
  options?: string[];
}

/**
 * A protoc plugin (node, @bufbuild/protobuf) that writes `<import path>.txt` per generated file,
 * holding the go_package buf handed it: how managed mode really rewrote the file options.
 */
const DUMP_PLUGIN = `import { readFileSync } from "node:fs";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { CodeGeneratorRequestSchema, CodeGeneratorResponseSchema } from "@bufbuild/protobuf/wkt";
const request = fromBinary(CodeGeneratorRequestSchema, readFileSync(0));
const file = request.protoFile
  .filter((f) => request.fileToGenerate.includes(f.name))
  .map((f) => ({ name: f.name.replace(/\\.proto$/, ".txt"), content: \`\${f.options?.goPackage ?? ""}\\n\` }));
process.stdout.write(toBinary(CodeGeneratorResponseSchema, create(CodeGeneratorResponseSchema, { supportedFeatures: 1n, file })));
`;

/** Links the project's node_modules (ignored by git) so node plugins in the repo can import @bufbuild/protobuf. */
function linkNodeModules(repo: TestRepo): TestRepo {
  symlinkSync(join(projectRoot, "node_modules"), join(repo.dir, "node_modules"), "dir");
  return repo;
}

/** Every file under `dir`, relative to it, sorted. */
function walk(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)))
    .sort();
}

/**
 * The go_package real buf gives each file under the `managed` section of a template (YAML text,
 * indented for a top-level key), by running the dump plugin with it: import path → go_package.
 */
function bufGoPackages(repo: TestRepo, version: "v1" | "v2", managed: string): Record<string, string> {
  const out = tempDir("shipgraph-dump-");
  const plugin =
    version === "v2"
      ? `  - local: [node, tools/dump.mjs]\n    out: ${out}\n`
      : `  - plugin: dump\n    path: [node, tools/dump.mjs]\n    out: ${out}\n`;
  buf(repo, "generate", "--template", `version: ${version}\n${managed}plugins:\n${plugin}`);
  return Object.fromEntries(
    walk(out).map((file) => [file.replace(/\.txt$/, ".proto"), readFileSync(join(out, file), "utf8").trim()]),
  );
}

// --- 1. buf v1 workspace --------------------------------------------------------------------

const A = "proto/a/acme/a/v1/a.proto";
const B = "proto/b/acme/b/v1/b.proto";
const C = "proto/c/acme/c/v1/c.proto";
const LEGACY = "proto/a/legacy/v1/old.proto";

/**
 * buf.work.yaml with three v1 modules; A imports C by C's import path; A's buf.yaml excludes
 * `legacy` (relative to A's root). The excluded file imports a file that exists nowhere, so buf
 * build fails if the exclusion is not applied.
 */
function workspaceV1(generators: string, protos = "  ws: { path: . }"): TestRepo {
  return gitRepo({
    "buf.work.yaml": "version: v1\ndirectories:\n  - proto/a\n  - proto/b\n  - proto/c\n",
    "proto/a/buf.yaml": "version: v1\nbuild:\n  excludes:\n    - legacy\n",
    "proto/b/buf.yaml": "version: v1\n",
    "proto/c/buf.yaml": "version: v1\n",
    [A]: proto("acme.a.v1", "message A { acme.c.v1.C c = 1; }", { imports: ["acme/c/v1/c.proto"] }),
    [B]: proto("acme.b.v1", "message B { string v = 1; }"),
    [C]: proto("acme.c.v1", "message C { string v = 1; }"),
    [LEGACY]: proto("legacy.v1", "message Old {}", { imports: ["does/not/exist.proto"] }),
    "buf.gen.a.yaml": "version: v1\nplugins:\n  - plugin: es\n    out: gen/a\n    opt: target=ts\n",
    "buf.gen.b.yaml": "version: v1\nplugins:\n  - plugin: es\n    out: gen/b\n    opt: target=ts\n",
    "shipgraph.yaml": `protos:\n${protos}\ngenerators:\n${generators}\n`,
  });
}

// buf rejects `--path proto/a` in a v1 workspace ("module "proto/a" was specified with --path,
// specify this module path directly as an input"), so the generators narrow to a directory inside
// the module.
const PATH_GENERATORS = [
  "  a-sdk:",
  "    template: buf.gen.a.yaml",
  "    run: buf generate --template buf.gen.a.yaml --path proto/a/acme",
  "  b-sdk:",
  "    template: buf.gen.b.yaml",
  "    run: buf generate --template buf.gen.b.yaml --path proto/b/acme",
].join("\n");

describe("buf v1 workspace: buf.work.yaml with three v1 modules, one protos entry at the root", () => {
  it("is a valid buf workspace, and shipgraph owns exactly the protos buf compiles (the excluded one is unowned)", async () => {
    const repo = workspaceV1(PATH_GENERATORS);
    expect(() => buf(repo, "build")).not.toThrow();
    const compiled = bufFiles(repo);
    expect(compiled).toEqual([A, B, C]);
    const report = await affectedFiles(repo, trackedProtos(repo));
    expect(report.unownedFiles).toEqual(trackedProtos(repo).filter((f) => !compiled.includes(f)));
    expect(report.unownedFiles).toEqual([LEGACY]);
  });

  it("a change to module C reaches A's generator through A's import; B's generator is not affected", async () => {
    const repo = feature(workspaceV1(PATH_GENERATORS));
    repo.append(C, "message CNote { string text = 1; }\n").commit();
    const report = await affected(repo);
    expect(report.affected.proto).toEqual(["ws"]);
    expect(report.affected.generator).toEqual(["a-sdk"]);
    expect(report.needs.proto).toBe(true);
    expect(report.protoFiles).toEqual([A, C]);
    expect(report.reasons["generator:a-sdk"]!.cause).toMatchObject({
      rule: "proto",
      file: C,
      via: `${A}, which the generator compiles, imports it`,
    });
    // --path proto/a/acme: buf writes A's file only (C is an import, not generated)
    expect(report.generatedFiles).toEqual({ "a-sdk": ["gen/a/acme/a/v1/a_pb.ts"] });
  });

  it("what A's generator lists is exactly what buf generate writes for it", async () => {
    const repo = feature(workspaceV1(PATH_GENERATORS));
    repo.append(C, "message CNote { string text = 1; }\n").commit();
    const report = await affected(repo);
    buf(repo, "generate", "--template", "buf.gen.a.yaml", "--path", "proto/a/acme");
    expect(changedInTree(repo)).toEqual(report.generatedFiles["a-sdk"]);
  });

  it("a change to a proto that A's buf.yaml excludes affects nothing and needs no proto work", async () => {
    const repo = feature(workspaceV1(PATH_GENERATORS));
    repo.append(LEGACY, "// touched\n").commit();
    const report = await affected(repo);
    expect(report.affected.proto).toEqual([]);
    expect(report.affected.generator).toEqual([]);
    expect(report.needs.proto).toBe(false);
    expect(report.protoFiles).toEqual([]);
    expect(report.unownedFiles).toEqual([LEGACY]);
  });

  it("one protos entry per module: same answer, and only the modules' own entries are affected", async () => {
    const repo = feature(
      workspaceV1(PATH_GENERATORS, "  a: { path: proto/a }\n  b: { path: proto/b }\n  c: { path: proto/c }"),
    );
    repo.append(C, "message CNote { string text = 1; }\n").commit();
    const report = await affected(repo);
    expect(report.affected.proto).toEqual(["c"]);
    expect(report.affected.generator).toEqual(["a-sdk"]);
    expect(report.generatedFiles).toEqual({ "a-sdk": ["gen/a/acme/a/v1/a_pb.ts"] });
  });

  it("generators whose buf generate names one module as the input compile that module only", async () => {
    // `buf generate proto/a` compiles module A only: C is an import, nothing is written for it or for B
    const repo = feature(
      workspaceV1(
        [
          "  a-sdk:",
          "    template: buf.gen.a.yaml",
          "    run: buf generate proto/a --template buf.gen.a.yaml",
          "  b-sdk:",
          "    template: buf.gen.b.yaml",
          "    run: buf generate proto/b --template buf.gen.b.yaml",
        ].join("\n"),
      ),
    );
    buf(repo, "generate", "proto/a", "--template", "buf.gen.a.yaml");
    buf(repo, "generate", "proto/b", "--template", "buf.gen.b.yaml");
    expect(changedInTree(repo)).toEqual(["gen/a/acme/a/v1/a_pb.ts", "gen/b/acme/b/v1/b_pb.ts"]);
    repo.remove("gen");
    repo.append(C, "message CNote { string text = 1; }\n").commit();
    const report = await affected(repo);
    // as with --path: A's generator through the import, listing A's file only; B's not at all
    expect({ generators: report.affected.generator, generatedFiles: report.generatedFiles }).toEqual({
      generators: ["a-sdk"],
      generatedFiles: { "a-sdk": ["gen/a/acme/a/v1/a_pb.ts"] },
    });
  });

  it("an entry for one module only: the modules buf.work.yaml lists beside it are its undeclared siblings", async () => {
    // proto/a has its own buf.yaml, but buf builds the buf.work.yaml workspace around it: B and C
    // are compiled by a generator without inputs, and C is where A's import resolves
    const repo = workspaceV1(
      [
        "  ws-sdk: { template: buf.gen.a.yaml }",
        "  a-sdk:",
        "    template: buf.gen.b.yaml",
        "    run: buf generate proto/a --template buf.gen.b.yaml",
      ].join("\n"),
      "  a: { path: proto/a }",
    );
    buf(repo, "generate", "--template", "buf.gen.a.yaml");
    buf(repo, "generate", "proto/a", "--template", "buf.gen.b.yaml");
    repo.commit("generated");
    feature(repo).append(B, "message BNote { string text = 1; }\n").commit("b");
    const b = await affected(repo);
    expect(b.unownedFiles).toEqual([]);
    expect(b.affected.generator).toEqual(["ws-sdk"]);
    expect(b.generatedFiles).toEqual({ "ws-sdk": ["gen/a/acme/b/v1/b_pb.ts"] });
    buf(repo, "generate", "--template", "buf.gen.a.yaml");
    expect(changedInTree(repo)).toEqual(["gen/a/acme/b/v1/b_pb.ts"]);
    repo.git("checkout", "-q", ".");
    repo.git("checkout", "-q", "-b", "c", "main");
    repo.write({ [C]: proto("acme.c.v1", "enum C { C_UNSPECIFIED = 0; }") }).commit("c");
    const c = await affected(repo);
    expect(c.affected.generator).toEqual(["a-sdk", "ws-sdk"]);
    expect(c.generatedFiles["a-sdk"]).toEqual(["gen/b/acme/a/v1/a_pb.ts"]);
    buf(repo, "generate", "proto/a", "--template", "buf.gen.b.yaml");
    expect(changedInTree(repo)).toEqual(["gen/b/acme/a/v1/a_pb.ts"]);
  });
});

// --- 2. buf v2 modules with excludes and includes -------------------------------------------

const V2 = {
  a: "proto/a/acme/a/v1/a.proto",
  internal: "proto/a/internal/i.proto",
  pub: "proto/b/public/p.proto",
  priv: "proto/b/private/q.proto",
};

/** Module a excludes proto/a/internal; module b includes only proto/b/public. Left-out files import a missing file: buf fails if it compiles them. */
function modulesV2(): TestRepo {
  return gitRepo({
    "buf.yaml": [
      "version: v2",
      "modules:",
      "  - path: proto/a",
      "    excludes: [proto/a/internal]",
      "  - path: proto/b",
      "    includes: [proto/b/public]",
      "",
    ].join("\n"),
    [V2.a]: proto("acme.a.v1", "message A { string v = 1; }"),
    [V2.internal]: proto("internal", "message I {}", { imports: ["nope.proto"] }),
    [V2.pub]: proto("pub", "message P { string v = 1; }"),
    [V2.priv]: proto("priv", "message Q {}", { imports: ["nope.proto"] }),
    "buf.gen.yaml": "version: v2\nplugins:\n  - local: protoc-gen-es\n    out: gen\n    opt: target=ts\n",
    "shipgraph.yaml": [
      "protos:",
      "  a: { path: proto/a }",
      "  b: { path: proto/b }",
      "generators:",
      "  sdk: { template: buf.gen.yaml }",
      "",
    ].join("\n"),
  });
}

describe("what buf builds around a protos entry: the workspace's other modules, the root input", () => {
  /** A v2 workspace: api imports common's money.proto; only api is declared. */
  function siblings(shipgraphYaml: string, extra: Record<string, string> = {}): TestRepo {
    return gitRepo({
      "buf.yaml": "version: v2\nmodules:\n  - path: proto/api\n  - path: proto/common\n",
      "proto/common/acme/common/v1/money.proto": proto(
        "acme.common.v1",
        "message Money { int64 units = 1; }",
      ),
      "proto/common/acme/common/v1/status.proto": proto(
        "acme.common.v1",
        "enum Status { STATUS_UNSPECIFIED = 0; }",
      ),
      "proto/api/acme/api/v1/order.proto": proto(
        "acme.api.v1",
        "message Order { acme.common.v1.Money total = 1; }",
        {
          imports: ["acme/common/v1/money.proto"],
        },
      ),
      "buf.gen.api.yaml":
        "version: v2\ninputs:\n  - directory: proto/api\nplugins:\n  - local: protoc-gen-es\n    out: gen/api\n    opt: target=ts\n",
      "shipgraph.yaml": shipgraphYaml,
      ...extra,
    });
  }

  it("an undeclared module of the workspace that a compiled file imports from: its change reaches the generator, stamps included", async () => {
    const repo = siblings(
      "protos:\n  api: { path: proto/api }\ngenerators:\n  api: { template: buf.gen.api.yaml }\n",
    );
    buf(repo, "generate", "--template", "buf.gen.api.yaml");
    repo.commit("generated");
    expect((await shipgraph(repo.dir, ["stamp"])).code).toBe(0);
    repo.commit("stamp");
    feature(repo).write({
      "proto/common/acme/common/v1/money.proto": proto(
        "acme.common.v1",
        "enum Money { MONEY_UNSPECIFIED = 0; }",
      ),
    });
    expect((await shipgraph(repo.dir, ["drift", "--quick"])).code).toBe(1);
    repo.commit("money");
    const report = await affected(repo);
    expect(report.affected.generator).toEqual(["api"]);
    expect(report.generatedFiles.api).toEqual(["gen/api/acme/api/v1/order_pb.ts"]);
    expect(report.unownedFiles).toEqual([]);
    buf(repo, "generate", "--template", "buf.gen.api.yaml");
    expect(changedInTree(repo)).toEqual(["gen/api/acme/api/v1/order_pb.ts"]);
    // a file of that module no compiled file imports: no generator
    repo.git("checkout", "-q", "-b", "status", "main");
    repo.append("proto/common/acme/common/v1/status.proto", "// x\n").commit("status");
    expect((await affected(repo)).affected.generator).toEqual([]);
  });

  it("a template without inputs compiles the root workspace's undeclared modules too, not only imports from them", async () => {
    const repo = siblings(
      "protos:\n  api: { path: proto/api }\ngenerators:\n  ts: { template: buf.gen.ts.yaml }\n",
      {
        "buf.gen.ts.yaml":
          "version: v2\nplugins:\n  - local: protoc-gen-es\n    out: gen/ts\n    opt: target=ts\n",
      },
    );
    feature(repo).append("proto/common/acme/common/v1/status.proto", "// x\n").commit("status");
    const report = await affected(repo);
    expect(report.affected.generator).toEqual(["ts"]);
    expect(report.generatedFiles.ts).toEqual(["gen/ts/acme/common/v1/status_pb.ts"]);
  });

  it("a directory input that is a workspace compiles its undeclared modules; one naming a single module does not", async () => {
    const files = {
      "proto/buf.yaml": "version: v2\nmodules:\n  - path: a\n  - path: b\n",
      "proto/a/x/v1/a.proto": proto("x.v1", "message A { string v = 1; }"),
      "proto/b/y/v1/b.proto": proto("y.v1", "message B { string v = 1; }"),
      "buf.gen.ws.yaml":
        "version: v2\ninputs:\n  - directory: proto\nplugins:\n  - local: protoc-gen-es\n    out: gen/ws\n    opt: target=ts\n",
      "buf.gen.a.yaml":
        "version: v2\ninputs:\n  - directory: proto/a\nplugins:\n  - local: protoc-gen-es\n    out: gen/a\n    opt: target=ts\n",
      "shipgraph.yaml":
        "protos:\n  a: { path: proto/a }\ngenerators:\n  ws: { template: buf.gen.ws.yaml }\n  one: { template: buf.gen.a.yaml }\n",
    };
    const repo = gitRepo(files);
    buf(repo, "generate", "--template", "buf.gen.ws.yaml");
    expect(changedInTree(repo)).toEqual(["gen/ws/x/v1/a_pb.ts", "gen/ws/y/v1/b_pb.ts"]);
    const changed = gitRepo(files);
    feature(changed).append("proto/b/y/v1/b.proto", "// x\n").commit("b");
    const report = await affected(changed);
    expect(report.affected.generator).toEqual(["ws"]);
    expect(report.generatedFiles.ws).toEqual(["gen/ws/y/v1/b_pb.ts"]);
  });

  it("a directory input holding a declared entry the generator's protos leave out: warned about and counted as compiled", async () => {
    const repo = gitRepo({
      "proto/buf.yaml": "version: v2\nmodules:\n  - path: a\n  - path: b\n",
      "proto/a/x/v1/a.proto": proto("x.v1", "message A { string v = 1; }"),
      "proto/b/y/v1/b.proto": proto("y.v1", "message B { string v = 1; }"),
      "buf.gen.yaml":
        "version: v2\ninputs:\n  - directory: proto\nplugins:\n  - local: protoc-gen-es\n    out: gen/ts\n    opt: target=ts\n",
      "shipgraph.yaml":
        "protos:\n  a: { path: proto/a }\n  b: { path: proto/b }\ngenerators:\n  ts:\n    template: buf.gen.yaml\n    protos: [a]\n",
    });
    feature(repo).append("proto/b/y/v1/b.proto", "message C {}\n").commit("b");
    const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
    expect(run.code, run.stderr).toBe(0);
    const report = run.json<Report & { warnings: string[] }>();
    expect(report.affected.generator).toEqual(["ts"]);
    expect(report.generatedFiles.ts).toEqual(["gen/ts/y/v1/b_pb.ts"]);
    expect(report.warnings).toContainEqual(expect.stringContaining("its input proto holds protos.b too"));
  });

  it("a template without inputs compiles the whole root workspace: a protos list that leaves a module out is warned about and extended", async () => {
    const repo = siblings(
      "protos:\n  api: { path: proto/api }\n  common: { path: proto/common }\ngenerators:\n  ts:\n    template: buf.gen.ts.yaml\n    protos: [api]\n",
      {
        "buf.gen.ts.yaml":
          "version: v2\nplugins:\n  - local: protoc-gen-es\n    out: gen/ts\n    opt: target=ts\n",
      },
    );
    feature(repo).append("proto/common/acme/common/v1/status.proto", "// x\n").commit("status");
    const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
    expect(run.code, run.stderr).toBe(0);
    const report = run.json<Report & { warnings: string[] }>();
    expect(report.affected.generator).toEqual(["ts"]);
    expect(report.generatedFiles.ts).toEqual(["gen/ts/acme/common/v1/status_pb.ts"]);
    expect(report.warnings).toContainEqual(
      expect.stringContaining(
        "shipgraph.yaml generators.ts.protos: buf generate --template buf.gen.ts.yaml has no input",
      ),
    );
  });

  it("a nested buf.yaml with none at the root: buf generate without an input builds the root instead, a config error; init infers the input", async () => {
    const files = {
      "proto/buf.yaml": "version: v1\nbuild:\n  excludes: [legacy]\n",
      "proto/acme/v1/a.proto": proto("acme.v1", "message A { string x = 1; }"),
      "proto/legacy/l.proto": proto("legacy", "message L { string x = 1; }"),
      "buf.gen.yaml": "version: v2\nplugins:\n  - local: protoc-gen-es\n    out: gen\n    opt: target=ts\n",
    };
    const configured = gitRepo({
      ...files,
      "shipgraph.yaml": "protos:\n  core: { path: proto }\ngenerators:\n  es: { template: buf.gen.yaml }\n",
    });
    // what buf really does there: the root as one module, the excluded file compiled
    buf(configured, "generate", "--template", "buf.gen.yaml");
    expect(changedInTree(configured)).toEqual(["gen/proto/acme/v1/a_pb.ts", "gen/proto/legacy/l_pb.ts"]);
    const run = await shipgraph(configured.dir, ["affected", "--files", "proto/acme/v1/a.proto"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("error[CONFIG_INVALID]");
    expect(run.stderr).toContain('`run: "buf generate proto --template buf.gen.yaml"`');
    // without a config: init writes that run, and drift agrees with code generated that way
    const inferred = gitRepo(files);
    buf(inferred, "generate", "proto", "--template", "buf.gen.yaml");
    inferred.commit("generated");
    const init = await shipgraph(inferred.dir, ["init", "--dry-run"]);
    expect(init.stdout).toContain('run: "buf generate proto --template buf.gen.yaml"');
    // generated at the root (outputs under gen/proto/): init cannot pick the input, and says so
    const atRoot = gitRepo(files);
    buf(atRoot, "generate", "--template", "buf.gen.yaml");
    atRoot.commit("generated");
    const gap = await shipgraph(atRoot.dir, ["affected", "--files", "proto/acme/v1/a.proto"]);
    expect(gap.code).toBe(2);
    expect(gap.stderr).toContain("its committed outputs under gen/proto/ show it is generated at the root");
    const drift = await shipgraph(inferred.dir, ["drift"]);
    expect(drift.code, drift.stdout + drift.stderr).toBe(0);
  });
});

describe("buf v2 modules with excludes and includes", () => {
  it("shipgraph owns exactly the protos buf compiles", async () => {
    const repo = modulesV2();
    expect(() => buf(repo, "build")).not.toThrow();
    const compiled = bufFiles(repo);
    expect(compiled).toEqual([V2.a, V2.pub]);
    const report = await affectedFiles(repo, trackedProtos(repo));
    expect(report.unownedFiles).toEqual([V2.priv, V2.internal].sort());
  });

  it.each([
    ["an excluded", V2.internal],
    ["a non-included", V2.priv],
  ])("a change to %s proto is unowned and sets no needs.proto", async (_, file) => {
    const repo = feature(modulesV2());
    repo.append(file, "// touched\n").commit();
    const report = await affected(repo);
    expect(report.unownedFiles).toEqual([file]);
    expect(report.needs.proto).toBe(false);
    expect(report.affected.proto).toEqual([]);
    expect(report.affected.generator).toEqual([]);
    expect(report.protoFiles).toEqual([]);
  });

  it("a change to an included proto affects its module and the generator, which lists what buf writes for it", async () => {
    const repo = feature(modulesV2());
    repo.append(V2.pub, "message P2 { string v = 1; }\n").commit();
    const report = await affected(repo);
    expect(report.unownedFiles).toEqual([]);
    expect(report.needs.proto).toBe(true);
    expect(report.affected.proto).toEqual(["b"]);
    expect(report.affected.generator).toEqual(["sdk"]);
    expect(report.protoFiles).toEqual([V2.pub]);
    // module b's root is proto/b: the import path (and output name) starts at public/
    expect(report.generatedFiles).toEqual({ sdk: ["gen/public/p_pb.ts"] });
    buf(repo, "generate", "--template", "buf.gen.yaml", "--path", "proto/b/public");
    expect(changedInTree(repo)).toEqual(["gen/public/p_pb.ts"]);
  });
});

// --- 3. every kind of plugin in one template ------------------------------------------------

const LEAF = "proto/acme/v1/leaf.proto";

function pluginKindsRepo(): TestRepo {
  const repo = gitRepo({
    ".gitignore": "node_modules\n",
    "buf.yaml": "version: v2\nmodules:\n  - path: proto\n",
    [LEAF]: proto("acme.v1", "message Leaf { string v = 1; }", {
      options: ['go_package = "github.com/acme/gen/go/acme/v1;acmev1"'],
    }),
    "proto/acme/v1/other.proto": proto("acme.v1", "message Other { string v = 1; }", {
      options: ['go_package = "github.com/acme/gen/go/acme/v1;acmev1"'],
    }),
    "tools/gen.mjs": DUMP_PLUGIN,
    "buf.gen.yaml": [
      "version: v2",
      "plugins:",
      "  - local: protoc-gen-es",
      "    out: gen/es",
      "    opt: target=ts",
      '  - local: ["node", "tools/gen.mjs"]',
      "    out: gen/custom",
      "  - remote: buf.build/protocolbuffers/go:v1.34.2",
      "    out: gen/go",
      "    opt: paths=source_relative",
      "  - protoc_builtin: python",
      "    out: gen/py",
      "",
    ].join("\n"),
    // what the plugins that can run offline write (the local ones)
    "buf.gen.local.yaml": [
      "version: v2",
      "plugins:",
      "  - local: protoc-gen-es",
      "    out: gen/es",
      "    opt: target=ts",
      '  - local: ["node", "tools/gen.mjs"]',
      "    out: gen/custom",
      "",
    ].join("\n"),
    "shipgraph.yaml": "protos:\n  api: { path: proto }\ngenerators:\n  multi: { template: buf.gen.yaml }\n",
  });
  linkNodeModules(repo);
  buf(repo, "generate", "--template", "buf.gen.local.yaml");
  repo.commit("generated");
  return feature(repo);
}

describe("a v2 template with local (string and argv), remote and protoc_builtin plugins", () => {
  it("the local plugins are real and write what is checked in", () => {
    const repo = pluginKindsRepo();
    expect(repo.git("ls-files", "gen").split("\n").filter(Boolean).sort()).toEqual([
      "gen/custom/acme/v1/leaf.txt",
      "gen/custom/acme/v1/other.txt",
      "gen/es/acme/v1/leaf_pb.ts",
      "gen/es/acme/v1/other_pb.ts",
    ]);
  });

  it("affected lists each known plugin's file for the changed leaf, and every tracked file under the unknown argv plugin's out", async () => {
    const repo = pluginKindsRepo();
    repo.append(LEAF, "message LeafNote { string text = 1; }\n").commit();
    // shipgraph never runs buf in `affected`: the remote and protoc_builtin plugins need no network or protoc
    const report = await affected(repo);
    expect(report.affected.generator).toEqual(["multi"]);
    expect(report.protoFiles).toEqual([LEAF]);
    expect(report.generatedFiles).toEqual({
      multi: [
        // argv plugin: unknown naming → everything tracked under gen/custom, other.proto's file included
        "gen/custom/acme/v1/leaf.txt",
        "gen/custom/acme/v1/other.txt",
        "gen/es/acme/v1/leaf_pb.ts",
        // paths=source_relative: next to the proto's import path, not under the go import path
        "gen/go/acme/v1/leaf.pb.go",
        "gen/py/acme/v1/leaf_pb2.py",
      ],
    });
    // what the local plugins really rewrite is within the list
    buf(repo, "generate", "--template", "buf.gen.local.yaml");
    for (const file of changedInTree(repo)) expect(report.generatedFiles.multi).toContain(file);
    expect(changedInTree(repo)).toContain("gen/es/acme/v1/leaf_pb.ts");
  });
});

// --- 4. proto_file input --------------------------------------------------------------------

const USERS = "proto/acme/users/v1/users.proto";
const ADMIN = "proto/acme/users/v1/admin.proto";
const IDS = "proto/acme/common/v1/ids.proto";
const CATALOG = "proto/acme/catalog/v1/catalog.proto";

function protoFileRepo(input = "proto_file: proto/acme/users/v1/users.proto"): TestRepo {
  return gitRepo({
    "buf.yaml": "version: v2\nmodules:\n  - path: proto\n",
    [IDS]: proto("acme.common.v1", "message Id { string v = 1; }"),
    [USERS]: proto("acme.users.v1", "message User { acme.common.v1.Id id = 1; }", {
      imports: ["acme/common/v1/ids.proto"],
    }),
    // same package and directory as users.proto, imported by nothing
    [ADMIN]: proto("acme.users.v1", "message Admin { string v = 1; }"),
    [CATALOG]: proto("acme.catalog.v1", "message Item { string v = 1; }"),
    "buf.gen.users.yaml": [
      "version: v2",
      "inputs:",
      `  - ${input}`,
      "plugins:",
      "  - local: protoc-gen-es",
      "    out: gen/users",
      "    opt: target=ts",
      "",
    ].join("\n"),
    "shipgraph.yaml":
      "protos:\n  api: { path: proto }\ngenerators:\n  users-sdk: { template: buf.gen.users.yaml }\n",
  });
}

describe("a v2 template whose input is one proto_file", () => {
  it("buf generates that file only", () => {
    const repo = protoFileRepo();
    buf(repo, "generate", "--template", "buf.gen.users.yaml");
    expect(changedInTree(repo)).toEqual(["gen/users/acme/users/v1/users_pb.ts"]);
  });

  it("a change to a file it imports affects the generator, which lists the proto_file's output only", async () => {
    const repo = feature(protoFileRepo());
    repo.append(IDS, "message TraceId { string v = 1; }\n").commit();
    const report = await affected(repo);
    expect(report.affected.generator).toEqual(["users-sdk"]);
    expect(report.reasons["generator:users-sdk"]!.cause).toMatchObject({
      rule: "proto",
      file: IDS,
      via: `${USERS}, which the generator compiles, imports it`,
    });
    expect(report.generatedFiles).toEqual({ "users-sdk": ["gen/users/acme/users/v1/users_pb.ts"] });
  });

  it("a change to the proto_file itself affects the generator", async () => {
    const repo = feature(protoFileRepo());
    repo.append(USERS, "message UserNote { string v = 1; }\n").commit();
    const report = await affected(repo);
    expect(report.affected.generator).toEqual(["users-sdk"]);
    expect(report.generatedFiles).toEqual({ "users-sdk": ["gen/users/acme/users/v1/users_pb.ts"] });
  });

  it.each([
    ["a sibling in the same package", ADMIN],
    ["an unrelated file of the module", CATALOG],
  ])("a change to %s does not affect it (the module still changed)", async (_, file) => {
    const repo = feature(protoFileRepo());
    repo.append(file, "// touched\n").commit();
    const report = await affected(repo);
    expect(report.affected.proto).toEqual(["api"]);
    expect(report.affected.generator).toEqual([]);
  });

  it("include_package_files: true also compiles the file's package siblings, so a sibling's change affects it", async () => {
    const input = "proto_file: proto/acme/users/v1/users.proto\n    include_package_files: true";
    const fresh = protoFileRepo(input);
    buf(fresh, "generate", "--template", "buf.gen.users.yaml");
    expect(changedInTree(fresh)).toEqual([
      "gen/users/acme/users/v1/admin_pb.ts",
      "gen/users/acme/users/v1/users_pb.ts",
    ]);

    const repo = feature(protoFileRepo(input));
    repo.append(ADMIN, "message AdminNote { string v = 1; }\n").commit();
    const report = await affected(repo);
    expect({ generators: report.affected.generator, generatedFiles: report.generatedFiles }).toEqual({
      generators: ["users-sdk"],
      generatedFiles: { "users-sdk": ["gen/users/acme/users/v1/admin_pb.ts"] },
    });
  });
});

// --- 5. managed mode ------------------------------------------------------------------------

const MANAGED_A = "proto/acme/v1/a.proto";

/** One module at proto; a.proto sets its own go_package; `template` is the go generator's buf.gen.go.yaml. */
function managedRepo(template: string): TestRepo {
  const repo = gitRepo({
    ".gitignore": "node_modules\n",
    "buf.yaml": "version: v2\nmodules:\n  - path: proto\n",
    [MANAGED_A]: proto("acme.v1", "message A { string v = 1; }", {
      options: ['go_package = "example.com/own/acme/v1;ownv1"'],
    }),
    "tools/dump.mjs": DUMP_PLUGIN,
    "buf.gen.go.yaml": template,
    "shipgraph.yaml": "protos:\n  api: { path: proto }\ngenerators:\n  go: { template: buf.gen.go.yaml }\n",
  });
  return feature(linkNodeModules(repo));
}

const V2_PREFIX = [
  "managed:",
  "  enabled: true",
  "  override:",
  "    - file_option: go_package_prefix",
  "      value: github.com/acme/gen/go",
  "",
].join("\n");

const GO_REMOTE = "plugins:\n  - remote: buf.build/protocolbuffers/go:v1.34.2\n    out: gen/go\n";

/** The .pb.go protoc-gen-go writes with the default paths=import: <out>/<go import path>/<file stem>.pb.go. */
function pbGo(out: string, goPackage: string, importPath: string): string {
  const stem = importPath.slice(importPath.lastIndexOf("/") + 1).replace(/\.proto$/, "");
  return `${out}/${goPackage.split(";")[0]}/${stem}.pb.go`;
}

async function goFilesFor(repo: TestRepo): Promise<string[] | undefined> {
  repo.append(MANAGED_A, "message Note { string v = 1; }\n").commit();
  const report = await affected(repo);
  expect(report.affected.generator).toEqual(["go"]);
  return report.generatedFiles.go;
}

describe("managed mode: go_package_prefix decides where protoc-gen-go writes", () => {
  it("v2 override go_package_prefix (paths=import): <out>/<prefix>/<proto dir>/<name>.pb.go", async () => {
    const repo = managedRepo(`version: v2\n${V2_PREFIX}${GO_REMOTE}`);
    // real buf: managed mode replaces the file's own go_package
    const goPackage = bufGoPackages(repo, "v2", V2_PREFIX)["acme/v1/a.proto"]!;
    expect(goPackage).toBe("github.com/acme/gen/go/acme/v1;acmev1");
    expect(await goFilesFor(repo)).toEqual([pbGo("gen/go", goPackage, "acme/v1/a.proto")]);
    expect(pbGo("gen/go", goPackage, "acme/v1/a.proto")).toBe(
      "gen/go/github.com/acme/gen/go/acme/v1/a.pb.go",
    );
  });

  it("v2 disable go_package_prefix for a path (relative to the module root, as buf reads it): the file's own go_package is used", async () => {
    const managed = `${V2_PREFIX}  disable:\n    - file_option: go_package_prefix\n      path: acme/v1\n`;
    const repo = managedRepo(`version: v2\n${managed}${GO_REMOTE}`);
    const goPackage = bufGoPackages(repo, "v2", managed)["acme/v1/a.proto"]!;
    expect(goPackage).toBe("example.com/own/acme/v1;ownv1");
    expect(await goFilesFor(repo)).toEqual(["gen/go/example.com/own/acme/v1/a.pb.go"]);
  });

  it("v2 disable with a repository-relative path matches no file in buf: the prefix still applies", async () => {
    const managed = `${V2_PREFIX}  disable:\n    - file_option: go_package_prefix\n      path: proto/acme/v1\n`;
    const repo = managedRepo(`version: v2\n${managed}${GO_REMOTE}`);
    const goPackage = bufGoPackages(repo, "v2", managed)["acme/v1/a.proto"]!;
    expect(goPackage).toBe("github.com/acme/gen/go/acme/v1;acmev1");
    expect(await goFilesFor(repo)).toEqual(["gen/go/github.com/acme/gen/go/acme/v1/a.pb.go"]);
  });

  it("v1 managed go_package_prefix.default with a v1 remote go plugin", async () => {
    const managed = "managed:\n  enabled: true\n  go_package_prefix:\n    default: github.com/acme/gen\n";
    const repo = managedRepo(
      `version: v1\n${managed}plugins:\n  - plugin: buf.build/protocolbuffers/go:v1.34.2\n    out: gen/go\n`,
    );
    const goPackage = bufGoPackages(repo, "v1", managed)["acme/v1/a.proto"]!;
    expect(goPackage).toBe("github.com/acme/gen/acme/v1;acmev1");
    expect(await goFilesFor(repo)).toEqual(["gen/go/github.com/acme/gen/acme/v1/a.pb.go"]);
  });
});

// --- 6. malformed buf files -----------------------------------------------------------------

/** A valid repo whose generator uses buf.gen.bad.yaml, with `files` overriding any of its files. */
function badRepo(files: Record<string, string>): TestRepo {
  return gitRepo({
    "buf.yaml": "version: v2\nmodules:\n  - path: proto\n",
    [LEAF]: proto("acme.v1", "message Leaf { string v = 1; }"),
    "buf.gen.bad.yaml": "version: v2\nplugins:\n  - local: protoc-gen-es\n    out: gen/es\n",
    "shipgraph.yaml": "protos:\n  api: { path: proto }\ngenerators:\n  bad: { template: buf.gen.bad.yaml }\n",
    ...files,
  });
}

async function failsWith(repo: TestRepo, ...expected: string[]): Promise<void> {
  const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
  expect(run.code).toBe(2);
  expect(run.stdout).toBe("");
  for (const text of expected) expect(run.stderr).toContain(text);
}

function bufFails(repo: TestRepo, ...args: string[]): string {
  try {
    buf(repo, ...args);
  } catch (error) {
    return String((error as { stderr?: string }).stderr);
  }
  throw new Error(`buf ${args.join(" ")} succeeded`);
}

describe("malformed buf files exit 2, naming the file, line and key (buf rejects them too)", () => {
  it("a v2 plugin with both local and remote", async () => {
    const repo = feature(
      badRepo({
        "buf.gen.bad.yaml": [
          "version: v2",
          "plugins:",
          "  - local: protoc-gen-es",
          "    out: gen/es",
          "  - local: protoc-gen-es",
          "    remote: buf.build/bufbuild/es:v2.2.0",
          "    out: gen/other",
          "",
        ].join("\n"),
      }),
    );
    repo.append(LEAF, "// touched\n").commit();
    await failsWith(repo, "TEMPLATE_INVALID", "buf.gen.bad.yaml:5: plugins[1] sets local and remote");
    expect(bufFails(repo, "generate", "--template", "buf.gen.bad.yaml")).toContain(
      "only one of remote, local or protoc_builtin",
    );
  });

  it("a plugin without out", async () => {
    const repo = feature(
      badRepo({
        "buf.gen.bad.yaml": [
          "version: v2",
          "plugins:",
          "  - local: protoc-gen-es",
          "    out: gen/es",
          "  - local: protoc-gen-es",
          "    opt: target=ts",
          "",
        ].join("\n"),
      }),
    );
    repo.append(LEAF, "// touched\n").commit();
    await failsWith(repo, "TEMPLATE_INVALID", "buf.gen.bad.yaml:5: plugins[1].out is missing");
    expect(bufFails(repo, "generate", "--template", "buf.gen.bad.yaml")).toContain("must specify out");
  });

  it("a buf.yaml with modules: 3", async () => {
    const repo = feature(badRepo({ "buf.yaml": "version: v2\nmodules: 3\n" }));
    repo.append(LEAF, "// touched\n").commit();
    await failsWith(repo, "BUF_CONFIG_INVALID", "buf.yaml:2: modules must be a list");
    expect(bufFails(repo, "build")).toContain("line 2");
  });
});
