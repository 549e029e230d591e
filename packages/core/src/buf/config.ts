import { type ParsedText, parseYamlText } from "../config/parse.js";
import { ShipgraphError } from "../errors.js";
import { joinRepoPath, leavesRoot, normalizeRepoPath } from "../util/paths.js";

/**
 * buf's own configuration files: buf.yaml (v1 and v2), buf.work.yaml and buf.lock. Every path in
 * the results is repo-relative, so callers never have to remember which file resolves what
 * against which directory:
 * - v1 buf.yaml `build.excludes` are relative to the module root (the buf.yaml's directory);
 * - v2 buf.yaml `modules[].path`, `excludes` and `includes` are relative to the workspace root
 *   (the buf.yaml's directory);
 * - buf.work.yaml `directories` are relative to the buf.work.yaml's directory.
 * Sources: buf.build/docs/configuration/v1/buf-yaml, v2/buf-yaml, v1/buf-work-yaml.
 */

/** A buf module: the root its import paths are relative to, and the protos it leaves out. */
export interface BufModule {
  /** Repo-relative module root ("" = repository root). */
  dir: string;
  /** The buf.yaml that declares it. */
  configFile: string;
  /** BSR name (`name:`), when set. */
  name?: string;
  /** Repo-relative directories whose .proto files are not part of the module. */
  excludes: string[];
  /** Repo-relative directories: when non-empty, only .proto files under them belong to the module (v2). */
  includes: string[];
}

/** A parsed buf.yaml. */
export interface BufYaml {
  version: "v1" | "v2";
  /** v1: the one module rooted at the file's directory; v2: every `modules` entry (default: one at ".") . */
  modules: BufModule[];
  /** BSR dependencies (`deps`), as written. */
  deps: string[];
}

/** Parses buf.yaml at `file` (repo-relative). Throws BUF_CONFIG_INVALID naming the file, line and key. */
export function parseBufYaml(text: string, file: string): BufYaml {
  const parsed = parseYamlText(text, file);
  const data = objectAt(parsed, file, [], parsed.data ?? {});
  const dir = dirOf(file);
  const version = versionOf(parsed, file, data, ["v1beta1", "v1", "v2"]);
  const deps = stringList(parsed, file, ["deps"], data.deps);
  if (version !== "v2") {
    const build = data.build === undefined ? {} : objectAt(parsed, file, ["build"], data.build);
    const excludes = stringList(parsed, file, ["build", "excludes"], build.excludes).map((p) =>
      resolvePath(parsed, file, ["build", "excludes"], dir, p),
    );
    // v1beta1 had build.roots: several roots in one module; each is its own import root here.
    const roots = stringList(parsed, file, ["build", "roots"], build.roots);
    const dirs =
      roots.length > 0 ? roots.map((r) => resolvePath(parsed, file, ["build", "roots"], dir, r)) : [dir];
    const name = typeof data.name === "string" ? { name: data.name } : {};
    return {
      version: "v1",
      modules: dirs.map((d) => ({ dir: d, configFile: file, ...name, excludes, includes: [] })),
      deps,
    };
  }
  const entries = data.modules === undefined ? [{ path: "." }] : data.modules;
  if (!Array.isArray(entries)) fail(parsed, file, ["modules"], "must be a list of {path, …} entries");
  const modules = (entries as unknown[]).map((entry, index): BufModule => {
    const at = ["modules", index];
    const module = objectAt(parsed, file, at, entry);
    const path = module.path ?? ".";
    if (typeof path !== "string") fail(parsed, file, [...at, "path"], "must be a directory path");
    const resolve = (key: string) =>
      stringList(parsed, file, [...at, key], module[key]).map((p) =>
        resolvePath(parsed, file, [...at, key], dir, p),
      );
    return {
      dir: resolvePath(parsed, file, [...at, "path"], dir, path),
      configFile: file,
      ...(typeof module.name === "string" ? { name: module.name } : {}),
      excludes: resolve("excludes"),
      includes: resolve("includes"),
    };
  });
  return { version: "v2", modules, deps };
}

/** Parses buf.work.yaml (v1): the module directories, repo-relative. */
export function parseBufWorkYaml(text: string, file: string): { directories: string[] } {
  const parsed = parseYamlText(text, file);
  const data = objectAt(parsed, file, [], parsed.data ?? {});
  versionOf(parsed, file, data, ["v1"]);
  const directories = stringList(parsed, file, ["directories"], data.directories).map((d) =>
    resolvePath(parsed, file, ["directories"], dirOf(file), d),
  );
  if (directories.length === 0) fail(parsed, file, ["directories"], "lists no module directories");
  return { directories };
}

/** One pinned dependency of buf.lock: its name and the digest that identifies its content. */
export interface BufLockDep {
  name: string;
  commit?: string;
  digest?: string;
}

/** Parses buf.lock (v1 entries remote/owner/repository, v2 entries name). */
export function parseBufLock(text: string, file: string): { deps: BufLockDep[] } {
  const parsed = parseYamlText(text, file);
  const data = objectAt(parsed, file, [], parsed.data ?? {});
  const list = data.deps ?? [];
  if (!Array.isArray(list)) fail(parsed, file, ["deps"], "must be a list");
  const deps = (list as unknown[]).map((entry, index) => {
    const dep = objectAt(parsed, file, ["deps", index], entry);
    const name =
      typeof dep.name === "string"
        ? dep.name
        : [dep.remote, dep.owner, dep.repository].every((p) => typeof p === "string")
          ? `${dep.remote}/${dep.owner}/${dep.repository}`
          : fail(parsed, file, ["deps", index], "needs `name` (v2) or remote/owner/repository (v1)");
    return {
      name,
      ...(typeof dep.commit === "string" ? { commit: dep.commit } : {}),
      ...(typeof dep.digest === "string" ? { digest: dep.digest } : {}),
    };
  });
  return { deps };
}

// --- shared helpers for buf's YAML files (also used by template.ts) ---

/** Throws BUF_CONFIG_INVALID (or TEMPLATE_INVALID for templates) naming file:line and key. */
export function fail(
  parsed: ParsedText,
  file: string,
  path: readonly (string | number)[],
  message: string,
  code: "BUF_CONFIG_INVALID" | "TEMPLATE_INVALID" = "BUF_CONFIG_INVALID",
  hint?: string,
): never {
  const line = parsed.lineOf(path);
  const key = keyPath(path);
  throw new ShipgraphError(code, `${file}${line ? `:${line}` : ""}: ${key ? `${key} ` : ""}${message}`, {
    file,
    ...(key ? { key } : {}),
    ...(line ? { line } : {}),
    hint:
      hint ??
      (code === "TEMPLATE_INVALID"
        ? "fix the template (buf.build/docs/configuration/v2/buf-gen-yaml); shipgraph runs buf at the repository root (or the generator's `cwd`), so out, inputs and paths are resolved there"
        : "fix the file (buf.build/docs/configuration/v2/buf-yaml); buf itself would reject it too"),
  });
}

/** "plugins[0].out" from ["plugins", 0, "out"]. */
export function keyPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

export function objectAt(
  parsed: ParsedText,
  file: string,
  path: readonly (string | number)[],
  value: unknown,
  code?: "BUF_CONFIG_INVALID" | "TEMPLATE_INVALID",
): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    fail(parsed, file, path, "must be a mapping", code);
  }
  return value as Record<string, unknown>;
}

/** A list of strings; a single string is accepted where buf accepts one (opt, local). */
export function stringList(
  parsed: ParsedText,
  file: string,
  path: readonly (string | number)[],
  value: unknown,
  code?: "BUF_CONFIG_INVALID" | "TEMPLATE_INVALID",
): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
    fail(parsed, file, path, "must be a list of strings", code);
  }
  return value as string[];
}

export function versionOf<V extends string>(
  parsed: ParsedText,
  file: string,
  data: Record<string, unknown>,
  allowed: readonly V[],
  code?: "BUF_CONFIG_INVALID" | "TEMPLATE_INVALID",
): V {
  const version = data.version ?? allowed[0];
  if (typeof version !== "string" || !allowed.includes(version as V)) {
    fail(
      parsed,
      file,
      ["version"],
      `must be one of ${allowed.join(", ")} (found ${JSON.stringify(version)})`,
      code,
    );
  }
  return version as V;
}

/** A path relative to `base`, made repo-relative; one that leaves the repository is an error. */
export function resolvePath(
  parsed: ParsedText,
  file: string,
  path: readonly (string | number)[],
  base: string,
  value: string,
  code?: "BUF_CONFIG_INVALID" | "TEMPLATE_INVALID",
): string {
  if (value.startsWith("/")) fail(parsed, file, path, `"${value}" must be a relative path`, code);
  const resolved = normalizeRepoPath(joinRepoPath(base, value));
  if (leavesRoot(resolved)) {
    fail(parsed, file, path, `"${value}" leaves the repository`, code);
  }
  return resolved;
}

export function dirOf(file: string): string {
  const index = file.lastIndexOf("/");
  return index === -1 ? "" : file.slice(0, index);
}
