import { execFileSync } from "node:child_process";
import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { affectedIn } from "./helpers/affected.js";
import { shipgraph } from "./helpers/cli.js";
import { driftIn } from "./helpers/drift.js";
import { binDir, gitRepo, projectRoot, type TestRepo } from "./helpers/repo.js";
import { treeHashes } from "./helpers/tree.js";

/**
 * A repository that generates with `cd proto && buf generate` (real buf and protoc-gen-es): the
 * template, its `out: ../gen/ts`, its `inputs: [directory: .]` and the plugin's path
 * `../node_modules/.bin/protoc-gen-es` are all relative to proto/, as is the buf.yaml buf finds
 * from there. The generator says so with `cwd: proto`.
 */
const TEMPLATE = (out = "../gen/ts") =>
  `version: v2\ninputs:\n  - directory: .\nplugins:\n  - local: ../node_modules/.bin/protoc-gen-es\n    out: ${out}\n    opt: target=ts\n`;

const proto = (name: string) => `syntax = "proto3";\npackage acme.v1;\nmessage ${name} { string v = 1; }\n`;

const CONFIG = (extra = "") =>
  `protos:\n  proto: { path: proto }\ngenerators:\n  ts:\n    template: proto/buf.gen.yaml\n    cwd: proto\n${extra}`;

/** `cd proto && buf generate …`, as the repository's own script does it. */
function generateInProto(repo: TestRepo, ...args: string[]): void {
  execFileSync(join(binDir, "buf"), ["generate", "--template", "buf.gen.yaml", ...args], {
    cwd: join(repo.dir, "proto"),
    env: { ...process.env, PATH: `${binDir}:${process.env.PATH}` },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** The layout on main, generated in proto/ and committed; then branch `work`. */
function cdProtoRepo(
  config: string | undefined = CONFIG(),
  template = TEMPLATE(),
  generateArgs: string[] = [],
): TestRepo {
  const repo = gitRepo({
    ".gitignore": "node_modules\n",
    "package.json": JSON.stringify({ name: "root", private: true }),
    "proto/buf.yaml": "version: v2\n",
    "proto/buf.gen.yaml": template,
    "proto/acme/v1/a.proto": proto("A"),
    "proto/acme/v1/b.proto": proto("B"),
    ...(config === undefined ? {} : { "shipgraph.yaml": config }),
  });
  symlinkSync(join(projectRoot, "node_modules"), join(repo.dir, "node_modules"), "dir");
  if (template === TEMPLATE()) {
    generateInProto(repo, ...generateArgs);
    repo.commit("generated");
  }
  repo.git("checkout", "-q", "-b", "work");
  return repo;
}

const drift = (repo: TestRepo, ...args: string[]) => driftIn(repo, args);

async function generatedFiles(repo: TestRepo): Promise<Record<string, string[]>> {
  return (await affectedIn<{ generatedFiles: Record<string, string[]> }>(repo, "--uncommitted"))
    .generatedFiles;
}

describe("a generator with `cwd` (cd proto && buf generate)", () => {
  it("affected lists the files buf writes from there; drift is clean on the fresh tree", async () => {
    const repo = cdProtoRepo();
    expect(repo.git("ls-files", "gen").trim().split("\n")).toEqual([
      "gen/ts/acme/v1/a_pb.ts",
      "gen/ts/acme/v1/b_pb.ts",
    ]);
    const clean = await drift(repo);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.report.generators).toMatchObject([{ name: "ts", status: "clean" }]);

    repo.append("proto/acme/v1/a.proto", "message C { string w = 1; }\n");
    expect(await generatedFiles(repo)).toEqual({ ts: ["gen/ts/acme/v1/a_pb.ts"] });
    // the template, as buf reads it from proto/: every output
    repo.git("checkout", "-q", ".");
    repo.write({ "proto/buf.gen.yaml": `${TEMPLATE()}    include_imports: true\n` });
    expect(await generatedFiles(repo)).toEqual({
      ts: ["gen/ts/acme/v1/a_pb.ts", "gen/ts/acme/v1/b_pb.ts"],
    });
  });

  it("drift reports a hand-edited and a deleted output; --fix writes what buf writes in proto/", async () => {
    const repo = cdProtoRepo();
    const generated = treeHashes(repo.dir);
    repo.append("gen/ts/acme/v1/b_pb.ts", "// hand edit\n").remove("gen/ts/acme/v1/a_pb.ts");
    const drifted = await drift(repo);
    expect(drifted.code).toBe(1);
    expect(drifted.report.generators).toMatchObject([
      {
        name: "ts",
        status: "drift",
        modified: ["gen/ts/acme/v1/b_pb.ts"],
        missing: ["gen/ts/acme/v1/a_pb.ts"],
        stale: [],
      },
    ]);
    const fixed = await drift(repo, "--fix");
    expect(fixed.report.generators).toMatchObject([{ name: "ts", fixed: true }]);
    // exactly the tree `cd proto && buf generate` wrote, nothing anywhere else
    expect(treeHashes(repo.dir)).toEqual(generated);
    expect((await drift(repo)).code).toBe(0);
  });

  it("run's --template and --path are relative to cwd: a change outside the --path is no change", async () => {
    const repo = cdProtoRepo(
      CONFIG('    run: "buf generate --template buf.gen.yaml --path acme/v1/a.proto"\n'),
      TEMPLATE(),
      ["--path", "acme/v1/a.proto"],
    );
    expect((await drift(repo)).code).toBe(0);
    repo.append("proto/acme/v1/b.proto", "message D { string w = 1; }\n");
    expect(await generatedFiles(repo)).toEqual({});
    repo.append("proto/acme/v1/a.proto", "message C { string w = 1; }\n");
    expect(await generatedFiles(repo)).toEqual({ ts: ["gen/ts/acme/v1/a_pb.ts"] });
    const drifted = await drift(repo);
    expect(drifted.report.generators).toMatchObject([{ modified: ["gen/ts/acme/v1/a_pb.ts"] }]);
  });

  it("a local plugin run by a path relative to cwd is an input: a change to its script affects the generator", async () => {
    const template = `${TEMPLATE()}  - local: ["node", "tools/gen.mjs"]\n    out: ../gen/x\n`;
    const repo = cdProtoRepo(CONFIG(), template);
    repo.write({ "proto/tools/gen.mjs": "// a protoc plugin\n" }).commit("plugin");
    repo.git("branch", "-f", "main");
    repo.append("proto/tools/gen.mjs", "// changed\n");
    const report = await affectedIn<{ affected: { generator: string[] }; unownedFiles: string[] }>(
      repo,
      "--uncommitted",
    );
    expect(report.affected.generator).toEqual(["ts"]);
    expect(report.unownedFiles).toEqual([]);
  });

  it("stamps and drift --quick hash the outputs buf writes from cwd", async () => {
    const repo = cdProtoRepo();
    const stamp = await shipgraph(repo.dir, ["stamp"]);
    expect(stamp.code, stamp.stderr).toBe(0);
    repo.commit("stamp");
    expect((await shipgraph(repo.dir, ["drift", "--quick"])).code).toBe(0);
    repo.append("gen/ts/acme/v1/a_pb.ts", "// hand edit\n");
    const quick = await drift(repo, "--quick");
    expect(quick.code).toBe(1);
    expect(quick.report.generators).toMatchObject([{ name: "ts", status: "drift" }]);
  });

  it("drift --base: the outputs the old out left behind, as buf wrote them from cwd", async () => {
    const repo = cdProtoRepo();
    repo.write({ "proto/buf.gen.yaml": TEMPLATE("../gen/web") });
    generateInProto(repo);
    repo.commit("move out");
    const { code, report } = await drift(repo, "--base", "main");
    expect(code).toBe(1);
    expect(report.generators).toMatchObject([
      {
        name: "ts",
        leftBehind: ["gen/ts/acme/v1/a_pb.ts", "gen/ts/acme/v1/b_pb.ts"],
      },
    ]);
  });

  it("an out that leaves the repository from cwd is a config error naming the generator and the key", async () => {
    const repo = cdProtoRepo(CONFIG(), TEMPLATE("../../gen/ts"));
    const run = await shipgraph(repo.dir, ["affected", "--base", "main"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'proto/buf.gen.yaml:6: plugins[0].out "../../gen/ts" leaves the repository from proto, where generators.ts runs buf (its `cwd`)',
    );
    expect((await shipgraph(repo.dir, ["drift"])).code).toBe(2);
  });

  it("`run: buf generate` without --template reads buf.gen.yaml of the cwd: a change to it affects the generator", async () => {
    // (buf 1.75 without --template reads ./buf.gen.yaml, and fails without one)
    const repo = cdProtoRepo(
      "protos:\n  proto: { path: proto }\ngenerators:\n  ts:\n    cwd: proto\n    run: buf generate\n",
    );
    const clean = await drift(repo);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.report.generators).toMatchObject([{ name: "ts", status: "clean" }]);
    repo.write({ "proto/buf.gen.yaml": TEMPLATE().replace("target=ts", "target=js") });
    expect(await generatedFiles(repo)).toEqual({
      ts: [
        "gen/ts/acme/v1/a_pb.js",
        "gen/ts/acme/v1/a_pb.ts",
        "gen/ts/acme/v1/b_pb.js",
        "gen/ts/acme/v1/b_pb.ts",
      ],
    });
  });

  it("a cwd that is a symbolic link is a config error naming the key and the directory it points to", async () => {
    // `cd proto-link && buf generate` works, but buf resolves `.` and `..` from proto/: a proto
    // change would otherwise reach no generator (its input read as "proto-link")
    const repo = cdProtoRepo(CONFIG().replace("cwd: proto", "cwd: proto-link"));
    symlinkSync("proto", join(repo.dir, "proto-link"));
    repo.commit("link");
    repo.append("proto/acme/v1/a.proto", "message C { string w = 1; }\n");
    const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--uncommitted"]);
    expect(run.code, run.stdout).toBe(2);
    expect(run.stderr).toContain(
      'shipgraph.yaml:6 generators.ts.cwd: "proto-link" is a symbolic link (to proto): buf would run in the directory it points to',
    );
    expect(run.stderr).toContain('set it to "proto"');
    // a directory in a link, and a file, neither
    repo.write({ "shipgraph.yaml": CONFIG().replace("cwd: proto", "cwd: proto-link/acme") });
    expect((await shipgraph(repo.dir, ["affected", "--base", "main", "--uncommitted"])).stderr).toContain(
      '"proto-link/acme" lies in proto-link, which is a symbolic link (to proto)',
    );
    repo.write({ "shipgraph.yaml": CONFIG().replace("cwd: proto", "cwd: proto/buf.yaml") });
    const file = await shipgraph(repo.dir, ["drift"]);
    expect(file.code).toBe(2);
    expect(file.stderr).toContain('generators.ts.cwd: "proto/buf.yaml" is a file, not a directory');
  });

  it("init writes `cwd` for a template made to run in its own directory", async () => {
    const repo = cdProtoRepo(undefined);
    const init = await shipgraph(repo.dir, ["init", "--dry-run"]);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain("  # proto/buf.gen.yaml: out gen/ts\n");
    expect(init.stdout).toContain("    template: proto/buf.gen.yaml\n");
    expect(init.stdout).toContain("    cwd: proto\n");
    expect(init.stdout).not.toContain("run:");
  });
});
