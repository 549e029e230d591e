import { splitNul } from "../git/git.js";
import type { LoadedGraph } from "../load-graph.js";
import { buildProtoIndex, importPathOf } from "../proto/index.js";
import { protoRoots } from "../proto/load.js";
import type { ProtoSource } from "../proto/outputs.js";
import { parseProto } from "../proto/parse.js";
import { compareStrings } from "../util/sort.js";

/**
 * Every .proto file of the graph's modules that the tree drift checks (the working tree, or HEAD
 * with --committed), the index, HEAD or `mergeBase` has, as a `protoOutputs` pattern names its
 * outputs (see expandPattern): its import path under its deepest module root and, with
 * `packages`, its package there (one entry per distinct pair), sorted. A file generated for one
 * of them may lie in the tree: one deleted in the working tree, staged, committed since the merge
 * base. Only a name a pattern gives for one of these is generated code drift may delete (see
 * outputClaims): the placeholders read as globs would take in code of the repository's own.
 * A file whose text does not parse (or a blob git cannot give) has no package: it names nothing
 * by `{package}`, which leaves a file undecided rather than deleted. (I/O: git)
 */
export async function protoSourcesEver(
  loaded: LoadedGraph,
  mergeBase: string | null,
  packages: boolean,
): Promise<ProtoSource[]> {
  const { git, snapshot } = loaded;
  const { roots, inModules } = protoRoots(loaded.graph);
  const head = snapshot.rev === "worktree" ? await git.resolveCommit("HEAD") : undefined;
  const listTree = async (commit: string) =>
    splitNul(await git.run(["ls-tree", "-r", "-z", "--name-only", "--full-tree", commit])).filter(inModules);
  // (each state's files; `read` gives their texts, for the packages)
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
  const index = buildProtoIndex(new Map(), roots);
  const sources = new Map<string, ProtoSource>();
  for (const state of states) {
    const texts = packages ? await state.read(state.files) : undefined;
    for (const file of state.files) {
      const path = importPathOf(index, file);
      let pkg: string | undefined;
      if (texts !== undefined) {
        const text = texts.get(file);
        if (text === undefined) continue;
        try {
          pkg = parseProto(text, file).package;
        } catch {
          continue;
        }
      }
      const source: ProtoSource = {
        path,
        ...(pkg !== undefined ? { package: pkg } : {}),
        services: 1,
        definitions: 1,
      };
      sources.set(`${path}\0${pkg ?? ""}`, source);
    }
  }
  return [...sources.keys()].sort(compareStrings).map((key) => sources.get(key)!);
}
