import { knownPluginFiles } from "../affected/generated.js";
import { bufGenerateArgs } from "../buf/command.js";
import { CONFIG_FILE_NAMES } from "../config/load.js";
import { isShipgraphError } from "../errors.js";
import { splitNul } from "../git/git.js";
import { anyGlobMatcher } from "../graph/owners.js";
import { type LoadedGraph, loadGraph } from "../load-graph.js";
import type { ProtoIndex } from "../proto/index.js";
import { loadProtoIndex } from "../proto/load.js";
import { pluginOutputGlobs } from "../proto/outputs.js";
import type { GraphNode } from "../types.js";
import { isUnder } from "../util/paths.js";
import { compareStrings } from "../util/sort.js";

/** What the check found: generator name (as the base has it) → its files left behind, sorted. */
export interface LeftBehind {
  files: Map<string, string[]>;
  /**
   * The files among `files` (by generator name) that only an `outputs` glob or a plugin's `out` at
   * the merge base vouch for, and that generator's node as the merge base has it: those of a
   * generator that is not `buf generate`, or under a plugin's `out` but not a file a plugin whose
   * file names shipgraph knows writes for a .proto file there (see bufWrites, knownPluginFiles).
   * A glob that was too broad, or an `out` holding code of the repository's own, may have taken
   * in hand-written files: they are left behind only if the generator writes them at the merge
   * base (see writtenAtBase).
   */
  unconfirmed: Map<string, Unconfirmed>;
  /** Why the check could not run, when it could not (the base's graph does not load). */
  warning?: string;
}

/** A generator's files that only running it at the merge base can tell are left behind. */
export interface Unconfirmed {
  node: GraphNode;
  /** Sorted; a subset of the generator's `files`. */
  files: string[];
  /**
   * Those of `files` named as a buf plugin shipgraph knows names the files it writes, though it
   * writes none by that path for a .proto file there (see knownPluginFiles), sorted: generated
   * code, stale there already (its .proto file gone before), or code copied in. One the run does
   * not write is not reported, but its name is a reason to say so.
   */
  named: string[];
}

/**
 * Files of the tree that a generator's outputs held at `mergeBase` and no generator's outputs hold
 * now: a template's `out` moved, a generator's `outputs` narrowed, or a generator was removed, and
 * the files it wrote were left. Nothing regenerates or deletes them (buf writes only under the
 * current `out`, and its `clean` clears only that), and comparing the current outputs never sees
 * them, so generated code that no source backs any more would stay checked in without a word.
 *
 * A file some generator reads now (an input) is not counted: it is a source now; nor is one the
 * change added or edited (see below); nor, for a `buf generate` generator, one buf could not have
 * written there (see bufWrites). A file under a buf plugin's `out` there that no plugin whose
 * naming shipgraph knows writes for a .proto file there, and a file of another generator, of
 * which its `outputs` there are all this knows, are `unconfirmed` (the caller runs the generator
 * at the merge base: see writtenAtBase). Without a config file at the base (it is added by this
 * change) there is nothing to compare; one by another name there (renamed since), or a base whose
 * graph does not load, is a warning, not an error: the rest of the drift check stands. (I/O: the
 * base's graph, and its .proto files when a file is named as a known plugin names them)
 */
export async function outputsLeftBehind(
  loaded: LoadedGraph,
  mergeBase: string,
  config: string | undefined,
): Promise<LeftBehind> {
  let base: LoadedGraph;
  try {
    base = await loadGraph({
      cwd: loaded.root,
      root: loaded.root,
      config,
      commit: mergeBase,
      generatesEdges: false,
    });
  } catch (error) {
    if (!isShipgraphError(error)) throw error;
    if (error.code === "CONFIG_NOT_FOUND" && !loaded.inferred) {
      // none there: the change adds the config. Another one there (renamed since, or --config
      // names one the base does not have): what it declared cannot be compared, which is said
      const there = splitNul(
        await loaded.git.run(["ls-tree", "--name-only", "-z", mergeBase, "--", ...CONFIG_FILE_NAMES]),
      );
      if (there.length === 0) return { files: new Map(), unconfirmed: new Map() };
      return {
        files: new Map(),
        unconfirmed: new Map(),
        warning: `outputs left behind since the merge base ${mergeBase.slice(0, 12)} were not looked for: its config is ${there.join(", ")}, and ${error.file ?? config ?? "the config read now"} is not there`,
      };
    }
    return {
      files: new Map(),
      unconfirmed: new Map(),
      warning: `outputs left behind since the merge base ${mergeBase.slice(0, 12)} were not looked for: its graph does not load (${error.message.split("\n")[0]})`,
    };
  }
  // an inferred graph on one side and a declared one on the other do not say the same things
  if (Boolean(base.inferred) !== Boolean(loaded.inferred))
    return { files: new Map(), unconfirmed: new Map() };

  const head = loaded.graph;
  const headGenerators = [...head.nodes.values()].filter((n) => n.kind === "generator");
  const isCurrent = (path: string) =>
    head.owners.generatorsOutputting(path).length > 0 ||
    headGenerators.some((n) => head.owners.isInputOf(n.id, path));
  const candidates = new Map<string, { node: GraphNode; left: string[]; named: (path: string) => boolean }>();
  for (const node of base.graph.nodes.values()) {
    if (node.kind !== "generator") continue;
    const outputs = base.graph.owners.outputsOf(node.id);
    const written = bufWrites(node);
    const wasOutput =
      written === undefined
        ? outputs
        : (path: string) => outputs(path) && (written.named(path) || written.unnamed(path));
    const left = loaded.snapshot.files.filter((path) => wasOutput(path) && !isCurrent(path));
    if (left.length > 0) candidates.set(node.name, { node, left, named: written?.named ?? (() => false) });
  }
  if (candidates.size === 0) return { files: new Map(), unconfirmed: new Map() };
  // Only a file the change left as the merge base had it was left behind: one it added (a
  // hand-written file where the old outputs were, tracked or not; a link in place of the old
  // directory) was no output at the base, and one it edited is its work (taken over by hand),
  // which --fix must not delete. A tracked file deleted in the working tree has no id: deleting
  // is what fixes it; one a sparse checkout leaves out keeps the index's.
  const paths = [...new Set([...candidates.values()].flatMap((c) => c.left))];
  const [was, now] = await Promise.all([base.snapshot.blobIds(paths), loaded.snapshot.blobIds(paths)]);
  const unchanged = (path: string) => was.get(path) !== undefined && was.get(path) === now.get(path);
  const kept = new Map<string, string[]>();
  for (const [name, { left }] of candidates) {
    const list = left.filter(unchanged).sort(compareStrings);
    if (list.length > 0) kept.set(name, list);
  }
  // (the .proto files there, read only when a file is named as a known plugin names them)
  const protos = [...kept].some(([name, list]) => list.some(candidates.get(name)!.named))
    ? await protoIndexAt(base)
    : undefined;
  const files = new Map<string, string[]>();
  const unconfirmed = new Map<string, Unconfirmed>();
  for (const [name, list] of kept) {
    const { node, named } = candidates.get(name)!;
    files.set(name, list);
    // a file a known plugin writes for a .proto there needs no run; one only named like those
    // (copied in, written by hand: no .proto there yields it) and the others do
    const written =
      protos === undefined || node.generator === undefined
        ? new Set<string>()
        : knownPluginFiles(base.graph, node.generator, protos);
    const doubted = list.filter((path) => !(named(path) && written.has(path)));
    if (doubted.length > 0) unconfirmed.set(name, { node, files: doubted, named: doubted.filter(named) });
  }
  return { files, unconfirmed };
}

/**
 * The .proto files of the graph's modules as `at` has them, or undefined when one does not parse
 * there: then no file is known to be one a plugin wrote for them, and a run tells. (I/O)
 */
async function protoIndexAt(at: LoadedGraph): Promise<ProtoIndex | undefined> {
  try {
    return await loadProtoIndex(at.graph, at.snapshot);
  } catch (error) {
    if (!isShipgraphError(error)) throw error;
    return undefined;
  }
}

/**
 * The files a `buf generate` generator could have written at the merge base: `named`, those named
 * as a plugin whose file names shipgraph knows names them, under its `out`; `unnamed`, any under
 * the `out` of another plugin (one of the repository's own, a remote one it does not know:
 * `protoOutputs` lists what such a plugin writes per .proto, not all it writes). An `outputs`
 * glob wider than that (`sdk/**` over a hand-written `sdk/src/index.ts`) took in files buf never
 * wrote, which narrowing the glob now must not turn into generated code left behind: --fix would
 * delete hand-written code. An `out` may hold such code too (`gen/index.ts` beside what the
 * plugin writes, which buf leaves alone without `clean`; code copied in, even named as the plugin
 * names files): an `unnamed` file counts only if running the generator at the merge base writes
 * it (see writtenAtBase), and so does a `named` one, unless the plugin writes that very path for
 * a .proto file there (see knownPluginFiles): a name alone is no proof. Undefined for a
 * generator that is not `buf generate` with a known template: its outputs say only where it may
 * have written, and running it there tells what it did write. Pure.
 */
function bufWrites(
  node: GraphNode,
): { named: (path: string) => boolean; unnamed: (path: string) => boolean } | undefined {
  const info = node.generator;
  if (info?.buf === undefined) return undefined;
  if (info.run !== undefined && (bufGenerateArgs(info.run, node.id)?.unsure ?? true)) return undefined;
  const named: ((path: string) => boolean)[] = [];
  const outs: string[] = [];
  for (const plugin of info.buf.plugins) {
    const globs = pluginOutputGlobs(plugin);
    if (globs !== undefined) named.push(anyGlobMatcher(globs));
    else outs.push(plugin.out);
  }
  return {
    named: (path) => named.some((matches) => matches(path)),
    unnamed: (path) => outs.some((out) => isUnder(path, out)),
  };
}
