import type { NodeKind } from "@shipgraph/config-schema";
import type { BufTemplate } from "./buf/template.js";

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
  /** An image's build context: the files under `dir` its build reads. */
  context?: BuildContextOwnership;
  /** A proto entry's buf modules: the .proto files each compiles, within `ownDir`. */
  protos?: ProtoOwnership[];
  /**
   * A package's local dependencies: directories (every file under them) and tarballs it installs
   * from a local path (`file:`, `link:`…), each with the manifest entries that lead there.
   */
  local?: { path: string; via: string }[];
}

/** The .proto files of one buf module that a proto node owns. */
export interface ProtoOwnership {
  /** Repo-relative directory whose .proto files the node owns (the module root or a directory in it). */
  ownDir: string;
  /** The module root: import paths are relative to it. */
  root: string;
  /** Repo-relative directories the module leaves out. */
  excludes: string[];
  /** When non-empty, only .proto files under these directories belong to the module. */
  includes: string[];
  /**
   * A module of the same buf workspace that no `protos` entry declares: buf resolves the node's
   * imports there, and compiles its files where a generator's input selects them (the workspace
   * root); its files are the node's inputs.
   */
  undeclared?: true;
}

/** The context files of an image build: selected by `sources`, minus what `dockerignore` excludes. */
export interface BuildContextOwnership {
  dir: string;
  /** Parsed .dockerignore patterns (context-relative). */
  dockerignore: string[];
  /**
   * What the Dockerfile reads (COPY/ADD/RUN --mount sources, context-relative patterns, "." for
   * all), each with the instruction for `--explain`. Undefined: the whole context, and `why`.
   */
  sources?: { pattern: string; detail: string; excludes?: string[] }[];
  /** Why the whole context counts (no Dockerfile, an unresolvable variable…). */
  why?: string;
}

export interface ImageInfo {
  context: string;
  dockerfile: string;
  /** 0 without an in-repo image dependency, else 1 + the highest level of the images it depends on. */
  level: number;
  /** The stage built, when configured. */
  target?: string;
  /** `buildArgs` of the config (docker build --build-arg), when there are some. */
  buildArgs?: Record<string, string>;
  /** `additionalContexts` of the config (docker build --build-context name=path), when there are some. */
  additionalContexts?: Record<string, string>;
  /** dotenv files build args come from, and the ARG names the Dockerfile declares. */
  buildArgsFrom?: string[];
  argNames?: string[];
  /** The .dockerignore that applies, if any. */
  dockerignoreFile?: string;
  matrix: Record<string, string | number | boolean>;
}

export interface GeneratorInfo {
  template?: string;
  /**
   * The directory `run` runs in (config `cwd`), repo-relative, when not the repository root.
   * Every other path here is repo-relative already (resolved against it where buf does).
   */
  cwd?: string;
  /** The parsed buf template: plugins (for the proto → generated file map) and managed mode. */
  buf?: BufTemplate;
  /**
   * Which .proto files it compiles: those of its proto nodes' modules that one of `inputs`
   * selects — under one of its `paths` (none: all) and under none of its `excludePaths`
   * (repo-relative; from the template's inputs and --path/--exclude-path in `run`).
   * An input with `packageOf` (a `proto_file` with include_package_files) selects only the files
   * in the proto package of that file.
   * Undefined: it reads no protos.
   */
  reads?: {
    protos: NodeId[];
    inputs: { paths: string[]; excludePaths: string[]; packageOf?: string }[];
  };
  /** `protoOutputs` from the config: the files unknown plugins write per .proto. */
  protoOutputs?: { pattern: string; onlyWithServices: boolean }[];
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
 * `compiles`: generator `from` compiles the .proto files of proto node `to`. It carries every cause
 * but a changed .proto file: locate maps those, through the import graph, to exactly the
 * generators that read them.
 * `may-base`: image `from` is built FROM (or copies from) an image named through a variable
 * without a value: it may be in-repo image `to`. It carries everything `depends` does, but orders
 * no build (no level, no cycle): two such images may each be the other's base.
 * `reads`: image `from` reads files node `to` owns (its Dockerfile COPYs them) without another
 * edge between them. Shown by `shipgraph graph` (see readEdges), never in `ShipGraph.edges`: it
 * carries nothing, the image owns those files itself.
 */
export type EdgeKind = "depends" | "context" | "generates" | "compiles" | "may-base" | "reads";

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
  /**
   * What git says is at the path: "file" when it is a regular or executable file on each side
   * that has it, so nothing lies under it; "link" when a side has a symbolic link there (a path
   * below it reads what it points to: retargeting `vendor` changes `vendor/lib/src`);
   * "submodule" when a side has a gitlink there (a directory whose contents the diff does not
   * list). Undefined: not known (an untracked path, one given with --files).
   */
  kind?: "file" | "link" | "submodule";
}

/** Why a node was touched directly: a closed union with one formatter (render/text.ts). */
export type Cause =
  /** The changed file is one of the node's own inputs (`via`: e.g. the Dockerfile instruction that reads it). */
  | { kind: "file"; rule: "owned"; file: string; via?: string }
  /**
   * A changed .proto file: it touches the proto node that owns it and each generator that compiles
   * it or a file importing it (`via`: the import chain).
   */
  | { kind: "file"; rule: "proto"; file: string; via?: string }
  /**
   * A root lockfile changed and what this node resolves from it changed: its external
   * dependencies (a package) or its npm-installed tools (a generator).
   */
  | { kind: "file"; rule: "lockfile"; file: string; detail: string }
  /**
   * The changed file is in a directory (or is a tarball) the node installs from a local path
   * (`detail`: the manifest entries that lead there). It is a dependency, not one of the node's
   * own files: it reaches an image built from the package's directory.
   */
  | { kind: "file"; rule: "local-dependency"; file: string; detail: string }
  /**
   * A changed package.json deleted or renamed a workspace package (its base `name` no package has
   * now) that this package still lists as a dependency: what it installs changes, or breaks.
   */
  | { kind: "file"; rule: "dependency-gone"; file: string; detail: string }
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
  /** Build order: 0 first; an image comes after every in-repo image it depends on. */
  level: number;
  [field: string]: string | number | boolean;
}

export interface AffectedResult {
  mode: "diff" | "all";
  /** Whether generator → output edges were followed (explainNode follows them the same way). */
  conservative: boolean;
  /** The highest image level in the whole graph (-1 without images): fixes the matrix_level_<n> outputs. */
  maxImageLevel: number;
  /**
   * How many images the whole graph has at each level (index = level; maxImageLevel + 1 long):
   * fixes how many parts a matrix is split into where a CI system caps a matrix's size.
   */
  graphImagesPerLevel: number[];
  modeReason: string;
  needs: { proto: boolean; images: boolean };
  affected: AffectedByKind;
  matrix: { include: MatrixEntry[] };
  /** Node id → reason, for every affected node. */
  reasons: Record<string, Reason>;
  /** Changed files no node owns (always listed, whatever the `unowned` policy). */
  unownedFiles: string[];
  /**
   * The changed .proto files (deleted ones included) and every file that imports them,
   * transitively; sorted. Empty without the import graph (ComputeAffectedInput.protos: getAffected
   * builds it when a .proto file changed), when every proto generator counts whole.
   */
  protoFiles: string[];
  /**
   * Affected generator name → the checked-in files it is expected to rewrite, sorted: for a proto
   * change, the outputs of the protos it compiles among `protoFiles` (stale outputs of deleted
   * protos included); for any other cause, every file under its outputs.
   */
  generatedFiles: Record<string, string[]>;
}
