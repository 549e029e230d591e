/**
 * @shipgraph/core: the build graph of a proto monorepo, and what a git diff affects.
 *
 * The pure core (buildGraph, computeAffected, render*) takes and returns data; the functions
 * whose names say so (loadGraph, getAffected, resolveRange, diffFiles) run git and read files.
 */

export type { Config, WrittenConfig } from "@shipgraph/config-schema";
export { defineConfig } from "@shipgraph/config-schema";
export { changedDeclarations } from "./affected/config-diff.js";
export type { ComputeAffectedInput, ForceKind } from "./affected/index.js";
export { computeAffected, explainNode } from "./affected/index.js";
export type { Located } from "./affected/locate.js";
export { locateChanges } from "./affected/locate.js";
export type { LockfileImpact } from "./affected/lockfile.js";
export type { Dependent } from "./affected/propagate.js";
export { dependentsIndex, propagate } from "./affected/propagate.js";
export type { AffectedOptions, AffectedReport } from "./affected/run.js";
export { getAffected } from "./affected/run.js";
export type { BufLockDep, BufModule, BufYaml } from "./buf/config.js";
export { parseBufLock, parseBufWorkYaml, parseBufYaml } from "./buf/config.js";
export type { ProtoModules } from "./buf/modules.js";
export { resolveProtoModules } from "./buf/modules.js";
export type {
  BufTemplate,
  GoPrefixRule,
  InputKind,
  ManagedMode,
  TemplateInput,
  TemplatePlugin,
} from "./buf/template.js";
export { parseBufTemplate, templateOutDirs } from "./buf/template.js";
export type { BasePlan } from "./ci/github.js";
export { planFromGithub } from "./ci/github.js";
export type { ConfigSource } from "./config/load.js";
export { CONFIG_FILE_NAMES, findConfigFile, parseConfigText, readConfigFile } from "./config/load.js";
export { normalizeConfig } from "./config/normalize.js";
export type { ParsedText } from "./config/parse.js";
export { compileDockerignore, parseDockerignore } from "./discover/dockerignore.js";
export type { ImageCandidate, ImageDiscovery } from "./discover/images.js";
export { discoverImages, imageSourceFiles } from "./discover/images.js";
export type { Discovered } from "./discover/index.js";
export { discover, dockerignoreCandidates } from "./discover/index.js";
export type {
  DeclaredPackage,
  DeclaredPackageFacts,
  LocalDependency,
  RootLocalDependency,
  Workspace,
  WorkspacePackage,
} from "./discover/workspaces.js";
export { discoverWorkspace, ROOT_MANIFEST_FILES } from "./discover/workspaces.js";
export type { ContextSource, DockerfileAnalysis } from "./docker/analyze.js";
export { splitCommand } from "./drift/argv.js";
export type {
  DriftFailure,
  DriftOptions,
  DriftProgress,
  DriftReport,
  DriftStatus,
  GeneratorDrift,
} from "./drift/index.js";
export { DEFAULT_DRIFT_TIMEOUT_MS, runDrift, selectGenerators } from "./drift/index.js";
export type { DriftGroup, GeneratorNeeds } from "./drift/plan.js";
export { planDriftGroups } from "./drift/plan.js";
export type { StampResult } from "./drift/quick.js";
export { runQuickDrift, stampGenerators } from "./drift/quick.js";
export {
  driftExitCode,
  formatUndecided,
  renderDriftAnnotations,
  renderDriftGithubLog,
  renderDriftJson,
  renderDriftJunit,
  renderDriftSummary,
  renderDriftText,
} from "./drift/report.js";
export type { GeneratorStamp, StampFile } from "./drift/stamp.js";
export {
  currentStamp,
  generatorInputFiles,
  parseStampFile,
  renderStampFile,
  STAMP_FILE,
} from "./drift/stamp.js";
export type { ErrorCode, ErrorDetails } from "./errors.js";
export { formatError, isShipgraphError, ShipgraphError } from "./errors.js";
export type { ResolvedRange, ResolveRangeOptions } from "./git/changes.js";
export { diffFiles, parseNameStatus, parseRawDiff, resolveRange, untrackedFiles } from "./git/changes.js";
export type { EarlyGitCall, EarlyGitResult } from "./git/git.js";
export { findRepoRoot, Git, REPO_AND_HEAD_ARGS } from "./git/git.js";
export type { BuildGraphInput, ShipGraph } from "./graph/build.js";
export { buildGraph, unknownNodeError } from "./graph/build.js";
export { toGraphlib } from "./graph/graphlib.js";
export type { UndecidedWhy } from "./graph/output-claims.js";
export type { OwnerIndex } from "./graph/owners.js";
export { createOwnerIndex } from "./graph/owners.js";
export { imageRoots, listReadEdges, readEdges } from "./graph/reads.js";
export type { InferredConfig, InferredGenerator, InferredImage } from "./init/infer.js";
export { inferConfig } from "./init/infer.js";
export type { LoadedGraph, LoadGraphOptions } from "./load-graph.js";
export { INFERRED_CONFIG, loadGraph } from "./load-graph.js";
export type { ProtoIndex } from "./proto/index.js";
export type { ProtoFileInfo, ProtoImport } from "./proto/parse.js";
export {
  renderGithubLog,
  renderGithubOutputs,
  renderGithubSummary,
  withoutWorkflowCommands,
} from "./render/github.js";
export { renderJson } from "./render/json.js";
export { graphToJson, renderAffectedMermaid, renderGraphDot, renderGraphMermaid } from "./render/mermaid.js";
export { formatCause, formatReason } from "./render/reason.js";
export { renderAffectedText, renderExplainText } from "./render/text.js";
export type { ListingScope, RepoSnapshot, WorktreeListingOptions } from "./repo/snapshot.js";
export { commitSnapshot, worktreeSnapshot } from "./repo/snapshot.js";
export type * from "./types.js";
export { unquoteGitPath } from "./util/paths.js";
export { stableStringify } from "./util/sort.js";
export { mark, traceReport } from "./util/trace.js";
