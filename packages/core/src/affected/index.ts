import { ShipgraphError } from "../errors.js";
import type { ShipGraph } from "../graph/build.js";
import type { ProtoIndex } from "../proto/index.js";
import type {
  AffectedByKind,
  AffectedResult,
  Cause,
  FileChange,
  MatrixEntry,
  NodeId,
  Reason,
} from "../types.js";
import { compareStrings } from "../util/sort.js";
import { generatedFilesOf } from "./generated.js";
import { locateChanges } from "./locate.js";
import type { LockfileImpact } from "./lockfile.js";
import { dependentsIndex, propagate } from "./propagate.js";

export const FORCE_KINDS = ["proto", "images", "all"] as const;
export type ForceKind = (typeof FORCE_KINDS)[number];

export interface ComputeAffectedInput {
  graph: ShipGraph;
  changes: readonly FileChange[];
  /** Set to make everything affected (mode "all"), with the reason. */
  all?: string | undefined;
  /**
   * Nodes whose config declaration changed, with a detail each; or a reason to treat everything as
   * affected (see getAffected). Without it, a changed config file makes everything affected.
   */
  config?: { changed: ReadonlyMap<NodeId, string> } | { all: string } | undefined;
  force?: readonly ForceKind[] | undefined;
  /** Follow generator → output edges too (rebuild images whenever their generated inputs could change). */
  conservative?: boolean | undefined;
  /** For changed dotenv files of build args: the variables whose values changed ("unparseable": all). */
  argFiles?: ReadonlyMap<string, Set<string> | "unparseable"> | undefined;
  /** Describes the diff for `modeReason`, e.g. "diff of main...HEAD". */
  describeDiff?: string | undefined;
  /**
   * The import graph of the .proto files (see getAffected, which builds it when a .proto file
   * changed). Without it, a changed .proto file affects every generator that compiles protos.
   */
  protos?: ProtoIndex | undefined;
  /**
   * The head's .proto files, only to name what the plugins write for a generator a non-proto
   * change affects (`protos` when given). Without either, such a generator lists its tracked outputs.
   */
  headProtos?: ProtoIndex | undefined;
  /** Root lockfiles compared between base and head (see getAffected); without them a lockfile change touches every package and generator. */
  lockfiles?: ReadonlyMap<string, LockfileImpact> | undefined;
  /**
   * Changed package.json files that deleted or renamed a workspace package → the packages that
   * still depend on its old name, with a detail each (see getAffected). Without it, a changed
   * workspace package.json touches every package (a rename may leave any of them on the old name).
   */
  gonePackages?: ReadonlyMap<string, ReadonlyMap<NodeId, string>> | undefined;
  /**
   * Changed buf files (buf.yaml, buf.work.yaml, templates) whose change buf generate does not read:
   * they touch no proto or generator (see getAffected).
   */
  inertBufFiles?: ReadonlySet<string> | undefined;
  /**
   * Changed .dockerignore files → the images whose build their change cannot alter (see
   * getAffected): they are not touched through it.
   */
  inertIgnoreEdits?: ReadonlyMap<string, ReadonlySet<NodeId>> | undefined;
}

/** From changed files to affected nodes, each with its reason. Pure: data in, data out. */
export function computeAffected(input: ComputeAffectedInput): AffectedResult {
  const { graph } = input;
  for (const kind of input.force ?? []) {
    if (!FORCE_KINDS.includes(kind)) {
      throw new ShipgraphError("USAGE", `unknown force "${String(kind)}"`, {
        hint: `force one of: ${FORCE_KINDS.join(", ")}`,
      });
    }
  }
  for (const { path } of input.changes) {
    // a path git would never print matches nothing: a miss, not an answer
    if (path === "" || path.startsWith("/") || /(^|\/)\.{1,2}(\/|$)/.test(path)) {
      throw new ShipgraphError("USAGE", `changed file "${path}" is not a repository-relative path`, {
        hint: "give paths relative to the repository root, as `git diff --name-only` prints them (no leading ./ or /, no . or .. segments)",
      });
    }
  }
  const allNodes = [...graph.nodes.keys()];
  const touched = new Map<NodeId, Cause>();
  let unownedFiles: string[] = [];
  let protoFiles: Map<string, string[]> | undefined;
  let mode: AffectedResult["mode"] = "diff";
  let modeReason = input.describeDiff ?? "diff of the given files";

  const touchAll = (cause: Cause) => {
    for (const id of allNodes) if (!touched.has(id)) touched.set(id, cause);
  };

  const allReason = input.all ?? (input.force?.includes("all") ? "--force all" : undefined);
  if (allReason !== undefined) {
    mode = "all";
    modeReason = allReason;
    touchAll({ kind: "all", detail: allReason });
  } else {
    const located = locateChanges(
      graph,
      input.changes,
      input.argFiles,
      input.protos,
      input.lockfiles,
      input.gonePackages,
      input.inertBufFiles,
      input.inertIgnoreEdits,
    );
    unownedFiles = located.unownedFiles;
    protoFiles = located.protoFiles;
    // What getAffected compares with the base, when a caller gave no comparison: it counts whole.
    const configFile = input.config
      ? undefined
      : input.changes.find((change) => graph.configFiles.includes(change.path))?.path;
    if (configFile !== undefined) {
      touchAll({
        kind: "config",
        file: configFile,
        detail:
          "the config changed and no comparison of its declarations was given (`config`): everything counts",
      });
    }
    if (input.config && "all" in input.config) {
      touchAll({ kind: "config", file: graph.configFile, detail: input.config.all });
    } else if (input.config) {
      for (const [id, detail] of [...input.config.changed].sort(([a], [b]) => compareStrings(a, b))) {
        if (graph.nodes.has(id)) touched.set(id, { kind: "config", file: graph.configFile, detail });
      }
    }
    for (const [id, cause] of located.touched) if (!touched.has(id)) touched.set(id, cause);
    if (!input.gonePackages) {
      const manifests = new Set(
        [...graph.nodes.values()].flatMap((node) => (node.package ? [node.package.manifest] : [])),
      );
      const manifest = input.changes.find(
        (change) =>
          manifests.has(change.path) ||
          ((change.status === "deleted" || change.status === "renamed") &&
            change.path.endsWith("/package.json")),
      )?.path;
      if (manifest !== undefined) {
        for (const node of graph.nodes.values()) {
          if (node.kind !== "package" || touched.has(node.id)) continue;
          touched.set(node.id, {
            kind: "file",
            rule: "dependency-gone",
            file: manifest,
            detail:
              "a workspace manifest changed and no comparison with the base was given (`gonePackages`): a package it renamed or deleted may be any package's dependency",
          });
        }
      }
    }
    if (located.everything) touchAll(located.everything);
  }
  for (const kind of input.force ?? []) {
    if (kind === "all") continue;
    const kinds = kind === "proto" ? ["proto", "generator"] : ["image"];
    for (const node of graph.nodes.values()) {
      if (kinds.includes(node.kind) && !touched.has(node.id)) {
        touched.set(node.id, { kind: "forced", detail: `--force ${kind}` });
      }
    }
  }

  const dependents = dependentsIndex(graph.edges, input.conservative ?? false);
  const reasons = propagate(touched, dependents);
  const affected: AffectedByKind = { generator: [], image: [], package: [], proto: [], target: [] };
  const sortedIds = [...reasons.keys()].sort(compareStrings);
  for (const id of sortedIds) {
    const node = graph.nodes.get(id)!;
    affected[node.kind].push(node.name);
  }
  for (const list of Object.values(affected)) list.sort(compareStrings);

  const include: MatrixEntry[] = affected.image.map((name) => {
    const image = graph.nodes.get(`image:${name}`)!.image!;
    return {
      ...image.matrix,
      image: name,
      context: image.context,
      dockerfile: image.dockerfile,
      level: image.level,
      ...(image.target !== undefined ? { target: image.target } : {}),
      // what shipgraph analysed the Dockerfile with, in docker/build-push-action's multi-line form
      ...(image.buildArgs ? { build_args: keyValueLines(image.buildArgs) } : {}),
      ...(image.additionalContexts ? { build_contexts: keyValueLines(image.additionalContexts) } : {}),
    };
  });

  const sortedReasons: Record<string, Reason> = {};
  for (const id of sortedIds) sortedReasons[id] = reasons.get(id)!;

  const graphImagesPerLevel: number[] = [];
  for (const node of graph.nodes.values()) {
    if (!node.image) continue;
    const { level } = node.image;
    while (graphImagesPerLevel.length <= level) graphImagesPerLevel.push(0);
    graphImagesPerLevel[level]!++;
  }
  // Generators reached only through changed .proto files: their generated files can be narrowed.
  const affectedGenerators = affected.generator.map((name): NodeId => `generator:${name}`);
  // (the same walk without the .proto-file causes: when there are none, or no generator is
  // affected, it is the walk above)
  const isProtoFile = (cause: Cause) => cause.kind === "file" && cause.rule === "proto";
  const broad =
    affectedGenerators.length === 0 || ![...touched.values()].some(isProtoFile)
      ? reasons
      : propagate(new Map([...touched].filter(([, cause]) => !isProtoFile(cause))), dependents);
  const generatedFiles = generatedFilesOf({
    graph,
    generators: affectedGenerators,
    precise: new Set(affectedGenerators.filter((id) => !broad.has(id))),
    protoFiles,
    protos: input.protos,
    headProtos: input.protos ?? input.headProtos,
  });
  return {
    mode,
    modeReason,
    conservative: input.conservative ?? false,
    maxImageLevel: graphImagesPerLevel.length - 1,
    graphImagesPerLevel,
    needs: {
      proto: affected.proto.length + affected.generator.length > 0,
      images: affected.image.length > 0,
    },
    affected,
    matrix: { include },
    reasons: sortedReasons,
    unownedFiles: [...unownedFiles].sort(compareStrings),
    protoFiles: [...(protoFiles?.keys() ?? [])].sort(compareStrings),
    generatedFiles,
  };
}

/**
 * Every chain that makes `id` affected: for each directly touched node, the chain from it alone
 * (the same walk as computeAffected, one source at a time). Empty when the node is not affected. Pure.
 */
export function explainNode(
  graph: ShipGraph,
  result: AffectedResult,
  id: NodeId,
  conservative = result.conservative,
): Reason[] {
  if (!result.reasons[id]) return [];
  const index = dependentsIndex(graph.edges, conservative);
  const found: Reason[] = [];
  for (const [root, reason] of Object.entries(result.reasons) as [NodeId, Reason][]) {
    if (reason.chain.length !== 1) continue;
    const alone = propagate(new Map([[root, reason.cause]]), index).get(id);
    if (alone) found.push(alone);
  }
  return found.sort((a, b) => a.chain.length - b.chain.length || compareStrings(a.chain[0]!, b.chain[0]!));
}

/** "KEY=value" lines, sorted by key: docker/build-push-action's `build-args` / `build-contexts` form. */
function keyValueLines(values: Readonly<Record<string, string>>): string {
  return Object.keys(values)
    .sort(compareStrings)
    .map((key) => `${key}=${values[key]}`)
    .join("\n");
}
