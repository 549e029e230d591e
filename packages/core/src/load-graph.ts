import { posix } from "node:path";
import type { Config } from "@shipgraph/config-schema";
import {
  type ConfigSource,
  findConfigFile,
  isModuleConfig,
  parseConfigText,
  readConfigFile,
  relativeImports,
} from "./config/load.js";
import { normalizeConfig } from "./config/normalize.js";
import { discover } from "./discover/index.js";
import { ShipgraphError } from "./errors.js";
import { findRepoRoot, Git } from "./git/git.js";
import { buildGraph, type ShipGraph } from "./graph/build.js";
import { commitSnapshot, type RepoSnapshot, worktreeSnapshot } from "./repo/snapshot.js";

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
}

export interface LoadedGraph {
  root: string;
  git: Git;
  snapshot: RepoSnapshot;
  config: Config;
  graph: ShipGraph;
}

/** Finds the repository, reads and validates the config, discovers and builds the graph. (I/O) */
export async function loadGraph(options: LoadGraphOptions): Promise<LoadedGraph> {
  const root = options.root ?? (await findRepoRoot(options.cwd));
  const git = new Git(root);
  const snapshot = options.commit
    ? await commitSnapshot(git, options.commit)
    : await worktreeSnapshot(git, { untracked: options.untracked ?? false });
  const configFile = findConfigFile(root, options.config);
  const source = options.commit
    ? await readConfigAt(snapshot, root, configFile)
    : await readConfigFile(root, configFile);
  const config = normalizeConfig(source);
  const discovered = await discover(snapshot, config);
  const graph = buildGraph({ config, configFile, configImports: source.imports ?? [], discovered });
  return { root, git, snapshot, config, graph };
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
