import type { NodeKind } from "@shipgraph/config-schema";

export type { NodeKind };

/** A node id, "<kind>:<name>", e.g. "image:api" or "package:@acme/auth". */
export type NodeId = `${NodeKind}:${string}`;

/** Which files a node owns: a change to any of them touches the node. */
export interface Ownership {
  /** Directories whose files the node owns ("" is the repository root). */
  dirs: string[];
  /** Exact files. */
  files: string[];
  /** Globs (micromatch, dot files included). */
  globs: string[];
  /**
   * For image contexts: .dockerignore patterns applied to files under `dirs`
   * (paths relative to the first dir). Files excluded here are not owned.
   */
  dockerignore?: string[];
}

export interface ImageInfo {
  context: string;
  dockerfile: string;
  /** The .dockerignore that applies, if any. */
  dockerignoreFile?: string;
  matrix: Record<string, string | number | boolean>;
}

export interface GeneratorInfo {
  template?: string;
  outputs: string[];
  /** The command: a string split into words without a shell, or an argv list. */
  run?: string | string[];
}

export interface PackageInfo {
  dir: string;
  manifest: string;
}

/** One node of the graph. Plain data: safe to serialise. */
export interface GraphNode {
  id: NodeId;
  kind: NodeKind;
  name: string;
  /** Where the node was declared: the config file and key, or a package.json. */
  declaredIn: { file: string; key?: string };
  owns: Ownership;
  image?: ImageInfo;
  generator?: GeneratorInfo;
  package?: PackageInfo;
}

/**
 * `depends`: `from` needs `to` (when `to` is affected, `from` is).
 * `context`: image `from` is built from the directory of workspace package `to`. The image follows
 * the package when the package is affected through its dependencies or a non-file cause (a
 * lockfile, its config entry); a change to one of the package's own files reaches the image only if
 * the image owns that file too, i.e. its .dockerignore does not exclude it.
 * `generates`: `from` consumes files that generator `to` writes; followed only with `--conservative`,
 * because `shipgraph drift` guarantees the checked-in outputs match their sources.
 */
export type EdgeKind = "depends" | "context" | "generates";

export interface GraphEdge {
  from: NodeId;
  to: NodeId;
  kind: EdgeKind;
  /** Where the edge comes from, e.g. "shipgraph.yaml images.api.dependsOn" or "services/api/package.json". */
  declaredIn: string;
}

/** A change between base and head. A rename is two changes: the old path (deleted) and the new one. */
export interface FileChange {
  path: string;
  status: "added" | "modified" | "deleted" | "renamed" | "copied" | "type-changed" | "untracked";
  /** For a rename or copy: the other path. */
  from?: string;
}

/** Why a node was touched directly: a closed union with one formatter (render/text.ts). */
export type Cause =
  /** The changed file is one of the node's own inputs. */
  | { kind: "file"; rule: "owned"; file: string }
  /** The changed file matches a `global` glob: everything is affected. */
  | { kind: "file"; rule: "global"; file: string }
  /** A root lockfile, root package.json or workspace file changed: every package is affected. */
  | { kind: "file"; rule: "root-manifest"; file: string }
  /** No node owns the changed file and the config says `unowned: all`. */
  | { kind: "file"; rule: "unowned-all"; file: string }
  /** The node's declaration differs between the base's config and the head's. */
  | { kind: "config"; file: string; detail: string }
  /** Everything is affected (no usable base, --all, --force all, a tag push…). */
  | { kind: "all"; detail: string }
  /** `--force proto` or `--force images`. */
  | { kind: "forced"; detail: string };

/** Why a node is affected: the cause, and the chain of node ids from the touched node to this one. */
export interface Reason {
  cause: Cause;
  /** chain[0] was touched by `cause`; chain[chain.length - 1] is the node itself. */
  chain: NodeId[];
}

export type AffectedByKind = Record<NodeKind, string[]>;

export interface MatrixEntry {
  image: string;
  context: string;
  dockerfile: string;
  [field: string]: string | number | boolean;
}

export interface AffectedResult {
  mode: "diff" | "all";
  modeReason: string;
  needs: { proto: boolean; images: boolean };
  affected: AffectedByKind;
  matrix: { include: MatrixEntry[] };
  /** Node id → reason, for every affected node. */
  reasons: Record<string, Reason>;
  /** Changed files no node owns (always listed, whatever the `unowned` policy). */
  unownedFiles: string[];
}
