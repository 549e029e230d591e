#!/usr/bin/env node
// The README's main job: runs `shipgraph affected` on examples/proto-monorepo against a
// scripted change, in a temporary git repository (the checkout itself is never modified).
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const example = join(root, "examples/proto-monorepo");
const bin = join(root, "packages/cli/bin/shipgraph.cjs");
const dir = mkdtempSync(join(tmpdir(), "shipgraph-demo-"));
const env = {
  ...process.env,
  GIT_AUTHOR_NAME: "demo",
  GIT_AUTHOR_EMAIL: "demo@example.invalid",
  GIT_COMMITTER_NAME: "demo",
  GIT_COMMITTER_EMAIL: "demo@example.invalid",
  GITHUB_ACTIONS: "",
};
const git = (...args) => execFileSync("git", args, { cwd: dir, env, stdio: ["ignore", "pipe", "inherit"] });
const run = (...args) => {
  console.log(`\n$ shipgraph ${args.join(" ")}`);
  execFileSync(process.execPath, [bin, ...args], { cwd: dir, env, stdio: "inherit" });
};
const append = (path, text) => writeFileSync(join(dir, path), readFileSync(join(dir, path), "utf8") + text);

try {
  cpSync(example, dir, { recursive: true, filter: (src) => !src.includes("node_modules") });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-q", "-m", "example monorepo");
  git("checkout", "-q", "-b", "feature");

  console.log("Scripted change on branch `feature`: the shared logger library and the users proto.");
  append("packages/logger/src/index.ts", "export const LEVEL = 'info';\n");
  append("proto/acme/users/v1/users.proto", "\nmessage UserPreferences {\n  bool newsletter = 1;\n}\n");
  git("commit", "-q", "-am", "logger level + user preferences");

  run("affected", "--base", "main");
  run("affected", "--base", "main", "--explain", "image:orders");
  run("affected", "--base", "main", "--format", "json");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
