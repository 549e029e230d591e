#!/usr/bin/env node
// Build step (after tsup), for start-up speed (see src/launch.ts):
// 1. dist/shipgraph.cjs becomes pure ASCII, so V8 holds the 0.9 MB source as a one-byte string.
//    esbuild already escapes every non-ASCII character of code (its default charset is ASCII); it
//    leaves them in comments (js-yaml's), where a \u escape in their place changes nothing.
// 2. dist/shipgraph.cjs.v8-cache, V8's code cache for the bundle: it runs `shipgraph affected`
//    once, the way CD runs it, on a copy of examples/proto-monorepo in a temporary git
//    repository, and saves what V8 compiled meanwhile (with the bundle's checksum in front).
// The cache only makes start-up faster: when it cannot be made (no git, no example), the build
// goes on without it and says so. It matches only the Node.js (V8 version and flags) it was made
// with; any other, or NODE_OPTIONS with V8 flags, compiles the bundle as usual.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Script } from "node:vm";

const cli = resolve(fileURLToPath(new URL("..", import.meta.url)));
const example = resolve(cli, "../../examples/proto-monorepo");
const bundle = join(cli, "dist/shipgraph.cjs");
const out = `${bundle}.v8-cache`;
rmSync(out, { force: true });

const source = readFileSync(bundle, "utf8");
const ascii = source.replace(
  /[\u0080-\uffff]/g,
  (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
);
try {
  new Script(ascii, { filename: bundle }); // still a script that compiles
  writeFileSync(bundle, ascii);
} catch (error) {
  process.stderr.write(`code-cache: the bundle stays as esbuild wrote it (${error.message})\n`);
}

const env = { ...process.env };
for (const key of Object.keys(env)) {
  // no V8 flags from the build machine (the cache must match a plain `node`), no git settings
  if (key.startsWith("GIT_") || key === "GITHUB_ACTIONS" || key === "NODE_OPTIONS") delete env[key];
}
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
  // the binary's own start (launch), told to save the cache after the run
  const runner = join(dir, ".make-code-cache.mjs");
  writeFileSync(
    runner,
    `import { launch } from ${JSON.stringify(pathToFileURL(join(cli, "dist/launch.cjs")).href)};\n` +
      `process.exitCode = await launch({ codeCacheOut: ${JSON.stringify(out)} });\n`,
  );
  execFileSync(process.execPath, [runner, "affected", "--base", "main", "--format", "json"], {
    cwd: dir,
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  if (!existsSync(out)) throw new Error("the run wrote no cache");
} catch (error) {
  const detail = String(error.stderr ?? "").trim() || error.message;
  process.stderr.write(
    `code-cache: no V8 code cache (the CLI works without it, starting slower): ${detail}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
