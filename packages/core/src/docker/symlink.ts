import { posix } from "node:path";
import { joinRepoPath } from "../util/paths.js";

/** The literal leading segments of a context-relative pattern (those before the first wildcard). */
function literalSegments(pattern: string): string[] {
  const parts = pattern.split("/");
  const wild = parts.findIndex((part) => /[*?[]/.test(part));
  return wild === -1 ? parts : parts.slice(0, wild);
}

/**
 * The repo paths whose being a symbolic link changes what a COPY source reads: each literal
 * prefix of the pattern, under the context. Pure.
 */
export function symlinkCandidates(context: string, pattern: string): string[] {
  if (pattern === ".") return [];
  const literal = literalSegments(pattern);
  return literal.map((_, i) => joinRepoPath(context, literal.slice(0, i + 1).join("/")));
}

/**
 * A COPY source that is, or lies under, a symbolic link of the context reads what the link points
 * to: the target as a context-relative pattern (BuildKit resolves links inside the context root:
 * an absolute target is relative to it, and ".." cannot leave it). Undefined when no literal
 * prefix of the pattern is a link. Pure.
 */
export function throughSymlink(
  context: string,
  pattern: string,
  symlinks: ReadonlyMap<string, string>,
): { pattern: string; via: string } | undefined {
  if (symlinks.size === 0 || pattern === ".") return undefined;
  const parts = pattern.split("/");
  const literal = literalSegments(pattern);
  for (let i = 1; i <= literal.length; i++) {
    const prefix = parts.slice(0, i).join("/");
    const target = symlinks.get(joinRepoPath(context, prefix));
    if (target === undefined) continue;
    const base = target.startsWith("/") ? "" : prefix.split("/").slice(0, -1).join("/");
    const resolved = posix
      .normalize(joinRepoPath(base, target.replace(/^\/+/, "")))
      .split("/")
      .filter((segment) => segment !== ".." && segment !== "." && segment !== "")
      .join("/");
    const linked = [resolved, parts.slice(i).join("/")].filter((p) => p !== "").join("/");
    return { pattern: linked === "" ? "." : linked, via: `${joinRepoPath(context, prefix)} → ${target}` };
  }
  return undefined;
}

/** Every pattern a source reads through chains of links (at most 8 hops, as a loop guard). Pure. */
export function followSymlinks(
  context: string,
  pattern: string,
  symlinks: ReadonlyMap<string, string>,
): { pattern: string; via: string }[] {
  const out: { pattern: string; via: string }[] = [];
  const seen = new Set([pattern]);
  let current = pattern;
  const vias: string[] = [];
  for (let hop = 0; hop < 8; hop++) {
    const link = throughSymlink(context, current, symlinks);
    if (!link || seen.has(link.pattern)) break;
    seen.add(link.pattern);
    vias.push(link.via);
    out.push({ pattern: link.pattern, via: vias.join(", ") });
    current = link.pattern;
  }
  return out;
}
