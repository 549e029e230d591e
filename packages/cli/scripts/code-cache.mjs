#!/usr/bin/env node
// Build step (after tsup), for start-up speed (see src/launch.ts):
// 1. dist/shipgraph.cjs becomes pure ASCII: esbuild escapes non-ASCII characters in code but
//    leaves them in comments (js-yaml's), which made V8 hold the 0.9 MB source as a two-byte
//    string. Each is replaced by its \u escape, which means the same in a comment, a string, a
//    regular expression or an identifier.
// 2. dist/shipgraph.cjs.v8-cache, V8's code cache for the bundle: it runs `shipgraph affected`
//    once, the way CD runs it, on a copy of examples/proto-monorepo in a temporary git
//    repository, and saves what V8 compiled meanwhile. The cache only makes start-up faster: when
//    it cannot be made (no git, no example), the build goes on without it and says so.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const cli = resolve(fileURLToPath(new URL("..", import.meta.url)));
const example = resolve(cli, "../../examples/proto-monorepo");
const bundle = join(cli, "dist/shipgraph.cjs");
const out = `${bundle}.v8-cache`;
rmSync(out, { force: true });

writeFileSync(
  bundle,
  readFileSync(bundle, "utf8").replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  ),
);

const env = { ...process.env };
for (const key of Object.keys(env)) if (key.startsWith("GIT_") || key === "GITHUB_ACTIONS") delete env[key];
Object.assign(env, {
  GIT_AUTHOR_NAME: "shipgraph build",
  GIT_AUTHOR_EMAIL: "build@example.invalid",
  GIT_COMMITTER_NAME: "shipgraph build",
  GIT_COMMITTER_EMAIL: "build@example.invalid",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
});
const dir = mkdtempSync(join(tmpdir(), "shipgraph-code-cache-"));
try {
  if (!existsSync(example)) throw new Error(`${example} not found`);
  const git = (...args) => execFileSync("git", args, { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  const append = (path, text) => writeFileSync(join(dir, path), readFileSync(join(dir, path), "utf8") + text);
  cpSync(example, dir, { recursive: true, filter: (src) => !src.includes("node_modules") });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-q", "-m", "example");
  git("checkout", "-q", "-b", "feature");
  append("packages/logger/src/index.ts", "export const LEVEL = 'info';\n");
  append("proto/acme/users/v1/users.proto", "\nmessage UserPreferences {\n  bool newsletter = 1;\n}\n");
  git("commit", "-q", "-am", "change");
  execFileSync(
    process.execPath,
    [join(cli, "bin/shipgraph.js"), "affected", "--base", "main", "--format", "json"],
    {
      cwd: dir,
      env: { ...env, SHIPGRAPH_CODE_CACHE_OUT: out },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  if (!existsSync(out)) throw new Error("the run wrote no cache");
} catch (error) {
  const detail = String(error.stderr ?? "").trim() || error.message;
  process.stderr.write(
    `code-cache: no V8 code cache (the CLI works without it, starting slower): ${detail}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
