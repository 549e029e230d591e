import { execFile } from "node:child_process";
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { setFlagsFromString } from "node:v8";
import { Script } from "node:vm";
import { youngGenerationFlag } from "./heap.js";

/** Built next to this file: the whole CLI as one CommonJS file, and V8's code cache for it. */
const BUNDLE = "shipgraph.cjs";
const CODE_CACHE = `${BUNDLE}.v8-cache`;

/** The code cache file: MAGIC, the bundle's checksum (uint32 LE), then V8's cached data. */
const MAGIC = 0x31434753; // "SGC1"
const HEADER_BYTES = 8;

/**
 * V8 flags are set only on the V8 they were measured and tested on (Node 20's): on another, a
 * flag it does not know, or a value out of its range, would print an error on every run
 * (setFlagsFromString does not throw). There, the bundle runs with V8's defaults, and the code
 * cache (made by the same Node.js) without its checksum check.
 */
const FLAGS_VERIFIED = /^11\.3\./.test(process.versions.v8);

/** Node modules every command loads (git runs through child_process), loaded before V8 flags are set. */
const PRELOAD = ["node:child_process", "node:os", "node:process"];

export interface LaunchOptions {
  /** Build only (scripts/code-cache.mjs): after the run, write the code cache there. */
  codeCacheOut?: string;
}

/**
 * Runs the CLI (bin/shipgraph.cjs calls this) and returns its exit code.
 *
 * The CLI runs on every push, so start-up counts: compiling the 0.9 MB bundle is a third of the
 * time before any work starts. V8 compiles it from a code cache made at build time
 * (scripts/code-cache.mjs runs the CLI once and saves what V8 compiled), which takes ~25 ms off
 * every run. Node 20 has no compile cache of its own (`module.enableCompileCache` is Node 22),
 * and `vm.Script` takes cached data for scripts only, hence a CommonJS bundle.
 *
 * A cache must never run other code than the bundle's: V8 itself checks only its version, its
 * flags and the source's length, and in release builds skips its checksum. So the file starts
 * with a checksum of the bundle (a same-length edit, say by patch-package, no longer matches), and
 * --verify-snapshot-checksum makes V8 check the cached data (a corrupt file is rejected, where it
 * could crash or run wrong code). A cache that does not match is ignored: the bundle is compiled as
 * usual. Both checks cost ~2.5 ms. A missing bundle is an error with code SHIPGRAPH_NOT_BUILT.
 */
export async function launch(options: LaunchOptions = {}): Promise<number> {
  // (built as CommonJS, dist/launch.cjs: __dirname and require are this file's)
  const dir = __dirname;
  // Node's own modules come with a code cache that any V8 flag set at run time invalidates: the
  // ones every run loads are loaded before the flags are set (~5 ms a run otherwise).
  for (const builtin of PRELOAD) require(builtin);
  // drift and stamp hash files
  if (process.argv.includes("drift") || process.argv.includes("stamp")) require("node:crypto");
  void process.stdout;
  // `affected` asks git for the repository and HEAD first: ask now, and git answers while V8
  // compiles the bundle (~20 ms) instead of after
  const repoProbe = startRepoProbe(process.argv.slice(2));
  // set before compiling: V8's flags are part of what the code cache must match
  if (FLAGS_VERIFIED) {
    for (const flag of [youngGenerationFlag(process.env, process.execArgv), "--verify-snapshot-checksum"]) {
      if (flag !== undefined) setFlagsFromString(flag);
    }
  }
  const file = join(dir, BUNDLE);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw Object.assign(new Error(`${file}: ${(error as Error).message}`), { code: "SHIPGRAPH_NOT_BUILT" });
  }
  const sum = checksum(bytes);
  let cache: Buffer | undefined;
  try {
    cache = readFileSync(join(dir, CODE_CACHE));
  } catch {
    cache = undefined; // not built (or removed): compile as usual
  }
  const matches =
    cache !== undefined &&
    cache.length > HEADER_BYTES &&
    cache.readUInt32LE(0) === MAGIC &&
    cache.readUInt32LE(4) === sum;
  // the CommonJS wrapper, on the bundle's first line so positions in stack traces stay right
  const script = new Script(
    `(function (exports, require, module, __filename, __dirname) {${bytes.toString("utf8")}\n})`,
    { filename: file, ...(matches ? { cachedData: cache!.subarray(HEADER_BYTES) } : {}) },
  );
  const module = {
    exports: {} as { run?: (codeCache: string, repoProbe: RepoProbe | undefined) => Promise<number> },
  };
  // (the bundle lies beside this file: the same require resolves its jiti and yaml)
  script.runInThisContext()(module.exports, require, module, file, dir);
  const status = cache === undefined ? "absent" : !matches || script.cachedDataRejected ? "rejected" : "used";
  const code = await module.exports.run!(status, repoProbe);
  if (options.codeCacheOut !== undefined) writeCodeCache(options.codeCacheOut, sum, script);
  return code;
}

/** A git call started early; @shipgraph/core's EarlyGitCall (this file cannot import core). */
export interface RepoProbe {
  cwd: string;
  args: readonly string[];
  result: Promise<{ failed: boolean; stdout: string }>;
}

/**
 * For `shipgraph affected`: core's findRepoRootAndHead call (its REPO_AND_HEAD_ARGS, in the
 * directory `--cwd` names), started now. Core uses it only when the arguments and the directory
 * are exactly its own, so a change on either side, or an argument list read differently here than
 * by the CLI (say `--config --cwd`), costs the head start and nothing else.
 */
function startRepoProbe(argv: readonly string[]): RepoProbe | undefined {
  if (argv[0] !== "affected") return undefined;
  let dir = ".";
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") break;
    if (arg === "--cwd" && i + 1 < argv.length) dir = argv[++i]!;
    else if (arg.startsWith("--cwd=")) dir = arg.slice("--cwd=".length);
  }
  const cwd = resolve(process.cwd(), dir);
  const args = ["rev-parse", "--show-toplevel", "--verify", "-q", "HEAD^{commit}"];
  const result = new Promise<{ failed: boolean; stdout: string }>((done) => {
    try {
      execFile("git", args, { cwd }, (error, stdout) => done({ failed: !!error, stdout }));
    } catch {
      done({ failed: true, stdout: "" });
    }
  });
  return { cwd, args, result };
}

/** Writes the code cache (build only); a failure is a warning, never the run's exit code. */
function writeCodeCache(out: string, sum: number, script: Script): void {
  const temp = `${out}.${process.pid}.tmp`;
  try {
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt32LE(MAGIC, 0);
    header.writeUInt32LE(sum, 4);
    writeFileSync(temp, Buffer.concat([header, script.createCachedData()]));
    renameSync(temp, out);
  } catch (error) {
    rmSync(temp, { force: true });
    process.stderr.write(`shipgraph: could not write the code cache ${out}: ${(error as Error).message}\n`);
  }
}

/** A 32-bit checksum of the bundle's bytes (FNV-style, four bytes a step): ~2 ms for 0.9 MB. */
function checksum(bytes: Uint8Array): number {
  const n = bytes.length;
  let h = (0x811c9dc5 ^ n) | 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    h = Math.imul(
      h ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)),
      0x01000193,
    );
    h ^= h >>> 13;
  }
  for (; i < n; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}
