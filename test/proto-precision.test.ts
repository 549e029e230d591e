import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generatorInputFiles, hashFiles } from "../packages/core/src/drift/stamp.js";
import { loadGraph } from "../packages/core/src/load-graph.js";
import { readProtoClosure, readProtoIndex } from "../packages/core/src/proto/load.js";
import { stableStringify } from "../packages/core/src/util/sort.js";
import { shipgraph } from "./helpers/cli.js";
import { driftIn } from "./helpers/drift.js";
import { binDir, buf, exampleRepo, gitRepo, projectRoot, type TestRepo } from "./helpers/repo.js";

/**
 * Issue 4: a .proto change counts only for the generators that compile it or a file importing it,
 * and `affected` names the proto files and the generated files it rewrites.
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

/** Files the working tree changed (after running buf), sorted. */
function changedInTree(repo: TestRepo): string[] {
  return repo
    .git("status", "--porcelain", "--untracked-files=all")
    .split("\n")
    .filter(Boolean)
    .map((line) => line.slice(3))
    .sort();
}

const SDK = "packages/sdk/src/gen/acme";
const ROUTES = "packages/routes/src/gen/acme";

describe("buf files changed in what buf generate does not read", () => {
  it("lint, breaking and comments in buf.yaml, or a comment in a template, run no generator", async () => {
    const repo = exampleRepo();
    repo
      .write({
        "buf.yaml": repo
          .git("show", "HEAD:buf.yaml")
          .replace("STANDARD", "DEFAULT")
          .replace("FILE", "WIRE_JSON"),
        "buf.gen.ts.yaml": `# the TypeScript SDK\n${repo.git("show", "HEAD:buf.gen.ts.yaml")}`,
      })
      .commit("lint rules");
    const report = await affected(repo);
    expect(report.affected.generator).toEqual([]);
    // the module itself is touched (a lint job depending on it runs), but nothing it compiles for
    expect(report.affected.proto).toEqual(["core"]);
    expect(report.reasons["proto:core"]!.cause).toEqual({
      kind: "file",
      rule: "proto",
      file: "buf.yaml",
      via: "only what buf generate does not read changed (lint, breaking, comments or layout)",
    });
    expect(report.unownedFiles).toEqual([]);
    // what generation reads still counts: a module's excludes, a plugin's options
    repo
      .write({
        "buf.yaml": `${repo.git("show", "HEAD:buf.yaml")}`.replace(
          "- path: proto",
          "- path: proto\n    excludes: [proto/x]",
        ),
      })
      .commit("excludes");
    expect((await affected(repo)).affected.generator).toEqual(["routes", "ts-sdk"]);
  });

  it("a generator naming buf.yaml in its inputs still counts it; a template's scalars are compared as written", async () => {
    const repo = gitRepo({
      "proto/buf.yaml": "version: v2\nlint:\n  use: [STANDARD]\n",
      "proto/a/v1/a.proto": 'syntax = "proto3";\n',
      "docs/lint.txt": "x\n",
      "buf.gen.yaml":
        "version: v2\nplugins:\n  - remote: buf.build/protocolbuffers/go\n    out: gen\ninputs:\n  - git_repo: https://github.com/acme/protos\n    tag: 1.10\n",
      "shipgraph.yaml":
        'protos:\n  core: { path: proto }\ngenerators:\n  lint-doc:\n    inputs: ["proto/buf.yaml"]\n    outputs: ["docs/lint.txt"]\n    run: "buf config ls-lint-rules --configured-only"\n  go:\n    template: buf.gen.yaml\n    protos: [core]\n    outputs: ["gen/**"]\n',
    });
    repo.git("checkout", "-q", "-b", "change");
    repo.write({ "proto/buf.yaml": "version: v2\nlint:\n  use: [STANDARD, COMMENTS]\n" }).commit();
    expect((await affected(repo)).affected.generator).toEqual(["lint-doc"]);
    repo.git("branch", "-f", "main", "HEAD");
    repo
      .write({ "buf.gen.yaml": repo.git("show", "HEAD:buf.gen.yaml").replace("tag: 1.10", "tag: 1.1") })
      .commit();
    expect((await affected(repo)).affected.generator).toEqual(["go"]);
  });
});

/** Whether real buf generates with the repo's working tree (buf decodes buf.yaml strictly). */
function bufGenerates(repo: TestRepo, template: string): boolean {
  try {
    buf(repo, "generate", "--template", template);
    return true;
  } catch {
    return false;
  } finally {
    repo.git("checkout", "-q", "--", ".");
    repo.git("clean", "-qfd");
  }
}

describe("a template moved with the same data", () => {
  it("runs no generator, since buf resolves out and plugin paths from the root; a data change or a shared path still counts", async () => {
    const repo = exampleRepo();
    // an old path left behind must not read as an unowned change
    repo.git("checkout", "-q", "main");
    repo.write({
      "shipgraph.yaml": repo.read("shipgraph.yaml").replace("unowned: ignore", "unowned: error"),
    });
    repo.commit("unowned: error");
    repo.git("checkout", "-q", "-B", "feature", "main");
    const config = repo.read("shipgraph.yaml");
    repo.git("mv", "buf.gen.ts.yaml", "buf.gen.sdk.yaml");
    repo.write({ "gen/routes.yaml": repo.read("buf.gen.routes.yaml") }).remove("buf.gen.routes.yaml");
    repo
      .write({
        "shipgraph.yaml": config
          .replace("template: buf.gen.ts.yaml", "template: buf.gen.sdk.yaml")
          .replace("template: buf.gen.routes.yaml", "template: gen/routes.yaml"),
      })
      .commit("move templates");
    const moved = await affected(repo);
    expect(moved.affected).toMatchObject({ generator: [], package: [], image: [], target: [] });
    expect(moved.unownedFiles).toEqual([]);
    // the truth: real buf writes the checked-in files again from the new paths
    buf(repo, "generate", "--template", "buf.gen.sdk.yaml");
    buf(repo, "generate", "--template", "gen/routes.yaml");
    expect(changedInTree(repo)).toEqual([]);

    // moved and changed: counts
    repo.write({ "buf.gen.sdk.yaml": repo.read("buf.gen.sdk.yaml").replace("target=ts", "target=js") });
    repo.commit("moved and changed");
    expect((await affected(repo)).affected.generator).toEqual(["ts-sdk"]);

    // ts-sdk moves onto routes' template path, whose data changes under routes: routes counts
    repo.git("reset", "-q", "--hard", "main");
    repo.git("mv", "-f", "buf.gen.ts.yaml", "buf.gen.routes.yaml");
    repo
      .write({
        "shipgraph.yaml": config.replace("template: buf.gen.ts.yaml", "template: buf.gen.routes.yaml"),
      })
      .commit("share a path");
    const shared = await affected(repo);
    expect(shared.affected.generator).toEqual(["routes", "ts-sdk"]);
    expect(shared.reasons["generator:routes"]!.cause).toMatchObject({ file: "buf.gen.routes.yaml" });
  });

  it("an image that copies the template's old path still counts: the move deletes what it copies", async () => {
    const repo = exampleRepo();
    repo.git("checkout", "-q", "main");
    repo.write({
      "shipgraph.yaml": repo
        .read("shipgraph.yaml")
        .replace(
          "\ntargets:",
          "  tools:\n    context: .\n    dockerfile: images/tools/Dockerfile\n\ntargets:",
        ),
      "images/tools/Dockerfile": "FROM alpine\nCOPY buf.gen.ts.yaml /etc/buf.gen.yaml\n",
    });
    repo.commit("tools image");
    repo.git("checkout", "-q", "-B", "feature", "main");
    repo.git("mv", "buf.gen.ts.yaml", "buf.gen.sdk.yaml");
    repo
      .write({
        "shipgraph.yaml": repo
          .read("shipgraph.yaml")
          .replace("template: buf.gen.ts.yaml", "template: buf.gen.sdk.yaml"),
      })
      .commit("move the template");
    const moved = await affected(repo);
    expect(moved.affected.generator).toEqual([]);
    expect(moved.affected.image).toEqual(["tools"]);
    expect(moved.reasons["image:tools"]!.cause).toMatchObject({ file: "buf.gen.ts.yaml" });
  });
});

describe("a template moved under a command that is not buf generate", () => {
  it("counts: the command may resolve paths from the template's directory (here, buf's -o)", async () => {
    const config = (template: string) =>
      `protos:\n  core: { path: proto }\ngenerators:\n  ts:\n    template: ${template}\n    protos: [core]\n    run: [sh, tools/gen.sh, ${template}]\n    outputs: ["sdk/gen/**", "web/gen/**"]\n`;
    const repo = gitRepo({
      ".gitignore": "node_modules\n",
      "package.json": JSON.stringify({ name: "root", private: true }),
      "proto/buf.yaml": "version: v1\n",
      "proto/acme/v1/a.proto": 'syntax = "proto3";\npackage acme.v1;\nmessage M { string v = 1; }\n',
      "sdk/buf.gen.yaml":
        "version: v1\nplugins:\n  - plugin: es\n    path: protoc-gen-es\n    out: gen\n    opt: target=ts\n",
      // generates next to the template
      "tools/gen.sh": 'exec buf generate proto --template "$1" -o "$(dirname "$1")"\n',
      "shipgraph.yaml": config("sdk/buf.gen.yaml"),
    });
    symlinkSync(join(projectRoot, "node_modules"), join(repo.dir, "node_modules"), "dir");
    const generate = (template: string) =>
      execFileSync("sh", ["tools/gen.sh", template], {
        cwd: repo.dir,
        env: { ...process.env, PATH: `${binDir}:${process.env.PATH}` },
      });
    generate("sdk/buf.gen.yaml");
    repo.commit("generated");
    repo.git("checkout", "-q", "-b", "move");
    repo
      .write({
        "web/buf.gen.yaml": repo.read("sdk/buf.gen.yaml"),
        "shipgraph.yaml": config("web/buf.gen.yaml"),
      })
      .remove("sdk/buf.gen.yaml")
      .commit("move the template");
    expect((await affected(repo)).affected.generator).toEqual(["ts"]);
    // the truth: the command now writes elsewhere
    generate("web/buf.gen.yaml");
    expect(changedInTree(repo)).toEqual(["web/gen/acme/v1/a_pb.ts"]);
  });
});

describe("a quoted scalar where buf reads a plain one as no string", () => {
  it("a template or buf.yaml edit quoting `~` or `true` is no layout edit: buf rejects it, the generators count", async () => {
    const repo = exampleRepo();
    // the base's template gives no option: `opt: ~` is null to buf, `opt: "~"` the option "~"
    repo.git("checkout", "-q", "main");
    repo.write({ "buf.gen.ts.yaml": repo.read("buf.gen.ts.yaml").replace("opt: target=ts", "opt: ~") });
    repo.commit("no option");
    repo.git("checkout", "-q", "-B", "feature", "main");
    const config = repo.read("shipgraph.yaml");
    const quoted = repo.read("buf.gen.ts.yaml").replace("opt: ~", 'opt: "~"');
    const bufYaml = repo.read("buf.yaml");
    expect(bufGenerates(repo, "buf.gen.ts.yaml")).toBe(true);
    const edit = async (files: Record<string, string>, generated: string, ...removed: string[]) => {
      repo.git("reset", "-q", "--hard", "main");
      repo
        .remove(...removed)
        .write(files)
        .commit();
      return { generates: bufGenerates(repo, generated), report: await affected(repo) };
    };
    // the same text to YAML's failsafe schema, not to buf
    const edited = await edit({ "buf.gen.ts.yaml": quoted }, "buf.gen.ts.yaml");
    expect(edited.generates).toBe(false);
    expect(edited.report.affected.generator).toEqual(["ts-sdk"]);
    // the same, moved
    const moved = await edit(
      {
        "gen/ts.yaml": quoted,
        "shipgraph.yaml": config.replace("template: buf.gen.ts.yaml", "template: gen/ts.yaml"),
      },
      "gen/ts.yaml",
      "buf.gen.ts.yaml",
    );
    expect(moved.generates).toBe(false);
    expect(moved.report.affected.generator).toEqual(["ts-sdk"]);
    // buf.yaml's lint section gains a quoted boolean: buf fails to decode it
    const lint = await edit(
      {
        "buf.yaml": bufYaml.replace(
          "    - STANDARD\n",
          '    - STANDARD\n  disallow_comment_ignores: "true"\n',
        ),
      },
      "buf.gen.ts.yaml",
    );
    expect(lint.generates).toBe(false);
    expect(lint.report.affected.generator).toEqual(["routes", "ts-sdk"]);
    // written plain, it is a lint edit buf accepts: no generator
    const plain = await edit(
      {
        "buf.yaml": bufYaml.replace("    - STANDARD\n", "    - STANDARD\n  disallow_comment_ignores: true\n"),
      },
      "buf.gen.ts.yaml",
    );
    expect(plain.generates).toBe(true);
    expect(plain.report.affected.generator).toEqual([]);
  });
});

describe("lint and breaking sections buf may reject still count", () => {
  it("a v1 module's lint edit runs no generator; one buf rejects (an unknown key, an ignore path leaving the module, a wrong type) does", async () => {
    const v1 = (lint: string) => `version: v1\nlint:\n${lint}breaking:\n  use: [FILE]\n`;
    const repo = gitRepo({
      "buf.work.yaml": "version: v1\ndirectories: [proto/a, proto/b]\n",
      "proto/a/buf.yaml": v1("  use: [DEFAULT]\n"),
      "proto/b/buf.yaml": "version: v1\n",
      "proto/a/acme/a/v1/a.proto":
        'syntax = "proto3";\npackage acme.a.v1;\nmessage A {\n  string x = 1;\n}\n',
      "proto/b/acme/b/v1/b.proto":
        'syntax = "proto3";\npackage acme.b.v1;\nimport "acme/a/v1/a.proto";\nmessage B {\n  acme.a.v1.A a = 1;\n}\n',
      "buf.gen.yaml": "version: v2\nplugins:\n  - local: protoc-gen-es\n    out: gen\n    opt: target=ts\n",
      "shipgraph.yaml":
        "protos:\n  a: { path: proto/a }\n  b: { path: proto/b }\ngenerators:\n  ts:\n    template: buf.gen.yaml\n    protos: [a, b]\n",
    });
    buf(repo, "generate", "--template", "buf.gen.yaml");
    repo.commit("generated");
    repo.git("checkout", "-q", "-b", "change");
    const edit = async (lint: string) => {
      repo.git("reset", "-q", "--hard", "main");
      repo.write({ "proto/a/buf.yaml": v1(lint) }).commit();
      return { generates: bufGenerates(repo, "buf.gen.yaml"), report: await affected(repo) };
    };
    // buf accepts it and writes the same files: only the modules are touched (a lint job runs)
    const rules = await edit(
      "  use: [STANDARD]\n  except: [PACKAGE_VERSION_SUFFIX]\n  ignore: [acme/a]\n  allow_comment_ignores: true\n",
    );
    expect(rules.generates).toBe(true);
    expect(repo.git("status", "--porcelain")).toBe("");
    expect(rules.report.affected.generator).toEqual([]);
    expect(rules.report.affected.proto).toEqual(["a", "b"]);
    // buf rejects each of these, so generation fails: the generator counts
    for (const lint of [
      "  use: [DEFAULT]\n  disallow_comment_ignores: true\n", // a v2 key in a v1 file
      "  use: [DEFAULT]\n  ignore: [../b]\n",
      "  use: DEFAULT\n",
      "  use: [DEFAULT]\n  rpc_allow_same_request_response: maybe\n",
    ]) {
      const broken = await edit(lint);
      expect(broken.generates, lint).toBe(false);
      expect(broken.report.affected.generator, lint).toEqual(["ts"]);
    }
  });

  it("v2: a section buf rejects at the top or in a module counts; the usual edit does not", async () => {
    const repo = exampleRepo();
    const base = repo.read("buf.yaml");
    const edit = async (text: string) => {
      repo.git("reset", "-q", "--hard", "main");
      repo.write({ "buf.yaml": text }).commit();
      return { generates: bufGenerates(repo, "buf.gen.ts.yaml"), report: await affected(repo) };
    };
    const moduleLint = await edit(
      base.replace("- path: proto", "- path: proto\n    lint:\n      ignore: [proto/acme/users]"),
    );
    expect(moduleLint.generates).toBe(true);
    expect(moduleLint.report.affected.generator).toEqual([]);
    for (const text of [
      base.replace("- path: proto", "- path: proto\n    lint:\n      ignore: [other/x]"),
      base.replace("breaking:\n  use:", "breaking:\n  against: x\n  use:"),
      base.replace("lint:\n  use:\n    - STANDARD", "lint: []"),
    ]) {
      const broken = await edit(text);
      expect(broken.generates, text).toBe(false);
      expect(broken.report.affected.generator, text).toEqual(["routes", "ts-sdk"]);
    }
  });
});

describe("proto import graph on the example monorepo (real buf)", () => {
  it("a leaf proto imported by nothing lists exactly its own generated files, which are what buf rewrites", async () => {
    const repo = exampleRepo();
    repo.append("proto/acme/users/v1/users.proto", "\nmessage UserNote {\n  string text = 1;\n}\n").commit();
    const report = await affected(repo);
    expect(report.protoFiles).toEqual(["proto/acme/users/v1/users.proto"]);
    expect(report.generatedFiles).toEqual({
      routes: [`${ROUTES}/users/v1/users_routes.ts`],
      "ts-sdk": [`${SDK}/users/v1/users_pb.ts`],
    });
    // what buf really rewrites is within the list
    buf(repo, "generate", "--template", "buf.gen.ts.yaml");
    buf(repo, "generate", "--template", "buf.gen.routes.yaml");
    const rewritten = changedInTree(repo);
    expect(rewritten).toContain(`${SDK}/users/v1/users_pb.ts`);
    for (const file of rewritten)
      expect(report.generatedFiles["ts-sdk"]!.concat(report.generatedFiles.routes!)).toContain(file);
  });

  it("a widely imported proto lists every transitive importer and their files", async () => {
    const repo = exampleRepo();
    repo.append("proto/acme/common/v1/ids.proto", "\nmessage TraceId {\n  string value = 1;\n}\n").commit();
    const report = await affected(repo);
    expect(report.protoFiles).toEqual([
      "proto/acme/catalog/v1/catalog.proto",
      "proto/acme/common/v1/ids.proto",
      "proto/acme/orders/v1/orders.proto",
      "proto/acme/users/v1/users.proto",
    ]);
    expect(report.generatedFiles["ts-sdk"]).toEqual([
      `${SDK}/catalog/v1/catalog_pb.ts`,
      `${SDK}/common/v1/ids_pb.ts`,
      `${SDK}/orders/v1/orders_pb.ts`,
      `${SDK}/users/v1/users_pb.ts`,
    ]);
    // ids.proto has no service: no route file of its own
    expect(report.generatedFiles.routes).toEqual([
      `${ROUTES}/catalog/v1/catalog_routes.ts`,
      `${ROUTES}/orders/v1/orders_routes.ts`,
      `${ROUTES}/users/v1/users_routes.ts`,
    ]);
  });

  it("money.proto reaches orders.proto through catalog.proto and directly; the reason names the import chain", async () => {
    const repo = exampleRepo();
    repo.append("proto/acme/common/v1/money.proto", "\n// rounding rules documented\n").commit();
    const report = await affected(repo);
    expect(report.protoFiles).toEqual([
      "proto/acme/catalog/v1/catalog.proto",
      "proto/acme/common/v1/money.proto",
      "proto/acme/orders/v1/orders.proto",
    ]);
    expect(report.reasons["generator:ts-sdk"]!.cause).toMatchObject({
      rule: "proto",
      file: "proto/acme/common/v1/money.proto",
      via: "compiled by the generator",
    });
  });

  it("a deleted proto lists its now stale outputs", async () => {
    const repo = exampleRepo();
    repo.write({
      "proto/acme/users/v1/extra.proto": 'syntax = "proto3";\npackage acme.users.v1;\nmessage Extra {}\n',
    });
    buf(repo, "generate", "--template", "buf.gen.ts.yaml");
    repo.commit("add extra");
    repo.git("branch", "-f", "main", "HEAD");
    repo.remove("proto/acme/users/v1/extra.proto").commit("remove extra");
    const report = await affected(repo);
    expect(report.protoFiles).toEqual(["proto/acme/users/v1/extra.proto"]);
    expect(report.generatedFiles["ts-sdk"]).toEqual([`${SDK}/users/v1/extra_pb.ts`]);
    expect(report.generatedFiles.routes).toEqual([]);
  });

  it("a buf.lock change (a dependency's digest) affects every generator of the module with all its outputs", async () => {
    const repo = exampleRepo();
    repo.write({
      "buf.lock":
        "# Generated by buf. DO NOT EDIT.\nversion: v2\ndeps:\n  - name: buf.build/googleapis/googleapis\n    commit: 61b203b9a9164be9a834f58c37be6f62\n    digest: b5:aa\n",
    });
    repo.commit("lock");
    repo.git("branch", "-f", "main", "HEAD");
    repo.write({
      "buf.lock":
        "# Generated by buf. DO NOT EDIT.\nversion: v2\ndeps:\n  - name: buf.build/googleapis/googleapis\n    commit: 72c3d8e1a2b34c5d6e7f8091a2b3c4d5\n    digest: b5:bb\n",
    });
    repo.commit("dep update");
    const report = await affected(repo);
    expect(report.affected.generator).toEqual(["routes", "ts-sdk"]);
    expect(report.reasons["generator:ts-sdk"]!.chain).toEqual(["proto:core", "generator:ts-sdk"]);
    expect(report.generatedFiles["ts-sdk"]).toHaveLength(5);
    expect(report.protoFiles).toEqual([]);
  });

  it("a template change is not a proto change: every output of the generator is listed", async () => {
    const repo = exampleRepo();
    repo.append("buf.gen.ts.yaml", "managed:\n  enabled: false\n").commit(); // data, not a comment
    const report = await affected(repo);
    expect(report.affected.generator).toEqual(["ts-sdk"]);
    expect(report.protoFiles).toEqual([]);
    expect(report.generatedFiles["ts-sdk"]).toHaveLength(5);
  });
});

/** A repo with one buf v2 workspace and templates whose inputs differ. */
function narrowedRepo(extraConfig = "", bufYaml = "version: v2\nmodules:\n  - path: proto\n"): TestRepo {
  const proto = (pkg: string, body: string, imports: string[] = []) =>
    `syntax = "proto3";\npackage ${pkg};\n${imports.map((i) => `import "${i}";\n`).join("")}${body}\n`;
  return gitRepo({
    "buf.yaml": bufYaml,
    "proto/acme/common/v1/ids.proto": proto("acme.common.v1", "message Id { string v = 1; }"),
    "proto/acme/users/v1/users.proto": proto("acme.users.v1", "message User { acme.common.v1.Id id = 1; }", [
      "acme/common/v1/ids.proto",
    ]),
    "proto/acme/catalog/v1/catalog.proto": proto("acme.catalog.v1", "message Item { string v = 1; }"),
    "proto/acme/legacy/v1/old.proto": proto("acme.legacy.v1", "message Old { string v = 1; }"),
    "buf.gen.users.yaml": [
      "version: v2",
      "inputs:",
      "  - directory: proto",
      "    paths: [proto/acme/users]",
      "plugins:",
      "  - local: protoc-gen-es",
      "    out: gen/users",
      "    opt: target=ts",
      "",
    ].join("\n"),
    "buf.gen.all.yaml": [
      "version: v2",
      "inputs:",
      "  - directory: proto",
      "    exclude_paths: [proto/acme/catalog]",
      "plugins:",
      "  - local: [node, node_modules/.bin/protoc-gen-es]",
      "    out: gen/all",
      "    opt: [target=js+dts]",
      "",
    ].join("\n"),
    "shipgraph.yaml": [
      "protos:",
      "  api: { path: proto }",
      "generators:",
      "  users-sdk: { template: buf.gen.users.yaml }",
      "  all-sdk: { template: buf.gen.all.yaml }",
      extraConfig,
      "",
    ].join("\n"),
  });
}

describe("template inputs narrow what a generator compiles", () => {
  it("inputs[].paths: a proto outside the paths does not affect the generator; one they import does", async () => {
    const repo = narrowedRepo();
    repo.git("checkout", "-q", "-b", "feature");
    repo.append("proto/acme/catalog/v1/catalog.proto", "// c\n").commit();
    let report = await affected(repo);
    // catalog is excluded from all-sdk and outside users-sdk's paths
    expect(report.affected.generator).toEqual([]);
    expect(report.affected.proto).toEqual(["api"]);
    expect(report.needs.proto).toBe(true);

    repo.append("proto/acme/common/v1/ids.proto", "// c\n").commit();
    report = await affected(repo);
    expect(report.affected.generator).toEqual(["all-sdk", "users-sdk"]);
    expect(report.reasons["generator:users-sdk"]!.cause).toMatchObject({
      rule: "proto",
      file: "proto/acme/common/v1/ids.proto",
      via: "proto/acme/users/v1/users.proto, which the generator compiles, imports it",
    });
    expect(report.generatedFiles).toEqual({
      "all-sdk": [
        "gen/all/acme/common/v1/ids_pb.d.ts",
        "gen/all/acme/common/v1/ids_pb.js",
        "gen/all/acme/users/v1/users_pb.d.ts",
        "gen/all/acme/users/v1/users_pb.js",
      ],
      "users-sdk": ["gen/users/acme/users/v1/users_pb.ts"],
    });
  });

  it("--path on the generator's run command narrows like inputs[].paths", async () => {
    const repo = narrowedRepo(
      "  cli-sdk:\n    template: buf.gen.all.yaml\n    run: buf generate --template buf.gen.all.yaml --path proto/acme/legacy\n    outputs: [gen/legacy/**]",
    );
    repo.git("checkout", "-q", "-b", "feature");
    repo.append("proto/acme/users/v1/users.proto", "// c\n").commit();
    const report = await affected(repo);
    expect(report.affected.generator).toEqual(["all-sdk", "users-sdk"]);
  });

  it("a proto excluded from its module is no input: nothing is affected and no proto work is needed", async () => {
    const repo = narrowedRepo(
      "",
      "version: v2\nmodules:\n  - path: proto\n    excludes: [proto/acme/legacy]\n",
    );
    repo.git("checkout", "-q", "-b", "feature");
    repo.append("proto/acme/legacy/v1/old.proto", "// c\n").commit();
    const report = await affected(repo);
    expect(report.affected.proto).toEqual([]);
    expect(report.affected.generator).toEqual([]);
    expect(report.needs.proto).toBe(false);
    expect(report.unownedFiles).toEqual(["proto/acme/legacy/v1/old.proto"]);
    expect(report.protoFiles).toEqual([]);
  });

  it("the fixture is what real buf builds: buf generate writes exactly the listed outputs for users-sdk", () => {
    const repo = narrowedRepo();
    buf(repo, "generate", "--template", "buf.gen.users.yaml");
    expect(changedInTree(repo)).toEqual(["gen/users/acme/users/v1/users_pb.ts"]);
  });
});

/**
 * Each generator's `drift --quick` status after `change`, from stamps written (without running
 * the generators: only the hashes matter here) and committed before it.
 */
async function quickAfter(repo: TestRepo, change: (repo: TestRepo) => void): Promise<Record<string, string>> {
  const stamp = await shipgraph(repo.dir, ["stamp", "--no-verify"]);
  expect(stamp.code, stamp.stderr).toBe(0);
  repo.commit("stamp");
  const before = await driftIn(repo, ["--quick"], { readOnly: true });
  expect(before.code, JSON.stringify(before.report)).toBe(0);
  change(repo);
  const { report } = await driftIn(repo, ["--quick"], { readOnly: true });
  return Object.fromEntries(report.generators.map((g) => [g.name, g.status]));
}

const protoText = (pkg: string, body: string, imports: string[] = []) =>
  `syntax = "proto3";\npackage ${pkg};\n${imports.map((i) => `import "${i}";\n`).join("")}${body}\n`;

/** The stamp inputs hash the code before narrowed stamps wrote ("sha256m-", or "sha256-" without x bits): every .proto file counts. */
async function wholeModulesHash(repo: TestRepo, name: string, modes = true): Promise<string> {
  const { graph, snapshot } = await loadGraph({
    cwd: repo.dir,
    untracked: true,
    generatesEdges: false,
    blobIds: true,
  });
  const node = graph.nodes.get(`generator:${name}`)!;
  const files = await hashFiles(snapshot, generatorInputFiles(graph, node, snapshot.files), modes);
  const declaration = stableStringify({ generator: node.generator, owns: node.owns });
  const digest = createHash("sha256").update(declaration).update("\0").update(files).digest("hex");
  return `${modes ? "sha256m-" : "sha256-"}${digest}`;
}

/** Two declared modules of one buf workspace; generator api compiles proto/api, whose order.proto imports common's money.proto. */
function twoModules(extraConfig = ""): TestRepo {
  return gitRepo({
    "buf.yaml": "version: v2\nmodules:\n  - path: proto/api\n  - path: proto/common\n",
    "proto/common/acme/common/v1/money.proto": protoText(
      "acme.common.v1",
      "message Money { int64 units = 1; }",
    ),
    "proto/common/acme/common/v1/status.proto": protoText(
      "acme.common.v1",
      "enum Status { S_UNSPECIFIED = 0; }",
    ),
    "proto/api/acme/api/v1/order.proto": protoText(
      "acme.api.v1",
      "message Order { acme.common.v1.Money total = 1; }",
      ["acme/common/v1/money.proto"],
    ),
    "buf.gen.api.yaml":
      "version: v2\ninputs:\n  - directory: proto/api\nplugins:\n  - local: protoc-gen-es\n    out: gen/api\n    opt: target=ts\n",
    "shipgraph.yaml": `protos:\n  api: { path: proto/api }\n  common: { path: proto/common }\ngenerators:\n  api: { template: buf.gen.api.yaml }\n${extraConfig}`,
  });
}

const UNRELATED = (r: TestRepo) => r.append("proto/acme/catalog/v1/catalog.proto", "// c\n");

/** narrowedRepo with --path and --exclude-path generators: legacy-sdk compiles proto/acme/legacy, rest-sdk all but proto/acme/users. */
function runNarrowedRepo(): TestRepo {
  const template = (out: string) =>
    `version: v2\ninputs:\n  - directory: proto\nplugins:\n  - local: protoc-gen-es\n    out: ${out}\n    opt: target=ts\n`;
  return narrowedRepo(
    [
      "  legacy-sdk:",
      "    run: buf generate --template buf.gen.legacy.yaml --path proto/acme/legacy",
      "  rest-sdk:",
      "    run: buf generate --template buf.gen.rest.yaml --exclude-path proto/acme/users",
    ].join("\n"),
  ).write({ "buf.gen.legacy.yaml": template("gen/legacy"), "buf.gen.rest.yaml": template("gen/rest") });
}

/** narrowedRepo whose users.proto imports google/protobuf/timestamp.proto (vendored in the module with `vendored`). */
function wktRepo(vendored: boolean): TestRepo {
  return narrowedRepo().write({
    ...(vendored
      ? {
          "proto/google/protobuf/timestamp.proto": protoText(
            "google.protobuf",
            "message Timestamp { int64 seconds = 1; }",
          ),
        }
      : {}),
    "proto/acme/users/v1/users.proto": protoText(
      "acme.users.v1",
      "message User { google.protobuf.Timestamp at = 1; }",
      ["google/protobuf/timestamp.proto"],
    ),
  });
}

/** narrowedRepo whose users-sdk compiles the package of users.proto (include_package_files), which roles.proto is in too. */
function packageFilesRepo(): TestRepo {
  return narrowedRepo().write({
    "buf.gen.users.yaml": [
      "version: v2",
      "inputs:",
      "  - proto_file: proto/acme/users/v1/users.proto",
      "    include_package_files: true",
      "plugins:",
      "  - local: protoc-gen-es",
      "    out: gen/users",
      "    opt: target=ts",
      "",
    ].join("\n"),
    "proto/acme/users/v1/roles.proto": protoText("acme.users.v1", "message Role { string v = 1; }"),
  });
}

const BROKEN = 'syntax = "proto3";\npackage acme.common.v1;\nmessage Id { string v = 1;\n';

// Precision: each of these drifted before stamps were narrowed (every .proto file counted).
describe("stamps of a generator that compiles some .proto files leave the others out", () => {
  it("a .proto file it neither compiles nor imports changes no stamp (inputs[].paths, exclude_paths)", async () => {
    const repo = narrowedRepo();
    buf(repo, "generate", "--template", "buf.gen.users.yaml");
    repo.commit("generated");
    // (users-sdk verified with real buf; all-sdk's plugin runs from node_modules, which this repo has not)
    const stamp = await shipgraph(repo.dir, ["stamp", "users-sdk"]);
    expect(stamp.code, stamp.stderr).toBe(0);
    const lock = JSON.parse(readFileSync(join(repo.dir, "shipgraph.lock"), "utf8"));
    expect(lock.generators["users-sdk"].inputs).toMatch(/^sha256n-[0-9a-f]{64}$/);
    expect(await quickAfter(repo, UNRELATED)).toEqual({ "all-sdk": "clean", "users-sdk": "clean" });
    expect(
      await quickAfter(narrowedRepo(), (r) => r.append("proto/acme/legacy/v1/old.proto", "// c\n")),
    ).toEqual({
      "all-sdk": "drift",
      "users-sdk": "clean",
    });
  });

  it("--path and --exclude-path in `run` narrow it as they narrow what buf compiles", async () => {
    const users = await quickAfter(runNarrowedRepo(), (r) =>
      r.append("proto/acme/users/v1/users.proto", "// c\n"),
    );
    expect(users).toMatchObject({ "legacy-sdk": "clean", "rest-sdk": "clean" });
  });

  it("a file of another module that no compiled file imports", async () => {
    const status = "proto/common/acme/common/v1/status.proto";
    expect(await quickAfter(twoModules(), (r) => r.append(status, "// c\n"))).toEqual({ api: "clean" });
  });

  it("buf's own copy of a well-known type is no unknown import: it stays narrowed", async () => {
    expect((await quickAfter(wktRepo(false), UNRELATED))["users-sdk"]).toBe("clean");
  });

  it("include_package_files: a file of another package", async () => {
    expect((await quickAfter(packageFilesRepo(), UNRELATED))["users-sdk"]).toBe("clean");
  });

  it("a file that does not parse but is neither compiled nor imported; an unknown import a buf.lock pins", async () => {
    const elsewhere = narrowedRepo().write({ "proto/acme/legacy/v1/old.proto": BROKEN });
    expect((await quickAfter(elsewhere, UNRELATED))["users-sdk"]).toBe("clean");
    const pinned = narrowedRepo().write({
      "buf.lock": "# Generated by buf. DO NOT EDIT.\nversion: v2\n",
      "proto/acme/users/v1/users.proto": protoText("acme.users.v1", "message User {}", [
        "vendor/x/v1/x.proto",
      ]),
    });
    expect((await quickAfter(pinned, UNRELATED))["users-sdk"]).toBe("clean");
  });

  it("the next stamp after one written before narrowing writes the narrowed form", async () => {
    const repo = narrowedRepo();
    expect((await shipgraph(repo.dir, ["stamp", "--no-verify"])).code).toBe(0);
    const lock = JSON.parse(readFileSync(join(repo.dir, "shipgraph.lock"), "utf8"));
    expect(lock.generators["users-sdk"].inputs).toMatch(/^sha256n-/);
    expect(lock.generators["all-sdk"].inputs).toMatch(/^sha256n-/);
  });
});

// Soundness: each of these drifted before, and must still.
describe("stamps of a generator that compiles some .proto files count those and what they import", () => {
  it("a compiled file, an import, one deleted, one added under its paths, buf.yaml, the template", async () => {
    const changes: [string, (repo: TestRepo) => void][] = [
      ["compiled", (r) => r.append("proto/acme/users/v1/users.proto", "// c\n")],
      ["import", (r) => r.append("proto/acme/common/v1/ids.proto", "// c\n")],
      ["import deleted", (r) => r.remove("proto/acme/common/v1/ids.proto")],
      [
        "file added under its paths",
        (r) => r.write({ "proto/acme/users/v2/more.proto": protoText("acme.users.v2", "message More {}") }),
      ],
      ["buf.yaml", (r) => r.append("buf.yaml", "lint:\n  use: [MINIMAL]\n")],
      ["template", (r) => r.append("buf.gen.users.yaml", "clean: true\n")],
    ];
    for (const [what, change] of changes) {
      expect.soft((await quickAfter(narrowedRepo(), change))["users-sdk"], what).toBe("drift");
    }
  });

  it("--path and --exclude-path in `run`: a file they select", async () => {
    const legacy = await quickAfter(runNarrowedRepo(), (r) =>
      r.append("proto/acme/legacy/v1/old.proto", "// c\n"),
    );
    expect(legacy).toMatchObject({ "legacy-sdk": "drift", "rest-sdk": "drift" });
  });

  it("a file of another module that a compiled file imports: changed or deleted", async () => {
    const money = "proto/common/acme/common/v1/money.proto";
    expect(await quickAfter(twoModules(), (r) => r.append(money, "// c\n"))).toEqual({ api: "drift" });
    expect(await quickAfter(twoModules(), (r) => r.remove(money))).toEqual({ api: "drift" });
  });

  it("a well-known type's file the repository vendors in a module, which a compiled file imports (buf compiles that copy)", async () => {
    const vendored = await quickAfter(wktRepo(true), (r) =>
      r.write({
        "proto/google/protobuf/timestamp.proto": protoText(
          "google.protobuf",
          "message Timestamp { int64 seconds = 1; int32 nanos = 2; }",
        ),
      }),
    );
    expect(vendored["users-sdk"]).toBe("drift");
  });

  it("include_package_files: a file of the package, one that joins it, one added to it elsewhere", async () => {
    const changes: [string, (repo: TestRepo) => void][] = [
      ["in the package", (r) => r.append("proto/acme/users/v1/roles.proto", "// c\n")],
      [
        "joins it",
        (r) =>
          r.write({
            "proto/acme/catalog/v1/catalog.proto": protoText(
              "acme.users.v1",
              "message Item { string v = 1; }",
            ),
          }),
      ],
      [
        "added elsewhere",
        (r) => r.write({ "proto/acme/other/v1/more.proto": protoText("acme.users.v1", "message More {}") }),
      ],
    ];
    for (const [what, change] of changes) {
      expect.soft((await quickAfter(packageFilesRepo(), change))["users-sdk"], what).toBe("drift");
    }
  });

  it("where it cannot be sure which .proto files it reads, every one counts", async () => {
    const cases: [string, () => TestRepo][] = [
      [
        "an import that does not parse",
        () => narrowedRepo().write({ "proto/acme/common/v1/ids.proto": BROKEN }),
      ],
      [
        "an import no repository file has, no buf.lock",
        () =>
          narrowedRepo().write({
            "proto/acme/users/v1/users.proto": protoText("acme.users.v1", "message User {}", [
              "vendor/x/v1/x.proto",
            ]),
          }),
      ],
      [
        "its own .proto directory outside the modules",
        () =>
          narrowedRepo().write({
            "extra/x.proto": protoText("extra", "message X {}"),
            "buf.gen.users.yaml": [
              "version: v2",
              "inputs:",
              "  - directory: proto",
              "    paths: [proto/acme/users]",
              "  - directory: extra",
              "plugins:",
              "  - local: protoc-gen-es",
              "    out: gen/users",
              "    opt: target=ts",
              "",
            ].join("\n"),
          }),
      ],
      [
        "a dependsOn onto the protos entry",
        () => {
          const repo = narrowedRepo();
          return repo.write({
            "shipgraph.yaml": repo
              .read("shipgraph.yaml")
              .replace(
                "users-sdk: { template: buf.gen.users.yaml }",
                'users-sdk: { template: buf.gen.users.yaml, dependsOn: ["proto:api"] }',
              ),
          });
        },
      ],
      [
        "include_package_files and a file that does not parse",
        () =>
          packageFilesRepo().write({ "proto/acme/legacy/v1/old.proto": BROKEN.replace("common", "legacy") }),
      ],
    ];
    for (const [what, repo] of cases) {
      expect.soft((await quickAfter(repo(), UNRELATED))["users-sdk"], what).toBe("drift");
    }
    // generators of module api, which common's status.proto cannot reach through buf
    const other = twoModules(
      [
        "  scripted: { run: node tools/gen.mjs, protos: [api], outputs: [gen/scripted/**] }",
        "  unread:",
        "    template: buf.gen.api.yaml",
        "    run: buf generate --template buf.gen.api.yaml --weird proto/api",
        "    protos: [api]",
        "",
      ].join("\n"),
    );
    const status = await quickAfter(other, (r) =>
      r.append("proto/common/acme/common/v1/status.proto", "// c\n"),
    );
    // (no template; a command not read as buf generate: its input is unknown)
    expect(status).toMatchObject({ scripted: "drift", unread: "drift" });
  });

  it("a `run` that makes buf read another template than `template` (an absolute path): every one counts", async () => {
    const template = (paths: string) =>
      `version: v2\ninputs:\n  - directory: proto\n    paths: [${paths}]\nplugins:\n  - local: protoc-gen-es\n    out: gen/other\n    opt: target=ts\n`;
    const other = (run: (dir: string) => string[]) => {
      const repo = narrowedRepo();
      const config = `  other:\n    template: buf.gen.other.yaml\n    run: ${JSON.stringify(run(repo.dir))}\n`;
      return repo.write({
        "buf.gen.other.yaml": template("proto/acme/users"),
        "buf.gen.catalog.yaml": template("proto/acme/catalog"),
        "shipgraph.yaml": `${repo.read("shipgraph.yaml")}${config}`,
      });
    };
    // (inline data beside `template` is a config error: see run-inline-config.test.ts)
    const runs: [string, (dir: string) => string[]][] = [
      ["absolute", (dir) => ["buf", "generate", "--template", join(dir, "buf.gen.catalog.yaml")]],
    ];
    for (const [what, run] of runs) {
      expect.soft((await quickAfter(other(run), UNRELATED)).other, what).toBe("drift");
    }
  });

  it("a `run` with --config (buf reads another module layout than the buf.yaml modelled): every one counts", async () => {
    // buf 1.75 builds proto/acme as the module here: users.proto's import is common's ids.proto
    const repo = gitRepo({
      "buf.yaml": "version: v2\nmodules:\n  - path: proto\n",
      "buf.alt.yaml": "version: v2\nmodules:\n  - path: proto/acme\n",
      "buf.lock": "# Generated by buf. DO NOT EDIT.\nversion: v2\n",
      "proto/acme/common/v1/ids.proto": protoText("acme.common.v1", "message Id { string v = 1; }"),
      "proto/acme/users/v1/users.proto": protoText(
        "acme.users.v1",
        "message User { acme.common.v1.Id id = 1; }",
        ["common/v1/ids.proto"],
      ),
      "buf.gen.users.yaml":
        "version: v2\nplugins:\n  - local: protoc-gen-es\n    out: gen/users\n    opt: target=ts\n",
      "shipgraph.yaml": [
        "protos:",
        "  api: { path: proto }",
        "generators:",
        "  users-sdk:",
        "    template: buf.gen.users.yaml",
        "    run: buf generate --config buf.alt.yaml --template buf.gen.users.yaml --path proto/acme/users",
        "",
      ].join("\n"),
    });
    const ids = (r: TestRepo) => r.append("proto/acme/common/v1/ids.proto", "// c\n");
    expect((await quickAfter(repo, ids))["users-sdk"]).toBe("drift");
  });

  it("a file it compiles that is a symbolic link, or a `paths` entry through a link to a directory (buf compiles what is behind it)", async () => {
    const fileLink = () => {
      const repo = narrowedRepo().write({
        "proto/acme/legacy/v1/users.proto": protoText("acme.users.v1", "message User { string v = 1; }"),
      });
      repo.remove("proto/acme/users/v1/users.proto");
      symlinkSync("../../legacy/v1/users.proto", join(repo.dir, "proto/acme/users/v1/users.proto"));
      return repo;
    };
    const target = (r: TestRepo) => r.append("proto/acme/legacy/v1/users.proto", "// c\n");
    expect.soft((await quickAfter(fileLink(), target))["users-sdk"], "file").toBe("drift");
    const dirLink = () => {
      const repo = narrowedRepo();
      symlinkSync("catalog", join(repo.dir, "proto/acme/shop"));
      return repo.write({
        "buf.gen.users.yaml": repo
          .read("buf.gen.users.yaml")
          .replace("paths: [proto/acme/users]", "paths: [proto/acme/users, proto/acme/shop/v1]"),
      });
    };
    expect.soft((await quickAfter(dirLink(), UNRELATED))["users-sdk"], "directory").toBe("drift");
  });

  it("a stamp written before narrowing (sha256m-, sha256-) is checked as it was written", async () => {
    for (const modes of [true, false]) {
      const repo = narrowedRepo();
      expect((await shipgraph(repo.dir, ["stamp", "--no-verify"])).code).toBe(0);
      const path = join(repo.dir, "shipgraph.lock");
      const lock = JSON.parse(readFileSync(path, "utf8"));
      lock.generators["users-sdk"].inputs = await wholeModulesHash(repo, "users-sdk", modes);
      writeFileSync(path, JSON.stringify(lock));
      repo.commit("old stamp");
      expect((await driftIn(repo, ["--quick"], { readOnly: true })).code).toBe(0);
      UNRELATED(repo);
      const { report } = await driftIn(repo, ["--quick"], { readOnly: true });
      expect(report.generators.find((g) => g.name === "users-sdk")?.quick).toEqual({
        inputsChanged: true,
        outputsEdited: false,
      });
    }
  });

  it("a generator that compiles every .proto file keeps its stamp: the example's are the old ones", async () => {
    const repo = exampleRepo();
    expect((await shipgraph(repo.dir, ["stamp", "--no-verify"])).code).toBe(0);
    const lock = JSON.parse(readFileSync(join(repo.dir, "shipgraph.lock"), "utf8"));
    for (const name of ["routes", "ts-sdk"]) {
      expect(lock.generators[name].inputs, name).toBe(await wholeModulesHash(repo, name));
    }
  });
});

/** narrowedRepo with a buf.lock (an import no file has is a dependency's) and users.proto importing `importPath` too. */
function pinnedImporting(importPath: string): TestRepo {
  return narrowedRepo().write({
    "buf.lock": "# Generated by buf. DO NOT EDIT.\nversion: v2\n",
    "proto/acme/users/v1/users.proto": protoText("acme.users.v1", "message User {}", [
      "acme/common/v1/ids.proto",
      importPath,
    ]),
  });
}

describe("stamps and .proto files git does not give as they are", () => {
  it("a file it imports that cannot be read (a link to nothing): every .proto file counts; one it does not reach keeps it narrowed", async () => {
    const linked = (importer: string) => {
      const repo = importer === "users" ? pinnedImporting("acme/link/v1/link.proto") : narrowedRepo();
      mkdirSync(join(repo.dir, "proto/acme/link/v1"), { recursive: true });
      symlinkSync("../../../../vendor/link.proto", join(repo.dir, "proto/acme/link/v1/link.proto"));
      return repo;
    };
    expect((await quickAfter(linked("users"), UNRELATED))["users-sdk"]).toBe("drift");
    expect((await quickAfter(linked("none"), UNRELATED))["users-sdk"]).toBe("clean");
  });

  it("a file git ignores that one it compiles imports: hashed, and its imports count", async () => {
    const ignored = () =>
      pinnedImporting("acme/local/v1/local.proto").write({
        ".gitignore": "proto/acme/local/\n",
        "proto/acme/local/v1/local.proto": protoText("acme.local.v1", "message L {}", [
          "acme/catalog/v1/catalog.proto",
        ]),
      });
    const local = "proto/acme/local/v1/local.proto";
    const changes: [string, (repo: TestRepo) => void][] = [
      ["the ignored file", (r) => r.append(local, "// c\n")],
      ["gone (a clone lacks it)", (r) => r.remove(local)],
      ["a file only it imports", UNRELATED],
    ];
    for (const [what, change] of changes) {
      expect.soft((await quickAfter(ignored(), change))["users-sdk"], what).toBe("drift");
    }
    const legacy = (r: TestRepo) => r.append("proto/acme/legacy/v1/old.proto", "// c\n");
    expect((await quickAfter(ignored(), legacy))["users-sdk"]).toBe("clean");
  });
});

describe("what a narrowed stamp reads", () => {
  it("the files it compiles, by their listed paths, and what they import: no other .proto file", async () => {
    const repo = narrowedRepo().write({ "proto/acme/legacy/v1/old.proto": BROKEN });
    const { graph, snapshot } = await loadGraph({ cwd: repo.dir, untracked: true, generatesEdges: false });
    const users = "proto/acme/users/v1/users.proto";
    const { index, unparseable } = await readProtoClosure(graph, snapshot, [users]);
    expect([...index.files.keys()].sort()).toEqual(["proto/acme/common/v1/ids.proto", users]);
    expect([...unparseable.keys()]).toEqual([]);
    const all = await readProtoIndex(graph, snapshot);
    expect([...all.unparseable.keys()]).toEqual(["proto/acme/legacy/v1/old.proto"]);
    expect(all.index.files.size).toBe(3);
  });
});
