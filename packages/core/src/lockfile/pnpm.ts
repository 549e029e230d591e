import { leavesRoot, normalizeRepoPath } from "../util/paths.js";
import { stableStringify } from "../util/sort.js";
import {
  asRecord,
  type DependencyGraph,
  type DirectDependency,
  formatLabel,
  lockfileError,
  type PackageNode,
  splitNameAt,
} from "./model.js";
import { parseYamlDocuments } from "./text.js";

const HINT = "run `pnpm install` to rewrite pnpm-lock.yaml; until then every package counts as affected";

/** The importer fields pnpm installs. peerDependencies of an importer are not installed for it. */
const IMPORTER_FIELDS = ["dependencies", "devDependencies", "optionalDependencies"] as const;

/** The edges of a package entry. Resolved peers are already among them (as dependencies or optionalDependencies). */
const PACKAGE_FIELDS = ["dependencies", "optionalDependencies"] as const;

/**
 * Reads pnpm-lock.yaml: lockfileVersion 5.x (pnpm 7: `/name/version_peers` keys, flat importer
 * versions), 6.x (pnpm 8: `/name@version(peers)` keys, `{specifier, version}` importers) and 9.x
 * (pnpm 9/10: `packages` holds the metadata, `snapshots` the edges, keys without the leading slash).
 * Other versions throw: a format we do not know could hide a change.
 */
export function parsePnpmLockfile(file: string, text: string): DependencyGraph {
  // pnpm 11+ may write an "env" document (config dependencies, pnpm itself) before the project's
  // lockfile; the project's graph is always the last document.
  const documents = parseYamlDocuments(text, file, HINT);
  const data = asRecord(documents.at(-1));
  const version = data?.lockfileVersion;
  if (!data || typeof version !== "string") {
    throw lockfileError(file, "not a pnpm lockfile (no lockfileVersion)", HINT);
  }
  const major = Number.parseInt(version, 10);
  if (major !== 5 && major !== 6 && major !== 9) {
    throw lockfileError(
      file,
      `pnpm lockfileVersion ${version} is not supported (5.x, 6.x and 9.x are)`,
      "regenerate the lockfile with pnpm 7-10, or update shipgraph",
    );
  }
  const packages = asRecord(data.packages) ?? {};
  // v9 keeps edges in `snapshots` (keys carry the peer suffix) and metadata in `packages`.
  const snapshots = major >= 9 ? (asRecord(data.snapshots) ?? {}) : packages;
  // Non-workspace lockfiles before v9 have no `importers`: the root's fields are top-level.
  const importerData = asRecord(data.importers) ?? { ".": data };
  const importerDirs = new Set(Object.keys(importerData).map((dir) => normalizeRepoPath(dir)));

  const metaOf = (key: string): Record<string, unknown> => {
    const meta =
      major >= 9
        ? (asRecord(packages[stripPeerSuffix(key)]) ?? asRecord(packages[key]))
        : asRecord(packages[key]);
    if (!meta) throw lockfileError(file, `snapshot ${key} has no entry in packages`, HINT);
    return meta;
  };

  /**
   * The table key a dependency reference points at; undefined for a workspace package (not
   * followed). The directory of a `link:` (relative to `dir`: an importer's own directory; the
   * root for a package's) or of a directory package goes to `links`; one outside the repository
   * is dropped.
   */
  const resolve = (
    from: string,
    name: string,
    ref: string,
    dir: string,
    links: string[],
  ): string | undefined => {
    // link: is a workspace package or a directory outside the lockfile's knowledge: no entry to follow.
    if (ref.startsWith("link:")) {
      const target = ref.slice("link:".length).replace(/\\/g, "/");
      if (!target.startsWith("/") && !/^[a-zA-Z]:/.test(target)) {
        const path = normalizeRepoPath(`${dir === "" ? "." : dir}/${target}`);
        if (!leavesRoot(path)) links.push(path);
      }
      return undefined;
    }
    // An alias or non-registry dependency refers to the full key; a plain version needs the name.
    const candidates = major >= 9 ? [ref, `${name}@${ref}`] : [ref, `/${name}@${ref}`, `/${name}/${ref}`];
    const key = candidates.find((candidate) => Object.hasOwn(snapshots, candidate));
    if (key === undefined) {
      throw lockfileError(
        file,
        `${from} depends on ${name}@${ref}, which the lockfile does not contain`,
        HINT,
      );
    }
    // A directory (`file:vendor/x`, resolution {type: directory}) installs its files, of which the
    // lockfile keeps no digest: its path goes to `links` (what a hook gives a package this way shows
    // nowhere else). An injected workspace package (`file:packages/a`) is still the workspace
    // package: its own importer entry covers it, not followed.
    const resolution = asRecord(metaOf(key).resolution);
    if (resolution?.type === "directory" && typeof resolution.directory === "string") {
      const directory = normalizeRepoPath(resolution.directory);
      if (!leavesRoot(directory)) links.push(directory);
      if (importerDirs.has(directory)) return undefined;
    }
    return key;
  };

  const nodes = new Map<string, PackageNode>();
  const pending: string[] = [];
  const visit = (key: string | undefined): string | undefined => {
    if (key !== undefined && !nodes.has(key)) {
      nodes.set(key, { label: "", deps: [], peers: [] });
      pending.push(key);
    }
    return key;
  };

  const importers = new Map<string, DirectDependency[]>();
  const importerLinks = new Map<string, string[]>();
  for (const [dir, value] of Object.entries(importerData)) {
    const record = asRecord(value) ?? {};
    const from = `importer ${dir}`;
    const importerDir = normalizeRepoPath(dir);
    const direct: DirectDependency[] = [];
    const links: string[] = [];
    for (const field of IMPORTER_FIELDS) {
      for (const [name, spec] of Object.entries(asRecord(record[field]) ?? {})) {
        // v5 writes the version as a string; v6+ as {specifier, version}.
        const ref = typeof spec === "string" ? spec : asRecord(spec)?.version;
        if (typeof ref !== "string") {
          throw lockfileError(file, `${from}: ${field}.${name} has no version`, HINT);
        }
        direct.push({ name, node: visit(resolve(from, name, ref, importerDir, links)) });
      }
    }
    importers.set(importerDir, direct);
    if (links.length > 0) importerLinks.set(importerDir, links);
  }

  for (let key = pending.pop(); key !== undefined; key = pending.pop()) {
    const edges = asRecord(snapshots[key]) ?? {};
    const meta = metaOf(key);
    const deps: string[] = [];
    const links: string[] = [];
    for (const field of PACKAGE_FIELDS) {
      for (const [name, ref] of Object.entries(asRecord(edges[field]) ?? {})) {
        if (typeof ref !== "string")
          throw lockfileError(file, `${key}: ${field}.${name} is not a string`, HINT);
        // (a package's link: is relative to the lockfile's directory, not to the package)
        const id = visit(resolve(key, name, ref, "", links));
        if (id !== undefined) deps.push(id);
      }
    }
    const label = labelOf(file, key, meta, major);
    nodes.set(key, links.length > 0 ? { label, deps, peers: [], links } : { label, deps, peers: [] });
  }
  // pnpm 9.5+: what each catalog entry in use resolved (`catalogs: {default: {react: {specifier}}}`);
  // a specifier that is not a string reads as "", which matches no catalog entry
  const catalogs = new Map<string, Map<string, string>>();
  for (const [name, catalog] of Object.entries(asRecord(data.catalogs) ?? {})) {
    const entries = new Map<string, string>();
    for (const [alias, entry] of Object.entries(asRecord(catalog) ?? {})) {
      const specifier = asRecord(entry)?.specifier;
      entries.set(alias, typeof specifier === "string" ? specifier : "");
    }
    catalogs.set(name, entries);
  }
  return {
    nodes,
    importers,
    importerLinks,
    ...(catalogs.size > 0 ? { catalogs } : {}),
    ...(documents.length > 1 ? { env: stableStringify(documents.slice(0, -1)) } : {}),
    // (the failsafe schema reads every scalar as a string)
    ...(asRecord(data.settings)?.excludeLinksFromLockfile === "true" ? { linksExcluded: true as const } : {}),
  };
}

/**
 * "name@<key without the name>" (so peer and patch suffixes count: a new patch hash is a different
 * package), plus the integrity, or the whole resolution when there is none (git, tarball URL).
 */
function labelOf(file: string, key: string, meta: Record<string, unknown>, major: number): string {
  const depPath = key.startsWith("/") ? key.slice(1) : key;
  const name = typeof meta.name === "string" ? meta.name : splitDepPath(depPath, major)?.name;
  if (name === undefined) throw lockfileError(file, `cannot read the package name from ${key}`, HINT);
  const separator = major >= 6 ? "@" : "/";
  const version = depPath.startsWith(`${name}${separator}`) ? depPath.slice(name.length + 1) : depPath;
  const resolution = asRecord(meta.resolution);
  let fingerprint: string | undefined;
  if (typeof resolution?.integrity === "string") fingerprint = resolution.integrity;
  else if (resolution && resolution.type !== "directory") fingerprint = stableStringify(resolution);
  return formatLabel(name, version, fingerprint);
}

/** v6+: "name@version(peers)"; v5: "name/version_peers" (scoped names have one more slash). */
function splitDepPath(depPath: string, major: number): { name: string } | undefined {
  if (major >= 6) return splitNameAt(depPath);
  const slash = depPath.indexOf("/", depPath.startsWith("@") ? depPath.indexOf("/") + 1 : 0);
  return slash > 0 ? { name: depPath.slice(0, slash) } : undefined;
}

/** "debug@4.3.4(supports-color@8.1.1)" → "debug@4.3.4": the v9 `packages` key of a snapshot. */
function stripPeerSuffix(key: string): string {
  const paren = key.indexOf("(");
  return paren === -1 ? key : key.slice(0, paren);
}
