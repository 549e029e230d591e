import { lstatSync, readlinkSync, realpathSync } from "node:fs";
import { basename, dirname, isAbsolute, join, sep } from "node:path";

/** Links followed before giving up, as the kernel does (ELOOP). */
const MAX_HOPS = 40;

/**
 * Where a write to `path` would land on disk: its real path, following every symbolic link on
 * the way, also a dangling one (writing through it creates its target) and those in the part that
 * does not exist yet. `..` after a link is its target's parent, as the kernel resolves it.
 * Undefined for a link loop: nothing can be written through one. (I/O)
 */
export function landingPath(path: string, hops = 0): string | undefined {
  if (hops > MAX_HOPS) return undefined;
  try {
    return realpathSync(path);
  } catch {
    // missing (or a loop, or a dangling link): resolved step by step below
  }
  let target: string | undefined;
  try {
    if (lstatSync(path).isSymbolicLink()) target = readlinkSync(path);
  } catch {
    target = undefined; // nothing there
  }
  // (not path.join: it would drop "x/.." before x is resolved)
  if (target !== undefined)
    return landingPath(isAbsolute(target) ? target : `${dirname(path)}/${target}`, hops + 1);
  const parent = dirname(path);
  if (parent === path) return path;
  const landed = landingPath(parent, hops);
  return landed === undefined ? undefined : join(landed, basename(path));
}

/** True when the absolute `path` is `dir` or lies under it. Pure. */
export function isWithin(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : `${dir}${sep}`);
}
