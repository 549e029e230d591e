import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join, relative } from "node:path";
import { type DriftReport, runDrift } from "@shipgraph/core";
import { describe, expect, it } from "vitest";
import { cleanEnv, shipgraph } from "./helpers/cli.js";
import { driftIn } from "./helpers/drift.js";
import { gitRepo, projectRoot, type TestRepo, tempDir } from "./helpers/repo.js";
import { treeHashes } from "./helpers/tree.js";

const GEN = `import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
if (process.env.MARKER) writeFileSync(process.env.MARKER, "ran\\n");
mkdirSync("gen", { recursive: true });
for (const name of readdirSync("schema").sort()) {
  const value = readFileSync("schema/" + name, "utf8").trim();
  writeFileSync("gen/" + name.replace(/\\.txt$/, ".ts"), "export const value = " + JSON.stringify(value) + ";\\n");
}
`;

const HANG = `import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
if (process.env.PIDFILE) writeFileSync(process.env.PIDFILE, process.pid + " " + child.pid);
console.error("waiting forever");
setInterval(() => {}, 1000);
`;

/** A repo with a plain Node generator (schema/*.txt → gen/*.ts), generated and committed. */
function nodeRepo(extraConfig = ""): TestRepo {
  const repo = gitRepo({
    "shipgraph.yaml": `generators:\n  consts:\n    run: node tools/gen.mjs\n    inputs: ["schema/**", "tools/gen.mjs"]\n    outputs: ["gen/**"]\n${extraConfig}`,
    "tools/gen.mjs": GEN,
    "tools/crash.mjs": 'console.error("boom: cannot parse schema/b.txt"); process.exit(3);\n',
    "tools/hang.mjs": HANG,
    "schema/a.txt": "alpha\n",
    "schema/b.txt": "beta\n",
    "gen/a.ts": 'export const value = "alpha";\n',
    "gen/b.ts": 'export const value = "beta";\n',
    "README.md": "readme\n",
  });
  return repo;
}

const drift = (repo: TestRepo, args: string[] = [], env: Record<string, string | undefined> = {}) =>
  driftIn(repo, args, { readOnly: true, env });

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(check: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

describe("drift with a plain Node generator", () => {
  it("clean, modified, missing and stale, with untracked files counted", async () => {
    const repo = nodeRepo();
    expect((await drift(repo)).report).toEqual({
      clean: true,
      generators: [{ name: "consts", status: "clean", modified: [], missing: [], stale: [], diffs: {} }],
    });
    repo
      .write({ "schema/a.txt": "ALPHA\n", "schema/c.txt": "gamma\n", "gen/old.ts": "export {};\n" })
      .remove("schema/b.txt");
    const { code, report } = await drift(repo);
    expect(code).toBe(1);
    expect(report.generators[0]).toMatchObject({
      status: "drift",
      modified: ["gen/a.ts"],
      missing: ["gen/c.ts"],
      stale: ["gen/b.ts", "gen/old.ts"],
    });
    expect(report.generators[0]!.diffs["gen/a.ts"]).toContain(
      '-export const value = "alpha";\n+export const value = "ALPHA";',
    );
  });

  it("--fix makes it clean and writes only under the outputs", async () => {
    const repo = nodeRepo();
    repo.write({ "schema/a.txt": "ALPHA\n", "gen/old.ts": "export {};\n" });
    const before = treeHashes(repo.dir);
    const fix = await shipgraph(repo.dir, ["drift", "--fix", "--format", "json"]);
    expect(fix.code).toBe(0);
    const after = treeHashes(repo.dir);
    const changed = Object.keys({ ...before, ...after }).filter((p) => before[p] !== after[p]);
    expect(changed.sort()).toEqual(["gen/a.ts", "gen/old.ts"]);
    expect(readFileSync(join(repo.dir, "gen/a.ts"), "utf8")).toBe('export const value = "ALPHA";\n');
    expect((await drift(repo)).code).toBe(0);
  });

  it("a crashing generator is exit 2 with its stderr, and nothing is written", async () => {
    const repo = nodeRepo('  broken:\n    run: ["node", "tools/crash.mjs"]\n    outputs: ["gen2/**"]\n');
    const { code, report } = await drift(repo, ["broken"]);
    expect(code).toBe(2);
    expect(report.generators[0]).toMatchObject({
      name: "broken",
      status: "failed",
      failure: {
        reason: "exit",
        exitCode: 3,
        message: "exited with code 3",
        output: "boom: cannot parse schema/b.txt",
      },
    });
    const text = await shipgraph(repo.dir, ["drift", "broken"]);
    expect(text.stdout).toContain("! broken: failed: exited with code 3");
    expect(text.stdout).toContain("| boom: cannot parse schema/b.txt");
  });

  it("a failure's output names the repository's files, not the removed sandbox: the same on every run", async () => {
    const repo = nodeRepo('  thrower:\n    run: ["node", "tools/throw.mjs"]\n    outputs: ["gen3/**"]\n');
    repo.write({ "tools/throw.mjs": 'throw new Error("boom");\n' }).commit();
    const first = await drift(repo, ["thrower"]);
    const second = await drift(repo, ["thrower"]);
    expect(first.code).toBe(2);
    const output = first.report.generators[0]!.failure!.output!;
    expect(output).toContain(`${realpathSync(repo.dir)}/tools/throw.mjs:1`);
    expect(output).not.toContain("shipgraph-drift-");
    expect(second.report).toEqual(first.report);
  });

  it("a generator that hangs past --timeout is killed with what it started, promptly: exit 2", async () => {
    const repo = nodeRepo('  stuck:\n    run: ["node", "tools/hang.mjs"]\n    outputs: ["gen3/**"]\n');
    const pidfile = join(tempDir(), "pids");
    const started = Date.now();
    const { code, report } = await drift(repo, ["stuck", "--timeout", "1"], { PIDFILE: pidfile });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(code).toBe(2);
    expect(report.generators[0]).toMatchObject({
      status: "failed",
      failure: { reason: "timeout", message: "timed out after 1 s and was killed" },
    });
    const pids = readFileSync(pidfile, "utf8").split(" ").map(Number);
    expect(await waitUntil(() => pids.every((pid) => !alive(pid)))).toBe(true);
  });

  it("outputs that take in what the generator reads are a config error naming the file (exit 2), before anything runs", async () => {
    const repo = nodeRepo(
      '  everything:\n    run: ["node", "tools/gen.mjs"]\n    inputs: ["schema/**"]\n    outputs: ["**"]\n',
    );
    const before = treeHashes(repo.dir);
    const run = await shipgraph(repo.dir, ["drift", "everything"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'error[CONFIG_INVALID]: shipgraph.yaml generators.everything.outputs: "**" takes in schema/a.txt, which generator everything reads',
    );
    expect(treeHashes(repo.dir)).toEqual(before);
    // a template's `out: .` without a config: the outputs are the files the plugin writes there
    const outDot = gitRepo({
      "buf.yaml": "version: v2\nmodules:\n  - path: proto\n",
      "proto/acme/v1/a.proto": 'syntax = "proto3";\npackage acme.v1;\n',
      "buf.gen.yaml": "version: v2\nplugins:\n  - local: protoc-gen-es\n    out: .\n",
    });
    const inferred = await shipgraph(outDot.dir, ["graph", "--format", "json"]);
    expect(inferred.code).toBe(0);
    const nodes = inferred.json<{ nodes: { id: string; generator?: { outputs: string[] } }[] }>().nodes;
    expect(nodes.find((n) => n.id === "generator:buf")?.generator?.outputs).toEqual([
      "**/*_pb.d.ts",
      "**/*_pb.js",
    ]);
  });

  it("a sub-second timeout (the library's timeoutMs) is said in ms, not as 0 s", async () => {
    const repo = nodeRepo('  stuck:\n    run: ["node", "tools/hang.mjs"]\n    outputs: ["gen3/**"]\n');
    const report = await runDrift({
      cwd: repo.dir,
      generators: ["stuck"],
      timeoutMs: 300,
      env: { ...process.env, PIDFILE: join(tempDir(), "pids") },
    });
    expect(report.generators[0]).toMatchObject({
      status: "failed",
      failure: { reason: "timeout", message: "timed out after 300 ms and was killed" },
    });
  });

  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
    ["SIGHUP (the terminal closed)", 129],
  ] as const)(
    "%s stops the generators, removes the sandbox and writes nothing (exit %i)",
    async (signal, code) => {
      const repo = nodeRepo('  stuck:\n    run: ["node", "tools/hang.mjs"]\n    outputs: ["gen3/**"]\n');
      const tmp = tempDir("shipgraph-tmpdir-");
      const pidfile = join(tempDir(), "pids");
      const before = treeHashes(repo.dir);
      const child = spawn(
        process.execPath,
        [join(projectRoot, "packages/cli/bin/shipgraph.cjs"), "drift", "stuck"],
        {
          cwd: repo.dir,
          env: { ...cleanEnv(), TMPDIR: tmp, PIDFILE: pidfile } as NodeJS.ProcessEnv,
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
      expect(
        await waitUntil(() => existsSync(pidfile) && readFileSync(pidfile, "utf8").includes(" "), 10_000),
      ).toBe(true);
      expect(readdirSync(tmp).length).toBe(1);
      child.kill(signal.split(" ")[0] as NodeJS.Signals);
      expect(await exited).toBe(code);
      const pids = readFileSync(pidfile, "utf8").split(" ").map(Number);
      expect(await waitUntil(() => pids.every((pid) => !alive(pid)))).toBe(true);
      expect(readdirSync(tmp)).toEqual([]);
      expect(treeHashes(repo.dir)).toEqual(before);
    },
  );

  it("interrupted --fix names the outputs it had already written", async () => {
    const repo = nodeRepo('  stuck:\n    run: ["node", "tools/hang.mjs"]\n    outputs: ["gen3/**"]\n');
    repo.append("gen/a.ts", "// hand edit\n");
    const pidfile = join(tempDir(), "pids");
    const child = spawn(
      process.execPath,
      [join(projectRoot, "packages/cli/bin/shipgraph.cjs"), "drift", "--fix", "--jobs", "1"],
      {
        cwd: repo.dir,
        env: { ...cleanEnv(), PIDFILE: pidfile } as NodeJS.ProcessEnv,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    // consts runs (and is fixed) first, then stuck hangs
    expect(
      await waitUntil(() => existsSync(pidfile) && readFileSync(pidfile, "utf8").includes(" "), 10_000),
    ).toBe(true);
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(stderr).toContain(
      "interrupted; generators stopped, sandboxes removed, --fix had written the outputs of consts (nothing else)",
    );
    expect(readFileSync(join(repo.dir, "gen/a.ts"), "utf8")).toBe('export const value = "alpha";\n');
  });

  it("an internal error in one sandbox still stops the other generators and removes every sandbox", async () => {
    // two groups run at once: "broken" makes compareOutputs throw (a unix socket among its
    // outputs cannot be read), "slow" is still running in its own sandbox when the error is reported
    const repo = nodeRepo(
      '  broken:\n    run: ["node", "tools/broken.mjs"]\n    outputs: ["gen7/**"]\n' +
        '  slow:\n    run: ["node", "tools/hang.mjs"]\n    outputs: ["gen8/**"]\n',
    );
    repo.write({
      "tools/broken.mjs":
        'import { mkdirSync } from "node:fs";\nimport { createServer } from "node:net";\nmkdirSync("gen7", { recursive: true });\ncreateServer().listen("gen7/x.ts", () => process.exit(0));\n',
    });
    repo.commit("broken");
    const tmp = tempDir("shipgraph-tmpdir-");
    const pidfile = join(tempDir(), "pids");
    const child = spawn(
      process.execPath,
      [join(projectRoot, "packages/cli/bin/shipgraph.cjs"), "drift", "broken", "slow"],
      {
        cwd: repo.dir,
        env: { ...cleanEnv(), TMPDIR: tmp, PIDFILE: pidfile } as NodeJS.ProcessEnv,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    // (let it exit first, then check: "slow" has started by then or never will)
    const timer = setTimeout(() => child.kill("SIGTERM"), 10_000);
    const code = await exited;
    clearTimeout(timer);
    expect(code).toBe(2);
    if (existsSync(pidfile)) {
      const pids = readFileSync(pidfile, "utf8").split(" ").map(Number);
      expect(await waitUntil(() => pids.every((pid) => !alive(pid)))).toBe(true);
    }
    expect(readdirSync(tmp)).toEqual([]);
  });

  it("a generator that rewrites a tree file outside its outputs is drift, and --fix leaves that file alone", async () => {
    const repo = nodeRepo('  doc:\n    run: ["node", "tools/doc.mjs"]\n    outputs: ["gen6/**"]\n');
    repo.write({
      "tools/doc.mjs":
        'import { mkdirSync, writeFileSync } from "node:fs";\nmkdirSync("gen6", { recursive: true });\nwriteFileSync("gen6/a.txt", "a");\nwriteFileSync("README.md", "regenerated\\n");\n',
      "gen6/a.txt": "a",
    });
    repo.commit("doc");
    const { code, report } = await drift(repo, ["doc"]);
    expect(code).toBe(1);
    expect(report.generators[0]).toMatchObject({
      status: "drift",
      modified: [],
      outsideOutputs: ["README.md"],
    });
    const fix = await shipgraph(repo.dir, ["drift", "doc", "--fix"]);
    expect(fix.code).toBe(1);
    expect(fix.stdout).toContain("outside   README.md");
    expect(fix.stdout).toContain("✗ doc: drift (0 modified, 0 missing, 0 stale, 1 outside its outputs)");
    expect(fix.stdout).not.toContain("Run `shipgraph drift --fix`");
    expect(fix.stdout).toContain("add them to its `outputs`");
    expect(readFileSync(join(repo.dir, "README.md"), "utf8")).toBe("readme\n");
    // the CI formats show it too
    const summary = join(tempDir(), "summary.md");
    const github = await shipgraph(repo.dir, ["drift", "doc", "--format", "github"], {
      env: cleanEnv({ GITHUB_STEP_SUMMARY: summary }),
    });
    expect(github.code).toBe(1);
    expect(github.stdout).toContain(
      "::error file=README.md,title=shipgraph drift%3A doc::README.md is rewritten or deleted by the generator but not in its outputs; add it to the generator's `outputs`",
    );
    expect(readFileSync(summary, "utf8")).toContain("| `doc` | drift | 0 | 0 | 0 | 1 |");
    expect(readFileSync(summary, "utf8")).toContain("outside its outputs: `README.md`");
    const junit = await shipgraph(repo.dir, ["drift", "doc", "--format", "junit"]);
    expect(junit.stdout).toContain("outside its outputs README.md</failure>");
  });

  it("a generator that deletes a tree file outside its outputs (buf's clean: true over a hand-written file) is drift", async () => {
    const repo = gitRepo({
      "shipgraph.yaml":
        'generators:\n  pb:\n    run: ["node", "pb.mjs"]\n    inputs: ["pb.mjs"]\n    outputs: ["gen/*_pb.ts"]\n',
      "pb.mjs":
        'import { mkdirSync, rmSync, writeFileSync } from "node:fs";\nrmSync("gen", { recursive: true, force: true });\nmkdirSync("gen");\nwriteFileSync("gen/a_pb.ts", "a\\n");\n',
      "gen/a_pb.ts": "a\n",
      "gen/index.ts": "export * from './a_pb';\n",
    });
    const { code, report } = await drift(repo);
    expect(code).toBe(1);
    expect(report.generators[0]).toMatchObject({
      status: "drift",
      modified: [],
      outsideOutputs: ["gen/index.ts"],
    });
    const fix = await shipgraph(repo.dir, ["drift", "--fix"]);
    expect(fix.code).toBe(1);
    expect(fix.stdout).toContain("outside   gen/index.ts (rewritten or deleted by the generator");
    expect(existsSync(join(repo.dir, "gen/index.ts"))).toBe(true);
  });

  it("a tree file rewritten outside the outputs is the drift of the generator that rewrote it, not of the next one", async () => {
    // a and b share a sandbox (overlapping outputs); a rewrites README.md, then b starts within
    // milliseconds (sh is quick): only a's report names it, every time
    const repo = gitRepo({
      "shipgraph.yaml":
        'generators:\n  a: { outputs: ["gen/**"], run: ["sh", "-c", "echo rewritten > README.md && mkdir -p gen && echo a > gen/a.txt"] }\n  b: { outputs: ["gen/b/**"], run: ["sh", "-c", "mkdir -p gen/b && echo b > gen/b/b.txt"], dependsOn: ["generator:a"] }\n',
      "README.md": "readme\n",
      "gen/a.txt": "a\n",
      "gen/b/b.txt": "b\n",
    });
    for (let i = 0; i < 6; i++) {
      const { report } = await drift(repo);
      expect(report.generators.map((g) => [g.name, g.outsideOutputs ?? []])).toEqual([
        ["a", ["README.md"]],
        ["b", []],
      ]);
    }
  });

  it("--base also counts uncommitted changes when choosing generators", async () => {
    const repo = nodeRepo();
    repo.git("checkout", "-q", "-b", "work");
    repo.write({ "schema/a.txt": "changed\n" });
    const { code, report } = await drift(repo, ["--base", "main"]);
    expect(code).toBe(1);
    expect(report.generators.map((g) => g.name)).toEqual(["consts"]);
  });

  it("what a generator creates at the top of node_modules stays in the sandbox", async () => {
    const repo = nodeRepo('  cacher:\n    run: ["node", "tools/cache.mjs"]\n    outputs: ["gen5/**"]\n');
    repo.write({
      "tools/cache.mjs":
        'import { mkdirSync, writeFileSync } from "node:fs";\nmkdirSync("node_modules/.cache", { recursive: true });\nwriteFileSync("node_modules/.cache/x", "x");\nmkdirSync("gen5", { recursive: true });\nwriteFileSync("gen5/a.txt", "a");\n',
      "gen5/a.txt": "a",
      ".gitignore": "node_modules\n",
      "node_modules/some-lib/index.js": "module.exports = 1;\n",
    });
    repo.commit("cacher");
    const { code } = await drift(repo, ["cacher"]);
    expect(code).toBe(0);
    expect(existsSync(join(repo.dir, "node_modules/.cache"))).toBe(false);
  });

  it("generators whose outputs overlap run in one sandbox, in dependency order", async () => {
    const repo = gitRepo({
      "shipgraph.yaml":
        'generators:\n  second:\n    run: ["node", "b.mjs"]\n    outputs: ["gen/**"]\n    dependsOn: ["generator:first"]\n  first:\n    run: ["node", "a.mjs"]\n    outputs: ["gen/**"]\n',
      "a.mjs":
        'import { mkdirSync, writeFileSync } from "node:fs";\nmkdirSync("gen", { recursive: true });\nwriteFileSync("gen/a.txt", "a\\n");\n',
      "b.mjs":
        'import { readFileSync, writeFileSync } from "node:fs";\nwriteFileSync("gen/b.txt", readFileSync("gen/a.txt", "utf8") + "b\\n");\n',
      "gen/a.txt": "a\n",
      "gen/b.txt": "a\nb\n",
    });
    const { code, report } = await drift(repo);
    expect(code).toBe(0);
    expect(report.generators.map((g) => [g.name, g.status])).toEqual([
      ["first", "clean"],
      ["second", "clean"],
    ]);
  });

  it("naming one generator of several sharing an output directory checks them together: no false stale files", async () => {
    const repo = gitRepo({
      "shipgraph.yaml":
        'generators:\n  one:\n    run: ["node", "a.mjs"]\n    outputs: ["gen/**"]\n  two:\n    run: ["node", "b.mjs"]\n    outputs: ["gen/b/**"]\n  other:\n    run: ["node", "c.mjs"]\n    outputs: ["out/**"]\n',
      "a.mjs":
        'import { mkdirSync, writeFileSync } from "node:fs";\nmkdirSync("gen", { recursive: true });\nwriteFileSync("gen/a.txt", "a\\n");\n',
      "b.mjs":
        'import { mkdirSync, writeFileSync } from "node:fs";\nmkdirSync("gen/b", { recursive: true });\nwriteFileSync("gen/b/b.txt", "b\\n");\n',
      "c.mjs":
        'import { mkdirSync, writeFileSync } from "node:fs";\nmkdirSync("out", { recursive: true });\nwriteFileSync("out/c.txt", "c\\n");\n',
      "gen/a.txt": "a\n",
      "gen/b/b.txt": "b\n",
      "out/c.txt": "c\n",
    });
    const { code, report } = await drift(repo, ["one"]);
    expect(code).toBe(0);
    expect(report.generators.map((g) => [g.name, g.status, g.stale])).toEqual([
      ["one", "clean", []],
      ["two", "clean", []],
    ]);
    // and --fix deletes nothing the other generator makes
    const fixed = await shipgraph(repo.dir, ["drift", "one", "--fix", "--format", "json"], {
      env: cleanEnv(),
    });
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(existsSync(join(repo.dir, "gen/b/b.txt"))).toBe(true);
  });

  it("a failed generator's outputs are unknown: no generator sharing them reports or fixes them, the failure names them", async () => {
    // `early` runs first (ids in order), writes one file under `wide`'s outputs, then fails
    const repo = gitRepo({
      "shipgraph.yaml":
        'generators:\n  wide:\n    run: ["node", "wide.mjs"]\n    outputs: ["gen/**"]\n  early:\n    run: ["node", "early.mjs"]\n    outputs: ["gen/b/**"]\n',
      "wide.mjs":
        'import { mkdirSync, writeFileSync } from "node:fs";\nmkdirSync("gen", { recursive: true });\nwriteFileSync("gen/a.ts", "a 2\\n");\n',
      "early.mjs":
        'import { mkdirSync, writeFileSync } from "node:fs";\nmkdirSync("gen", { recursive: true });\nwriteFileSync("gen/partial.ts", "half");\nconsole.error("early: cannot reach buf.build");\nprocess.exit(1);\n',
      "gen/a.ts": "a 1\n",
      "gen/b/x.ts": "b\n",
    });
    const { code, report } = await drift(repo);
    expect(code).toBe(2);
    expect(report.generators).toEqual([
      {
        name: "early",
        status: "failed",
        modified: [],
        missing: [],
        stale: [],
        diffs: {},
        failure: {
          reason: "exit",
          message: "exited with code 1",
          exitCode: 1,
          output: "early: cannot reach buf.build",
          notCompared: ["gen/b/x.ts", "gen/partial.ts"],
        },
      },
      expect.objectContaining({
        name: "wide",
        status: "drift",
        modified: ["gen/a.ts"],
        missing: [],
        stale: [],
      }),
    ]);
    const text = await shipgraph(repo.dir, ["drift"]);
    expect(text.stdout).toContain(
      "not compared, and left alone by --fix (what it generates decides them): 2 file(s)",
    );
    expect(text.stdout).toContain("        gen/b/x.ts\n");

    const fix = await shipgraph(repo.dir, ["drift", "--fix", "--format", "json"], { env: cleanEnv() });
    expect(fix.code).toBe(2);
    expect(readFileSync(join(repo.dir, "gen/a.ts"), "utf8")).toBe("a 2\n");
    expect(readFileSync(join(repo.dir, "gen/b/x.ts"), "utf8")).toBe("b\n");
    expect(existsSync(join(repo.dir, "gen/partial.ts"))).toBe(false);
  });

  it("a generator that needs a failed one's outputs does not run; one that needs nothing of it does", async () => {
    const repo = gitRepo({
      "shipgraph.yaml":
        'generators:\n  broken:\n    run: ["node", "-e", "process.exit(1)"]\n    outputs: ["mid/**"]\n  reader:\n    run: ["node", "reader.mjs"]\n    inputs: ["mid/**"]\n    outputs: ["gen/**"]\n  other:\n    run: ["node", "other.mjs"]\n    outputs: ["mid/other/**"]\n  beside:\n    run: ["node", "other.mjs"]\n    outputs: ["mid/other/**", "side/**"]\n',
      "reader.mjs":
        'import { mkdirSync, writeFileSync } from "node:fs";\nmkdirSync("gen");\nwriteFileSync("gen/r.ts", "r\\n");\n',
      "other.mjs":
        'import { mkdirSync, writeFileSync } from "node:fs";\nmkdirSync("mid/other", { recursive: true });\nwriteFileSync("mid/other/o.txt", "o\\n");\n',
      "mid/m.txt": "m\n",
      "gen/r.ts": "r\n",
      "mid/other/o.txt": "o\n",
    });
    const { code, report } = await drift(repo);
    expect(code).toBe(2);
    // other runs, but every file of its lies under broken's outputs: none is compared, so it is
    // not clean (beside, with a file of its own elsewhere, neither)
    expect(report.generators.map((g) => [g.name, g.status, g.failure?.reason ?? null])).toEqual([
      ["beside", "failed", "blocked"],
      ["broken", "failed", "exit"],
      ["other", "failed", "blocked"],
      ["reader", "failed", "blocked"],
    ]);
    expect(report.generators[2]!.failure!.message).toBe(
      "1 of its files were not compared: they lie under the outputs of broken, which failed or did not run",
    );
    expect(report.generators[3]!.failure!.message).toBe(
      "not run: it needs what broken generates and broken failed",
    );
  });

  it("a failed generator is credited only with what it wrote: a file the one before it wrote just then is compared", async () => {
    // a writes gen/a.txt, then b (which reads it) fails at once: gen/a.txt is a's drift, every
    // time (sh and cp are quick: a's write lands within milliseconds of b's start)
    const repo = gitRepo({
      "shipgraph.yaml":
        'generators:\n  a: { inputs: ["src/**"], outputs: ["gen/**"], run: ["sh", "-c", "mkdir -p gen && cp src/a.txt gen/a.txt"] }\n  b: { inputs: ["gen/**"], outputs: ["out/**"], run: ["false"] }\n',
      "src/a.txt": "v1\n",
      "gen/a.txt": "v0\n",
      "out/b.txt": "o\n",
    });
    for (let i = 0; i < 6; i++) {
      const { code, report } = await drift(repo);
      expect(code).toBe(2);
      expect(report.generators.map((g) => [g.name, g.status, g.failure?.notCompared ?? []])).toEqual([
        ["a", "drift", []],
        ["b", "failed", []],
      ]);
    }
  });

  it.each([
    ["dependsOn", '["tools/b.mjs"], dependsOn: ["generator:a"]'],
    ["inputs that are its outputs", '["tools/b.mjs", "mid/**"]'],
  ])(
    "a generator runs after the one whose outputs it reads (%s), on their fresh copy",
    async (_, bInputs) => {
      const repo = gitRepo({
        "shipgraph.yaml": `generators:\n  a: {run: node tools/a.mjs, inputs: ["tools/a.mjs", "schema/**"], outputs: ["mid/**"]}\n  b: {run: node tools/b.mjs, inputs: ${bInputs}, outputs: ["gen/**"]}\n`,
        "tools/a.mjs":
          'import { mkdirSync, readFileSync, writeFileSync } from "node:fs";\nmkdirSync("mid", { recursive: true });\nwriteFileSync("mid/v.json", JSON.stringify({ v: readFileSync("schema/v.txt", "utf8").trim() }) + "\\n");\n',
        "tools/b.mjs":
          'import { mkdirSync, readFileSync, writeFileSync } from "node:fs";\nmkdirSync("gen", { recursive: true });\nwriteFileSync("gen/v.ts", "export const v = " + JSON.stringify(JSON.parse(readFileSync("mid/v.json", "utf8")).v) + ";\\n");\n',
        "schema/v.txt": "one\n",
        "mid/v.json": '{"v":"one"}\n',
        "gen/v.ts": 'export const v = "one";\n',
      });
      repo.git("checkout", "-q", "-b", "work");
      repo.write({ "schema/v.txt": "two\n" });
      // naming b runs a first, and reports it too
      const named = await drift(repo, ["b"]);
      expect(named.code).toBe(1);
      expect(named.report.generators.map((g) => [g.name, g.status, g.modified])).toEqual([
        ["a", "drift", ["mid/v.json"]],
        ["b", "drift", ["gen/v.ts"]],
      ]);
      // --base: only a's inputs changed, but b reads what a generates
      const fix = await shipgraph(repo.dir, ["drift", "--base", "main", "--fix", "--format", "json"], {
        env: cleanEnv(),
      });
      expect(fix.code, fix.stdout).toBe(0);
      expect(fix.json<DriftReport>().generators.map((g) => g.name)).toEqual(["a", "b"]);
      expect(readFileSync(join(repo.dir, "gen/v.ts"), "utf8")).toBe('export const v = "two";\n');
      expect((await drift(repo)).code).toBe(0);
    },
  );

  it("a generated file the repository ignores is never checked in: not missing, and --fix does not write it", async () => {
    const repo = gitRepo({
      "shipgraph.yaml": 'generators:\n  g:\n    run: ["node", "g.mjs"]\n    outputs: ["gen/**"]\n',
      "g.mjs":
        'import { mkdirSync, writeFileSync } from "node:fs";\nmkdirSync("gen", { recursive: true });\nwriteFileSync("gen/a.ts", "a\\n");\nwriteFileSync("gen/local.ts", "l\\n");\n',
      ".gitignore": "gen/local.ts\n",
      "gen/a.ts": "a\n",
    });
    const { code, report } = await drift(repo);
    expect(code).toBe(0);
    expect(report.generators[0]).toMatchObject({ status: "clean", missing: [] });
    const fixed = await shipgraph(repo.dir, ["drift", "--fix"], { env: cleanEnv() });
    expect(fixed.code, fixed.stdout).toBe(0);
    expect(existsSync(join(repo.dir, "gen/local.ts"))).toBe(false);
  });

  it("only the repository's .gitignore files excuse a generated file: not info/exclude, global excludes, or (with --committed) an uncommitted edit", async () => {
    const repo = gitRepo({
      "shipgraph.yaml": 'generators:\n  g:\n    run: ["node", "g.mjs"]\n    outputs: ["gen/**"]\n',
      "g.mjs":
        'import { mkdirSync, writeFileSync } from "node:fs";\nmkdirSync("gen", { recursive: true });\nwriteFileSync("gen/a.ts", "a\\n");\nwriteFileSync("gen/local.ts", "l\\n");\n',
      "gen/a.ts": "a\n",
    });
    const missing = {
      code: 1,
      generators: [expect.objectContaining({ status: "drift", missing: ["gen/local.ts"] })],
    };
    // this machine's excludes: CI has neither, where the file is missing
    writeFileSync(join(repo.dir, ".git/info/exclude"), "gen/local.ts\n");
    const excludes = join(tempDir(), "global-ignore");
    writeFileSync(excludes, "gen/local.ts\n");
    const globalConfig = {
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "core.excludesFile",
      GIT_CONFIG_VALUE_0: excludes,
    };
    for (const env of [{}, globalConfig]) {
      const { code, report } = await drift(repo, [], env);
      expect({ code, generators: report.generators }).toEqual(missing);
    }
    // a .gitignore not committed yet: the working tree's rules count, HEAD's with --committed
    repo.write({ ".gitignore": "gen/local.ts\n" });
    expect((await drift(repo)).code).toBe(0);
    const committed = await drift(repo, ["--committed"]);
    expect({ code: committed.code, generators: committed.report.generators }).toEqual(missing);
  });

  it("line endings git converts are not drift: a CRLF checkout (eol=crlf) of LF output, fresh or only touched", async () => {
    const repo = gitRepo({
      ".gitattributes": "* text eol=crlf\n",
      "shipgraph.yaml":
        'generators:\n  g:\n    run: ["node", "g.mjs"]\n    inputs: ["schema/**", "g.mjs"]\n    outputs: ["gen/**"]\n',
      "g.mjs":
        'import { mkdirSync, readFileSync, writeFileSync } from "node:fs";\nmkdirSync("gen", { recursive: true });\nwriteFileSync("gen/a.ts", `export const a = ${JSON.stringify(readFileSync("schema/a.txt", "utf8").trim())};\\n`);\n',
      "schema/a.txt": "alpha\n",
      "gen/a.ts": 'export const a = "alpha";\n',
    });
    // check the files out again: now with CRLF in the working tree
    repo.remove("gen/a.ts").remove("schema/a.txt");
    repo.git("checkout", "--", ".");
    expect(readFileSync(join(repo.dir, "gen/a.ts"), "utf8")).toBe('export const a = "alpha";\r\n');
    expect((await drift(repo)).code).toBe(0);
    expect((await shipgraph(repo.dir, ["stamp", "--no-verify"])).code).toBe(0);
    repo.commit("stamp");
    // an input only touched (stat-dirty: git has not looked again; dated back, not racily clean):
    // its blob id is unchanged
    const input = join(repo.dir, "schema/a.txt");
    writeFileSync(input, readFileSync(input));
    utimesSync(input, new Date("2001-01-01"), new Date("2001-01-01"));
    expect(repo.git("diff-files", "--name-only")).toBe("schema/a.txt\n");
    const quick = await shipgraph(repo.dir, ["drift", "--quick"]);
    expect([quick.code, quick.stdout]).toEqual([0, expect.stringContaining("g: clean")]);
    // a real change still shows, in the full check and the quick one
    writeFileSync(input, "beta\r\n");
    const changed = await drift(repo);
    expect(changed.code).toBe(1);
    expect(changed.report.generators[0]).toMatchObject({ modified: ["gen/a.ts"] });
    expect((await shipgraph(repo.dir, ["drift", "--quick"])).code).toBe(1);
  });

  it("the x bit git records is compared: a generated script made executable differs, --fix sets it, --quick sees it", async () => {
    const repo = gitRepo({
      "shipgraph.yaml":
        'generators:\n  g:\n    run: ["node", "g.mjs"]\n    inputs: ["g.mjs"]\n    outputs: ["gen/**"]\n',
      "g.mjs":
        'import { chmodSync, mkdirSync, writeFileSync } from "node:fs";\nmkdirSync("gen", { recursive: true });\nwriteFileSync("gen/run.sh", "#!/bin/sh\\necho hi\\n");\nchmodSync("gen/run.sh", 0o755);\n',
      "gen/run.sh": "#!/bin/sh\necho hi\n",
    });
    expect(repo.git("ls-files", "-s", "gen/run.sh")).toMatch(/^100644 /);
    const { code, report } = await drift(repo);
    expect(code).toBe(1);
    expect(report.generators[0]).toMatchObject({ status: "drift", modified: ["gen/run.sh"], missing: [] });
    expect(report.generators[0]!.diffs["gen/run.sh"]).toBe("old mode 100644\nnew mode 100755\n");
    const fix = await shipgraph(repo.dir, ["drift", "--fix"]);
    expect(fix.code, fix.stdout).toBe(0);
    expect(repo.git("diff", "--summary")).toContain("mode change 100644 => 100755 gen/run.sh");
    expect((await drift(repo)).code).toBe(0);
    repo.commit("executable");
    expect((await shipgraph(repo.dir, ["stamp", "--no-verify"])).code).toBe(0);
    repo.commit("stamp");
    expect((await shipgraph(repo.dir, ["drift", "--quick"])).code).toBe(0);
    // a stamp from before the x bit was hashed ("sha256-") is checked as it was written
    const lockPath = join(repo.dir, "shipgraph.lock");
    const lock = JSON.parse(readFileSync(lockPath, "utf8"));
    expect(lock.generators.g.outputs).toMatch(/^sha256m-[0-9a-f]{64}$/);
    const blob = repo.git("rev-parse", ":gen/run.sh").trim();
    lock.generators.g.outputs = `sha256-${createHash("sha256").update(`gen/run.sh\0${blob}\n`).digest("hex")}`;
    writeFileSync(lockPath, JSON.stringify(lock));
    expect((await shipgraph(repo.dir, ["drift", "--quick"])).code).toBe(0);
    repo.git("checkout", "--", "shipgraph.lock");
    // an input's x bit counts too (a script run directly that loses it no longer runs)
    chmodSync(join(repo.dir, "g.mjs"), 0o755);
    expect((await shipgraph(repo.dir, ["drift", "--quick"])).code).toBe(1);
    chmodSync(join(repo.dir, "g.mjs"), 0o644);
    expect((await shipgraph(repo.dir, ["drift", "--quick"])).code).toBe(0);
    chmodSync(join(repo.dir, "gen/run.sh"), 0o644);
    const quick = await shipgraph(repo.dir, ["drift", "--quick"]);
    expect(quick.code, quick.stdout).toBe(1);
    // where git ignores the x bit (core.fileMode false, as on Windows: no file is made executable),
    // so does drift
    repo.git("config", "core.fileMode", "false");
    repo.write({
      "g.mjs": readFileSync(join(repo.dir, "g.mjs"), "utf8").replace('chmodSync("gen/run.sh", 0o755);\n', ""),
    });
    expect((await drift(repo)).code).toBe(0);
  });

  it("a file whose name is not UTF-8: an input left out is said, a generated one is an error naming it", async () => {
    const repo = nodeRepo('  latin:\n    run: ["node", "tools/latin.mjs"]\n    outputs: ["gen9/**"]\n');
    const latin1 = (dir: string) =>
      Buffer.concat([Buffer.from(join(repo.dir, dir, "caf")), Buffer.from([0xe9, 0x2e, 0x74, 0x78, 0x74])]);
    writeFileSync(latin1("schema"), "b\n");
    repo.write({
      "tools/latin.mjs":
        'import { mkdirSync, writeFileSync } from "node:fs";\nmkdirSync("gen9", { recursive: true });\nwriteFileSync(Buffer.concat([Buffer.from("gen9/caf"), Buffer.from([0xe9])]), "x");\n',
    });
    repo.commit("latin-1 names");
    const tmp = tempDir("shipgraph-tmpdir-");
    const consts = await shipgraph(repo.dir, ["drift", "consts"], { env: cleanEnv({ TMPDIR: tmp }) });
    expect(consts.code).toBe(0);
    expect(consts.stderr).toContain(
      'shipgraph: warning: "schema/caf\uFFFD.txt": its name is not UTF-8, so it is not copied where the generators run',
    );
    const latin = await shipgraph(repo.dir, ["drift", "latin"], { env: cleanEnv({ TMPDIR: tmp }) });
    expect([latin.code, latin.stderr]).toEqual([
      2,
      expect.stringContaining(
        'error[ENVIRONMENT]: the generator wrote "gen9/caf\uFFFD", whose name is not UTF-8',
      ),
    ]);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it("an output git names with bytes that are not UTF-8 is an error naming it, not left out of the comparison", async () => {
    const repo = gitRepo({
      "shipgraph.yaml": 'generators:\n  g:\n    run: ["node", "g.mjs"]\n    outputs: ["gen/**"]\n',
      "g.mjs":
        'import { mkdirSync, writeFileSync } from "node:fs";\nmkdirSync("gen", { recursive: true });\nwriteFileSync("gen/a.ts", "a\\n");\n',
      "gen/a.ts": "a\n",
    });
    writeFileSync(
      Buffer.concat([Buffer.from(join(repo.dir, "gen/")), Buffer.from([0xff, 0x2e, 0x74, 0x73])]),
      "old\n",
    );
    repo.commit("stale, latin-1 name");
    const run = await shipgraph(repo.dir, ["drift"]);
    expect([run.code, run.stderr]).toEqual([
      2,
      expect.stringContaining(
        'error[ENVIRONMENT]: the repository has the output "gen/\uFFFD.ts", whose name is not UTF-8',
      ),
    ]);
  });

  it("an output named by its path (no wildcard) is compared like any generated file", async () => {
    const repo = gitRepo({
      "shipgraph.yaml":
        'generators:\n  version:\n    run: ["node", "v.mjs"]\n    inputs: ["v.mjs"]\n    outputs: ["VERSION.txt", "gen/out/a.txt"]\n',
      "v.mjs":
        'import { mkdirSync, writeFileSync } from "node:fs";\nmkdirSync("gen/out", { recursive: true });\nwriteFileSync("gen/out/a.txt", "A\\n");\nwriteFileSync("VERSION.txt", "1\\n");\n',
      "VERSION.txt": "1\n",
      "gen/out/a.txt": "A\n",
    });
    const clean = await drift(repo);
    expect(clean.code).toBe(0);
    expect(clean.report.generators[0]).toMatchObject({
      status: "clean",
      modified: [],
      missing: [],
      stale: [],
    });
    repo.write({ "VERSION.txt": "2\n" });
    const edited = await drift(repo);
    expect(edited.code).toBe(1);
    expect(edited.report.generators[0]).toMatchObject({ modified: ["VERSION.txt"], missing: [], stale: [] });
  });

  it("progress: live lines on a terminal, plain lines otherwise, nothing with --format json", async () => {
    const repo = nodeRepo();
    const tty = await shipgraph(repo.dir, ["drift"], { tty: true });
    expect(tty.stderr).toContain("\u001b[2K"); // lines redrawn in place
    expect(tty.stderr).toMatch(/clean {3}consts \(\d+\.\d s\)\n$/);
    const plain = await shipgraph(repo.dir, ["drift"]);
    expect(plain.stderr).toMatch(
      /^shipgraph drift: running consts\nshipgraph drift: clean {3}consts \(\d+\.\d s\)\n$/,
    );
    const json = await shipgraph(repo.dir, ["drift", "--format", "json"], { tty: true });
    expect(json.stderr).toBe("");
  });

  it("in a sparse checkout, the inputs it leaves out are read from the index: no false stale files", async () => {
    const repo = nodeRepo();
    repo.git("sparse-checkout", "set", "--no-cone", "/*", "!/schema/b.txt");
    expect(existsSync(join(repo.dir, "schema/b.txt"))).toBe(false);
    const { code, report } = await drift(repo);
    expect(code).toBe(0);
    expect(report.generators[0]).toMatchObject({ name: "consts", status: "clean", stale: [] });
    // and an input left out that is stale at HEAD is still drift
    repo.git("sparse-checkout", "disable");
    repo.write({ "schema/b.txt": "beta 2\n" }).commit("b changed, not regenerated");
    repo.git("sparse-checkout", "set", "--no-cone", "/*", "!/schema/b.txt");
    const stale = await drift(repo);
    expect(stale.code).toBe(1);
    expect(stale.report.generators[0]!.modified).toEqual(["gen/b.ts"]);
  });

  it("--fix writes nothing a sparse checkout leaves out (git would not see it): exit 2, naming the files", async () => {
    const repo = nodeRepo();
    repo.write({ "schema/b.txt": "beta 2\n" }).commit("b changed, not regenerated");
    repo.git("sparse-checkout", "set", "--no-cone", "/*", "!/gen/b.ts");
    // (drift() checks that the tree is unchanged)
    const { code, report } = await drift(repo, ["--fix"]);
    expect(code).toBe(2);
    expect(report.generators[0]).toMatchObject({
      status: "failed",
      modified: ["gen/b.ts"],
      failure: {
        reason: "sparse",
        message:
          "--fix would write or delete 1 file(s) the sparse checkout leaves out (gen/b.ts): nothing written",
        hint: "add them to the sparse checkout (`git sparse-checkout add gen/`) and run --fix again",
      },
    });
    expect(existsSync(join(repo.dir, "gen/b.ts"))).toBe(false);
  });

  it("a config the sparse checkout leaves out is an error, never an inferred graph; with no config, drift says it infers", async () => {
    const repo = nodeRepo();
    repo.git("sparse-checkout", "set", "--no-cone", "/*", "!/shipgraph.yaml");
    for (const args of [["drift"], ["drift", "--quick"], ["affected", "--base", "HEAD"]]) {
      const run = await shipgraph(repo.dir, args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr).toContain(
        "error[CONFIG_NOT_FOUND]: shipgraph.yaml is tracked but not in the working tree (a sparse checkout leaves it out, or it was deleted)",
      );
      expect(run.stderr).toContain("git sparse-checkout add shipgraph.yaml");
    }
    repo.git("sparse-checkout", "disable");
    repo.remove("shipgraph.yaml").commit("no config");
    const inferred = await shipgraph(repo.dir, ["drift"]);
    expect(inferred.code).toBe(0);
    expect(inferred.stderr).toContain("shipgraph: warning: no shipgraph config at the repository root");
  });

  it("a shell operator in `run` is a config failure naming the generator, not a silent shell", async () => {
    const repo = nodeRepo('  piped:\n    run: "node tools/gen.mjs | tee log"\n    outputs: ["gen4/**"]\n');
    const { code, report } = await drift(repo, ["piped"]);
    expect(code).toBe(2);
    expect(report.generators[0]!.failure).toMatchObject({ reason: "config" });
    expect(report.generators[0]!.failure!.message).toContain('uses the shell operator "|"');
  });
});

describe("stamp and drift --quick", () => {
  it("a lock the sparse checkout leaves out is an error: --quick does not ask for a stamp, stamp <name> drops no stamp", async () => {
    const repo = nodeRepo(
      '  other:\n    run: node tools/gen.mjs\n    inputs: ["schema/**"]\n    outputs: ["gen/**"]\n',
    );
    expect((await shipgraph(repo.dir, ["stamp", "--no-verify"])).code).toBe(0);
    repo.commit("stamp");
    const lock = readFileSync(join(repo.dir, "shipgraph.lock"), "utf8");
    repo.git("sparse-checkout", "set", "--no-cone", "/*", "!/shipgraph.lock");
    for (const args of [
      ["drift", "--quick"],
      ["stamp", "--no-verify", "consts"],
    ]) {
      const run = await shipgraph(repo.dir, args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr).toContain(
        "error[CONFIG_NOT_FOUND]: shipgraph.lock is tracked but the sparse checkout leaves it out of the working tree",
      );
    }
    expect(existsSync(join(repo.dir, "shipgraph.lock"))).toBe(false);
    repo.git("sparse-checkout", "disable");
    expect(readFileSync(join(repo.dir, "shipgraph.lock"), "utf8")).toBe(lock);
  });

  it("detects edited outputs and changed inputs without starting any generator", async () => {
    const repo = nodeRepo();
    const marker = join(tempDir(), "marker");
    const stamp = await shipgraph(repo.dir, ["stamp"], { env: cleanEnv({ MARKER: marker }) });
    expect(stamp.code).toBe(0);
    expect(stamp.stdout).toBe("shipgraph stamp: wrote shipgraph.lock (outputs verified)\n");
    expect(existsSync(marker)).toBe(true); // stamp verified by running the generator
    const lock = JSON.parse(readFileSync(join(repo.dir, "shipgraph.lock"), "utf8"));
    expect(Object.keys(lock)).toEqual(["generators", "version"]);
    expect(lock.generators.consts.inputs).toMatch(/^sha256m-[0-9a-f]{64}$/);
    repo.commit("stamp");

    const quick = async () => {
      const { rmSync } = await import("node:fs");
      rmSync(marker, { force: true });
      const result = await drift(repo, ["--quick"], { MARKER: marker });
      expect(existsSync(marker)).toBe(false);
      return result;
    };
    expect((await quick()).report.generators[0]).toMatchObject({
      status: "clean",
      quick: { inputsChanged: false, outputsEdited: false },
    });

    repo.append("gen/a.ts", "// hand edit\n");
    const edited = await quick();
    expect(edited.code).toBe(1);
    expect(edited.report.generators[0]!.quick).toEqual({ inputsChanged: false, outputsEdited: true });

    repo.git("checkout", "--", "gen/a.ts");
    repo.write({ "schema/a.txt": "changed\n" });
    const changed = await quick();
    expect(changed.code).toBe(1);
    expect(changed.report.generators[0]!.quick).toEqual({ inputsChanged: true, outputsEdited: false });

    const text = await shipgraph(repo.dir, ["drift", "--quick"]);
    expect(text.stdout).toContain("✗ consts: inputs changed since the last generation");
  });

  it("--quick counts root manifests (plugin bumps) and the generator's own declaration as inputs", async () => {
    const repo = nodeRepo();
    repo
      .write({
        "package.json": JSON.stringify({ name: "root", devDependencies: { "protoc-gen-x": "1.0.0" } }),
      })
      .commit();
    expect((await shipgraph(repo.dir, ["stamp"])).code).toBe(0);
    repo.commit("stamp");
    repo.write({
      "package.json": JSON.stringify({ name: "root", devDependencies: { "protoc-gen-x": "1.1.0" } }),
    });
    expect((await drift(repo, ["--quick"])).report.generators[0]!.quick).toEqual({
      inputsChanged: true,
      outputsEdited: false,
    });
    repo.git("checkout", "--", "package.json");
    repo.write({
      "shipgraph.yaml": readFileSync(join(repo.dir, "shipgraph.yaml"), "utf8").replace(
        "run: node tools/gen.mjs",
        'run: ["node", "tools/gen.mjs"]',
      ),
    });
    expect((await drift(repo, ["--quick"])).report.generators[0]!.quick?.inputsChanged).toBe(true);
  });

  it("stamp refuses to vouch for drifted outputs; an unstamped generator is exit 2 for --quick", async () => {
    const repo = nodeRepo();
    const unstamped = await drift(repo, ["--quick"]);
    expect(unstamped.code).toBe(2);
    expect(unstamped.report.generators[0]!.failure).toMatchObject({ reason: "unstamped" });
    repo.append("gen/a.ts", "// hand edit\n");
    const stamp = await shipgraph(repo.dir, ["stamp"]);
    expect(stamp.code).toBe(1);
    expect(stamp.stderr).toContain("not stamped");
    expect(existsSync(join(repo.dir, "shipgraph.lock"))).toBe(false);
  });

  it("an unreadable or malformed lock is an error --quick names, and `stamp` (every generator) replaces", async () => {
    for (const lock of [
      "{broken",
      '{"version":1,"generators":{"consts":5}}',
      '{"version":1,"generators":[]}',
    ]) {
      const repo = nodeRepo();
      repo.write({ "shipgraph.lock": lock });
      const quick = await shipgraph(repo.dir, ["drift", "--quick"]);
      expect(quick.code, lock).toBe(2);
      expect(quick.stderr).toContain("shipgraph.lock: ");
      expect(quick.stderr).toContain("rewrite it with `shipgraph stamp`");
      // a subset keeps the other entries: it cannot, so it refuses too
      expect((await shipgraph(repo.dir, ["stamp", "--no-verify", "consts"])).code).toBe(2);
      const stamp = await shipgraph(repo.dir, ["stamp", "--no-verify"]);
      expect(stamp.code, stamp.stderr).toBe(0);
      expect((await drift(repo, ["--quick"])).code).toBe(0);
    }
  });
});

/** `git status --porcelain --ignored`, and each file's hash and mtime: what a run must leave as it was. */
function treeState(repo: TestRepo): { status: string; files: Record<string, string>; mtimes: string[] } {
  const files = treeHashes(repo.dir);
  const mtimes = Object.keys(files).map((path) => {
    try {
      return `${path} ${statSync(join(repo.dir, path)).mtimeMs}`;
    } catch {
      return `${path} (dangling)`;
    }
  });
  return { status: repo.git("status", "--porcelain", "--ignored"), files, mtimes };
}

const WRITE_GEN = (dir: string, extra = "") =>
  `import { mkdirSync, writeFileSync } from "node:fs";\n${extra}mkdirSync("${dir}", { recursive: true });\nwriteFileSync("${dir}/a.ts", "export const a = 2;\\n");\nif (process.env.FAIL) process.exit(1);\n`;

describe("drift and symbolic links", () => {
  it("a generator writing through an absolute link into the repository writes the sandbox's copy, never the tree, also when it fails", async () => {
    const repo = gitRepo({
      "shipgraph.yaml":
        'generators:\n  g:\n    run: node tools/gen.mjs\n    inputs: ["tools/**"]\n    outputs: ["sdk/gen/**"]\n',
      "tools/gen.mjs": WRITE_GEN("sdk/gen"),
      "real/gen/a.ts": "export const a = 1;\n",
    });
    symlinkSync(join(repo.dir, "real"), join(repo.dir, "sdk"));
    repo.commit("link");
    const before = treeState(repo);
    const { code, report } = await drift(repo);
    expect(code).toBe(1);
    // behind the link, git sees no sdk/gen/a.ts; in the sandbox, the link led to its real/gen/a.ts
    expect(report.generators[0]).toMatchObject({
      missing: ["sdk/gen/a.ts"],
      outsideOutputs: ["real/gen/a.ts"],
    });
    expect(treeState(repo)).toEqual(before);
    expect((await drift(repo, [], { FAIL: "1" })).code).toBe(2);
    expect(treeState(repo)).toEqual(before);
    expect(readFileSync(join(repo.dir, "real/gen/a.ts"), "utf8")).toBe("export const a = 1;\n");
  });

  it("a link out of the repository is read through a copy: what the generator writes through it stays in the sandbox", async () => {
    const outside = tempDir("shipgraph-outside-");
    const repo = gitRepo({
      "shipgraph.yaml":
        'generators:\n  g:\n    run: node tools/gen.mjs\n    inputs: ["tools/**"]\n    outputs: ["gen/**"]\n',
      "tools/gen.mjs":
        'import { mkdirSync, readFileSync, writeFileSync } from "node:fs";\nwriteFileSync("shared/new.txt", "x");\nwriteFileSync("up/new.txt", "x");\nwriteFileSync("shared/in.txt", "rewritten");\nmkdirSync("gen", { recursive: true });\nwriteFileSync("gen/a.ts", readFileSync("up/in.txt"));\nif (process.env.FAIL) process.exit(1);\n',
      "gen/a.ts": "shared\n",
    });
    writeFileSync(join(outside, "in.txt"), "shared\n");
    symlinkSync(outside, join(repo.dir, "shared")); // absolute
    symlinkSync(relative(repo.dir, outside), join(repo.dir, "up")); // relative, climbing out
    repo.commit("links");
    const before = treeState(repo);
    expect((await drift(repo)).code).toBe(0);
    expect((await drift(repo, [], { FAIL: "1" })).code).toBe(2);
    expect(treeState(repo)).toEqual(before);
    expect(readdirSync(outside)).toEqual(["in.txt"]);
    expect(readFileSync(join(outside, "in.txt"), "utf8")).toBe("shared\n");
  });

  it("a link out of the repository with outputs behind it is refused before any generator runs: exit 2 naming it", async () => {
    const outside = tempDir("shipgraph-outside-");
    const marker = join(tempDir(), "marker");
    const repo = gitRepo({
      "shipgraph.yaml":
        'generators:\n  g:\n    run: node tools/gen.mjs\n    inputs: ["tools/**"]\n    outputs: ["sdk/gen/**"]\n',
      "tools/gen.mjs": WRITE_GEN("sdk/gen", 'writeFileSync(process.env.MARKER, "ran");\n'),
    });
    symlinkSync(outside, join(repo.dir, "sdk"));
    repo.commit("link");
    const before = treeState(repo);
    const run = await shipgraph(repo.dir, ["drift"], { env: cleanEnv({ MARKER: marker }) });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `error[CONFIG_INVALID]: sdk is a symbolic link to ${outside}, outside the repository, and outputs (sdk/gen/**) lie behind it`,
    );
    expect(existsSync(marker)).toBe(false);
    expect(readdirSync(outside)).toEqual([]);
    expect(treeState(repo)).toEqual(before);
  });

  it("--fix writes nothing through a link out of the repository: exit 2, naming the path and the link", async () => {
    const outside = tempDir("shipgraph-outside-");
    const repo = gitRepo({
      "shipgraph.yaml":
        'generators:\n  g:\n    run: node tools/gen.mjs\n    inputs: ["tools/**"]\n    outputs: ["gen/**"]\n',
      "tools/gen.mjs": WRITE_GEN("gen"),
    });
    symlinkSync(outside, join(repo.dir, "gen"));
    repo.commit("link");
    const before = treeState(repo);
    const { code, report } = await drift(repo, ["--fix"]);
    expect(code).toBe(2);
    expect(report.generators[0]).toMatchObject({
      status: "failed",
      missing: ["gen/a.ts"],
      stale: ["gen"],
      failure: {
        reason: "link",
        message: `--fix would write gen/a.ts through the symbolic link gen (→ ${outside}), outside the repository: nothing written`,
      },
    });
    expect(readdirSync(outside)).toEqual([]);
    expect(treeState(repo)).toEqual(before);
  });

  it("--fix converges when an output turns from a file into a directory, or the reverse", async () => {
    const repo = gitRepo({
      "shipgraph.yaml":
        'generators:\n  g:\n    run: node tools/gen.mjs\n    inputs: ["tools/**"]\n    outputs: ["gen/**"]\n',
      "tools/gen.mjs":
        'import { mkdirSync, writeFileSync } from "node:fs";\nmkdirSync("gen/models", { recursive: true });\nwriteFileSync("gen/a.ts", "a2\\n");\nwriteFileSync("gen/models/index.ts", "m\\n");\nwriteFileSync("gen/b.ts", "b\\n");\n',
      "gen/a.ts": "a\n",
      "gen/models": "old\n",
      "gen/b.ts/x.ts": "x\n",
    });
    const { report } = await drift(repo);
    expect(report.generators[0]).toMatchObject({
      modified: ["gen/a.ts"],
      missing: ["gen/b.ts", "gen/models/index.ts"],
      stale: ["gen/b.ts/x.ts", "gen/models"],
    });
    const fix = await shipgraph(repo.dir, ["drift", "--fix"]);
    expect(fix.code, fix.stderr).toBe(0);
    expect(readFileSync(join(repo.dir, "gen/models/index.ts"), "utf8")).toBe("m\n");
    expect(readFileSync(join(repo.dir, "gen/b.ts"), "utf8")).toBe("b\n");
    expect((await drift(repo)).code).toBe(0);
  });

  it("--fix that cannot write an output (an ignored file, which the sandbox lacks, in the way) writes nothing: exit 2 naming it", async () => {
    const repo = gitRepo({
      "shipgraph.yaml":
        'generators:\n  g:\n    run: node tools/gen.mjs\n    inputs: ["tools/**"]\n    outputs: ["gen/**"]\n',
      "tools/gen.mjs":
        'import { mkdirSync, writeFileSync } from "node:fs";\nmkdirSync("gen", { recursive: true });\nwriteFileSync("gen/a.ts", "a2\\n");\nwriteFileSync("gen/b.ts", "b\\n");\n',
      ".gitignore": "*.bin\n",
      "gen/a.ts": "a\n",
      "gen/b.ts/x.ts": "x\n",
    });
    repo.write({ "gen/b.ts/cache.bin": "local\n" });
    const before = treeState(repo);
    const { code, report } = await drift(repo, ["--fix"]);
    expect(code).toBe(2);
    expect(report.generators[0]!.failure).toMatchObject({
      reason: "conflict",
      message:
        "--fix cannot write gen/b.ts: it is a directory holding gen/b.ts/cache.bin, which is not one of the generator's stale outputs: nothing written",
    });
    expect(treeState(repo)).toEqual(before);
  });

  it("a generated symbolic link is compared as a link (its target), and --fix writes it as one", async () => {
    const repo = gitRepo({
      "shipgraph.yaml":
        'generators:\n  g:\n    run: node tools/gen.mjs\n    inputs: ["tools/**"]\n    outputs: ["gen/**"]\n',
      "tools/gen.mjs":
        'import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";\nmkdirSync("gen/v2", { recursive: true });\nwriteFileSync("gen/v2/a.ts", "a\\n");\nsymlinkSync("v2", "gen/latest");\n',
      "gen/v2/a.ts": "a\n",
    });
    symlinkSync("v1", join(repo.dir, "gen/latest"));
    repo.commit("old link");
    const { code, report } = await drift(repo);
    expect(code).toBe(1);
    expect(report.generators[0]).toMatchObject({ modified: ["gen/latest"], missing: [], stale: [] });
    expect(report.generators[0]!.diffs["gen/latest"]).toContain("-symbolic link to v1\n+symbolic link to v2");
    const fix = await shipgraph(repo.dir, ["drift", "--fix"]);
    expect(fix.code, fix.stderr).toBe(0);
    expect(repo.git("status", "--porcelain")).toBe(" M gen/latest\n");
    expect((await drift(repo)).code).toBe(0);
    // a link to a directory, where the tree has none, is missing; one the generator no longer makes is stale
    repo.remove("gen/latest").commit("no link");
    expect((await drift(repo)).report.generators[0]).toMatchObject({ missing: ["gen/latest"] });
  });
});
