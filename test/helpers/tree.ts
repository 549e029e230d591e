import { createHash } from "node:crypto";
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";

/**
 * path → sha256 of every file in a working tree (symlinks by target), skipping .git and the
 * node_modules link: the proof that a command wrote nothing.
 */
export function treeHashes(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string, prefix: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (prefix === "" && (name === ".git" || name === "node_modules")) continue;
      const abs = join(dir, name);
      const rel = prefix ? `${prefix}/${name}` : name;
      const stat = lstatSync(abs);
      if (stat.isSymbolicLink()) out[rel] = `link:${readlinkSync(abs)}`;
      else if (stat.isDirectory()) walk(abs, rel);
      else out[rel] = createHash("sha256").update(readFileSync(abs)).digest("hex");
    }
  };
  walk(root, "");
  return out;
}

/** Paths whose bytes differ between two treeHashes (added, removed or changed), sorted. */
export function changedBetween(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys({ ...before, ...after })
    .filter((path) => before[path] !== after[path])
    .sort();
}
