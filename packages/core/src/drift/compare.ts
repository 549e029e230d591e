import { type Dirent, lstatSync, readdirSync, readFileSync, type Stats } from "node:fs";
import { join } from "node:path";
import { anyGlobMatcher, globBase } from "../graph/owners.js";
import { compareStrings } from "../util/sort.js";

/** The result of comparing generated outputs with the checked-in tree, sorted. */
export interface OutputComparison {
  /** In both, with different bytes. */
  modified: string[];
  /** Generated, not in the tree. */
  missing: string[];
  /** In the tree under the outputs, no longer generated. */
  stale: string[];
}

/** A matcher for a generator's `outputs` globs. */
export function outputMatcher(outputs: readonly string[]): (path: string) => boolean {
  return anyGlobMatcher(outputs);
}

/** Files under `root` (repo-relative posix paths) that match the outputs, found from the globs' bases. (I/O) */
export function listGenerated(root: string, outputs: readonly string[]): string[] {
  const matches = outputMatcher(outputs);
  const found = new Set<string>();
  for (const base of new Set(outputs.map(globBase))) {
    for (const path of walk(root, base)) if (matches(path)) found.add(path);
  }
  return [...found].sort(compareStrings);
}

function walk(root: string, dir: string): string[] {
  const out: string[] = [];
  let entries: Dirent[];
  try {
    entries = readdirSync(join(root, dir), { withFileTypes: true });
  } catch {
    // the base does not exist (nothing generated there), or it is a file: an output named by its
    // path ("VERSION.txt", "gen/out/a.txt") is a generated file like any other
    let stats: Stats | undefined;
    try {
      stats = lstatSync(join(root, dir));
    } catch {
      stats = undefined;
    }
    return dir !== "" && stats !== undefined && !stats.isDirectory() ? [dir] : out;
  }
  for (const entry of entries) {
    const path = dir === "" ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      if (entry.name === ".git" || entry.name === "node_modules") continue;
      out.push(...walk(root, path));
    } else {
      out.push(path);
    }
  }
  return out;
}

/**
 * Compares generated files (in the sandbox) with the tree's files under the same outputs.
 * `treeFiles` are the tree's paths that match the outputs; `readTree` gives their bytes. (I/O)
 */
export async function compareOutputs(
  sandboxDir: string,
  generated: readonly string[],
  treeFiles: readonly string[],
  readTree: (paths: readonly string[]) => Promise<Map<string, Buffer>>,
): Promise<OutputComparison & { contents: Map<string, { generated: Buffer; tree?: Buffer }> }> {
  const tree = await readTree(treeFiles);
  const generatedSet = new Set(generated);
  const modified: string[] = [];
  const missing: string[] = [];
  const contents = new Map<string, { generated: Buffer; tree?: Buffer }>();
  for (const path of generated) {
    const bytes = readFileSync(join(sandboxDir, path));
    const existing = tree.get(path);
    if (existing === undefined) {
      missing.push(path);
      contents.set(path, { generated: bytes });
    } else if (!existing.equals(bytes)) {
      modified.push(path);
      contents.set(path, { generated: bytes, tree: existing });
    }
  }
  const stale = treeFiles.filter((path) => !generatedSet.has(path) && tree.has(path));
  return { modified, missing, stale: [...stale].sort(compareStrings), contents };
}
