import { posix } from "node:path";
import { joinRepoPath, leavesRoot, normalizeRepoPath } from "../util/paths.js";
import { sortedUnique } from "../util/sort.js";

/*
 * Which files a code generator writes for one .proto file.
 *
 * Policy:
 * 1. We encode the naming rules of a few well-known plugins, each copied from the plugin's own
 *    source (cited next to each rule). Anything else is `undefined`, and the caller falls back
 *    to "every file under the plugin's out dir". Over-approximating is always safe.
 * 2. We read only the options that change file names (target, paths, module, M…,
 *    package_suffix, keep_empty_files, annotate_code, pyi_out, grpc_1_0). Other options are
 *    ignored: validating them is buf's job, and a bad one fails `buf generate` anyway.
 * 3. A naming option we cannot interpret, or a combination the plugin itself rejects
 *    (`module=` with `paths=source_relative`, a go import path without "." or "/"…), also
 *    gives `undefined`. In that case the plugin writes nothing at all, and we do not guess.
 */

/** A plugin entry of a buf.gen.yaml, as the caller has parsed it (v1: `plugin`/`name`; v2: exactly one of local/remote/protocBuiltin). */
export interface PluginSpec {
  /**
   * v2 `local: protoc-gen-es`, or an argv list such as `["node", "plugins/x/index.js"]`; or v1
   * `plugin: es` / `name: es`. A bare v1 name "es" means protoc-gen-es on PATH; a path means
   * a local binary.
   */
  local?: string | string[];
  /** `buf.build/bufbuild/es:v2.2.0` or `buf.build/connectrpc/go` (a v1 remote `plugin:` too). */
  remote?: string;
  /** v2 `protoc_builtin`: "python", "pyi", "java", "cpp", … */
  protocBuiltin?: string;
  /** Repo-relative out dir, already resolved by the caller; "" is the repository root. */
  out: string;
  /** Options, each "k=v" or "k"; the caller has already split comma-separated strings. */
  opt: string[];
  /**
   * The plugin's version, if the caller knows it (for example from the installed package's
   * package.json). The version pinned in `remote` ("…/es:v1.10.0") is read from `remote` itself.
   * Only protoc-gen-es depends on it: v1 omits some files that v2 writes (see `esFiles`).
   * When it is unknown, the current major version (v2) is assumed.
   */
  version?: string;
}

/** The well-known plugins this module knows. */
export type KnownPlugin =
  | "es"
  | "connect-es"
  | "go"
  | "connect-go"
  | "go-grpc"
  | "python"
  | "pyi"
  | "grpc-python";

/** What the caller knows about one proto file (from its own parser). */
export interface ProtoSource {
  /** Path relative to its module root (the import path), e.g. "acme/user/v1/user.proto". */
  path: string;
  package?: string;
  /** The effective go_package (file option, or from managed mode), e.g. "github.com/acme/gen/user/v1;userv1". */
  goPackage?: string;
  services: number;
  /**
   * Top-level messages + enums + extends. Only protoc-gen-es v1 looks at this: it omits a file
   * that has none unless keep_empty_files=true.
   */
  definitions: number;
}

// Executable basenames of local plugins, as installed by npm, `go install` or a grpc build.
const LOCAL_BINARIES = new Map<string, KnownPlugin>([
  ["protoc-gen-es", "es"],
  ["protoc-gen-connect-es", "connect-es"],
  ["protoc-gen-go", "go"],
  ["protoc-gen-connect-go", "connect-go"],
  ["protoc-gen-go-grpc", "go-grpc"],
  ["protoc-gen-python", "python"],
  ["protoc-gen-pyi", "pyi"],
  ["protoc-gen-grpc_python", "grpc-python"],
  ["protoc-gen-grpc-python", "grpc-python"],
  ["grpc_python_plugin", "grpc-python"],
]);

// Bare v1 names: buf runs protoc-gen-<name> from PATH. If that is missing, buf runs the protoc
// builtin of that name (python, pyi), so both readings agree (docs v1/buf-gen-yaml).
const BARE_NAMES = new Map<string, KnownPlugin>([
  ["es", "es"],
  ["connect-es", "connect-es"],
  ["go", "go"],
  ["connect-go", "connect-go"],
  ["go-grpc", "go-grpc"],
  ["python", "python"],
  ["pyi", "pyi"],
  ["grpc_python", "grpc-python"],
  ["grpc-python", "grpc-python"],
]);

// BSR plugins, keyed by "<owner>/<name>". The host is ignored, so private BSR mirrors match too.
// bufbuild/connect-* are the names these plugins had before they moved to connectrpc.
const REMOTE_PLUGINS = new Map<string, KnownPlugin>([
  ["bufbuild/es", "es"],
  ["connectrpc/es", "connect-es"],
  ["bufbuild/connect-es", "connect-es"],
  ["protocolbuffers/go", "go"],
  ["connectrpc/go", "connect-go"],
  ["bufbuild/connect-go", "connect-go"],
  ["grpc/go", "go-grpc"],
  ["protocolbuffers/python", "python"],
  ["protocolbuffers/pyi", "pyi"],
  ["grpc/python", "grpc-python"],
]);

const BUILTINS = new Map<string, KnownPlugin>([
  ["python", "python"],
  ["pyi", "pyi"],
]);

/**
 * Which well-known plugin a template entry runs, or undefined.
 *
 * The plugin is recognised from any one of these:
 * - the basename of the local command: `protoc-gen-<x>`, a path to it, an npm package or a
 *   `go run` module path ending in it (an `@version` suffix is allowed);
 * - any element of an argv list, e.g. `["node", "node_modules/.bin/protoc-gen-es"]`;
 * - a bare v1 name ("es", "go") given as a plain string;
 * - a remote `buf.build/<owner>/<name>[:version]`;
 * - a protoc builtin name.
 *
 * An argv list that names two different known plugins is ambiguous, so it gives undefined.
 */
export function identifyPlugin(spec: PluginSpec): KnownPlugin | undefined {
  if (spec.remote !== undefined) return REMOTE_PLUGINS.get(remoteName(spec.remote).ownerName);
  if (spec.protocBuiltin !== undefined) return BUILTINS.get(spec.protocBuiltin);
  if (spec.local === undefined) return undefined;
  if (typeof spec.local === "string") {
    const fromBinary = LOCAL_BINARIES.get(commandBasename(spec.local));
    if (fromBinary !== undefined) return fromBinary;
    return /[/\\]/.test(spec.local) ? undefined : BARE_NAMES.get(spec.local);
  }
  // A bare name inside an argv list is not a plugin name: in ["go", "run", "…/protoc-gen-connect-go"]
  // the "go" is the Go toolchain. So only protoc-gen-* basenames count here.
  const found = new Set<KnownPlugin>();
  for (const arg of spec.local) {
    const plugin = LOCAL_BINARIES.get(commandBasename(arg));
    if (plugin !== undefined) found.add(plugin);
  }
  return found.size === 1 ? [...found][0] : undefined;
}

/**
 * Repo-relative paths the plugin writes for `proto`, sorted. [] when it writes none for this
 * file (for example connect-go for a file without services). undefined when unknown, and the
 * caller then falls back to every file under `spec.out`.
 * `pattern`: one or more user patterns for an unknown plugin (see expandPattern). They are used
 * only when identifyPlugin returns undefined.
 */
export function generatedPaths(
  spec: PluginSpec,
  proto: ProtoSource,
  pattern?: string | readonly string[],
): string[] | undefined {
  const out = normalizeRepoPath(spec.out);
  const plugin = identifyPlugin(spec);
  if (plugin === undefined) {
    if (pattern === undefined) return undefined;
    const patterns = typeof pattern === "string" ? [pattern] : pattern;
    return sortedUnique(patterns.map((p) => expandPattern(p, out, proto)));
  }
  const options = parseOptions(spec.opt);
  const names = fileNames(plugin, spec, options, proto);
  if (names === undefined) return undefined;
  const paths: string[] = [];
  for (const name of names) {
    const path = safeJoin(out, name);
    if (path === undefined) return undefined;
    paths.push(path);
  }
  return sortedUnique(paths);
}

/**
 * Globs (repo-relative, under `spec.out`) for every file the plugin may write, whatever the .proto
 * files: its naming pattern with the proto path left open (`*_pb.ts` at any depth). For an `out`
 * that also holds files the plugin never writes (the .proto files themselves, a hand-written
 * README), these are the outputs, where "everything under `out`" would take those in. undefined
 * when the plugin, or a naming option, is unknown (see generatedPaths). Sorted.
 */
export function pluginOutputGlobs(spec: PluginSpec): string[] | undefined {
  const plugin = identifyPlugin(spec);
  if (plugin === undefined) return undefined;
  const options = parseOptions(spec.opt);
  const names = fileNamePatterns(plugin, options);
  if (names === undefined) return undefined;
  const out = normalizeRepoPath(spec.out);
  return sortedUnique(names.map((name) => joinRepoPath(out, `**/*${name}`)));
}

/**
 * Globs (under `spec.out`) for every file the plugin writes under any setting of the options that
 * change its file names — protoc-gen-es and connect-es's `target` (.ts, .js, .d.ts), the Go
 * plugins' `annotate_code` (.meta), python's `pyi_out` (.pyi), grpc_1_0 (_pb2.py) — whatever the
 * template sets now: a file named so under the plugin's `out` is code it generated, also when
 * the options that named it are gone (`target=ts` changed to `target=js` leaves the `_pb.ts` files
 * stale). undefined for a plugin shipgraph does not know. Sorted.
 */
export function pluginFamilyGlobs(spec: PluginSpec): string[] | undefined {
  const plugin = identifyPlugin(spec);
  if (plugin === undefined) return undefined;
  const out = normalizeRepoPath(spec.out);
  return sortedUnique(FAMILY_SUFFIXES[plugin].map((suffix) => joinRepoPath(out, `**/*${suffix}`)));
}

/** What follows the proto-derived stem in each file a plugin may write, under any naming options. */
const FAMILY_SUFFIXES: Record<KnownPlugin, string[]> = {
  es: ["_pb.ts", "_pb.js", "_pb.d.ts"],
  "connect-es": ["_connect.ts", "_connect.js", "_connect.d.ts"],
  go: [".pb.go", ".pb.go.meta"],
  "go-grpc": ["_grpc.pb.go", "_grpc.pb.go.meta"],
  "connect-go": [".connect.go", ".connect.go.meta"],
  python: ["_pb2.py", "_pb2.pyi"],
  pyi: ["_pb2.pyi"],
  "grpc-python": ["_pb2_grpc.py", "_pb2.py"],
};

/**
 * The known plugin whose naming (under any options: see pluginFamilyGlobs) names the file at
 * `path`, whatever its `out`: `acme/v1/a_connect.ts` is named as connect-es names files. The
 * longest suffix decides (`_grpc.pb.go` is go-grpc's, not go's); undefined for a name no known
 * plugin gives. Pure.
 */
export function knownPluginNaming(path: string): KnownPlugin | undefined {
  const name = path.slice(path.lastIndexOf("/") + 1);
  let found: { plugin: KnownPlugin; length: number } | undefined;
  for (const [plugin, suffixes] of Object.entries(FAMILY_SUFFIXES) as [KnownPlugin, string[]][]) {
    for (const suffix of suffixes) {
      if (name.length > suffix.length && name.endsWith(suffix) && suffix.length > (found?.length ?? 0))
        found = { plugin, length: suffix.length };
    }
  }
  return found?.plugin;
}

/** The suffixes (after the proto-derived stem) of the files a plugin writes, or undefined. */
function fileNamePatterns(plugin: KnownPlugin, options: PluginOption[]): string[] | undefined {
  // a stem no proto path yields: what follows it in a generated name is the plugin's suffix
  const stem = "\u0000";
  const probe: ProtoSource = { path: `${stem}.proto`, services: 1, definitions: 1 };
  const suffixes = (names: string[] | undefined) =>
    names?.map((name) => (name.startsWith(stem) ? name.slice(stem.length) : undefined));
  const known = (list: (string | undefined)[] | undefined) =>
    list === undefined || list.some((s) => s === undefined) ? undefined : (list as string[]);
  switch (plugin) {
    case "es":
      return known(suffixes(esFiles(options, probe, "_pb", true)));
    case "connect-es":
      return known(suffixes(esFiles(options, probe, "_connect", true)));
    case "python":
      return known(suffixes(pythonFiles(options, probe)));
    case "pyi":
      return options.some((o) => o.key.endsWith(".pyi")) ? undefined : ["_pb2.pyi"];
    case "grpc-python":
      return known(suffixes(grpcPythonFiles(options, probe)));
    case "go":
    case "go-grpc":
    case "connect-go": {
      // protogen: the names follow go_package, so only their endings are known; the options that
      // make the plugin fail, or name files otherwise, are unknown (see goFiles, connectGoFiles)
      const go = goOptions(options);
      if (go === undefined) return undefined;
      if (plugin === "connect-go") {
        const suffix = options.findLast((o) => o.key === "package_suffix")?.value;
        if (suffix !== undefined && suffix !== "" && !isGoIdentifier(suffix)) return undefined;
      }
      const ending = plugin === "go" ? ".pb.go" : plugin === "go-grpc" ? "_grpc.pb.go" : ".connect.go";
      return go.annotate ? [ending, `${ending}.meta`] : [ending];
    }
  }
}

/**
 * The placeholders of a `protoOutputs` pattern but `{out}` (the plugin's out dir), each with the
 * value it takes for one .proto file and the glob of what it may stand for whatever the file
 * (see expandPattern, patternGlob): one table, so the two readings of a pattern never disagree.
 */
const PLACEHOLDERS: Record<string, { value: (stem: string, proto: ProtoSource) => string; glob: string }> = {
  // the proto path without ".proto"
  path: { value: (stem) => stem, glob: "**/*" },
  // its directory ("" at the root)
  dir: { value: (stem) => stem.slice(0, Math.max(0, stem.lastIndexOf("/"))), glob: "**" },
  // the file stem
  name: { value: (stem) => stem.slice(stem.lastIndexOf("/") + 1), glob: "*" },
  // the proto package with dots as "/" ("" without a package)
  package: { value: (_, proto) => (proto.package ?? "").replaceAll(".", "/"), glob: "**" },
};

/** The placeholders a pattern may use, as an error names them. */
const KNOWN_PLACEHOLDERS = ["{out}", ...Object.keys(PLACEHOLDERS).map((key) => `{${key}}`)].join(", ");

/**
 * Expands a user pattern for any other plugin. Placeholders:
 * - `{out}`: the plugin's out dir;
 * - `{path}`: the proto path without ".proto";
 * - `{dir}`: the proto's directory ("" at the root);
 * - `{name}`: the file stem;
 * - `{package}`: the proto package with dots → "/" ("" without a package).
 *
 * Empty segments collapse, so `"{out}/{dir}/{name}.ts"` never yields "//" or a leading "/".
 * Example: "{out}/{path}_routes.ts".
 * Throws a plain Error for an unknown placeholder, an unbalanced brace, or a result that is
 * empty or leaves the repository. The caller turns that into a config error.
 */
export function expandPattern(pattern: string, out: string, proto: ProtoSource): string {
  const stem = stripSuffix(proto.path, ".proto");
  const expanded = pattern.replace(/\{([^{}]*)\}/g, (whole, key: string) => {
    if (key === "out") return out;
    if (!Object.hasOwn(PLACEHOLDERS, key)) {
      throw new Error(
        `unknown placeholder ${whole} in output pattern "${pattern}" (known: ${KNOWN_PLACEHOLDERS})`,
      );
    }
    return PLACEHOLDERS[key]!.value(stem, proto);
  });
  if (/[{}]/.test(expanded)) {
    throw new Error(`unbalanced "{" or "}" in output pattern "${pattern}"`);
  }
  const collapsed = expanded
    .split("/")
    .filter((segment) => segment !== "" && segment !== ".")
    .join("/");
  const result = collapsed === "" ? "" : posix.normalize(collapsed);
  if (result === "" || leavesRoot(result)) {
    throw new Error(
      `output pattern "${pattern}" gives "${result}" for ${proto.path}, which is not a file in the repository`,
    );
  }
  return result;
}

const GLOB_CHARACTERS = /[*?[\]{}()!+@\\]/;

/**
 * The glob of every file a `protoOutputs` pattern may name, whatever the .proto file: each
 * placeholder as what it may stand for (`{out}/{path}_routes.ts` gives `**\/*_routes.ts`), with
 * `underOut` when the pattern starts with `{out}` (the glob is then relative to the out dir,
 * which the caller takes literally). Undefined for one that names nothing shipgraph can tell:
 * glob characters of its own, a placeholder expandPattern does not know, an unbalanced brace,
 * `{out}` anywhere but at the start, nothing but placeholders that may be empty. A file it
 * matches is only shaped like a name the pattern gives: whether one .proto file gives it, only
 * expandPattern tells. Pure.
 */
export function patternGlob(pattern: string): { glob: string; underOut: boolean } | undefined {
  const underOut = pattern.startsWith("{out}");
  const rest = underOut ? pattern.slice("{out}".length) : pattern;
  // (odd parts are the placeholders; the others are literal, and must hold no glob characters)
  const parts = rest.split(/(\{[^{}]*\})/).map((part, i) => {
    if (i % 2 === 0) return GLOB_CHARACTERS.test(part) ? undefined : part;
    const key = part.slice(1, -1);
    return Object.hasOwn(PLACEHOLDERS, key) ? PLACEHOLDERS[key]!.glob : undefined;
  });
  if (parts.some((part) => part === undefined)) return undefined;
  const segments = parts
    .join("")
    .split("/")
    .filter((s) => s !== "" && s !== ".");
  if (segments.length === 0) return undefined;
  return { glob: segments.join("/"), underOut };
}

/**
 * The go_package that buf managed mode gives a file with `go_package_prefix`. This is
 * `path.Join(prefix, path.Dir(protoPath))`, plus `;<pkg><version>` when the proto package
 * ends in a version component. The suffix is the last two package components joined, so
 * `acme.weather.v1` gives `;weatherv1`. Without a version the Go package name comes from the
 * import path's last element.
 *
 * Source: bufbuild/buf `GoPackageImportPathForFile` (bufimagemodify, v1 and v2 managed mode).
 * The version rules come from `protoversion.NewPackageVersionForPackage`. `protoPackage` is
 * optional: without it (the brief's two-argument form) no `;name` suffix is added.
 * Well-known types keep their own go_package; the caller handles that.
 */
export function managedGoPackage(protoPath: string, goPackagePrefix: string, protoPackage?: string): string {
  const dir = posix.dirname(protoPath);
  let goPackage = dir === "." ? posix.normalize(goPackagePrefix) : posix.join(goPackagePrefix, dir);
  goPackage = goPackage.replace(/\/+$/, "");
  if (protoPackage !== undefined && hasPackageVersion(protoPackage)) {
    const parts = protoPackage.split(".");
    goPackage += `;${parts[parts.length - 2]}${parts[parts.length - 1]}`;
  }
  return goPackage;
}

// ---------------------------------------------------------------------------------------------

interface PluginOption {
  key: string;
  value: string;
  /** Whether "=" was present ("k" and "k=" differ for a few plugins). */
  hasValue: boolean;
}

function parseOptions(opt: readonly string[]): PluginOption[] {
  return opt.map((raw) => {
    const eq = raw.indexOf("=");
    return eq < 0
      ? { key: raw, value: "", hasValue: false }
      : { key: raw.slice(0, eq), value: raw.slice(eq + 1), hasValue: true };
  });
}

/** File names relative to `out`, or undefined when they cannot be known. */
function fileNames(
  plugin: KnownPlugin,
  spec: PluginSpec,
  options: PluginOption[],
  proto: ProtoSource,
): string[] | undefined {
  switch (plugin) {
    case "es":
      return esFiles(options, proto, "_pb", esMajorVersion(spec) === 1 ? proto.definitions > 0 : true);
    case "connect-es":
      return esFiles(options, proto, "_connect", proto.services > 0);
    case "go":
      return goFiles(options, proto, (layout) => [`${layout.prefix}.pb.go`]);
    case "go-grpc":
      // protoc-gen-go-grpc `generateFile`: returns early when the file has no services; otherwise
      // writes `GeneratedFilenamePrefix + "_grpc.pb.go"` (grpc/grpc-go cmd/protoc-gen-go-grpc/grpc.go).
      return goFiles(options, proto, (layout) => (proto.services > 0 ? [`${layout.prefix}_grpc.pb.go`] : []));
    case "connect-go":
      return connectGoFiles(options, proto);
    case "python":
      return pythonFiles(options, proto);
    case "pyi":
      // PyiGenerator::Generate: an option ending in ".pyi" names the output file explicitly
      // (used by Bazel), which is the same file for every proto, so it is unknown here.
      if (options.some((o) => o.key.endsWith(".pyi"))) return undefined;
      return [pythonModulePath(proto.path, ".pyi")];
    case "grpc-python":
      return grpcPythonFiles(options, proto);
  }
}

// --- protoc-gen-es, protoc-gen-connect-es ----------------------------------------------------

/**
 * protoc-gen-es and protoc-gen-connect-es v1 are both built on @bufbuild/protoplugin.
 * - Names: `<path without .proto><suffix>.{js,ts,d.ts}`, mirroring the proto path under `out`
 *   (`file.name` is the proto name with /\.proto$/ removed: @bufbuild/protobuf registry.js).
 * - `target`: "js", "ts" or "dts", combined with "+"; the default is js+dts. A repeated
 *   `target` replaces the earlier one, and any other value is an error
 *   (protoplugin `parameter.ts`). Verified against protoc-gen-es 2.17 + buf 1.75.
 * - Empty files are dropped unless keep_empty_files=true|1 (protoplugin `schema.ts`,
 *   `getFileInfo`: `keepEmptyFiles || content.length > 0`; the preamble does not count).
 *   - protoc-gen-es v2 always prints the file's `GenFile` descriptor, so it writes a file for
 *     every proto, even one with no definitions or only services. Verified empirically; this
 *     contradicts the older "empty outputs are omitted" note, which describes v1.
 *   - protoc-gen-es v1 generated only enums, messages and extensions ("We do not generate
 *     anything for services", v1 `typescript.ts`), so a file without them was dropped.
 *   - protoc-gen-connect-es v1 prints only services (connect-es `typescript.ts`), so a file
 *     without services is dropped. Its README says keep_empty_files "disables pruning of empty
 *     files", so with it every proto gets an (empty) `_connect` file.
 * - `import_extension`, `js_import_style`, `rewrite_imports` and the like change content, not names.
 */
function esFiles(
  options: PluginOption[],
  proto: ProtoSource,
  suffix: "_pb" | "_connect",
  hasContent: boolean,
): string[] | undefined {
  let targets: string[] = ["js", "dts"];
  let keepEmptyFiles = false;
  for (const { key, value } of options) {
    if (key === "target") {
      targets = [];
      for (const part of value.split("+")) {
        if (part !== "js" && part !== "ts" && part !== "dts") return undefined;
        if (!targets.includes(part)) targets.push(part);
      }
    } else if (key === "keep_empty_files") {
      if (value === "true" || value === "1") keepEmptyFiles = true;
      else if (value === "false" || value === "0") keepEmptyFiles = false;
      else return undefined;
    }
  }
  if (!hasContent && !keepEmptyFiles) return [];
  const stem = stripSuffix(proto.path, ".proto") + suffix;
  return targets.map((target) => `${stem}.${target === "dts" ? "d.ts" : target}`);
}

function esMajorVersion(spec: PluginSpec): number | undefined {
  const version = spec.version ?? (spec.remote === undefined ? undefined : remoteName(spec.remote).version);
  const match = version === undefined ? null : /^v?(\d+)/.exec(version);
  return match ? Number(match[1]) : undefined;
}

// --- protoc-gen-go and protogen-based plugins ------------------------------------------------

interface GoLayout {
  /** protogen `File.GeneratedFilenamePrefix`, before `module=` is stripped. */
  prefix: string;
  packageName: string;
}

/**
 * Applies google.golang.org/protobuf `compiler/protogen` (protogen.go, `Options.New`, `newFile`,
 * `Plugin.Response`). These rules hold for every plugin built on it: protoc-gen-go, go-grpc and
 * connect-go.
 * - Options: `paths=import` (the default) or `paths=source_relative`, and any other value is an
 *   error. `module=<prefix>` cannot be combined with source_relative.
 *   `M<proto path>=<import path>[;name]` overrides the file's go_package.
 *   `annotate_code` (bare or =true) also writes `<file>.meta` next to every .go file.
 * - The import path comes from M or from go_package (the part before ";"). If it is missing, or
 *   contains neither "." nor "/", protogen fails ("unable to determine Go import path") → unknown.
 * - Package name: the name from M, else the one after ";" in go_package, else
 *   `cleanPackageName(path.Base(import path))` (GoSanitized).
 * - Prefix: the proto path without ".proto"/".protodevel". With paths=import it becomes
 *   `path.Join(importPath, path.Base(prefix))`.
 * - With `module=`, every output name must start with "<module>/" and loses that prefix.
 *   Otherwise protogen fails ("generated file does not match prefix") → unknown.
 * See also protobuf.dev/reference/go/go-generated.
 */
function goFiles(
  options: PluginOption[],
  proto: ProtoSource,
  namesFor: (layout: GoLayout) => string[] | undefined,
): string[] | undefined {
  const go = goOptions(options);
  if (go === undefined) return undefined;
  const { paths, module, annotate } = go;
  let mImportPath = "";
  let mPackageName = "";
  for (const { key, value } of options) {
    if (key.startsWith("M") && key.slice(1) === proto.path) {
      const [importPath, packageName] = splitGoPackage(value);
      if (importPath !== "") mImportPath = importPath;
      if (packageName !== "") mPackageName = packageName;
    }
  }

  const [goImportPath, goPackageName] = splitGoPackage(proto.goPackage ?? "");
  const importPath = mImportPath || goImportPath;
  if (importPath === "" || !/[./]/.test(importPath)) return undefined;
  const packageName =
    mPackageName || goPackageName || goSanitized(posix.basename(goImportPath || importPath));

  let prefix = proto.path;
  const ext = posix.extname(prefix);
  if (ext === ".proto" || ext === ".protodevel") prefix = prefix.slice(0, -ext.length);
  if (paths === "import") prefix = posix.join(importPath, posix.basename(prefix));

  const names = namesFor({ prefix, packageName });
  if (names === undefined) return undefined;
  const result: string[] = [];
  for (const name of names) {
    let file = name;
    if (module !== "") {
      if (!file.startsWith(`${module}/`)) return undefined;
      file = file.slice(module.length + 1);
    }
    result.push(file);
    if (annotate && file.endsWith(".go")) result.push(`${file}.meta`);
  }
  return result;
}

/**
 * protoc-gen-connect-go (connectrpc/connect-go cmd/protoc-gen-connect-go/main.go, `generate`):
 * - nothing for a file without services;
 * - otherwise `path.Join(path.Dir(prefix), <GoPackageName><suffix>, path.Base(prefix)) + ".connect.go"`.
 * `package_suffix` defaults to "connect". An empty suffix writes into the .pb.go package itself,
 * and a suffix that is not a Go identifier is an error.
 */
function connectGoFiles(options: PluginOption[], proto: ProtoSource): string[] | undefined {
  let suffix = "connect";
  for (const { key, value } of options) if (key === "package_suffix") suffix = value;
  if (suffix !== "" && !isGoIdentifier(suffix)) return undefined;
  return goFiles(options, proto, ({ prefix, packageName }) => {
    if (proto.services === 0) return [];
    if (suffix === "") return [`${prefix}.connect.go`];
    return [`${posix.join(posix.dirname(prefix), packageName + suffix, posix.basename(prefix))}.connect.go`];
  });
}

/**
 * protogen's own options (`paths`, `module`, `annotate_code`), or undefined when they make the
 * plugin fail (an unknown `paths` or `annotate_code` value; `module` with source_relative).
 */
function goOptions(
  options: readonly PluginOption[],
): { paths: "import" | "source_relative"; module: string; annotate: boolean } | undefined {
  let paths: "import" | "source_relative" = "import";
  let module = "";
  let annotate = false;
  for (const { key, value } of options) {
    if (key === "module") module = value;
    else if (key === "paths") {
      if (value !== "import" && value !== "source_relative") return undefined;
      paths = value;
    } else if (key === "annotate_code") {
      if (value === "true" || value === "") annotate = true;
      else if (value === "false") annotate = false;
      else return undefined;
    }
  }
  return module !== "" && paths === "source_relative" ? undefined : { paths, module, annotate };
}

function splitGoPackage(goPackage: string): [importPath: string, packageName: string] {
  const semi = goPackage.indexOf(";");
  return semi < 0 ? [goPackage, ""] : [goPackage.slice(0, semi), goPackage.slice(semi + 1)];
}

const GO_KEYWORDS = new Set(
  "break case chan const continue default defer else fallthrough for func go goto if import interface map package range return select struct switch type var".split(
    " ",
  ),
);

/** google.golang.org/protobuf internal/strs `GoSanitized`, which protogen's `cleanPackageName` uses. */
function goSanitized(name: string): string {
  const sanitized = name.replace(/[^\p{L}\p{Nd}]/gu, "_");
  return GO_KEYWORDS.has(sanitized) || !/^\p{L}/u.test(sanitized) ? `_${sanitized}` : sanitized;
}

/** go/token `IsIdentifier`. */
function isGoIdentifier(name: string): boolean {
  return /^[\p{L}_][\p{L}\p{Nd}_]*$/u.test(name) && !GO_KEYWORDS.has(name);
}

// --- Python ---------------------------------------------------------------------------------

/**
 * protoc's python generator (protocolbuffers/protobuf src/google/protobuf/compiler/python):
 * - `ModuleName` strips ".proto" and maps "-" → "_" and "/" → ".". `GetFileName` then maps
 *   "." → "/" and appends the suffix. So hyphens become underscores in directories too, and a
 *   dot in the file name becomes a directory: "a/b-c.v1.proto" → "a/b_c/v1_pb2.py".
 * - Every file gets `_pb2.py`. The `pyi_out` option also runs the pyi generator, which adds
 *   `_pb2.pyi` (generator.cc `ParseParameter`). `annotate_code` embeds its data and writes no
 *   extra file.
 */
function pythonFiles(options: PluginOption[], proto: ProtoSource): string[] {
  const files = [pythonModulePath(proto.path, ".py")];
  if (options.some((o) => o.key === "pyi_out")) files.push(pythonModulePath(proto.path, ".pyi"));
  return files;
}

function pythonModulePath(protoPath: string, extension: ".py" | ".pyi"): string {
  const stem = protoPath.endsWith(".protodevel")
    ? protoPath.slice(0, -".protodevel".length)
    : stripSuffix(protoPath, ".proto");
  return `${stem.replaceAll("-", "_").replaceAll(".", "/")}_pb2${extension}`;
}

/**
 * grpc's python plugin (grpc/grpc src/compiler/python_generator.cc, `PythonGrpcGenerator::Generate`):
 * - The name is the proto path minus ".proto", with "-" → "_" and no other mapping (dots stay,
 *   unlike protoc's python generator), plus `_pb2_grpc.py`.
 * - It is opened unconditionally, so **every** proto gets one, with or without services. Files
 *   without services hold only the header and `import grpc`.
 * - Options: none or `grpc_2_0` (the default) writes only that file. `grpc_1_0` also inserts
 *   into the `_pb2.py` at its "module_scope" insertion point, so that file is listed too.
 *   An optional second option is an import prefix to strip and does not affect names. Any other
 *   version, or more than two options, is an error.
 */
function grpcPythonFiles(options: PluginOption[], proto: ProtoSource): string[] | undefined {
  if (options.length > 2) return undefined;
  const version = options[0] === undefined ? "grpc_2_0" : options[0].hasValue ? "" : options[0].key;
  if (version !== "grpc_2_0" && version !== "grpc_1_0") return undefined;
  const base = stripSuffix(proto.path, ".proto").replaceAll("-", "_");
  return version === "grpc_1_0" ? [`${base}_pb2_grpc.py`, `${base}_pb2.py`] : [`${base}_pb2_grpc.py`];
}

// --- helpers --------------------------------------------------------------------------------

function stripSuffix(value: string, suffix: string): string {
  return value.endsWith(suffix) ? value.slice(0, -suffix.length) : value;
}

/** `out/name`, or undefined when `name` would leave `out` (a ".." in a Go import path). */
function safeJoin(out: string, name: string): string | undefined {
  const clean = posix.normalize(name);
  if (clean.startsWith("/") || leavesRoot(clean)) return undefined;
  return joinRepoPath(out, clean);
}

/** `buf.build/owner/name:v1.2.3` → { ownerName: "owner/name", version: "v1.2.3" }. */
function remoteName(remote: string): { ownerName: string; version: string | undefined } {
  const lastSlash = remote.lastIndexOf("/");
  const colon = remote.indexOf(":", lastSlash + 1);
  const name = colon < 0 ? remote : remote.slice(0, colon);
  const parts = name.split("/");
  return {
    ownerName: parts.length >= 3 ? parts.slice(-2).join("/") : "",
    version: colon < 0 ? undefined : remote.slice(colon + 1),
  };
}

/**
 * The executable name in a command or argv element. The path, an "@version" suffix (npx,
 * `go run …@v1`) and a Windows or script extension are dropped.
 */
function commandBasename(command: string): string {
  let base = command.slice(Math.max(command.lastIndexOf("/"), command.lastIndexOf("\\")) + 1);
  const at = base.indexOf("@");
  if (at > 0) base = base.slice(0, at);
  return base.replace(/\.(exe|cmd|bat|js|cjs|mjs|sh)$/i, "");
}

/**
 * bufbuild/buf `protoversion.NewPackageVersionForPackage`: at least two components, and the
 * last one is "v" followed by one of:
 * - N (stable);
 * - N test… ;
 * - N[pM](alpha|beta)[K].
 * Each number is a positive int32 (Go ParseInt, which also accepts a sign).
 */
function hasPackageVersion(pkg: string): boolean {
  const parts = pkg.split(".");
  const last = parts[parts.length - 1] ?? "";
  if (parts.length < 2 || last.length < 2 || !last.startsWith("v")) return false;
  const version = last.slice(1);
  const test = version.indexOf("test");
  if (test >= 0) return positiveNumber(version.slice(0, test));
  const alpha = version.includes("alpha");
  const beta = version.includes("beta");
  if (alpha && beta) return false;
  if (!alpha && !beta) return positiveNumber(version);
  const level = alpha ? "alpha" : "beta";
  const at = version.indexOf(level);
  const minor = version.slice(at + level.length);
  if (minor !== "" && !positiveNumber(minor)) return false;
  const majorPatch = version.slice(0, at);
  const p = majorPatch.indexOf("p");
  return p < 0
    ? positiveNumber(majorPatch)
    : positiveNumber(majorPatch.slice(0, p)) && positiveNumber(majorPatch.slice(p + 1));
}

function positiveNumber(text: string): boolean {
  if (!/^[+-]?[0-9]+$/.test(text)) return false;
  const value = Number(text);
  return value >= 1 && value <= 2147483647;
}
