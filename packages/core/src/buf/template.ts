import { type ParsedText, parseYamlText } from "../config/parse.js";
import { joinRepoPath, leavesRoot, normalizeRepoPath } from "../util/paths.js";
import { dirOf, fail as failAt, objectAt, resolvePath, stringList, versionOf } from "./config.js";

/**
 * buf generation templates (buf.gen.yaml), v1 and v2. `out`, v2 `inputs[].directory|proto_file`
 * and `paths`/`exclude_paths`, and local plugins' paths are relative to the directory buf runs in
 * — the generator's `cwd`, else the repository root — not to the template's location (FACTS.md:
 * osrg/gobgp#3519).
 * Sources: buf.build/docs/configuration/v1/buf-gen-yaml, v2/buf-gen-yaml,
 * bufbuild/buf private/bufpkg/bufconfig/buf_gen_yaml_file.go.
 */

/** One `plugins` entry: exactly one of `local`, `remote`, `protocBuiltin` is set. */
export interface TemplatePlugin {
  index: number;
  /** A local plugin: the argv (v2 `local` string or list; v1 `plugin: es` → ["protoc-gen-es"], or v1 `path`). */
  local?: string[];
  /** A remote plugin: "buf.build/bufbuild/es:v2.2.0" (its version pin is part of the reference). */
  remote?: string;
  /** v2 `revision` of a remote plugin. */
  revision?: number;
  /** A plugin built into protoc: "python", "pyi", "java", "cpp"… */
  protocBuiltin?: string;
  /** Repo-relative out directory ("" = the repository root). */
  out: string;
  /** Options, one per comma-separated item ("target=ts"). */
  opt: string[];
  strategy: "directory" | "all" | undefined;
  includeImports: boolean;
  includeWkt: boolean;
}

/** A v2 `inputs` entry. */
export interface TemplateInput {
  kind: InputKind;
  /** Repo-relative for `directory` and `proto_file`; as written otherwise (module name, URL). */
  value: string;
  /** Repo-relative paths (files or directories) the input is narrowed to; empty = all. */
  paths: string[];
  /** Repo-relative paths left out. */
  excludePaths: string[];
  /** `proto_file` with include_package_files: every file of the same proto package counts too. */
  includePackageFiles: boolean;
}

const INPUT_KINDS = [
  "directory",
  "proto_file",
  "module",
  "git_repo",
  "tarball",
  "zip_archive",
  "binary_image",
  "json_image",
  "text_image",
  "yaml_image",
] as const;
export type InputKind = (typeof INPUT_KINDS)[number];

/** A `go_package_prefix` rule of managed mode, scoped to a path or module when set. */
export interface GoPrefixRule {
  value: string;
  path?: string;
  module?: string;
}

export interface ManagedMode {
  enabled: boolean;
  /** go_package_prefix rules in file order (later rules win, as in buf v2). */
  goPackagePrefix: GoPrefixRule[];
  /** Paths (repo-relative) or modules where managed go_package is disabled. */
  goPackageDisabled: { path?: string; module?: string }[];
}

export interface BufTemplate {
  version: "v1" | "v2";
  /**
   * The directory buf runs in (the generator's `cwd`), when not the repository root: a local
   * plugin's relative paths are relative to it (see localArgPath). Every other path here is
   * repo-relative already.
   */
  cwd?: string;
  plugins: TemplatePlugin[];
  /** v2 `inputs`; empty = whatever the command line names (default: the workspace at the repo root). */
  inputs: TemplateInput[];
  managed: ManagedMode;
  /** `clean: true`: buf deletes each `out` before generating. */
  clean: boolean;
}

const CODE = "TEMPLATE_INVALID";

/** How a generator runs buf on a template: where, and what its `out` dirs are relative to. */
export interface TemplateRun {
  /** The directory buf runs in (repo-relative; "" = the root): `inputs` are relative to it. */
  cwd?: string;
  /** What `outBase` is, for an `out` that leaves the repository from it ("proto, where generators.ts runs buf"). */
  outBaseIs?: string;
}

/**
 * Parses a buf.gen.yaml (repo-relative `file`). Each `out` is resolved under `outBase`, the
 * directory `buf generate -o` names, else the one buf runs in ("" = the repository root); v2
 * `inputs` against `run.cwd`. A malformed template, or an `out` that leaves the repository,
 * throws TEMPLATE_INVALID naming file:line and key.
 */
export function parseBufTemplate(
  text: string,
  file: string,
  outBase = "",
  run: TemplateRun = {},
): BufTemplate {
  const cwd = run.cwd ?? "";
  const parsed = parseYamlText(text, file);
  const fail = (path: readonly (string | number)[], message: string): never =>
    failAt(parsed, file, path, message, CODE);
  const data = objectAt(parsed, file, [], parsed.data ?? {}, CODE);
  const version = versionOf(parsed, file, data, ["v1", "v1beta1", "v2"], CODE) === "v2" ? "v2" : "v1";
  const list = data.plugins;
  if (!Array.isArray(list) || list.length === 0) {
    fail(["plugins"], 'is missing: a buf generation template needs a "plugins" list');
  }
  const plugins = (list as unknown[]).map((entry, index) =>
    version === "v2"
      ? pluginV2(parsed, file, entry, index, outBase, run)
      : pluginV1(parsed, file, entry, index, outBase, run),
  );
  const inputs = version === "v2" ? inputsV2(parsed, file, data.inputs, cwd) : [];
  const managed =
    data.managed === undefined
      ? { enabled: false, goPackagePrefix: [], goPackageDisabled: [] }
      : version === "v2"
        ? managedV2(parsed, file, data.managed)
        : managedV1(parsed, file, data.managed);
  if (data.clean !== undefined && typeof data.clean !== "boolean") fail(["clean"], "must be true or false");
  return {
    version,
    ...(cwd !== "" ? { cwd } : {}),
    plugins,
    inputs,
    managed,
    clean: data.clean === true,
  };
}

/**
 * The repository paths a local plugin's argv names, as buf runs it from `cwd` (the template's;
 * "" = the root): `["node", "tools/gen.mjs"]` from "proto" names "proto/tools/gen.mjs". Not flags,
 * absolute paths or paths leaving the repository, nor a bare command name (buf looks that up on
 * PATH); a bare script argument (`node gen.mjs`) is a path. Names that no file has are the
 * callers' to drop.
 */
export function localArgPaths(argv: readonly string[], cwd: string | undefined): string[] {
  return argv.flatMap((arg, i) => {
    if (arg.startsWith("-") || arg.startsWith("/") || (i === 0 && !arg.includes("/"))) return [];
    const path = normalizeRepoPath(joinRepoPath(cwd ?? "", arg), "keep");
    return path === "" || leavesRoot(path) ? [] : [path];
  });
}

function common(
  parsed: ParsedText,
  file: string,
  entry: Record<string, unknown>,
  index: number,
  outBase: string,
  run: TemplateRun,
) {
  const at = ["plugins", index];
  const out = entry.out;
  if (typeof out !== "string" || out === "")
    failAt(parsed, file, [...at, "out"], 'is missing: every plugin needs an "out" directory', CODE);
  const dir = dirOf(file);
  if (
    outBase === "" &&
    dir !== "" &&
    leavesRoot(normalizeRepoPath(out)) &&
    !leavesRoot(normalizeRepoPath(joinRepoPath(dir, out)))
  ) {
    // made for `cd <dir> && buf generate`: buf resolves out from where it runs
    failAt(
      parsed,
      file,
      [...at, "out"],
      `"${out}" leaves the repository from its root, where shipgraph runs buf`,
      CODE,
      `if you generate in ${dir} (\`cd ${dir} && buf generate\`), say so: set the generator's \`cwd: ${dir}\` (buf then runs there, as you run it)`,
    );
  }
  if (
    run.outBaseIs !== undefined &&
    !out.startsWith("/") &&
    leavesRoot(normalizeRepoPath(joinRepoPath(outBase, out)))
  ) {
    failAt(
      parsed,
      file,
      [...at, "out"],
      `"${out}" leaves the repository from ${run.outBaseIs}`,
      CODE,
      "an `out` must stay inside the repository: fix the template's `out`, or the generator's `cwd` (or its -o)",
    );
  }
  const opt = (
    typeof entry.opt === "string" ? [entry.opt] : stringList(parsed, file, [...at, "opt"], entry.opt, CODE)
  )
    .flatMap((o) => o.split(","))
    .map((o) => o.trim())
    .filter((o) => o !== "");
  const strategy = entry.strategy;
  if (strategy !== undefined && strategy !== "directory" && strategy !== "all") {
    failAt(parsed, file, [...at, "strategy"], 'must be "directory" or "all"', CODE);
  }
  for (const key of ["include_imports", "include_wkt"]) {
    if (entry[key] !== undefined && typeof entry[key] !== "boolean") {
      failAt(parsed, file, [...at, key], "must be true or false", CODE);
    }
  }
  return {
    index,
    out: resolvePath(parsed, file, [...at, "out"], outBase, out as string, CODE),
    opt,
    strategy: strategy as TemplatePlugin["strategy"],
    includeImports: entry.include_imports === true,
    includeWkt: entry.include_wkt === true,
  };
}

function pluginV2(
  parsed: ParsedText,
  file: string,
  value: unknown,
  index: number,
  outBase: string,
  run: TemplateRun,
): TemplatePlugin {
  const at = ["plugins", index];
  const entry = objectAt(parsed, file, at, value, CODE);
  const kinds = (["local", "remote", "protoc_builtin"] as const).filter((k) => entry[k] !== undefined);
  if (kinds.length !== 1) {
    failAt(
      parsed,
      file,
      at,
      kinds.length === 0
        ? "needs one of local, remote or protoc_builtin"
        : `sets ${kinds.join(" and ")}: exactly one of local, remote or protoc_builtin is allowed`,
      CODE,
    );
  }
  const base = common(parsed, file, entry, index, outBase, run);
  const kind = kinds[0]!;
  const raw = entry[kind];
  if (kind === "local") {
    const argv = typeof raw === "string" ? [raw] : stringList(parsed, file, [...at, "local"], raw, CODE);
    if (argv.length === 0 || argv[0] === "")
      failAt(parsed, file, [...at, "local"], "must name a command", CODE);
    return { ...base, local: argv };
  }
  if (typeof raw !== "string" || raw === "")
    failAt(parsed, file, [...at, kind], "must be a non-empty string", CODE);
  if (kind === "remote") {
    const revision = entry.revision;
    if (revision !== undefined && (typeof revision !== "number" || !Number.isInteger(revision))) {
      failAt(parsed, file, [...at, "revision"], "must be an integer", CODE);
    }
    return {
      ...base,
      remote: raw as string,
      ...(revision !== undefined ? { revision: revision as number } : {}),
    };
  }
  return { ...base, protocBuiltin: raw as string };
}

/** v1: `plugin` (or the older `name`); a name with a "/" is remote, else `protoc-gen-<name>` on PATH (or `path`). */
function pluginV1(
  parsed: ParsedText,
  file: string,
  value: unknown,
  index: number,
  outBase: string,
  run: TemplateRun,
): TemplatePlugin {
  const at = ["plugins", index];
  const entry = objectAt(parsed, file, at, value, CODE);
  const names = (["plugin", "name", "remote"] as const).filter((k) => entry[k] !== undefined);
  if (names.length !== 1) {
    failAt(
      parsed,
      file,
      at,
      names.length === 0 ? "needs `plugin` (or `name`)" : `sets ${names.join(" and ")}: set only \`plugin\``,
      CODE,
    );
  }
  const raw = entry[names[0]!];
  if (typeof raw !== "string" || raw === "")
    failAt(parsed, file, [...at, names[0]!], "must be a non-empty string", CODE);
  const name = raw as string;
  const base = common(parsed, file, entry, index, outBase, run);
  if (name.includes("/")) {
    const revision = entry.revision;
    return { ...base, remote: name, ...(typeof revision === "number" ? { revision } : {}) };
  }
  const path =
    typeof entry.path === "string"
      ? [entry.path]
      : stringList(parsed, file, [...at, "path"], entry.path, CODE);
  // protoc's built-in generators, as buf v1 runs them when no protoc-gen-<name> is given by path
  if (path.length === 0 && PROTOC_BUILTINS.has(name)) return { ...base, protocBuiltin: name };
  return { ...base, local: path.length > 0 ? path : [`protoc-gen-${name}`] };
}

/** protoc's built-in generators (buf runs them through protoc). */
const PROTOC_BUILTINS = new Set([
  "cpp",
  "csharp",
  "java",
  "js",
  "kotlin",
  "objc",
  "php",
  "pyi",
  "python",
  "ruby",
  "rust",
  "upb",
]);

function inputsV2(parsed: ParsedText, file: string, value: unknown, cwd: string): TemplateInput[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) failAt(parsed, file, ["inputs"], "must be a list", CODE);
  return (value as unknown[]).map((raw, index) => {
    const at = ["inputs", index];
    const entry = objectAt(parsed, file, at, raw, CODE);
    const kinds = INPUT_KINDS.filter((k) => entry[k] !== undefined);
    if (kinds.length !== 1) {
      failAt(
        parsed,
        file,
        at,
        kinds.length === 0
          ? `needs one of ${INPUT_KINDS.join(", ")}`
          : `sets ${kinds.join(" and ")}: exactly one input kind is allowed`,
        CODE,
      );
    }
    const kind = kinds[0]!;
    const target = entry[kind];
    if (typeof target !== "string" || target === "")
      failAt(parsed, file, [...at, kind], "must be a non-empty string", CODE);
    const local = kind === "directory" || kind === "proto_file";
    const resolveAll = (key: string) =>
      stringList(parsed, file, [...at, key], entry[key], CODE).map((p) =>
        resolvePath(parsed, file, [...at, key], cwd, p, CODE),
      );
    return {
      kind,
      value: local
        ? resolvePath(parsed, file, [...at, kind], cwd, target as string, CODE)
        : (target as string),
      paths: resolveAll("paths"),
      excludePaths: resolveAll("exclude_paths"),
      includePackageFiles: entry.include_package_files === true,
    };
  });
}

function managedV1(parsed: ParsedText, file: string, value: unknown): ManagedMode {
  const managed = objectAt(parsed, file, ["managed"], value, CODE);
  const enabled = managed.enabled === true;
  const rules: GoPrefixRule[] = [];
  const disabled: ManagedMode["goPackageDisabled"] = [];
  const prefix = managed.go_package_prefix;
  if (typeof prefix === "string") rules.push({ value: prefix });
  else if (prefix !== undefined && prefix !== null) {
    const at = ["managed", "go_package_prefix"];
    const entry = objectAt(parsed, file, at, prefix, CODE);
    if (typeof entry.default === "string") rules.push({ value: entry.default });
    for (const module of stringList(parsed, file, [...at, "except"], entry.except, CODE))
      disabled.push({ module });
    const override =
      entry.override === undefined ? {} : objectAt(parsed, file, [...at, "override"], entry.override, CODE);
    for (const [module, v] of Object.entries(override))
      if (typeof v === "string") rules.push({ value: v, module });
  }
  return { enabled, goPackagePrefix: rules, goPackageDisabled: disabled };
}

function managedV2(parsed: ParsedText, file: string, value: unknown): ManagedMode {
  const managed = objectAt(parsed, file, ["managed"], value, CODE);
  const rules: GoPrefixRule[] = [];
  const disabled: ManagedMode["goPackageDisabled"] = [];
  const scope = (entry: Record<string, unknown>) => ({
    ...(typeof entry.path === "string" ? { path: normalizeRepoPath(entry.path) } : {}),
    ...(typeof entry.module === "string" ? { module: entry.module } : {}),
  });
  const overrides = managed.override ?? [];
  if (!Array.isArray(overrides)) failAt(parsed, file, ["managed", "override"], "must be a list", CODE);
  (overrides as unknown[]).forEach((raw, index) => {
    const at = ["managed", "override", index];
    const entry = objectAt(parsed, file, at, raw, CODE);
    if (
      (entry.file_option === "go_package_prefix" || entry.file_option === "go_package") &&
      typeof entry.value === "string"
    ) {
      // a literal go_package for a scope behaves like a prefix rule whose value is the whole import path
      rules.push({
        value: entry.file_option === "go_package" ? `=${entry.value}` : entry.value,
        ...scope(entry),
      });
    }
  });
  const disables = managed.disable ?? [];
  if (!Array.isArray(disables)) failAt(parsed, file, ["managed", "disable"], "must be a list", CODE);
  (disables as unknown[]).forEach((raw, index) => {
    const at = ["managed", "disable", index];
    const entry = objectAt(parsed, file, at, raw, CODE);
    const option = entry.file_option;
    if (option === undefined || option === "go_package" || option === "go_package_prefix")
      disabled.push(scope(entry));
  });
  return { enabled: managed.enabled === true, goPackagePrefix: rules, goPackageDisabled: disabled };
}

/**
 * The effective go_package prefix rule for a proto under managed mode, or undefined when managed
 * mode does not set its go_package. `protoPath` is the file's import path (buf scopes managed
 * rules by paths relative to the module root); `module` its BSR name.
 * A rule value starting with "=" is a literal go_package (v2 `file_option: go_package`).
 */
export function managedGoPrefix(
  managed: ManagedMode,
  protoPath: string,
  module?: string,
): string | undefined {
  if (!managed.enabled) return undefined;
  const applies = (scope: { path?: string; module?: string }) =>
    (scope.module === undefined || scope.module === module) &&
    (scope.path === undefined || protoPath === scope.path || protoPath.startsWith(`${scope.path}/`));
  if (managed.goPackageDisabled.some(applies)) return undefined;
  let found: string | undefined;
  for (const rule of managed.goPackagePrefix) if (applies(rule)) found = rule.value;
  return found;
}

/** The out directories of a template's plugins, deduplicated, in order. */
export function templateOutDirs(template: BufTemplate): string[] {
  return [...new Set(template.plugins.map((p) => p.out))];
}
