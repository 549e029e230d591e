import { existsSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { affectedIn } from "./helpers/affected.js";
import { shipgraph } from "./helpers/cli.js";
import { driftIn } from "./helpers/drift.js";
import { buf, gitRepo, projectRoot, type TestRepo } from "./helpers/repo.js";

/**
 * A `run` whose `buf generate` gives --template as inline data (YAML or JSON, not a file name:
 * buf tells them apart by the .json/.yaml/.yml extension), or names --config (a buf.yaml, file or
 * data, buf reads instead of the modules' own). Checked with real buf 1.75: the inline template's
 * inputs and plugins are what buf compiles and runs; a v2 --config's module paths are resolved
 * from where buf runs, so it can compile .proto files no protos entry holds.
 */
const proto = (pkg: string, body: string) => `syntax = "proto3";\npackage ${pkg};\n${body}\n`;

/** A local node plugin writing `<file>_list.ts` per compiled file. */
const PLUGIN = `import { readFileSync } from "node:fs";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { CodeGeneratorRequestSchema, CodeGeneratorResponseSchema } from "@bufbuild/protobuf/wkt";
const request = fromBinary(CodeGeneratorRequestSchema, readFileSync(0));
const file = request.fileToGenerate.map((name) => ({ name: name.replace(/\\.proto$/, "_list.ts"), content: "// v1\\n" }));
process.stdout.write(toBinary(CodeGeneratorResponseSchema, create(CodeGeneratorResponseSchema, { supportedFeatures: 1n, file })));
`;

/** proto/a and proto/b, one buf module each, and a generator `inl` with `run` (argv). */
function inlineRepo(run: string[], extra: Record<string, string> = {}): TestRepo {
  const repo = gitRepo({
    ".gitignore": "node_modules\n",
    "buf.yaml": "version: v2\nmodules:\n  - path: proto/a\n  - path: proto/b\n",
    "proto/a/acme/a/v1/a.proto": proto("acme.a.v1", "message A { string v = 1; }"),
    "proto/b/acme/b/v1/b.proto": proto("acme.b.v1", "message B { string v = 1; }"),
    "tools/gen.mjs": PLUGIN,
    "shipgraph.yaml": `protos:\n  a: { path: proto/a }\n  b: { path: proto/b }\ngenerators:\n  inl:\n    run: ${JSON.stringify(run)}\n`,
    ...extra,
  });
  symlinkSync(join(projectRoot, "node_modules"), join(repo.dir, "node_modules"), "dir");
  return repo;
}

/** Generates with `run` (real buf), commits, stamps; then `change` on a branch, committed. */
async function generatedThenChanged(repo: TestRepo, run: string[], change: (r: TestRepo) => void) {
  buf(repo, ...run.slice(1));
  repo.commit("generated");
  const stamp = await shipgraph(repo.dir, ["stamp"]);
  expect(stamp.code, stamp.stderr).toBe(0);
  repo.commit("stamp");
  const fresh = await driftIn(repo, ["--quick"], { readOnly: true });
  expect(fresh.code, JSON.stringify(fresh.report)).toBe(0);
  repo.git("checkout", "-q", "-b", "change");
  change(repo);
  repo.commit("change");
}

type Affected = { affected: { generator: string[] }; generatedFiles: Record<string, string[]> };

const quick = async (repo: TestRepo) =>
  Object.fromEntries(
    (await driftIn(repo, ["--quick"], { readOnly: true })).report.generators.map((g) => [g.name, g.status]),
  );

const JSON_TEMPLATE = JSON.stringify({
  version: "v2",
  plugins: [
    { local: "protoc-gen-es", out: "gen/es", opt: "target=ts" },
    { local: ["node", "tools/gen.mjs"], out: "gen/txt" },
  ],
  inputs: [{ directory: "proto/a" }],
});
const YAML_TEMPLATE = [
  "version: v2",
  "plugins:",
  "  - local: protoc-gen-es",
  "    out: gen/es",
  "    opt: target=ts",
  "  - local: [node, tools/gen.mjs]",
  "    out: gen/txt",
  "inputs:",
  "  - directory: proto/a",
  "",
].join("\n");

describe("`buf generate --template <inline data>`: buf reads the data, and so does shipgraph", () => {
  for (const [form, data] of [
    ["JSON", JSON_TEMPLATE],
    ["YAML", YAML_TEMPLATE],
  ] as const) {
    it(`inline ${form}: its outs are the outputs, a .proto it compiles and its local plugin reach the generator and its stamp; a .proto it does not compile does not`, async () => {
      const run = ["buf", "generate", "--template", data];
      const compiled = inlineRepo(run);
      await generatedThenChanged(compiled, run, (r) =>
        r.append("proto/a/acme/a/v1/a.proto", "message C { string v = 1; }\n"),
      );
      expect(existsSync(join(compiled.dir, "gen/es/acme/a/v1/a_pb.ts"))).toBe(true);
      const out = await affectedIn<Affected>(compiled);
      expect(out.affected.generator).toEqual(["inl"]);
      expect(out.generatedFiles.inl).toContain("gen/es/acme/a/v1/a_pb.ts");
      expect(await quick(compiled)).toEqual({ inl: "drift" });
      // what a real run finds: the stamp was right to say so
      const real = await driftIn(compiled, [], { readOnly: true });
      expect(real.report.generators.map((g) => [g.name, g.status])).toEqual([["inl", "drift"]]);

      const plugin = inlineRepo(run);
      await generatedThenChanged(plugin, run, (r) =>
        r.write({ "tools/gen.mjs": PLUGIN.replace("// v1", "// v2") }),
      );
      expect((await affectedIn<Affected>(plugin)).affected.generator).toEqual(["inl"]);
      expect(await quick(plugin)).toEqual({ inl: "drift" });

      // proto/b: buf does not compile it for this template
      const other = inlineRepo(run);
      await generatedThenChanged(other, run, (r) =>
        r.append("proto/b/acme/b/v1/b.proto", "message C { string v = 1; }\n"),
      );
      expect((await affectedIn<Affected>(other)).affected.generator).toEqual([]);
      expect(await quick(other)).toEqual({ inl: "clean" });
    }, 120_000);
  }

  it("a value buf reads as data though it looks like a file name: the error says why (exit 2); one ending in .yaml is a file, even if it starts with {", async () => {
    // (buf 1.75: "buf.gen" and "x.YAML" are decoded as data; "{…} #.yaml" is opened as a file)
    for (const value of ["buf.gen", "templates/x.YAML"]) {
      const repo = inlineRepo(["buf", "generate", "--template", value]);
      const run = await shipgraph(repo.dir, ["affected", "--all"]);
      expect(run.code, value).toBe(2);
      expect(run.stderr, value).toContain("generators.inl.run's --template data:1: must be a mapping");
      expect(run.stderr, value).toContain(
        "buf reads a --template value as a file only when it ends in .yaml, .yml or .json (lowercase), else as the template itself (YAML or JSON data): give the template file such a name, or fix the data",
      );
    }
    const comment = "{version: v2, plugins: [{local: protoc-gen-es, out: gen/es}]} #.yaml";
    const repo = inlineRepo(["buf", "generate", "--template", comment]);
    const run = await shipgraph(repo.dir, ["affected", "--all"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`generators.inl.run: template ${comment} does not exist`);
  });

  it("inline data beside a configured `template`: buf reads the data, so a config error naming both and the fix", async () => {
    const repo = inlineRepo(["buf", "generate", "--template", JSON_TEMPLATE], {
      "buf.gen.yaml": "version: v2\nplugins:\n  - local: protoc-gen-es\n    out: gen/file\n",
    });
    repo.write({ "shipgraph.yaml": `${repo.read("shipgraph.yaml")}    template: buf.gen.yaml\n` }).commit();
    const run = await shipgraph(repo.dir, ["affected", "--all"]);
    expect(run.code, run.stdout).toBe(2);
    expect(run.stderr).toContain(
      'shipgraph.yaml generators.inl: `template` is buf.gen.yaml, but `run` ("buf generate --template {',
    );
    expect(run.stderr).toContain(
      "gives --template inline data, so buf reads that: affected and drift would model a template buf does not use. Fix: drop `template` (shipgraph then reads the inline data), or make `run`'s --template buf.gen.yaml",
    );
  });
});

/** proto/acme is the protos entry and its buf module; proto/other holds a .proto no entry has. */
function configRepo(run: string[]): TestRepo {
  const repo = gitRepo({
    ".gitignore": "node_modules\n",
    "buf.yaml": "version: v2\nmodules:\n  - path: proto/acme\n",
    "proto/acme/a/v1/a.proto": proto("acme.a.v1", "message A { string v = 1; }"),
    "proto/acme/b/v1/b.proto": proto("acme.b.v1", "message B { string v = 1; }"),
    "proto/other/c/v1/c.proto": proto("other.c.v1", "message C { string v = 1; }"),
    // (v2: module paths are resolved from where buf runs, not from this file's directory)
    "conf/buf.alt.yaml": "version: v2\nmodules:\n  - path: proto\n    excludes: [proto/acme/b]\n",
    "buf.gen.yaml": "version: v2\nplugins:\n  - local: protoc-gen-es\n    out: gen\n    opt: target=ts\n",
    "shipgraph.yaml": `protos:\n  acme: { path: proto/acme }\ngenerators:\n  alt:\n    run: ${JSON.stringify(run)}\n`,
  });
  symlinkSync(join(projectRoot, "node_modules"), join(repo.dir, "node_modules"), "dir");
  return repo;
}

describe("`buf generate --config`: a module layout shipgraph does not model counts whole", () => {
  const run = ["buf", "generate", "--config", "conf/buf.alt.yaml"];

  it("a change to the --config file reaches the generator (affected names the file) and its stamp", async () => {
    const repo = configRepo(run);
    // the excluded proto/acme/b is then compiled: real drift finds its missing output
    await generatedThenChanged(repo, run, (r) =>
      r.write({ "conf/buf.alt.yaml": "version: v2\nmodules:\n  - path: proto\n" }),
    );
    expect(existsSync(join(repo.dir, "gen/acme/a/v1/a_pb.ts"))).toBe(true);
    expect(existsSync(join(repo.dir, "gen/acme/b/v1/b_pb.ts"))).toBe(false);
    const out = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.json<Affected>().affected.generator).toEqual(["alt"]);
    expect(out.stderr).toContain(
      "shipgraph.yaml generators.alt.run: passes --config conf/buf.alt.yaml, a module layout shipgraph does not model",
    );
    expect(await quick(repo)).toEqual({ alt: "drift" });
    const real = await driftIn(repo, [], { readOnly: true });
    expect(real.report.generators).toMatchObject([
      { name: "alt", status: "drift", missing: ["gen/acme/b/v1/b_pb.ts"] },
    ]);
    // the chain affected reports: the file, owned by the generator
    const text = await shipgraph(repo.dir, ["affected", "--base", "main"]);
    expect(text.stdout).toContain("generator:alt ← conf/buf.alt.yaml changed");
  }, 120_000);

  it("a --config file that is a symbolic link: a change to its target reaches the generator (affected names it) and its stamp", async () => {
    const repo = configRepo(run);
    repo.write({ "conf/real/layout.yaml": repo.read("conf/buf.alt.yaml") }).remove("conf/buf.alt.yaml");
    symlinkSync("real/layout.yaml", join(repo.dir, "conf/buf.alt.yaml"));
    repo.commit("linked");
    await generatedThenChanged(repo, run, (r) =>
      r.write({ "conf/real/layout.yaml": "version: v2\nmodules:\n  - path: proto\n" }),
    );
    const out = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.json<Affected>().affected.generator).toEqual(["alt"]);
    expect(out.stderr).toContain(
      "every .proto file and buf.lock of the repository, and conf/buf.alt.yaml (read through a link, as conf/real/layout.yaml), count as its inputs",
    );
    expect(await quick(repo)).toEqual({ alt: "drift" });
    // what buf does: it reads the target, now without the excludes
    const real = await driftIn(repo, [], { readOnly: true });
    expect(real.report.generators).toMatchObject([
      { name: "alt", status: "drift", missing: ["gen/acme/b/v1/b_pb.ts"] },
    ]);
    const text = await shipgraph(repo.dir, ["affected", "--base", "main"]);
    expect(text.stdout).toContain("generator:alt ← conf/real/layout.yaml changed");
  }, 120_000);

  it("a --config file in a directory that is a symbolic link: a change to the file it leads to, or to the link, reaches the generator and its stamp", async () => {
    const repo = configRepo(run);
    // conf links to shared: git lists the file as shared/buf.alt.yaml only
    repo.write({ "shared/buf.alt.yaml": repo.read("conf/buf.alt.yaml") }).remove("conf");
    symlinkSync("shared", join(repo.dir, "conf"));
    repo.commit("linked directory");
    await generatedThenChanged(repo, run, (r) =>
      r.write({ "shared/buf.alt.yaml": "version: v2\nmodules:\n  - path: proto\n" }),
    );
    const out = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
    expect(out.json<Affected>().affected.generator).toEqual(["alt"]);
    expect(out.stderr).toContain(
      "and conf/buf.alt.yaml (read through a link, as shared/buf.alt.yaml), count",
    );
    expect(await quick(repo)).toEqual({ alt: "drift" });
    const text = await shipgraph(repo.dir, ["affected", "--base", "main"]);
    expect(text.stdout).toContain("generator:alt ← shared/buf.alt.yaml changed");

    // the link itself pointed elsewhere
    repo.git("checkout", "-q", "-B", "retarget", "main");
    repo.write({ "other/buf.alt.yaml": "version: v2\nmodules:\n  - path: proto\n" }).remove("conf");
    symlinkSync("other", join(repo.dir, "conf"));
    repo.commit("retarget");
    expect((await affectedIn<Affected>(repo)).affected.generator).toEqual(["alt"]);
    expect(await quick(repo)).toEqual({ alt: "drift" });
  }, 120_000);

  it("a .proto no protos entry holds that the --config layout compiles (proto/other) reaches the generator and its stamp", async () => {
    for (const config of ["conf/buf.alt.yaml", '{"version":"v2","modules":[{"path":"proto"}]}']) {
      const argv = ["buf", "generate", "--config", config];
      const repo = configRepo(argv);
      await generatedThenChanged(repo, argv, (r) =>
        r.append("proto/other/c/v1/c.proto", "message D { string v = 1; }\n"),
      );
      // buf compiles it, as other/c/v1/c.proto of module proto
      expect(existsSync(join(repo.dir, "gen/other/c/v1/c_pb.ts")), config).toBe(true);
      expect((await affectedIn<Affected>(repo)).affected.generator, config).toEqual(["alt"]);
      expect(await quick(repo), config).toEqual({ alt: "drift" });
    }
  }, 120_000);

  it("no buf.yaml at the root but --config there: no config error about buf ignoring the nested buf.yaml", async () => {
    const repo = configRepo(run);
    repo.remove("buf.yaml").write({ "proto/acme/buf.yaml": "version: v2\n" }).commit();
    buf(repo, ...run.slice(1));
    expect(existsSync(join(repo.dir, "gen/acme/a/v1/a_pb.ts"))).toBe(true);
    const out = await shipgraph(repo.dir, ["affected", "--all", "--format", "json"]);
    expect(out.code, out.stderr).toBe(0);
  });
});
