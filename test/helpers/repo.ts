import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll } from "vitest";

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const exampleDir = join(projectRoot, "examples/proto-monorepo");
export const binDir = join(projectRoot, "node_modules/.bin");

const created: string[] = [];
afterAll(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const GIT_ENV = {
  GIT_AUTHOR_NAME: "shipgraph test",
  GIT_AUTHOR_EMAIL: "test@shipgraph.invalid",
  GIT_COMMITTER_NAME: "shipgraph test",
  GIT_COMMITTER_EMAIL: "test@shipgraph.invalid",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
};

/** A real git repository in a temp dir, removed after the test file. */
export class TestRepo {
  constructor(readonly dir: string) {}

  git(...args: string[]): string {
    return execFileSync("git", args, {
      cwd: this.dir,
      encoding: "utf8",
      env: { ...process.env, ...GIT_ENV },
      stdio: ["ignore", "pipe", "pipe"],
    });
  }

  write(files: Record<string, string>): this {
    for (const [path, text] of Object.entries(files)) {
      const abs = join(this.dir, path);
      mkdirSync(dirname(abs), { recursive: true });
      writeFileSync(abs, text);
    }
    return this;
  }

  read(path: string): string {
    return readFileSync(join(this.dir, path), "utf8");
  }

  append(path: string, text: string): this {
    writeFileSync(join(this.dir, path), this.read(path) + text);
    return this;
  }

  remove(...paths: string[]): this {
    for (const path of paths) rmSync(join(this.dir, path), { recursive: true, force: true });
    return this;
  }

  /** Stages everything and commits; returns the new HEAD SHA. */
  commit(message = "change"): string {
    this.git("add", "-A");
    this.git("commit", "-q", "--allow-empty", "-m", message);
    return this.head();
  }

  head(): string {
    return this.git("rev-parse", "HEAD").trim();
  }
}

/** A temp dir removed after the test file. */
export function tempDir(prefix = "shipgraph-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** An empty repository on branch main, with `files` committed. */
export function gitRepo(files: Record<string, string> = {}): TestRepo {
  const dir = tempDir("shipgraph-test-");
  const repo = new TestRepo(dir);
  repo.git("init", "-q", "-b", "main");
  repo.write(files);
  repo.commit("initial");
  return repo;
}

/** The config of smallWorkspace: one image, built from apps/web. */
export const SMALL_CONFIG = "images:\n  web:\n    context: apps/web\n";

/** A small pnpm workspace: libs/core, apps/web depending on it (with a Dockerfile), and `config`. */
export function smallWorkspace(config: string, extra: Record<string, string> = {}): TestRepo {
  return gitRepo({
    "shipgraph.yaml": config,
    "package.json": JSON.stringify({ name: "root", private: true }),
    "pnpm-workspace.yaml": "packages:\n  - libs/*\n  - apps/*\n",
    "libs/core/package.json": JSON.stringify({ name: "core" }),
    "libs/core/index.ts": "export const core = 1;\n",
    "apps/web/package.json": JSON.stringify({ name: "web", dependencies: { core: "workspace:^" } }),
    "apps/web/index.ts": "export const web = 1;\n",
    "apps/web/Dockerfile": "FROM node:22\nCOPY . .\n",
    ...extra,
  });
}

/**
 * A copy of examples/proto-monorepo committed on main, then checked out on branch `feature`.
 * node_modules links to the project's, so real buf and the local plugin run in it.
 */
export function exampleRepo(): TestRepo {
  const dir = tempDir("shipgraph-example-");
  cpSync(exampleDir, dir, { recursive: true, filter: (src) => !src.includes("node_modules") });
  symlinkSync(join(projectRoot, "node_modules"), join(dir, "node_modules"), "dir");
  const repo = new TestRepo(dir);
  repo.git("init", "-q", "-b", "main");
  repo.commit("initial");
  repo.git("checkout", "-q", "-b", "feature");
  return repo;
}

/** Runs the real buf CLI in the repo (PATH has protoc-gen-es). */
export function buf(repo: TestRepo, ...args: string[]): string {
  return execFileSync(join(binDir, "buf"), args, {
    cwd: repo.dir,
    encoding: "utf8",
    env: { ...process.env, PATH: `${binDir}:${process.env.PATH}` },
    stdio: ["ignore", "pipe", "pipe"],
  });
}
