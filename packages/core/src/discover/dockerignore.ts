import { posix } from "node:path";

/**
 * .dockerignore with Docker's own semantics (moby/patternmatcher): `#` comments, `!` re-includes,
 * patterns cleaned and made relative, `*` and `?` within one path segment, `**` across segments,
 * and a pattern that matches a directory excludes everything under it. The last matching
 * pattern wins.
 */
export function parseDockerignore(text: string): string[] {
  const patterns: string[] = [];
  // (a UTF-8 byte-order mark before the first line is dropped, as moby/patternmatcher's
  // ignorefile.ReadAll does)
  for (const raw of text.replace(/^\uFEFF/, "").split(/\r?\n/)) {
    if (raw.startsWith("#")) continue;
    let line = raw.trim();
    if (line === "") continue;
    let negate = false;
    if (line.startsWith("!")) {
      negate = true;
      line = line.slice(1).trim();
    }
    // "/", "." and "./" stay what they are: patterns that match no path of the context (BuildKit
    // compares them with context-relative paths, none of which is "." or "/"), not "everything"
    let cleaned = posix.normalize(line === "" ? "." : line);
    if (cleaned !== "/") cleaned = cleaned.replace(/^\/+/, "").replace(/\/+$/, "");
    if (cleaned === "") cleaned = "/";
    patterns.push(negate ? `!${cleaned}` : cleaned);
  }
  return patterns;
}

/** Compiles parsed patterns into a predicate over context-relative paths: true = excluded. */
export function compileDockerignore(patterns: readonly string[]): (path: string) => boolean {
  const compiled = patterns.map((p) => {
    const negate = p.startsWith("!");
    return { negate, regex: patternToRegex(negate ? p.slice(1) : p) };
  });
  if (compiled.length === 0) return () => false;
  return (path) => {
    const candidates = [path, ...parents(path)];
    let excluded = false;
    for (const { negate, regex } of compiled) {
      if (candidates.some((c) => regex.test(c))) excluded = !negate;
    }
    return excluded;
  };
}

/**
 * A COPY/ADD wildcard source as a predicate over context-relative paths (true also under a path
 * it matches). BuildKit matches a plain COPY's wildcards segment by segment (fsutil copy's
 * ResolveWildcards, filepath.Match: `src/**.ts` copies `src/a.ts`) and a `--parents` one with
 * patternmatcher (`**` across segments): here a `**` matches any run of characters, `/` too, which
 * holds for both (sound, a little wider than either).
 */
export function compileCopySource(pattern: string): (path: string) => boolean {
  const regex = patternToRegex(pattern, true);
  return (path) => regex.test(path) || parents(path).some((parent) => regex.test(parent));
}

/**
 * Where the first wildcard of a pattern is (`*`, `?` or `[` not escaped by `\`), or -1: as fsutil's
 * containsWildcards and moby/patternmatcher read one.
 */
export function wildcardIndex(pattern: string): number {
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === "\\") i++;
    else if (ch === "*" || ch === "?" || ch === "[") return i;
  }
  return -1;
}

/** True when the pattern holds a wildcard (see wildcardIndex): else it names one path. */
export function hasWildcard(pattern: string): boolean {
  return wildcardIndex(pattern) !== -1;
}

/** A path as the pattern that matches it alone: its `\`, `*`, `?` and `[` escaped. */
export function escapePattern(path: string): string {
  return /[\\*?[]/.test(path) ? path.replace(/[\\*?[]/g, "\\$&") : path;
}

/** The path a pattern without wildcards names: its escapes removed. */
export function unescapePattern(pattern: string): string {
  return pattern.includes("\\") ? pattern.replace(/\\(.?)/g, "$1") : pattern;
}

function parents(path: string): string[] {
  const out: string[] = [];
  let index = path.lastIndexOf("/");
  while (index > 0) {
    out.push(path.slice(0, index));
    index = path.lastIndexOf("/", index - 1);
  }
  return out;
}

function patternToRegex(pattern: string, anyRun = false): RegExp {
  // moby/patternmatcher: a pattern that starts with "**" and holds no other wildcard, class or
  // escape is a suffix match: the path ends with the rest (`**.md` is every .md file at any depth;
  // `**/name` is also `name` itself)
  const suffix = pattern.slice(2);
  if (!anyRun && pattern.startsWith("**") && suffix !== "" && !/[*?[\]\\]/.test(suffix)) {
    const literal = (text: string) => Array.from(text, escapeRegex).join("");
    return suffix.startsWith("/")
      ? new RegExp(`^(?:.*${literal(suffix)}|${literal(suffix.slice(1))})$`)
      : new RegExp(`^.*${literal(suffix)}$`);
  }
  let out = "^";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "*") {
      if (pattern[i + 1] === "*") {
        i++;
        if (pattern[i + 1] === "/") i++;
        out += anyRun || i + 1 >= pattern.length ? ".*" : "(.*/)?";
      } else {
        out += "[^/]*";
      }
    } else if (ch === "?") {
      out += "[^/]";
    } else if (ch === "\\") {
      i++;
      if (i < pattern.length) out += escapeRegex(pattern[i]!);
    } else if (ch === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end === -1) out += "\\[";
      else {
        let body = pattern.slice(i + 1, end);
        if (body.startsWith("^")) body = `^${body.slice(1)}`;
        out += `[${body.replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else {
      out += escapeRegex(ch);
    }
  }
  return new RegExp(`${out}$`);
}

function escapeRegex(ch: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(ch) ? `\\${ch}` : ch;
}
