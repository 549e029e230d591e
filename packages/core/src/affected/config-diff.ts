import type { Config } from "@shipgraph/config-schema";
import { bufGenerateArgs } from "../buf/command.js";
import { generatorRun, generatorTemplate } from "../discover/index.js";
import { splitCommand } from "../drift/argv.js";
import type { NodeId } from "../types.js";
import { normalizeRepoPath } from "../util/paths.js";
import { stableStringify } from "../util/sort.js";

const SECTIONS = [
  ["protos", "proto"],
  ["generators", "generator"],
  ["packages", "package"],
  ["images", "image"],
  ["targets", "target"],
] as const;

/**
 * The nodes whose declaration differs between the base's config and the head's: changed or
 * added entries. (Removed entries have no node at head.) Policy keys (`global`, `unowned`)
 * change how diffs are read, not what is built, so they touch nothing. Pure.
 */
export function changedDeclarations(base: Config, head: Config): Map<NodeId, string> {
  const changed = new Map<NodeId, string>();
  for (const [section, kind] of SECTIONS) {
    const before = base[section] as Record<string, unknown>;
    const after = head[section] as Record<string, unknown>;
    for (const [name, entry] of Object.entries(after)) {
      const previous = before[name];
      if (previous === undefined) changed.set(`${kind}:${name}`, `${section}.${name} was added`);
      else if (stableStringify(previous) !== stableStringify(entry)) {
        changed.set(`${kind}:${name}`, `${section}.${name} changed`);
      }
    }
  }
  return changed;
}

/** A generator's declaration, as compared across a template move. */
interface GeneratorDeclaration {
  template?: string | undefined;
  run?: string | string[] | undefined;
  [key: string]: unknown;
}

/**
 * For each generator whose declaration differs between base and head only in the path of its
 * template (`template`, and the words of `run` naming it), the template's path on each side.
 * buf resolves a template's `out`, `inputs` and local plugin paths against the directory it runs
 * in (the repository root), never against the template's own location (FACTS.md: osrg/gobgp#3519),
 * so a template moved with the same data generates the same files; the caller compares the data.
 * That holds for buf only: a generator whose command is not `buf generate` (a script given the
 * template's path, which may `cd` to its directory or resolve paths from it) is never moved.
 * A `run` that names the template in any other form (inside a shell string) differs. Pure.
 */
export function movedTemplates(base: Config, head: Config): Map<string, { from: string; to: string }> {
  const out = new Map<string, { from: string; to: string }>();
  for (const [name, after] of Object.entries(head.generators) as [string, GeneratorDeclaration][]) {
    const before = base.generators[name] as GeneratorDeclaration | undefined;
    if (before === undefined) continue;
    const from = generatorTemplate(before)?.path;
    const to = generatorTemplate(after)?.path;
    if (from === undefined || to === undefined || from === to) continue;
    if (!runsBuf(before) || !runsBuf(after)) continue;
    const canonical = (declaration: GeneratorDeclaration, template: string) => {
      const { template: _, run, ...rest } = declaration;
      if (run === undefined) return stableStringify(rest);
      let argv: string[];
      try {
        argv = typeof run === "string" ? splitCommand(run, "run") : [...run];
      } catch {
        return undefined;
      }
      const named = (word: string) => word !== "" && normalizeRepoPath(word) === template;
      const words = argv.map((word) =>
        named(word)
          ? TEMPLATE
          : word.startsWith("--template=") && named(word.slice(11))
            ? `--template=${TEMPLATE}`
            : word,
      );
      return stableStringify({ ...rest, run: words });
    };
    const a = canonical(before, from);
    if (a !== undefined && a === canonical(after, to)) out.set(name, { from, to });
  }
  return out;
}

/** Whether the generator's command (its `run`, or the default) is `buf generate`. Pure. */
function runsBuf(generator: GeneratorDeclaration): boolean {
  const run = generatorRun(generator);
  return run !== undefined && bufGenerateArgs(run, "run") !== undefined;
}

/** Stands for the template's path in a compared `run`. */
const TEMPLATE = "\u0000template";
