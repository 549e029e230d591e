import micromatch from "micromatch";
import { joinRepoPath, normalizeRepoPath, parentDirs } from "../util/paths.js";
import {
  asRecord,
  type DependencyGraph,
  type DirectDependency,
  formatLabel,
  lockfileError,
  type PackageNode,
  stringEntries,
} from "./model.js";
import { parseJsonText } from "./text.js";

const HINT = "run `npm install` to rewrite the lockfile; until then every package counts as affected";

/**
 * The edges of an entry, and whether a missing target is an error. A missing optional dependency
 * was skipped on purpose (another platform), a missing peer is optional or was left out by
 * --legacy-peer-deps: nothing is installed, so nothing can change. A missing regular dependency
 * means the lockfile is broken (or we misread it), and that must not pass as "unchanged".
 */
const PACKAGE_FIELDS = [
  ["dependencies", "required"],
  ["optionalDependencies", "optional"],
  ["peerDependencies", "optional"],
] as const;

/**
 * Project dirs (root, workspaces, linked dirs) also install their devDependencies. Only the root's
 * and the workspaces' must all be there: npm may skip a linked dir's.
 */
const TOP_FIELDS = [...PACKAGE_FIELDS, ["devDependencies", "workspace"]] as const;

/**
 * Reads package-lock.json / npm-shrinkwrap.json, lockfileVersion 2 or 3 (npm 7+): the `packages`
 * map keyed by install location. Each dependency resolves the way Node does: the nearest
 * `node_modules/<name>` from the depending package's dir up to the root. lockfileVersion 1 (npm 6)
 * has no locations for workspaces and throws.
 */
export function parseNpmLockfile(file: string, text: string): DependencyGraph {
  const data = asRecord(parseJsonText(text, file, HINT));
  const version = data?.lockfileVersion;
  if (!data || typeof version !== "number") {
    throw lockfileError(file, "not an npm lockfile (no lockfileVersion)", HINT);
  }
  if (version === 1) {
    throw lockfileError(
      file,
      "lockfileVersion 1 (npm 6) is not supported",
      "regenerate it with npm 7 or later (`npm install --lockfile-version 3`)",
    );
  }
  const packages = asRecord(data.packages);
  if (version > 3 || !packages) {
    throw lockfileError(file, `lockfileVersion ${version} without a known \`packages\` map`, HINT);
  }
  const entry = (key: string): Record<string, unknown> => {
    const value = asRecord(packages[key]);
    if (!value) throw lockfileError(file, `packages[${JSON.stringify(key)}] is not an object`, HINT);
    return value;
  };
  const isWorkspace = workspaceMatcher(entry(""));

  /** The entry Node would load for `name` required from the package at `key`. */
  const locate = (key: string, name: string): string | undefined => {
    for (const dir of [key, ...parentDirs(key)]) {
      if (dir === "node_modules" || dir.endsWith("/node_modules")) continue;
      const candidate = joinRepoPath(dir, `node_modules/${name}`);
      if (Object.hasOwn(packages, candidate)) return candidate;
    }
    return undefined;
  };

  const nodes = new Map<string, PackageNode>();
  const pending: string[] = [];
  /** Node id of an install location: a link's target; undefined for a workspace package (not followed). */
  const visit = (key: string): string | undefined => {
    let id = key;
    const value = entry(key);
    if (value.link === true) {
      if (typeof value.resolved !== "string") throw lockfileError(file, `link ${key} has no target`, HINT);
      id = normalizeRepoPath(value.resolved);
      if (isWorkspace(id)) return undefined;
      entry(id);
    }
    if (!nodes.has(id)) {
      nodes.set(id, { label: "", deps: [], peers: [] });
      pending.push(id);
    }
    return id;
  };

  const edgesOf = (key: string, fields: typeof TOP_FIELDS | typeof PACKAGE_FIELDS): DirectDependency[] => {
    const value = entry(key);
    const out: DirectDependency[] = [];
    for (const [field, kind] of fields) {
      for (const [name] of stringEntries(value[field])) {
        const location = locate(key, name);
        if (location === undefined) {
          if (kind === "optional" || (kind === "workspace" && !isWorkspace(key))) continue;
          throw lockfileError(file, `${key || "the root"} depends on ${name}, which is not installed`, HINT);
        }
        out.push({ name, node: visit(location) });
      }
    }
    return out;
  };

  const importers = new Map<string, DirectDependency[]>();
  for (const key of Object.keys(packages)) {
    // Every location outside node_modules is a project dir: the root, a workspace, a linked dir.
    if (key.split("/").includes("node_modules")) continue;
    importers.set(key, edgesOf(key, TOP_FIELDS));
  }

  for (let key = pending.pop(); key !== undefined; key = pending.pop()) {
    const value = entry(key);
    const isTop = !key.split("/").includes("node_modules");
    const deps = edgesOf(key, isTop ? TOP_FIELDS : PACKAGE_FIELDS)
      .map((d) => d.node)
      .filter((id): id is string => id !== undefined);
    nodes.set(key, { label: labelOf(key, value), deps, peers: [] });
  }
  return { nodes, importers };
}

/**
 * "name@version" plus the integrity, or the resolved URL when there is none (git). An alias
 * (`node_modules/x` holding `name: "y"`) reports the real package. A linked dir outside the
 * workspaces reports "name@file:<dir>": its files are not in the lockfile.
 */
function labelOf(key: string, value: Record<string, unknown>): string {
  const index = key.lastIndexOf("node_modules/");
  const fallback =
    index === -1 ? key.slice(key.lastIndexOf("/") + 1) : key.slice(index + "node_modules/".length);
  const name = typeof value.name === "string" ? value.name : fallback;
  if (index === -1) return `${name}@file:${key}`;
  const version = typeof value.version === "string" ? value.version : "unknown";
  const fingerprint =
    typeof value.integrity === "string"
      ? value.integrity
      : typeof value.resolved === "string"
        ? value.resolved
        : undefined;
  return formatLabel(name, version, fingerprint);
}

/**
 * True for a dir that is one of the root's workspaces (`workspaces` globs, array or
 * `{packages}` form) or the root itself: those are graph nodes of their own. A linked dir that
 * no glob matches (`file:../lib`, `file:vendor/x`) is followed like any external package.
 */
function workspaceMatcher(root: Record<string, unknown>): (dir: string) => boolean {
  const field = root.workspaces;
  const list = Array.isArray(field) ? field : asRecord(field)?.packages;
  const globs = (Array.isArray(list) ? list : [])
    .filter((glob): glob is string => typeof glob === "string")
    .map((glob) => (glob.startsWith("!") ? `!${normalizeRepoPath(glob.slice(1))}` : normalizeRepoPath(glob)));
  const positive = globs.filter((glob) => !glob.startsWith("!"));
  const negative = globs.filter((glob) => glob.startsWith("!")).map((glob) => glob.slice(1));
  return (dir) =>
    dir === "" ||
    (positive.length > 0 &&
      micromatch.isMatch(dir, positive) &&
      !(negative.length > 0 && micromatch.isMatch(dir, negative)));
}
