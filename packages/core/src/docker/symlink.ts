import { posix } from "node:path";
import { compileCopySource, escapePattern, hasWildcard, unescapePattern } from "../discover/dockerignore.js";
import { joinRepoPath, lowerBound } from "../util/paths.js";

/**
 * The literal leading segments of a context-relative pattern (those before the first wildcard),
 * as the names they match (escapes removed).
 */
function literalSegments(pattern: string): string[] {
  const parts = pattern.split("/");
  const wild = parts.findIndex(hasWildcard);
  return (wild === -1 ? parts : parts.slice(0, wild)).map(unescapePattern);
}

/**
 * The pattern as BuildKit matches it against the paths a link may be at: segment by segment
 * (filepath.Match), where `**` is `*`, one segment (`COPY libs/** .` copies what `libs/shared`
 * points to; a link deeper, inside a directory it copies, is copied as a link). A `--parents`
 * source's `**` reaches deeper, but a link it matches is copied as a link. Pure.
 */
function oneSegmentStars(pattern: string): string {
  let out = "";
  let star = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "\\") {
      out += pattern.slice(i, i + 2);
      i++;
    } else if (ch !== "*" || !star) out += ch;
    star = ch === "*";
  }
  return out;
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
 * The tracked paths (of `files`, sorted) a wildcard source may read through as links: those
 * below its literal segments whose segments match the pattern's first ones (a `**` one segment:
 * see oneSegmentStars), no deeper than the pattern. BuildKit resolves the wildcards on the
 * context's entries and follows a link the whole pattern matched (`COPY libs/**` with
 * `libs/shared` a link). One matched by the first segments only is not walked into, but a
 * `*` here may stand for a platform variable (a plain name in the build): `COPY
 * dist/${TARGETARCH}/cli` with `dist/amd64` a link to `../build/amd64` copies build/amd64/cli. Pure.
 */
export function wildcardLinkCandidates(context: string, pattern: string, files: readonly string[]): string[] {
  const segments = oneSegmentStars(pattern).split("/");
  const literals = literalSegments(pattern);
  const literal = literals.length;
  if (literal === segments.length) return [];
  const base = joinRepoPath(context, literals.join("/"));
  const prefix = base === "" ? "" : `${base}/`;
  const skip = context === "" ? 0 : context.length + 1;
  const matchers: ((path: string) => boolean)[] = [];
  const out: string[] = [];
  for (let i = lowerBound(files, prefix); i < files.length && files[i]!.startsWith(prefix); i++) {
    const relative = files[i]!.slice(skip);
    // (git stores a link as a file: the directories above a file are no links)
    const depth = relative.split("/").length;
    if (depth <= literal || depth > segments.length) continue;
    matchers[depth] ??= compileCopySource(segments.slice(0, depth).join("/"));
    if (matchers[depth]!(relative)) out.push(files[i]!);
  }
  return out;
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
    const prefix = literal.slice(0, i).join("/");
    const target = symlinks.get(joinRepoPath(context, prefix));
    if (target === undefined) continue;
    return throughLink(context, prefix, target, parts.slice(i));
  }
  return undefined;
}

/**
 * What a source reads through links (see throughSymlink): through a literal prefix that is one,
 * that one; else, for a wildcard source, through each link its wildcards match (see
 * wildcardLinkCandidates), sorted by pattern. Pure.
 */
export function throughSymlinks(
  context: string,
  pattern: string,
  symlinks: ReadonlyMap<string, string>,
): { pattern: string; via: string }[] {
  const literal = throughSymlink(context, pattern, symlinks);
  if (literal !== undefined) return [literal];
  if (symlinks.size === 0 || !hasWildcard(pattern)) return [];
  const parts = pattern.split("/");
  const out: { pattern: string; via: string }[] = [];
  for (const path of wildcardLinkCandidates(context, pattern, [...symlinks.keys()].sort())) {
    const relative = context === "" ? path : path.slice(context.length + 1);
    const depth = relative.split("/").length;
    out.push(throughLink(context, relative, symlinks.get(path)!, parts.slice(depth)));
  }
  return out.sort((a, b) => (a.pattern < b.pattern ? -1 : a.pattern > b.pattern ? 1 : 0));
}

/**
 * The pattern `rest` (pattern segments) reads below the link at context-relative `link` (a path)
 * to `target`. Pure.
 */
function throughLink(
  context: string,
  link: string,
  target: string,
  rest: readonly string[],
): { pattern: string; via: string } {
  const base = target.startsWith("/") ? "" : link.split("/").slice(0, -1).join("/");
  const resolved = posix
    .normalize(joinRepoPath(base, target.replace(/^\/+/, "")))
    .split("/")
    .filter((segment) => segment !== ".." && segment !== "." && segment !== "")
    .join("/");
  const linked = [escapePattern(resolved), rest.join("/")].filter((p) => p !== "").join("/");
  return { pattern: linked === "" ? "." : linked, via: `${joinRepoPath(context, link)} → ${target}` };
}

/**
 * Every pattern a source reads through chains of links (at most 8 hops, as a loop guard), each
 * with the links it went through. Pure.
 */
export function followSymlinks(
  context: string,
  pattern: string,
  symlinks: ReadonlyMap<string, string>,
): { pattern: string; via: string }[] {
  const out: { pattern: string; via: string }[] = [];
  const seen = new Set([pattern]);
  let frontier = [{ pattern, vias: [] as string[] }];
  for (let hop = 0; hop < 8 && frontier.length > 0; hop++) {
    const next: typeof frontier = [];
    for (const { pattern: current, vias } of frontier) {
      for (const link of throughSymlinks(context, current, symlinks)) {
        if (seen.has(link.pattern)) continue;
        seen.add(link.pattern);
        const chain = [...vias, link.via];
        out.push({ pattern: link.pattern, via: chain.join(", ") });
        next.push({ pattern: link.pattern, vias: chain });
      }
    }
    frontier = next;
  }
  return out;
}
