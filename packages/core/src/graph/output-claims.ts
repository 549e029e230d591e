import type { TemplatePlugin } from "../buf/template.js";
import {
  expandPattern,
  type KnownPlugin,
  knownPluginNaming,
  type ProtoSource,
  patternGlob,
  pluginFamilyGlobs,
  pluginOutputGlobs,
} from "../proto/outputs.js";
import type { GeneratorInfo, GraphNode } from "../types.js";
import { isUnder } from "../util/paths.js";
import type { ShipGraph } from "./build.js";
import { anyGlobMatcher, globMatcher } from "./owners.js";

/**
 * What a generator's outputs say of a file, beyond "it lies under them".
 *
 * Configured `outputs` are the user's word: every file they match (but for the generator's
 * inputs) is generated code. Outputs defaulted from a buf template are each plugin's `out/**`:
 * they say where the plugin writes, not that everything there is its work. An `out` may hold code
 * of the repository's own beside what the plugin writes (`packages/sdk/src/index.ts` next to
 * `packages/sdk/src/acme/…_pb.ts`), which buf leaves alone without `clean: true`.
 */
export interface OutputClaims {
  /**
   * Shown to be generated code: matched by configured `outputs`, or under a plugin's `out` and
   * named as that plugin names the files it writes (a plugin whose naming shipgraph knows, under
   * any of its naming options: see pluginFamilyGlobs; or, for one the config's `protoOutputs`
   * describe, the very name a pattern gives for one of the `protos` outputClaims was given).
   * Drift reports such a file that the run does not write as stale, and --fix deletes it; another
   * one it reports as `undecided` or warns about (unclaimed), and --fix leaves it.
   */
  named: (path: string) => boolean;
  /**
   * Under a plugin's `out` and shaped as a name its `protoOutputs` patterns give, read as globs
   * (`{out}/{path}.ts` over `gen/index.ts`). Only the names they give for the .proto files
   * there are or were are `named`: a pattern's placeholders match nearly anything (`{path}` any
   * path), so a hand-written file may have that shape. The caller that finds such a file not
   * `named` gets the .proto files (outputClaims' `protos`) to tell.
   */
  patterned: (path: string) => boolean;
  /**
   * For a file under the outputs that is not `named`: why drift cannot call it code of the
   * repository's own and leave it at a warning, or undefined when it can (under the `out` of
   * plugins whose naming is known, named as none of them names files, no `clean`). Drift reports
   * such a file (exit 1) and --fix leaves it: shipgraph cannot tell it is generated code, so only
   * the user can settle it. See UndecidedWhy.
   */
  undecided: (path: string) => UndecidedWhy | undefined;
  /**
   * May be written by the generator: `named`, or under the `out` of a plugin whose naming is not
   * known (it may write anything there). A stamp hashes these as its outputs: drift compares no
   * other file's bytes (code of the repository's own under a known plugin's `out`).
   */
  mayWrite: (path: string) => boolean;
  /**
   * May be written or deleted by the generator: `mayWrite`, or under a plugin's `out` in a
   * template with `clean: true` (buf deletes everything there). `affected` lists these as the
   * files it rewrites: a file buf never touches is none of them.
   */
  mayTouch: (path: string) => boolean;
}

/**
 * Why a file under default outputs that the run does not write, and that is named as none of its
 * plugins names files, is drift all the same (see OutputClaims.undecided):
 * - `naming-unknown`: it lies under the `out` of a plugin whose naming shipgraph does not know
 *   and that `protoOutputs` do not describe: it may be generated code of a deleted .proto file;
 * - `no-proto`: it is shaped as a name a `protoOutputs` pattern of a plugin there gives
 *   (`pattern`), but no .proto file there is or was (see outputClaims' `protos`) gives its name:
 *   generated code of a .proto file deleted before, or code of the repository's own?
 * - `plugin-naming`: it is named as a known plugin that the template does not run there names
 *   files (`a_connect.ts` beside protoc-gen-es's files): generated code of a plugin removed
 *   from the template, or moved to another `out`? (`plugin` says which naming);
 * - `clean`: the template has `clean: true`, so every `buf generate` deletes it.
 */
export type UndecidedWhy =
  | { kind: "naming-unknown"; out: string }
  | { kind: "no-proto"; out: string; pattern: string }
  | { kind: "plugin-naming"; plugin: KnownPlugin }
  | { kind: "clean"; out: string };

/**
 * The OutputClaims of generator `node` (see there). `protos`: for a plugin, the .proto files it
 * writes outputs for whose outputs may lie in the tree (those of the generator's modules that its
 * inputs select and the working tree, the index, HEAD or the merge base has: see protoSourcesOf):
 * a file is named by a `protoOutputs` pattern only when the pattern gives its name for one of
 * them (with `onlyWithServices`, one that declares a service); without them, for none (such a
 * file is `undecided`, never stale). Pure.
 */
export function outputClaims(
  graph: ShipGraph,
  node: GraphNode,
  protos: (plugin: TemplatePlugin) => readonly ProtoSource[] = () => [],
): OutputClaims {
  const isOutput = graph.owners.outputsOf(node.id);
  const generator = node.generator;
  const template = generator?.buf;
  if (template === undefined || !(graph.outputsFromTemplate?.includes(node.id) ?? false)) {
    const none = () => false;
    return {
      named: isOutput,
      patterned: none,
      undecided: () => undefined,
      mayWrite: isOutput,
      mayTouch: isOutput,
    };
  }
  const plugins = template.plugins.map((plugin) => pluginClaims(plugin, generator!, () => protos(plugin)));
  const claim = (test: (p: PluginClaims, path: string) => boolean) => (path: string) =>
    isOutput(path) && plugins.some((p) => isUnder(path, p.out) && test(p, path));
  return {
    named: claim((p, path) => p.names(path)),
    patterned: claim((p, path) => p.shaped(path) !== undefined),
    undecided: (path) => {
      const under = plugins.filter((p) => isUnder(path, p.out));
      // (the deepest out first: the one that says most about the file)
      under.sort((a, b) => b.out.length - a.out.length);
      const unknown = under.find((p) => !p.namingGiven);
      if (unknown !== undefined) return { kind: "naming-unknown", out: unknown.out };
      for (const p of under) {
        const pattern = p.shaped(path);
        if (pattern !== undefined) return { kind: "no-proto", out: p.out, pattern };
      }
      const plugin = knownPluginNaming(path);
      if (plugin !== undefined) return { kind: "plugin-naming", plugin };
      if (template.clean && under.length > 0) return { kind: "clean", out: under[0]!.out };
      return undefined;
    },
    mayWrite: claim((p, path) => !p.knownNaming || p.names(path)),
    mayTouch: claim((p, path) => template.clean || !p.knownNaming || p.names(path)),
  };
}

/**
 * A plugin's `out`, whether shipgraph knows all the names it writes, whether it knows or is told
 * (`protoOutputs`) how it names files, which paths it names, and which `protoOutputs` pattern (if
 * any) a path is shaped as.
 */
interface PluginClaims {
  out: string;
  knownNaming: boolean;
  namingGiven: boolean;
  names: (path: string) => boolean;
  shaped: (path: string) => string | undefined;
}

function pluginClaims(
  plugin: TemplatePlugin,
  generator: GeneratorInfo,
  protos: () => readonly ProtoSource[],
): PluginClaims {
  // named as the plugin names files under any options (one named under options the template no
  // longer sets is generated code too); its naming is known only when its options' names are,
  // else `protoOutputs` name what it writes per .proto, not all it may write there
  const knownNaming = pluginOutputGlobs(plugin) !== undefined;
  const family = pluginFamilyGlobs(plugin);
  const patterns = knownNaming
    ? []
    : (generator.protoOutputs ?? []).flatMap(({ pattern, onlyWithServices }) => {
        const matches = patternMatcher(pattern, plugin.out);
        return matches === undefined ? [] : [{ pattern, onlyWithServices, matches }];
      });
  const namingGiven = knownNaming || patterns.length > 0;
  const familyMatches = family === undefined ? undefined : anyGlobMatcher(family);
  // a pattern names exactly what it gives for a real .proto file the plugin writes for (the
  // placeholders read as globs would take in code of the repository's own: `{out}/{path}.ts` is
  // `out/**/*.ts`); with onlyWithServices, for one that declares a service as one state has it
  // (one that lost them leaves its file stale; one that never had any names none: a `money.ts` of
  // the repository's own beside `{out}/{name}.ts` route files, for a money.proto of messages only)
  let given: Set<string> | undefined;
  const exact = (path: string) => {
    given ??= new Set(
      patterns.flatMap(({ pattern, onlyWithServices }) =>
        protos().flatMap((proto) => {
          if (onlyWithServices && proto.services === 0) return [];
          try {
            return [expandPattern(pattern, plugin.out, proto)];
          } catch {
            return []; // (a name outside the repository: none of its files)
          }
        }),
      ),
    );
    return given.has(path);
  };
  return {
    out: plugin.out,
    knownNaming,
    namingGiven,
    names: (path) => (familyMatches?.(path) ?? false) || (patterns.length > 0 && exact(path)),
    shaped: (path) => patterns.find(({ matches }) => matches(path))?.pattern,
  };
}

/**
 * Which files a `protoOutputs` pattern may name, whatever the .proto file, for a plugin whose out
 * is `out`: `{out}/{path}_routes.ts` names `<out>/**\/*_routes.ts` (the out dir taken literally).
 * Undefined for one that names nothing shipgraph can tell (see patternGlob). Pure.
 */
export function patternMatcher(pattern: string, out: string): ((path: string) => boolean) | undefined {
  const shape = patternGlob(pattern);
  if (shape === undefined) return undefined;
  const matches = globMatcher(shape.glob);
  if (!shape.underOut) return matches;
  return (path) =>
    isUnder(path, out) && path !== out && matches(out === "" ? path : path.slice(out.length + 1));
}
