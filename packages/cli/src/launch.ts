import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { Script } from "node:vm";
import { youngGenerationFlag } from "./heap.js";

/** Built next to this file: the whole CLI as one CommonJS file, and V8's code cache for it. */
const BUNDLE = "shipgraph.cjs";
export const CODE_CACHE = `${BUNDLE}.v8-cache`;

/**
 * Runs the CLI (bin/shipgraph.js calls this) and returns its exit code.
 *
 * The CLI runs on every push, so start-up counts: compiling the 0.9 MB bundle is a third of the
 * time before any work starts. V8 compiles it from a code cache made at build time
 * (scripts/code-cache.mjs runs the CLI once and saves what V8 compiled), which takes ~25-30 ms
 * off every run. V8 checks the cache against its own version, its flags and the source, and
 * ignores it when they differ (another Node.js, NODE_OPTIONS, a changed bundle): then the bundle
 * is compiled as usual. Node 20 has no compile cache of its own (`module.enableCompileCache` is
 * Node 22), and `vm.Script` takes cached data for scripts only, hence a CommonJS bundle.
 *
 * With SHIPGRAPH_CODE_CACHE_OUT set (the build does it), the cache is written there after the run.
 */
export async function launch(): Promise<number> {
  // set before compiling: V8's flags are part of what the code cache must match
  const flag = youngGenerationFlag(process.env, process.execArgv);
  if (flag !== undefined) {
    try {
      setFlagsFromString(flag);
    } catch {
      // a Node.js without the flag: V8's defaults
    }
  }
  const dir = dirname(fileURLToPath(import.meta.url));
  const file = join(dir, BUNDLE);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(join(dir, CODE_CACHE));
  } catch {
    cachedData = undefined; // not built (or removed): compile as usual
  }
  // the CommonJS wrapper, on the bundle's first line so positions in stack traces stay right
  const script = new Script(
    `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, "utf8")}\n})`,
    { filename: file, ...(cachedData ? { cachedData } : {}) },
  );
  const module = { exports: {} as { run?: (codeCache: string) => Promise<number> } };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dir);
  const status = cachedData === undefined ? "absent" : script.cachedDataRejected ? "rejected" : "used";
  const code = await module.exports.run!(status);
  const out = process.env.SHIPGRAPH_CODE_CACHE_OUT;
  if (out) {
    writeFileSync(`${out}.tmp`, script.createCachedData());
    renameSync(`${out}.tmp`, out);
  }
  return code;
}
