import { usesGo } from "../affected/lockfile.js";
import { ROOT_MANIFEST_FILES } from "../discover/workspaces.js";
import { ShipgraphError } from "../errors.js";
import { type ShipGraph, successors } from "../graph/build.js";
import type { RepoSnapshot } from "../repo/snapshot.js";
import type { EdgeKind, GraphNode, NodeId } from "../types.js";
import { createHash } from "../util/crypto.js";
import { isUnder } from "../util/paths.js";
import { compareStrings, stableStringify } from "../util/sort.js";
import { outputMatcher } from "./compare.js";
import type { GeneratorDrift } from "./index.js";

/** The committed stamp file at the repository root. */
export const STAMP_FILE = "shipgraph.lock";
const STAMP_VERSION = 1;

export interface GeneratorStamp {
  /** Hash of every input file (path and content) of the generator. */
  inputs: string;
  /** Hash of every file its `outputs` match. */
  outputs: string;
}

export interface StampFile {
  version: typeof STAMP_VERSION;
  generators: Record<string, GeneratorStamp>;
}

/** The stamp file's text: sorted keys, two-space indent, trailing newline. */
export function renderStampFile(stamps: StampFile): string {
  return `${stableStringify(stamps, 2)}\n`;
}

/** Parses the stamp file; a malformed one is an error naming it. */
export function parseStampFile(text: string | undefined): StampFile {
  if (text === undefined) return { version: STAMP_VERSION, generators: {} };
  try {
    const data = JSON.parse(text) as StampFile;
    if (
      data === null ||
      typeof data !== "object" ||
      data.version !== STAMP_VERSION ||
      typeof data.generators !== "object" ||
      data.generators === null ||
      Array.isArray(data.generators)
    ) {
      throw new Error(`expected {"version": ${STAMP_VERSION}, "generators": {...}}`);
    }
    for (const [name, stamp] of Object.entries(data.generators)) {
      const entry = stamp as Partial<GeneratorStamp> | null;
      if (
        entry === null ||
        typeof entry !== "object" ||
        typeof entry.inputs !== "string" ||
        typeof entry.outputs !== "string"
      ) {
        throw new Error(`generators.${name}: expected {"inputs": "<hash>", "outputs": "<hash>"}`);
      }
    }
    return data;
  } catch (error) {
    throw new ShipgraphError("CONFIG_PARSE", `${STAMP_FILE}: ${(error as Error).message}`, {
      file: STAMP_FILE,
      hint: "rewrite it with `shipgraph stamp` (every generator: an unreadable file is replaced)",
    });
  }
}

/** The edges along which a generator reads its dependencies' files. */
const INPUT_KINDS: ReadonlySet<EdgeKind> = new Set(["depends", "compiles"]);

/**
 * The files a generator reads: those owned by it and by every node it depends on
 * (transitively), the `global` files and the root manifests (they install its tools) — minus its
 * own outputs and the stamp file. Pure.
 */
export function generatorInputFiles(
  graph: ShipGraph,
  generator: GraphNode,
  files: readonly string[],
): string[] {
  // depends and compiles edges (its protos: every .proto of its modules counts, a safe superset)
  const next = successors(graph.edges, INPUT_KINDS);
  const closure = new Set<NodeId>([generator.id]);
  const stack: NodeId[] = [generator.id];
  while (stack.length > 0) {
    for (const to of next.get(stack.pop()!) ?? []) {
      if (closure.has(to)) continue;
      closure.add(to);
      stack.push(to);
    }
  }
  // a compiled .proto may import files of any module: every protos entry counts, and what their
  // symbolic links lead to (buf reads through them)
  let linked: (file: string) => boolean = () => false;
  if ([...closure].some((id) => id.startsWith("proto:"))) {
    for (const node of graph.nodes.values()) if (node.kind === "proto") closure.add(node.id);
    const chains = [...(graph.protoLinks?.values() ?? [])];
    const chained = new Set(chains.flat());
    const dirs = [...(graph.protoLinks ?? [])]
      .filter(([link]) => !link.endsWith(".proto"))
      .map(([, c]) => c.at(-1)!);
    linked = (file) => chained.has(file) || dirs.some((dir) => isUnder(file, dir));
  }
  const isOutput = outputMatcher(graph, [generator]);
  const goPlugins = generator.generator !== undefined && usesGo(generator.generator);
  const rootManifests = new Set<string>(ROOT_MANIFEST_FILES);
  return files.filter((file) => {
    if (file === STAMP_FILE || isOutput(file)) return false;
    if (graph.owners.isGlobal(file)) return true;
    // root manifests install the generators' tools (a plugin bump must count), as in `affected`
    if (rootManifests.has(file) || file === graph.workspaceFile || graph.installFiles?.includes(file))
      return true;
    // go.mod / go.work pin the Go plugins it runs
    if (goPlugins && (file === "go.mod" || file.endsWith("/go.mod") || file === "go.work")) return true;
    return linked(file) || ownersOf(graph, file).some((owner) => closure.has(owner));
  });
}

/** Owners per file, computed once per graph: every generator's input set asks for all files. */
const ownersCache = new WeakMap<ShipGraph, Map<string, NodeId[]>>();
function ownersOf(graph: ShipGraph, file: string): NodeId[] {
  let cache = ownersCache.get(graph);
  if (!cache) {
    cache = new Map();
    ownersCache.set(graph, cache);
  }
  let owners = cache.get(file);
  if (!owners) {
    owners = graph.owners.ownersOf(file);
    cache.set(file, owners);
  }
  return owners;
}

/**
 * sha256 over the sorted (path, git blob id) pairs of the files. Blob ids come from the index
 * for files the working tree has not changed, so a check reads only what changed. With `modes`,
 * an executable file's entry also says so (git records the x bit; a file without it hashes as
 * before, so stamps of other files stay valid). (I/O via snapshot)
 */
export async function hashFiles(
  snapshot: RepoSnapshot,
  paths: readonly string[],
  modes = false,
): Promise<string> {
  const sorted = [...paths].sort(compareStrings);
  const [ids, executable] = await Promise.all([
    snapshot.blobIds(sorted),
    modes ? snapshot.executables(sorted) : new Set<string>(),
  ]);
  // the entries joined into ~1 MB texts, one update each (64k small updates cost more than the
  // hashing itself; one text for all could exceed V8's longest string)
  const hash = createHash("sha256");
  let pending = "";
  for (const path of sorted) {
    const id = ids.get(path);
    if (id === undefined) continue;
    pending += executable.has(path) ? `${path}\0${id}\0x\n` : `${path}\0${id}\n`;
    if (pending.length > 1 << 20) {
      hash.update(pending);
      pending = "";
    }
  }
  // (the x bit hashed: another prefix, so a stamp from before it is told apart, not misread)
  return `${modes ? MODES_PREFIX : "sha256-"}${hash.update(pending).digest("hex")}`;
}

/** The prefix of an outputs hash that covers the x bit (hashFiles with `modes`). */
const MODES_PREFIX = "sha256m-";

/** The files a generator's outputs hash covers: the snapshot's outputs of it (not its inputs). */
function stampedOutputs(graph: ShipGraph, snapshot: RepoSnapshot, generator: GraphNode): string[] {
  return snapshot.files.filter(outputMatcher(graph, [generator]));
}

/** Both hashes of a generator as the snapshot has it now. (I/O via snapshot) */
export async function currentStamp(
  graph: ShipGraph,
  snapshot: RepoSnapshot,
  generator: GraphNode,
): Promise<GeneratorStamp> {
  return {
    inputs: await inputsHash(graph, snapshot, generator, true),
    outputs: await hashFiles(snapshot, stampedOutputs(graph, snapshot, generator), true),
  };
}

/**
 * The hash of a generator's declaration (run, template, outputs: an input too) and input files;
 * with `modes`, their x bits too (a script run directly that loses it no longer runs).
 */
async function inputsHash(
  graph: ShipGraph,
  snapshot: RepoSnapshot,
  generator: GraphNode,
  modes: boolean,
): Promise<string> {
  const declaration = stableStringify({ generator: generator.generator, owns: generator.owns });
  const files = await hashFiles(snapshot, generatorInputFiles(graph, generator, snapshot.files), modes);
  const digest = createHash("sha256").update(declaration).update("\0").update(files).digest("hex");
  return `${modes ? MODES_PREFIX : "sha256-"}${digest}`;
}

/** `drift --quick`: compares the current hashes with the stamp; runs no generator. (I/O via snapshot) */
export async function quickCheck(
  graph: ShipGraph,
  snapshot: RepoSnapshot,
  stamps: StampFile,
  generators: readonly GraphNode[],
): Promise<GeneratorDrift[]> {
  const results: GeneratorDrift[] = [];
  for (const node of generators) {
    const base = { name: node.name, modified: [], missing: [], stale: [], diffs: {} };
    const recorded = stamps.generators[node.name];
    if (!recorded) {
      results.push({
        ...base,
        status: "failed",
        failure: {
          reason: "unstamped",
          message: `no stamp in ${STAMP_FILE}`,
          hint: "run `shipgraph stamp` (it verifies the outputs first) and commit the file",
        },
      });
      continue;
    }
    // a stamp written before the x bit was hashed ("sha256-") is checked as it was written,
    // until the next stamp writes the new form
    const [inputsNow, outputsNow] = await Promise.all([
      inputsHash(graph, snapshot, node, recorded.inputs.startsWith(MODES_PREFIX)),
      hashFiles(snapshot, stampedOutputs(graph, snapshot, node), recorded.outputs.startsWith(MODES_PREFIX)),
    ]);
    const inputsChanged = inputsNow !== recorded.inputs;
    const outputsEdited = outputsNow !== recorded.outputs;
    results.push({
      ...base,
      status: inputsChanged || outputsEdited ? "drift" : "clean",
      quick: { inputsChanged, outputsEdited },
    });
  }
  return results.sort((a, b) => compareStrings(a.name, b.name));
}
