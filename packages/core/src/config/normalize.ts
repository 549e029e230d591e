import { type Config, validateConfig } from "@shipgraph/config-schema";
import { ShipgraphError } from "../errors.js";
import { normalizeRepoPath } from "../util/paths.js";
import type { ConfigSource } from "./load.js";
import { formatKeyPath } from "./parse.js";

/**
 * Validates a parsed config against the schema and normalises its paths (posix, no "./",
 * no trailing "/"). All problems are reported at once, each with file, line and key path.
 */
export function normalizeConfig(source: ConfigSource): Config {
  if (source.data === null || source.data === undefined) {
    // an empty file, or one of comments only: most likely not what its author meant to commit
    throw new ShipgraphError("CONFIG_INVALID", `${source.file} is empty: it declares nothing`, {
      file: source.file,
      hint: "declare what ships (see the README; `shipgraph init` writes a start), or delete the file to use the graph shipgraph infers",
    });
  }
  const result = validateConfig(source.data);
  if (!result.ok) {
    const problems = result.issues.map((issue) => {
      const line = source.lineOf(issue.path);
      const where = `${source.file}${line ? `:${line}` : ""}`;
      return `${where}: ${formatKeyPath(issue.path)}: ${issue.message}${issue.hint ? ` (${issue.hint})` : ""}`;
    });
    const first = result.issues[0]!;
    const firstLine = source.lineOf(first.path);
    throw new ShipgraphError(
      "CONFIG_INVALID",
      problems.length === 1
        ? `invalid config: ${problems[0]}`
        : `invalid config:\n  ${problems.join("\n  ")}`,
      {
        file: source.file,
        key: formatKeyPath(first.path),
        ...(firstLine ? { line: firstLine } : {}),
        problems,
        // (each problem's own hint is in its line above)
        hint: "fix the key, see the JSON Schema (@shipgraph/config-schema/schema.json) for what is allowed",
      },
    );
  }
  return normalizePaths(result.config);
}

function normalizePaths(config: Config): Config {
  const globs = (list: string[]) => list.map((p) => normalizeRepoPath(p));
  const mapValues = <T, U>(record: Record<string, T>, fn: (value: T) => U): Record<string, U> =>
    Object.fromEntries(Object.entries(record).map(([k, v]) => [k, fn(v)]));
  return {
    ...config,
    global: globs(config.global),
    protos: mapValues(config.protos, (p) => ({
      ...p,
      path: normalizeRepoPath(p.path),
      inputs: globs(p.inputs),
    })),
    generators: mapValues(config.generators, (g) => ({
      ...g,
      ...(g.template !== undefined ? { template: normalizeRepoPath(g.template) } : {}),
      inputs: globs(g.inputs),
      ...(g.outputs !== undefined ? { outputs: globs(g.outputs) } : {}),
    })),
    packages: mapValues(config.packages, (p) => ({
      ...p,
      ...(p.path !== undefined ? { path: normalizeRepoPath(p.path) } : {}),
      inputs: globs(p.inputs),
    })),
    images: mapValues(config.images, (i) => ({
      ...i,
      context: normalizeRepoPath(i.context),
      ...(i.dockerfile !== undefined ? { dockerfile: normalizeRepoPath(i.dockerfile) } : {}),
      buildArgsFrom: globs(i.buildArgsFrom),
      additionalContexts: Object.fromEntries(
        Object.entries(i.additionalContexts).map(([k, v]) => [k, normalizeRepoPath(v)]),
      ),
      inputs: globs(i.inputs),
    })),
    targets: mapValues(config.targets, (t) => ({ ...t, inputs: globs(t.inputs) })),
  };
}
