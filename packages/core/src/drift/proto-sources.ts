import { compilesFile } from "../affected/locate.js";
import type { TemplatePlugin } from "../buf/template.js";
import { splitNul } from "../git/git.js";
import type { ShipGraph } from "../graph/build.js";
import { ownsProto } from "../graph/owners.js";
import type { LoadedGraph } from "../load-graph.js";
import { protoRoots } from "../proto/load.js";
import type { ProtoSource } from "../proto/outputs.js";
import { parseProto } from "../proto/parse.js";
import type { GraphNode } from "../types.js";
import { compareStrings } from "../util/sort.js";

/**
 * A .proto file of the graph's modules as one state of the repository has it: its repo path and,
 * when its text was read (see protoFilesEver), its package and how many services it declares.
 */
export interface ProtoFileEver {
  file: string;
  package?: string;
  services: number;
}

/**
 * Every .proto file of the graph's modules that the tree drift checks (the working tree, or HEAD
 * with --committed), the index, HEAD or `mergeBase` has (one entry per distinct file, package and
 * services-or-not), sorted. A file generated for one of them may lie in the tree: one deleted in
 * the working tree, staged, committed since the merge base. Only a name a pattern gives for one
 * of these is generated code drift may delete (see outputClaims and protoSourcesOf): the
 * placeholders read as globs would take in code of the repository's own. With `texts` (a
 * pattern uses `{package}` or `onlyWithServices`), each state's text is read for the package and
 * services; a file whose text does not parse (or a blob git cannot give) is then left out: it
 * names nothing, which leaves a file undecided rather than deleted. Without, every entry counts
 * one service (never read). (I/O: git)
 */
export async function protoFilesEver(
  loaded: LoadedGraph,
  mergeBase: string | null,
  texts: boolean,
): Promise<ProtoFileEver[]> {
  const { git, snapshot } = loaded;
  const { inModules } = protoRoots(loaded.graph);
  const head = snapshot.rev === "worktree" ? await git.resolveCommit("HEAD") : undefined;
  const listTree = async (commit: string) =>
    splitNul(await git.run(["ls-tree", "-r", "-z", "--name-only", "--full-tree", commit])).filter(inModules);
  // (each state's files; `read` gives their texts, for the packages and services)
  const states: { files: string[]; read: (paths: string[]) => Promise<Map<string, string>> }[] = [
    { files: snapshot.files.filter(inModules), read: (paths) => snapshot.read(paths) },
  ];
  const blobs = (rev: string) => async (paths: string[]) =>
    new Map([...(await git.readBlobs(rev, paths))].map(([path, bytes]) => [path, bytes.toString("utf8")]));
  if (snapshot.rev === "worktree") {
    // (an unmerged path is listed once per stage; the index's stage 0 text is the one read)
    const staged = [...new Set(splitNul(await git.run(["ls-files", "-z"])))].filter(inModules);
    states.push({ files: staged, read: blobs("") });
  }
  for (const commit of [head, mergeBase]) {
    if (commit !== undefined && commit !== null && commit !== snapshot.rev) {
      states.push({ files: await listTree(commit), read: blobs(commit) });
    }
  }
  const found = new Map<string, ProtoFileEver>();
  for (const state of states) {
    const read = texts ? await state.read(state.files) : undefined;
    for (const file of state.files) {
      let entry: ProtoFileEver = { file, services: 1 };
      if (read !== undefined) {
        const text = read.get(file);
        if (text === undefined) continue;
        try {
          const info = parseProto(text, file);
          entry = {
            file,
            ...(info.package !== undefined ? { package: info.package } : {}),
            services: info.services,
          };
        } catch {
          continue;
        }
      }
      found.set(`${file}\0${entry.package ?? ""}\0${entry.services > 0}`, entry);
    }
  }
  return [...found.keys()].sort(compareStrings).map((key) => found.get(key)!);
}

/**
 * What generator `node`'s plugin writes outputs for among `files` (see protoFilesEver), as a
 * `protoOutputs` pattern names them: a file of the modules it reads (`protos`) that its inputs
 * select (their `paths`, `exclude_paths`, `--path`; every file of those modules for a plugin with
 * include_imports, which may write for an import), with its import path under the deepest root
 * of those modules. A file of a module it does not read gives no name: buf gives the plugin none
 * of it, and the name a pattern gives for it (`{out}/{name}.ts` for a vendored client.proto) may
 * be code of the repository's own. None for a generator that reads no module of the graph. Pure.
 */
export function protoSourcesOf(
  graph: ShipGraph,
  node: GraphNode,
  files: readonly ProtoFileEver[],
): (plugin: TemplatePlugin) => ProtoSource[] {
  const reads = node.generator?.reads;
  if (reads === undefined) return () => [];
  const owned = reads.protos.flatMap((id) => graph.nodes.get(id)?.owns.protos ?? []);
  const ours: { source: ProtoSource; compiled: boolean }[] = [];
  for (const entry of files) {
    const roots = owned.filter((own) => ownsProto(own, entry.file)).map((own) => own.root);
    if (roots.length === 0) continue;
    const root = roots.reduce((a, b) => (b.length > a.length ? b : a));
    const source: ProtoSource = {
      path: root === "" ? entry.file : entry.file.slice(root.length + 1),
      ...(entry.package !== undefined ? { package: entry.package } : {}),
      services: entry.services,
      definitions: 1,
    };
    ours.push({ source, compiled: compilesFile(graph, reads, entry.file) });
  }
  return (plugin) => ours.filter((p) => plugin.includeImports || p.compiled).map((p) => p.source);
}
