import { managedGoPrefix, type TemplatePlugin } from "../buf/template.js";
import type { ShipGraph } from "../graph/build.js";
import { importPathOf, type ProtoIndex } from "../proto/index.js";
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
}

/**
 * Generator name → the checked-in files it is expected to rewrite, sorted. A generator reached
 * only through .proto changes lists what its plugins write for the affected protos it compiles
 * (for a deleted proto, its now stale outputs); any other cause — template, plugin, toolchain,
 * config — lists every tracked file under its outputs, as does a plugin whose file names are
 * unknown. Pure.
 */
export function generatedFilesOf(input: GeneratedFilesInput): Record<string, string[]> {
  const { graph } = input;
  const out: Record<string, string[]> = {};
  for (const id of [...input.generators].sort(compareStrings)) {
    const node = graph.nodes.get(id);
    const generator = node?.generator;
    if (!node || !generator) continue;
    const narrowed =
      input.precise.has(id) && input.protoFiles && input.protos && generator.buf && generator.reads
        ? narrowedFiles(graph, id, generator, input.protoFiles, input.protos)
        : undefined;
    out[node.name] = narrowed ?? trackedOutputs(graph, node.id, generator.outputs);
  }
  return out;
}

function narrowedFiles(
  graph: ShipGraph,
  id: NodeId,
  generator: GeneratorInfo,
  protoFiles: ReadonlyMap<string, string[]>,
  protos: ProtoIndex,
): string[] {
  const reads = generator.reads!;
  const template = generator.buf!;
  const compiled = [...protoFiles.keys()].filter((file) => compilesFile(graph, reads, file));
  const files = new Set<string>();
  for (const plugin of template.plugins) {
    // include_imports: the plugin also writes the files the compiled ones import
    // include_imports: also the files a compiled one imports (the rest of its import chain)
    const sources = plugin.includeImports
      ? [...new Set(compiled.flatMap((file) => protoFiles.get(file) ?? [file]))]
      : compiled;
    for (const file of sources) {
      const paths = pluginFiles(plugin, protoSource(protos, template, file), generator);
      if (paths === undefined) {
        // names unknown: its outputs under its `out`
        const isOutput = graph.owners.outputsOf(id);
        for (const f of graph.files) if (isUnder(f, plugin.out) && isOutput(f)) files.add(f);
        break;
      }
      for (const p of paths) files.add(p);
    }
  }
  // a file it reads (code generated next to its .proto files) is never one it writes
  return [...files].filter((file) => !graph.owners.isInputOf(id, file)).sort(compareStrings);
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

/** What the output naming rules need about one .proto file. A file the index cannot describe counts as having everything. */
function protoSource(
  protos: ProtoIndex,
  template: NonNullable<GeneratorInfo["buf"]>,
  file: string,
): ProtoSource {
  const path = importPathOf(protos, file);
  const info = protos.files.get(file);
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

/** Every tracked output of a generator (under its `outputs`, not one of its inputs). */
function trackedOutputs(graph: ShipGraph, id: NodeId, outputs: readonly string[]): string[] {
  if (outputs.length === 0) return [];
  return graph.files.filter(graph.owners.outputsOf(id));
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
    .filter((file) => compilesFile(graph, reads, file))
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
