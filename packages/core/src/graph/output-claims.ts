import type { TemplatePlugin } from "../buf/template.js";
import {
  type KnownPlugin,
  knownPluginNaming,
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
   * any of its naming options: see pluginFamilyGlobs; or one the config's `protoOutputs`
   * describe). Drift reports such a file that the run does not write as stale, and --fix deletes
   * it; another one it reports as `undecided` or warns about (unclaimed), and --fix leaves it.
   */
  named: (path: string) => boolean;
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
 * - `plugin-naming`: it is named as a known plugin that the template does not run there names
 *   files (`a_connect.ts` beside protoc-gen-es's files): generated code of a plugin removed
 *   from the template, or moved to another `out`? (`plugin` says which naming);
 * - `clean`: the template has `clean: true`, so every `buf generate` deletes it.
 */
export type UndecidedWhy =
  | { kind: "naming-unknown"; out: string }
  | { kind: "plugin-naming"; plugin: KnownPlugin }
  | { kind: "clean"; out: string };

/** The OutputClaims of generator `node` (see there). Pure. */
export function outputClaims(graph: ShipGraph, node: GraphNode): OutputClaims {
  const isOutput = graph.owners.outputsOf(node.id);
  const generator = node.generator;
  const template = generator?.buf;
  if (template === undefined || !(graph.outputsFromTemplate?.includes(node.id) ?? false)) {
    return { named: isOutput, undecided: () => undefined, mayWrite: isOutput, mayTouch: isOutput };
  }
  const plugins = template.plugins.map((plugin) => pluginClaims(plugin, generator!));
  const claim = (test: (p: PluginClaims, path: string) => boolean) => (path: string) =>
    isOutput(path) && plugins.some((p) => isUnder(path, p.out) && test(p, path));
  return {
    named: claim((p, path) => p.names(path)),
    undecided: (path) => {
      const under = plugins.filter((p) => isUnder(path, p.out));
      // (the deepest out first: the one that says most about the file)
      under.sort((a, b) => b.out.length - a.out.length);
      const unknown = under.find((p) => !p.namingGiven);
      if (unknown !== undefined) return { kind: "naming-unknown", out: unknown.out };
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
 * (`protoOutputs`) how it names files, and which paths it names.
 */
interface PluginClaims {
  out: string;
  knownNaming: boolean;
  namingGiven: boolean;
  names: (path: string) => boolean;
}

function pluginClaims(plugin: TemplatePlugin, generator: GeneratorInfo): PluginClaims {
  // named as the plugin names files under any options (one named under options the template no
  // longer sets is generated code too); its naming is known only when its options' names are,
  // else `protoOutputs` name what it writes per .proto, not all it may write there
  const knownNaming = pluginOutputGlobs(plugin) !== undefined;
  const family = pluginFamilyGlobs(plugin);
  const described = knownNaming
    ? []
    : (generator.protoOutputs ?? []).flatMap((p) => patternMatcher(p.pattern, plugin.out) ?? []);
  const namingGiven = knownNaming || described.length > 0;
  if (family !== undefined) described.push(anyGlobMatcher(family));
  return {
    out: plugin.out,
    knownNaming,
    namingGiven,
    names: (path) => described.some((matches) => matches(path)),
  };
}

/** Placeholders of a `protoOutputs` pattern (see expandPattern) as the globs they may stand for. */
const PLACEHOLDER_GLOBS: Record<string, string> = { path: "**/*", dir: "**", name: "*", package: "**" };

const GLOB_CHARACTERS = /[*?[\]{}()!+@\\]/;

/**
 * Which files a `protoOutputs` pattern may name, whatever the .proto file, for a plugin whose out
 * is `out`: `{out}/{path}_routes.ts` names `<out>/**\/*_routes.ts` (the out dir taken literally).
 * Undefined for one that names nothing shipgraph can tell: glob characters of its own, a
 * placeholder expandPattern does not know, `{out}` anywhere but at the start. Pure.
 */
export function patternMatcher(pattern: string, out: string): ((path: string) => boolean) | undefined {
  const rest = pattern.startsWith("{out}") ? pattern.slice("{out}".length) : pattern;
  // (odd parts are the placeholders; the others are literal, and must hold no glob characters)
  const parts = rest.split(/(\{[^{}]*\})/).map((part, i) => {
    if (i % 2 === 0) return GLOB_CHARACTERS.test(part) ? undefined : part;
    return PLACEHOLDER_GLOBS[part.slice(1, -1)];
  });
  if (parts.some((part) => part === undefined)) return undefined;
  const segments = parts
    .join("")
    .split("/")
    .filter((s) => s !== "" && s !== ".");
  if (segments.length === 0) return undefined;
  const matches = globMatcher(segments.join("/"));
  if (rest === pattern) return matches;
  return (path) =>
    isUnder(path, out) && path !== out && matches(out === "" ? path : path.slice(out.length + 1));
}
