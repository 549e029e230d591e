import { normalizeRepoPath } from "../util/paths.js";
import {
  asRecord,
  type DependencyGraph,
  type DirectDependency,
  formatLabel,
  lockfileError,
  type PackageNode,
  splitNameAt,
  stringEntries,
} from "./model.js";

const HINT = "run `yarn install` to rewrite yarn.lock; until then every package counts as affected";

/**
 * Builds the graph of a yarn berry (2+) lockfile, already parsed from YAML. Entries are keyed by
 * one or more descriptors ("debug@npm:4.3.4, debug@npm:^4.3.0"); workspaces are entries resolved
 * to "name@workspace:<dir>", whose `dependencies` (devDependencies merged in) are the importer's
 * direct deps. Peers stay unresolved in the lockfile: they are recorded on the node for
 * dependencyClosure to take from the importer.
 */
export function parseYarnBerryLockfile(file: string, data: Record<string, unknown>): DependencyGraph {
  const byDescriptor = new Map<string, string>();
  for (const key of Object.keys(data)) {
    if (key === "__metadata") continue;
    for (const descriptor of key.split(",")) byDescriptor.set(descriptor.trim(), key);
  }
  const entry = (key: string): { resolution: string; record: Record<string, unknown> } => {
    const record = asRecord(data[key]);
    const resolution = record?.resolution;
    if (!record || typeof resolution !== "string")
      throw lockfileError(file, `${key} has no resolution`, HINT);
    return { resolution, record };
  };

  /** The lockfile key a dependency points at. */
  const find = (fromKey: string, fromResolution: string, name: string, range: string): string => {
    const descriptor = `${name}@${range}`;
    const exact = byDescriptor.get(descriptor);
    if (exact !== undefined) return exact;
    // Relative protocols (file:, link:, portal:, patch: of a local file) are bound to the
    // package that declares them: "x@file:../x::locator=root%40workspace%3A.".
    const bound = byDescriptor.get(`${descriptor}::locator=${encodeURIComponent(fromResolution)}`);
    if (bound !== undefined) return bound;
    const prefixed = [...byDescriptor.keys()].filter((d) => d.startsWith(`${descriptor}::`));
    const only = prefixed.length === 1 ? byDescriptor.get(prefixed[0]!) : undefined;
    if (only !== undefined) return only;
    throw lockfileError(
      file,
      `${fromKey} depends on ${descriptor}, which the lockfile does not contain`,
      HINT,
    );
  };

  const nodes = new Map<string, PackageNode>();
  const pending: string[] = [];
  /** Node id for a lockfile key; undefined for a workspace (not followed). */
  const visit = (key: string): string | undefined => {
    if (workspaceDir(entry(key).resolution) !== undefined) return undefined;
    if (!nodes.has(key)) {
      nodes.set(key, { label: "", deps: [], peers: [] });
      pending.push(key);
    }
    return key;
  };

  const importers = new Map<string, DirectDependency[]>();
  for (const key of Object.keys(data)) {
    if (key === "__metadata") continue;
    const { resolution, record } = entry(key);
    const dir = workspaceDir(resolution);
    if (dir === undefined) continue;
    importers.set(
      dir,
      stringEntries(record.dependencies).map(([name, range]) => ({
        name,
        node: visit(find(key, resolution, name, range)),
      })),
    );
  }

  for (let key = pending.pop(); key !== undefined; key = pending.pop()) {
    const { resolution, record } = entry(key);
    const deps: string[] = [];
    for (const [name, range] of stringEntries(record.dependencies)) {
      const id = visit(find(key, resolution, name, range));
      if (id !== undefined) deps.push(id);
    }
    const peers = Object.keys(asRecord(record.peerDependencies) ?? {});
    const checksum = typeof record.checksum === "string" ? record.checksum : undefined;
    nodes.set(key, { label: labelOf(resolution, checksum), deps, peers });
  }
  return { nodes, importers };
}

/** "fx@workspace:packages/a" → "packages/a" ("." → ""); undefined for anything else. */
function workspaceDir(resolution: string): string | undefined {
  const split = splitNameAt(resolution);
  return split?.rest.startsWith("workspace:")
    ? normalizeRepoPath(split.rest.slice("workspace:".length))
    : undefined;
}

/**
 * "name@version checksum" for a registry package ("debug@npm:4.3.4"); the whole resolution
 * otherwise (patch:, git, tarball URL, file:), plus the checksum when there is one. The checksum
 * starts with the cache key, so a yarn upgrade that changes the cache key changes every label:
 * that over-reports once, it never hides a change.
 */
function labelOf(resolution: string, checksum: string | undefined): string {
  const split = splitNameAt(resolution);
  if (split?.rest.startsWith("npm:") && !split.rest.includes("@")) {
    return formatLabel(split.name, split.rest.slice("npm:".length), checksum);
  }
  return checksum ? `${resolution} ${checksum}` : resolution;
}
