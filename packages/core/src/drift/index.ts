import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { closest } from "@shipgraph/config-schema";
import { outputSources } from "../affected/generated.js";
import { getAffected } from "../affected/run.js";
import { isShipgraphError, ShipgraphError } from "../errors.js";
import { type Git, splitNul } from "../git/git.js";
import type { ShipGraph } from "../graph/build.js";
import { outputClaims, type UndecidedWhy } from "../graph/output-claims.js";
import { type LoadedGraph, loadGraph } from "../load-graph.js";
import type { ProtoIndex } from "../proto/index.js";
import { loadProtoIndex } from "../proto/load.js";
import type { RepoSnapshot } from "../repo/snapshot.js";
import type { GraphNode } from "../types.js";
import { isUnder } from "../util/paths.js";
import { compareStrings } from "../util/sort.js";
import { splitCommand } from "./argv.js";
import { writtenAtBase } from "./base-run.js";
import { compareOutputs, differInGit, listGenerated, outputMatcher } from "./compare.js";
import { unifiedDiff } from "./diff-text.js";
import { applyFix, fixProblem } from "./fix.js";
import { outputsLeftBehind, type Unconfirmed } from "./left-behind.js";
import {
  type DriftGroup,
  type GeneratorNeeds,
  generatorNeeds,
  outputsOverlap,
  planDriftGroups,
  withDependents,
  withRelated,
} from "./plan.js";
import { type ProtoFileEver, protoFilesEver, protoSourcesOf } from "./proto-sources.js";
import { type CommandResult, commandFailure, generatorEnv, inRepository, runCommand } from "./run-command.js";
import { assertUtf8Name, createSandbox, sandboxGit } from "./sandbox.js";

export type DriftStatus = "clean" | "drift" | "failed";

/** Why a generator could not be checked. */
export interface DriftFailure {
  reason:
    | "exit"
    | "signal"
    | "timeout"
    | "spawn"
    | "config"
    | "aborted"
    | "blocked"
    | "unstamped"
    /** --fix would write or delete files a sparse checkout leaves out: nothing was written */
    | "sparse"
    /** --fix would write or delete through a symbolic link out of the repository: nothing was written */
    | "link"
    /** --fix cannot write an output: something that is not a stale output is in the way; nothing was written */
    | "conflict";
  message: string;
  hint?: string;
  exitCode?: number | null;
  signal?: string | null;
  /** The last part of the generator's stderr (and stdout when stderr is empty). */
  output?: string;
  /**
   * Files under its outputs (or that it wrote before failing) that the other generators of its
   * sandbox would have compared: with it failed, what they should hold is unknown, so no generator
   * reports them, and --fix neither writes nor deletes them. Present only when there are some.
   */
  notCompared?: string[];
}

export interface GeneratorDrift {
  name: string;
  status: DriftStatus;
  modified: string[];
  missing: string[];
  stale: string[];
  /** Unified diffs of the modified files (checked in → generated), truncated. */
  diffs: Record<string, string>;
  failure?: DriftFailure;
  /** `--quick`: which hash differs from the stamp. */
  quick?: { inputsChanged: boolean; outputsEdited: boolean };
  /** `--fix` wrote this generator's outputs into the tree. */
  fixed?: boolean;
  /**
   * Files of the tree the generator rewrote or deleted although its `outputs` do not cover them (present
   * only when there are some): drift that --fix does not write; extend `outputs`.
   */
  outsideOutputs?: string[];
  /**
   * Files under its outputs defaulted from its buf template (a plugin's `out/**`) that the run
   * does not write, under the `out` of plugins whose naming shipgraph knows (or `protoOutputs`
   * describe) and named as none of them names files (see OutputClaims.named): code of the
   * repository's own beside the plugin's files. Not stale, no drift, and --fix leaves them: a
   * warning names them (move them, or configure `outputs` that take them in). Sorted; present
   * only when there are some.
   */
  unclaimed?: string[];
  /**
   * Files under its outputs defaulted from its buf template that the run does not write, not
   * named as its plugins name files, that shipgraph cannot leave at a warning (file → why, see
   * UndecidedWhy): under the `out` of a plugin whose naming it does not know, named as another
   * known plugin names files, or deleted by every `buf generate` (`clean: true`). Drift (exit 1)
   * that --fix does not settle: it never deletes them, as it cannot tell they are generated code.
   * Present only when there are some.
   */
  undecided?: Record<string, UndecidedWhy>;
  /** Drifted file → the .proto file it is generated from, where the plugin's naming is known. */
  sources?: Record<string, string>;
  /**
   * With `base`: the `stale` files that were its outputs at the merge base, written by it there
   * (see bufWrites, writtenAtBase), and are no generator's outputs now (a moved `out`, narrowed
   * `outputs`): left behind. Present only when there are
   * some; a generator not selected has a result holding only these. (A generator removed from the
   * config is only warned about: its code may be kept on purpose.)
   */
  leftBehind?: string[];
}

export interface DriftReport {
  clean: boolean;
  generators: GeneratorDrift[];
}

export type DriftProgress = {
  generator: string;
  /**
   * "done": a run at the merge base (`base`) finished; what it found is warned about, if anything.
   * "interrupted": one there stopped by the interrupt (`signal`), which is no failure of its own.
   */
  state: "queued" | "running" | "done" | "interrupted" | DriftStatus;
  elapsedMs: number;
  /**
   * With --base, for a generator run at the merge base (to tell which files it left behind: see
   * writtenAtBase): that commit. Such a run has no "queued" state and ends "done", "failed" or
   * "interrupted".
   */
  base?: string;
};

export interface DriftOptions {
  cwd: string;
  config?: string | undefined;
  /** Generator names; default all (or the affected ones with `base`). */
  generators?: readonly string[] | undefined;
  /** Check only the generators affected since this ref. */
  base?: string | undefined;
  /** Materialise exactly HEAD instead of the working tree. */
  committed?: boolean | undefined;
  /** Write regenerated outputs into the working tree and delete stale ones. */
  fix?: boolean | undefined;
  /** Sandboxes run at once. */
  jobs?: number | undefined;
  /** Per generator. */
  timeoutMs?: number | undefined;
  keepTemp?: boolean | undefined;
  /** Aborting kills the generators' process groups and removes the sandboxes. */
  signal?: AbortSignal | undefined;
  /** Environment for the generators (default: this process's). */
  env?: NodeJS.ProcessEnv | undefined;
  onProgress?: ((event: DriftProgress) => void) | undefined;
  /**
   * Called with each warning the run has: before it runs (an inferred graph: no config file; with
   * `base`, outputs left by a removed generator, or files that may be left behind by one that
   * could not run at the merge base), and as generators run (files one wrote outside
   * its outputs that nothing compares).
   */
  onWarning?: ((message: string) => void) | undefined;
  /** Called with each sandbox directory when `keepTemp` is set. */
  onKeptSandbox?: ((dir: string) => void) | undefined;
}

export const DEFAULT_DRIFT_TIMEOUT_MS = 15 * 60 * 1000;

/**
 * Regenerates each selected generator's outputs in an isolated copy of the repository and
 * compares them byte for byte with the tree. Without `fix`, nothing in the working tree is
 * written, whatever happens. (I/O)
 */
export async function runDrift(options: DriftOptions): Promise<DriftReport> {
  if (options.fix && options.committed) {
    throw new ShipgraphError("USAGE", "--fix cannot be combined with --committed", {
      hint: "--committed checks HEAD; --fix writes the working tree: run them separately",
    });
  }
  const loaded = await loadForDrift(options);
  warnIfInferred(loaded, options.onWarning);
  const needs = generatorNeeds(loaded.graph);
  const { selected, mergeBase } = await chooseGenerators(loaded, options, needs);
  const leftBehind = await leftBehindSince(loaded, options, mergeBase);
  // (read once, and only for a file shaped as a `protoOutputs` pattern's names: see compareGenerator)
  let sources: Promise<ProtoFileEver[]> | undefined;
  const protoSources = () => {
    const texts = [...loaded.graph.nodes.values()].some((n) =>
      n.generator?.protoOutputs?.some((p) => p.onlyWithServices || p.pattern.includes("{package}")),
    );
    sources ??= protoFilesEver(loaded, mergeBase, texts);
    return sources;
  };
  const results = new Map<string, GeneratorDrift>();
  for (const node of selected) options.onProgress?.({ generator: node.name, state: "queued", elapsedMs: 0 });

  const groups = planDriftGroups(loaded.graph, selected, needs);
  const jobs = Math.max(1, options.jobs ?? 2);
  // an error in one group stops the others (their generators killed, sandboxes removed) before
  // it is thrown: the caller may exit as soon as runDrift settles
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) stop.abort();
  const groupOptions = { ...options, signal: stop.signal };
  let next = 0;
  const worker = async () => {
    while (next < groups.length) {
      const group = groups[next++]!;
      const groupResults = stop.signal.aborted
        ? group.generators.map((n) =>
            failed(n.name, { reason: "aborted", message: "interrupted before it ran" }),
          )
        : await runGroup(loaded, group, groupOptions, leftBehind, protoSources);
      for (const result of groupResults) results.set(result.name, result);
    }
  };
  const settled = await Promise.allSettled(
    Array.from({ length: Math.min(jobs, groups.length) }, () =>
      worker().catch((error: unknown) => {
        stop.abort();
        throw error;
      }),
    ),
  );
  options.signal?.removeEventListener("abort", onAbort);
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failure) throw failure.reason;

  for (const result of results.values()) {
    // (compared ones have them already; one that failed before comparing gets them here, unfixed)
    const left = leftBehind.get(result.name);
    if (left !== undefined && result.leftBehind === undefined) addLeftBehind(result, left);
  }
  for (const [name, files] of leftBehind) {
    if (results.has(name)) continue;
    // a generator not selected: only what it left behind to report (and delete)
    const result = addLeftBehind(emptyResult(name), files);
    if (options.fix && !stop.signal.aborted) await fix(loaded, "", result);
    results.set(name, result);
  }
  const generators = [...results.values()].sort((a, b) => compareStrings(a.name, b.name));
  await nameSources(loaded, generators);
  return { clean: generators.every((g) => g.status === "clean"), generators };
}

/** Adds `sources` to the generators that drifted: which .proto each drifted file comes from. (I/O) */
async function nameSources(loaded: LoadedGraph, generators: GeneratorDrift[]): Promise<void> {
  const drifted = generators.filter((g) => g.modified.length + g.missing.length + g.stale.length > 0);
  const withProtos = drifted.filter((g) => loaded.graph.nodes.get(`generator:${g.name}`)?.generator?.reads);
  if (withProtos.length === 0) return;
  let protos: ProtoIndex;
  try {
    protos = await loadProtoIndex(loaded.graph, loaded.snapshot);
  } catch (error) {
    if (isShipgraphError(error)) return; // a proto that does not parse: the drift itself shows it
    throw error;
  }
  for (const result of withProtos) {
    const sources = outputSources(
      loaded.graph,
      loaded.graph.nodes.get(`generator:${result.name}`)!.generator!,
      protos,
    );
    const named: Record<string, string> = {};
    for (const file of [...result.modified, ...result.missing, ...result.stale].sort(compareStrings)) {
      const source = sources.get(file);
      if (source !== undefined) named[file] = source;
    }
    if (Object.keys(named).length > 0) result.sources = named;
  }
}

/** Which of `paths` are tracked files a sparse checkout leaves out (skip-worktree). (I/O) */
export async function sparseLeftOut(git: Git, paths: readonly string[]): Promise<string[]> {
  if (paths.length === 0) return [];
  const listed = await git.lsFiles(paths, ["-t"]);
  return listed.filter((entry) => entry.startsWith("S ")).map((entry) => entry.slice(2));
}

/** Without a config file the graph is inferred: its warnings say so, as affected's do. */
export function warnIfInferred(
  loaded: LoadedGraph,
  onWarning: ((message: string) => void) | undefined,
): void {
  if (loaded.inferred) for (const warning of loaded.graph.warnings) onWarning?.(warning);
}

async function loadForDrift(options: DriftOptions): Promise<LoadedGraph> {
  // generates edges: a generator that reads another's outputs runs after it (generatorNeeds)
  const common = { cwd: options.cwd, config: options.config, generatesEdges: true };
  if (!options.committed) return loadGraph({ ...common, untracked: true });
  const first = await loadGraph(common);
  const head = await first.git.resolveCommit("HEAD");
  if (!head) throw new ShipgraphError("HEAD_NOT_FOUND", "--committed: the repository has no commits yet");
  return loadGraph({ ...common, root: first.root, commit: head });
}

/**
 * The generator nodes to check: named ones, or all; with `base`, those affected since it and
 * those that need one of them (its outputs may change: see generatorNeeds); plus those whose
 * outputs overlap a chosen one's and those a chosen one needs (see withRelated).
 */
export async function selectGenerators(
  loaded: LoadedGraph,
  options: Pick<DriftOptions, "generators" | "base" | "cwd" | "config" | "committed">,
  needs: GeneratorNeeds = generatorNeeds(loaded.graph),
): Promise<GraphNode[]> {
  return (await chooseGenerators(loaded, options, needs)).selected;
}

/** selectGenerators, and with `base` the merge base it was compared with (null without one). */
export async function chooseGenerators(
  loaded: LoadedGraph,
  options: Pick<DriftOptions, "generators" | "base" | "cwd" | "config" | "committed">,
  needs: GeneratorNeeds,
): Promise<{ selected: GraphNode[]; mergeBase: string | null }> {
  const all = [...loaded.graph.nodes.values()].filter((n) => n.kind === "generator");
  let selected = all;
  if (options.generators && options.generators.length > 0) {
    const names = new Set(all.map((n) => n.name));
    for (const name of options.generators) {
      if (!names.has(name)) {
        const suggestion = closest(name, [...names]);
        throw new ShipgraphError("UNKNOWN_NODE", `no generator named "${name}"`, {
          hint: suggestion
            ? `did you mean "${suggestion}"?`
            : `generators: ${[...names].join(", ") || "(none)"}`,
        });
      }
    }
    selected = all.filter((n) => options.generators!.includes(n.name));
  }
  let mergeBase: string | null = null;
  if (options.base !== undefined) {
    // what the check will see: committed changes, plus the working tree's unless --committed
    const working = !options.committed;
    const { report } = await getAffected({
      cwd: options.cwd,
      config: options.config,
      base: options.base,
      uncommitted: working,
      untracked: working,
    });
    ({ mergeBase } = report);
    const affected = new Set(report.affected.generator);
    // (among the named ones, if any)
    selected = withDependents(
      selected,
      selected.filter((n) => affected.has(n.name)),
      needs,
    );
  }
  return { selected: withRelated(all, selected, needs), mergeBase };
}

/**
 * With `base`, the files each generator left behind since the merge base (see outputsLeftBehind):
 * of the named generators only, when some are named. Empty without `base`. With `runs: false`
 * (--quick, which starts no generator), the files of a generator only a base run could confirm
 * (see confirmLeftBehind) are a warning instead. (I/O)
 */
export async function leftBehindSince(
  loaded: LoadedGraph,
  options: DriftOptions,
  mergeBase: string | null,
  runs = true,
): Promise<Map<string, string[]>> {
  if (options.base === undefined) return new Map();
  if (mergeBase === null) {
    options.onWarning?.(
      `outputs left behind were not looked for: ${options.base} and HEAD have no merge base to compare the outputs with`,
    );
    return new Map();
  }
  const { files, unconfirmed, warning } = await outputsLeftBehind(loaded, mergeBase, options.config);
  if (warning !== undefined) options.onWarning?.(warning);
  const named = options.generators && options.generators.length > 0 ? new Set(options.generators) : undefined;
  const out = new Map<string, string[]>();
  // the generators an interrupt left unchecked at the merge base: said once, not one warning each
  const interrupted: string[] = [];
  for (const [name, list] of [...files].sort(([a], [b]) => compareStrings(a, b))) {
    if (named && !named.has(name)) continue;
    if (loaded.graph.nodes.has(`generator:${name}`)) {
      const doubt = unconfirmed.get(name);
      if (doubt === undefined) {
        out.set(name, list);
        continue;
      }
      const doubted = new Set(doubt.files);
      let confirmed: string[];
      if (!runs) {
        confirmed = unconfirmedWarning(
          options,
          mergeBase,
          doubt.node,
          doubt.files,
          "--quick runs no generator to tell whether it wrote them",
          `shipgraph drift --base ${options.base}`,
        );
      } else {
        const run = await confirmLeftBehind(loaded, options, mergeBase, doubt);
        // (interrupted: none of its files is reported, so --fix deletes none of them)
        if (run === "interrupted") {
          interrupted.push(name);
          continue;
        }
        confirmed = run;
      }
      const left = [...list.filter((path) => !doubted.has(path)), ...confirmed].sort(compareStrings);
      if (left.length > 0) out.set(name, left);
      continue;
    }
    // A generator removed from the config may leave code kept on purpose (maintained by hand
    // now): said, not drift, which nothing could then make pass; --fix leaves it alone.
    const shown = list.slice(0, 5).join(", ");
    options.onWarning?.(
      `generator ${name} is gone from the config since the merge base ${mergeBase.slice(0, 12)}, and ${list.length} of its outputs are still in the tree as it wrote them (${shown}${list.length > 5 ? ", …" : ""}): delete them if nothing uses them (\`git rm -r\`), or keep them as code of your own`,
    );
  }
  if (interrupted.length > 0) {
    options.onWarning?.(
      `interrupted: ${interrupted.length} generator(s) not run at the merge base ${mergeBase.slice(0, 12)}, so the files they may have left behind were not checked (${interrupted.join(", ")})`,
    );
  }
  return out;
}

/**
 * Of the files a generator may have left behind that only its `outputs` at the merge base vouch
 * for (another command's; under a buf plugin's `out`, not what a plugin whose names shipgraph
 * knows writes for a .proto file there), those it writes when run there, as the tree has them (see
 * writtenAtBase): a glob that was too broad, or an `out` shared with code of the repository's own,
 * took in the others: not reported, and said only for one named as a known buf plugin names its
 * files (see Unconfirmed.named: stale there already, or copied in). Those it writes otherwise (a
 * stub it writes only when missing, filled in by hand since), and all of them when it cannot run
 * there, are not reported, and --fix deletes none: a warning names them, and why. Once
 * `options.signal` has aborted (an interrupt), "interrupted", without a warning: the caller says
 * it once for all. (I/O: runs the generator, as the merge base has it, in a sandbox)
 */
async function confirmLeftBehind(
  loaded: LoadedGraph,
  options: DriftOptions,
  mergeBase: string,
  { node, files: candidates, named }: Unconfirmed,
): Promise<string[] | "interrupted"> {
  // (once interrupted, this one and the rest are not checked: the caller says so once)
  if (options.signal?.aborted) return "interrupted";
  // (it may take as long as the main run: a progress line of its own, timing the copy and the run)
  const started = Date.now();
  options.onProgress?.({ generator: node.name, state: "running", elapsedMs: 0, base: mergeBase });
  const run = await writtenAtBase(loaded, node, mergeBase, candidates, {
    env: options.env ?? process.env,
    timeoutMs: options.timeoutMs ?? DEFAULT_DRIFT_TIMEOUT_MS,
    signal: options.signal,
    keepTemp: options.keepTemp ?? false,
    onKeptSandbox: options.onKeptSandbox,
    onWarning: options.onWarning,
  });
  // (killed by the interrupt, or failing as it came: not checked either way)
  const interrupted = "unknown" in run && options.signal?.aborted === true;
  options.onProgress?.({
    generator: node.name,
    state: interrupted ? "interrupted" : "unknown" in run ? "failed" : "done",
    elapsedMs: Date.now() - started,
    base: mergeBase,
  });
  if ("unknown" in run) {
    if (interrupted) return "interrupted";
    return unconfirmedWarning(
      options,
      mergeBase,
      node,
      candidates,
      `could not run ${node.name} at ${mergeBase.slice(0, 12)} to tell whether it wrote them: ${run.unknown}`,
    );
  }
  if (run.otherwise.length > 0) {
    unconfirmedWarning(
      options,
      mergeBase,
      node,
      run.otherwise,
      `${node.name} run at ${mergeBase.slice(0, 12)} writes them, but not as the tree has them (a stub it writes only when one is missing, filled in by hand since? or generated code already stale there)`,
    );
  }
  // (a file it does not write is code of the repository's own, unless named as generated code)
  const wrote = new Set([...run.written, ...run.otherwise]);
  const unwritten = named.filter((path) => !wrote.has(path));
  if (unwritten.length > 0) {
    unconfirmedWarning(
      options,
      mergeBase,
      node,
      unwritten,
      `they are named as its buf plugins name the files they write, but ${node.name} run at ${mergeBase.slice(0, 12)} does not write them (generated for a .proto file gone before it, stale there already? or code copied in)`,
    );
  }
  return run.written;
}

/**
 * Warns that a generator's `candidates` may be left behind, and why it is not known (`why`);
 * none is reported (nothing: the list returned is empty). `instead`: a command that can tell. Pure
 * but for the warning.
 */
function unconfirmedWarning(
  options: Pick<DriftOptions, "onWarning">,
  mergeBase: string,
  node: GraphNode,
  candidates: readonly string[],
  why: string,
  instead?: string,
): string[] {
  const shown = candidates.slice(0, 5).join(", ");
  options.onWarning?.(
    `${candidates.length} file(s) under the outputs of ${node.name} at the merge base ${mergeBase.slice(0, 12)}, no generator's outputs now, may be left behind (${shown}${candidates.length > 5 ? ", …" : ""}): ${why}. They are not reported${instead === undefined ? ", and --fix leaves them: look at each, delete (`git rm`) those that are generated code, which nothing regenerates now, and keep those written or edited by hand" : `: \`${instead}\` runs ${node.name} as the merge base had it to tell`}`,
  );
  return [];
}

/** Adds files left behind to a generator's result: they are stale, and it drifted. */
export function addLeftBehind(result: GeneratorDrift, files: readonly string[]): GeneratorDrift {
  result.stale = [...new Set([...result.stale, ...files])].sort(compareStrings);
  result.leftBehind = [...files];
  if (result.status === "clean") result.status = "drift";
  return result;
}

export function emptyResult(name: string): GeneratorDrift {
  return { name, status: "clean", modified: [], missing: [], stale: [], diffs: {} };
}

function failed(name: string, failure: DriftFailure): GeneratorDrift {
  return { ...emptyResult(name), status: "failed", failure };
}

/** A generator of a group that failed or did not run, and the files it leaves unknown. */
interface Unknown {
  node: GraphNode;
  failed: boolean;
  covers: (path: string) => boolean;
}

/**
 * Runs one group of generators in one sandbox, in order, then compares each one's outputs. A
 * generator that fails (or does not run) leaves unknown what its outputs should hold, and what it
 * wrote before failing: no other generator of the group reports those files or fixes them (the
 * failure names them), and a generator that needs its outputs, or outputs they overlap, does not
 * run. The others run and report the rest.
 */
async function runGroup(
  loaded: LoadedGraph,
  group: DriftGroup,
  options: DriftOptions,
  leftBehind: ReadonlyMap<string, string[]>,
  protoSources: () => Promise<readonly ProtoFileEver[]>,
): Promise<GeneratorDrift[]> {
  const { generators } = group;
  const results: GeneratorDrift[] = [];
  const commands = new Map<string, string[]>();
  for (const node of generators) {
    const problem = configProblem(loaded.graph, node, commands);
    if (problem) results.push(failed(node.name, problem));
  }
  if (results.length > 0) {
    // A generator of this workspace cannot run: the others' outputs may depend on it.
    return generators.map(
      (node) =>
        results.find((r) => r.name === node.name) ??
        failed(node.name, {
          reason: "blocked",
          message: `not run: ${results.map((r) => r.name).join(", ")} in the same workspace cannot run`,
        }),
    );
  }

  const groupOutputs = generators.flatMap((n) => n.generator!.outputs);
  const excluded = outputMatcher(loaded.graph, generators);
  const sandbox = await createSandbox(loaded.git, {
    committed: options.committed ?? false,
    exclude: excluded,
    outputs: groupOutputs,
    keep: options.keepTemp ?? false,
    onWarning: options.onWarning,
  });
  try {
    if (options.keepTemp) options.onKeptSandbox?.(sandbox.dir);
    const runs = new Map<string, CommandResult>();
    const outside = new Map<string, string[]>();
    // the files outside the outputs before each generator runs: what it deletes among them shows
    let present = sandboxFiles(sandbox.dir, excluded);
    const unknown: Unknown[] = [];
    for (const node of generators) {
      const notRun = options.signal?.aborted
        ? { reason: "aborted" as const, message: "interrupted before it ran" }
        : blockedBy(node, group, unknown);
      if (notRun !== undefined) {
        results.push(failed(node.name, notRun));
        unknown.push({ node, failed: false, covers: outputMatcher(loaded.graph, [node]) });
        options.onProgress?.({ generator: node.name, state: "failed", elapsedMs: 0 });
        continue;
      }
      options.onProgress?.({ generator: node.name, state: "running", elapsedMs: 0 });
      // what the others generated so far: should it fail, what it changed among them is unknown
      const before = generators.length > 1 ? outputTimes(sandbox.dir, groupOutputs, excluded) : undefined;
      // (in its cwd, as `cd <cwd> && <run>` from the root of the copy)
      const cwd = join(sandbox.dir, node.generator!.cwd ?? "");
      const result = await runCommand(commands.get(node.name)!, {
        cwd,
        env: generatorEnv(options.env ?? process.env, sandbox.dir, node.generator!.cwd ?? ""),
        timeoutMs: options.timeoutMs ?? DEFAULT_DRIFT_TIMEOUT_MS,
        signal: options.signal,
      });
      runs.set(node.name, result);
      const failure = commandFailure(result, options.timeoutMs ?? DEFAULT_DRIFT_TIMEOUT_MS, (text) =>
        inRepository(text, sandbox.dir, loaded.root),
      );
      if (failure) {
        results.push(failed(node.name, failure));
        const own = outputMatcher(loaded.graph, [node]);
        const wrote = new Set(before ? changedOutputs(before, sandbox.dir, groupOutputs, excluded) : []);
        unknown.push({ node, failed: true, covers: (path) => own(path) || wrote.has(path) });
        options.onProgress?.({ generator: node.name, state: "failed", elapsedMs: result.durationMs });
        if (generators.length > 1) present = sandboxFiles(sandbox.dir, excluded);
      } else {
        const changed = await changedOutsideOutputs(loaded.snapshot, sandbox.dir, excluded, present);
        outside.set(node.name, changed.paths);
        if (changed.created.length > 0) {
          const shown = changed.created.slice(0, 5).join(", ");
          options.onWarning?.(
            `${node.name} wrote ${changed.created.length} file(s) outside its outputs that the tree does not have and the repository does not ignore (${shown}${changed.created.length > 5 ? ", …" : ""}): they are not compared; if they are generated code to check in, add them to its \`outputs\``,
          );
        }
        present = changed.after;
      }
    }
    const notCompared = new Map<string, Set<string>>();
    const isUnknown = (path: string) => unknown.some((u) => u.covers(path));
    for (const node of generators) {
      if (results.some((r) => r.name === node.name)) continue;
      const { result, skipped } = await compareGenerator(loaded, sandbox.dir, node, isUnknown, protoSources);
      for (const path of skipped) {
        for (const u of unknown) {
          if (!u.covers(path)) continue;
          const files = notCompared.get(u.node.name) ?? new Set<string>();
          notCompared.set(u.node.name, files.add(path));
        }
      }
      if (result.unclaimed !== undefined) {
        options.onWarning?.(unclaimedWarning(loaded.graph, node, result.unclaimed));
      }
      const elsewhere = outside.get(node.name) ?? [];
      if (elsewhere.length > 0) {
        // the tree's copies of these files are not what generation produces, and --fix may not write them
        result.outsideOutputs = elsewhere;
        result.status = "drift";
      }
      if (result.status === "clean" && skipped.length > 0) {
        // clean but for files it could not compare: not clean (drift found elsewhere still stands)
        const by = unknown.filter((u) => skipped.some(u.covers)).map((u) => u.node.name);
        result.status = "failed";
        result.failure = {
          reason: "blocked",
          message: `${skipped.length} of its files were not compared: they lie under the outputs of ${by.join(", ")}, which ${by.length === 1 ? "" : "each "}failed or did not run`,
        };
      }
      const left = leftBehind.get(node.name);
      if (left !== undefined) addLeftBehind(result, left);
      // (not once the run is stopping: interrupted, or another group failed)
      if (options.fix && result.status === "drift" && !options.signal?.aborted) {
        await fix(loaded, sandbox.dir, result);
      }
      results.push(result);
      options.onProgress?.({
        generator: node.name,
        state: result.status,
        elapsedMs: runs.get(node.name)?.durationMs ?? 0,
      });
    }
    for (const result of results) {
      const files = notCompared.get(result.name);
      if (files && result.failure) result.failure.notCompared = [...files].sort(compareStrings);
    }
  } finally {
    sandbox.dispose();
  }
  return results;
}

/**
 * --fix for one drifted result: writes its modified and missing files from the sandbox and deletes
 * its stale ones, unless something is in the way (a sparse checkout, a link out of the repository,
 * a file that is not a stale output), which fails the result with nothing written. (I/O: writes
 * the working tree)
 */
async function fix(loaded: LoadedGraph, sandboxDir: string, result: GeneratorDrift): Promise<void> {
  const leftOut = await sparseLeftOut(loaded.git, [...result.modified, ...result.stale]);
  // written, git would not see them (skip-worktree); deleted, nothing would change
  const problem =
    leftOut.length > 0
      ? {
          reason: "sparse" as const,
          message: `--fix would write or delete ${leftOut.length} file(s) the sparse checkout leaves out (${leftOut.slice(0, 3).join(", ")}${leftOut.length > 3 ? ", …" : ""}): nothing written`,
          hint: `add them to the sparse checkout (\`git sparse-checkout add ${[...new Set(leftOut.map((path) => path.slice(0, path.lastIndexOf("/") + 1) || "/"))].slice(0, 3).join(" ")}\`) and run --fix again`,
        }
      : fixProblem(loaded.root, result);
  if (problem !== undefined) {
    result.status = "failed";
    result.failure = problem;
    return;
  }
  await applyFix(loaded.root, sandboxDir, result);
  // (files rewritten outside the outputs are not written: only they left, nothing was fixed)
  if (result.modified.length + result.missing.length + result.stale.length > 0) result.fixed = true;
}

/** Why `node` must not run: it needs the outputs of a generator that failed or did not run, or outputs overlapping them. */
function blockedBy(
  node: GraphNode,
  group: DriftGroup,
  unknown: readonly Unknown[],
): DriftFailure | undefined {
  const needed = group.generators.filter((g) => group.needs.get(node.id)?.has(g.id));
  for (const u of unknown) {
    const via = needed.find((g) => g === u.node) ?? needed.find((g) => outputsOverlap(g, u.node));
    if (via === undefined) continue;
    const what = via === u.node ? "" : `, whose outputs overlap those of ${u.node.name},`;
    return {
      reason: "blocked",
      message: `not run: it needs what ${via.name} generates${what} and ${u.node.name} ${u.failed ? "failed" : "did not run"}`,
    };
  }
  return undefined;
}

/** The outputs (under the `outputs` globs, as `isOutput` tells) in the sandbox, each with its fileStamp. (I/O) */
function outputTimes(
  sandboxDir: string,
  outputs: readonly string[],
  isOutput: (path: string) => boolean,
): Map<string, string> {
  return new Map(
    listGenerated(sandboxDir, outputs, isOutput).map((path) => [path, fileStamp(join(sandboxDir, path))]),
  );
}

/**
 * A file's modification and change times (ns) and size: what a write changes. Compared before and
 * after a generator runs, it tells what that generator wrote, with no time window (which would
 * credit a file written just before to the generator that runs next). (I/O)
 */
function fileStamp(abs: string): string {
  const stat = lstatSync(abs, { bigint: true });
  return `${stat.mtimeNs}:${stat.ctimeNs}:${stat.size}`;
}

/** Files under `outputs` created, rewritten or removed since `before` was listed. (I/O) */
function changedOutputs(
  before: ReadonlyMap<string, string>,
  sandboxDir: string,
  outputs: readonly string[],
  isOutput: (path: string) => boolean,
): string[] {
  const after = outputTimes(sandboxDir, outputs, isOutput);
  const changed = [...before.keys()].filter((path) => !after.has(path));
  for (const [path, stamp] of after) if (before.get(path) !== stamp) changed.push(path);
  return changed;
}

function configProblem(
  graph: ShipGraph,
  node: GraphNode,
  commands: Map<string, string[]>,
): DriftFailure | undefined {
  const generator = node.generator!;
  const where = `${graph.configFile} generators.${node.name}.run`;
  if (generator.run === undefined) {
    return {
      reason: "config",
      message: "no `run` command (and no template to default one from)",
      hint: `set ${where}`,
    };
  }
  if (generator.outputs.length === 0) {
    return {
      reason: "config",
      message: "no outputs to compare",
      hint: `set ${graph.configFile} generators.${node.name}.outputs`,
    };
  }
  const cwd = generator.cwd;
  if (cwd !== undefined && !graph.files.some((file) => isUnder(file, cwd) && file !== cwd)) {
    // (the copy holds the repository's files: a directory of none is not there to run in)
    return {
      reason: "config",
      message: `its cwd "${cwd}" is no directory of the repository (no file is there)`,
      hint: `set ${graph.configFile} generators.${node.name}.cwd to the directory you run \`${typeof generator.run === "string" ? generator.run : (generator.run ?? []).join(" ")}\` in`,
    };
  }
  // (outputs never take in what the generator reads: explicit ones that would are a config error
  // when the graph is built, and its inputs are no outputs: see OwnerIndex.outputsOf)
  try {
    commands.set(
      node.name,
      typeof generator.run === "string" ? splitCommand(generator.run, where) : [...generator.run],
    );
  } catch (error) {
    return {
      reason: "config",
      message: (error as Error).message,
      hint: "give `run` as a list of arguments, or call a script",
    };
  }
  return undefined;
}

/**
 * Which of `paths` the repository's own ignore rules ignore: its .gitignore files as the sandbox
 * holds them (HEAD's with --committed, the working tree's otherwise), never this machine's
 * (info/exclude, core.excludesFile), which CI does not have: a generated file only they ignore
 * is still missing there. git reads them through an empty repository, made without templates,
 * whose work tree is the sandbox. (I/O)
 */
async function ignoredPaths(sandboxDir: string, paths: readonly string[]): Promise<Set<string>> {
  // exit 1 (none ignored) and errors alike give nothing: the files then count as missing
  const out = await sandboxGit(
    sandboxDir,
    ["check-ignore", "--no-index", "--stdin", "-z"],
    `${paths.join("\0")}\0`,
  );
  return new Set(out === undefined ? [] : splitNul(out));
}

/**
 * Generated files that are checked in with the other x bit than the generator gives them (git
 * records it: 100755 or 100644): path → [tree mode, generated mode]. Links have no such bit. (I/O)
 */
async function executableBitChanges(
  snapshot: RepoSnapshot,
  sandboxDir: string,
  generated: readonly string[],
  treeFiles: readonly string[],
): Promise<Map<string, [string, string]>> {
  const inTree = new Set(treeFiles);
  const files = generated.filter((path) => inTree.has(path) && lstatSync(join(sandboxDir, path)).isFile());
  const out = new Map<string, [string, string]>();
  if (files.length === 0) return out;
  const [treeExecutable, treeLinks] = await Promise.all([
    snapshot.executables(files),
    snapshot.symlinks(files),
  ]);
  const mode = (executable: boolean) => (executable ? "100755" : "100644");
  for (const path of files) {
    if (treeLinks.has(path)) continue; // a link becoming a file: its content comparison tells
    const executable = (lstatSync(join(sandboxDir, path)).mode & 0o100) !== 0;
    if (executable !== treeExecutable.has(path))
      out.set(path, [mode(treeExecutable.has(path)), mode(executable)]);
  }
  return out;
}

/** The sandbox's files (not links) outside the group's outputs, each with its fileStamp. (I/O) */
function sandboxFiles(sandboxDir: string, isOutput: (path: string) => boolean): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(join(sandboxDir, dir), { withFileTypes: true })) {
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isSymbolicLink() || entry.name === ".git" || entry.name === "node_modules") continue;
      if (entry.isDirectory()) walk(path, path);
      else if (!isOutput(path)) out.set(path, fileStamp(join(sandboxDir, path)));
    }
  };
  walk("", "");
  return out;
}

/**
 * Tree files (tracked or untracked, not ignored) that a generator rewrote in the sandbox outside
 * the group's outputs (its fileStamp changed from `before`, confirmed by content), or deleted (there
 * `before` it ran, gone after: buf's `clean: true` over a hand-written file in `out`), sorted;
 * the files it created there that the tree does not have and the repository does not ignore
 * (`created`, sorted: generated code its `outputs` may miss, which nothing compares); and the
 * sandbox's files now, the next generator's `before`. (I/O)
 */
async function changedOutsideOutputs(
  snapshot: RepoSnapshot,
  sandboxDir: string,
  isOutput: (path: string) => boolean,
  before: ReadonlyMap<string, string>,
): Promise<{ paths: string[]; created: string[]; after: Map<string, string> }> {
  const after = sandboxFiles(sandboxDir, isOutput);
  const inTree = new Set(snapshot.files);
  // (written by this generator: its stamp is not what it was before it ran)
  const touched = [...after]
    .filter(([path, stamp]) => before.get(path) !== stamp && inTree.has(path))
    .map(([path]) => path);
  const original = await snapshot.readBytes(touched);
  const rewritten = touched.filter((path) => {
    const bytes = original.get(path);
    return bytes !== undefined && !bytes.equals(readFileSync(join(sandboxDir, path)));
  });
  const deleted = [...before.keys()].filter((path) => !after.has(path) && inTree.has(path));
  const created = [...after.keys()].filter((path) => !before.has(path) && !inTree.has(path));
  const ignored = created.length > 0 ? await ignoredPaths(sandboxDir, created) : new Set<string>();
  return {
    paths: [...rewritten, ...deleted].sort(compareStrings),
    created: created.filter((path) => !ignored.has(path)).sort(compareStrings),
    after,
  };
}

/**
 * Compares a generator's outputs in the sandbox with the tree's, but for the files `isUnknown`
 * holds: those are `skipped` (tree or generated, sorted), neither reported nor fixed. A file the
 * run does not write that is shaped as a `protoOutputs` pattern's names is stale only when the
 * pattern gives its name for a .proto file of `protoSources` the generator writes for (see
 * protoSourcesOf; read only then). (I/O)
 */
async function compareGenerator(
  loaded: LoadedGraph,
  sandboxDir: string,
  node: GraphNode,
  isUnknown: (path: string) => boolean,
  protoSources: () => Promise<readonly ProtoFileEver[]>,
): Promise<{ result: GeneratorDrift; skipped: string[] }> {
  const { snapshot } = loaded;
  const outputs = node.generator!.outputs;
  const matches = outputMatcher(loaded.graph, [node]);
  let treeFiles = snapshot.files.filter(matches);
  // (one git names with bytes that are not UTF-8 cannot be read: it would drop out of the comparison)
  for (const path of treeFiles) assertUtf8Name(path, "the repository has the output");
  let generated = listGenerated(sandboxDir, outputs, matches);
  // a generated file the repository ignores (.gitignore) is never checked in: not drift
  const inTree = new Set(treeFiles);
  const untracked = generated.filter((path) => !inTree.has(path));
  if (untracked.length > 0) {
    const ignored = await ignoredPaths(sandboxDir, untracked);
    if (ignored.size > 0) generated = generated.filter((path) => !ignored.has(path));
  }
  const skipped = [...new Set([...treeFiles, ...generated].filter(isUnknown))].sort(compareStrings);
  if (skipped.length > 0) {
    treeFiles = treeFiles.filter((path) => !isUnknown(path));
    generated = generated.filter((path) => !isUnknown(path));
  }
  const comparison = await compareOutputs(
    sandboxDir,
    generated,
    treeFiles,
    await snapshot.symlinks(treeFiles),
    (paths) => snapshot.readBytes(paths),
  );
  const contentChanged = await differInGit(snapshot, sandboxDir, comparison.modified);
  // (with core.fileMode false, as on Windows, git ignores the x bit of the working tree)
  const modeChanged = (await loaded.git.xBitCounts())
    ? await executableBitChanges(snapshot, sandboxDir, generated, treeFiles)
    : new Map<string, [string, string]>();
  comparison.modified = [...new Set([...contentChanged, ...modeChanged.keys()])].sort(compareStrings);
  const diffs: Record<string, string> = {};
  for (const path of comparison.modified) {
    const mode = modeChanged.get(path);
    const content = contentChanged.includes(path) ? comparison.contents.get(path) : undefined;
    diffs[path] =
      (mode ? `old mode ${mode[0]}\nnew mode ${mode[1]}\n` : "") +
      (content ? await unifiedDiff(path, content.tree!, content.generated) : "");
  }
  // (a file the run does not write is stale only when shown to be generated code: see OutputClaims)
  let claims = outputClaims(loaded.graph, node);
  if (comparison.stale.some((path) => !claims.named(path) && claims.patterned(path)))
    claims = outputClaims(loaded.graph, node, protoSourcesOf(loaded.graph, node, await protoSources()));
  const stale = comparison.stale.filter(claims.named);
  const unclaimed: string[] = [];
  const undecided: Record<string, UndecidedWhy> = {};
  for (const path of comparison.stale) {
    if (claims.named(path)) continue;
    const why = claims.undecided(path);
    if (why === undefined) unclaimed.push(path);
    else undecided[path] = why;
  }
  const undecidedCount = Object.keys(undecided).length;
  const drift = comparison.modified.length + comparison.missing.length + stale.length + undecidedCount > 0;
  return {
    result: {
      name: node.name,
      status: drift ? "drift" : "clean",
      modified: comparison.modified,
      missing: comparison.missing,
      stale,
      diffs,
      ...(unclaimed.length > 0 ? { unclaimed } : {}),
      ...(undecidedCount > 0 ? { undecided } : {}),
    },
    skipped,
  };
}

/**
 * The warning for a generator's `unclaimed` files (see GeneratorDrift.unclaimed): what they are,
 * that --fix leaves them, and the two ways to settle it. Pure.
 */
function unclaimedWarning(graph: ShipGraph, node: GraphNode, files: readonly string[]): string {
  const template = node.generator?.buf;
  const outs = [
    ...new Set(
      (template?.plugins ?? []).filter((p) => files.some((f) => isUnder(f, p.out))).map((p) => p.out),
    ),
  ].sort(compareStrings);
  const where = outs.map((out) => (out === "" ? "the repository root" : out)).join(", ");
  const shown = files.slice(0, 5).join(", ");
  // (with `clean: true` they are `undecided`, not unclaimed: buf deletes them)
  return `${node.name}: ${files.length} file(s) under its outputs (the template's out ${where}) that it does not write and that are named as none of its plugins names files (${shown}${files.length > 5 ? ", …" : ""}): taken for code of your own: not reported as stale, and --fix leaves them. If they are generated code, set ${graph.configFile} generators.${node.name}.outputs to globs that take them in (drift then reports them stale and --fix deletes them); to end this warning, move them out of ${where}`;
}
