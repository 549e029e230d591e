import { type Config, validateConfig } from "@shipgraph/config-schema";
import { namedContextValue } from "../docker/image-ref.js";
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
    throw invalidConfig(
      source,
      result.issues.map((issue) => ({
        path: issue.path,
        message: `${issue.message}${issue.hint ? ` (${issue.hint})` : ""}`,
      })),
      // (each problem's own hint is in its line above)
      "fix the key, see the JSON Schema (@shipgraph/config-schema/schema.json) for what is allowed",
    );
  }
  assertNumbersAsWritten(source, result.config);
  return normalizePaths(result.config);
}

/**
 * A matrix value written as a number that does not read back as written (`20.10` is 20.1, `1e3`
 * is 1000, `0x1F` is 31) would reach the CI matrix changed, building the wrong thing without a
 * word: CONFIG_INVALID asking for quotes. Module configs write numbers as numbers: not checked.
 */
function assertNumbersAsWritten(source: ConfigSource, config: Config): void {
  const problems: { path: (string | number)[]; message: string }[] = [];
  for (const [name, image] of Object.entries(config.images)) {
    for (const [key, value] of Object.entries(image.matrix)) {
      if (typeof value !== "number") continue;
      const path = ["images", name, "matrix", key];
      const written = source.sourceOf(path);
      if (written === undefined || written === JSON.stringify(value)) continue;
      problems.push({
        path,
        message: `${written} reads as the number ${JSON.stringify(value)}, which the CI matrix would get: quote it ("${written}") to keep it as written`,
      });
    }
  }
  if (problems.length > 0) {
    throw invalidConfig(
      source,
      problems,
      "quote matrix values that are versions or codes: YAML and JSON read unquoted ones as numbers",
    );
  }
}

/** CONFIG_INVALID listing every problem with its file, line and key path. */
function invalidConfig(
  source: ConfigSource,
  problems: readonly { path: readonly (string | number)[]; message: string }[],
  hint: string,
): ShipgraphError {
  const lines = problems.map(({ path, message }) => {
    const line = source.lineOf(path);
    return `${source.file}${line ? `:${line}` : ""}: ${formatKeyPath(path)}: ${message}`;
  });
  const first = problems[0]!;
  const firstLine = source.lineOf(first.path);
  return new ShipgraphError(
    "CONFIG_INVALID",
    lines.length === 1 ? `invalid config: ${lines[0]}` : `invalid config:\n  ${lines.join("\n  ")}`,
    {
      file: source.file,
      key: formatKeyPath(first.path),
      ...(firstLine ? { line: firstLine } : {}),
      problems: lines,
      hint,
    },
  );
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
        // (an image, `docker-image://…`, or another scheme is no path: kept as written)
        Object.entries(i.additionalContexts).map(([k, v]) => [
          k,
          "dir" in namedContextValue(v) ? normalizeRepoPath(v) : v,
        ]),
      ),
      inputs: globs(i.inputs),
    })),
    targets: mapValues(config.targets, (t) => ({ ...t, inputs: globs(t.inputs) })),
  };
}
