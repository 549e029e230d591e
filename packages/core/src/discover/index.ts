import { posix } from "node:path";
import type { Config } from "@shipgraph/config-schema";
import { bufGenerateArgs } from "../buf/command.js";
import { parseBufWorkYaml } from "../buf/config.js";
import { bufConfigCandidates, type ProtoModules, resolveProtoModules } from "../buf/modules.js";
import { type BufTemplate, parseBufTemplate } from "../buf/template.js";
import { analyzeDockerfile, type DockerfileAnalysis } from "../docker/analyze.js";
import { parseDotenv } from "../docker/dotenv.js";
import { namedContextValue } from "../docker/image-ref.js";
import { symlinkCandidates, throughSymlinks, wildcardLinkCandidates } from "../docker/symlink.js";
import { shellWord } from "../drift/argv.js";
import { isShipgraphError, ShipgraphError } from "../errors.js";
import type { RepoSnapshot } from "../repo/snapshot.js";
import {
  isUnder,
  joinRepoPath,
  leavesRoot,
  linkTargetPath,
  lowerBound,
  normalizeRepoPath,
  parentDirs,
} from "../util/paths.js";
import { mark } from "../util/trace.js";
import { escapePattern, hasWildcard, parseDockerignore } from "./dockerignore.js";
import { discoverWorkspace, type Workspace } from "./workspaces.js";

/** What the discoverers read from the repository, as plain data for buildGraph. */
export interface Discovered {
  workspace: Workspace;
  /** templateKey(path, out base, cwd) → the parsed template (only templates that exist). */
  templates: Map<string, BufTemplate>;
  /** `protos` entry name → its buf modules. */
  protoModules: Map<string, ProtoModules>;
  /**
   * The modules `buf generate` builds from the repository root (its default input), when any
   * `protos` entry exists: the workspace a root buf.yaml or buf.work.yaml lists, or, with neither,
   * the root itself as one module (`hasConfig` false).
   */
  rootModules?: { modules: ProtoModules["modules"]; hasConfig: boolean };
  /** .dockerignore path → parsed patterns (only files that exist). */
  dockerignores: Map<string, string[]>;
  /** Dockerfile path → its text (only files that exist). */
  dockerfiles: Map<string, string>;
  /** Image name → the analysis of its Dockerfile (absent when the Dockerfile cannot be read). */
  analyses?: Map<string, DockerfileAnalysis>;
  /** Image name → the build args its analysis used (`buildArgsFrom` files, then `buildArgs`). */
  analysisArgs?: Map<string, Readonly<Record<string, string>>>;
  /** Symbolic links among the paths image builds copy (and their parent directories) → their targets. */
  symlinks?: Map<string, string>;
  /**
   * Dockerfiles, .dockerignore files, buf templates and `buf generate --config` files that are
   * symbolic links → the repository files the link chain passes through to the file read (its
   * target last): a change to any of them changes the build. (A `Dockerfile` that is absent → the `dockerfile` beside it that BuildKit reads.)
   */
  linkedFiles?: Map<string, string[]>;
  /**
   * Symbolic links in the `protos` entries' buf modules (a .proto file, or a directory of them) →
   * the repository paths the link chain passes through to what buf reads (its target last): buf
   * compiles through them, so a change to the target is a change to the module. Only chains that
   * stay in the repository. A link in a linked directory is there at the path buf reads it by
   * (under the directory link), its chain starting at the link git lists.
   */
  protoLinks?: Map<string, string[]>;
  /** Every file of the snapshot, sorted. */
  files: readonly string[];
  /** The paths the config names (contexts, protos, files) that hold no tracked file. */
  emptyPaths?: Set<string>;
  /**
   * Generators' `cwd` values that are no directory to run in as shipgraph resolves paths → why:
   * a file, or a symbolic link (or one on the way there) → "a symbolic link to <target>".
   */
  badCwds?: Map<string, string>;
}

/** Reads what the config points at: workspace manifests, buf templates, .dockerignore files. (I/O via snapshot) */
export async function discover(snapshot: RepoSnapshot, config: Config): Promise<Discovered> {
  const declared = Object.entries(config.packages).flatMap(([name, pkg]) =>
    pkg.path === undefined ? [] : [{ name, dir: pkg.path }],
  );
  const workspace = await discoverWorkspace(snapshot, declared);
  mark("workspace discovered");
  const templateUses = Object.entries(config.generators).flatMap(([name, g]) => {
    const use = generatorTemplate(g);
    return use === undefined ? [] : [{ ...use, name }];
  });
  const templatePaths = templateUses.map((t) => t.path);
  const ignorePaths = Object.values(config.images).flatMap((image) => dockerignoreCandidates(image));
  const dockerfilePaths = Object.values(config.images).map(dockerfilePath);
  const bufPaths = Object.values(config.protos).flatMap((p) => bufConfigCandidates(p.path));
  const argPaths = Object.values(config.images).flatMap((image) => image.buildArgsFrom);
  const texts = await snapshot.read([
    ...new Set([...templatePaths, ...ignorePaths, ...dockerfilePaths, ...bufPaths, ...argPaths]),
  ]);
  // a Dockerfile, .dockerignore or buf template may be a link (one shared file for many services,
  // a template under a second name): docker and buf read what it points to, so that is what counts
  // (a commit's snapshot gave the link's own text). Every Dockerfile is probed (a link whose target
  // a sparse checkout left out reads as absent); of the .dockerignore candidates, mostly absent,
  // and of the templates, only those read.
  const linkedFiles = await linkChains(snapshot, [
    ...new Set([
      ...dockerfilePaths,
      ...ignorePaths.filter((path) => texts.has(path)),
      ...templatePaths.filter((path) => texts.has(path)),
    ]),
  ]);
  if (linkedFiles.size > 0) {
    const targets = await snapshot.read([
      ...new Set([...linkedFiles.values()].map((chain) => chain.at(-1)!)),
    ]);
    for (const [link, chain] of linkedFiles) {
      const text = targets.get(chain.at(-1)!);
      if (text !== undefined) texts.set(link, text);
      else texts.delete(link);
    }
  }
  // BuildKit reads <dir>/dockerfile when <dir>/Dockerfile is absent (dockerui ReadEntrypoint,
  // moby/moby#10858): that file is the Dockerfile, and an input (asked only for missing ones)
  const lowercase = dockerfilePaths.flatMap((path) => {
    if (texts.has(path) || posix.basename(path) !== "Dockerfile") return [];
    return [[path, `${path.slice(0, -"Dockerfile".length)}dockerfile`] as const];
  });
  if (lowercase.length > 0) {
    const found = await snapshot.read(lowercase.map(([, lower]) => lower));
    for (const [path, lower] of lowercase) {
      const text = found.get(lower);
      if (text === undefined) continue;
      texts.set(path, text);
      linkedFiles.set(path, [...(linkedFiles.get(path) ?? []), lower]);
    }
  }
  // a `buf generate --config` file that is a link: buf reads its target (the generator counts
  // the whole chain; its text is not read, see buildGraph)
  const configLinks = await linkChains(
    snapshot,
    [...new Set(Object.values(config.generators).flatMap((g) => generatorConfigFile(g) ?? []))].filter(
      (path) => !linkedFiles.has(path),
    ),
  );
  for (const [link, chain] of configLinks) linkedFiles.set(link, chain);
  mark("templates, Dockerfiles, .dockerignore and buf files read");
  const templates = new Map<string, BufTemplate>();
  for (const { path, outBase, cwd, name } of templateUses) {
    const text = texts.get(path);
    const key = templateKey(path, outBase, cwd);
    if (text === undefined || templates.has(key)) continue;
    templates.set(key, parseBufTemplate(text, path, outBase, templateOptions(outBase, cwd, name)));
  }
  // a template given inline (`buf generate --template '{"version":"v2",…}'`): buf reads that data,
  // so it is parsed as a file would be (a generator with `template` too is a config error: see
  // templateMismatch)
  for (const { data, outBase, cwd, name } of inlineTemplateUses(config)) {
    const key = inlineTemplateKey(data, outBase, cwd);
    if (templates.has(key)) continue;
    templates.set(key, parseInlineTemplate(data, name, outBase, templateOptions(outBase, cwd, name)));
  }
  // buf.work.yaml lists module directories whose buf.yaml is read in a second round
  const workYamls = [...texts.entries()]
    .filter(([path]) => path === "buf.work.yaml" || path.endsWith("/buf.work.yaml"))
    .flatMap(([path, text]) =>
      parseBufWorkYaml(text, path).directories.map((d) => joinRepoPath(d, "buf.yaml")),
    )
    .filter((path) => !texts.has(path));
  if (workYamls.length > 0) for (const [path, text] of await snapshot.read(workYamls)) texts.set(path, text);
  const protoModules = new Map<string, ProtoModules>();
  for (const [name, proto] of Object.entries(config.protos)) {
    protoModules.set(
      name,
      resolveProtoModules(proto.path, (file) => texts.get(file)),
    );
  }
  const rootModules =
    protoModules.size > 0
      ? {
          modules: resolveProtoModules("", (file) => texts.get(file)).modules,
          hasConfig: texts.has("buf.yaml") || texts.has("buf.work.yaml"),
        }
      : undefined;
  const protoLinks = await moduleLinks(snapshot, protoModules);
  const dockerignores = new Map<string, string[]>();
  for (const path of ignorePaths) {
    const text = texts.get(path);
    if (text !== undefined) dockerignores.set(path, parseDockerignore(text));
  }
  const dockerfiles = new Map<string, string>();
  for (const path of dockerfilePaths) {
    const text = texts.get(path);
    if (text !== undefined) dockerfiles.set(path, text);
  }
  mark("templates, proto modules and .dockerignore parsed");
  const analyses = new Map<string, DockerfileAnalysis>();
  const analysisArgs = new Map<string, Readonly<Record<string, string>>>();
  const sources: { context: string; pattern: string }[] = [];
  for (const [name, image] of Object.entries(config.images)) {
    const text = dockerfiles.get(dockerfilePath(image));
    if (text === undefined) continue;
    const buildArgs =
      image.buildArgsFrom.length > 0
        ? { ...dotenvArgs(image.buildArgsFrom, texts), ...image.buildArgs }
        : image.buildArgs;
    const analysis = analyzeDockerfile(text, {
      target: image.target,
      buildArgs,
      namedContexts: image.additionalContexts,
    });
    analyses.set(name, analysis);
    analysisArgs.set(name, buildArgs);
    for (const { pattern } of analysis.sources) sources.push({ context: image.context, pattern });
  }
  mark("Dockerfiles analysed");
  // A COPY source that is a symbolic link copies what it points to: find those links.
  // a build context that is itself a link (docker builds from its target)
  for (const image of Object.values(config.images)) {
    if (image.context !== "") sources.push({ context: "", pattern: escapePattern(image.context) });
  }
  // probe each source's literal prefixes and the tracked paths its wildcards match; a link found
  // adds its target's (chains)
  const symlinks = new Map<string, string>();
  const probed = new Set<string>();
  let pending = sources;
  for (let round = 0; round < 8 && pending.length > 0; round++) {
    const candidates = [...new Set(pending.flatMap((s) => symlinkCandidates(s.context, s.pattern)))].filter(
      (path) => !probed.has(path),
    );
    for (const path of candidates) probed.add(path);
    // a wildcard source: the links its wildcards match (the listing may not have them)
    const wildcards = [
      ...new Set(
        pending
          .filter((s) => hasWildcard(s.pattern))
          .map((s) => joinRepoPath(escapePattern(s.context), s.pattern)),
      ),
    ].filter((pattern) => !probed.has(`\0${pattern}`));
    for (const pattern of wildcards) probed.add(`\0${pattern}`);
    if (candidates.length === 0 && wildcards.length === 0) break;
    const found = await snapshot.symlinks(candidates);
    for (const pattern of wildcards) {
      const matched = snapshot.linksMatching
        ? await snapshot.linksMatching(pattern)
        : await snapshot.symlinks(wildcardLinkCandidates("", pattern, snapshot.files));
      for (const [path, target] of matched) found.set(path, target);
    }
    if (found.size === 0) break;
    for (const [path, target] of found) symlinks.set(path, target);
    pending = pending.flatMap((s) =>
      throughSymlinks(s.context, s.pattern, symlinks).map((link) => ({
        context: s.context,
        pattern: link.pattern,
      })),
    );
  }
  // (a snapshot a library caller made may not answer it: then nothing is said)
  const emptyPaths = await snapshot.empty?.([...new Set(configPaths(config).map(({ path }) => path))]);
  const badCwds = await cwdProblems(snapshot, config);
  return {
    ...(emptyPaths ? { emptyPaths } : {}),
    ...(badCwds.size > 0 ? { badCwds } : {}),
    workspace,
    templates,
    protoModules,
    ...(rootModules ? { rootModules } : {}),
    dockerignores,
    dockerfiles,
    analyses,
    analysisArgs,
    symlinks,
    linkedFiles,
    ...(protoLinks.size > 0 ? { protoLinks } : {}),
    files: snapshot.files,
  };
}

/**
 * The link chains of the symbolic links in the `protos` entries' modules (see
 * Discovered.protoLinks): in the working tree, only the links the index records are probed (no
 * I/O without any); at a commit, one `git ls-tree` lists the modules' links. (I/O via snapshot)
 */
async function moduleLinks(
  snapshot: RepoSnapshot,
  protoModules: ReadonlyMap<string, ProtoModules>,
): Promise<Map<string, string[]>> {
  const roots = [
    ...new Set(
      [...protoModules.values()].flatMap((p) => [...p.modules, ...(p.siblings ?? [])].map((m) => m.dir)),
    ),
  ];
  if (roots.length === 0) return new Map();
  const links = snapshot.links ?? snapshot.files;
  const candidates = links.filter((path) => roots.some((root) => root === "" || path.startsWith(`${root}/`)));
  if (candidates.length === 0) return new Map();
  const chains = await linkChains(snapshot, candidates);
  // a link inside a linked directory (proto/b -> shared/bdir, shared/bdir/v1/b.proto a link): buf
  // reads through it too, at the directory link's path (proto/b/v1/b.proto), so its chain is one
  // of the modules' (the listed link first); a directory link found so is looked into in turn
  let dirs = [...chains].filter(([link]) => !link.endsWith(".proto"));
  for (let depth = 0; depth < 8 && dirs.length > 0; depth++) {
    const aliases = new Map<string, string[]>(); // listed link under a linked directory → its module paths
    for (const [link, chain] of dirs) {
      const end = chain.at(-1)!;
      for (const path of links) {
        if (path === end || !isUnder(path, end)) continue;
        const alias = `${link}/${end === "" ? path : path.slice(end.length + 1)}`;
        aliases.set(path, [...(aliases.get(path) ?? []), alias]);
      }
    }
    if (aliases.size === 0) break;
    const inner = await linkChains(snapshot, [...aliases.keys()]);
    dirs = [];
    for (const [path, chain] of inner) {
      for (const alias of aliases.get(path)!) {
        if (chains.has(alias)) continue;
        chains.set(alias, [path, ...chain]);
        if (!alias.endsWith(".proto")) dirs.push([alias, [path, ...chain]]);
      }
    }
  }
  return chains;
}

/**
 * Generators' `cwd` values shipgraph cannot resolve paths against (see Discovered.badCwds). A
 * symbolic link is the worst: `cd links/p` works, but buf (the OS) resolves `..`, `out` and
 * `inputs` from the directory it points to, not from links/p, so every path shipgraph derives would
 * be wrong, silently. A file is no directory to run in. (I/O via snapshot)
 */
async function cwdProblems(snapshot: RepoSnapshot, config: Config): Promise<Map<string, string>> {
  const cwds = [...new Set(Object.values(config.generators).map(generatorCwd))].filter((c) => c !== "");
  const out = new Map<string, string>();
  if (cwds.length === 0) return out;
  const onTheWay = (cwd: string) => [cwd, ...parentDirs(cwd).filter((dir) => dir !== "")];
  const links = await snapshot.symlinks([...new Set(cwds.flatMap(onTheWay))]);
  // (a commit's snapshot reads a directory as its tree object: one that holds files is none)
  const texts = await snapshot.read(cwds.filter((cwd) => !links.has(cwd)));
  for (const cwd of cwds) {
    const link = onTheWay(cwd).find((dir) => links.has(dir));
    if (link !== undefined) {
      const target = links.get(link)!;
      // the directory it is: the link's target, with the rest of cwd below it (when in the repository)
      const real = target.startsWith("/")
        ? undefined
        : normalizeRepoPath(
            joinRepoPath(joinRepoPath(posix.dirname(link), target), cwd.slice(link.length + 1)),
          );
      const instead = real === undefined || real === "" || leavesRoot(real) ? "that directory" : `"${real}"`;
      out.set(
        cwd,
        `${link === cwd ? "is" : `lies in ${link}, which is`} a symbolic link (to ${target}): buf would run in the directory it points to and resolve \`..\`, \`out\` and \`inputs\` from there, not from "${cwd}"; set it to ${instead}`,
      );
    } else if (
      texts.has(cwd) &&
      !snapshot.files[lowerBound(snapshot.files, `${cwd}/`)]?.startsWith(`${cwd}/`)
    )
      out.set(cwd, "is a file, not a directory: set it to the directory the command runs in");
  }
  return out;
}

/**
 * The build args an image's `buildArgsFrom` dotenv files give, for resolving its Dockerfile's
 * ARGs (configured `buildArgs` win). A key two files give different values is left out, as are
 * files that do not parse: an ARG without a value makes the whole context count. Sound with the
 * head's values: a change to a variable the Dockerfile declares as ARG affects the image anyway.
 */
function dotenvArgs(files: readonly string[], texts: ReadonlyMap<string, string>): Record<string, string> {
  const values = new Map<string, string | undefined>();
  for (const file of files) {
    const text = texts.get(file);
    const vars = text === undefined ? undefined : parseDotenv(text);
    if (!vars) continue;
    for (const [key, value] of vars) {
      values.set(key, values.has(key) && values.get(key) !== value ? undefined : value);
    }
  }
  const args: Record<string, string> = {};
  for (const [key, value] of values) if (value !== undefined) args[key] = value;
  return args;
}

/**
 * How a template is parsed for generator `name`: relative to `cwd`, and an `out` leaving the
 * repository from a cwd or -o (`outBase`) names the generator that set them. Pure.
 */
function templateOptions(outBase: string, cwd: string, name: string): { cwd: string; outBaseIs?: string } {
  if (outBase === "") return { cwd };
  const outBaseIs =
    outBase === cwd
      ? `${outBase}, where generators.${name} runs buf (its \`cwd\`)`
      : `${outBase}, the -o of generators.${name}.run`;
  return { cwd, outBaseIs };
}

/**
 * For each of `paths` that is, or lies in a directory that is, a symbolic link: the repository
 * paths its chain passes through (a linked directory by its own path, then the path below its
 * target), the file finally read last (targets resolved against the link's directory; at most 8
 * hops). The program reading it (buf, docker) opens the path, and the OS follows a link to a
 * directory on the way as it does one to the file; git lists the file under the target's path
 * only, so a change to it shows there. A chain leaving the repository ends at its last path
 * inside it. (I/O via snapshot)
 */
async function linkChains(snapshot: RepoSnapshot, paths: readonly string[]): Promise<Map<string, string[]>> {
  const chains = new Map<string, string[]>();
  let pending = new Map(paths.map((path) => [path, path] as const)); // start → current end
  // the path and its parent directories, the outermost first (the OS resolves that link first)
  const onTheWay = (path: string) => [
    ...parentDirs(path)
      .filter((dir) => dir !== "")
      .reverse(),
    path,
  ];
  for (let hop = 0; hop < 8 && pending.size > 0; hop++) {
    const links = await snapshot.symlinks([...new Set([...pending.values()].flatMap(onTheWay))]);
    const next = new Map<string, string>();
    for (const [start, end] of pending) {
      const link = onTheWay(end).find((path) => links.has(path));
      if (link === undefined) continue;
      const target = linkTargetPath(link, links.get(link)!);
      if (target === undefined) continue; // outside
      const resolved = link === end ? target : joinRepoPath(target, end.slice(link.length + 1));
      // (a linked directory: its link, a listed file, counts too)
      const chain = [...(chains.get(start) ?? []), ...(link === end ? [] : [link])];
      if (chain.includes(resolved) || resolved === start) continue; // a loop
      chains.set(start, [...chain, resolved]);
      next.set(start, resolved);
    }
    pending = next;
  }
  return chains;
}

/**
 * The paths the config names that must hold something (a misspelt one owns nothing): proto
 * modules, generators' `cwd`, declared packages, image contexts, additional contexts and build-arg files, each with
 * its key and what it is expected to be.
 */
export function configPaths(config: Config): { path: string; key: string; what: "directory" | "file" }[] {
  const out: { path: string; key: string; what: "directory" | "file" }[] = [];
  for (const [n, v] of Object.entries(config.protos))
    out.push({ path: v.path, key: `protos.${n}.path`, what: "directory" });
  for (const [n, v] of Object.entries(config.generators)) {
    // (a cwd of no tracked file: drift cannot run there either; see the drift check)
    if (v.cwd !== undefined && generatorCwd(v) !== "")
      out.push({ path: generatorCwd(v), key: `generators.${n}.cwd`, what: "directory" });
  }
  for (const [n, v] of Object.entries(config.packages)) {
    if (v.path !== undefined)
      out.push({ path: v.path, key: `packages[${JSON.stringify(n)}].path`, what: "directory" });
  }
  for (const [n, v] of Object.entries(config.images)) {
    out.push({ path: v.context, key: `images.${n}.context`, what: "directory" });
    for (const [name, value] of Object.entries(v.additionalContexts)) {
      if ("dir" in namedContextValue(value))
        out.push({ path: value, key: `images.${n}.additionalContexts.${name}`, what: "directory" });
    }
    for (const [i, file] of v.buildArgsFrom.entries())
      out.push({ path: file, key: `images.${n}.buildArgsFrom[${i}]`, what: "file" });
  }
  return out;
}

/** What a generator's config says about its command. */
interface GeneratorCommand {
  template?: string | undefined;
  cwd?: string | undefined;
  run?: string | string[] | undefined;
}

/** The directory a generator's command runs in, repo-relative ("" = the repository root). */
export function generatorCwd(generator: GeneratorCommand): string {
  return normalizeRepoPath(generator.cwd ?? "");
}

/**
 * The command a generator runs (in generatorCwd): its `run`, or by default
 * `buf generate --template <template>`, the template's path as seen from there, quoted when it
 * holds a space or another character a shell reads (`run` is split like a shell line).
 */
export function generatorRun(generator: GeneratorCommand): string | string[] | undefined {
  if (generator.run !== undefined || generator.template === undefined) return generator.run;
  // (at the root, the template as written: the command is part of a stamp's declaration)
  const cwd = generatorCwd(generator);
  const template = cwd === "" ? generator.template : posix.relative(cwd, generator.template);
  return `buf generate --template ${shellWord(template)}`;
}

/**
 * A generator's template: the configured one, or the file its `buf generate --template` names;
 * the directory it runs in, and the one the template's outs are relative to: the directory its
 * `buf generate -o` names, else the one it runs in ("" = the root).
 */
export function generatorTemplate(
  generator: GeneratorCommand,
): { path: string; outBase: string; cwd: string } | undefined {
  const cwd = generatorCwd(generator);
  const run = generatorRun(generator);
  const cli = run === undefined ? undefined : bufGenerateArgs(run, "run", cwd);
  const path = generator.template ?? cli?.template;
  return path === undefined ? undefined : { path, outBase: cli?.output ?? cwd, cwd };
}

/**
 * The repository file a generator's `buf generate --config` names (the buf.yaml buf reads instead
 * of the modules' own), when it names one inside the repository (not inline data, an absolute
 * path, or one leaving it).
 */
export function generatorConfigFile(generator: GeneratorCommand): string | undefined {
  const run = generatorRun(generator);
  const file = run === undefined ? undefined : bufGenerateArgs(run, "run", generatorCwd(generator))?.config;
  return file === undefined || file.startsWith("/") || leavesRoot(file) ? undefined : file;
}

/**
 * The generators without `template` whose `buf generate --template` gives the template inline
 * (YAML or JSON data, not a file name: see isBufFileFlag), with the data and, as for a file, the
 * directory its outs are relative to and the one buf runs in.
 */
export function inlineTemplateUses(
  config: Config,
): { name: string; data: string; outBase: string; cwd: string }[] {
  return Object.entries(config.generators).flatMap(([name, generator]) => {
    const data = inlineTemplate(generator);
    return data === undefined ? [] : [{ name, ...data }];
  });
}

/** A generator's inline --template data (see inlineTemplateUses), when it has no `template`. */
export function inlineTemplate(
  generator: GeneratorCommand,
): { data: string; outBase: string; cwd: string } | undefined {
  if (generator.template !== undefined || generator.run === undefined) return undefined;
  const cwd = generatorCwd(generator);
  const cli = bufGenerateArgs(generator.run, "run", cwd);
  return cli?.templateData === undefined
    ? undefined
    : { data: cli.templateData, outBase: cli.output ?? cwd, cwd };
}

/**
 * Parses a generator's inline --template data (see inlineTemplateUses) as buf would a template
 * file; an error says that buf read the value as data, not as a file name, and why: a value meant
 * as a file (`--template buf.gen`, `templates/x.YAML`) fails as data that is no mapping.
 */
function parseInlineTemplate(
  data: string,
  name: string,
  outBase: string,
  run: Parameters<typeof parseBufTemplate>[3],
): BufTemplate {
  try {
    return parseBufTemplate(data, inlineTemplateLabel(name), outBase, run);
  } catch (error) {
    if (!isShipgraphError(error)) throw error;
    throw new ShipgraphError(error.code, error.message, {
      ...(error.file !== undefined ? { file: error.file } : {}),
      key: `generators.${name}.run`,
      ...(error.line !== undefined ? { line: error.line } : {}),
      hint: `buf reads a --template value as a file only when it ends in .yaml, .yml or .json (lowercase), else as the template itself (YAML or JSON data): give the template file such a name, or fix the data (buf.build/docs/configuration/v2/buf-gen-yaml)`,
    });
  }
}

/** An inline template's key in Discovered.templates (never a path's: a path holds no NUL). */
export function inlineTemplateKey(data: string, outBase: string, cwd = ""): string {
  return templateKey(`\0${data}`, outBase, cwd);
}

/** How findings name an inline template: the generator's `run`, whose --template data it is. */
export function inlineTemplateLabel(name: string): string {
  return `generators.${name}.run's --template data`;
}

/** A template's key in Discovered.templates: its path, the -o directory and the cwd it was parsed for. */
export function templateKey(path: string, outBase: string, cwd = ""): string {
  return `${path}${outBase === "" ? "" : ` -o ${outBase}`}${cwd === "" ? "" : ` in ${cwd}`}`;
}

/** An image's Dockerfile: the configured one, or <context>/Dockerfile. */
export function dockerfilePath(image: { context: string; dockerfile?: string | undefined }): string {
  return image.dockerfile ?? joinRepoPath(image.context, "Dockerfile");
}

/**
 * The .dockerignore files that may apply to an image, most specific first: `<Dockerfile>.dockerignore`
 * beside the Dockerfile replaces `<context>/.dockerignore` (BuildKit's rule).
 */
export function dockerignoreCandidates(image: {
  context: string;
  dockerfile?: string | undefined;
}): string[] {
  const dockerfile = dockerfilePath(image);
  return [`${dockerfile}.dockerignore`, joinRepoPath(image.context, ".dockerignore")];
}
