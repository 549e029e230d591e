import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cleanEnv, shipgraph, shipgraphBin } from "./helpers/cli.js";
import { exampleRepo, TestRepo, tempDir } from "./helpers/repo.js";

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
    expect(report.notes.some((n) => n.startsWith("fetched 50 more commits"))).toBe(true);
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
