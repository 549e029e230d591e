import { execFileSync } from "node:child_process";
import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { affectedIn } from "./helpers/affected.js";
import { shipgraph } from "./helpers/cli.js";
import { binDir, gitRepo, projectRoot, type TestRepo } from "./helpers/repo.js";

/**
 * A template made for `cd proto && buf generate`: its `out` is relative to proto/ and leaves the
 * repository from the root. `buf generate proto --template proto/buf.gen.yaml -o proto` generates
 * the same from the root (real buf and protoc-gen-es).
 */
const TEMPLATE = (path = "protoc-gen-es") =>
  `version: v1\nplugins:\n  - plugin: es\n    path: ${path}\n    out: ../gen/ts\n    opt: target=ts\n`;
const RUN = "buf generate proto --template proto/buf.gen.yaml -o proto";

function ownDirRepo(config: string | undefined, template = TEMPLATE(), generate = true): TestRepo {
  const repo = gitRepo({
    ".gitignore": "node_modules\n",
    "package.json": JSON.stringify({ name: "root", private: true }),
    "proto/buf.yaml": "version: v1\n",
    "proto/buf.gen.yaml": template,
    "proto/acme/v1/a.proto": 'syntax = "proto3";\npackage acme.v1;\nmessage M { string v = 1; }\n',
    ...(config === undefined ? {} : { "shipgraph.yaml": config }),
  });
  symlinkSync(join(projectRoot, "node_modules"), join(repo.dir, "node_modules"), "dir");
  if (generate) {
    execFileSync(
      join(binDir, "buf"),
      ["generate", "proto", "--template", "proto/buf.gen.yaml", "-o", "proto"],
      {
        cwd: repo.dir,
        env: { ...process.env, PATH: `${binDir}:${process.env.PATH}` },
      },
    );
    repo.commit("generated");
  }
  repo.git("checkout", "-q", "-b", "work");
  return repo;
}

const CONFIG = (run?: string) =>
  `protos:\n  proto: { path: proto }\ngenerators:\n  ts:\n    template: proto/buf.gen.yaml\n${run ? `    run: "${run}"\n` : ""}`;

describe("a template made to run in its own directory", () => {
  it("generated from the root with -o: drift compares what buf writes, affected names the files", async () => {
    const repo = ownDirRepo(CONFIG(RUN));
    expect(repo.git("ls-files", "gen").trim()).toBe("gen/ts/acme/v1/a_pb.ts");
    const drift = await shipgraph(repo.dir, ["drift", "--format", "json"]);
    expect(drift.code, drift.stderr).toBe(0);

    repo.append("proto/acme/v1/a.proto", "message N { string w = 1; }\n");
    const affected = await affectedIn<{ generatedFiles: Record<string, string[]> }>(repo, "--uncommitted");
    expect(affected.generatedFiles).toEqual({
      ts: ["gen/ts/acme/v1/a_pb.ts"],
    });
    const drifted = await shipgraph(repo.dir, ["drift", "--format", "json"]);
    expect(drifted.code).toBe(1);
    expect(drifted.json<{ generators: { modified: string[] }[] }>().generators[0]!.modified).toEqual([
      "gen/ts/acme/v1/a_pb.ts",
    ]);
  });

  it("with `cwd: proto` and no input: buf's default input is proto, as there; drift and affected agree", async () => {
    const repo = ownDirRepo(`${CONFIG()}    cwd: proto\n`);
    const drift = await shipgraph(repo.dir, ["drift", "--format", "json"]);
    expect(drift.code, drift.stderr).toBe(0);
    repo.append("proto/acme/v1/a.proto", "message N { string w = 1; }\n");
    const affected = await affectedIn<{ generatedFiles: Record<string, string[]> }>(repo, "--uncommitted");
    expect(affected.generatedFiles).toEqual({
      ts: ["gen/ts/acme/v1/a_pb.ts"],
    });
    const drifted = await shipgraph(repo.dir, ["drift", "--format", "json"]);
    expect(drifted.json<{ generators: { modified: string[] }[] }>().generators[0]!.modified).toEqual([
      "gen/ts/acme/v1/a_pb.ts",
    ]);
  });

  it("run from the root without a cwd: a config error whose hint gives the cwd", async () => {
    const repo = ownDirRepo(CONFIG());
    const run = await shipgraph(repo.dir, ["affected", "--base", "main"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'proto/buf.gen.yaml:5: plugins[0].out "../gen/ts" leaves the repository from its root, where shipgraph runs buf',
    );
    expect(run.stderr).toContain("set the generator's `cwd: proto`");
  });

  it("init infers the cwd, also when a plugin runs by a path relative to the template's directory", async () => {
    const inferred = await shipgraph(ownDirRepo(undefined).dir, ["init", "--dry-run"]);
    expect(inferred.code, inferred.stderr).toBe(0);
    expect(inferred.stdout).toContain(
      "    template: proto/buf.gen.yaml\n    # made to run in proto (an out leaves the repository from the root): buf runs there, as `cd proto && buf generate`\n    cwd: proto\n",
    );
    expect(inferred.stdout).not.toContain("run:");

    const relative = await shipgraph(
      ownDirRepo(undefined, TEMPLATE("../node_modules/.bin/protoc-gen-es"), false).dir,
      ["init", "--dry-run"],
    );
    expect(relative.code, relative.stderr).toBe(0);
    expect(relative.stdout).toContain("    cwd: proto\n");
    expect(relative.stdout).toContain("#   local ../node_modules/.bin/protoc-gen-es");
    expect(relative.stdout + relative.stderr).not.toContain(`plugins[0].out "../gen/ts" leaves`);
  });
});
