import { posix } from "node:path";
import { isShipgraphError, ShipgraphError } from "../errors.js";
import type { ShipGraph } from "../graph/build.js";
import type { RepoSnapshot } from "../repo/snapshot.js";
import { isUnder, joinRepoPath, leavesRoot } from "../util/paths.js";
import { compareStrings } from "../util/sort.js";
import { buildProtoIndex, type ProtoIndex } from "./index.js";
import { underLinkedDirs } from "./links.js";
import { type ProtoFileInfo, parseProto } from "./parse.js";

/** The module roots of the graph's proto nodes, and a test for the .proto files they hold. */
export function protoRoots(graph: ShipGraph): { roots: string[]; inModules: (path: string) => boolean } {
  const roots = [
    ...new Set([...graph.nodes.values()].flatMap((n) => n.owns.protos ?? []).map((o) => o.root)),
  ];
  return { roots, inModules: (path) => path.endsWith(".proto") && roots.some((r) => isUnder(path, r)) };
}

/**
 * Reads and parses every .proto file of the graph's modules in the snapshot into the import
 * graph. Throws PROTO_INVALID for a file that does not parse, and for one the snapshot lists but
 * cannot read (a link to nothing, a directory in its place, a missing blob): left out, its imports
 * would be unknown and an import of it would look like a dependency's, so a change reaching
 * generators through it would reach none. In the working tree, a .proto file a tracked one
 * imports that only the disk has (untracked, or ignored by .gitignore: buf compiles it all the
 * same) is read too, and listed in `untracked`. (I/O via snapshot)
 */
export async function loadProtoIndex(graph: ShipGraph, snapshot: RepoSnapshot): Promise<ProtoIndex> {
  const { index, unparseable, unreadable } = await readProtoIndex(graph, snapshot);
  const [first, ...more] = unreadable;
  if (first !== undefined) {
    throw new ShipgraphError(
      "PROTO_INVALID",
      `cannot read ${first[0]} (${first[1]})${more.length > 0 ? ` nor ${more.length} more .proto file(s)` : ""}`,
      {
        file: first[0],
        hint: "restore it (check out what the link points to: a submodule, a generated file), or delete it from git",
      },
    );
  }
  const firstError = unparseable.values().next();
  if (!firstError.done) throw firstError.value;
  return index;
}

/** The modules' .proto files as a snapshot has them, and those that could not be used. */
export interface ProtoReading {
  index: ProtoIndex;
  /** Files that do not parse, with the error, in reading order: left out of the index. */
  unparseable: Map<string, Error>;
  /** Files the snapshot lists but cannot read, with why, sorted: left out of the index. */
  unreadable: Map<string, string>;
}

/**
 * Like loadProtoIndex, but a file that does not parse or cannot be read is left out of the index
 * and listed, with why, instead of failing the whole graph: a caller that does not reach it can do
 * without it (one that does must treat it as unknown: its imports are not in the index, and an
 * import of it looks like a dependency's). (I/O via snapshot)
 */
export async function readProtoIndex(graph: ShipGraph, snapshot: RepoSnapshot): Promise<ProtoReading> {
  const { roots, inModules } = protoRoots(graph);
  const paths = snapshot.files.filter(inModules);
  const texts = await snapshot.read(paths);
  // a commit's snapshot reads a symbolic link's own text (its target's path), which parses as an
  // empty file; the working tree's reads through it, as buf does
  const brokenLinks =
    snapshot.rev === "worktree" ? new Map<string, string>() : await readThroughLinks(snapshot, paths, texts);
  const unread = paths.filter((path) => !texts.has(path) && !brokenLinks.has(path));
  const why =
    unread.length + brokenLinks.size === 0
      ? []
      : [
          ...brokenLinks,
          ...((await snapshot.unreadable?.(unread)) ?? unread.map((p) => [p, "it cannot be read"] as const)),
        ];
  const unreadable = new Map(why.sort(([a], [b]) => compareStrings(a, b)));
  const infos = new Map<string, ProtoFileInfo>();
  const unparseable = new Map<string, Error>();
  const parse = (path: string, text: string): ProtoFileInfo | undefined => {
    try {
      const info = parseProto(text, path);
      infos.set(path, info);
      return info;
    } catch (error) {
      if (!isShipgraphError(error)) throw error;
      unparseable.set(path, error);
      return undefined;
    }
  };
  for (const [path, text] of texts) parse(path, text);
  // a linked directory's .proto files: git lists them at its target, buf reads them under the link
  const linked = [...underLinkedDirs(graph.protoLinks, snapshot.files)].filter(
    ([path]) => inModules(path) && !infos.has(path),
  );
  if (linked.length > 0) {
    const read = await snapshot.read([...new Set(linked.map(([, file]) => file))]);
    for (const [path, file] of linked) {
      const text = read.get(file);
      if (text !== undefined) parse(path, text);
    }
  }
  // (a listed file is never looked for on disk: one that does not parse or cannot be read stays so)
  const untracked =
    snapshot.rev === "worktree"
      ? await readImportedFromDisk(snapshot, roots, new Set(paths), infos, parse)
      : [];
  const index = buildProtoIndex(infos, roots);
  if (untracked.length > 0) index.untracked = untracked;
  return { index, unparseable, unreadable };
}

/**
 * At a commit: replaces the text of each of `paths` that is a symbolic link by its target's,
 * followed inside the repository (at most 8 hops). One leading out of it, or to nothing the
 * commit has, is taken out of `texts`: returned with why. (I/O via snapshot)
 */
async function readThroughLinks(
  snapshot: RepoSnapshot,
  paths: readonly string[],
  texts: Map<string, string>,
): Promise<Map<string, string>> {
  const unreadable = new Map<string, string>();
  let pending = new Map<string, { end: string; target: string }>(); // link → where its chain is
  for (const [link, target] of await snapshot.symlinks(paths)) {
    texts.delete(link);
    pending.set(link, { end: link, target });
  }
  for (let hop = 0; pending.size > 0; hop++) {
    const resolved = new Map<string, string>();
    for (const [link, { end, target }] of pending) {
      const dir = end.includes("/") ? end.slice(0, end.lastIndexOf("/")) : "";
      const path = target.startsWith("/") ? undefined : posix.normalize(joinRepoPath(dir, target));
      if (path === undefined || leavesRoot(path)) {
        unreadable.set(link, `a symbolic link to ${target}, out of the repository`);
      } else if (hop === 8) unreadable.set(link, "a chain of more than 8 symbolic links");
      else resolved.set(link, path);
    }
    const wanted = [...new Set(resolved.values())];
    const [read, links] = await Promise.all([snapshot.read(wanted), snapshot.symlinks(wanted)]);
    pending = new Map();
    for (const [link, end] of resolved) {
      const target = links.get(end);
      const text = read.get(end);
      if (target !== undefined) pending.set(link, { end, target });
      else if (text !== undefined) texts.set(link, text);
      else
        unreadable.set(link, `a symbolic link to ${end}, which ${snapshot.rev.slice(0, 12)} does not have`);
    }
  }
  return unreadable;
}

/**
 * The .proto files the parsed ones import that the snapshot does not list but the working tree
 * has under a module root (untracked or ignored: buf compiles every file of a module on disk),
 * read and parsed by `parse` (into the index, or listed as unparseable), transitively; the paths
 * of those that parse, sorted. Only import paths no `listed` file has are probed, one read attempt
 * per module root each. (I/O via snapshot)
 */
async function readImportedFromDisk(
  snapshot: RepoSnapshot,
  roots: readonly string[],
  listed: ReadonlySet<string>,
  infos: ReadonlyMap<string, ProtoFileInfo>,
  parse: (path: string, text: string) => ProtoFileInfo | undefined,
): Promise<string[]> {
  const found: string[] = [];
  const probed = new Set<string>();
  let parsed = [...infos.values()];
  while (parsed.length > 0) {
    const candidates: string[] = [];
    for (const info of parsed) {
      for (const { path } of info.imports) {
        const under = roots.map((root) => (root === "" ? path : joinRepoPath(root, path)));
        if (under.some((p) => infos.has(p) || listed.has(p))) continue;
        for (const p of under) {
          if (probed.has(p)) continue;
          probed.add(p);
          candidates.push(p);
        }
      }
    }
    parsed = [];
    if (candidates.length === 0) break;
    for (const [path, text] of await snapshot.read(candidates)) {
      const info = parse(path, text);
      if (info === undefined) continue;
      found.push(path);
      parsed.push(info);
    }
  }
  return found.sort(compareStrings);
}
