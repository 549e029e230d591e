import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { affectedAfterChange } from "./helpers/affected.js";
import { shipgraph } from "./helpers/cli.js";
import { buf, gitRepo, projectRoot, type TestRepo } from "./helpers/repo.js";

/**
 * What a generator compiles and runs, as buf and its command line decide it: each case is a way a
 * change could reach generated code that an earlier version of shipgraph missed (found in review).
 */

interface Report {
  affected: Record<string, string[]>;
  generatedFiles: Record<string, string[]>;
  unownedFiles: string[];
  reasons: Record<string, { cause: { rule?: string; file?: string; detail?: string }; chain: string[] }>;
}

const proto = (pkg: string, body = "", imports: string[] = []) =>
  `syntax = "proto3";\npackage ${pkg};\n${imports.map((i) => `import "${i}";\n`).join("")}message M { string v = 1; }\n${body}`;

/** Commits `files` on main, applies `change` on a branch, returns `affected` as JSON. */
const afterChange = (files: Record<string, string>, change: (repo: TestRepo) => void) =>
  affectedAfterChange<Report>(files, change);

const BUF_V2 = "version: v2\nmodules:\n  - path: proto\n";
const ES = (out: string, extra = "") =>
  `  - local: protoc-gen-es\n    out: ${out}\n    opt: target=ts\n${extra}`;

describe("the generator's command line", () => {
  it("an unknown flag before --template does not become the input (--timeout 10m)", async () => {
    const report = await afterChange(
      {
        "buf.yaml": BUF_V2,
        "proto/acme/a.proto": proto("acme"),
        "buf.gen.yaml": `version: v2\nplugins:\n${ES("gen")}`,
        "shipgraph.yaml":
          "protos: { core: { path: proto } }\ngenerators:\n  sdk:\n    template: buf.gen.yaml\n    run: buf generate --timeout 10m --template buf.gen.yaml\n",
      },
      (r) => r.append("proto/acme/a.proto", "// x\n"),
    );
    expect(report.affected.generator).toEqual(["sdk"]);
  });

  it("a positional input replaces the template's inputs, as buf does", async () => {
    const report = await afterChange(
      {
        "buf.yaml": "version: v2\nmodules:\n  - path: proto/a\n  - path: proto/b\n",
        "proto/a/x/a.proto": proto("x"),
        "proto/b/y/b.proto": proto("y"),
        "buf.gen.yaml": `version: v2\ninputs:\n  - directory: proto/a\nplugins:\n${ES("gen")}`,
        "shipgraph.yaml":
          "protos: { a: { path: proto/a }, b: { path: proto/b } }\ngenerators:\n  sdk:\n    template: buf.gen.yaml\n    run: buf generate --template buf.gen.yaml proto/b\n",
      },
      (r) => r.append("proto/b/y/b.proto", "// x\n"),
    );
    expect(report.affected.generator).toEqual(["sdk"]);
    expect(report.generatedFiles.sdk).toEqual(["gen/y/b_pb.ts"]);
  });

  it("a run with only --template (no template key) reads that template and the protos", async () => {
    const files = {
      "buf.yaml": BUF_V2,
      "proto/acme/a.proto": proto("acme"),
      "buf.gen.yaml": `version: v2\nplugins:\n${ES("gen")}`,
      "shipgraph.yaml":
        "protos: { core: { path: proto } }\ngenerators:\n  sdk:\n    run: buf generate --template buf.gen.yaml\n",
    };
    expect(
      (await afterChange(files, (r) => r.append("proto/acme/a.proto", "// x\n"))).affected.generator,
    ).toEqual(["sdk"]);
    const template = await afterChange(files, (r) =>
      r.append("buf.gen.yaml", "managed:\n  enabled: false\n"),
    );
    expect(template.affected.generator).toEqual(["sdk"]);
    expect(template.unownedFiles).toEqual([]);
  });

  it("--include-imports / --include-wkt in run apply to every plugin: an imported file's outputs are listed", async () => {
    const files = {
      "buf.yaml": "version: v2\nmodules:\n  - path: proto/api\n  - path: proto/common\n",
      "proto/api/acme/api/order.proto": proto("acme.api", "", ["acme/common/money.proto"]),
      "proto/common/acme/common/money.proto": proto("acme.common"),
      "buf.gen.yaml": `version: v2\nplugins:\n${ES("gen")}`,
    };
    const config = (flags: string) =>
      `protos: { api: { path: proto/api }, common: { path: proto/common } }\ngenerators:\n  sdk:\n    template: buf.gen.yaml\n    run: buf generate proto/api --template buf.gen.yaml ${flags}\n`;
    const imports = await afterChange({ ...files, "shipgraph.yaml": config("--include-imports") }, (r) =>
      r.append("proto/common/acme/common/money.proto", "message N { int32 n = 1; }\n"),
    );
    expect(imports.generatedFiles.sdk).toEqual(["gen/acme/api/order_pb.ts", "gen/acme/common/money_pb.ts"]);
    const off = await afterChange({ ...files, "shipgraph.yaml": config("--include-imports=false") }, (r) =>
      r.append("proto/common/acme/common/money.proto", "message N { int32 n = 1; }\n"),
    );
    expect(off.generatedFiles.sdk).toEqual(["gen/acme/api/order_pb.ts"]);
  });

  it("-o DIR puts the outputs under DIR", async () => {
    const report = await afterChange(
      {
        "buf.yaml": BUF_V2,
        "proto/acme/a.proto": proto("acme"),
        "buf.gen.yaml": `version: v2\nplugins:\n${ES("gen")}`,
        "web/sdk/gen/acme/a_pb.ts": "// generated\n",
        "shipgraph.yaml":
          "protos: { core: { path: proto } }\ngenerators:\n  sdk:\n    template: buf.gen.yaml\n    run: buf generate --template buf.gen.yaml -o web/sdk\n",
      },
      (r) => r.append("proto/acme/a.proto", "// x\n"),
    );
    expect(report.generatedFiles.sdk).toEqual(["web/sdk/gen/acme/a_pb.ts"]);
  });
});

describe("template inputs", () => {
  it("exclude_paths belong to their input: another input may still compile the file", async () => {
    const report = await afterChange(
      {
        "buf.yaml": BUF_V2,
        "proto/acme/a.proto": proto("acme"),
        "proto/acme/internal/i.proto": proto("acme.internal"),
        "buf.gen.yaml": `version: v2\ninputs:\n  - directory: proto\n    exclude_paths: [proto/acme/internal]\n  - proto_file: proto/acme/internal/i.proto\nplugins:\n${ES("gen")}`,
        "shipgraph.yaml":
          "protos: { core: { path: proto } }\ngenerators:\n  sdk: { template: buf.gen.yaml }\n",
      },
      (r) => r.append("proto/acme/internal/i.proto", "// x\n"),
    );
    expect(report.affected.generator).toEqual(["sdk"]);
    expect(report.generatedFiles.sdk).toEqual(["gen/acme/internal/i_pb.ts"]);
  });

  it("local inputs no protos entry holds (a vendored directory, an image file) are the generator's inputs", async () => {
    const files = {
      "buf.yaml": BUF_V2,
      "proto/acme/a.proto": proto("acme"),
      "vendor/proto/v.proto": proto("v"),
      "image.binpb": "binary\n",
      "buf.gen.vendor.yaml": `version: v2\ninputs:\n  - directory: vendor/proto\nplugins:\n${ES("gen/vendor")}`,
      "buf.gen.image.yaml": `version: v2\ninputs:\n  - binary_image: image.binpb\nplugins:\n${ES("gen/image")}`,
      "shipgraph.yaml":
        "protos: { core: { path: proto } }\ngenerators:\n  vendor: { template: buf.gen.vendor.yaml }\n  image: { template: buf.gen.image.yaml }\n",
    };
    const vendored = await afterChange(files, (r) => r.append("vendor/proto/v.proto", "// x\n"));
    expect(vendored.affected.generator).toEqual(["vendor"]);
    const image = await afterChange(files, (r) => r.append("image.binpb", "more\n"));
    expect(image.affected.generator).toEqual(["image"]);
    expect(image.unownedFiles).toEqual([]);
  });

  it("include_imports lists the outputs of imported files only when a compiled file imports them", async () => {
    const report = await afterChange(
      {
        "buf.yaml": BUF_V2,
        "proto/acme/a/a.proto": proto("acme.a", "", ["acme/c/c.proto"]),
        "proto/acme/c/c.proto": proto("acme.c"),
        "proto/acme/z/z.proto": proto("acme.z", "", ["acme/c/c.proto"]),
        "buf.gen.yaml": `version: v2\ninputs:\n  - directory: proto\n    paths: [proto/acme/a]\nplugins:\n${ES("gen", "    include_imports: true\n")}`,
        "shipgraph.yaml":
          "protos: { core: { path: proto } }\ngenerators:\n  sdk: { template: buf.gen.yaml }\n",
      },
      (r) => r.append("proto/acme/c/c.proto", "// x\n"),
    );
    expect(report.generatedFiles.sdk).toEqual(["gen/acme/a/a_pb.ts", "gen/acme/c/c_pb.ts"]);
  });
});

describe("buf v1 workspaces", () => {
  it("each module's buf.lock is an input of the workspace's protos entry", async () => {
    const report = await afterChange(
      {
        "buf.work.yaml": "version: v1\ndirectories: [apis, common]\n",
        "apis/buf.yaml": "version: v1\n",
        "apis/buf.lock": "version: v1\ndeps: []\n",
        "common/buf.yaml": "version: v1\n",
        "apis/acme/api.proto": proto("acme"),
        "common/acme/ids.proto": proto("acme.ids"),
        "buf.gen.yaml": `version: v2\nplugins:\n${ES("gen")}`,
        "shipgraph.yaml": "protos: { all: { path: . } }\ngenerators:\n  sdk: { template: buf.gen.yaml }\n",
      },
      (r) =>
        r.write({
          "apis/buf.lock":
            "version: v1\ndeps:\n  - remote: buf.build\n    owner: googleapis\n    repository: googleapis\n    commit: abc\n",
        }),
    );
    expect(report.affected.generator).toEqual(["sdk"]);
    expect(report.unownedFiles).toEqual([]);
  });
});

/** A generator whose local plugin is the bin of the workspace package plugins/protoc-gen-x. */
const PLUGIN_PACKAGE_REPO = {
  "package.json": JSON.stringify({ name: "root", private: true }),
  "pnpm-workspace.yaml": "packages:\n  - plugins/*\n",
  "plugins/protoc-gen-x/package.json": JSON.stringify({
    name: "@acme/protoc-gen-x",
    bin: { "protoc-gen-x": "index.js" },
  }),
  "plugins/protoc-gen-x/index.js": "// plugin\n",
  "buf.yaml": BUF_V2,
  "proto/acme/a.proto": proto("acme"),
  "buf.gen.yaml": "version: v2\nplugins:\n  - local: protoc-gen-x\n    out: gen\n",
  "shipgraph.yaml": "protos: { core: { path: proto } }\ngenerators:\n  x: { template: buf.gen.yaml }\n",
};

describe("plugins that are workspace packages", () => {
  it("a plugin run by its bin name from a workspace package: a change to the package affects the generator", async () => {
    const report = await afterChange(PLUGIN_PACKAGE_REPO, (r) =>
      r.append("plugins/protoc-gen-x/index.js", "// faster\n"),
    );
    expect(report.affected.generator).toEqual(["x"]);
    expect(report.reasons["generator:x"]!.chain).toEqual(["package:@acme/protoc-gen-x", "generator:x"]);
  });

  it("the plugin package no longer installing the command the template runs affects the generator", async () => {
    const files = PLUGIN_PACKAGE_REPO;
    const renamed = await afterChange(files, (r) =>
      r.write({
        "plugins/protoc-gen-x/package.json": JSON.stringify({
          name: "@acme/protoc-gen-x",
          bin: { "protoc-gen-xx": "index.js" },
        }),
      }),
    );
    expect(renamed.affected.generator).toEqual(["x"]);
    expect(renamed.reasons["generator:x"]!.cause).toMatchObject({
      rule: "dependency-gone",
      file: "plugins/protoc-gen-x/package.json",
    });
    // a version bump that keeps the command: the package is affected, and the generator through it
    const bumped = await afterChange(files, (r) =>
      r.write({
        "plugins/protoc-gen-x/package.json": JSON.stringify({
          name: "@acme/protoc-gen-x",
          version: "2.0.0",
          bin: { "protoc-gen-x": "index.js" },
        }),
      }),
    );
    expect(bumped.reasons["generator:x"]!.chain).toEqual(["package:@acme/protoc-gen-x", "generator:x"]);
  });

  it("a plugin the root installs from a local path: a change there affects the generator, and --quick sees it", async () => {
    const files = {
      "package.json": JSON.stringify({
        name: "root",
        private: true,
        devDependencies: { "protoc-gen-x": "link:tools/protoc-gen-x" },
      }),
      "tools/protoc-gen-x/package.json": JSON.stringify({ name: "protoc-gen-x", bin: "index.js" }),
      "tools/protoc-gen-x/index.js": "// plugin\n",
      "tools/other/index.js": "// not the plugin\n",
      "buf.yaml": BUF_V2,
      "proto/acme/a.proto": proto("acme"),
      "buf.gen.yaml": "version: v2\nplugins:\n  - local: protoc-gen-x\n    out: gen\n",
      "shipgraph.yaml":
        "unowned: ignore\nprotos: { core: { path: proto } }\ngenerators:\n  x: { template: buf.gen.yaml }\n",
    };
    const report = await afterChange(files, (r) => r.append("tools/protoc-gen-x/index.js", "// faster\n"));
    expect(report.affected.generator).toEqual(["x"]);
    expect(report.reasons["generator:x"]!.cause).toMatchObject({
      rule: "local-dependency",
      file: "tools/protoc-gen-x/index.js",
      detail: "package.json devDependencies.protoc-gen-x: link:tools/protoc-gen-x",
    });
    const other = await afterChange(files, (r) => r.append("tools/other/index.js", "// x\n"));
    expect(other.affected.generator).toEqual([]);
    // the stamp hashes the plugin's files as inputs
    const repo = gitRepo(files);
    const stamp = await shipgraph(repo.dir, ["stamp", "--no-verify"]);
    expect(stamp.code, stamp.stderr).toBe(0);
    repo.commit("stamp");
    expect((await shipgraph(repo.dir, ["drift", "--quick"])).code).toBe(0);
    repo.append("tools/protoc-gen-x/index.js", "// faster\n");
    expect((await shipgraph(repo.dir, ["drift", "--quick"])).code).toBe(1);
  });

  it("a generator whose command is not buf generate counts any lockfile change", async () => {
    const report = await afterChange(
      {
        "package.json": JSON.stringify({
          name: "root",
          private: true,
          devDependencies: { prettier: "3.0.0" },
        }),
        "pnpm-lock.yaml":
          "lockfileVersion: '9.0'\nimporters:\n  .:\n    devDependencies:\n      prettier:\n        specifier: 3.0.0\n        version: 3.0.0\npackages:\n  prettier@3.0.0:\n    resolution: {integrity: sha512-a}\nsnapshots:\n  prettier@3.0.0: {}\n",
        "buf.yaml": BUF_V2,
        "proto/acme/a.proto": proto("acme"),
        "buf.gen.yaml": `version: v2\nplugins:\n${ES("gen")}`,
        "shipgraph.yaml":
          "protos: { core: { path: proto } }\ngenerators:\n  sdk:\n    template: buf.gen.yaml\n    run: pnpm run gen\n",
      },
      (r) =>
        r.write({
          "package.json": JSON.stringify({
            name: "root",
            private: true,
            devDependencies: { prettier: "3.0.1" },
          }),
          "pnpm-lock.yaml":
            "lockfileVersion: '9.0'\nimporters:\n  .:\n    devDependencies:\n      prettier:\n        specifier: 3.0.1\n        version: 3.0.1\npackages:\n  prettier@3.0.1:\n    resolution: {integrity: sha512-b}\nsnapshots:\n  prettier@3.0.1: {}\n",
        }),
    );
    expect(report.affected.generator).toEqual(["sdk"]);
    expect(report.reasons["generator:sdk"]!.cause.detail).toContain("not a buf template");
  });
});

describe("second review: commands shipgraph reads only in part", () => {
  const twoModules = {
    "buf.yaml": "version: v2\nmodules:\n  - path: proto/a\n  - path: proto/b\n",
    "proto/a/x/a.proto": proto("x"),
    "proto/b/y/b.proto": proto("y"),
    "buf.gen.yaml": `version: v2\ninputs:\n  - directory: proto/a\nplugins:\n${ES("gen")}`,
  };
  const config = (run: string) =>
    `protos: { a: { path: proto/a }, b: { path: proto/b } }\ngenerators:\n  sdk:\n    template: buf.gen.yaml\n    run: ${JSON.stringify(run)}\n`;

  it("a flag it does not know (-v is known; --frobnicate is not) or buf run through docker narrows nothing", async () => {
    for (const run of [
      "buf generate --frobnicate --template buf.gen.yaml proto/b",
      "docker run --rm bufbuild/buf:1.47.2 generate --template buf.gen.yaml proto/b",
      "buf generate -v --template buf.gen.yaml proto/b",
    ]) {
      const report = await afterChange({ ...twoModules, "shipgraph.yaml": config(run) }, (r) =>
        r.append("proto/b/y/b.proto", "// x\n"),
      );
      expect(report.affected.generator, run).toEqual(["sdk"]);
    }
  });

  it("--exclude-path on the command line replaces the template's exclude_paths", async () => {
    const report = await afterChange(
      {
        "buf.yaml": BUF_V2,
        "proto/acme/y/y.proto": proto("acme.y"),
        "proto/acme/x/x.proto": proto("acme.x"),
        "buf.gen.yaml": `version: v2\ninputs:\n  - directory: proto\n    exclude_paths: [proto/acme/y]\nplugins:\n${ES("gen")}`,
        "shipgraph.yaml":
          "protos: { core: { path: proto } }\ngenerators:\n  sdk:\n    template: buf.gen.yaml\n    run: buf generate --template buf.gen.yaml --exclude-path proto/acme/x\n",
      },
      (r) => r.append("proto/acme/y/y.proto", "// x\n"),
    );
    expect(report.affected.generator).toEqual(["sdk"]);
  });

  it("go.mod: `go tool X`, `go run -mod=mod X` and a plugin built from this module follow its requirements", async () => {
    const goMod = (v: string) =>
      `module example.com/m\n\ngo 1.24\n\nrequire google.golang.org/protobuf ${v}\n\ntool google.golang.org/protobuf/cmd/protoc-gen-go\n`;
    for (const local of [
      '["go", "tool", "protoc-gen-go"]',
      '["go", "run", "-mod=mod", "google.golang.org/protobuf/cmd/protoc-gen-go"]',
      '["go", "run", "./cmd/protoc-gen-mine"]',
    ]) {
      const report = await afterChange(
        {
          "go.mod": goMod("v1.34.1"),
          "buf.yaml": BUF_V2,
          "proto/acme/a.proto": proto("acme"),
          "buf.gen.yaml": `version: v2\nplugins:\n  - local: ${local}\n    out: gen\n`,
          "shipgraph.yaml":
            "protos: { core: { path: proto } }\ngenerators:\n  go: { template: buf.gen.yaml }\n",
        },
        (r) => r.write({ "go.mod": goMod("v1.34.2") }),
      );
      expect(report.affected.generator, local).toEqual(["go"]);
    }
  });

  it("a workspace package named like a plugin does not stand in for the plugin the root installs", async () => {
    const report = await afterChange(
      {
        "package.json": JSON.stringify({
          name: "root",
          private: true,
          devDependencies: { "@bufbuild/protoc-gen-es": "2.2.0" },
        }),
        "pnpm-workspace.yaml": "packages:\n  - packages/*\n",
        "packages/c/package.json": JSON.stringify({ name: "@fx/protoc-gen-es" }),
        "pnpm-lock.yaml":
          "lockfileVersion: '9.0'\nimporters:\n  .:\n    devDependencies:\n      '@bufbuild/protoc-gen-es':\n        specifier: 2.2.0\n        version: 2.2.0\n  packages/c: {}\npackages:\n  '@bufbuild/protoc-gen-es@2.2.0':\n    resolution: {integrity: sha512-a}\nsnapshots:\n  '@bufbuild/protoc-gen-es@2.2.0': {}\n",
        "buf.yaml": BUF_V2,
        "proto/acme/a.proto": proto("acme"),
        "buf.gen.yaml": `version: v2\nplugins:\n${ES("gen")}`,
        "shipgraph.yaml":
          "protos: { core: { path: proto } }\ngenerators:\n  es: { template: buf.gen.yaml }\n",
      },
      (r) =>
        r.write({
          "package.json": JSON.stringify({
            name: "root",
            private: true,
            devDependencies: { "@bufbuild/protoc-gen-es": "2.2.1" },
          }),
          "pnpm-lock.yaml":
            "lockfileVersion: '9.0'\nimporters:\n  .:\n    devDependencies:\n      '@bufbuild/protoc-gen-es':\n        specifier: 2.2.1\n        version: 2.2.1\n  packages/c: {}\npackages:\n  '@bufbuild/protoc-gen-es@2.2.1':\n    resolution: {integrity: sha512-b}\nsnapshots:\n  '@bufbuild/protoc-gen-es@2.2.1': {}\n",
        }),
    );
    expect(report.affected.generator).toEqual(["es"]);
  });
});

describe("drift --quick inputs", () => {
  it("a .proto of another module (which a compiled file may import) is an input", async () => {
    const repo = gitRepo({
      "buf.yaml": "version: v2\nmodules:\n  - path: proto/a\n  - path: proto/b\n",
      "proto/a/x/a.proto": proto("x", "", ["common/c.proto"]),
      "proto/b/common/c.proto": proto("common"),
      "buf.gen.yaml": `version: v2\ninputs:\n  - directory: proto/a\nplugins:\n${ES("gen", "    include_imports: true\n")}`,
      "gen/x/a_pb.ts": "// generated\n",
      "shipgraph.yaml":
        "protos: { a: { path: proto/a }, b: { path: proto/b } }\ngenerators:\n  sdk: { template: buf.gen.yaml, protos: [a] }\n",
    });
    const stamp = await shipgraph(repo.dir, ["stamp", "--no-verify"]);
    expect(stamp.code, stamp.stderr).toBe(0);
    repo.commit("stamp");
    repo.append("proto/b/common/c.proto", "// x\n");
    const quick = await shipgraph(repo.dir, ["drift", "--quick", "--format", "json"]);
    expect(quick.code).toBe(1);
    expect(
      quick.json<{ generators: { quick?: { inputsChanged: boolean } }[] }>().generators[0]!.quick
        ?.inputsChanged,
    ).toBe(true);
  });
});

describe("a plugin this repository runs by path", () => {
  /** A node plugin writing `<file>_list.ts` with a banner from a module beside it. */
  const PLUGIN = `import { readFileSync } from "node:fs";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { CodeGeneratorRequestSchema, CodeGeneratorResponseSchema } from "@bufbuild/protobuf/wkt";
import { banner } from "./lib/banner.mjs";
const request = fromBinary(CodeGeneratorRequestSchema, readFileSync(0));
const file = request.fileToGenerate.map((name) => ({ name: name.replace(/\\.proto$/, "_list.ts"), content: banner + "\\n" }));
process.stdout.write(toBinary(CodeGeneratorResponseSchema, create(CodeGeneratorResponseSchema, { supportedFeatures: 1n, file })));
`;

  it("its script and the files beside it are inputs, though `inputs` does not name them", async () => {
    const repo = gitRepo({
      ".gitignore": "node_modules\n",
      "buf.yaml": BUF_V2,
      "proto/acme/a.proto": proto("acme"),
      "tools/protoc-gen-list.mjs": PLUGIN,
      "tools/lib/banner.mjs": 'export const banner = "// v1";\n',
      "docs/notes.md": "notes\n",
      "buf.gen.yaml":
        'version: v2\nplugins:\n  - local: ["node", "tools/protoc-gen-list.mjs"]\n    out: gen\n',
      "shipgraph.yaml":
        'protos: { core: { path: proto } }\ngenerators:\n  list:\n    template: buf.gen.yaml\n    protoOutputs: [{ pattern: "{out}/{path}_list.ts" }]\n',
    });
    symlinkSync(join(projectRoot, "node_modules"), join(repo.dir, "node_modules"), "dir");
    buf(repo, "generate", "--template", "buf.gen.yaml");
    expect(await shipgraph(repo.dir, ["stamp"])).toMatchObject({ code: 0 });
    repo.commit("generated");
    repo.git("checkout", "-q", "-b", "change");
    repo.write({ "tools/lib/banner.mjs": 'export const banner = "// v2";\n' }).commit("banner");
    const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
    const report = run.json<Report>();
    expect(report.affected.generator).toEqual(["list"]);
    expect(report.generatedFiles.list).toEqual(["gen/acme/a_list.ts"]);
    expect((await shipgraph(repo.dir, ["drift", "--quick"])).code).toBe(1);
    // what buf writes now differs: the banner is in the generated file
    buf(repo, "generate", "--template", "buf.gen.yaml");
    expect(repo.git("status", "--porcelain")).toBe(" M gen/acme/a_list.ts\n");
    // a file outside the plugin's directory is still nobody's
    repo.git("checkout", "-q", ".");
    repo.git("checkout", "-q", "-b", "docs", "main");
    repo.append("docs/notes.md", "more\n").commit("docs");
    const docs = (
      await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"])
    ).json<Report>();
    expect(docs.affected.generator).toEqual([]);
  });

  it("a script beside its own out: the script is an input, its outputs are still compared", async () => {
    const repo = gitRepo({
      ".gitignore": "node_modules\n",
      "buf.yaml": BUF_V2,
      "proto/acme/a.proto": proto("acme"),
      "gen/protoc-gen-list.mjs": PLUGIN,
      "gen/lib/banner.mjs": 'export const banner = "// v1";\n',
      "buf.gen.yaml":
        'version: v2\nplugins:\n  - local: ["node", "gen/protoc-gen-list.mjs"]\n    out: gen/ts\n',
      "shipgraph.yaml":
        "protos: { core: { path: proto } }\ngenerators:\n  list: { template: buf.gen.yaml }\n",
    });
    symlinkSync(join(projectRoot, "node_modules"), join(repo.dir, "node_modules"), "dir");
    buf(repo, "generate", "--template", "buf.gen.yaml");
    repo.commit("generated");
    repo.git("checkout", "-q", "-b", "change");
    repo.append("gen/protoc-gen-list.mjs", "// faster\n").commit("plugin");
    const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
    expect(run.json<Report>().affected.generator).toEqual(["list"]);
    repo.append("gen/ts/acme/a_list.ts", "// edited by hand\n");
    const drift = await shipgraph(repo.dir, ["drift", "--format", "json"]);
    expect(drift.json<{ generators: { modified: string[] }[] }>().generators[0]!.modified).toEqual([
      "gen/ts/acme/a_list.ts",
    ]);
  });
});
