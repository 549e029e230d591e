import { existsSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { shipgraph } from "./helpers/cli.js";
import { driftIn } from "./helpers/drift.js";
import { buf, gitRepo, projectRoot, type TestRepo } from "./helpers/repo.js";
import { treeHashes } from "./helpers/tree.js";

/*
 * A buf template whose plugin writes next to the .proto files (`out: proto`, the module's own
 * directory): everything under `out` is not an output. The protos, buf.yaml and a hand-written
 * README there are what the generator reads or what nobody generates; drift must not leave them
 * out where it runs buf, report them, or let --fix delete them.
 */

const A_PROTO = 'syntax = "proto3";\npackage acme.v1;\nmessage A { string x = 1; }\n';
const B_PROTO = 'syntax = "proto3";\npackage acme.v1;\nmessage B { string y = 1; }\n';
const ES_TEMPLATE = "version: v2\nplugins:\n  - local: protoc-gen-es\n    out: proto\n    opt: target=ts\n";

/** The module `proto` with its generated code beside it (real buf), committed on main; on branch feature. */
function nextToProtos(extra: Record<string, string> = {}): TestRepo {
  const repo = gitRepo({
    ".gitignore": "node_modules\n",
    "buf.yaml": "version: v2\nmodules:\n  - path: proto\n",
    "buf.gen.yaml": ES_TEMPLATE,
    "proto/README.md": "hand-written docs\n",
    "proto/acme/v1/a.proto": A_PROTO,
    "proto/acme/v1/b.proto": B_PROTO,
    ...extra,
  });
  symlinkSync(join(projectRoot, "node_modules"), join(repo.dir, "node_modules"), "dir");
  buf(repo, "generate", "--template", "buf.gen.yaml");
  repo.commit("generated");
  repo.git("checkout", "-q", "-b", "feature");
  return repo;
}

const drift = (repo: TestRepo, ...args: string[]) => driftIn(repo, args);

describe("a plugin writing next to the .proto files (out = the module's directory)", () => {
  it("drift on a fresh checkout runs buf with every proto and is clean (no config, and with one)", async () => {
    const repo = nextToProtos();
    expect(existsSync(join(repo.dir, "proto/acme/v1/a_pb.ts"))).toBe(true);
    const before = treeHashes(repo.dir);
    const inferred = await drift(repo);
    expect(inferred.stderr).not.toContain("had no .proto files");
    expect(inferred.code).toBe(0);
    expect(inferred.report.generators).toMatchObject([{ name: "buf", status: "clean", stale: [] }]);
    repo.write({
      "shipgraph.yaml": "protos:\n  api:\n    path: proto\ngenerators:\n  es:\n    template: buf.gen.yaml\n",
    });
    repo.commit("config");
    const configured = await drift(repo, "--committed");
    expect(configured.code).toBe(0);
    expect(configured.report.generators).toMatchObject([{ name: "es", status: "clean" }]);
    expect(treeHashes(repo.dir)).toEqual({ ...before, "shipgraph.yaml": expect.any(String) });
  });

  it("a proto deleted: only its generated file is stale, and --fix deletes it, never a proto or the README", async () => {
    const repo = nextToProtos();
    repo.remove("proto/acme/v1/b.proto");
    repo.write({ "proto/acme/v1/notes.md": "more hand-written docs\n" });
    const { code, report } = await drift(repo);
    expect(code).toBe(1);
    expect(report.generators).toMatchObject([
      { name: "buf", status: "drift", modified: [], missing: [], stale: ["proto/acme/v1/b_pb.ts"] },
    ]);
    const before = treeHashes(repo.dir);
    const fixed = await shipgraph(repo.dir, ["drift", "--fix"]);
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toContain("✓ buf: fixed");
    const after = treeHashes(repo.dir);
    const changed = Object.keys({ ...before, ...after }).filter((path) => before[path] !== after[path]);
    expect(changed).toEqual(["proto/acme/v1/b_pb.ts"]);
    expect(after["proto/acme/v1/b_pb.ts"]).toBeUndefined();
    for (const kept of ["proto/acme/v1/a.proto", "proto/README.md", "proto/acme/v1/notes.md", "buf.yaml"]) {
      expect([kept, existsSync(join(repo.dir, kept))]).toEqual([kept, true]);
    }
    expect((await drift(repo)).code).toBe(0);
  });

  it("affected: generatedFiles are the generated files, never the protos or the README; a proto edit reaches the generator", async () => {
    const repo = nextToProtos();
    repo.write({ "buf.gen.yaml": ES_TEMPLATE.replace("target=ts", "target=ts,import_extension=js") });
    repo.commit("template");
    const byTemplate = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
    expect(byTemplate.code).toBe(0);
    const template = byTemplate.json<{
      affected: { generator: string[] };
      generatedFiles: Record<string, string[]>;
    }>();
    expect(template.affected.generator).toEqual(["buf"]);
    expect(template.generatedFiles).toEqual({ buf: ["proto/acme/v1/a_pb.ts", "proto/acme/v1/b_pb.ts"] });

    repo.git("reset", "-q", "--hard", "main");
    repo.append("proto/acme/v1/a.proto", "message C {}\n");
    repo.commit("proto");
    const byProto = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
    const proto = byProto.json<{
      affected: { generator: string[] };
      generatedFiles: Record<string, string[]>;
    }>();
    expect(proto.affected.generator).toEqual(["buf"]);
    expect(proto.generatedFiles).toEqual({ buf: ["proto/acme/v1/a_pb.ts"] });

    // the proto module does not consume the generator: no generates edge from it
    const graph = await shipgraph(repo.dir, ["graph", "--format", "json"]);
    const edges = graph.json<{ edges: { from: string; to: string; kind: string }[] }>().edges;
    expect(edges.filter((e) => e.kind === "generates")).toEqual([]);
  });

  it("stamp and drift --quick: a proto edit is a changed input; the protos are no outputs", async () => {
    const repo = nextToProtos();
    const stamp = await shipgraph(repo.dir, ["stamp"]);
    expect(stamp.code).toBe(0);
    repo.commit("stamp");
    expect((await shipgraph(repo.dir, ["drift", "--quick"])).code).toBe(0);
    repo.append("proto/acme/v1/a.proto", "message C {}\n");
    const quick = await drift(repo, "--quick");
    expect(quick.code).toBe(1);
    expect(quick.report.generators[0]).toMatchObject({
      status: "drift",
      quick: { inputsChanged: true, outputsEdited: false },
    });
  });

  it("an out inside the module that holds protos gets the plugin's names too: a hand-written file there is no output", async () => {
    const repo = nextToProtos({
      "buf.gen.yaml":
        "version: v2\nplugins:\n  - local: protoc-gen-es\n    out: proto/acme\n    opt: target=ts\n",
      "proto/acme/NOTES.md": "hand-written\n",
    });
    const before = treeHashes(repo.dir);
    const checked = await drift(repo);
    expect(checked.code, checked.stderr).toBe(0);
    expect(checked.report.generators).toMatchObject([{ name: "buf", status: "clean", stale: [] }]);
    expect((await shipgraph(repo.dir, ["drift", "--fix"])).code).toBe(0);
    expect(treeHashes(repo.dir)).toEqual(before);
  });

  it("explicit outputs that take in an input are CONFIG_INVALID (exit 2) naming the generator and the file", async () => {
    const repo = nextToProtos({
      "shipgraph.yaml":
        'generators:\n  es:\n    template: buf.gen.yaml\n    outputs: ["proto/**"]\nprotos:\n  api:\n    path: proto\n',
    });
    const run = await shipgraph(repo.dir, ["affected", "--base", "main"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'error[CONFIG_INVALID]: shipgraph.yaml generators.es.outputs: "proto/**" takes in proto/acme/v1/a.proto, which generator es reads',
    );
    expect((await shipgraph(repo.dir, ["drift"])).code).toBe(2);
    // the files it writes there: fine
    repo.write({
      "shipgraph.yaml":
        'generators:\n  es:\n    template: buf.gen.yaml\n    outputs: ["proto/**/*_pb.ts"]\nprotos:\n  api:\n    path: proto\n',
    });
    const narrowed = await drift(repo);
    expect(narrowed.code).toBe(0);
    expect(narrowed.report.generators).toMatchObject([{ name: "es", status: "clean" }]);
  });

  it("a plugin whose file names shipgraph does not know needs explicit outputs: a config error naming generator, template and key", async () => {
    const files = {
      ".gitignore": "node_modules\n",
      "buf.yaml": "version: v2\nmodules:\n  - path: proto\n",
      "buf.gen.yaml": "version: v2\nplugins:\n  - local: protoc-gen-x\n    out: proto\n",
      "proto/acme/v1/a.proto": A_PROTO,
    };
    const inferred = gitRepo(files);
    // without a config: the inferred graph is incomplete, and says what to declare
    const run = await shipgraph(inferred.dir, ["drift"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      "buf.gen.yaml: plugins[0] writes to `out: proto`, which holds what the generator reads (proto), and shipgraph does not know the files this plugin writes: declare the generator's `outputs`",
    );
    const init = await shipgraph(inferred.dir, ["init", "--dry-run"]);
    expect(init.stdout + init.stderr).toContain(
      "buf.gen.yaml: plugins[0] writes to `out: proto`, which holds what the generator reads (proto)",
    );

    const configured = gitRepo({
      ...files,
      "shipgraph.yaml": "protos:\n  api:\n    path: proto\ngenerators:\n  x:\n    template: buf.gen.yaml\n",
    });
    const error = await shipgraph(configured.dir, ["graph"]);
    expect(error.code).toBe(2);
    expect(error.stderr).toContain(
      'shipgraph.yaml generators.x.outputs: is needed: buf.gen.yaml plugins[0] (local protoc-gen-x) writes to "proto"',
    );
    configured.write({
      "shipgraph.yaml":
        'protos:\n  api:\n    path: proto\ngenerators:\n  x:\n    template: buf.gen.yaml\n    outputs: ["proto/**/*.x.ts"]\n',
    });
    expect((await shipgraph(configured.dir, ["graph"])).code).toBe(0);
  });
});
