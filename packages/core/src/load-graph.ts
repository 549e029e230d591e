import { readFileSync } from "node:fs";
import { join, posix } from "node:path";
import type { Config } from "@shipgraph/config-schema";
import { type BufTemplate, localArgPaths, parseBufTemplate, templateOutDirs } from "./buf/template.js";
import {
  CONFIG_FILE_NAMES,
  type ConfigSource,
  findConfigFile,
  isModuleConfig,
  parseConfigText,
  readConfigFile,
  relativeImports,
} from "./config/load.js";
import { normalizeConfig } from "./config/normalize.js";
import { parseKeyPath } from "./config/parse.js";
import { discover, generatorTemplate, inlineTemplate } from "./discover/index.js";
import { prefetchWorkspaceManifests } from "./discover/workspaces.js";
import { isShipgraphError, ShipgraphError } from "./errors.js";
import { findRepoRoot, Git } from "./git/git.js";
import { buildGraph, type ShipGraph } from "./graph/build.js";
import { globBase } from "./graph/owners.js";
import { inferConfig } from "./init/infer.js";
import {
  commitSnapshot,
  type ListingScope,
  type RepoSnapshot,
  startWorktreeListing,
  worktreeSnapshot,
} from "./repo/snapshot.js";
import { mark } from "./util/trace.js";

export interface LoadGraphOptions {
  /** A directory inside the repository. */
  cwd: string;
  /** The repository root, when the caller already knows it (saves a git call). */
  root?: string | undefined;
  /** Config file path (relative to the repository root, or absolute). Default: found at the root. */
  config?: string | undefined;
  /** Build the graph from this commit instead of the working tree. */
  commit?: string | undefined;
  /** Include untracked, not-ignored files in the working tree's file list. */
  untracked?: boolean | undefined;
  /**
   * "full" (default): the snapshot lists every file (drift, stamps). "graph": only the files
   * building the graph needs (affected, graph), which is much less on large repositories.
   */
  scope?: "full" | "graph" | undefined;
  /** The caller will ask the snapshot for blob ids (stamps): start what they need right away. */
  blobIds?: boolean | undefined;
  /** Compute generator → consumer (`generates`) edges; default true (see BuildGraphInput). */
  generatesEdges?: boolean | undefined;
}

export interface LoadedGraph {
  root: string;
  git: Git;
  snapshot: RepoSnapshot;
  config: Config;
  graph: ShipGraph;
  /** True when no config file exists and the graph was inferred (see `shipgraph init`). */
  inferred?: boolean;
}

/** Finds the repository, reads and validates the config, discovers and builds the graph. (I/O) */
export async function loadGraph(options: LoadGraphOptions): Promise<LoadedGraph> {
  const root = options.root ?? (await findRepoRoot(options.cwd));
  const git = new Git(root);
  const configFile = findConfigFileOrInfer(root, options.config);
  if (configFile === undefined) {
    await assertNoConfigLeftOut(git);
    return loadInferredGraph(root, git, options);
  }
  let snapshot: RepoSnapshot;
  let source: ConfigSource;
  // a full listing does not depend on the config: git lists untracked files (and finds which
  // tracked ones changed) while the config is parsed
  const fullListing =
    !options.commit && options.scope !== "graph"
      ? startWorktreeListing(git, {
          untracked: options.untracked ?? false,
          indexState: options.blobIds ?? false,
        })
      : undefined;
  fullListing?.snapshot.catch(() => {}); // awaited below
  if (options.commit) {
    snapshot = await commitSnapshot(git, options.commit);
    source = await readConfigAt(snapshot, root, configFile);
  } else {
    source = await readConfigFile(root, configFile);
  }
  const config = normalizeConfig(source);
  mark("config read and validated");
  // what discovery reads through: the snapshot, or the snapshot with manifests read ahead (only
  // for discovery: callers get the plain snapshot, which reads the working tree as it is then)
  let reader = options.commit ? snapshot! : undefined;
  if (fullListing) {
    ({ snapshot, reader } = await readAheadUnlessIndexed(root, fullListing));
  } else if (!options.commit) {
    // the reads below are synchronous: let git calls started by the caller (the diff) move on first
    await turnEventLoop();
    // only some files listed: package.json files, protos, the directories of the config's globs
    const scope = graphScope(
      config,
      (t, outBase, cwd) => readTemplateOuts(root, t, outBase, cwd),
      (t, cwd) => readPluginPaths(root, t, cwd),
    );
    const listing = startWorktreeListing(git, { untracked: options.untracked ?? false, scope });
    listing.snapshot.catch(() => {}); // awaited below; do not let a rejection go unhandled meanwhile
    mark("index read");
    ({ snapshot, reader } = await readAheadUnlessIndexed(root, listing));
    mark("files listed");
    await turnEventLoop();
  }
  const discovered = await discover(reader!, config);
  mark("discovered");
  await turnEventLoop();
  let graph: ShipGraph;
  try {
    graph = buildGraph({
      config,
      configFile,
      configImports: source.imports ?? [],
      discovered,
      generatesEdges: options.generatesEdges ?? true,
    });
  } catch (error) {
    throw withConfigLines(error, configFile, source);
  }
  mark("graph built");
  return { root, git, snapshot: snapshot!, config, graph };
}

/**
 * The listing's snapshot, and what discovery should read through: when the index was read
 * directly the tracked package.json files are known and discovery reads exactly those; when git
 * is still listing, the workspace manifests are read ahead meanwhile (which packages exist is
 * still decided from the tracked files). (I/O)
 */
async function readAheadUnlessIndexed(
  root: string,
  listing: { fromIndex: boolean; snapshot: Promise<RepoSnapshot> },
): Promise<{ snapshot: RepoSnapshot; reader: RepoSnapshot }> {
  if (listing.fromIndex) {
    const snapshot = await listing.snapshot;
    return { snapshot, reader: snapshot };
  }
  const manifests = prefetchWorkspaceManifests(root);
  mark("manifests read ahead");
  const snapshot = await listing.snapshot;
  return { snapshot, reader: withReadAhead(snapshot, manifests) };
}

/** One turn of the event loop: finished child processes are handled, and the next ones started. */
function turnEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The snapshot, with files already read from the working tree served from `cache`. */
function withReadAhead(snapshot: RepoSnapshot, cache: ReadonlyMap<string, Buffer>): RepoSnapshot {
  const serve = async <T>(
    paths: readonly string[],
    fromCache: (bytes: Buffer) => T,
    rest: (paths: readonly string[]) => Promise<Map<string, T>>,
  ): Promise<Map<string, T>> => {
    const out = new Map<string, T>();
    const missing: string[] = [];
    for (const path of paths) {
      const bytes = cache.get(path);
      if (bytes !== undefined) out.set(path, fromCache(bytes));
      else missing.push(path);
    }
    if (missing.length > 0) for (const [path, value] of await rest(missing)) out.set(path, value);
    return out;
  };
  return {
    ...snapshot,
    read: (paths) => serve(paths, (bytes) => bytes.toString("utf8"), snapshot.read),
    readBytes: (paths) => serve(paths, (bytes) => bytes, snapshot.readBytes),
  };
}

/**
 * A reference or cycle error with the config's line beside each key it names
 * ("shipgraph.yaml:12 images.api.dependsOn[0]"). The positions are parsed only here, on the error
 * path. Any other error, and a key whose line is not known exactly, is left as it is.
 */
function withConfigLines(error: unknown, configFile: string, source: ConfigSource): unknown {
  if (!isShipgraphError(error) || (error.code !== "CONFIG_REFERENCE" && error.code !== "GRAPH_CYCLE"))
    return error;
  const file = configFile.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const keys = new RegExp(
    `${file} ([A-Za-z_$][\\w$-]*(?:\\.[A-Za-z_$][\\w$-]*|\\[\\d+\\]|\\["(?:[^"\\\\]|\\\\.)*"\\])*)`,
    "g",
  );
  let first: number | undefined;
  const annotate = (text: string) =>
    text.replace(keys, (whole, key: string) => {
      const path = parseKeyPath(key);
      const line = path === undefined ? undefined : source.lineOf(path, true);
      if (line === undefined) return whole;
      first ??= line;
      return `${configFile}:${line} ${key}`;
    });
  const message = annotate(error.message);
  const problems = error.problems.map(annotate);
  const line = error.line ?? first;
  return new ShipgraphError(error.code, message, {
    problems,
    ...(error.hint !== undefined ? { hint: error.hint } : {}),
    ...(error.file !== undefined ? { file: error.file } : {}),
    ...(error.key !== undefined ? { key: error.key } : {}),
    ...(error.ref !== undefined ? { ref: error.ref } : {}),
    ...(line !== undefined ? { line } : {}),
  });
}

/**
 * No config on disk: before a graph is inferred, make sure none is tracked (a sparse checkout that
 * leaves shipgraph.yaml out, or an uncommitted deletion): the inferred graph would silently stand
 * in for the real one. (I/O: one git call, only on this path)
 */
async function assertNoConfigLeftOut(git: Git): Promise<void> {
  const tracked = await git.lsFiles(CONFIG_FILE_NAMES);
  const file = tracked[0];
  if (file === undefined) return;
  throw new ShipgraphError(
    "CONFIG_NOT_FOUND",
    `${file} is tracked but not in the working tree (a sparse checkout leaves it out, or it was deleted): the graph it declares cannot be read`,
    {
      file,
      hint: `add it to the sparse checkout (\`git sparse-checkout add ${file}\`) or restore it (\`git checkout -- ${file}\`)`,
    },
  );
}

/** The name inferred configs go by in messages; never a file. */
export const INFERRED_CONFIG = "<inferred shipgraph.yaml>";

/** The config file, or undefined when there is none and none was asked for: then the graph is inferred. */
function findConfigFileOrInfer(root: string, explicit: string | undefined): string | undefined {
  try {
    return findConfigFile(root, explicit);
  } catch (error) {
    if (explicit !== undefined || !isShipgraphError(error) || error.code !== "CONFIG_NOT_FOUND") throw error;
    return undefined;
  }
}

/**
 * Without a config file, the graph of what `shipgraph init` would write: buf modules and templates,
 * workspace packages, Dockerfiles. A warning says so. (I/O)
 */
async function loadInferredGraph(root: string, git: Git, options: LoadGraphOptions): Promise<LoadedGraph> {
  const snapshot = options.commit
    ? await commitSnapshot(git, options.commit)
    : await worktreeSnapshot(git, { untracked: options.untracked ?? false });
  const inferred = await inferConfig(snapshot);
  if (inferred.incomplete.length > 0) {
    // an artifact the inferred graph leaves out would be missed without a word: refuse
    throw new ShipgraphError(
      "CONFIG_NOT_FOUND",
      `no shipgraph config, and the graph cannot be inferred completely:\n  ${inferred.incomplete.join("\n  ")}`,
      {
        problems: inferred.incomplete,
        hint: "run `shipgraph init`, complete what it could not infer, and commit shipgraph.yaml (or fix the files named)",
      },
    );
  }
  const source = await parseConfigText(inferred.yaml, INFERRED_CONFIG, root);
  const config = normalizeConfig(source);
  const discovered = await discover(snapshot, config);
  const graph = buildGraph({
    config,
    configFile: INFERRED_CONFIG,
    discovered,
    generatesEdges: options.generatesEdges ?? true,
  });
  graph.configFiles = [];
  graph.warnings.unshift(
    "no shipgraph config at the repository root: using the graph inferred from buf files, buf templates, workspaces and Dockerfiles (`shipgraph init` writes it as shipgraph.yaml)",
    ...inferred.problems.map((p) => `inferred config: ${p}`),
  );
  return { root, git, snapshot, config, graph, inferred: true };
}

/**
 * The files building the graph lists: every package.json (package.yaml, package.json5), every .proto file, and everything under
 * the base directory of every configured glob (files it reads by name need no listing). Undefined
 * (list everything) when a glob starts with a wildcard, or when a template cannot be read
 * (buildGraph then reports it). Pure.
 */
export function graphScope(
  config: Config,
  /** A template's `out` dirs, each under `outBase` (buf generate -o, else the cwd buf runs in). */
  templateOuts: (template: string, outBase: string, cwd: string) => string[] | undefined,
  /** The repository paths a template's local plugins name, run from `cwd` (scripts, binaries: generator inputs). */
  pluginPaths: (template: string, cwd: string) => string[] = () => [],
): ListingScope | undefined {
  const globs = [
    ...config.global,
    ...Object.values(config.protos).flatMap((p) => p.inputs),
    ...Object.values(config.generators).flatMap((g) => [...g.inputs, ...(g.outputs ?? [])]),
    ...Object.values(config.packages).flatMap((p) => p.inputs),
    ...Object.values(config.images).flatMap((i) => i.inputs),
    ...Object.values(config.targets).flatMap((t) => t.inputs),
  ];
  // generators without `outputs` take them from their template's `out` dirs
  for (const generator of Object.values(config.generators)) {
    const template = generatorTemplate(generator);
    // (a template `run` gives inline: its data says the same, read here)
    const inline = template === undefined ? inlineTemplate(generator) : undefined;
    if (inline !== undefined) {
      let parsed: BufTemplate;
      try {
        parsed = parseBufTemplate(inline.data, "run", inline.outBase, { cwd: inline.cwd });
      } catch {
        // (discovery reports it)
        return undefined;
      }
      globs.push(...templatePluginPaths(parsed, inline.cwd));
      if (generator.outputs === undefined) globs.push(...templateOutDirs(parsed));
      continue;
    }
    if (template !== undefined) globs.push(...pluginPaths(template.path, template.cwd));
    if (generator.outputs !== undefined || template === undefined) continue;
    const dirs = templateOuts(template.path, template.outBase, template.cwd);
    if (dirs === undefined) return undefined;
    globs.push(...dirs);
  }
  // "gen/" (an `out: .` under `-o gen`) is the directory "gen": as a literal it must also select a
  // submodule (gitlink) at "gen", which git's ":(literal)gen/" does
  const bases = globs.map((glob) => globBase(glob).replace(/\/+$/, ""));
  if (bases.includes("") || bases.includes(".")) return undefined;
  return {
    // (pnpm's other manifest names: discovery warns about a package it cannot read)
    fileNames: ["package.json", "package.yaml", "package.json5"],
    // the .proto files: the import graph of the protos entries (read only when a proto changed)
    extensions: Object.keys(config.protos).length > 0 ? [".proto"] : [],
    literals: [...new Set(bases)],
  };
}

/** The config file as it is in a snapshot, or undefined when the snapshot has no such file. (I/O) */
export async function readConfigAt(
  snapshot: RepoSnapshot,
  root: string,
  file: string,
): Promise<ConfigSource> {
  const text = (await snapshot.read([file])).get(file);
  if (text === undefined) {
    throw new ShipgraphError("CONFIG_NOT_FOUND", `${file} does not exist at ${snapshot.rev.slice(0, 12)}`, {
      file,
    });
  }
  const source = await parseConfigText(text, file, root);
  if (!isModuleConfig(file)) return source;
  // a module config at a commit: the files it imports directly, as that commit has them
  const files = new Set(snapshot.files);
  const imports = relativeImports(text)
    .map((specifier) => posix.join(posix.dirname(file), specifier))
    .flatMap((base) => [base, ...[".ts", ".mts", ".mjs", ".js", ".cjs", ".json"].map((ext) => base + ext)])
    .filter((candidate) => files.has(candidate));
  return { ...source, imports: [...new Set(imports)].sort() };
}

/**
 * The repository paths a template's local plugins name, as buf runs them from `cwd`
 * (`node tools/gen.mjs`: "tools/gen.mjs"; listing a name that is no file costs nothing), read
 * straight from the working tree; none if it cannot be read (the outs then list everything). (I/O)
 */
function readPluginPaths(root: string, template: string, cwd: string): string[] {
  try {
    return templatePluginPaths(
      parseBufTemplate(readFileSync(join(root, template), "utf8"), template, cwd, { cwd }),
      cwd,
    );
  } catch {
    return [];
  }
}

/** The repository paths a parsed template's local plugins name, run from `cwd` (no glob characters: listed literally). */
function templatePluginPaths(template: BufTemplate, cwd: string): string[] {
  return template.plugins
    .flatMap((p) => localArgPaths(p.local ?? [], cwd))
    .filter((path) => !/[*?[\]{}]/.test(path));
}

/** A template's `out` dirs (under `outBase`) read straight from the working tree, or undefined if it cannot be read. (I/O) */
function readTemplateOuts(
  root: string,
  template: string,
  outBase: string,
  cwd: string,
): string[] | undefined {
  try {
    return templateOutDirs(
      parseBufTemplate(readFileSync(join(root, template), "utf8"), template, outBase, { cwd }),
    );
  } catch {
    return undefined;
  }
}
