import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cleanEnv, shipgraphBin } from "./helpers/cli.js";
import { exampleRepo, TestRepo, tempDir } from "./helpers/repo.js";

// A partial clone (`git clone --filter=blob:none`, actions/checkout's `filter: blob:none`) has the
// contents of the checked-out files only: every file shipgraph reads as the merge base has it is
// fetched from the remote. Real git, a bare "remote" served over file:// with the settings GitHub
// has (filters allowed, any object wanted by id).

interface Report {
  affected: Record<string, string[]>;
  notes: string[];
}

/** A bare copy of `repo` that serves filtered clones and objects by id, as GitHub does. */
function remoteOf(repo: TestRepo): string {
  const bare = join(tempDir("shipgraph-remote-"), "remote.git");
  repo.git("clone", "-q", "--bare", repo.dir, bare);
  const remote = new TestRepo(bare);
  remote.git("config", "uploadpack.allowFilter", "true");
  remote.git("config", "uploadpack.allowAnySHA1InWant", "true");
  return bare;
}

/** `branch` of `remote` cloned over file://, with `--filter=blob:none` when `partial`. */
function cloneOf(remote: string, branch: string, partial: boolean): TestRepo {
  const dir = join(tempDir("shipgraph-clone-"), "clone");
  new TestRepo(tempDir()).git(
    "clone",
    "-q",
    ...(partial ? ["--filter=blob:none"] : []),
    "--branch",
    branch,
    `file://${remote}`,
    dir,
  );
  return new TestRepo(dir);
}

/** The built CLI run in `clone`, with the git commands it ran (GIT_TRACE). */
function traced(
  clone: TestRepo,
  args: string[],
): { code: number; stdout: string; stderr: string; gits: string[] } {
  const trace = join(tempDir("shipgraph-trace-"), "trace");
  const run = shipgraphBin(clone.dir, [...args, "--format", "json"], { env: cleanEnv({ GIT_TRACE: trace }) });
  const gits = readFileSync(trace, "utf8")
    .split("\n")
    .flatMap((line) => /trace: built-in: (git .*)$/.exec(line)?.[1] ?? []);
  rmSync(trace);
  return { ...run, gits };
}

const affected = (clone: TestRepo) => traced(clone, ["affected", "--base", "origin/main"]);

const fetches = (gits: readonly string[]) => gits.filter((git) => git.startsWith("git fetch "));

/** The example on main, and a branch `feature` changing protos, manifests, config, buf files. */
function changedExample(): TestRepo {
  const repo = exampleRepo();
  for (const proto of repo.git("ls-files", "*.proto").trim().split("\n")) repo.append(proto, "// changed\n");
  repo.append("shipgraph.yaml", "# a comment\n");
  repo.append("buf.gen.ts.yaml", "# a comment\n");
  repo.append("services/api/.dockerignore", "\n");
  const manifest = JSON.parse(readFileSync(join(repo.dir, "packages/logger/package.json"), "utf8"));
  repo.write({ "packages/logger/package.json": JSON.stringify({ ...manifest, version: "9.9.9" }) });
  repo.commit("change");
  return repo;
}

describe("partial clones", () => {
  it("answer as a full clone does, fetching what the merge base had in one request; a full clone runs nothing more", () => {
    const repo = changedExample();
    const changed = repo.git("diff", "--name-only", "main", "HEAD").trim().split("\n");
    expect(changed.length).toBeGreaterThanOrEqual(9);
    const remote = remoteOf(repo);
    const full = affected(cloneOf(remote, "feature", false));
    expect(full.code).toBe(0);
    const partialClone = cloneOf(remote, "feature", true);
    const partial = affected(partialClone);
    expect(partial.code).toBe(0);
    expect(partial.stdout).toBe(full.stdout);
    // git alone fetches each blob as it is read: one request per changed file
    expect(fetches(partial.gits)).toHaveLength(1);
    // fetched now: the next run asks for nothing
    expect(fetches(affected(partialClone).gits)).toHaveLength(0);
    // a full clone pays nothing: no listing, no check for missing objects, no fetch
    expect(full.gits.filter((git) => /^git (fetch|rev-list|ls-tree|config) /.test(git))).toEqual([]);
  });

  it("a linked worktree of a partial clone fetches in one request too", () => {
    const repo = changedExample();
    // (the main checkout on feature too: one on main would have fetched the base's files)
    const clone = cloneOf(remoteOf(repo), "feature", true);
    const worktree = join(tempDir("shipgraph-worktree-"), "wt");
    clone.git("worktree", "add", "-q", "--detach", worktree, "origin/feature");
    const run = affected(new TestRepo(worktree));
    expect(run.code).toBe(0);
    expect(fetches(run.gits)).toHaveLength(1);
  });

  it("an unreachable remote: exit 2 naming the files and the remote, after one attempt", () => {
    const repo = changedExample();
    const clone = cloneOf(remoteOf(repo), "feature", true);
    clone.git("config", "remote.origin.url", `file://${join(tempDir(), "gone.git")}`);
    const run = affected(clone);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(
      /error\[GIT_FAILED\]: cannot read [^ ]+, [^ ]+, [^ ]+ and \d+ more at [0-9a-f]{12}: this partial clone lacks their contents, and git could not fetch them \(origin: fatal: .*gone\.git/,
    );
    expect(run.stderr).toContain("hint: this is a partial clone");
    expect(run.stderr).toContain("`git fetch origin`");
    expect(fetches(run.gits)).toHaveLength(1);
  });

  it("an unreachable remote when only protos changed: every proto generator counts, and a note says why", () => {
    const repo = exampleRepo();
    repo.append("proto/acme/common/v1/money.proto", "// changed\n").commit();
    const remote = remoteOf(repo);
    const full = JSON.parse(affected(cloneOf(remote, "feature", false)).stdout) as Report;
    const clone = cloneOf(remote, "feature", true);
    clone.git("config", "remote.origin.url", `file://${join(tempDir(), "gone.git")}`);
    const run = affected(clone);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    // never less than the full clone's answer
    for (const [kind, names] of Object.entries(full.affected))
      expect(report.affected[kind]).toEqual(expect.arrayContaining(names));
    expect(report.affected.generator).toEqual(["routes", "ts-sdk"]);
    expect(report.notes).toContainEqual(
      expect.stringMatching(
        /^cannot read proto\/acme\/common\/v1\/money\.proto at [0-9a-f]{12}: this partial clone lacks its contents, and git could not fetch it \(origin: fatal: .*gone\.git.*\): without the import graph every generator that compiles protos counts as affected$/,
      ),
    );
  });

  it("an unreachable remote when git itself fetches for the diff (a rename): the hint names the partial clone", () => {
    const repo = exampleRepo();
    // (edited too: an exact rename is found by id, without reading the contents)
    repo.git("mv", "proto/acme/common/v1/money.proto", "proto/acme/common/v1/cash.proto");
    repo.append("proto/acme/common/v1/cash.proto", "// renamed\n").commit("rename");
    const clone = cloneOf(remoteOf(repo), "feature", true);
    clone.git("config", "remote.origin.url", `file://${join(tempDir(), "gone.git")}`);
    const run = affected(clone);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/error\[GIT_FAILED\]: git diff .* failed: fatal: .*gone\.git/);
    expect(run.stderr).toContain("hint: this is a partial clone");
  });
});

describe("partial clones: drift --base", () => {
  /** schema/*.txt → <dir>/*.ts */
  const gen = (dir: string) => `import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
mkdirSync("${dir}", { recursive: true });
for (const name of readdirSync("schema").sort()) {
  const value = readFileSync("schema/" + name, "utf8").trim();
  writeFileSync("${dir}/" + name.replace(/\\.txt$/, ".ts"), "export const value = " + JSON.stringify(value) + ";\\n");
}
`;
  const config = (dir: string) =>
    `generators:\n  consts:\n    run: node tools/gen.mjs\n    inputs: ["schema/**", "tools/gen.mjs"]\n    outputs: ["${dir}/**"]\n`;
  const outputs = (dir: string) => ({
    [`${dir}/a.ts`]: 'export const value = "alpha";\n',
    [`${dir}/b.ts`]: 'export const value = "beta";\n',
  });
  const libs = (version: string) =>
    Object.fromEntries(
      [1, 2, 3, 4, 5].map((n) => [`libs/l${n}/package.json`, JSON.stringify({ name: `l${n}`, version })]),
    );

  const docs = (text: string) =>
    Object.fromEntries([1, 2, 3, 4, 5].map((n) => [`docs/d${n}.md`, `${text} ${n}\n`]));

  it("loads the merge base's graph as a full clone does, with one fetch, and runs the generator there with one more", () => {
    const repo = new TestRepo(tempDir("shipgraph-test-"));
    repo.git("init", "-q", "-b", "main");
    repo.write({
      "shipgraph.yaml": config("gen"),
      "tools/gen.mjs": gen("gen"),
      "schema/a.txt": "alpha\n",
      "schema/b.txt": "beta\n",
      "package.json": JSON.stringify({ name: "root", private: true }),
      "pnpm-workspace.yaml": "packages:\n  - libs/*\n",
      ...libs("1.0.0"),
      ...docs("old"),
      ...outputs("gen"),
    });
    repo.commit("initial");
    repo.git("checkout", "-q", "-b", "feature");
    // the outputs moved to sdk/ (gen/ left behind), and every library's version was bumped; the
    // docs changed, which the partial clone then lacks as the merge base has them
    repo
      .write({
        "shipgraph.yaml": config("sdk"),
        "tools/gen.mjs": gen("sdk"),
        ...outputs("sdk"),
        ...libs("1.0.1"),
        ...docs("new"),
      })
      .commit("move");
    const remote = remoteOf(repo);
    const drift = (clone: TestRepo) => traced(clone, ["drift", "--base", "origin/main"]);
    const full = drift(cloneOf(remote, "feature", false));
    expect(full.code).toBe(1);
    expect(full.stdout).toContain("gen/a.ts");
    const partial = drift(cloneOf(remote, "feature", true));
    expect(partial.stdout).toBe(full.stdout);
    expect(partial.code).toBe(1);
    // the graph's files in one request; those the generator runs on there (to tell that it wrote
    // gen/: see writtenAtBase), its old script and the docs, in one more, not one each
    expect(fetches(partial.gits)).toHaveLength(2);
  });
});
