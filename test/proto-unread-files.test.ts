import { appendFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { affectedIn } from "./helpers/affected.js";
import { shipgraph } from "./helpers/cli.js";
import { buf, gitRepo, type TestRepo, tempDir } from "./helpers/repo.js";

/**
 * A .proto file of a module that `affected` cannot read as git lists it (a link to nothing, a
 * directory in its place, a link read at a commit), or that only the disk has (ignored by
 * .gitignore, imported by a tracked one), must never pass for a dependency's file: a change
 * reaching a generator through it would reach none.
 */

interface Report {
  affected: { generator: string[] };
  reasons: Record<string, { cause: { file: string; via?: string } }>;
  notes: string[];
  protoFiles: string[];
}

const template = (dir: string) =>
  `version: v2\nplugins:\n  - local: protoc-gen-es\n    out: gen/${dir}\n    opt: target=ts\ninputs:\n  - directory: proto\n    paths: [proto/${dir}]\n`;

/** a.proto imports b.proto, which imports c.proto; gen-a compiles proto/a, gen-c proto/c. */
const FILES: Record<string, string> = {
  "buf.yaml": "version: v2\nmodules:\n  - path: proto\n",
  "buf.gen.a.yaml": template("a"),
  "buf.gen.c.yaml": template("c"),
  "shipgraph.yaml":
    "protos:\n  core: { path: proto }\ngenerators:\n  gen-a:\n    template: buf.gen.a.yaml\n    protos: [core]\n  gen-c:\n    template: buf.gen.c.yaml\n    protos: [core]\n",
  "proto/a/v1/a.proto":
    'syntax = "proto3";\npackage a.v1;\nimport "b/v1/b.proto";\nmessage A { b.v1.B b = 1; }\n',
  "proto/c/v1/c.proto": 'syntax = "proto3";\npackage c.v1;\nmessage C { string x = 1; }\n',
};
const B = 'syntax = "proto3";\npackage b.v1;\nimport "c/v1/c.proto";\nmessage B { c.v1.C c = 1; }\n';

/** FILES on main with b.proto made by `placeB`, then a branch that edits c.proto. */
function changedC(placeB: (repo: TestRepo) => void): TestRepo {
  const repo = gitRepo(FILES);
  placeB(repo);
  repo.commit("b");
  repo.git("checkout", "-q", "-b", "change");
  repo.append("proto/c/v1/c.proto", "// edited\n").commit("edit c");
  return repo;
}

/** b.proto as a symbolic link to `target` (relative to proto/b/v1). */
function linkB(repo: TestRepo, target: string): void {
  mkdirSync(join(repo.dir, "proto/b/v1"), { recursive: true });
  symlinkSync(target, join(repo.dir, "proto/b/v1/b.proto"));
}

describe("a tracked .proto file that cannot be read", () => {
  it("read as it should be, the change reaches gen-a through b.proto", async () => {
    const report = await affectedIn<Report>(changedC((repo) => repo.write({ "proto/b/v1/b.proto": B })));
    expect(report.affected.generator).toEqual(["gen-a", "gen-c"]);
    expect(report.reasons["generator:gen-a"]!.cause.via).toBe(
      "proto/a/v1/a.proto, which the generator compiles, imports it via proto/b/v1/b.proto",
    );
    expect(report.notes).toEqual([]);
  });

  it("a link to nothing (a checkout that lacks its target): every proto generator counts, and a note names it", async () => {
    const outside = tempDir("shipgraph-outside-");
    const repo = changedC((r) => linkB(r, join(outside, "b.proto")));
    const report = await affectedIn<Report>(repo);
    expect(report.affected.generator).toEqual(["gen-a", "gen-c"]);
    expect(report.reasons["generator:gen-a"]!.cause.via).toBe(
      "no import graph: every proto generator counts",
    );
    expect(report.notes).toEqual([
      `cannot read proto/b/v1/b.proto (a symbolic link to ${join(outside, "b.proto")}, which does not exist here): without the import graph every generator that compiles protos counts as affected`,
    ]);
  });

  it("a directory where the working tree should have it: every proto generator counts; deleted there, it is absent", async () => {
    const repo = changedC((r) => r.write({ "proto/b/v1/b.proto": B }));
    repo.remove("proto/b/v1/b.proto");
    mkdirSync(join(repo.dir, "proto/b/v1/b.proto"));
    const report = await affectedIn<Report>(repo);
    expect(report.affected.generator).toEqual(["gen-a", "gen-c"]);
    expect(report.notes).toEqual([
      "cannot read proto/b/v1/b.proto (a directory in the working tree): without the import graph every generator that compiles protos counts as affected",
    ]);
    // deleted in the working tree: a change --uncommitted sees, no reason for doubt
    rmSync(join(repo.dir, "proto/b/v1/b.proto"), { recursive: true });
    const deleted = await affectedIn<Report>(repo, "--uncommitted");
    expect(deleted.affected.generator).toEqual(["gen-a", "gen-c"]);
    expect(deleted.reasons["generator:gen-a"]!.cause.file).toBe("proto/b/v1/b.proto");
    expect(deleted.notes).toEqual([]);
  });

  it("a link inside the repository, at a commit (--head): read through the link, as in the working tree", async () => {
    const repo = changedC((r) => {
      r.write({ "shared/b.proto": B });
      linkB(r, "../../../shared/b.proto");
    });
    const worktree = await affectedIn<Report>(repo);
    expect(worktree.affected.generator).toEqual(["gen-a", "gen-c"]);
    repo.git("checkout", "-q", "main");
    const atCommit = await affectedIn<Report>(repo, "--head", "change");
    expect(atCommit.affected.generator).toEqual(["gen-a", "gen-c"]);
    expect(atCommit.reasons["generator:gen-a"]!.cause.via).toBe(
      "proto/a/v1/a.proto, which the generator compiles, imports it via proto/b/v1/b.proto",
    );
    expect(atCommit.notes).toEqual([]);
  });

  it("a link out of the repository, at a commit (--head): every proto generator counts, and a note names it", async () => {
    const outside = tempDir("shipgraph-outside-");
    const repo = changedC((r) => {
      r.write({ "proto/b/v1/.keep": "" });
      symlinkSync(join(outside, "b.proto"), join(r.dir, "proto/b/v1/b.proto"));
    });
    repo.git("checkout", "-q", "main");
    const report = await affectedIn<Report>(repo, "--head", "change");
    expect(report.affected.generator).toEqual(["gen-a", "gen-c"]);
    expect(report.notes).toEqual([
      `cannot read proto/b/v1/b.proto (a symbolic link to ${join(outside, "b.proto")}, out of the repository): without the import graph every generator that compiles protos counts as affected`,
    ]);
  });
});

describe("a .proto file .gitignore ignores, imported by a tracked one", () => {
  it("buf compiles it, so the change reaches gen-a through it; a note says a clone lacks it", async () => {
    const repo = changedC((r) => r.write({ ".gitignore": "proto/b/\n", "proto/b/v1/b.proto": B }));
    expect(repo.git("ls-files", "proto")).not.toContain("b.proto");
    // (buf compiles every file of the module on disk, ignored or not)
    expect(buf(repo, "build", "-o", "-#format=json")).toContain('"name":"b/v1/b.proto"');
    const report = await affectedIn<Report>(repo);
    expect(report.affected.generator).toEqual(["gen-a", "gen-c"]);
    expect(report.reasons["generator:gen-a"]!.cause.via).toBe(
      "proto/a/v1/a.proto, which the generator compiles, imports it via proto/b/v1/b.proto",
    );
    expect(report.protoFiles).toEqual(["proto/a/v1/a.proto", "proto/b/v1/b.proto", "proto/c/v1/c.proto"]);
    expect(report.notes).toEqual([
      "proto/b/v1/b.proto is imported (by proto/a/v1/a.proto) but git does not track it (untracked, or ignored by .gitignore): buf compiles it here, and its imports count, but a clone lacks it (commit it, or have CI create it before buf runs)",
    ]);
  });
});

describe("a module's .proto file that is a symbolic link to a file outside the module", () => {
  /** FILES with b.proto a link to shared/b.proto (or proto/b a link to shared/bdir), then a branch editing the target. */
  function editedTarget(dirLink = false): TestRepo {
    const repo = gitRepo(FILES);
    if (dirLink) {
      repo.write({ "shared/bdir/v1/b.proto": B });
      symlinkSync("../shared/bdir", join(repo.dir, "proto/b"));
    } else {
      repo.write({ "shared/b.proto": B });
      linkB(repo, "../../../shared/b.proto");
    }
    repo.commit("b");
    repo.git("checkout", "-q", "-b", "change");
    repo.append(dirLink ? "shared/bdir/v1/b.proto" : "shared/b.proto", "message B2 {}\n").commit("edit b");
    return repo;
  }

  it("a change to the target reaches the generators compiling what imports the link, in the working tree and at a commit", async () => {
    const repo = editedTarget();
    // (buf compiles the target as b/v1/b.proto)
    expect(buf(repo, "build", "-o", "-#format=json")).toContain('"name":"B2"');
    const via =
      "proto/a/v1/a.proto, which the generator compiles, imports it via proto/b/v1/b.proto (a symbolic link to it)";
    for (const args of [[], ["--head", "change"]]) {
      if (args.length > 0) repo.git("checkout", "-q", "main");
      const report = await affectedIn<Report & { unownedFiles: string[] }>(repo, ...args);
      expect(report.affected.generator).toEqual(["gen-a"]);
      expect(report.unownedFiles).toEqual([]);
      expect(report.reasons["generator:gen-a"]!.cause).toEqual({
        kind: "file",
        rule: "proto",
        file: "shared/b.proto",
        via,
      });
      expect(report.notes).toEqual([]);
    }
  });

  it("a link to a directory: its target's files are the module's, not files git does not track", async () => {
    const repo = editedTarget(true);
    expect(buf(repo, "build", "-o", "-#format=json")).toContain('"name":"b/v1/b.proto"');
    const report = await affectedIn<Report>(repo);
    expect(report.affected.generator).toEqual(["gen-a"]);
    expect(report.reasons["generator:gen-a"]!.cause.via).toBe(
      "proto/a/v1/a.proto, which the generator compiles, imports it via proto/b/v1/b.proto (through the symbolic link proto/b)",
    );
    // a change reaching a.proto through the linked directory's file: no note that git lacks it
    repo.git("checkout", "-q", "main");
    repo.git("checkout", "-q", "-b", "edit-c");
    repo.append("proto/c/v1/c.proto", "// edited\n").commit("edit c");
    const throughB = await affectedIn<Report>(repo);
    expect(throughB.affected.generator).toEqual(["gen-a", "gen-c"]);
    expect(throughB.notes).toEqual([]);
  });

  it("drift --quick: a change to the target changes the stamp's inputs", async () => {
    const repo = editedTarget();
    repo.git("checkout", "-q", "main");
    expect((await shipgraph(repo.dir, ["stamp", "--no-verify"])).code).toBe(0);
    expect((await shipgraph(repo.dir, ["drift", "--quick"])).code).toBe(0);
    repo.append("shared/b.proto", "message B3 {}\n");
    const quick = await shipgraph(repo.dir, ["drift", "--quick"]);
    expect(quick.code).toBe(1);
    expect(quick.stdout).toContain("gen-a: inputs changed since the last generation");
  });

  it("a .proto file that was a link at the merge base is not read as its link's text", async () => {
    // b.proto has a service at the base, through the link: deleted, its connect output is stale
    const repo = gitRepo({
      ...FILES,
      "proto/a/v1/a.proto": 'syntax = "proto3";\npackage a.v1;\nmessage A {}\n',
      "shared/b.proto": `${B}service S { rpc Get(B) returns (B); }\n`,
      "buf.gen.b.yaml":
        "version: v2\nplugins:\n  - local: protoc-gen-es\n    out: gen/b\n    opt: target=ts\n  - local: protoc-gen-connect-es\n    out: gen/b\n    opt: target=ts\ninputs:\n  - directory: proto\n    paths: [proto/b]\n",
      "shipgraph.yaml": `${FILES["shipgraph.yaml"]}  gen-b:\n    template: buf.gen.b.yaml\n    protos: [core]\n`,
    });
    linkB(repo, "../../../shared/b.proto");
    repo.commit("b");
    expect(buf(repo, "build", "-o", "-#format=json")).toContain('"name":"S"');
    repo.git("checkout", "-q", "-b", "change");
    repo.git("rm", "-q", "proto/b/v1/b.proto");
    repo.commit("drop b");
    const report = await affectedIn<Report & { generatedFiles: Record<string, string[]> }>(repo);
    expect(report.affected.generator).toEqual(["gen-b"]);
    expect(report.generatedFiles["gen-b"]).toContain("gen/b/b/v1/b_connect.ts");
  });
});

describe("drift --quick: a .proto file buf reads that git does not list as it reads it", () => {
  /** FILES plus gen-all, which compiles every file of the module (a "sha256m-" stamp). */
  const WITH_ALL: Record<string, string> = {
    ...FILES,
    "buf.gen.all.yaml":
      "version: v2\nplugins:\n  - local: protoc-gen-es\n    out: gen/all\n    opt: target=ts\ninputs:\n  - directory: proto\n",
    "shipgraph.yaml": `${FILES["shipgraph.yaml"]}  gen-all:\n    template: buf.gen.all.yaml\n    protos: [core]\n`,
  };

  /** Stamps (unverified), checks drift --quick is clean, runs `edit`, and returns drift --quick's report. */
  async function quickAfter(
    repo: TestRepo,
    edit: () => void,
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    expect((await shipgraph(repo.dir, ["stamp", "--no-verify"])).code).toBe(0);
    repo.commit("stamp");
    const clean = await shipgraph(repo.dir, ["drift", "--quick"]);
    expect(clean.stdout).toContain("0 drifted, 0 failed");
    edit();
    return shipgraph(repo.dir, ["drift", "--quick"]);
  }

  function inputsOf(repo: TestRepo, name: string): string {
    return (JSON.parse(repo.read("shipgraph.lock")) as { generators: Record<string, { inputs: string }> })
      .generators[name]!.inputs;
  }

  it("ignored by .gitignore, imported by a tracked one: both stamp forms hash it", async () => {
    const repo = gitRepo({ ...WITH_ALL, ".gitignore": "proto/b/\n" });
    repo.write({ "proto/b/v1/b.proto": B });
    const quick = await quickAfter(repo, () => repo.append("proto/b/v1/b.proto", "message B2 {}\n"));
    expect(inputsOf(repo, "gen-a")).toMatch(/^sha256n-/);
    expect(inputsOf(repo, "gen-all")).toMatch(/^sha256m-/);
    expect(quick.code).toBe(1);
    expect(quick.stdout).toContain("gen-a: inputs changed since the last generation");
    expect(quick.stdout).toContain("gen-all: inputs changed since the last generation");
  });

  it("under a link to a directory out of the repository: both stamp forms hash it", async () => {
    const outside = tempDir("shipgraph-outside-");
    mkdirSync(join(outside, "v1"));
    writeFileSync(join(outside, "v1/b.proto"), B);
    const repo = gitRepo(WITH_ALL);
    symlinkSync(outside, join(repo.dir, "proto/b"));
    repo.commit("link b");
    const quick = await quickAfter(repo, () =>
      appendFileSync(join(outside, "v1/b.proto"), "message B2 {}\n"),
    );
    expect(inputsOf(repo, "gen-all")).toMatch(/^sha256m-/);
    expect(quick.code).toBe(1);
    expect(quick.stdout).toContain("gen-a: inputs changed since the last generation");
    expect(quick.stdout).toContain("gen-all: inputs changed since the last generation");
  });

  for (const place of ["link", "dir"] as const) {
    it(`ignored, ${place === "link" ? "a link named without .proto" : "a link in an ignored directory"} to a directory out of the repository: both stamp forms hash what it leads to`, async () => {
      const outside = tempDir("shipgraph-outside-");
      mkdirSync(join(outside, "v1"));
      writeFileSync(join(outside, "v1/b.proto"), B);
      // (git lists neither the link nor a file behind it; buf compiles b/v1/b.proto through it)
      const ignore = place === "link" ? "proto/b\n" : "proto/b/\n";
      const repo = gitRepo({ ...WITH_ALL, ".gitignore": ignore });
      if (place === "dir") mkdirSync(join(repo.dir, "proto/b"));
      if (place === "link") symlinkSync(outside, join(repo.dir, "proto/b"));
      else symlinkSync(join(outside, "v1"), join(repo.dir, "proto/b/v1"));
      expect(buf(repo, "build", "-o", "-#format=json")).toContain('"name":"b/v1/b.proto"');
      const quick = await quickAfter(repo, () =>
        appendFileSync(join(outside, "v1/b.proto"), "message B2 {}\n"),
      );
      expect(inputsOf(repo, "gen-all")).toMatch(/^sha256m-/);
      expect(quick.code).toBe(1);
      expect(quick.stdout).toContain("gen-a: inputs changed since the last generation");
      expect(quick.stdout).toContain("gen-all: inputs changed since the last generation");
    });
  }

  /** A buf module at the repository root (`bufYaml`), compiled whole by generator gen, with x/v1/x.proto. */
  function rootModuleRepo(bufYaml: string, gitignore: string): TestRepo {
    return gitRepo({
      "buf.yaml": bufYaml,
      "buf.gen.yaml":
        "version: v2\nplugins:\n  - local: protoc-gen-es\n    out: gen\n    opt: target=ts\ninputs:\n  - directory: .\n",
      "shipgraph.yaml":
        "protos:\n  core: { path: . }\ngenerators:\n  gen:\n    template: buf.gen.yaml\n    protos: [core]\n    outputs: [gen/**]\n",
      "x/v1/x.proto": 'syntax = "proto3";\npackage x.v1;\nmessage X {}\n',
      ".gitignore": gitignore,
    });
  }

  it("a module at the repository root: an ignored .proto file (in an ignored directory) is hashed", async () => {
    const repo = rootModuleRepo("version: v2\n", "y/\n");
    repo.write({ "y/v1/y.proto": 'syntax = "proto3";\npackage y.v1;\nmessage Y {}\n' });
    expect(buf(repo, "build", "-o", "-#format=json")).toContain('"name":"y/v1/y.proto"');
    const quick = await quickAfter(repo, () => repo.append("y/v1/y.proto", "message Y2 {}\n"));
    expect(quick.code).toBe(1);
    expect(quick.stdout).toContain("gen: inputs changed since the last generation");
  });

  it("a module at the repository root: an ignored directory the module excludes is not read (node_modules)", async () => {
    const repo = rootModuleRepo(
      "version: v2\nmodules:\n  - path: .\n    excludes: [node_modules]\n",
      "node_modules/\ny/\n",
    );
    repo.write({
      "node_modules/dep/z/v1/z.proto": 'syntax = "proto3";\npackage z.v1;\nmessage Z {}\n',
      "y/v1/y.proto": 'syntax = "proto3";\npackage y.v1;\nmessage Y {}\n',
    });
    const built = buf(repo, "build", "-o", "-#format=json");
    expect(built).not.toContain('"name":"dep/z/v1/z.proto"');
    expect(built).not.toContain('"name":"node_modules/dep/z/v1/z.proto"');
    expect(built).toContain('"name":"y/v1/y.proto"');
    // what buf does not read changes nothing…
    const quiet = await quickAfter(repo, () =>
      repo.append("node_modules/dep/z/v1/z.proto", "message Z2 {}\n"),
    );
    expect(quiet.code).toBe(0);
    // …and an ignored file it does read still counts
    repo.append("y/v1/y.proto", "message Y2 {}\n");
    const quick = await shipgraph(repo.dir, ["drift", "--quick"]);
    expect(quick.code).toBe(1);
    expect(quick.stdout).toContain("gen: inputs changed since the last generation");
  });

  it("a loop of links in a module: stamp and drift --quick hash it as it is, no internal error", async () => {
    const repo = gitRepo({ ...WITH_ALL, "proto/b/v1/b.proto": B });
    symlinkSync("loop.proto", join(repo.dir, "proto/loop.proto"));
    symlinkSync("..", join(repo.dir, "proto/c/up"));
    repo.commit("loops");
    const quick = await quickAfter(repo, () => {});
    expect(quick.code).toBe(0);
    expect(quick.stderr).toBe("");
  });

  it("a link in a linked directory (proto/b -> shared/bdir, its b.proto -> vendor): the file it leads to is hashed", async () => {
    const repo = gitRepo({ ...WITH_ALL, "vendor/b.proto": B });
    mkdirSync(join(repo.dir, "shared/bdir/v1"), { recursive: true });
    symlinkSync("../../../vendor/b.proto", join(repo.dir, "shared/bdir/v1/b.proto"));
    symlinkSync("../shared/bdir", join(repo.dir, "proto/b"));
    repo.commit("link b");
    expect(buf(repo, "build", "-o", "-#format=json")).toContain('"name":"b/v1/b.proto"');
    const quick = await quickAfter(repo, () => repo.append("vendor/b.proto", "message B2 {}\n"));
    expect(quick.code).toBe(1);
    expect(quick.stdout).toContain("gen-a: inputs changed since the last generation");
    expect(quick.stdout).toContain("gen-all: inputs changed since the last generation");
    // at a commit (--head), b.proto is read through both links: a change to c.proto reaches gen-a
    repo.git("checkout", "-q", "-b", "change");
    repo.git("checkout", "-q", "--", ".");
    repo.append("proto/c/v1/c.proto", "// edited\n").commit("edit c");
    repo.git("checkout", "-q", "main");
    const report = await affectedIn<Report>(repo, "--head", "change");
    expect(report.affected.generator).toEqual(["gen-a", "gen-all", "gen-c"]);
    expect(report.reasons["generator:gen-a"]!.cause.via).toBe(
      "proto/a/v1/a.proto, which the generator compiles, imports it via proto/b/v1/b.proto",
    );
    expect(report.notes).toEqual([]);
  });

  it("a link in a linked directory: a committed edit to the file it leads to (out of the modules) is affected", async () => {
    const repo = gitRepo({ ...WITH_ALL, "vendor/b.proto": B });
    mkdirSync(join(repo.dir, "shared/bdir/v1"), { recursive: true });
    symlinkSync("../../../vendor/b.proto", join(repo.dir, "shared/bdir/v1/b.proto"));
    symlinkSync("../shared/bdir", join(repo.dir, "proto/b"));
    repo.commit("link b");
    repo.git("checkout", "-q", "-b", "change");
    repo.append("vendor/b.proto", "message B2 {}\n").commit("edit b");
    const report = await affectedIn<Report>(repo);
    expect(report.affected.generator).toEqual(["gen-a", "gen-all"]);
    expect(report.reasons["generator:gen-a"]!.cause.via).toBe(
      "proto/a/v1/a.proto, which the generator compiles, imports it via proto/b/v1/b.proto (a symbolic link to it)",
    );
    expect(report.notes).toEqual([]);
  });

  it("a link whose target lies under a link to a directory, at a commit (--head): read through both", async () => {
    const repo = gitRepo({ ...WITH_ALL, "real/bdir/v1/b.proto": B });
    symlinkSync("real/bdir", join(repo.dir, "shared"));
    linkB(repo, "../../../shared/v1/b.proto");
    repo.commit("link b");
    expect(buf(repo, "build", "-o", "-#format=json")).toContain('"name":"b/v1/b.proto"');
    repo.git("checkout", "-q", "-b", "change");
    repo.append("proto/c/v1/c.proto", "// edited\n").commit("edit c");
    repo.git("checkout", "-q", "main");
    const report = await affectedIn<Report>(repo, "--head", "change");
    expect(report.affected.generator).toEqual(["gen-a", "gen-all", "gen-c"]);
    expect(report.notes).toEqual([]);
  });

  for (const dirLink of [true, false]) {
    it(`a ${dirLink ? "directory" : "file"} link out of the module: a committed edit to its target is affected and stale for both stamp forms`, async () => {
      const repo = gitRepo(WITH_ALL);
      const target = dirLink ? "shared/bdir/v1/b.proto" : "shared/b.proto";
      repo.write({ [target]: B });
      if (dirLink) symlinkSync("../shared/bdir", join(repo.dir, "proto/b"));
      else linkB(repo, "../../../shared/b.proto");
      repo.commit("link b");
      const quick = await quickAfter(repo, () => {
        repo.git("checkout", "-q", "-b", "change");
        repo.append(target, "message B2 {}\n").commit("edit b");
      });
      expect(inputsOf(repo, "gen-all")).toMatch(/^sha256m-/);
      expect(quick.code).toBe(1);
      expect(quick.stdout).toContain("gen-a: inputs changed since the last generation");
      expect(quick.stdout).toContain("gen-all: inputs changed since the last generation");
      const report = await affectedIn<Report>(repo);
      expect(report.affected.generator).toEqual(["gen-a", "gen-all"]);
      expect(report.notes).toEqual([]);
    });
  }
});
