import { execFileSync } from "node:child_process";
import { existsSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { affectedIn } from "./helpers/affected.js";
import { shipgraph } from "./helpers/cli.js";
import { driftIn } from "./helpers/drift.js";
import { binDir, buf, gitRepo, projectRoot, type TestRepo } from "./helpers/repo.js";

/**
 * A generator's `template` is what shipgraph models (its plugins and `out`); buf reads the one
 * `run` names with --template, else the buf.gen.yaml of the directory it runs in (checked below
 * with real buf 1.75). When the two differ, affected and drift reason about a template buf does
 * not use: a config error naming both and the fix.
 */
const TEMPLATE = (out: string) =>
  `version: v2\nplugins:\n  - local: protoc-gen-es\n    out: ${out}\n    opt: target=ts\n`;

/** proto/ with buf.gen.yaml (out gen/default) and buf.gen.a.yaml (out gen/a) at the root and in proto/. */
function twoTemplates(generator: string): TestRepo {
  const repo = gitRepo({
    ".gitignore": "node_modules\n",
    "package.json": JSON.stringify({ name: "root", private: true }),
    "buf.yaml": "version: v2\nmodules:\n  - path: proto\n",
    "proto/acme/v1/a.proto": 'syntax = "proto3";\npackage acme.v1;\nmessage A { string v = 1; }\n',
    "buf.gen.yaml": TEMPLATE("gen/default"),
    "buf.gen.a.yaml": TEMPLATE("gen/a"),
    "proto/buf.gen.yaml": TEMPLATE("../gen/default"),
    "proto/buf.gen.a.yaml": TEMPLATE("../gen/a"),
    "shipgraph.yaml": `protos:\n  core: { path: proto }\ngenerators:\n  sdk:\n${generator}`,
  });
  symlinkSync(join(projectRoot, "node_modules"), join(repo.dir, "node_modules"), "dir");
  repo.git("checkout", "-q", "-b", "work");
  return repo;
}

async function configError(repo: TestRepo, command: "affected" | "drift"): Promise<string> {
  const args = command === "affected" ? ["affected", "--base", "main"] : ["drift"];
  const run = await shipgraph(repo.dir, args);
  expect(run.code, run.stdout).toBe(2);
  return run.stderr;
}

describe("a generator's `template` and the template its `run` makes buf read", () => {
  it("a bare `buf generate` reads buf.gen.yaml, not the configured template: a config error naming both and the fix", async () => {
    const repo = twoTemplates("    template: buf.gen.a.yaml\n    run: buf generate\n");
    // what buf itself does there: it writes buf.gen.yaml's out, not buf.gen.a.yaml's
    buf(repo, "generate");
    expect(existsSync(join(repo.dir, "gen/default/acme/v1/a_pb.ts"))).toBe(true);
    expect(existsSync(join(repo.dir, "gen/a"))).toBe(false);
    repo.remove("gen");

    for (const command of ["affected", "drift"] as const) {
      const stderr = await configError(repo, command);
      expect(stderr).toContain(
        'error[CONFIG_INVALID]: shipgraph.yaml generators.sdk: `template` is buf.gen.a.yaml, but `run` ("buf generate") names no --template, so buf reads buf.gen.yaml (the buf.gen.yaml of the repository root, where it runs): affected and drift would model a template buf does not use. Fix: add `--template buf.gen.a.yaml` to `run`; or, when `run` passes nothing else, drop it to use the default ("buf generate --template buf.gen.a.yaml"), which passes the template\n',
      );
      expect(stderr).toContain(
        "hint: a generator's `template` must be the file its `run` makes buf read: buf reads --template, else the buf.gen.yaml of the directory it runs in",
      );
    }
  });

  it("with cwd, a bare `buf generate` reads <cwd>/buf.gen.yaml; --template is taken from cwd", async () => {
    const stderr = await configError(
      twoTemplates("    template: proto/buf.gen.a.yaml\n    cwd: proto\n    run: buf generate\n"),
      "affected",
    );
    expect(stderr).toContain(
      '`template` is proto/buf.gen.a.yaml, but `run` ("buf generate") names no --template, so buf reads proto/buf.gen.yaml (the buf.gen.yaml of proto, where it runs)',
    );
    expect(stderr).toContain("Fix: add `--template buf.gen.a.yaml` to `run`");

    // the same file, named relative to cwd (as buf takes it): no error
    const named = twoTemplates(
      "    template: proto/buf.gen.a.yaml\n    cwd: proto\n    run: buf generate --template ./buf.gen.a.yaml\n",
    );
    expect(
      (await affectedIn<{ generatedFiles: Record<string, string[]> }>(named, "--all")).generatedFiles,
    ).toEqual({ sdk: ["gen/a/acme/v1/a_pb.ts"] });
    // a name that is right from the root but not from cwd reads proto/buf.gen.yaml
    const fromRoot = await configError(
      twoTemplates(
        "    template: proto/buf.gen.a.yaml\n    cwd: proto\n    run: buf generate --template proto/buf.gen.a.yaml\n",
      ),
      "drift",
    );
    expect(fromRoot).toContain(
      "names --template proto/proto/buf.gen.a.yaml (from proto, where it runs), so buf reads that",
    );
  });

  it("--template naming another file is a config error; the default template's own name is none", async () => {
    const stderr = await configError(
      twoTemplates("    template: buf.gen.a.yaml\n    run: buf generate --template buf.gen.yaml\n"),
      "affected",
    );
    expect(stderr).toContain(
      'generators.sdk: `template` is buf.gen.a.yaml, but `run` ("buf generate --template buf.gen.yaml") names --template buf.gen.yaml, so buf reads that: affected and drift would model a template buf does not use. Fix: make `run`\'s --template buf.gen.a.yaml (or set `template: buf.gen.yaml`); or, when `run` passes nothing else, drop it',
    );

    // a bare `buf generate` with `template: buf.gen.yaml` reads what shipgraph models
    const same = twoTemplates("    template: buf.gen.yaml\n    run: [npx, buf, generate]\n");
    expect(
      (await affectedIn<{ generatedFiles: Record<string, string[]> }>(same, "--all")).generatedFiles,
    ).toEqual({ sdk: ["gen/default/acme/v1/a_pb.ts"] });
  });

  it("a run that is not recognisably `buf generate` here (a script, a shell line, a container) is not checked", async () => {
    for (const run of [
      "node tools/gen.mjs",
      '[sh, -c, "buf generate && git add gen"]',
      "[docker, run, --rm, -v, /src:/workspace, -w, /workspace/proto, bufbuild/buf:1.75.0, generate]",
      "[pnpm, -C, proto, exec, buf, generate]",
      // (inline --template data is checked: buf reads it, never `template`; see run-inline-config.test.ts)
    ]) {
      const repo = twoTemplates(`    template: buf.gen.a.yaml\n    run: ${run}\n`);
      const out = await affectedIn<{ generatedFiles: Record<string, string[]> }>(repo, "--all");
      expect(out.generatedFiles, run).toEqual({ sdk: ["gen/a/acme/v1/a_pb.ts"] });
    }
  });

  it("a launcher that runs buf in another directory is not checked: pnpm --filter/-r, npm --workspace, env --chdir, pnpm from a cwd without a package.json", async () => {
    // proto/ is a workspace package (pnpm and npm) whose buf.gen.yaml writes proto/gen/p
    const cases: { run: string[]; cwd?: string }[] = [
      { run: ["pnpm", "--filter", "@acme/proto", "exec", "buf", "generate"] },
      { run: ["pnpm", "-r", "exec", "buf", "generate"] },
      { run: ["npm", "--workspace=proto", "exec", "--", "buf", "generate"] },
      { run: ["env", "--chdir=proto", "buf", "generate"] },
      // pnpm runs it in proto, the nearest directory with a package.json, where that name is right
      { run: ["pnpm", "exec", "buf", "generate", "--template", "buf.gen.yaml"], cwd: "proto/acme" },
    ];
    for (const { run, cwd } of cases) {
      const repo = twoTemplates(
        `    template: proto/buf.gen.yaml\n${cwd ? `    cwd: ${cwd}\n` : ""}    run: ${JSON.stringify(run)}\n`,
      );
      repo.write({
        "package.json": JSON.stringify({ name: "root", private: true, workspaces: ["proto"] }),
        "pnpm-workspace.yaml": "packages:\n  - proto\n",
        "proto/package.json": JSON.stringify({ name: "@acme/proto", private: true }),
        "proto/buf.gen.yaml": TEMPLATE("gen/p"),
      });
      repo.commit("proto is a package");
      // what the launcher does: buf runs in proto and reads proto/buf.gen.yaml
      execFileSync(run[0]!, run.slice(1), {
        cwd: join(repo.dir, cwd ?? ""),
        env: { ...process.env, PATH: `${binDir}:${process.env.PATH}` },
        stdio: "ignore",
      });
      expect(existsSync(join(repo.dir, "proto/gen/p/acme/v1/a_pb.ts")), run.join(" ")).toBe(true);
      repo.remove("proto/gen");
      const out = await shipgraph(repo.dir, ["affected", "--all", "--format", "json"]);
      expect(out.code, `${run.join(" ")}\n${out.stderr}`).toBe(0);
    }

    // pnpm from a cwd that has a package.json runs buf there: still checked
    const checked = twoTemplates(
      "    template: proto/buf.gen.a.yaml\n    cwd: proto\n    run: pnpm exec buf generate\n",
    );
    checked.write({ "proto/package.json": JSON.stringify({ name: "@acme/proto", private: true }) }).commit();
    expect(await configError(checked, "affected")).toContain(
      '`run` ("pnpm exec buf generate") names no --template, so buf reads proto/buf.gen.yaml',
    );
  });

  it("--template given twice: buf reads the last, a file or inline data", async () => {
    const inline =
      '{"version":"v2","plugins":[{"local":"protoc-gen-es","out":"gen/inline","opt":"target=ts"}]}';
    const run = ["buf", "generate", "proto", "--template", "buf.gen.a.yaml", "--template", inline];
    const repo = twoTemplates(`    run: ${JSON.stringify(run)}\n`);
    // what buf does: the inline template, not buf.gen.a.yaml
    buf(repo, ...run.slice(1));
    expect(existsSync(join(repo.dir, "gen/inline/acme/v1/a_pb.ts"))).toBe(true);
    expect(existsSync(join(repo.dir, "gen/a"))).toBe(false);
    repo.remove("gen");
    // so shipgraph models the inline template, not buf.gen.a.yaml: its out is where the generator writes
    const out = await shipgraph(repo.dir, ["affected", "--all", "--format", "json"]);
    expect(out.json<{ generatedFiles: Record<string, string[]> }>().generatedFiles).toEqual({
      sdk: ["gen/inline/acme/v1/a_pb.ts"],
    });
    expect(out.stderr).not.toContain("no outputs");

    // two files: the last is the one checked against `template`
    const last = twoTemplates(
      "    template: buf.gen.a.yaml\n    run: buf generate proto --template buf.gen.yaml --template buf.gen.a.yaml\n",
    );
    expect(
      (await affectedIn<{ generatedFiles: Record<string, string[]> }>(last, "--all")).generatedFiles,
    ).toEqual({ sdk: ["gen/a/acme/v1/a_pb.ts"] });
  });

  it("a template that is a symbolic link: buf reads its target, so a change there affects the generator, and a commit's snapshot reads the target", async () => {
    // buf.gen.ts.yaml links to buf.gen.yaml: `--template buf.gen.ts.yaml` writes buf.gen.yaml's out
    const repo = twoTemplates("    template: buf.gen.ts.yaml\n");
    symlinkSync("buf.gen.yaml", join(repo.dir, "buf.gen.ts.yaml"));
    buf(repo, "generate", "--template", "buf.gen.ts.yaml");
    expect(existsSync(join(repo.dir, "gen/default/acme/v1/a_pb.ts"))).toBe(true);
    repo.commit("generated through the link");
    repo.git("branch", "-f", "main"); // the link and its outputs are on main: only the target changes below
    const committed = await driftIn(repo, ["--committed"]);
    expect(committed.code, committed.stderr).toBe(0);
    expect(committed.report.generators).toMatchObject([{ name: "sdk", status: "clean" }]);

    repo
      .write({ "buf.gen.yaml": TEMPLATE("gen/default").replace("target=ts", "target=js") })
      .commit("target edited");
    const out = await affectedIn<{ affected: { generator: string[] }; changedFilesUnowned?: string[] }>(repo);
    expect(out.affected.generator).toEqual(["sdk"]);

    // a bare `buf generate` reads buf.gen.yaml, the file the configured link leads to: the same
    // template, so no config error
    repo.write({
      "shipgraph.yaml": repo
        .read("shipgraph.yaml")
        .replace("buf.gen.ts.yaml\n", "buf.gen.ts.yaml\n    run: buf generate\n"),
    });
    expect(
      (await affectedIn<{ generatedFiles: Record<string, string[]> }>(repo, "--all")).generatedFiles.sdk,
    ).toContain("gen/default/acme/v1/a_pb.js");
  });

  it("a template in a directory that is a symbolic link: buf reads the file it leads to, so a change there, or to the link, affects the generator and its stamp", async () => {
    // tpl links to shared: git lists the template as shared/buf.gen.yaml only
    const repo = twoTemplates("    template: tpl/buf.gen.yaml\n");
    repo.write({ "shared/buf.gen.yaml": TEMPLATE("gen/default") });
    symlinkSync("shared", join(repo.dir, "tpl"));
    buf(repo, "generate", "--template", "tpl/buf.gen.yaml");
    expect(existsSync(join(repo.dir, "gen/default/acme/v1/a_pb.ts"))).toBe(true);
    repo.commit("generated through the linked directory");
    const stamp = await shipgraph(repo.dir, ["stamp"]);
    expect(stamp.code, stamp.stderr).toBe(0);
    repo.commit("stamp");
    repo.git("branch", "-f", "main");
    const quick = async () => (await driftIn(repo, ["--quick"], { readOnly: true })).report.generators;
    expect(await quick()).toMatchObject([{ name: "sdk", status: "clean" }]);

    repo.write({ "shared/buf.gen.yaml": TEMPLATE("gen/default").replace("target=ts", "target=js") });
    repo.commit("target edited");
    expect((await affectedIn<{ affected: { generator: string[] } }>(repo)).affected.generator).toEqual([
      "sdk",
    ]);
    expect(await quick()).toMatchObject([{ name: "sdk", status: "drift" }]);

    // the link itself pointed elsewhere
    repo.git("checkout", "-q", "-B", "retarget", "main");
    repo
      .write({ "other/buf.gen.yaml": TEMPLATE("gen/default").replace("target=ts", "target=js") })
      .remove("tpl");
    symlinkSync("other", join(repo.dir, "tpl"));
    repo.commit("retarget");
    expect((await affectedIn<{ affected: { generator: string[] } }>(repo)).affected.generator).toEqual([
      "sdk",
    ]);
    expect(await quick()).toMatchObject([{ name: "sdk", status: "drift" }]);
  }, 120_000);

  it("buf's global flags before `generate` (--debug, --timeout 60s, --log-format=json): still `buf generate`, so still checked", async () => {
    for (const flags of [
      ["--debug"],
      ["--timeout", "60s"],
      ["--log-format=json"],
      ["--no-warn", "--log-format", "json"],
    ]) {
      const run = ["buf", ...flags, "generate"];
      const repo = twoTemplates(`    template: buf.gen.a.yaml\n    run: ${JSON.stringify(run)}\n`);
      // what buf does: it takes them there, and reads buf.gen.yaml
      buf(repo, ...run.slice(1));
      expect(existsSync(join(repo.dir, "gen/default/acme/v1/a_pb.ts")), run.join(" ")).toBe(true);
      repo.remove("gen");
      expect(await configError(repo, "affected"), run.join(" ")).toContain(
        `\`template\` is buf.gen.a.yaml, but \`run\` ("${run.join(" ")}") names no --template, so buf reads buf.gen.yaml`,
      );
    }
    // with the right --template: no error, and its outs are modelled
    const right = twoTemplates(
      "    template: buf.gen.a.yaml\n    run: buf --timeout=60s generate --template buf.gen.a.yaml\n",
    );
    expect(
      (await affectedIn<{ generatedFiles: Record<string, string[]> }>(right, "--all")).generatedFiles,
    ).toEqual({ sdk: ["gen/a/acme/v1/a_pb.ts"] });
    // a flag buf does not have there may take the next word: not taken for `buf generate`
    const unknown = twoTemplates("    template: buf.gen.a.yaml\n    run: buf --unknown generate\n");
    expect((await shipgraph(unknown.dir, ["affected", "--all", "--format", "json"])).code).toBe(0);
  });
});

describe("a template whose path has a space or a quote", () => {
  /** The twoTemplates layout with the template in `dir` (its out gen/a) and `generator`. */
  function spaced(dir: string, generator: string): TestRepo {
    const repo = twoTemplates(generator);
    repo.write({ [`${dir}/buf.gen.yaml`]: TEMPLATE(dir.startsWith("proto/") ? "../gen/a" : "gen/a") });
    repo.commit("template in a directory with a space");
    return repo;
  }

  it("the default run quotes it (buf reads that one file), drift runs it, and affected models its outs", async () => {
    for (const dir of ["protos/my templates", "protos/it's (new)"]) {
      const repo = spaced(
        dir,
        `    template: ${JSON.stringify(`${dir}/buf.gen.yaml`)}\n    outputs: [gen/a]\n`,
      );
      // generated as the default command does, committed: drift runs it and finds it clean
      buf(repo, "generate", "--template", `${dir}/buf.gen.yaml`);
      expect(existsSync(join(repo.dir, "gen/a/acme/v1/a_pb.ts")), dir).toBe(true);
      repo.commit("generated");
      const drift = await driftIn(repo, [], { readOnly: true });
      expect(drift.report.generators, `${dir}\n${drift.stderr}`).toMatchObject([
        { name: "sdk", status: "clean" },
      ]);
      expect(drift.code).toBe(0);
      expect(
        (await affectedIn<{ generatedFiles: Record<string, string[]> }>(repo, "--all")).generatedFiles,
      ).toEqual({ sdk: ["gen/a/acme/v1/a_pb.ts"] });
    }
    // from a cwd: the path relative to it, quoted (buf run there, as the default command does)
    const below = spaced(
      "proto/my templates",
      '    template: "proto/my templates/buf.gen.yaml"\n    cwd: proto\n    outputs: [gen/a]\n',
    );
    execFileSync(join(binDir, "buf"), ["generate", "--template", "my templates/buf.gen.yaml"], {
      cwd: join(below.dir, "proto"),
      env: { ...process.env, PATH: `${binDir}:${process.env.PATH}` },
      stdio: "ignore",
    });
    expect(existsSync(join(below.dir, "gen/a/acme/v1/a_pb.ts"))).toBe(true);
    below.commit("generated");
    const drift = await driftIn(below, [], { readOnly: true });
    expect(drift.report.generators, drift.stderr).toMatchObject([{ name: "sdk", status: "clean" }]);
  });

  it("a `run` naming it quoted reads back as that file: no config error; the fix a mismatch names is quoted", async () => {
    for (const run of [
      "buf generate --template 'protos/my templates/buf.gen.yaml'",
      'buf generate --template "protos/my templates/buf.gen.yaml"',
      "buf generate --template protos/my\\ templates/buf.gen.yaml",
    ]) {
      const repo = spaced(
        "protos/my templates",
        `    template: "protos/my templates/buf.gen.yaml"\n    run: ${JSON.stringify(run)}\n`,
      );
      expect(
        (await affectedIn<{ generatedFiles: Record<string, string[]> }>(repo, "--all")).generatedFiles,
        run,
      ).toEqual({ sdk: ["gen/a/acme/v1/a_pb.ts"] });
    }
    const bare = spaced(
      "protos/my templates",
      '    template: "protos/my templates/buf.gen.yaml"\n    run: buf generate\n',
    );
    expect(await configError(bare, "affected")).toContain(
      "Fix: add `--template 'protos/my templates/buf.gen.yaml'` to `run`; or, when `run` passes nothing else, drop it to use the default (\"buf generate --template 'protos/my templates/buf.gen.yaml'\")",
    );
  });
});
