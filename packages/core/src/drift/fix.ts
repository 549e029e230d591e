import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { randomBytes } from "../util/crypto.js";
import type { GeneratorDrift } from "./index.js";

/**
 * The only code that writes to the working tree, reached only through `--fix`: writes each
 * modified or missing output (atomically: a temp file beside it, then rename) and deletes stale
 * ones. Every path it touches came from the generator's `outputs`. (I/O)
 */
export async function applyFix(root: string, sandboxDir: string, result: GeneratorDrift): Promise<void> {
  for (const path of [...result.modified, ...result.missing]) {
    const target = join(root, path);
    mkdirSync(dirname(target), { recursive: true });
    const temp = `${target}.shipgraph-${randomBytes(6).toString("hex")}.tmp`;
    const source = join(sandboxDir, path);
    try {
      writeFileSync(temp, readFileSync(source), { mode: statSync(source).mode & 0o777 });
      renameSync(temp, target);
    } finally {
      rmSync(temp, { force: true });
    }
  }
  for (const path of result.stale) rmSync(join(root, path), { force: true });
}
