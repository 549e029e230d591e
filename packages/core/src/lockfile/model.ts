import { ShipgraphError } from "../errors.js";
import { normalizeRepoPath } from "../util/paths.js";
import { sortedUnique } from "../util/sort.js";

/** The package manager that wrote a lockfile. */
export type LockfileKind = "pnpm" | "npm" | "yarn";

/** What a parsed lockfile answers: per workspace package ("importer"), the external packages it resolves. */
export interface Lockfile {
  kind: LockfileKind;
  file: string;
  /**
   * The external dependencies an importer (a workspace package dir relative to the repo root, "" = root;
   * "./packages/a/" is read as "packages/a")
   * resolves, direct and transitive, as sorted unique strings like "name@version integrity" (the
   * checksum, or the resolved URL/commit when there is none, so a re-published tarball also counts).
   * Workspace packages it depends on are not followed: they are separate graph nodes. Undefined when
   * the lockfile does not know that importer. (The same array each time it is asked: not to be
   * changed.)
   */
  externalClosure(importerDir: string): string[] | undefined;
  /**
   * The closure of one dependency `name` (a direct dependency of the importer, any dependency field),
   * as that importer resolves it: itself plus its transitive deps, same string format. [] when `name`
   * is a workspace package (its own externalClosure is what counts). Undefined when the importer does
   * not depend on it, or the lockfile does not know the importer.
   */
  dependencyClosure(importerDir: string, name: string): string[] | undefined;
  /**
   * pnpm: the repo-relative directories an importer links or installs from a path (`link:`, a
   * `file:` directory, a workspace package injected from its directory), itself or through the
   * external packages it resolves, sorted: what a pnpmfile hook or `packageExtensions` added shows here and in no
   * manifest. Undefined when the lockfile does not know the importer or does not record links.
   */
  links?(importerDir: string): string[] | undefined;
  /**
   * pnpm: the lockfile leaves out an importer's `link:` dependencies outside the workspace
   * (`excludeLinksFromLockfile: true`), which `links` then cannot name.
   */
  linksExcluded?: true;
  /**
   * pnpm 11+: the documents before the project's (config dependencies, whose pnpmfiles' hooks and
   * settings reach every install, and pnpm itself), as one comparable string; absent when none.
   */
  env?: string;
  /** pnpm: the lockfile's `catalogs` (catalog name → dependency → the specifier it resolved). */
  catalogs?: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /**
   * The model the answers come from (lockfileFromGraph sets it): two lockfiles are compared node
   * by node with it (see changedImporters), instead of closure by closure.
   */
  graph?: DependencyGraph;
}

/** One resolved external package instance (one install location or one peer-resolved variant). */
export interface PackageNode {
  /** The closure string: "name@version" plus the checksum or resolution, when the lockfile has one. */
  label: string;
  /** Ids of the nodes it depends on, already resolved; workspace links are left out. */
  deps: string[];
  /**
   * Names of peer dependencies the lockfile records but does not resolve (yarn berry): whoever
   * depends on this package provides them.
   */
  peers: string[];
  /**
   * pnpm: the repo-relative directories it links (`link:`) or installs from (a `file:` directory,
   * an injected workspace package), whose files the lockfile does not describe. Absent when none.
   */
  links?: string[];
}

/** A direct dependency of an importer: the node it resolves to, or undefined for a workspace package. */
export interface DirectDependency {
  name: string;
  node: string | undefined;
}

/** The format-independent model every parser produces. */
export interface DependencyGraph {
  nodes: ReadonlyMap<string, PackageNode>;
  /** Importer dir ("" = root) → its direct dependencies (all dependency fields). */
  importers: ReadonlyMap<string, readonly DirectDependency[]>;
  /** pnpm: importer dir → the links among its direct dependencies (as PackageNode.links). */
  importerLinks?: ReadonlyMap<string, readonly string[]>;
  /** pnpm 11+: see Lockfile.env. */
  env?: string;
  /** pnpm: see Lockfile.linksExcluded. */
  linksExcluded?: true;
  /** pnpm: the lockfile's `catalogs` (catalog name → dependency → the specifier it resolved). */
  catalogs?: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

/** The error every parser throws: LOCKFILE_INVALID naming the file (the caller then treats everything as changed). */
export function lockfileError(file: string, message: string, hint: string, line?: number): ShipgraphError {
  return new ShipgraphError("LOCKFILE_INVALID", `${file}${line ? `:${line}` : ""}: ${message}`, {
    file,
    hint,
    ...(line ? { line } : {}),
  });
}

/** Wraps a dependency graph in the Lockfile interface. Closures are computed on demand. */
export function lockfileFromGraph(kind: LockfileKind, file: string, graph: DependencyGraph): Lockfile {
  /** The nodes reachable from `start`. */
  const reach = (start: Iterable<string | undefined>): PackageNode[] => {
    const seen = new Set<string>();
    const stack = [...start].filter((id): id is string => id !== undefined);
    const out: PackageNode[] = [];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      const node = graph.nodes.get(id);
      // Parsers only hand out ids they created; a miss is a bug, and must not shrink a closure silently.
      if (!node) throw new Error(`lockfile model: unknown node ${id} in ${file}`);
      out.push(node);
      stack.push(...node.deps);
    }
    return out;
  };
  /**
   * The nodes that link anything (a hook's doing, or a directory package's own directories), each
   * with the set of nodes it is reachable from: computed once, backwards, so that an importer's
   * links cost a look-up per direct dependency instead of a walk of its closure.
   */
  let linkers: { from: Set<string>; links: readonly string[] }[] | undefined;
  const linkersOf = () => {
    if (linkers !== undefined) return linkers;
    linkers = [];
    let parents: ReadonlyMap<string, readonly string[]> | undefined;
    for (const [id, node] of graph.nodes) {
      if (!node.links) continue;
      parents ??= dependentsOf(graph.nodes);
      linkers.push({ from: reachingBack([id], parents), links: node.links });
    }
    return linkers;
  };
  const closures = new Map<string, string[] | undefined>();
  /** The labels of the nodes reachable from `start`. */
  const closureOf = (start: Iterable<string | undefined>): string[] => {
    const nodes = reach(start);
    const labels: string[] = new Array(nodes.length);
    for (let i = 0; i < nodes.length; i++) labels[i] = nodes[i]!.label;
    return sortedUnique(labels);
  };

  return {
    kind,
    file,
    graph,
    ...(graph.catalogs ? { catalogs: graph.catalogs } : {}),
    ...(graph.env !== undefined ? { env: graph.env } : {}),
    ...(graph.linksExcluded ? { linksExcluded: true as const } : {}),
    externalClosure(importerDir) {
      // asked again for each importer that changed (its change summary): one walk each
      const dir = normalizeRepoPath(importerDir);
      if (closures.has(dir)) return closures.get(dir);
      const direct = graph.importers.get(dir);
      const closure = direct && closureOf(direct.map((d) => d.node));
      closures.set(dir, closure);
      return closure;
    },
    dependencyClosure(importerDir, name) {
      const direct = graph.importers.get(normalizeRepoPath(importerDir)) ?? [];
      const matches = direct.filter((d) => d.name === name);
      if (matches.length === 0) return undefined;
      const start = matches.map((d) => d.node);
      // Peers a lockfile leaves unresolved (yarn berry) come from the importer: it is the one that
      // provides them, so they are part of the dependency as this importer resolves it.
      for (const match of matches) {
        const peers = match.node === undefined ? [] : (graph.nodes.get(match.node)?.peers ?? []);
        for (const peer of peers) {
          for (const d of direct) if (d.name === peer) start.push(d.node);
        }
      }
      return closureOf(start);
    },
    ...(graph.importerLinks
      ? {
          links(importerDir: string) {
            const dir = normalizeRepoPath(importerDir);
            const direct = graph.importers.get(dir);
            if (direct === undefined) return undefined;
            const dirs = [...(graph.importerLinks!.get(dir) ?? [])];
            for (const { from, links } of linkersOf())
              if (direct.some((d) => d.node !== undefined && from.has(d.node))) dirs.push(...links);
            return sortedUnique(dirs);
          },
        }
      : {}),
  };
}

/** Node id → the ids of the nodes that depend on it. Pure. */
export function dependentsOf(nodes: ReadonlyMap<string, PackageNode>): Map<string, string[]> {
  const parents = new Map<string, string[]>();
  for (const [parent, { deps }] of nodes)
    for (const dep of deps) {
      const list = parents.get(dep);
      if (list === undefined) parents.set(dep, [parent]);
      else list.push(parent);
    }
  return parents;
}

/** `ids` and every node that reaches one of them, through `parents` (see dependentsOf). Pure. */
export function reachingBack(
  ids: Iterable<string>,
  parents: ReadonlyMap<string, readonly string[]>,
): Set<string> {
  const from = new Set(ids);
  const stack = [...from];
  while (stack.length > 0)
    for (const parent of parents.get(stack.pop()!) ?? [])
      if (!from.has(parent)) {
        from.add(parent);
        stack.push(parent);
      }
  return from;
}

/** A plain object (not null, not an array), or undefined. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The string-valued entries of a dependency map (`{name: range}`); other values are dropped. */
export function stringEntries(value: unknown): [string, string][] {
  const record = asRecord(value);
  if (!record) return [];
  return Object.entries(record).filter((entry): entry is [string, string] => typeof entry[1] === "string");
}

/** "name@version" plus " fingerprint" when there is one. */
export function formatLabel(name: string, version: string, fingerprint: string | undefined): string {
  return fingerprint ? `${name}@${version} ${fingerprint}` : `${name}@${version}`;
}

/**
 * Splits "name@rest" where name may be scoped ("@scope/name@1.0.0"); undefined when there is no
 * "@" after the name.
 */
export function splitNameAt(spec: string): { name: string; rest: string } | undefined {
  const at = spec.indexOf("@", spec.startsWith("@") ? 1 : 0);
  if (at <= 0) return undefined;
  return { name: spec.slice(0, at), rest: spec.slice(at + 1) };
}
