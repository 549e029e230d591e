import { Compiled, isWkt } from "../affected/generated.js";
import { compilesFile } from "../affected/locate.js";
import { usesGo } from "../affected/lockfile.js";
import { bufGenerateArgs, holdsPackageManifest } from "../buf/command.js";
import { ROOT_MANIFEST_FILES } from "../discover/workspaces.js";
import { ShipgraphError } from "../errors.js";
import { type ShipGraph, successors } from "../graph/build.js";
import { outputClaims } from "../graph/output-claims.js";
import { importPathsOf, protoAt } from "../proto/index.js";
import { type ProtoRead, type ProtoReading, protoRoots, readProtoClosure } from "../proto/load.js";
import type { DiskFile, RepoSnapshot } from "../repo/snapshot.js";
import type { EdgeKind, GeneratorInfo, GraphNode, NodeId } from "../types.js";
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
  /**
   * Hash of the files its `outputs` match that it may write (see stampedOutputs: not code of the
   * repository's own beside a known plugin's files). A stamp written before that hashed every file
   * they match; quickCheck still takes it while those files are unchanged.
   */
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
 * own outputs and the stamp file. Every .proto file of every protos entry counts (a compiled
 * file may import files of any module), unless `protoFiles` says which of the modules' .proto
 * files it reads (see narrowedProtoFiles): then only those do, and those another of its inputs owns. Pure.
 */
export function generatorInputFiles(
  graph: ShipGraph,
  generator: GraphNode,
  files: readonly string[],
  protoFiles?: ReadonlySet<string>,
): string[] {
  const next = successors(graph.edges, INPUT_KINDS);
  // depends and compiles edges (its protos' non-.proto files too: buf.yaml, buf.lock)
  const closure = reachable(next, [generator.id]);
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
  const inModules = protoFiles === undefined ? undefined : protoRoots(graph).inModules;
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
    if (linked(file)) return true;
    const owners = ownersOf(graph, file);
    if (inModules?.(file)) {
      // a module's .proto file: one it compiles or imports, or one another of its inputs owns
      return (
        protoFiles!.has(file) || owners.some((owner) => closure.has(owner) && !owner.startsWith("proto:"))
      );
    }
    return owners.some((owner) => closure.has(owner));
  });
}

/** The nodes `start` reach along `next`, with them. */
function reachable(next: ReadonlyMap<NodeId, NodeId[]>, start: readonly NodeId[]): Set<NodeId> {
  const closure = new Set<NodeId>(start);
  const stack = [...start];
  while (stack.length > 0) {
    for (const to of next.get(stack.pop()!) ?? []) {
      if (closure.has(to)) continue;
      closure.add(to);
      stack.push(to);
    }
  }
  return closure;
}

/**
 * True when a generator's stamp may count only some of the modules' .proto files, as far as can be
 * told before any is read (see narrowedProtoFiles for the rest). It must compile with a known buf
 * template and a command read as buf generate run where it says, leave some .proto file of a protos entry out,
 * compile no .proto file of its own outside the modules (what that imports is not looked at), and
 * reach the protos entries only through what it compiles (an explicit `dependsOn` onto one, or
 * onto what depends on one, reads all of it). `inputs` are its inputs with every .proto file,
 * `files` the snapshot's. Pure.
 */
function mayNarrow(
  graph: ShipGraph,
  generator: GraphNode,
  inputs: readonly string[],
  files: readonly string[],
): boolean {
  const info = generator.generator;
  const reads = info?.reads;
  if (!info?.buf || !reads) return false;
  if (info.run !== undefined) {
    // (a command it does not read, or one that runs buf in another directory or a container)
    const cli = bufGenerateArgs(info.run, generator.id, info.cwd);
    if (cli === undefined || cli.unsure || cli.elsewhere) return false;
    // (a --config module layout, not the buf.yaml modelled: its roots and excludes say what an
    // import names and what a path selects)
    if (cli.config !== undefined || cli.configData !== undefined) return false;
    // buf must read the template modelled (its inputs say what it compiles): inline data the
    // generator has no `template` beside (that data is what is modelled, and `run` is hashed
    // with the declaration), or the file; not an absolute path, which the config check cannot
    // compare (the template, or a link it is, by its repository path), nor from where pnpm/yarn
    // may run it (a cwd without a package manifest)
    const modelled =
      cli.templateData !== undefined
        ? info.template === undefined
        : cli.template !== undefined && generator.owns.files.includes(cli.template);
    if (!modelled) return false;
    if (cli.nearestPackage && !holdsPackageManifest(files, info.cwd ?? "")) return false;
  }
  if (compilesEveryProto(graph, reads, inputs)) return false;
  const { inModules } = protoRoots(graph);
  const ownProto = (file: string) =>
    file.endsWith(".proto") && !inModules(file) && ownersOf(graph, file).includes(generator.id);
  if (inputs.some(ownProto)) return false;
  // what it reaches otherwise than through its own compiles edges (a depends edge onto a
  // protos entry it also compiles included)
  const next = successors(graph.edges, INPUT_KINDS);
  const start = [
    ...graph.edges.filter((e) => e.from === generator.id && e.kind === "depends").map((e) => e.to),
    ...reads.protos.flatMap((id) => next.get(id) ?? []),
  ];
  return ![...reachable(next, start)].some((id) => id.startsWith("proto:"));
}

/**
 * True when the generator compiles every .proto file of every protos entry among its inputs
 * (narrowing would leave nothing out): an input that selects the whole of every module it
 * compiles, with every entry compiled, says so without looking at the files. Pure.
 */
function compilesEveryProto(
  graph: ShipGraph,
  reads: NonNullable<GeneratorInfo["reads"]>,
  inputs: readonly string[],
): boolean {
  if (reads.inputs.some((input) => input.packageOf !== undefined)) return false;
  const entries = [...graph.nodes.values()].filter((node) => node.kind === "proto");
  if (entries.some((node) => !reads.protos.includes(node.id))) return false;
  const dirs = entries.flatMap((node) => node.owns.protos ?? []).map((own) => own.ownDir);
  if (
    reads.inputs.some(
      (input) =>
        input.excludePaths.length === 0 &&
        (input.paths.length === 0 || dirs.every((dir) => input.paths.some((p) => isUnder(dir, p)))),
    )
  )
    return true;
  const { inModules } = protoRoots(graph);
  return inputs.every((file) => !inModules(file) || compilesFile(graph, reads, file));
}

/**
 * The modules' .proto files a generator compiles and what they import, as the working tree has
 * them: parsed, and those that do not parse or cannot be read (see stampProtos, readProtoClosure).
 */
export type StampProtos = ProtoReading;

/**
 * The .proto files of the modules a generator reads: those it compiles and every file they
 * import, in any module (the proto index, head side: what `affected` knows it compiles). Undefined
 * when that cannot be sure, and every .proto file then counts: a file it compiles or imports does
 * not parse or cannot be read (or, with include_package_files, any: which package it is in is
 * unknown), or an import no repository file has is not a well-known type while no buf.lock among
 * `inputs` pins dependencies (where buf finds it is unknown). A file git does not track that the
 * working tree has and a tracked one imports (`index.untracked`) is one of them like any other,
 * and so are its imports. `inputs` are its inputs with every .proto file. Pure.
 */
export function narrowedProtoFiles(
  graph: ShipGraph,
  generator: GeneratorInfo,
  protos: StampProtos,
  inputs: readonly string[],
): Set<string> | undefined {
  const reads = generator.reads;
  if (!reads) return undefined;
  const { index } = protos;
  // files left out of the index: what they import is unknown, and an import of one looks external
  const unsure = [...protos.unparseable.keys(), ...protos.unreadable.keys()];
  if (unsure.length > 0) {
    if (reads.inputs.some((input) => input.packageOf !== undefined)) return undefined;
    if (unsure.some((file) => compilesFile(graph, reads, file))) return undefined;
  }
  const closure = new Compiled(graph, generator, index).closure("head");
  if (unsure.length > 0) {
    const unknown = new Set(unsure.flatMap((file) => importPathsOf(index, file)));
    for (const file of closure.files) {
      const info = protoAt(index, file, "head");
      if (info !== undefined && info !== "unknown" && info.imports.some(({ path }) => unknown.has(path)))
        return undefined;
    }
  }
  const pinned = inputs.some((file) => file === "buf.lock" || file.endsWith("/buf.lock"));
  if (!pinned && [...closure.external].some((path) => !isWkt(path))) return undefined;
  return closure.files;
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

/**
 * The files a generator's outputs hash covers: the snapshot's outputs of it (not its inputs) that
 * it may write (see OutputClaims.mayWrite): drift does not compare code of the repository's own
 * beside a known plugin's files in a default `out`, so an edit to it is no edited output.
 */
function stampedOutputs(graph: ShipGraph, snapshot: RepoSnapshot, generator: GraphNode): string[] {
  return snapshot.files.filter(outputClaims(graph, generator).mayWrite);
}

/**
 * How an inputs hash was made, told by its prefix: "sha256-" every .proto file of every protos
 * entry counts, without x bits (before they were hashed); "sha256m-" the same with x bits;
 * "sha256n-" with x bits, counting of the modules' .proto files only those the generator compiles
 * and what they import (see narrowedProtoFiles). A stamp is checked in the form it was written.
 */
type InputsForm = "sha256-" | typeof MODES_PREFIX | typeof NARROW_PREFIX;

/** The prefix of an inputs hash counting only the .proto files a generator compiles and imports. */
const NARROW_PREFIX = "sha256n-";

function inputsForm(hash: string): InputsForm {
  return hash.startsWith(NARROW_PREFIX)
    ? NARROW_PREFIX
    : hash.startsWith(MODES_PREFIX)
      ? MODES_PREFIX
      : "sha256-";
}

/** Both hashes of a generator as the snapshot has it now. (I/O via snapshot) */
export async function currentStamp(
  graph: ShipGraph,
  snapshot: RepoSnapshot,
  generator: GraphNode,
): Promise<GeneratorStamp> {
  return {
    inputs: await inputsHash(graph, snapshot, generator, NARROW_PREFIX),
    outputs: await hashFiles(snapshot, stampedOutputs(graph, snapshot, generator), true),
  };
}

/**
 * The hash of a generator's declaration (run, template, outputs: an input too) and input files in
 * `form` (with x bits but in "sha256-": a script run directly that loses it no longer runs). In
 * "sha256n-", a generator whose .proto files cannot be narrowed (see mayNarrow and
 * narrowedProtoFiles) is hashed in "sha256m-": as a stamp writes it, which a narrowed stamp never
 * equals.
 */
async function inputsHash(
  graph: ShipGraph,
  snapshot: RepoSnapshot,
  generator: GraphNode,
  form: InputsForm,
): Promise<string> {
  // the .proto files buf reads here that the listing does not hold as such (every one counts
  // until narrowed): asked first, awaited last (their listing runs while the rest is hashed)
  const diskOnly = readsProtos(graph, generator) ? diskOnlyProtos(graph, snapshot) : undefined;
  let files = generatorInputFiles(graph, generator, snapshot.files);
  let prefix: InputsForm = form === NARROW_PREFIX ? MODES_PREFIX : form;
  let narrowed: ReadonlySet<string> | undefined;
  if (form === NARROW_PREFIX && mayNarrow(graph, generator, files, snapshot.files)) {
    const protos = await stampProtos(graph, snapshot, generator.generator!, (await diskOnly) ?? new Map());
    const protoFiles = narrowedProtoFiles(graph, generator.generator!, protos, files);
    if (protoFiles !== undefined && !(await readsThroughLinks(snapshot, generator.generator!, protoFiles))) {
      // a file git does not track that one it compiles imports (only this disk has it) is
      // hashed too: buf compiles it here, and a clone that lacks it (where buf fails) differs
      const untracked = protos.index.untracked?.filter((file) => protoFiles.has(file)) ?? [];
      files = generatorInputFiles(graph, generator, [...files, ...untracked], protoFiles);
      narrowed = protoFiles;
      prefix = NARROW_PREFIX;
    }
  }
  const declaration = stableStringify({ generator: generator.generator, owns: generator.owns });
  const hashed = await hashFiles(snapshot, files, prefix !== "sha256-");
  const digest = createHash("sha256").update(declaration).update("\0").update(hashed);
  const onDisk = [...((await diskOnly) ?? [])].filter(([path]) => narrowed?.has(path) ?? true);
  // (none, the usual case: the hash as before, so stamps of repositories without any stay valid)
  const unlisted = await unlistedHash(snapshot, onDisk, files);
  if (unlisted !== undefined) digest.update("\0").update(unlisted);
  return `${prefix}${digest.digest("hex")}`;
}

/** True when a generator reads the modules' .proto files (depends on or compiles a protos entry). */
function readsProtos(graph: ShipGraph, generator: GraphNode): boolean {
  const closure = reachable(successors(graph.edges, INPUT_KINDS), [generator.id]);
  return [...closure].some((id) => id.startsWith("proto:"));
}

/**
 * Starts finding the modules' .proto files only the disk shows (see diskOnlyProtos) when one of
 * `generators` reads them: git lists the ignored files in another process while the stamps'
 * other inputs are listed and hashed. (I/O via snapshot)
 */
export function startStampReads(
  graph: ShipGraph,
  snapshot: RepoSnapshot,
  generators: readonly GraphNode[],
): void {
  if (generators.some((generator) => readsProtos(graph, generator)))
    diskOnlyProtos(graph, snapshot).catch(() => {}); // awaited (and a failure thrown) by inputsHash
}

/** What the stamps of one snapshot found of the modules' .proto files only the disk shows. */
const diskCache = new WeakMap<RepoSnapshot, { graph: ShipGraph; files: Promise<Map<string, DiskFile>> }>();

/**
 * The modules' .proto files buf reads on this disk that the listing does not hold as such (see
 * RepoSnapshot.diskOnly): ignored by .gitignore, or read through a symbolic link, out of the
 * repository or through a link in a linked directory. buf compiles them as it does the others, so
 * a stamp that did not hash them would stay fresh while they change. Nothing at a commit. (I/O
 * via snapshot)
 */
function diskOnlyProtos(graph: ShipGraph, snapshot: RepoSnapshot): Promise<Map<string, DiskFile>> {
  let cached = diskCache.get(snapshot);
  if (cached?.graph !== graph) {
    const { roots } = protoRoots(graph);
    const files = snapshot.diskOnly?.(roots, ".proto", leftOutOfModules(graph));
    cached = { graph, files: files ?? Promise.resolve(new Map()) };
    diskCache.set(snapshot, cached);
  }
  return cached.files;
}

/**
 * Whether every module holding `path` leaves it out (its excludes, or includes that hold neither
 * it nor anything under it): buf reads nothing there, so an ignored `node_modules` a module at the
 * repository root excludes is not walked. A path no module holds, or a directory on the way to a
 * module's root, is not left out. Pure.
 */
function leftOutOfModules(graph: ShipGraph): (path: string) => boolean {
  const modules = [...graph.nodes.values()].flatMap((n) => n.owns.protos ?? []);
  return (path) => {
    let held = false;
    for (const m of modules) {
      if (isUnder(m.root, path) && m.root !== path) return false; // on the way to a root
      if (!isUnder(path, m.root)) continue;
      held = true;
      const excluded = m.excludes.some((dir) => isUnder(path, dir));
      const outsideIncludes =
        m.includes.length > 0 && !m.includes.some((dir) => isUnder(path, dir) || isUnder(dir, path));
      if (!excluded && !outsideIncludes) return false;
    }
    return held;
  };
}

/**
 * sha256 over the sorted (path, blob id of what buf reads) pairs of `onDisk` files whose content
 * `inputs` (the files the stamp hashes) do not already give, by the repository file each really
 * is; undefined when there is none. (I/O via snapshot)
 */
async function unlistedHash(
  snapshot: RepoSnapshot,
  onDisk: readonly (readonly [string, DiskFile])[],
  inputs: readonly string[],
): Promise<string | undefined> {
  if (onDisk.length === 0) return undefined;
  const hashed = new Set(inputs);
  const extra = onDisk.filter(([, file]) => !("real" in file) || !hashed.has(file.real));
  if (extra.length === 0) return undefined;
  const reals = extra.flatMap(([, file]) => ("real" in file ? [file.real] : []));
  const ids = await snapshot.blobIds(reals);
  const lines = extra
    .map(([path, file]) => `${path}\0${"real" in file ? (ids.get(file.real) ?? "") : file.id}\n`)
    .sort(compareStrings);
  return createHash("sha256").update(lines.join("")).digest("hex");
}

/**
 * True when buf may compile text a narrowed stamp does not hash: a file it compiles or imports is
 * a symbolic link (hashed as the path it names, not the text buf reads through it), or a `paths`
 * entry is, or lies under, one (buf compiles the files behind a link to a directory, which git
 * lists under the target's path only: checked with buf 1.75, which leaves them out of a build of
 * the whole module). Every .proto file then counts. (I/O via snapshot)
 */
async function readsThroughLinks(
  snapshot: RepoSnapshot,
  generator: GeneratorInfo,
  protoFiles: ReadonlySet<string>,
): Promise<boolean> {
  const named = new Set<string>();
  for (const input of generator.reads?.inputs ?? []) {
    for (const path of [...input.paths, ...(input.packageOf !== undefined ? [input.packageOf] : [])]) {
      const parts = path === "" ? [] : path.split("/");
      for (let end = 1; end <= parts.length; end++) named.add(parts.slice(0, end).join("/"));
    }
  }
  return (await snapshot.symlinks([...protoFiles, ...named])).size > 0;
}

/** What stamps read of the .proto files, kept per snapshot (only when a stamp narrows). */
const protosCache = new WeakMap<RepoSnapshot, { graph: ShipGraph; memo: Map<string, ProtoRead> }>();

/**
 * The .proto files a narrowed stamp must know: those the generator compiles, as their listed paths
 * (and those of the files only the disk shows, `onDisk`) say (compilesFile reads no text for
 * that), and what they import, transitively; with
 * include_package_files, every file of the modules (which files share a package their text says).
 * A file read for one generator is not read again for another. (I/O via snapshot)
 */
function stampProtos(
  graph: ShipGraph,
  snapshot: RepoSnapshot,
  generator: GeneratorInfo,
  onDisk: ReadonlyMap<string, DiskFile>,
): Promise<StampProtos> {
  let cached = protosCache.get(snapshot);
  if (cached?.graph !== graph) {
    cached = { graph, memo: new Map() };
    protosCache.set(snapshot, cached);
  }
  const reads = generator.reads!;
  // (the files only the disk shows: buf compiles those it selects as it does the listed ones)
  const listed = [...snapshot.files.filter(protoRoots(graph).inModules), ...onDisk.keys()];
  const start = reads.inputs.some((input) => input.packageOf !== undefined)
    ? listed
    : listed.filter((file) => compilesFile(graph, reads, file));
  return readProtoClosure(graph, snapshot, start, cached.memo);
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
    // a stamp written in an older form (before the x bit was hashed, "sha256-"; before the
    // .proto files were narrowed, "sha256m-") is checked as it was written, until the next stamp
    // writes the new form
    const modes = recorded.outputs.startsWith(MODES_PREFIX);
    const stamped = stampedOutputs(graph, snapshot, node);
    const [inputsNow, outputsNow] = await Promise.all([
      inputsHash(graph, snapshot, node, inputsForm(recorded.inputs)),
      hashFiles(snapshot, stamped, modes),
    ]);
    const inputsChanged = inputsNow !== recorded.inputs;
    let outputsEdited = outputsNow !== recorded.outputs;
    if (outputsEdited) {
      // a stamp written before the outputs hash left out code of the repository's own beside a
      // known plugin's files (see stampedOutputs) hashed every file under the outputs, that code
      // too: all of them as it hashed them is no edit (nor is the narrower set, a part of them),
      // where "outputs edited by hand" would send the user looking for an edit nobody made. Its
      // prefix does not tell it apart, so the wider set is hashed when the narrower one differs.
      const every = snapshot.files.filter(graph.owners.outputsOf(node.id));
      if (every.length !== stamped.length)
        outputsEdited = (await hashFiles(snapshot, every, modes)) !== recorded.outputs;
    }
    results.push({
      ...base,
      status: inputsChanged || outputsEdited ? "drift" : "clean",
      quick: { inputsChanged, outputsEdited },
    });
  }
  return results.sort((a, b) => compareStrings(a.name, b.name));
}
