import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cleanEnv, shipgraph, shipgraphBin } from "./helpers/cli.js";
import { exampleRepo, gitRepo, TestRepo, tempDir } from "./helpers/repo.js";

interface Report {
  mode: string;
  modeReason: string;
  base: string | null;
  baseRef: string | null;
  mergeBase: string | null;
  changedFiles: number;
  affected: Record<string, string[]>;
  matrix: { include: unknown[] };
  notes: string[];
}

function githubEnv(event: string, payload: unknown, extra: Record<string, string> = {}) {
  const dir = tempDir("shipgraph-event-");
  const path = join(dir, "event.json");
  writeFileSync(path, JSON.stringify(payload));
  return cleanEnv({ GITHUB_ACTIONS: "true", GITHUB_EVENT_NAME: event, GITHUB_EVENT_PATH: path, ...extra });
}

describe("base from GitHub Actions events", () => {
  it("push: diffs from the event's before SHA", async () => {
    const repo = exampleRepo();
    const before = repo.head();
    repo.append("services/billing/src/index.ts", "// x\n").commit();
    const run = await shipgraph(repo.dir, ["affected", "--format", "json"], {
      env: githubEnv("push", { before, after: repo.head() }, { GITHUB_REF: "refs/heads/main" }),
    });
    expect(run.code).toBe(0);
    const report = run.json<Report>();
    expect(report.mode).toBe("diff");
    expect(report.base).toBe(before);
    expect(report.affected.image).toEqual(["billing"]);
    expect(report.notes[0]).toBe(`base from GitHub Actions: push (before ${before.slice(0, 12)})`);
  });

  it("push with an all-zeros before SHA (a new branch) means everything, with the reason", async () => {
    const repo = exampleRepo();
    const run = await shipgraph(repo.dir, ["affected", "--format", "json"], {
      env: githubEnv(
        "push",
        { before: "0000000000000000000000000000000000000000" },
        { GITHUB_REF: "refs/heads/new" },
      ),
    });
    expect(run.code).toBe(0);
    const report = run.json<Report>();
    expect(report.mode).toBe("all");
    expect(report.modeReason).toContain("all zeros");
    expect(report.affected.image).toEqual(["api", "base", "billing", "orders"]);
    expect(report.matrix.include).toHaveLength(4);
  });

  it("a force push also counts the files the old tip had that head no longer has", async () => {
    const repo = exampleRepo();
    const start = repo.head();
    repo.append("services/orders/src/index.ts", "// deployed, then force-pushed away\n");
    const oldTip = repo.commit("old");
    repo.git("reset", "-q", "--hard", start);
    repo.append("services/billing/src/index.ts", "// new\n").commit("new");
    const run = await shipgraph(repo.dir, ["affected", "--format", "json"], {
      env: githubEnv("push", { before: oldTip, forced: true }, { GITHUB_REF: "refs/heads/feature" }),
    });
    const report = run.json<Report>();
    expect(report.affected.image).toEqual(["billing", "orders"]);
    expect(report.mergeBase).toBe(start);
  });

  it("a force push: files only the old tip changed count whole, not compared with the merge base", async () => {
    const repo = gitRepo({
      "svc/api/Dockerfile": "FROM alpine\nARG VERSION\nCOPY svc/api/app.sh /app.sh\n",
      "svc/api/app.sh": "hi\n",
      "svc/web/Dockerfile": "FROM alpine\nCOPY svc/web/app.sh /app.sh\n",
      "svc/web/app.sh": "hi\n",
      "build.env": "VERSION=1\n",
      "shipgraph.yaml":
        'images:\n  api: { context: ., dockerfile: svc/api/Dockerfile, buildArgsFrom: [build.env], buildArgs: { X: "0" } }\n  web: { context: ., dockerfile: svc/web/Dockerfile }\n',
    });
    const start = repo.head();
    // deployed: a build arg and a config value, both gone again after the force push
    repo.write({ "build.env": "VERSION=2\n" });
    repo.write({ "shipgraph.yaml": repo.git("show", "HEAD:shipgraph.yaml").replace('"0"', '"1"') });
    const oldTip = repo.commit("deployed");
    repo.git("reset", "-q", "--hard", start);
    repo.write({ "README.md": "x\n" }).commit("force-pushed over it");
    const run = await shipgraph(repo.dir, ["affected", "--format", "json"], {
      env: githubEnv("push", { before: oldTip, forced: true }, { GITHUB_REF: "refs/heads/main" }),
    });
    expect(run.code, run.stderr).toBe(0);
    const report = run.json<Report>();
    expect(report.affected.image).toEqual(["api", "web"]);
    expect(report.notes.join("\n")).toContain(
      `${oldTip} is not an ancestor of head: changed config, lockfiles`,
    );
    // without a force push, the same contents are compared: only what changed counts
    repo.write({ "build.env": "VERSION=3\n" }).commit("arg");
    const plain = await shipgraph(repo.dir, ["affected", "--base", "HEAD~1", "--format", "json"]);
    expect(plain.json<Report>().affected.image).toEqual(["api"]);
  });

  it("--base naming the deployed commit (a tag or SHA) that head does not contain: what only it had counts too, said", async () => {
    const repo = exampleRepo();
    const start = repo.head();
    repo.append("services/orders/src/index.ts", "// deployed, then main was reset\n");
    const deployed = repo.commit("deployed");
    repo.git("tag", "cd-deployed");
    repo.git("branch", "-f", "old-tip");
    repo.git("reset", "-q", "--hard", start);
    repo.append("services/billing/src/index.ts", "// new\n").commit("new");
    for (const base of ["cd-deployed", deployed]) {
      const run = await shipgraph(repo.dir, ["affected", "--base", base, "--format", "json"]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.json<Report>().affected.image, base).toEqual(["billing", "orders"]);
      expect(run.json<Report>().notes).toContain(
        `base ${base} is a tag or commit that HEAD does not contain: taken as the deployed commit, what only it had counts too (for a pull request's base, pass its branch, e.g. origin/main)`,
      );
    }
    // a branch is a pull request's target: its own commits are not this change
    const branch = await shipgraph(repo.dir, ["affected", "--base", "old-tip", "--format", "json"]);
    expect(branch.json<Report>().affected.image).toEqual(["billing"]);
    // a rollback: head is an ancestor of the deployed commit; what differs is rebuilt
    repo.git("checkout", "-q", start);
    const rollback = await shipgraph(repo.dir, ["affected", "--base", "cd-deployed", "--format", "json"]);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(rollback.json<Report>().affected.image).toEqual(["orders"]);
  });

  it("a tag push means everything", async () => {
    const repo = exampleRepo();
    const run = await shipgraph(repo.dir, ["affected", "--format", "json"], {
      env: githubEnv("push", { before: repo.head() }, { GITHUB_REF: "refs/tags/v1.2.3" }),
    });
    const report = run.json<Report>();
    expect(report.mode).toBe("all");
    expect(report.modeReason).toBe("tag push (refs/tags/v1.2.3): a release builds everything");
  });

  it("pull_request: uses GITHUB_BASE_REF, falling back from origin/<ref> to the local branch", async () => {
    const repo = exampleRepo();
    repo.append("packages/auth/src/index.ts", "// x\n").commit();
    const run = await shipgraph(repo.dir, ["affected", "--format", "json"], {
      env: githubEnv(
        "pull_request",
        { pull_request: { base: { sha: "f".repeat(40) } } },
        { GITHUB_BASE_REF: "main" },
      ),
    });
    expect(run.code).toBe(0);
    const report = run.json<Report>();
    expect(report.baseRef).toBe("main");
    expect(report.affected.image).toEqual(["api"]);
  });

  it("a merged pull request (its base branch is now HEAD): the event's base SHA, not an empty diff", async () => {
    const repo = exampleRepo();
    const before = repo.head();
    repo.append("packages/auth/src/index.ts", "// x\n").commit();
    repo.git("checkout", "-q", "main");
    repo.git("merge", "-q", "--no-ff", "feature", "-m", "Merge pull request #1");
    repo.git("update-ref", "refs/remotes/origin/main", "HEAD");
    repo.git("checkout", "-q", "--detach");
    const run = await shipgraph(repo.dir, ["affected", "--format", "json"], {
      env: githubEnv(
        "pull_request",
        { action: "closed", pull_request: { merged: true, base: { sha: before } } },
        { GITHUB_BASE_REF: "main" },
      ),
    });
    expect(run.code, run.stderr).toBe(0);
    const report = run.json<Report>();
    expect(report.base).toBe(before);
    expect(report.affected.image).toEqual(["api"]);
    expect(report.notes).toContain(
      `base origin/main is HEAD itself (a merged pull request?): using ${before}`,
    );
  });

  it("a base that is HEAD: a branch compared with itself is an error; a tag or SHA (nothing since) is empty", async () => {
    const repo = exampleRepo();
    repo.append("packages/auth/src/index.ts", "// x\n").commit();
    repo.git("checkout", "-q", "main");
    repo.git("merge", "-q", "--ff-only", "feature");
    repo.git("update-ref", "refs/remotes/origin/main", "HEAD");
    // a push to main with --base origin/main: after the merge, the diff of main with itself
    for (const base of ["origin/main", "main", "HEAD"]) {
      const run = await shipgraph(repo.dir, ["affected", "--base", base, "--format", "json"]);
      expect([run.code, run.stderr], base).toEqual([
        2,
        expect.stringContaining(`error[EMPTY_RANGE]: base ${base} is HEAD itself`),
      ]);
      expect(run.stderr).toContain("github.event.before");
    }
    // detached (as CI checks out), the same
    repo.git("checkout", "-q", "--detach");
    expect((await shipgraph(repo.dir, ["affected", "--base", "origin/main"])).code).toBe(2);
    // the last deployed commit, when nothing was pushed since (a re-run): nothing affected, said
    repo.git("tag", "deployed");
    for (const base of ["deployed", repo.head()]) {
      const run = await shipgraph(repo.dir, ["affected", "--base", base, "--format", "json"]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.json<Report>().changedFiles).toBe(0);
      expect(run.json<Report>().notes).toContain(`base ${base} is HEAD itself: nothing changed since it`);
    }
    // a new branch without commits yet, and working-tree changes alone (--base HEAD --uncommitted)
    repo.git("checkout", "-q", "-b", "next");
    expect((await shipgraph(repo.dir, ["affected", "--base", "main"])).code).toBe(0);
    repo.append("services/billing/src/index.ts", "// y\n");
    const local = await shipgraph(repo.dir, [
      "affected",
      "--base",
      "HEAD",
      "--uncommitted",
      "--format",
      "json",
    ]);
    expect(local.json<Report>().affected.image).toEqual(["billing"]);
  });

  it("merge_group: uses merge_group.base_sha", async () => {
    const repo = exampleRepo();
    const base = repo.head();
    repo.append("packages/auth/src/index.ts", "// x\n").commit();
    const run = await shipgraph(repo.dir, ["affected", "--format", "json"], {
      env: githubEnv("merge_group", { merge_group: { base_sha: base, head_sha: repo.head() } }),
    });
    expect(run.json<Report>().base).toBe(base);
    expect(run.json<Report>().affected.package).toEqual(["@acme/api", "@acme/auth"]);
  });

  it("workflow_dispatch has no base: everything, said aloud", async () => {
    const repo = exampleRepo();
    const run = await shipgraph(repo.dir, ["affected", "--format", "json"], {
      env: githubEnv("workflow_dispatch", {}),
    });
    expect(run.json<Report>().mode).toBe("all");
    expect(run.json<Report>().modeReason).toBe("the workflow_dispatch event names no base");
  });
});

describe("bases that cannot be used fail loudly", () => {
  it("without --base outside CI: exit 2 and how to pass one", async () => {
    const repo = exampleRepo();
    const run = shipgraphBin(repo.dir, ["affected"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("error[NO_BASE]");
    expect(run.stderr).toContain("--base REF");
  });

  it("an unknown ref: exit 2 naming the ref", async () => {
    const repo = exampleRepo();
    const run = shipgraphBin(repo.dir, ["affected", "--base", "no-such-branch"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error[BASE_NOT_FOUND]: base ref "no-such-branch" is not in this clone');
  });

  it("an unreachable base in a shallow clone: exit 2 naming fetch-depth: 0 and --deepen; --deepen fixes it", async () => {
    const origin = exampleRepo();
    const base = origin.head();
    for (let i = 0; i < 5; i++) origin.append("services/billing/src/index.ts", `// ${i}\n`).commit(`c${i}`);
    const cloneDir = tempDir("shipgraph-shallow-");
    execFileSync("git", [
      "clone",
      "-q",
      "--depth",
      "1",
      "--branch",
      "feature",
      `file://${origin.dir}`,
      cloneDir,
    ]);
    const clone = new TestRepo(cloneDir);
    expect(clone.git("rev-parse", "--is-shallow-repository").trim()).toBe("true");

    const run = shipgraphBin(clone.dir, ["affected", "--base", base, "--format", "json"]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(
      `error[BASE_NOT_FOUND]: base ref "${base}" is not in this clone (the clone is shallow)`,
    );
    expect(run.stderr).toContain("fetch-depth: 0");
    expect(run.stderr).toContain("--deepen");

    const deepened = shipgraphBin(clone.dir, ["affected", "--base", base, "--format", "json", "--deepen"]);
    expect(deepened.code).toBe(0);
    const report = deepened.json<Report>();
    expect(report.affected.image).toEqual(["billing"]);
    // GitHub serves a SHA: fetched itself, which also reaches one that no branch leads to
    expect(report.notes).toContain(`fetched base ${base} from origin (git fetch --depth=50)`);
  });

  it("a base branch a single-branch shallow clone never fetched: --deepen fetches it, as its hint says", async () => {
    const origin = exampleRepo();
    for (let i = 0; i < 3; i++) origin.append("services/billing/src/index.ts", `// ${i}\n`).commit(`c${i}`);
    origin.git("checkout", "-q", "main");
    origin.append("README.md", "main moves on\n").commit("main");
    const cloneDir = tempDir("shipgraph-shallow-");
    // what `git clone --depth 1 --branch feature` makes: only refs/heads/feature is fetched
    execFileSync("git", [
      "clone",
      "-q",
      "--depth",
      "1",
      "--branch",
      "feature",
      `file://${origin.dir}`,
      cloneDir,
    ]);
    const clone = new TestRepo(cloneDir);
    expect(clone.git("branch", "-r")).not.toContain("origin/main");

    const run = shipgraphBin(clone.dir, ["affected", "--base", "main"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'error[BASE_NOT_FOUND]: base ref "main" is not in this clone (the clone is shallow)',
    );
    expect(run.stderr).toContain("pass --deepen to let shipgraph fetch it");

    const deepened = shipgraphBin(clone.dir, ["affected", "--base", "main", "--format", "json", "--deepen"]);
    expect(deepened.stderr).toBe("");
    expect(deepened.code).toBe(0);
    const report = deepened.json<Report>();
    expect(report.baseRef).toBe("origin/main");
    expect(report.affected.image).toEqual(["billing"]);
    expect(report.notes).toContain("fetched base main from origin (git fetch --depth=50)");
  });

  it("a base branch missing from a full clone: the hint's fetch command makes it resolve", async () => {
    const origin = exampleRepo();
    origin.append("services/billing/src/index.ts", "// x\n").commit("c");
    const cloneDir = tempDir("shipgraph-single-");
    execFileSync("git", [
      "clone",
      "-q",
      "--single-branch",
      "--branch",
      "feature",
      `file://${origin.dir}`,
      cloneDir,
    ]);
    const clone = new TestRepo(cloneDir);
    for (const base of ["main", "origin/main"]) {
      const run = shipgraphBin(clone.dir, ["affected", "--base", base]);
      expect(run.code).toBe(2);
      // `git fetch origin origin/main` fails (origin has no branch of that name), and
      // `git fetch origin main` only sets FETCH_HEAD: neither makes the base resolve
      expect(run.stderr).toContain("`git fetch origin +refs/heads/main:refs/remotes/origin/main`");
    }
    clone.git("fetch", "origin", "+refs/heads/main:refs/remotes/origin/main");
    const run = shipgraphBin(clone.dir, ["affected", "--base", "origin/main", "--format", "json"]);
    expect(run.code).toBe(0);
    expect(run.json<Report>().affected.image).toEqual(["billing"]);
  });

  it("a base present but without a merge base in a shallow clone: exit 2 with the remedy", async () => {
    const origin = exampleRepo();
    for (let i = 0; i < 3; i++) origin.append("services/billing/src/index.ts", `// ${i}\n`).commit(`c${i}`);
    origin.git("checkout", "-q", "main");
    origin.append("README.md", "main moves on\n").commit("main");
    const cloneDir = tempDir("shipgraph-shallow-");
    execFileSync("git", [
      "clone",
      "-q",
      "--depth",
      "1",
      "--no-single-branch",
      "--branch",
      "feature",
      `file://${origin.dir}`,
      cloneDir,
    ]);
    const run = shipgraphBin(cloneDir, ["affected", "--base", "origin/main"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("error[NO_MERGE_BASE]");
    expect(run.stderr).toContain("the clone is shallow");
    expect(run.stderr).toContain("fetch-depth: 0");
  });

  it("unrelated histories: exit 2", async () => {
    const repo = exampleRepo();
    repo.git("checkout", "-q", "--orphan", "other");
    repo.commit("orphan");
    const run = await shipgraph(repo.dir, ["affected", "--base", "main"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("the histories are unrelated");
  });
});

describe("--head", () => {
  it("reads the graph and the diff at another commit without touching the working tree", async () => {
    const repo = exampleRepo();
    repo.append("services/billing/src/index.ts", "// x\n");
    const target = repo.commit("billing");
    repo.git("checkout", "-q", "main");
    const run = await shipgraph(repo.dir, [
      "affected",
      "--base",
      "main",
      "--head",
      target,
      "--format",
      "json",
    ]);
    expect(run.code).toBe(0);
    expect(run.json<Report>().affected.image).toEqual(["billing"]);
    expect(repo.git("status", "--porcelain")).toBe("");
  });
});
