import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmdirSync,
  rmSync,
  type Stats,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { randomBytes } from "../util/crypto.js";
import { isWithin, landingPath } from "../util/landing-path.js";
import { joinRepoPath, parentDirs } from "../util/paths.js";
import type { DriftFailure, GeneratorDrift } from "./index.js";

/**
 * Why `--fix` cannot apply `result`, found before anything is written: a write or delete whose
 * real path (through the links in its parent directories) is outside the repository, or a path
 * that cannot be written because something that is not a stale output is in the way. Undefined
 * when it can. Reads the tree, writes nothing. (I/O)
 */
export function fixProblem(root: string, result: GeneratorDrift): DriftFailure | undefined {
  const realRoot = realpathSync(root);
  const stale = new Set(result.stale);
  const writes = [...result.modified, ...result.missing];
  for (const path of [...writes, ...result.stale]) {
    const link = linkOut(root, realRoot, path);
    if (link !== undefined) {
      return {
        reason: "link",
        message: `--fix would ${stale.has(path) ? "delete" : "write"} ${path} through the symbolic link ${link.path} (→ ${link.target}), outside the repository: nothing written`,
        hint: `replace the link ${link.path} with a directory in the repository, or set the generator's outputs to files the repository holds`,
      };
    }
  }
  for (const path of result.stale) {
    if (lstatOrUndefined(join(root, path))?.isDirectory()) {
      return conflict(path, `${path} is a directory (a submodule?), which --fix does not delete`);
    }
  }
  for (const path of writes) {
    // (a parent that is a stale file is deleted first; anything else in the way stays)
    for (const dir of parentDirs(path).reverse().slice(1)) {
      const stats = statOrUndefined(join(root, dir));
      if (stats === undefined) break;
      if (!stats.isDirectory() && !stale.has(dir)) {
        return conflict(path, `${dir} is a file, not one of the generator's stale outputs`);
      }
      if (!stats.isDirectory()) break;
    }
    const at = lstatOrUndefined(join(root, path));
    if (at?.isDirectory()) {
      const kept = filesUnder(root, path).find((file) => !stale.has(file));
      if (kept !== undefined) {
        return conflict(
          path,
          `it is a directory holding ${kept}, which is not one of the generator's stale outputs`,
        );
      }
    }
  }
  return undefined;
}

function conflict(path: string, why: string): DriftFailure {
  return {
    reason: "conflict",
    message: `--fix cannot write ${path}: ${why}: nothing written`,
    hint: `move or delete what is in the way of ${path}, then run --fix again`,
  };
}

/** The first parent directory of `path` that is a symbolic link leading out of the repository. (I/O) */
function linkOut(root: string, realRoot: string, path: string): { path: string; target: string } | undefined {
  for (const dir of parentDirs(path).reverse().slice(1)) {
    const abs = join(root, dir);
    const stats = lstatOrUndefined(abs);
    if (stats === undefined) return undefined; // created by --fix: a directory, no link
    if (!stats.isSymbolicLink()) continue;
    const landed = landingPath(abs);
    if (landed === undefined || !isWithin(landed, realRoot)) return { path: dir, target: readlinkSync(abs) };
  }
  return undefined;
}

/** Files and links under the directory `dir` (repo-relative). (I/O) */
function filesUnder(root: string, dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = joinRepoPath(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(root, path));
    else out.push(path);
  }
  return out;
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The only code that writes to the working tree, reached only through `--fix`, once fixProblem
 * finds nothing in the way: deletes stale outputs first (and the directories that leaves empty:
 * a file may have become a directory, or the reverse), then writes each modified or missing one
 * (atomically: a temp file beside it, then rename; a symbolic link as a link). Every path it
 * touches came from the generator's `outputs`. (I/O)
 */
export async function applyFix(root: string, sandboxDir: string, result: GeneratorDrift): Promise<void> {
  for (const path of result.stale) rmSync(join(root, path), { force: true });
  for (const path of result.stale) {
    for (const dir of parentDirs(path).slice(0, -1)) {
      try {
        rmdirSync(join(root, dir));
      } catch {
        break; // not empty (or gone already)
      }
    }
  }
  for (const path of [...result.modified, ...result.missing]) {
    const target = join(root, path);
    mkdirSync(dirname(target), { recursive: true });
    const temp = `${target}.shipgraph-${randomBytes(6).toString("hex")}.tmp`;
    const source = join(sandboxDir, path);
    try {
      const stats = lstatSync(source);
      if (stats.isSymbolicLink()) symlinkSync(readlinkSync(source), temp);
      else writeFileSync(temp, readFileSync(source), { mode: stats.mode & 0o777 });
      // (an empty directory left where the file goes: its stale files were deleted above)
      if (lstatOrUndefined(target)?.isDirectory()) rmdirSync(target);
      renameSync(temp, target);
    } finally {
      rmSync(temp, { force: true });
    }
  }
}
