import { posix } from "node:path";
import { normalizeRepoPath } from "../util/paths.js";
import {
  type DependencyGraph,
  type DirectDependency,
  formatLabel,
  lockfileError,
  type PackageNode,
  splitNameAt,
  stringEntries,
} from "./model.js";

const HINT = "run `yarn install` to rewrite yarn.lock; until then every package counts as affected";

/** The manifest fields yarn classic installs for a workspace package (and for the root). */
const MANIFEST_FIELDS = ["dependencies", "devDependencies", "optionalDependencies"] as const;

/** The edges of a lockfile entry (yarn classic records no peers). */
const ENTRY_FIELDS = ["dependencies", "optionalDependencies"] as const;

/** One entry of a yarn classic lockfile: the patterns that share it and its fields. */
export interface YarnClassicEntry {
  /** The "name@range" patterns of the header line. */
  patterns: string[];
  /** 1-based line of the header. */
  line: number;
  /** `version`, `resolved`, `integrity`, … */
  values: Map<string, string>;
  /** `dependencies`, `optionalDependencies`: name → range. */
  blocks: Map<string, Map<string, string>>;
}

/** True when the text is a yarn classic lockfile (yarn writes this comment on its second line). */
export function isYarnClassic(text: string): boolean {
  return /^# yarn lockfile v1\s*$/m.test(text);
}

/**
 * Parses yarn classic's own format: `"a@^1.0.0", a@~1.0.0:` headers at column 0, two-space
 * indented `key value` lines, one level of `dependencies:` blocks. Strings are bare or
 * JSON-quoted. Anything else (a merge-conflict marker, a deeper level, a tab) throws.
 */
export function parseYarnClassicText(text: string, file: string): YarnClassicEntry[] {
  const entries: YarnClassicEntry[] = [];
  let entry: YarnClassicEntry | undefined;
  let block: Map<string, string> | undefined;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const fail = (why: string) => lockfileError(file, why, HINT, line);
    const content = raw.trim();
    if (content === "" || content.startsWith("#")) return;
    const indent = raw.length - raw.trimStart().length;
    if (raw.slice(0, indent).includes("\t") || indent % 2 !== 0) throw fail("unexpected indentation");
    const depth = indent / 2;
    const header = content.endsWith(":");
    if (depth === 0) {
      if (!header) throw fail(`expected an entry header ("name@range:"), got ${JSON.stringify(content)}`);
      entry = {
        patterns: splitHeader(content.slice(0, -1), fail),
        line,
        values: new Map(),
        blocks: new Map(),
      };
      entries.push(entry);
      block = undefined;
    } else if (depth === 1 && entry) {
      if (header) {
        const [key, end] = readToken(content, 0, ":", fail);
        if (end !== content.length - 1) throw fail("malformed block header");
        block = new Map();
        entry.blocks.set(key, block);
      } else {
        const [key, value] = readPair(content, fail);
        entry.values.set(key, value);
        block = undefined;
      }
    } else if (depth === 2 && block && !header) {
      const [key, value] = readPair(content, fail);
      block.set(key, value);
    } else {
      throw fail("unexpected nesting");
    }
  });
  return entries;
}

/**
 * Builds the graph of a yarn classic lockfile. The lockfile lists no importers, so their direct
 * dependencies come from `manifests` (importer dir → package.json). A dependency with no entry is
 * a workspace package when one of the manifests has that name (yarn links those); otherwise the
 * lockfile is out of date, which throws.
 */
export function parseYarnClassicLockfile(
  file: string,
  text: string,
  manifests: ReadonlyMap<string, Record<string, unknown>>,
): DependencyGraph {
  const byPattern = new Map<string, YarnClassicEntry>();
  for (const entry of parseYarnClassicText(text, file)) {
    for (const pattern of entry.patterns) {
      if (byPattern.has(pattern)) throw lockfileError(file, `${pattern} has two entries`, HINT, entry.line);
      byPattern.set(pattern, entry);
    }
  }
  const workspaceNames = new Set<string>();
  const workspaceDirs = new Set<string>();
  for (const [dir, manifest] of manifests) {
    workspaceDirs.add(normalizeRepoPath(dir));
    if (typeof manifest.name === "string") workspaceNames.add(manifest.name);
  }

  const nodes = new Map<string, PackageNode>();
  const pending: YarnClassicEntry[] = [];
  const idOf = (entry: YarnClassicEntry) => entry.patterns.join(", ");

  /** The node a `name: range` dependency resolves to; undefined for a workspace package or link. */
  const resolve = (
    from: string,
    fromDir: string | undefined,
    name: string,
    range: string,
  ): string | undefined => {
    if (range.startsWith("workspace:")) return undefined;
    const patterns = [`${name}@${range}`];
    if (range === "") patterns.push(`${name}@*`);
    const local = /^(file|link):(.*)$/.exec(range);
    if (local && fromDir !== undefined) {
      const target = normalizeRepoPath(posix.join(fromDir, local[2]!));
      // A file:/link: dependency on a workspace dir is that workspace package.
      if (workspaceDirs.has(target)) return undefined;
      // yarn writes a manifest's local path relative to the lockfile's dir (the root).
      patterns.unshift(`${name}@${local[1]}:${target}`);
    }
    const entry = patterns.map((pattern) => byPattern.get(pattern)).find((e) => e !== undefined);
    if (!entry) {
      // yarn links a workspace package without an entry; a link: without one installs nothing.
      if (workspaceNames.has(name) || range.startsWith("link:")) return undefined;
      throw lockfileError(
        file,
        `${from} depends on ${name}@${range}, which the lockfile does not contain`,
        HINT,
      );
    }
    const id = idOf(entry);
    if (!nodes.has(id)) {
      nodes.set(id, { label: "", deps: [], peers: [] });
      pending.push(entry);
    }
    return id;
  };

  const importers = new Map<string, DirectDependency[]>();
  for (const [rawDir, manifest] of manifests) {
    const dir = normalizeRepoPath(rawDir);
    const from = `${dir ? `${dir}/` : ""}package.json`;
    const direct: DirectDependency[] = [];
    for (const field of MANIFEST_FIELDS) {
      for (const [name, range] of stringEntries(manifest[field])) {
        direct.push({ name, node: resolve(from, dir, name, range) });
      }
    }
    importers.set(dir, direct);
  }

  for (let entry = pending.pop(); entry !== undefined; entry = pending.pop()) {
    const id = idOf(entry);
    const deps: string[] = [];
    for (const field of ENTRY_FIELDS) {
      for (const [name, range] of entry.blocks.get(field) ?? []) {
        const dep = resolve(id, undefined, name, range);
        if (dep !== undefined) deps.push(dep);
      }
    }
    nodes.set(id, { label: labelOf(file, entry), deps, peers: [] });
  }
  return { nodes, importers };
}

/**
 * "name@version integrity", or the resolved URL (which carries a hash) in lockfiles without
 * integrity, or the range for a local dir ("file:vendor/x"), whose files the lockfile does not hash.
 */
function labelOf(file: string, entry: YarnClassicEntry): string {
  const version = entry.values.get("version");
  const split = splitNameAt(entry.patterns[0] ?? "");
  if (version === undefined || !split) throw lockfileError(file, "entry without a version", HINT, entry.line);
  // An alias ("ms-old@npm:ms@2.0.0") installs the package after "npm:".
  const alias = split.rest.startsWith("npm:") ? splitNameAt(split.rest.slice("npm:".length)) : undefined;
  const fingerprint = entry.values.get("integrity") ?? entry.values.get("resolved") ?? split.rest;
  return formatLabel(alias?.name ?? split.name, version, fingerprint);
}

/** `"a@^1.0.0", a@~1.0.0` → ["a@^1.0.0", "a@~1.0.0"]. */
function splitHeader(text: string, fail: (why: string) => Error): string[] {
  const patterns: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (text[i] === " ") i++;
    const [pattern, next] = readToken(text, i, ",", fail);
    patterns.push(pattern);
    i = next;
    while (text[i] === " ") i++;
    if (i < text.length && text[i] !== ",") throw fail("malformed entry header");
    i++;
  }
  if (patterns.length === 0) throw fail("empty entry header");
  return patterns;
}

/** `key value`, each bare or quoted. */
function readPair(text: string, fail: (why: string) => Error): [string, string] {
  const [key, afterKey] = readToken(text, 0, " ", fail);
  let i = afterKey;
  while (text[i] === " ") i++;
  if (i === afterKey || i >= text.length) throw fail("expected `key value`");
  const [value, end] = readToken(text, i, " ", fail);
  if (end !== text.length) throw fail("expected `key value`");
  return [key, value];
}

/** A JSON-quoted string, or bare characters up to `stop`; returns the string and the index after it. */
function readToken(
  text: string,
  start: number,
  stop: string,
  fail: (why: string) => Error,
): [string, number] {
  if (text[start] === '"') {
    let end = start + 1;
    while (end < text.length && text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
    if (end >= text.length) throw fail("unterminated string");
    try {
      return [JSON.parse(text.slice(start, end + 1)) as string, end + 1];
    } catch {
      throw fail("malformed string");
    }
  }
  let end = start;
  while (end < text.length && text[end] !== stop && text[end] !== " ") end++;
  if (end === start) throw fail("expected a value");
  return [text.slice(start, end), end];
}
