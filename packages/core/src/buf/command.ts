import { posix } from "node:path";
import { shellWord, splitCommand } from "../drift/argv.js";
import { joinRepoPath, normalizeRepoPath } from "../util/paths.js";

/**
 * What a `buf generate` command line says; every path repo-relative (resolved against the
 * directory the command runs in: the generator's `cwd`, else the repository root).
 */
export interface BufGenerateArgs {
  /** The positional input (a directory, module, archive…), when given. */
  input?: string;
  /**
   * --template, when it names a file (not inline YAML/JSON); without --template, the buf.gen.yaml
   * of the directory buf runs in, which buf reads then (`templateDefault`).
   */
  template?: string;
  /** True when `template` is that default (no --template on the command line). */
  templateDefault?: boolean;
  /**
   * The template data --template gives inline (YAML or JSON), when it is not a file name: buf
   * reads it instead of any file (see isBufFileFlag).
   */
  templateData?: string;
  /**
   * True when what launches buf may run it in another directory than the generator's: a container
   * (docker/podman/nerdctl run: its workdir and mounts decide), a launcher's directory flag
   * (`pnpm -C proto`, `npm --prefix`, `yarn --cwd`, `env --chdir`), or one that runs it in
   * workspace packages (`pnpm --filter`/`-r`, `npm --workspace`, `yarn workspace`). Its relative
   * paths may then mean other files.
   */
  elsewhere: boolean;
  /**
   * True when pnpm or yarn launches buf (`pnpm exec buf`, `pnpm buf`, `yarn buf`) with no
   * directory flag: pnpm runs it in the nearest directory with a package.json (package.yaml,
   * package.json5) from the cwd up, which is the cwd only when the cwd has one (checked with pnpm
   * 9); yarn 2+ in its active workspace (`yarn run`, `yarn exec`: its docs).
   */
  nearestPackage: boolean;
  /** -o/--output: the base directory the template's `out` dirs are relative to. */
  output?: string;
  /**
   * --config naming a file: the buf.yaml buf reads instead of the one(s) it finds (repo-relative;
   * absolute, or "../…" leaving the repository, as given).
   */
  config?: string;
  /** --config given inline buf.yaml data (YAML or JSON) instead of a file name. */
  configData?: string;
  /** --path / --exclude-path narrowing (buf applies it to every input). */
  paths: string[];
  excludePaths: string[];
  /** --include-imports / --include-wkt: they apply to every plugin of the template (buf ORs them with each plugin's own). */
  includeImports: boolean;
  includeWkt: boolean;
  /**
   * True when an unknown flag may have taken the next word as its value: the positional input is
   * then unknown, and callers must not narrow by it.
   */
  unsure: boolean;
}

const WITH_VALUE = new Set([
  "--template",
  "--output",
  "-o",
  "--config",
  "--type",
  "--exclude-type",
  "--error-format",
  "--timeout",
  "--log-format",
  "--path",
  "--exclude-path",
  "--include-types",
]);
const BOOLEAN = new Set([
  "--include-imports",
  "--include-wkt",
  "--clean",
  "--disable-symlinks",
  "--debug",
  "--help",
  "-h",
  "--version",
  "--no-warn",
  "-v",
  "--verbose",
]);

/**
 * buf's global flags, which it takes before the subcommand too (`buf --debug generate`): with a
 * value, and without. Source: `buf --help` and `buf generate --help` (buf 1.75); --no-warn is
 * hidden from both, and buf 1.75 takes it there. (--help-tree and --version are the root
 * command's own: buf rejects them before `generate`.)
 */
const GLOBAL_WITH_VALUE = new Set(["--log-format", "--timeout"]);
const GLOBAL_BOOLEAN = new Set(["--debug", "--no-warn"]);

/**
 * The index of the word after the global flags that start at argv[from]: the subcommand, when
 * they are all buf's. An unknown flag stops there (it may take the next word as its value, so
 * which word is the subcommand is unknown): the command then does not count as `buf generate`.
 */
function afterGlobalFlags(argv: readonly string[], from: number): number {
  let i = from;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    if (GLOBAL_BOOLEAN.has(flag)) continue;
    if (!GLOBAL_WITH_VALUE.has(flag)) break;
    // (--flag=value is one word, --flag value two)
    if (eq === -1) i++;
  }
  return i;
}

/**
 * Parses the `buf generate` in a generator's command (argv or a string split without a shell),
 * run in `cwd` (repo-relative; "" = the root): its paths are relative to that directory, as buf
 * takes them. Undefined for a command that is not `buf generate` (or cannot be split: drift
 * reports that). Source: `buf generate --help` (buf 1.75).
 */
export function bufGenerateArgs(
  run: string | readonly string[],
  where: string,
  cwd = "",
): BufGenerateArgs | undefined {
  let argv: string[];
  try {
    argv = typeof run === "string" ? splitCommand(run, where) : [...run];
  } catch {
    return undefined;
  }
  // buf, a path to it, buf@version (go run), bufbuild/buf:tag (docker run), then buf's global
  // flags, then the subcommand
  let start = -1;
  const bin = argv.findIndex((arg, i) => {
    if (!/(^|\/)buf([@:][^/]*)?$/.test(arg)) return false;
    start = afterGlobalFlags(argv, i + 1);
    return argv[start] === "generate";
  });
  if (bin === -1) return undefined;
  const launcher = argv.slice(0, bin);
  // (pnpm -F/-r and npm -w run it in each package they select; pnpm -w at the workspace root)
  const elsewhere = launcher.some(
    (arg) =>
      /(^|\/)(docker|podman|nerdctl)$/.test(arg) ||
      /^(-C|-w|-F|-r|--dir|--prefix|--cwd|--workdir|--chdir|--filter|--filter-prod|--recursive|--workspaces?|--workspace-root)(=|$)/.test(
        arg,
      ) ||
      /^-[CwF]./.test(arg) ||
      arg === "workspace" ||
      arg === "workspaces",
  );
  const out: BufGenerateArgs = {
    elsewhere,
    nearestPackage: !elsewhere && launcher.some((arg) => /(^|\/)(pnpm|yarn)(\.c?js)?$/.test(arg)),
    paths: [],
    excludePaths: [],
    includeImports: false,
    includeWkt: false,
    unsure: false,
  };
  let input: string | undefined;
  let templateFlag = false;
  for (let i = start + 1; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      input ??= argv[i + 1];
      break;
    }
    // --flag=value, -o=value and -oDIR (a short flag with its value attached)
    const attached = /^-o./.test(arg) ? (arg[2] === "=" ? 3 : 2) : -1;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : attached === -1 ? -1 : attached - 1;
    const flag = attached !== -1 ? "-o" : eq === -1 ? arg : arg.slice(0, eq);
    const value = () =>
      attached !== -1 ? arg.slice(attached) : eq === -1 ? (argv[++i] ?? "") : arg.slice(eq + 1);
    if (!flag.startsWith("-")) {
      input ??= arg;
      continue;
    }
    if (flag === "--include-imports" || flag === "--include-wkt") {
      // a boolean flag: bare, or --flag=true|false (pflag); anything else counts as set
      const on = eq === -1 || arg.slice(eq + 1).toLowerCase() !== "false";
      if (flag === "--include-imports") out.includeImports = on;
      else out.includeWkt = on;
      continue;
    }
    if (!WITH_VALUE.has(flag)) {
      // an unknown flag without "=value" may consume the next word: the input is then unknown
      if (!BOOLEAN.has(flag) && eq === -1) out.unsure = true;
      continue;
    }
    const v = value();
    // (given twice, buf reads the last: a file named before inline data is not what it reads)
    if (flag === "--template") {
      templateFlag = true;
      delete out.template;
      delete out.templateData;
    }
    if (flag === "--config") {
      delete out.config;
      delete out.configData;
    }
    if (flag === "--path") out.paths.push(fromCwd(cwd, v));
    else if (flag === "--exclude-path") out.excludePaths.push(fromCwd(cwd, v));
    else if (flag === "--template") {
      if (isBufFileFlag(v)) out.template = fromCwd(cwd, v);
      else out.templateData = v;
    } else if (flag === "--output" || flag === "-o") out.output = fromCwd(cwd, v);
    else if (flag === "--config") {
      if (isBufFileFlag(v)) out.config = fromCwd(cwd, v);
      else out.configData = v;
    }
  }
  // buf 1.75 without --template reads buf.gen.yaml where it runs ("read buf.gen.yaml: file does
  // not exist" without one; no other name)
  if (!templateFlag) {
    out.template = fromCwd(cwd, "buf.gen.yaml");
    out.templateDefault = true;
  }
  if (input !== undefined && !out.unsure)
    out.input = /^[a-z][a-z0-9+.-]*:\/\//i.test(input) ? input : fromCwd(cwd, input);
  return out;
}

/**
 * Whether buf reads a --template or --config value as a file name rather than inline data: by its
 * extension, .json, .yaml or .yml, as Go's filepath.Ext gives it (after the last "." that no "/"
 * follows; case counts), and nothing else (buf's docs for ReadConfig: "if the override ends in
 * .json or .yaml … reads the file at this path … Otherwise, this assumes this is configuration
 * data"). Checked with buf 1.75: `--template nonexistent`, `buf.gen` and `x.YAML` are decoded as
 * data, `--template x.yaml` opened; inline JSON whose last value names "gen/x.json" is data, as
 * it ends in "}", and data that starts with "{" but ends in ".yaml" (a YAML comment) is opened as
 * a file (buf fails: no such file).
 */
export function isBufFileFlag(value: string): boolean {
  return /\.(ya?ml|json)$/.test(value);
}

/**
 * A path as a command run in `cwd` names it, made repo-relative ("../gen" from "proto" is
 * "gen"). One that climbs out of the repository stays so ("../x"): the callers report it.
 */
export function fromCwd(cwd: string, path: string): string {
  return normalizeRepoPath(path.startsWith("/") ? path : joinRepoPath(cwd, path));
}

/** The names pnpm reads a package manifest from (`pnpm exec` runs in the nearest directory with one). */
const PACKAGE_MANIFESTS = ["package.json", "package.yaml", "package.json5"];

/** The package manifests among a listing's files, found once per listing. */
const manifestsCache = new WeakMap<readonly string[], Set<string>>();

/**
 * Whether directory `dir` (repo-relative, "" the root) holds a package manifest among `files`
 * (a listing): pnpm and yarn run a command there only then (see BufGenerateArgs.nearestPackage).
 */
export function holdsPackageManifest(files: readonly string[], dir: string): boolean {
  let manifests = manifestsCache.get(files);
  if (!manifests) {
    manifests = new Set(files.filter((f) => /(^|\/)package\.(json|yaml|json5)$/.test(f)));
    manifestsCache.set(files, manifests);
  }
  return PACKAGE_MANIFESTS.some((name) => manifests.has(joinRepoPath(dir, name)));
}

/**
 * Why a generator's `run` makes buf read a template other than its configured `template` (the
 * one shipgraph models: its plugins, `out` dirs and inputs), with the fix; undefined when it
 * reads that one, or when that cannot be told: no recognisable `buf generate` (a script, a shell
 * line), an absolute path, or a launcher that may run buf elsewhere
 * (including pnpm from a cwd without a package manifest: it runs buf in an outer directory).
 * Inline --template data is always another template. `template` is repo-relative; `cwd` is where `run` runs ("" = the root). Checked with buf 1.75:
 * a bare `buf generate` reads `buf.gen.yaml` where it runs (no other name), `--template x.yaml`
 * reads x.yaml from there.
 */
export function templateMismatch(
  template: string,
  run: string | readonly string[],
  cwd: string,
  /** Whether a directory holds a package manifest (pnpm runs buf in the nearest one: see nearestPackage). */
  hasManifest: (dir: string) => boolean,
  /** The file `template` leads to when it is a symbolic link: buf reading that one reads the same. */
  target?: string,
): string | undefined {
  const cli = bufGenerateArgs(run, "run", cwd);
  if (cli === undefined) return undefined;
  const shown = typeof run === "string" ? run : run.join(" ");
  const fromCwd = shellWord(cwd === "" ? template : posix.relative(cwd, template));
  // (inline data is read wherever buf runs)
  if (cli.templateData !== undefined)
    return `\`template\` is ${template}, but \`run\` ("${shown}") gives --template inline data, so buf reads that: affected and drift would model a template buf does not use. Fix: drop \`template\` (shipgraph then reads the inline data), or make \`run\`'s --template ${fromCwd}`;
  if (cli.elsewhere || cli.template === undefined) return undefined;
  if (cli.nearestPackage && !hasManifest(cwd)) return undefined;
  if (cli.template.startsWith("/") || cli.template === template || cli.template === target) return undefined;
  const where = cwd === "" ? "the repository root" : cwd;
  const reads = cli.templateDefault
    ? `names no --template, so buf reads ${cli.template} (the buf.gen.yaml of ${where}, where it runs)`
    : `names --template ${cli.template}${cwd === "" ? "" : ` (from ${cwd}, where it runs)`}, so buf reads that`;
  const fix = cli.templateDefault
    ? `add \`--template ${fromCwd}\` to \`run\``
    : `make \`run\`'s --template ${fromCwd} (or set \`template: ${cli.template}\`)`;
  return `\`template\` is ${template}, but \`run\` ("${shown}") ${reads}: affected and drift would model a template buf does not use. Fix: ${fix}; or, when \`run\` passes nothing else, drop it to use the default ("buf generate --template ${fromCwd}"), which passes the template`;
}
