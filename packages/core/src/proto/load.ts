import { isShipgraphError, ShipgraphError } from "../errors.js";
import type { ShipGraph } from "../graph/build.js";
import type { RepoSnapshot } from "../repo/snapshot.js";
import { isUnder, joinRepoPath, linkTargetPath, parentDirs } from "../util/paths.js";
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
  const { inModules } = protoRoots(graph);
  const start = snapshot.files.filter(inModules);
  for (const path of linkedDirFiles(graph, snapshot).keys()) start.push(path);
  return readProtoClosure(graph, snapshot, start);
}

/**
 * The .proto files buf reads under the modules' linked directories (see Discovered.protoLinks)
 * that git lists only at their target: module path → the listed file. Pure.
 */
function linkedDirFiles(graph: ShipGraph, snapshot: RepoSnapshot): Map<string, string> {
  const out = new Map<string, string>();
  // (no links, the usual case: nothing to look at, not a set of every listed file built)
  if (graph.protoLinks === undefined) return out;
  const { inModules } = protoRoots(graph);
  const under = underLinkedDirs(graph.protoLinks, snapshot.files);
  const listed = under.size > 0 ? new Set(snapshot.files) : undefined;
  for (const [path, file] of under) {
    if (inModules(path) && !listed!.has(path)) out.set(path, file);
  }
  return out;
}

/** What reading one .proto file gave. */
export type ProtoRead =
  | { info: ProtoFileInfo; listed: boolean }
  | { error: Error }
  | { unreadable: string }
  | { absent: true };

/**
 * Like readProtoIndex, but reads only `start` (.proto files of the modules the snapshot lists) and,
 * transitively, the files their imports name: under each module root, the one the snapshot lists,
 * or, when no root has one listed, in the working tree one only the disk has (untracked or
 * ignored: buf compiles every file of a module on disk; listed in `untracked`). Whatever it reads
 * is described as readProtoIndex describes it; a file neither in `start` nor imported by what is
 * read is left out. `memo` keeps each file's reading for later calls on the same snapshot and
 * graph. (I/O via snapshot)
 */
export async function readProtoClosure(
  graph: ShipGraph,
  snapshot: RepoSnapshot,
  start: readonly string[],
  memo: Map<string, ProtoRead> = new Map(),
): Promise<ProtoReading> {
  const { roots, inModules } = protoRoots(graph);
  // a linked directory's .proto files: git lists them at its target, buf reads them under the link
  const aliases = linkedDirFiles(graph, snapshot);
  const listed = new Set([...snapshot.files.filter(inModules), ...aliases.keys()]);
  const seen = new Set(start);
  const order: string[] = [];
  for (let wave = [...seen]; wave.length > 0; ) {
    const fresh = wave.filter((path) => !memo.has(path));
    if (fresh.length > 0) await readInto(snapshot, fresh, listed, aliases, memo);
    const next: string[] = [];
    for (const path of wave) {
      order.push(path);
      const read = memo.get(path)!;
      if (!("info" in read)) continue;
      for (const { path: imported } of read.info.imports) {
        const under = roots.map((root) => (root === "" ? imported : joinRepoPath(root, imported)));
        const have = under.filter((p) => listed.has(p));
        // (a listed file is never looked for on disk: one that does not parse or cannot be read stays so)
        for (const p of have.length > 0 || snapshot.rev !== "worktree" ? have : under) {
          if (seen.has(p)) continue;
          seen.add(p);
          next.push(p);
        }
      }
    }
    wave = next;
  }
  const infos = new Map<string, ProtoFileInfo>();
  const unparseable = new Map<string, Error>();
  const unreadable = new Map<string, string>();
  const untracked: string[] = [];
  for (const path of order.sort(compareStrings)) {
    const read = memo.get(path)!;
    if ("info" in read) {
      infos.set(path, read.info);
      if (!read.listed) untracked.push(path);
    } else if ("error" in read) unparseable.set(path, read.error);
    else if ("unreadable" in read) unreadable.set(path, read.unreadable);
  }
  const index = buildProtoIndex(infos, roots);
  if (untracked.length > 0) index.untracked = untracked;
  return { index, unparseable, unreadable };
}

/**
 * Reads and parses `paths` into `memo`. A listed one that cannot be read is unreadable, with why
 * (the snapshot says); one the snapshot does not list (probed on disk), or one the working tree
 * has deleted, is absent. (I/O via snapshot)
 */
async function readInto(
  snapshot: RepoSnapshot,
  paths: readonly string[],
  listed: ReadonlySet<string>,
  aliases: ReadonlyMap<string, string>,
  memo: Map<string, ProtoRead>,
): Promise<void> {
  const texts = await snapshot.read(paths.filter((path) => !aliases.has(path)));
  const aliased = paths.filter((path) => aliases.has(path));
  if (aliased.length > 0) {
    const read = await snapshot.read([...new Set(aliased.map((path) => aliases.get(path)!))]);
    for (const path of aliased) {
      const text = read.get(aliases.get(path)!);
      if (text !== undefined) texts.set(path, text);
    }
  }
  // a commit's snapshot reads a symbolic link's own text (its target's path), which parses as an
  // empty file; the working tree's reads through it, as buf does (a linked directory's file too:
  // it may be a link itself)
  const brokenLinks =
    snapshot.rev === "worktree"
      ? new Map<string, string>()
      : await readThroughLinks(snapshot, new Map(paths.map((p) => [p, aliases.get(p) ?? p])), texts);
  const unread = paths.filter((path) => !texts.has(path) && !brokenLinks.has(path) && listed.has(path));
  const why =
    unread.length === 0
      ? new Map<string, string>()
      : ((await snapshot.unreadable?.(unread)) ??
        new Map(unread.map((p) => [p, "it cannot be read"] as const)));
  for (const path of paths) {
    const text = texts.get(path);
    const reason = brokenLinks.get(path) ?? why.get(path);
    if (text !== undefined) memo.set(path, parsed(path, text, listed.has(path)));
    else memo.set(path, reason === undefined ? { absent: true } : { unreadable: reason });
  }
}

function parsed(path: string, text: string, listed: boolean): ProtoRead {
  try {
    return { info: parseProto(text, path), listed };
  } catch (error) {
    if (!isShipgraphError(error)) throw error;
    return { error };
  }
}

/**
 * At a commit: replaces the text of each of `paths` (module path → the listed path read for it)
 * that is a symbolic link by its target's, followed inside the repository as the OS does (at most
 * 8 links): a link to a file, or a file whose path passes through a link to a directory (a commit
 * stores no file under a link's path). One leading out of the repository, or to nothing the
 * commit has, is taken out of `texts`: returned with why. (I/O via snapshot)
 */
async function readThroughLinks(
  snapshot: RepoSnapshot,
  paths: ReadonlyMap<string, string>,
  texts: Map<string, string>,
): Promise<Map<string, string>> {
  const unreadable = new Map<string, string>();
  let pending = new Map<string, { end: string; link: string; target: string }>(); // path → its chain's link
  const links = await snapshot.symlinks([...new Set(paths.values())]);
  for (const [path, source] of paths) {
    const target = links.get(source);
    if (target === undefined) continue;
    texts.delete(path);
    pending.set(path, { end: source, link: source, target });
  }
  for (let hop = 0; pending.size > 0; hop++) {
    const resolved = new Map<string, string>();
    for (const [path, { end, link, target }] of pending) {
      const to = linkTargetPath(link, target);
      if (to === undefined) {
        unreadable.set(path, `a symbolic link to ${target}, out of the repository`);
      } else if (hop === 8) unreadable.set(path, "a chain of more than 8 symbolic links");
      else resolved.set(path, link === end ? to : joinRepoPath(to, end.slice(link.length + 1)));
    }
    const wanted = [...new Set(resolved.values())];
    const [read, found] = await Promise.all([snapshot.read(wanted), snapshot.symlinks(wanted)]);
    // not there: a directory on the way may be a link (the shallowest is followed first)
    const missing = wanted.filter((end) => !found.has(end) && !read.has(end));
    const dirs = await snapshot.symlinks([
      ...new Set(missing.flatMap((end) => parentDirs(end).filter((dir) => dir !== ""))),
    ]);
    pending = new Map();
    for (const [path, end] of resolved) {
      const target = found.get(end);
      const text = read.get(end);
      const dir = parentDirs(end)
        .reverse()
        .find((d) => dirs.has(d));
      if (target !== undefined) pending.set(path, { end, link: end, target });
      else if (text !== undefined) texts.set(path, text);
      else if (dir !== undefined) pending.set(path, { end, link: dir, target: dirs.get(dir)! });
      else
        unreadable.set(path, `a symbolic link to ${end}, which ${snapshot.rev.slice(0, 12)} does not have`);
    }
  }
  return unreadable;
}
