import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { cleanEnv, shipgraph, shipgraphBin } from "./helpers/cli.js";
import { gitRepo, projectRoot, SMALL_CONFIG, smallWorkspace, tempDir } from "./helpers/repo.js";

// How the binary starts: the CLI bundle compiled from V8's code cache made at build time
// (packages/cli/src/launch.ts, scripts/code-cache.mjs), and the same answers without it.

const cliDir = join(projectRoot, "packages/cli");

/** A copy of the built CLI (bin and dist) whose code cache a test may change. */
function cliCopy(): string {
  const dir = tempDir("shipgraph-cli-");
  cpSync(join(cliDir, "bin"), join(dir, "bin"), { recursive: true });
  cpSync(join(cliDir, "dist"), join(dir, "dist"), { recursive: true });
  cpSync(join(cliDir, "package.json"), join(dir, "package.json"));
  symlinkSync(join(cliDir, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}

function run(bin: string, cwd: string, args: string[]) {
  const env = cleanEnv({ SHIPGRAPH_TRACE: "1" });
  delete env.NODE_OPTIONS;
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    env: env as NodeJS.ProcessEnv,
    encoding: "utf8",
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("start-up", () => {
  const repo = smallWorkspace(SMALL_CONFIG);
  repo.git("checkout", "-q", "-b", "feature");
  repo.append("libs/core/index.ts", "export const more = 2;\n");
  repo.commit();
  const args = ["affected", "--base", "main", "--format", "json"];

  it("the build makes a code cache, and the binary compiles from it", () => {
    expect(existsSync(join(cliDir, "dist/shipgraph.cjs.v8-cache"))).toBe(true);
    const r = run(join(cliDir, "bin/shipgraph.cjs"), repo.dir, args);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/code cache used/);
    expect(JSON.parse(r.stdout).affected.image).toEqual(["web"]);
  });

  it("a cache V8 does not accept, or none, changes nothing but the speed", () => {
    const expected = run(join(cliDir, "bin/shipgraph.cjs"), repo.dir, args).stdout;
    const copy = cliCopy();
    const cache = join(copy, "dist/shipgraph.cjs.v8-cache");
    writeFileSync(cache, Buffer.alloc(4096, 7)); // not a code cache
    const rejected = run(join(copy, "bin/shipgraph.cjs"), repo.dir, args);
    expect(rejected.stderr).toMatch(/code cache rejected/);
    expect(rejected.code).toBe(0);
    expect(rejected.stdout).toBe(expected);
    rmSync(cache);
    const absent = run(join(copy, "bin/shipgraph.cjs"), repo.dir, args);
    expect(absent.stderr).toMatch(/code cache absent/);
    expect(absent.stdout).toBe(expected);
  });

  it("a bundle that changed after the cache was made is compiled from source", () => {
    const copy = cliCopy();
    const bundle = join(copy, "dist/shipgraph.cjs");
    writeFileSync(bundle, `${readFileSync(bundle, "utf8")}\n// changed\n`);
    const r = run(join(copy, "bin/shipgraph.cjs"), repo.dir, args);
    expect(r.stderr).toMatch(/code cache rejected/);
    expect(r.code).toBe(0);
  });

  it("the binary reads changed files from stdin with --files - (stdin is opened only then)", () => {
    const r = shipgraphBin(repo.dir, ["affected", "--files", "-", "--format", "json"], {
      env: cleanEnv(),
      stdin: "apps/web/index.ts\n",
    });
    expect(r.code).toBe(0);
    expect(r.json<{ affected: { image: string[] } }>().affected.image).toEqual(["web"]);
  });

  it("a bundle edited without changing its length is not run from the old cache", () => {
    // V8 compares only the source's length: the checksum in front of the cache catches this
    const copy = cliCopy();
    const bundle = join(copy, "dist/shipgraph.cjs");
    const text = readFileSync(bundle, "utf8");
    expect(text).toContain('"0.1.0"');
    writeFileSync(bundle, text.replace('"0.1.0"', '"9.9.9"'));
    const r = run(join(copy, "bin/shipgraph.cjs"), repo.dir, ["--version"]);
    expect(r.stdout.trim()).toBe("9.9.9");
    expect(r.stderr).toMatch(/code cache rejected/);
  });

  it("a corrupt cache is rejected, not run", () => {
    const copy = cliCopy();
    const cache = join(copy, "dist/shipgraph.cjs.v8-cache");
    const bytes = readFileSync(cache);
    for (let i = 0; i < 8; i++) bytes[1000 + i * 4099]! ^= 0x5a; // past the header, in V8's data
    writeFileSync(cache, bytes);
    const expected = run(join(cliDir, "bin/shipgraph.cjs"), repo.dir, args).stdout;
    const r = run(join(copy, "bin/shipgraph.cjs"), repo.dir, args);
    expect(r.stderr).toMatch(/code cache rejected/);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(expected);
  });

  it("a cache that cannot be written is a warning, not the run's exit code", () => {
    const runner = join(tempDir("shipgraph-runner-"), "run.mjs");
    writeFileSync(
      runner,
      `import { launch } from ${JSON.stringify(pathToFileURL(join(cliDir, "dist/launch.cjs")).href)};\n` +
        'process.exitCode = await launch({ codeCacheOut: "/nonexistent-dir/cache" });\n',
    );
    const r = run(runner, repo.dir, args);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).affected.image).toEqual(["web"]);
    expect(r.stderr).toMatch(/could not write the code cache \/nonexistent-dir\/cache/);
  });

  it("exits only once a slow pipe has taken the whole report", async () => {
    const big = bigWorkspace();
    const args = ["affected", "--base", "main", "--format", "json"];
    const expected = (await shipgraph(big.dir, args)).stdout;
    expect(expected.length).toBeGreaterThan(100 * 1024); // a pipe holds 64 KiB
    const bin = join(cliDir, "bin/shipgraph.cjs");
    const piped = spawnSync(
      "sh",
      ["-c", `"${process.execPath}" "${bin}" ${args.join(" ")} | (sleep 1; cat)`],
      { cwd: big.dir, env: cleanEnv() as NodeJS.ProcessEnv, encoding: "utf8", maxBuffer: 1 << 26 },
    );
    expect(piped.stdout).toBe(expected);
  });

  it("a reader that closes the pipe early ends the run with exit 2, quietly (never 1)", async () => {
    const child = spawn(
      process.execPath,
      [join(cliDir, "bin/shipgraph.cjs"), "affected", "--base", "main", "--format", "json"],
      { cwd: repo.dir, env: cleanEnv() as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.stdout.destroy(); // a reader gone before the report is written (like `| head -c 0`)
    const code = await new Promise((resolve) => child.on("close", resolve));
    expect(code).toBe(2);
    expect(stderr).toBe("");
  });

  it("a CLI whose bundle is missing says to reinstall or build, exit 2", () => {
    const copy = cliCopy();
    rmSync(join(copy, "dist/shipgraph.cjs"));
    const r = run(join(copy, "bin/shipgraph.cjs"), repo.dir, args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot load the CLI .*shipgraph\.cjs.*pnpm build/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("`affected` asks git for the repository while the CLI compiles, from whatever --cwd names", () => {
    const bin = join(cliDir, "bin/shipgraph.cjs");
    const expected = run(bin, repo.dir, args);
    expect(expected.stderr).toContain("git asked for the root and HEAD at launch");
    const elsewhere = tempDir("shipgraph-cwd-");
    for (const cwd of [["--cwd", join(repo.dir, "apps/web")], [`--cwd=${join(repo.dir, "libs")}`]]) {
      const r = run(bin, elsewhere, [...args, ...cwd]);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain("git asked for the root and HEAD at launch");
      expect(r.stdout).toBe(expected.stdout);
    }
    // not in a repository: the same error as without the head start
    const outside = run(bin, elsewhere, args);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain("is not inside a git repository");
  });

  it("errors still exit 2 with a message from the bundled CLI", () => {
    const r = shipgraphBin(repo.dir, ["affected", "--base", "no-such-ref"], { env: cleanEnv() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no-such-ref/);
  });
});

/**
 * 600 packages in a chain, all affected by a root manifest change on branch feature: a report
 * (~128 KB) far larger than a pipe's buffer.
 */
function bigWorkspace() {
  const files: Record<string, string> = {
    "shipgraph.yaml": "packages: {}\n",
    "package.json": JSON.stringify({ name: "root", private: true }),
    "pnpm-workspace.yaml": "packages:\n  - libs/*\n",
  };
  for (let i = 0; i < 600; i++) {
    files[`libs/l${i}/package.json`] = JSON.stringify({
      name: `lib-${i}`,
      dependencies: i > 0 ? { [`lib-${i - 1}`]: "workspace:*" } : {},
    });
  }
  const big = gitRepo(files);
  big.git("checkout", "-q", "-b", "feature");
  big.write({ "package.json": JSON.stringify({ name: "root", private: true, version: "2.0.0" }) });
  big.commit();
  return big;
}
