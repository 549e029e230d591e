import { bufGenerateArgs } from "../buf/command.js";
import { CONFIG_FILE_NAMES } from "../config/load.js";
import { isShipgraphError } from "../errors.js";
import { splitNul } from "../git/git.js";
import { anyGlobMatcher } from "../graph/owners.js";
import { type LoadedGraph, loadGraph } from "../load-graph.js";
import { pluginOutputGlobs } from "../proto/outputs.js";
import type { GraphNode } from "../types.js";
import { isUnder } from "../util/paths.js";
import { compareStrings } from "../util/sort.js";

/** What the check found: generator name (as the base has it) → its files left behind, sorted. */
export interface LeftBehind {
  files: Map<string, string[]>;
  /**
   * The generators among `files` (by name: their node as the merge base has it) for which only
   * their `outputs` globs there vouch that the files are generated code: not `buf generate` (see
   * bufWrites), so a glob that was too broad may have taken in hand-written files. Their files
   * are left behind only if the generator writes them at the merge base (see writtenAtBase).
   */
  unconfirmed: Map<string, GraphNode>;
  /** Why the check could not run, when it could not (the base's graph does not load). */
  warning?: string;
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
 * written there (see bufWrites). For another generator, its `outputs` there are all this knows:
 * its files are `unconfirmed` (the caller runs it at the merge base: see writtenAtBase). Without
 * a config file at the base (it is added by this change) there is nothing to compare; one by
 * another name there (renamed since), or a base whose graph does not load, is a warning, not an
 * error: the rest of the drift check stands. (I/O: the base's graph is loaded)
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
  const candidates = new Map<string, string[]>();
  const byGlobOnly = new Map<string, GraphNode>();
  for (const node of base.graph.nodes.values()) {
    if (node.kind !== "generator") continue;
    const outputs = base.graph.owners.outputsOf(node.id);
    const written = bufWrites(node);
    const wasOutput = written === undefined ? outputs : (path: string) => outputs(path) && written(path);
    const left = loaded.snapshot.files.filter((path) => wasOutput(path) && !isCurrent(path));
    if (left.length === 0) continue;
    candidates.set(node.name, left);
    if (written === undefined) byGlobOnly.set(node.name, node);
  }
  if (candidates.size === 0) return { files: new Map(), unconfirmed: new Map() };
  // Only a file the change left as the merge base had it was left behind: one it added (a
  // hand-written file where the old outputs were, tracked or not; a link in place of the old
  // directory) was no output at the base, and one it edited is its work (taken over by hand),
  // which --fix must not delete. A tracked file deleted in the working tree has no id: deleting
  // is what fixes it; one a sparse checkout leaves out keeps the index's.
  const paths = [...new Set([...candidates.values()].flat())];
  const [was, now] = await Promise.all([base.snapshot.blobIds(paths), loaded.snapshot.blobIds(paths)]);
  const unchanged = (path: string) => was.get(path) !== undefined && was.get(path) === now.get(path);
  const files = new Map<string, string[]>();
  const unconfirmed = new Map<string, GraphNode>();
  for (const [name, left] of candidates) {
    const kept = left.filter(unchanged);
    if (kept.length === 0) continue;
    files.set(name, kept.sort(compareStrings));
    const node = byGlobOnly.get(name);
    if (node !== undefined) unconfirmed.set(name, node);
  }
  return { files, unconfirmed };
}

/**
 * The files a `buf generate` generator could have written at the merge base: those under one of
 * its template's plugin `out` directories and, for a plugin whose file names shipgraph knows,
 * only files so named. An `outputs` glob wider than that (`sdk/**` over a hand-written
 * `sdk/src/index.ts`) took in files buf never wrote, which narrowing the glob now must not turn
 * into generated code left behind: --fix would delete hand-written code. Undefined for a
 * generator that is not `buf generate` with a known template: its outputs say only where it may
 * have written, and running it at the merge base tells what it did write (see writtenAtBase). Pure.
 */
function bufWrites(node: GraphNode): ((path: string) => boolean) | undefined {
  const info = node.generator;
  if (info?.buf === undefined) return undefined;
  if (info.run !== undefined && (bufGenerateArgs(info.run, node.id)?.unsure ?? true)) return undefined;
  const areas = info.buf.plugins.map((plugin) => {
    const named = pluginOutputGlobs(plugin);
    if (named !== undefined) return anyGlobMatcher(named);
    return (path: string) => isUnder(path, plugin.out);
  });
  return (path) => areas.some((inArea) => inArea(path));
}
