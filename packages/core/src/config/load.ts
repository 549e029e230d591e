import { existsSync, lstatSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { dirname, extname, isAbsolute, join, posix, relative } from "node:path";
import { ShipgraphError } from "../errors.js";
import { type ParsedText, parseYamlText } from "./parse.js";

/** Config file names looked up at the repository root, in this order. */
export const CONFIG_FILE_NAMES = [
  "shipgraph.yaml",
  "shipgraph.yml",
  "shipgraph.json",
  "shipgraph.config.ts",
  "shipgraph.config.mts",
  "shipgraph.config.mjs",
  "shipgraph.config.js",
] as const;

/** A config as read from a file, before validation. */
export interface ConfigSource extends ParsedText {
  /** Repo-relative path of the file (posix). */
  file: string;
  /** For .ts/.mjs configs: the repository files it imports, directly or not (repo-relative). */
  imports?: string[];
}

const RELATIVE_IMPORT =
  /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\bimport\s+)["'](\.{1,2}\/[^"']+)["']/g;

/** The relative module specifiers in a module's source ("./images.mjs"). */
export function relativeImports(source: string): string[] {
  return [...source.matchAll(RELATIVE_IMPORT)].map((m) => m[1]!);
}

/** The files a module config imports, followed transitively within the repository. (I/O) */
function localImports(root: string, file: string, source: string): string[] {
  const found = new Set<string>();
  const queue: [string, string][] = [[file, source]];
  while (queue.length > 0) {
    const [from, text] = queue.pop()!;
    for (const specifier of relativeImports(text)) {
      const base = join(root, dirname(from), specifier);
      const candidates = [
        base,
        ...[".ts", ".mts", ".mjs", ".js", ".cjs", ".json"].map((ext) => base + ext),
        join(base, "index.ts"),
        join(base, "index.js"),
      ];
      const hit = candidates.find((c) => existsSync(c) && statSync(c).isFile());
      if (!hit) continue;
      const rel = toRepoPath(root, hit);
      if (rel.startsWith("..") || found.has(rel)) continue;
      found.add(rel);
      queue.push([rel, readFileSync(hit, "utf8")]);
    }
  }
  return [...found].sort();
}

/** Finds the config file: the explicit path, or the first of CONFIG_FILE_NAMES at the root. (I/O) */
export function findConfigFile(root: string, explicit?: string): string {
  if (explicit) {
    const abs = isAbsolute(explicit) ? explicit : join(root, explicit);
    if (!existsSync(abs)) {
      throw new ShipgraphError("CONFIG_NOT_FOUND", `config file ${explicit} does not exist`, {
        file: explicit,
        hint: "check the --config path (relative paths are resolved against the repository root)",
      });
    }
    if (statSync(abs).isDirectory()) {
      throw new ShipgraphError("CONFIG_NOT_FOUND", `config file ${explicit} is a directory`, {
        file: explicit,
        hint: `pass the config file itself, e.g. --config ${posix.join(explicit.split("\\").join("/"), "shipgraph.yaml")}`,
      });
    }
    return toRepoPath(root, abs);
  }
  // lstat: a dangling symbolic link is a config that cannot be read, not an absent one (which
  // would have the graph inferred instead)
  const found = CONFIG_FILE_NAMES.filter((name) => lstatSync(join(root, name), { throwIfNoEntry: false }));
  if (found.length > 1) {
    // which one wins would be a guess the user never sees: the others' declarations would be ignored
    throw new ShipgraphError(
      "CONFIG_INVALID",
      `several shipgraph configs at the repository root: ${found.join(", ")}`,
      {
        file: found[0]!,
        hint: "keep one of them (shipgraph reads one config), or pass --config PATH",
      },
    );
  }
  const name = found[0];
  if (name !== undefined && !existsSync(join(root, name))) {
    throw new ShipgraphError(
      "CONFIG_INVALID",
      `${name} is a symbolic link to ${readlinkSync(join(root, name))}, which does not exist`,
      { file: name, hint: "restore the file it points to, or replace the link with the config itself" },
    );
  }
  if (name !== undefined) return name;
  throw new ShipgraphError("CONFIG_NOT_FOUND", `no shipgraph config at the repository root (${root})`, {
    hint: `create shipgraph.yaml (see the README), or pass --config PATH; looked for ${CONFIG_FILE_NAMES.join(", ")}`,
  });
}

/** Reads and parses the config file of the working tree. (I/O) */
export async function readConfigFile(root: string, file: string): Promise<ConfigSource> {
  const abs = join(root, file);
  if (isModuleConfig(file)) {
    const imports = localImports(root, file, readFileSync(abs, "utf8"));
    return { file, imports, ...(await evaluateModule(file, abs, undefined)) };
  }
  return parseConfigText(readFileSync(abs, "utf8"), file, root);
}

/**
 * Parses config text as it was at some commit (used for the base's config). Module configs
 * (.ts/.mjs) are evaluated from the text in memory: nothing is written to the working tree.
 */
export async function parseConfigText(text: string, file: string, root: string): Promise<ConfigSource> {
  if (isModuleConfig(file)) return { file, ...(await evaluateModule(file, join(root, file), text)) };
  if (extname(file) === ".json") {
    try {
      JSON.parse(text);
    } catch (error) {
      const message = (error as Error).message;
      // V8 names an offset ("at position 12"): the line is what an editor goes to
      const position = /at position (\d+)/.exec(message);
      const line = position ? text.slice(0, Number(position[1])).split("\n").length : undefined;
      throw new ShipgraphError(
        "CONFIG_PARSE",
        `${file}${line !== undefined ? `:${line}` : ""}: invalid JSON: ${message}`,
        {
          file,
          ...(line !== undefined ? { line } : {}),
          hint: `fix the JSON syntax (JSON allows no comments or trailing commas${text.charCodeAt(0) === 0xfeff ? ", nor a byte order mark at the start" : ""}), or use shipgraph.yaml`,
        },
      );
    }
  }
  return { file, ...parseYamlText(text, file) };
}

/** True for .ts/.mts/.mjs/.js/.cjs configs (evaluated as modules). */
export function isModuleConfig(file: string): boolean {
  return /\.(c|m)?(t|j)s$/.test(file);
}

async function evaluateModule(file: string, abs: string, source: string | undefined): Promise<ParsedText> {
  const hint = "the module must `export default defineConfig({...})` and import only installed packages";
  let loaded: unknown;
  try {
    // jiti is loaded only for module configs: YAML users never pay for it.
    const { createJiti } = await import("jiti");
    // no interop: the default export is told apart from a module without one
    const jiti = createJiti(abs, { moduleCache: false, fsCache: false, interopDefault: false });
    loaded =
      source === undefined
        ? await jiti.import(abs)
        : await jiti.evalModule(source, { filename: abs, async: true, forceTranspile: true });
  } catch (error) {
    throw evaluationError(file, error, hint);
  }
  const exports = (loaded ?? {}) as Record<string, unknown>;
  // an ES module (transpiled, or a native namespace): its default export; CommonJS
  // (module.exports = ...): the exports, unless there are none (a module that forgot to export)
  const esm = exports.__esModule === true || Object.prototype.toString.call(exports) === "[object Module]";
  if (!("default" in exports) && (esm || Object.keys(exports).length === 0)) {
    throw new ShipgraphError(
      "CONFIG_INVALID",
      `${file}: the module has no default export: it declares no config`,
      {
        file,
        hint,
      },
    );
  }
  let data: unknown;
  try {
    data = await ("default" in exports ? exports.default : exports);
    if (typeof data === "function") data = await (data as () => unknown)();
  } catch (error) {
    throw evaluationError(file, error, hint);
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new ShipgraphError(
      "CONFIG_INVALID",
      `${file}: the default export is ${data === null ? "null" : Array.isArray(data) ? "an array" : typeof data}, not a config object`,
      { file, hint },
    );
  }
  return { data, lineOf: () => undefined, sourceOf: () => undefined };
}

function evaluationError(file: string, error: unknown, hint: string): ShipgraphError {
  return new ShipgraphError(
    "CONFIG_PARSE",
    `${file}: cannot evaluate config module: ${(error as Error).message}`,
    {
      file,
      hint,
    },
  );
}

function toRepoPath(root: string, abs: string): string {
  return relative(root, abs).split("\\").join("/");
}
