import { managedGoPrefix, type TemplatePlugin } from "../buf/template.js";
import type { ShipGraph } from "../graph/build.js";
import { outputClaims } from "../graph/output-claims.js";
import {
  allProtoFiles,
  type ImportClosure,
  importClosure,
  importPathOf,
  type ProtoIndex,
  protoAt,
  type Side,
} from "../proto/index.js";
import { expandPattern, generatedPaths, managedGoPackage, type ProtoSource } from "../proto/outputs.js";
import type { GeneratorInfo, NodeId } from "../types.js";
import { isUnder } from "../util/paths.js";
import { compareStrings } from "../util/sort.js";
import { compilesFile } from "./locate.js";

export interface GeneratedFilesInput {
  graph: ShipGraph;
  /** Affected generator ids. */
  generators: readonly NodeId[];
  /** Generators affected only through changed .proto files: their files can be narrowed. */
  precise: ReadonlySet<NodeId>;
  /** The affected .proto files (changed and importers) with their chains. */
  protoFiles: ReadonlyMap<string, string[]> | undefined;
  protos: ProtoIndex | undefined;
  /** The head's .proto files (`protos`, or read for this): to name what the plugins write for any cause. */
  headProtos?: ProtoIndex | undefined;
}

/**
 * Generator name → the checked-in files it is expected to rewrite, add or delete, sorted. A
 * generator reached only through .proto changes lists what its plugins write for the affected
 * protos it compiles (for a deleted proto, its now stale outputs; for a changed one, also its outputs
 * as named from its text at the base: a moved go_package, a removed service), and, with
 * include_imports, for the files the change brings into or drops from the compiled files' imports. Any other cause —
 * template, plugin, toolchain, config — lists every tracked file under its outputs that it may
 * write or delete (see OutputClaims.mayTouch: not a file of the repository's own beside a known plugin's
 * files in a default `out`) and what its plugins write for every file it compiles at head (files
 * it will add). A plugin whose file names are unknown lists every tracked file under its out. Pure.
 */
export function generatedFilesOf(input: GeneratedFilesInput): Record<string, string[]> {
  const { graph } = input;
  const out: Record<string, string[]> = {};
  for (const id of [...input.generators].sort(compareStrings)) {
    const node = graph.nodes.get(id);
    const generator = node?.generator;
    if (!node || !generator) continue;
    const files = new Set<string>();
    if (input.precise.has(id) && input.protoFiles && input.protos && generator.buf && generator.reads) {
      for (const f of narrowedFiles(graph, id, generator, input.protoFiles, input.protos)) files.add(f);
    } else {
      for (const f of trackedOutputs(graph, id, generator.outputs)) files.add(f);
      const protos = input.headProtos ?? input.protos;
      if (protos && generator.buf && generator.reads) {
        for (const f of headFiles(graph, id, generator, protos)) files.add(f);
      }
    }
    // a file it reads (code generated next to its .proto files) is never one it writes
    out[node.name] = [...files].filter((file) => !graph.owners.isInputOf(id, file)).sort(compareStrings);
  }
  return out;
}

/** Repo files, and import paths no repo file has, whose outputs a plugin writes. */
interface Sources {
  files: Set<string>;
  external: Set<string>;
}

/** The .proto files a generator compiles at one side, and their import closure, computed once. */
export class Compiled {
  private readonly compiled = new Map<Side, string[]>();
  private readonly closures = new Map<Side, ImportClosure>();
  constructor(
    private readonly graph: ShipGraph,
    private readonly generator: GeneratorInfo,
    private readonly protos: ProtoIndex,
  ) {}

  /** Whether it compiles `file` at `side` (the file is there, and one of its inputs selects it). */
  compiles(file: string, side: Side): boolean {
    return (
      protoAt(this.protos, file, side) !== undefined &&
      compilesFile(this.graph, this.generator.reads!, file, this.protos, side)
    );
  }

  /** The files it compiles at `side`. */
  files(side: Side): string[] {
    let files = this.compiled.get(side);
    if (!files) {
      files = allProtoFiles(this.protos).filter((file) => this.compiles(file, side));
      this.compiled.set(side, files);
    }
    return files;
  }

  /** The files it compiles at `side` and everything they import. */
  closure(side: Side): ImportClosure {
    let closure = this.closures.get(side);
    if (!closure) {
      closure = importClosure(this.protos, this.files(side), side);
      this.closures.set(side, closure);
    }
    return closure;
  }

  /** What `plugin` writes outputs for at `side`; undefined when the base's imports are unknown. */
  sources(plugin: TemplatePlugin, side: Side): Sources | undefined {
    if (!plugin.includeImports) return { files: new Set(this.files(side)), external: new Set() };
    const closure = this.closure(side);
    if (closure.unknown) return undefined;
    return { files: closure.files, external: withoutWkt(closure.external, plugin) };
  }
}

/** include_imports writes the well-known types' files only with include_wkt. */
function withoutWkt(external: Iterable<string>, plugin: TemplatePlugin): Set<string> {
  return new Set([...external].filter((path) => plugin.includeWkt || !isWkt(path)));
}

/** A well-known type's file, which buf provides (google/protobuf/*.proto). */
export function isWkt(importPath: string): boolean {
  return importPath.startsWith("google/protobuf/");
}

/** What the plugins write for every file the generator compiles at head (and, with include_imports, what those import). */
function headFiles(graph: ShipGraph, id: NodeId, generator: GeneratorInfo, protos: ProtoIndex): string[] {
  const compiled = new Compiled(graph, generator, protos);
  const files = new Set<string>();
  const isOutput = outputClaims(graph, graph.nodes.get(id)!).mayTouch;
  for (const plugin of generator.buf!.plugins) {
    addOutputs(files, graph, generator, protos, plugin, compiled.sources(plugin, "head")!, isOutput);
  }
  return [...files];
}

function narrowedFiles(
  graph: ShipGraph,
  id: NodeId,
  generator: GeneratorInfo,
  protoFiles: ReadonlyMap<string, string[]>,
  protos: ProtoIndex,
): string[] {
  const reads = generator.reads!;
  const changed = [...protoFiles.keys()].sort(compareStrings);
  // a changed file or importer it compiles at either side (a deleted one: its stale outputs)
  const affected = changed.filter((file) => compilesFile(graph, reads, file, protos));
  const compiled = new Compiled(graph, generator, protos);
  // include_package_files: what it compiles follows the packages the files declare
  const byPackage = reads.inputs.some((input) => input.packageOf !== undefined);
  const files = new Set<string>();
  const isOutput = outputClaims(graph, graph.nodes.get(id)!).mayTouch;
  // which changed files it compiles at a side (without include_imports or include_package_files,
  // what it compiles differs between the sides only among the changed files: no full scan)
  const changedAt = (side: Side): Sources => ({
    files: new Set(changed.filter((file) => compiled.compiles(file, side))),
    external: new Set(),
  });
  for (const plugin of generator.buf!.plugins) {
    const sources: Sources = { files: new Set(affected), external: new Set() };
    const closures = plugin.includeImports || byPackage;
    const head = closures ? compiled.sources(plugin, "head")! : changedAt("head");
    const base =
      protos.base === undefined ? undefined : closures ? compiled.sources(plugin, "base") : changedAt("base");
    // a changed file (or importer of one) it writes outputs for at either side
    for (const file of changed) {
      if (head.files.has(file) || base?.files.has(file)) sources.files.add(file);
    }
    if (base && closures) {
      // what the change brings in or leaves out: a new import, a dropped one (with include_imports)
      for (const file of symmetricDifference(head.files, base.files)) sources.files.add(file);
      for (const path of symmetricDifference(head.external, base.external)) sources.external.add(path);
    } else if (closures) {
      // the base's imports or packages are unknown: every file the affected ones import at head
      // (one it may have added), every file of the package at head (one that may have joined it),
      // and every tracked output under `out` (one it may have dropped)
      const start = byPackage ? [...head.files] : [...sources.files].filter((f) => head.files.has(f));
      const closure = plugin.includeImports
        ? importClosure(protos, start, "head")
        : { files: new Set(start), external: new Set<string>() };
      for (const file of closure.files) sources.files.add(file);
      for (const path of withoutWkt(closure.external, plugin)) sources.external.add(path);
      addTrackedUnder(files, graph, plugin.out, isOutput);
    }
    addOutputs(files, graph, generator, protos, plugin, sources, isOutput);
    if (base) {
      // what a changed file's outputs were named at the base, where its text names them (a
      // go_package moved, its only service removed): stale now, deleted by regenerating
      // (only a file whose base text was read can differ: an importer's is the head's)
      const wrote = changed.filter((file) => {
        const was = protos.base?.get(file);
        return base.files.has(file) && was !== undefined && was !== "absent";
      });
      addOutputs(
        files,
        graph,
        generator,
        protos,
        plugin,
        { files: new Set(wrote), external: new Set() },
        isOutput,
        "base",
      );
    }
  }
  return [...files].sort(compareStrings);
}

function symmetricDifference<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): T[] {
  return [...[...a].filter((x) => !b.has(x)), ...[...b].filter((x) => !a.has(x))];
}

/** Adds what `plugin` writes for `sources`; every tracked file under its out when the names are unknown. */
function addOutputs(
  files: Set<string>,
  graph: ShipGraph,
  generator: GeneratorInfo,
  protos: ProtoIndex,
  plugin: TemplatePlugin,
  sources: Sources,
  isOutput: (path: string) => boolean,
  side: Side = "head",
): void {
  for (const source of describeSources(protos, generator.buf!, sources, side)) {
    const paths = pluginFiles(plugin, source, generator);
    if (paths === undefined) {
      // names unknown: its outputs under its `out`
      addTrackedUnder(files, graph, plugin.out, isOutput);
      return;
    }
    for (const p of paths) files.add(p);
  }
}

/** What a plugin is given for `sources`: the repo's .proto files, then import paths no repo file has, each sorted. */
function describeSources(
  protos: ProtoIndex,
  template: NonNullable<GeneratorInfo["buf"]>,
  sources: Sources,
  side: Side,
): ProtoSource[] {
  return [
    ...[...sources.files].sort(compareStrings).map((file) => protoSource(protos, template, file, side)),
    ...[...sources.external].sort(compareStrings).map((path) => externalSource(template, path)),
  ];
}

/** Adds the tracked files under `out` that are outputs of the generator. */
function addTrackedUnder(
  files: Set<string>,
  graph: ShipGraph,
  out: string,
  isOutput: (path: string) => boolean,
): void {
  for (const f of graph.files) if (isUnder(f, out) && isOutput(f)) files.add(f);
}

function pluginFiles(
  plugin: TemplatePlugin,
  source: ProtoSource,
  generator: GeneratorInfo,
): string[] | undefined {
  const known = generatedPaths(plugin, source);
  if (known !== undefined || !generator.protoOutputs) return known;
  return generator.protoOutputs
    .filter((p) => !p.onlyWithServices || source.services > 0)
    .map((p) => expandPattern(p.pattern, plugin.out, source));
}

/**
 * What the output naming rules need about one .proto file, as `side` has it. A file the index
 * cannot describe counts as having everything.
 */
function protoSource(
  protos: ProtoIndex,
  template: NonNullable<GeneratorInfo["buf"]>,
  file: string,
  side: Side = "head",
): ProtoSource {
  const path = importPathOf(protos, file);
  const at = side === "head" ? protos.files.get(file) : protoAt(protos, file, "base");
  const info = at === "unknown" ? undefined : at;
  const prefix = managedGoPrefix(template.managed, path);
  const goPackage =
    prefix === undefined ? info?.options.go_package : prefix.startsWith("=") ? prefix.slice(1) : undefined;
  return {
    path,
    ...(info?.package !== undefined ? { package: info.package } : {}),
    ...(goPackage !== undefined
      ? { goPackage }
      : prefix !== undefined
        ? { goPackage: managedGoPackage(path, prefix, info?.package) }
        : {}),
    services: info ? info.services : 1,
    definitions: info ? info.messages + info.enums + info.extends + info.services : 1,
  };
}

/**
 * A file imported by import path that no repo file has: a well-known type (buf's own copy: no
 * services; its go_package is not the file's to say, so Go plugins fall back), or a dependency's
 * file, described with everything (every plugin's widest rule).
 */
function externalSource(template: NonNullable<GeneratorInfo["buf"]>, path: string): ProtoSource {
  if (isWkt(path)) {
    const pkg = path.startsWith("google/protobuf/compiler/") ? "google.protobuf.compiler" : "google.protobuf";
    return { path, package: pkg, services: 0, definitions: 1 };
  }
  const prefix = managedGoPrefix(template.managed, path);
  return {
    path,
    ...(prefix?.startsWith("=") ? { goPackage: prefix.slice(1) } : {}),
    services: 1,
    definitions: 1,
  };
}

/**
 * Every tracked output of a generator (under its `outputs`, not one of its inputs) that it may
 * write or delete: not code of the repository's own under a known plugin's `out` (see
 * OutputClaims.mayTouch).
 */
function trackedOutputs(graph: ShipGraph, id: NodeId, outputs: readonly string[]): string[] {
  if (outputs.length === 0) return [];
  return graph.files.filter(outputClaims(graph, graph.nodes.get(id)!).mayTouch);
}

/**
 * Output file → the .proto file it is generated from, for every proto the generator compiles
 * and every plugin whose file names are known (drift names the source of each drifted file).
 * Files of unknown plugins, and stale files of deleted protos, have no entry. Pure.
 */
export function outputSources(
  graph: ShipGraph,
  generator: GeneratorInfo,
  protos: ProtoIndex,
): Map<string, string> {
  const sources = new Map<string, string>();
  const reads = generator.reads;
  const template = generator.buf;
  if (!reads || !template) return sources;
  const compiled = [...protos.files.keys()]
    .filter((file) => !protos.deleted?.has(file) && compilesFile(graph, reads, file, protos, "head"))
    .sort(compareStrings);
  for (const plugin of template.plugins) {
    for (const file of compiled) {
      const paths = pluginFiles(plugin, protoSource(protos, template, file), generator);
      if (paths === undefined) break;
      for (const path of paths) if (!sources.has(path)) sources.set(path, file);
    }
  }
  return sources;
}

/**
 * The files the plugins whose file names shipgraph knows write for what the generator compiles
 * in `protos` (and, with include_imports, what that imports): each a path buf writes there, as
 * the naming rules say (see generatedPaths). A file only named like them (`*_pb.ts` under the
 * out) is not among them: no .proto there yields it, so buf did not write it (code copied in,
 * written by hand). A plugin of another naming (`protoOutputs` says what such a plugin writes
 * per .proto, not all it writes), or a file whose names a rule cannot tell, adds none. Pure.
 */
export function knownPluginFiles(
  graph: ShipGraph,
  generator: GeneratorInfo,
  protos: ProtoIndex,
): Set<string> {
  const files = new Set<string>();
  const template = generator.buf;
  if (!generator.reads || !template) return files;
  const compiled = new Compiled(graph, generator, protos);
  for (const plugin of template.plugins) {
    const sources = compiled.sources(plugin, "head");
    if (sources === undefined) continue;
    for (const source of describeSources(protos, template, sources, "head"))
      for (const path of generatedPaths(plugin, source) ?? []) files.add(path);
  }
  return files;
}
