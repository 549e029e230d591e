import { alg, Graph } from "@dagrejs/graphlib";
import { type Config, closest } from "@shipgraph/config-schema";
import { bufGenerateArgs, holdsPackageManifest, templateMismatch } from "../buf/command.js";
import { localArgPaths, type TemplatePlugin } from "../buf/template.js";
import { formatKeyPath } from "../config/parse.js";
import { escapePattern, unescapePattern } from "../discover/dockerignore.js";
import {
  configPaths,
  type Discovered,
  dockerfilePath,
  dockerignoreCandidates,
  generatorCwd,
  generatorRun,
  inlineTemplate,
  inlineTemplateKey,
  inlineTemplateLabel,
  templateKey,
} from "../discover/index.js";
import type { RootLocalDependency } from "../discover/workspaces.js";
import { analyzeDockerfile } from "../docker/analyze.js";
import { imageKey, namedContextValue } from "../docker/image-ref.js";
import { followSymlinks, symlinkCandidates } from "../docker/symlink.js";
import { shellWord } from "../drift/argv.js";
import { ShipgraphError } from "../errors.js";
import { pluginOutputGlobs } from "../proto/outputs.js";
import type { EdgeKind, GraphEdge, GraphNode, NodeId, NodeKind } from "../types.js";
import {
  holdsAny,
  isUnder,
  joinRepoPath,
  leavesRoot,
  lowerBound,
  nearestDir,
  normalizeRepoPath,
  parentDir,
} from "../util/paths.js";
import { compareStrings, sortStrings } from "../util/sort.js";
import { anyGlobMatcher, createOwnerIndex, globBase, globMatcher, type OwnerIndex } from "./owners.js";

/** The build graph of a repository: nodes, edges and the policies needed to walk it. */
export interface ShipGraph {
  /** Nodes by id, in sorted id order. */
  nodes: Map<NodeId, GraphNode>;
  /** Edges sorted by (from, to). */
  edges: GraphEdge[];
  /** Repo-relative path of the config file. */
  configFile: string;
  /** The repository files the graph was built from (with a scoped snapshot, only those it needs), sorted. */
  files: readonly string[];
  /** The config file and the repository files a module config imports. */
  configFiles: string[];
  /** The workspace file (pnpm-workspace.yaml or package.json), if any. */
  workspaceFile: string | undefined;
  /** Files that shape every install besides the root manifests (see Workspace.installFiles); absent when none. */
  installFiles?: string[];
  /** What the root package.json installs from local paths (see Workspace.rootLocal); absent when nothing. */
  rootLocal?: RootLocalDependency[];
  global: string[];
  unowned: Config["unowned"];
  owners: OwnerIndex;
  /** Non-fatal findings (globs that match nothing, a missing Dockerfile…), sorted. */
  warnings: string[];
  /** Symbolic links in the proto modules → their chains (see Discovered.protoLinks); absent when none. */
  protoLinks?: ReadonlyMap<string, readonly string[]>;
  /**
   * The generators whose `outputs` are not configured but defaulted from their buf template
   * (each plugin's `out/**`, or the names it writes where `out` holds what it reads), sorted;
   * absent when none. Such outputs say where the plugins write, not that all there is theirs:
   * see outputClaims.
   */
  outputsFromTemplate?: NodeId[];
}

export interface BuildGraphInput {
  config: Config;
  configFile: string;
  /** Repository files a module config (.ts/.mjs) imports; default none. */
  configImports?: readonly string[];
  discovered: Discovered;
  /**
   * Compute `generates` edges (default true). They are followed with --conservative, by drift (a
   * generator runs after those whose outputs it reads) and shown by `shipgraph graph`; finding
   * them asks for the owners of every generated file, so callers that never follow them (plain
   * `affected`, drift --quick and stamp) skip it.
   */
  generatesEdges?: boolean;
}

/**
 * Builds the graph from the validated config and what discovery read. Pure: no I/O.
 * Dangling references and dependency cycles are ShipgraphErrors naming the file and key.
 */
export function buildGraph({
  config,
  configFile,
  configImports = [],
  discovered,
  generatesEdges = true,
}: BuildGraphInput): ShipGraph {
  const nodes = new Map<NodeId, GraphNode>();
  const edges: GraphEdge[] = [];
  const problems: string[] = [];
  // a generator whose command builds something other than what shipgraph models
  const inputProblems: string[] = [];
  // a generator whose `run` makes buf read another template than its `template` (CONFIG_INVALID)
  const otherTemplate: string[] = [];
  // outputs that cannot be told apart from inputs (CONFIG_INVALID)
  const invalid: string[] = [];
  const warnings: string[] = [...discovered.workspace.warnings];
  const files = discovered.files;
  const at = (key: string) => `${configFile} ${key}`;
  // (a directory pnpm would run a command in: see templateMismatch; listed only when asked)
  const hasManifest = (dir: string) => holdsPackageManifest(files, dir);

  const add = (node: GraphNode) => nodes.set(node.id, node);

  // Protos: the .proto files their buf modules compile (minus excludes), plus the buf config files
  // that decide those modules; and the workspace's other modules no entry declares, which buf
  // resolves their imports from.
  const declaredProtoPaths = Object.values(config.protos).map((p) => p.path);
  for (const [name, proto] of Object.entries(config.protos)) {
    const resolved = discovered.protoModules.get(name) ?? {
      modules: [{ dir: proto.path, configFile: "", excludes: [], includes: [] }],
      ownDirs: [proto.path],
      configFiles: [],
    };
    add({
      id: `proto:${name}`,
      kind: "proto",
      name,
      declaredIn: { file: configFile, key: `protos.${name}` },
      owns: {
        dirs: [],
        files: resolved.configFiles,
        globs: proto.inputs,
        protos: [
          ...resolved.modules.map((m, i) => ({
            ownDir: resolved.ownDirs[i]!,
            root: m.dir,
            excludes: m.excludes,
            includes: m.includes,
          })),
          ...(resolved.siblings ?? [])
            .filter((m) => !declaredProtoPaths.some((p) => isUnder(m.dir, p) || isUnder(p, m.dir)))
            .map((m) => ({
              ownDir: m.dir,
              root: m.dir,
              excludes: m.excludes,
              includes: m.includes,
              undeclared: true as const,
            })),
        ],
      },
    });
  }

  // Generators: their template and extra inputs; outputs are claimed but do not touch them.
  // (the directories of workspace and declared packages: a plugin in one is a dependency on it)
  const workspaceDirs = [
    ...discovered.workspace.packages.map((p) => p.dir),
    ...Object.values(config.packages).flatMap((p) => (p.path !== undefined ? [p.path] : [])),
  ];
  const outputsFromTemplate: NodeId[] = [];
  for (const [name, generator] of Object.entries(config.generators)) {
    let outputs = generator.outputs;
    const run = generatorRun(generator);
    // the directory the command runs in: its paths, and the template's, are relative to it
    const cwd = generatorCwd(generator);
    const badCwd = discovered.badCwds?.get(cwd);
    if (badCwd !== undefined) problems.push(`${at(`generators.${name}.cwd`)}: "${generator.cwd}" ${badCwd}`);
    let cli = run === undefined ? undefined : bufGenerateArgs(run, at(`generators.${name}.run`), cwd);
    // (a `run` given with a template: the template shipgraph models must be the one buf reads)
    const mismatch =
      generator.template !== undefined && generator.run !== undefined
        ? templateMismatch(
            generator.template,
            generator.run,
            cwd,
            hasManifest,
            discovered.linkedFiles?.get(generator.template)?.at(-1),
          )
        : undefined;
    if (mismatch !== undefined) otherTemplate.push(`${at(`generators.${name}`)}: ${mismatch}`);
    // the template: configured, or the one `run` names with --template, parsed with each plugin's
    // `out` under `buf generate -o DIR`, else under cwd (see generatorTemplate)
    const templatePath = generator.template ?? cli?.template;
    // (or the template data `run` gives inline: buf reads that, and so does shipgraph)
    const inline = inlineTemplate(generator);
    const parsed =
      templatePath !== undefined
        ? discovered.templates.get(templateKey(templatePath, cli?.output ?? cwd, cwd))
        : inline !== undefined
          ? discovered.templates.get(inlineTemplateKey(inline.data, inline.outBase, inline.cwd))
          : undefined;
    // how findings name the template
    const templateName = templatePath ?? (inline !== undefined ? inlineTemplateLabel(name) : "the template");
    // buf's default input is ".", the directory it runs in: from a cwd below the root, that is
    // the directory input cwd (buf looks for its buf.yaml / buf.work.yaml from there up, as it does
    // for `buf generate <cwd>` from the root)
    if (
      cli !== undefined &&
      cwd !== "" &&
      !cli.unsure &&
      cli.input === undefined &&
      (parsed?.inputs.length ?? 0) === 0
    )
      cli = { ...cli, input: cwd };
    // --include-imports and --include-wkt apply to every plugin (buf ORs them with each plugin's own setting)
    const template =
      parsed && cli !== undefined && (cli.includeImports || cli.includeWkt)
        ? {
            ...parsed,
            plugins: parsed.plugins.map((p) => ({
              ...p,
              includeImports: p.includeImports || cli.includeImports,
              includeWkt: p.includeWkt || cli.includeWkt,
            })),
          }
        : parsed;
    const missingTemplate = templatePath !== undefined && template === undefined;
    if (missingTemplate && generator.template === undefined && cli?.templateDefault) {
      // (buf fails there: drift reports it; what it would generate is unknown)
      warnings.push(
        `${at(`generators.${name}.run`)}: names no --template, so buf reads ${templatePath}, which does not exist (buf generate fails there)`,
      );
    } else if (missingTemplate) {
      const key = generator.template !== undefined ? "template" : "run";
      const message = `${at(`generators.${name}.${key}`)}: template ${templatePath} does not exist`;
      if (outputs === undefined) problems.push(`${message} (set \`outputs\`, or fix the path)`);
      else warnings.push(message);
    }
    // The inputs buf compiles: the command line's positional input replaces the template's
    // `inputs`; neither means the workspace at the repository root.
    const templateInputs = cli?.input !== undefined ? [] : (template?.inputs ?? []);
    const localInputs = [
      ...templateInputs.map((i) => ({ kind: i.kind, value: i.value })),
      ...(cli?.input !== undefined ? [{ kind: "directory" as const, value: cli.input }] : []),
    ];
    // Which proto entries it compiles: as configured, else those its inputs name, else (buf's
    // default input, or an input shipgraph cannot place) all of them.
    let protoNames = generator.protos;
    let inferredFrom = `generators.${name}.protos`;
    if (protoNames.length === 0 && template !== undefined) {
      const dirs = localInputs
        .filter((i) => i.kind === "directory" || i.kind === "proto_file")
        .map((i) => i.value);
      const placed =
        dirs.length > 0 &&
        dirs.length === localInputs.length &&
        (run === undefined || (cli !== undefined && !cli.unsure));
      protoNames = Object.entries(config.protos)
        .filter(([, p]) => !placed || dirs.some((d) => isUnder(p.path, d) || isUnder(d, p.path)))
        .map(([n]) => n);
      inferredFrom = `generators.${name}.template`;
    }
    // --config: buf reads that buf.yaml (a file, or inline data) instead of the modules' own, and
    // its modules, roots and excludes decide what buf compiles and which file an import names.
    // shipgraph does not model that layout (buf 1.75 resolves a v2 config's module paths from
    // where it runs, whatever the input; a v1 config's one module is the input), so the generator
    // compiles every protos entry, whole, and every .proto file and buf.lock counts (see below).
    const otherLayout = cli !== undefined && (cli.config !== undefined || cli.configData !== undefined);
    if (otherLayout)
      protoNames = [...protoNames, ...Object.keys(config.protos).filter((p) => !protoNames.includes(p))];
    // buf's default input, the repository root: what it builds there decides what it compiles
    const rootInput =
      template !== undefined &&
      cli !== undefined &&
      !cli.unsure &&
      cli.input === undefined &&
      templateInputs.length === 0 &&
      !otherLayout;
    // the directories buf builds for it: the root workspace's modules (its default input), or its
    // directory inputs (a buf workspace compiles every module in it)
    let builtDirs: string[] = [];
    if (rootInput && discovered.rootModules) {
      const nested = protoNames.flatMap((p) =>
        (discovered.protoModules.get(p)?.modules ?? []).filter((m) => m.dir !== "").map((m) => m.dir),
      );
      if (!discovered.rootModules.hasConfig && nested.length > 0) {
        // no buf.yaml or buf.work.yaml at the root: buf builds the root as one module, ignoring
        // the nested buf.yaml, and compiles every .proto under it by its path from the root
        inputProblems.push(
          `${at(`generators.${name}`)}: ${run} has no input, so buf builds the repository root, which has no buf.yaml or buf.work.yaml: buf then ignores ${nested[0]}/buf.yaml and compiles every .proto file from the root (as ${nested[0]}/…), not the module shipgraph models. Give the input as you generate it (${templatePath !== undefined ? `\`run: "buf generate ${shellWord(nested[0]!)} --template ${shellWord(templatePath)}"\`` : `\`buf generate ${shellWord(nested[0]!)}\` in \`run\``}), or \`inputs: [{directory: ${nested[0]}}]\` in the template`,
        );
      } else builtDirs = discovered.rootModules.modules.map((m) => m.dir);
    } else if (!rootInput && !otherLayout && cli !== undefined && !cli.unsure) {
      builtDirs = localInputs.filter((i) => i.kind === "directory").map((i) => normalizeRepoPath(i.value));
    }
    // an entry there the configured list leaves out is compiled all the same
    if (generator.protos.length > 0 && builtDirs.length > 0) {
      const holds = (p: string, d: string) =>
        (discovered.protoModules.get(p)?.modules ?? []).some((m) => isUnder(m.dir, d));
      const left = Object.keys(config.protos).filter(
        (p) => !protoNames.includes(p) && builtDirs.some((d) => holds(p, d)),
      );
      if (left.length > 0) {
        const them = left.length === 1 ? "it" : "them";
        const entries = left.map((p) => `protos.${p}`).join(", ");
        warnings.push(
          rootInput
            ? `${at(`generators.${name}.protos`)}: ${run} has no input, so buf compiles every module of the workspace at the root, ${entries} too: counted as compiled (list ${them}, or give the template \`inputs\`)`
            : `${at(`generators.${name}.protos`)}: its input ${builtDirs.find((d) => left.some((p) => holds(p, d)))} holds ${entries} too, which buf compiles: counted as compiled (list ${them}, or narrow the input)`,
        );
        protoNames = [...protoNames, ...left];
      }
    }
    // What each input narrows to ([] = everything it holds); --path / --exclude-path apply to every
    // input, as buf applies them.
    const cliPaths = cli?.paths ?? [];
    const cliExcludes = cli?.excludePaths ?? [];
    // a command shipgraph does not fully understand narrows nothing: it may name other inputs
    const understood = run === undefined || (cli !== undefined && !cli.unsure);
    const readInputs =
      !understood || otherLayout
        ? [{ paths: [], excludePaths: [] }]
        : cli?.input !== undefined
          ? [{ paths: cliPaths.length > 0 ? cliPaths : [cli.input], excludePaths: cliExcludes }]
          : templateInputs.length === 0
            ? [{ paths: cliPaths, excludePaths: cliExcludes }]
            : templateInputs.map((i) => ({
                // include_package_files: the files of the anchor's proto package (read from the files)
                ...(i.kind === "proto_file" && i.includePackageFiles && cliPaths.length === 0
                  ? { packageOf: normalizeRepoPath(i.value) }
                  : {}),
                paths:
                  cliPaths.length > 0
                    ? cliPaths
                    : i.kind === "directory"
                      ? i.paths.length > 0
                        ? i.paths
                        : [i.value]
                      : i.kind === "proto_file" && !i.includePackageFiles
                        ? [i.value, ...i.paths]
                        : i.paths,
                // --exclude-path on the command line replaces the template's exclude_paths (buf 1.75)
                excludePaths: cliExcludes.length > 0 ? cliExcludes : i.excludePaths,
              }));
    // Local inputs no protos entry holds (a vendored directory, a built image file) are the
    // generator's own inputs: a change to them must reach it.
    const protoPaths = Object.values(config.protos).map((p) => p.path);
    const ownGlobs: string[] = [];
    const ownFiles: string[] = [];
    for (const input of localInputs) {
      if (
        input.kind === "module" ||
        input.kind === "git_repo" ||
        /^[a-z][a-z0-9+.-]*:\/\//i.test(input.value)
      )
        continue;
      // held by a protos entry, or holding some: the entries' modules are what it compiles
      const covered = protoPaths.some((p) => isUnder(input.value, p) || isUnder(p, input.value));
      if (covered) continue;
      if (input.kind === "directory")
        ownGlobs.push(input.value === "" ? "**/*.proto" : `${input.value}/**/*.proto`);
      else ownFiles.push(normalizeRepoPath(input.value));
    }
    // a plugin the template runs from the repository (`node tools/gen.mjs`, `./bin/protoc-gen-x`,
    // `go run ./cmd/x`): its files are read by every run, whether or not `inputs` says so
    ownGlobs.push(
      ...pluginSourceGlobs(template?.plugins ?? [], files, generator.inputs, workspaceDirs, template?.cwd),
    );
    if (template !== undefined && outputs === undefined) {
      // each plugin's `out`, or where that holds what the generator reads (code generated next to
      // its .proto files), the files the plugin writes there: the rest are no outputs
      const holdsInputs = inputAreas(config, discovered, protoNames, [
        ...(templatePath !== undefined ? [templatePath] : []),
        ...ownFiles,
        ...[...generator.inputs, ...ownGlobs].map(globBase),
      ]);
      const globs: string[] = [];
      for (const plugin of template.plugins) {
        // an input area inside `out`, or `out` inside one where it holds the generator's own files
        // (a module's directory with protos in it; not `gen` of a module at the root)
        const area =
          holdsInputs.find((a) => isUnder(a, plugin.out)) ??
          (holdsInputs.some((a) => isUnder(plugin.out, a)) &&
          files.some(
            (f) =>
              isUnder(f, plugin.out) &&
              (f.endsWith(".proto") || f === templatePath || /(^|\/)buf(\.work)?\.(yaml|lock)$/.test(f)),
          )
            ? plugin.out
            : undefined);
        if (area === undefined) {
          globs.push(plugin.out === "" ? "**" : `${plugin.out}/**`);
          continue;
        }
        const named = pluginOutputGlobs(plugin);
        if (named === undefined) {
          invalid.push(
            `${at(`generators.${name}.outputs`)}: is needed: ${templateName} plugins[${plugin.index}] (${describePlugin(plugin)}) writes to ${plugin.out === "" ? "the repository root" : `"${plugin.out}"`}, which holds what the generator reads (${area === "" ? "the repository root" : area}), and shipgraph does not know the names of the files this plugin writes`,
          );
          continue;
        }
        globs.push(...named);
      }
      outputs = [...new Set(globs)];
      outputsFromTemplate.push(`generator:${name}`);
    }
    if (otherLayout) {
      // (after the outputs: what the plugins write is where their `out` says, whatever buf compiles)
      ownGlobs.push("**/*.proto", "**/buf.lock");
      const file = cli!.config;
      const outside = file !== undefined && (file.startsWith("/") || leavesRoot(file));
      // (a link: buf reads its target, so every file of the chain counts)
      const chain = file === undefined || outside ? undefined : discovered.linkedFiles?.get(file);
      if (file !== undefined && !outside) ownFiles.push(file, ...(chain ?? []));
      warnings.push(
        `${at(`generators.${name}.run`)}: passes --config ${file ?? "with inline data"}, a module layout shipgraph does not model (its module roots and excludes decide what buf compiles): every .proto file and buf.lock of the repository${file !== undefined && !outside ? `, and ${file}${chain !== undefined ? ` (read through a link, as ${chain.at(-1)})` : ""},` : ""} count as its inputs, and drift --quick hashes them all${outside ? `; ${file} is outside the repository, so a change to it reaches nothing (keep it in the repository)` : ""}. To narrow it, put that layout in the buf.yaml of the modules (or a buf.yaml where buf runs) and drop --config`,
      );
    }
    if (outputs === undefined) {
      outputs = [];
      warnings.push(
        `${at(`generators.${name}`)}: no outputs (no template and no \`outputs\`): drift cannot check it`,
      );
    }
    add({
      id: `generator:${name}`,
      kind: "generator",
      name,
      declaredIn: { file: configFile, key: `generators.${name}` },
      owns: {
        dirs: [],
        // (a template that is a link: buf reads its target, so the files of the chain count too)
        files: [
          ...(templatePath !== undefined
            ? [templatePath, ...(discovered.linkedFiles?.get(templatePath) ?? [])]
            : []),
          ...ownFiles,
        ],
        globs: [...generator.inputs, ...ownGlobs],
      },
      generator: {
        ...(templatePath !== undefined ? { template: templatePath } : {}),
        ...(cwd !== "" ? { cwd } : {}),
        ...(template !== undefined ? { buf: template } : {}),
        outputs,
        ...(run !== undefined ? { run } : {}),
        ...(generator.protoOutputs !== undefined ? { protoOutputs: generator.protoOutputs } : {}),
        ...(protoNames.length > 0
          ? {
              reads: {
                protos: protoNames.filter((p) => p in config.protos).map((p): NodeId => `proto:${p}`),
                inputs: readInputs,
              },
            }
          : {}),
      },
    });
    protoNames.forEach((proto, index) => {
      const key =
        index < generator.protos.length
          ? `${inferredFrom}[${index}]`
          : otherLayout
            ? `generators.${name}.run`
            : inferredFrom;
      if (!(proto in config.protos)) {
        const suggestion = closest(proto, Object.keys(config.protos));
        problems.push(
          `${at(key)}: unknown proto module "${proto}"${suggestion ? ` (did you mean "${suggestion}"?)` : ` (declare it under \`protos\`)`}`,
        );
      } else {
        edges.push({
          from: `generator:${name}`,
          to: `proto:${proto}`,
          kind: "compiles",
          declaredIn: at(key),
        });
      }
    });
  }

  // Packages: discovered, plus overrides and explicitly declared ones.
  const packageDirs = new Map<string, NodeId>();
  // one id string per package, shared by its node and every edge to it (no string per edge)
  const packageIds = new Map<string, NodeId>(
    discovered.workspace.packages.map((pkg) => [pkg.name, `package:${pkg.name}`]),
  );
  const workspacePackages = discovered.workspace.packages;
  for (let p = 0; p < workspacePackages.length; p++) {
    const pkg = workspacePackages[p]!;
    const override = config.packages[pkg.name];
    if (override?.path !== undefined && override.path !== pkg.dir) {
      problems.push(
        `${at(`packages[${JSON.stringify(pkg.name)}].path`)}: "${override.path}" but the workspace package is at ${pkg.dir} (remove \`path\`)`,
      );
    }
    const id = packageIds.get(pkg.name)!;
    add({
      id,
      kind: "package",
      name: pkg.name,
      declaredIn: { file: pkg.manifest },
      owns: {
        dirs: [pkg.dir],
        files: [],
        globs: override?.inputs ?? [],
        ...(pkg.localDependencies ? { local: pkg.localDependencies } : {}),
      },
      package: { dir: pkg.dir, manifest: pkg.manifest },
    });
    packageDirs.set(pkg.dir, id);
    for (let d = 0; d < pkg.dependencies.length; d++) {
      const dep = pkg.dependencies[d]!;
      const to = packageIds.get(dep) ?? (`package:${dep}` as const);
      edges.push({ from: id, to, kind: "depends", declaredIn: pkg.manifest });
    }
  }
  for (const [name, override] of Object.entries(config.packages)) {
    const id: NodeId = `package:${name}`;
    if (nodes.has(id)) continue;
    if (override.path === undefined) {
      const suggestion = closest(
        name,
        discovered.workspace.packages.map((p) => p.name),
      );
      problems.push(
        `${at(`packages[${JSON.stringify(name)}]`)}: "${name}" is not a workspace package${
          suggestion ? ` (did you mean "${suggestion}"?)` : " (add `path` to declare it)"
        }`,
      );
      continue;
    }
    const manifest = joinRepoPath(override.path, "package.json");
    // its package.json, if it has one: what it installs from local paths
    const facts = discovered.workspace.declared?.get(name);
    add({
      id,
      kind: "package",
      name,
      declaredIn: { file: configFile, key: `packages.${name}` },
      owns: {
        dirs: [override.path],
        files: [],
        globs: override.inputs,
        ...(facts?.localDependencies ? { local: facts.localDependencies } : {}),
      },
      package: { dir: override.path, manifest },
    });
    packageDirs.set(override.path, id);
    for (const dep of facts?.dependencies ?? []) {
      edges.push({
        from: id,
        to: packageIds.get(dep) ?? `package:${dep}`,
        kind: "depends",
        declaredIn: manifest,
      });
    }
  }

  // A local plugin that is a workspace package (run by its bin name, or a script inside the
  // package) makes its generator depend on that package: its files and dependencies are inputs.
  const packageByName = new Map(discovered.workspace.packages.map((p) => [p.name, p] as const));
  for (const node of nodes.values()) {
    for (const plugin of node.generator?.buf?.plugins ?? []) {
      const argv = plugin.local ?? [];
      const bin =
        normalizeRepoPath(argv[0] ?? "", "keep")
          .split("/")
          .at(-1) ?? "";
      // the package each script argument lies in (its nearest package directory), as buf runs it
      // from the template's cwd
      const byScript = localArgPaths(argv, node.generator?.buf?.cwd).flatMap((path) => {
        const found = nearestDir(path, packageDirs);
        return found && found[0] !== "" ? [found] : [];
      });
      // the workspace (or declared) package whose `bin` installs the command (an interpreter runs a
      // script instead); or a directory the root installs from a local path: its files are inputs
      const byBin = INTERPRETERS.has(bin)
        ? []
        : [
            ...[...packageByName.values()].filter((p) => p.bins.includes(bin)).map((p) => p.name),
            ...[...(discovered.workspace.declared ?? [])].flatMap(([name, p]) =>
              p.bins.includes(bin) ? [name] : [],
            ),
          ];
      const atRoot = INTERPRETERS.has(bin)
        ? []
        : (discovered.workspace.rootLocal ?? []).filter(
            (r) => r.package === undefined && r.bins.includes(bin),
          );
      if (atRoot.length > 0) {
        const local = [...(node.owns.local ?? []), ...atRoot.flatMap((r) => r.paths)];
        node.owns = { ...node.owns, local: local.sort((a, b) => compareStrings(a.path, b.path)) };
      }
      const ids = new Set<NodeId>([
        ...byScript.map(([, id]) => id),
        ...byBin.map((name): NodeId => `package:${name}`),
      ]);
      for (const id of [...ids].sort(compareStrings)) {
        edges.push({
          from: node.id,
          to: id,
          kind: "depends",
          // (an inline template: the `run` that gives it)
          declaredIn: `${node.generator!.template ?? `${node.declaredIn.file} ${node.declaredIn.key}.run`} plugins[${plugin.index}]`,
        });
      }
    }
  }

  // Images: the Dockerfile, the .dockerignore that applies, and the context files the Dockerfile
  // reads (COPY/ADD/RUN --mount sources of the stages that reach the target), minus what the
  // .dockerignore excludes. The whole context when the Dockerfile cannot be narrowed.
  const imageRefs = new Map<string, NodeId>();
  for (const [name, image] of Object.entries(config.images)) {
    if (image.ref !== undefined) imageRefs.set(imageKey(image.ref), `image:${name}`);
  }
  // Analyse every Dockerfile first: ONBUILD triggers of in-repo base images run against the
  // child's context, so a child needs its bases' analyses.
  const analyses = new Map<NodeId, ReturnType<typeof analyzeDockerfile>>();
  const onbuildOf = new Map<NodeId, { pattern: string; detail: string }[]>();
  const onbuildFromsOf = new Map<NodeId, (string | undefined)[]>();
  for (const [name, image] of Object.entries(config.images)) {
    const dockerfile = dockerfilePath(image);
    const text = discovered.dockerfiles.get(dockerfile);
    if (text === undefined) continue;
    const analysis =
      discovered.analyses?.get(name) ??
      analyzeDockerfile(text, {
        target: image.target,
        buildArgs: image.buildArgs,
        namedContexts: image.additionalContexts,
      });
    analyses.set(`image:${name}`, analysis);
    const { onbuild, onbuildFroms } = analysis;
    if (onbuildFroms.length > 0)
      onbuildFromsOf.set(
        `image:${name}`,
        onbuildFroms.map((f) => f.ref),
      );
    onbuildOf.set(
      `image:${name}`,
      onbuild.map((s) => ({
        pattern: s.pattern,
        detail: `${dockerfile}:${s.line} ${s.instruction} (in a base image)`,
      })),
    );
  }
  for (const [name, image] of Object.entries(config.images)) {
    if (image.target !== undefined && "target" in image.matrix) {
      // the matrix entry's target is the build stage: one of the two values would be lost
      problems.push(
        `${at(`images.${name}.matrix.target`)}: the matrix entry's target is images.${name}.target ("${image.target}"): remove one of them`,
      );
    }
    const dockerfile = dockerfilePath(image);
    const ignoreFile = dockerignoreCandidates(image).find((f) => discovered.dockerignores.has(f));
    const id: NodeId = `image:${name}`;
    const text = discovered.dockerfiles.get(dockerfile);
    let sources: { pattern: string; detail: string }[] | undefined;
    let why: string | undefined;
    let argNames: string[] = [];
    if (text === undefined) {
      warnings.push(
        `${at(`images.${name}.dockerfile`)}: ${dockerfile} is not a tracked file: the whole context counts`,
      );
      why = `${dockerfile} cannot be read: the whole context counts`;
    } else {
      let analysis = analyses.get(id)!;
      // its in-repo bases' ONBUILD triggers copy --from stages of this build (or images)
      // (a base through a variable without a value may be any in-repo image: each one's triggers)
      const triggerFroms = analysis.anyImage
        ? [...onbuildFromsOf].flatMap(([base, froms]) =>
            base === id ? [] : froms.map((from) => ({ base: "", ref: from })),
          )
        : analysis.images.flatMap(({ ref }) => {
            const base = imageRefs.get(imageKey(ref));
            return base === undefined || base === id
              ? []
              : (onbuildFromsOf.get(base) ?? []).map((from) => ({ base: ref, ref: from }));
          });
      if (triggerFroms.length > 0)
        analysis = analyzeDockerfile(text, {
          target: image.target,
          buildArgs: discovered.analysisArgs?.get(name) ?? image.buildArgs,
          namedContexts: image.additionalContexts,
          triggerFroms,
        });
      argNames = analysis.argNames;
      if (analysis.missingTarget) {
        const { target, stages } = analysis.missingTarget;
        problems.push(
          `${at(`images.${name}.target`)}: ${dockerfile} has no stage "${target}" (${stages.length > 0 ? `its named stages: ${stages.join(", ")}` : "it names no stage"}); \`docker build --target ${target}\` fails (fix the target or the stage name)`,
        );
      }
      for (const problem of analysis.problems) warnings.push(`${dockerfile}: ${problem}`);
      // a mirrored docker/dockerfile that this repository builds is a frontend of its own
      const frontend = analysis.mirroredFrontend;
      if (frontend && !analysis.wholeContext && imageRefs.has(imageKey(frontend.ref))) {
        analysis = {
          ...analysis,
          wholeContext: {
            line: frontend.line,
            reason: `the frontend ${frontend.ref} (# syntax) is built in this repository (${imageRefs.get(imageKey(frontend.ref))}), not docker/dockerfile: what it reads is not known here`,
          },
        };
      }
      if (analysis.wholeContext) {
        why = `${dockerfile}:${analysis.wholeContext.line} ${analysis.wholeContext.reason}: the whole context counts`;
        // (said where users look: every change in the context now rebuilds the image)
        const fix = analysis.wholeContext.reason.includes("cannot be resolved")
          ? ` (give the variable a value in ${at(`images.${name}.buildArgs`)})`
          : "";
        warnings.push(`${why} for image ${name}${fix}`);
      } else {
        sources = analysis.sources.flatMap((source) => {
          const own: { pattern: string; detail: string; excludes?: string[] } = {
            pattern: source.pattern,
            detail: `${dockerfile}:${source.line} ${source.instruction}`,
          };
          if (source.excludes) own.excludes = source.excludes;
          const links = followSymlinks(image.context, source.pattern, discovered.symlinks ?? new Map());
          return [
            own,
            ...links.map((link) => ({
              pattern: link.pattern,
              detail: `${own.detail} (through the symlink ${link.via})`,
            })),
          ];
        });
      }
      const bases = new Map<NodeId, { kind: EdgeKind; declaredIn: string }>();
      for (const { ref, line } of analysis.images) {
        const base = imageRefs.get(imageKey(ref));
        if (base && base !== id && !bases.has(base))
          bases.set(base, { kind: "depends", declaredIn: `${dockerfile}:${line}` });
      }
      if (analysis.anyImage) {
        // an image named through a variable without a value may be any in-repo image
        const { line, reason } = analysis.anyImage;
        for (const base of [...new Set(imageRefs.values())].sort(compareStrings)) {
          if (base !== id && !bases.has(base)) {
            bases.set(base, {
              kind: "may-base",
              declaredIn: `${dockerfile}:${line} (${reason}: it may be any in-repo image; give the variable a value in images.${name}.buildArgs)`,
            });
          }
        }
      }
      for (const [base, { kind, declaredIn }] of bases) {
        edges.push({ from: id, to: base, kind, declaredIn });
        sources?.push(...(onbuildOf.get(base) ?? []));
      }
    }
    add({
      id,
      kind: "image",
      name,
      declaredIn: { file: configFile, key: `images.${name}` },
      owns: {
        // (a named context that is an image, `docker-image://…`, is a base: see analyzeDockerfile)
        dirs: Object.values(image.additionalContexts).flatMap((value) => {
          const context = namedContextValue(value);
          return "dir" in context ? [context.dir] : [];
        }),
        // both possible .dockerignore files: adding or deleting one changes the build context; for
        // those that are links, the files they point to. While <Dockerfile>.dockerignore exists, it
        // replaces <context>/.dockerignore, which then reads nothing (were the first added in this
        // diff, it is a change of its own)
        files: [
          dockerfile,
          ...dockerignoreCandidates(image).filter(
            (file, i) => i === 0 || ignoreFile === undefined || ignoreFile === file,
          ),
        ]
          .flatMap((file) => [file, ...(discovered.linkedFiles?.get(file) ?? [])])
          .concat(contextLinks(image.context, discovered.symlinks)),
        globs: image.inputs,
        context: {
          // a context that is a symbolic link: its files are the target's
          dir: contextDir(image.context, discovered.symlinks),
          dockerignore: ignoreFile ? discovered.dockerignores.get(ignoreFile)! : [],
          ...(sources ? { sources } : {}),
          ...(why ? { why } : {}),
        },
      },
      image: {
        context: image.context === "" ? "." : image.context,
        dockerfile,
        level: 0,
        ...(image.target !== undefined ? { target: image.target } : {}),
        ...(Object.keys(image.buildArgs).length > 0 ? { buildArgs: image.buildArgs } : {}),
        ...(Object.keys(image.additionalContexts).length > 0
          ? { additionalContexts: image.additionalContexts }
          : {}),
        ...(ignoreFile ? { dockerignoreFile: ignoreFile } : {}),
        matrix: image.matrix,
        ...(image.buildArgsFrom.length > 0 ? { buildArgsFrom: image.buildArgsFrom, argNames } : {}),
      },
    });
    const contextPackage = packageDirs.get(image.context);
    if (contextPackage) {
      edges.push({ from: id, to: contextPackage, kind: "context", declaredIn: at(`images.${name}.context`) });
    }
    // a bake `target:x` / compose `service:x` context is the image built from x: this one's base
    for (const [context, value] of Object.entries(image.additionalContexts).sort(([a], [b]) =>
      compareStrings(a, b),
    )) {
      const built = /^(?:target|service):(.+)$/.exec(value)?.[1];
      if (built === undefined) continue;
      const key = `images.${name}.additionalContexts.${context}`;
      if (built !== name && config.images[built] !== undefined)
        edges.push({ from: id, to: `image:${built}`, kind: "depends", declaredIn: at(key) });
      else
        problems.push(
          `${at(key)}: "${value}" names no other image of this config: name the image that builds it "${built}", or give the context as docker-image://<its ref> and add dependsOn`,
        );
    }
  }

  for (const [name, target] of Object.entries(config.targets)) {
    add({
      id: `target:${name}`,
      kind: "target",
      name,
      declaredIn: { file: configFile, key: `targets.${name}` },
      owns: { dirs: [], files: [], globs: target.inputs },
    });
  }

  // Explicit dependsOn of every kind.
  type Declared = readonly [NodeKind, string, string, { dependsOn: string[] }];
  const declared: Declared[] = [
    ...Object.entries(config.generators).map(([n, v]): Declared => ["generator", n, "generators", v]),
    ...Object.entries(config.packages).map(([n, v]): Declared => ["package", n, "packages", v]),
    ...Object.entries(config.images).map(([n, v]): Declared => ["image", n, "images", v]),
    ...Object.entries(config.targets).map(([n, v]): Declared => ["target", n, "targets", v]),
  ];
  for (const [kind, name, section, entry] of declared) {
    const from: NodeId = `${kind}:${name}`;
    if (!nodes.has(from)) continue;
    entry.dependsOn.forEach((ref, index) => {
      const key = formatKeyPath([section, name, "dependsOn", index]);
      if (!nodes.has(ref as NodeId)) {
        const suggestion = closest(ref, [...nodes.keys()]);
        problems.push(
          `${at(key)}: "${ref}" is not a node${suggestion ? ` (did you mean "${suggestion}"?)` : " (run `shipgraph graph` to list the nodes)"}`,
        );
      } else if (ref === from) {
        problems.push(`${at(key)}: "${ref}" depends on itself (remove the entry)`);
      } else {
        edges.push({ from, to: ref as NodeId, kind: "depends", declaredIn: at(key) });
      }
    });
  }

  throwProblems("CONFIG_REFERENCE", problems, "invalid references", configFile, {
    hint: "fix or remove the reference; `shipgraph graph` lists every node id",
  });

  throwProblems("CONFIG_INVALID", otherTemplate, "invalid generators", configFile, {
    hint: "a generator's `template` must be the file its `run` makes buf read: buf reads --template, else the buf.gen.yaml of the directory it runs in",
  });

  if (inputProblems.length > 0) {
    throw new ShipgraphError("CONFIG_INVALID", inputProblems.join("\n"), {
      file: configFile,
      problems: inputProblems,
      hint: "make the generator's input the one you generate from; `buf generate --help` describes the input",
    });
  }

  const sortedIds = sortStrings([...nodes.keys()]);
  const sortedNodes = new Map(sortedIds.map((id) => [id, nodes.get(id)!] as const));
  const owners = createOwnerIndex([...sortedNodes.values()], config.global);

  // explicit outputs that take in a file the generator reads: drift would leave it out where the
  // generator runs, report it stale and --fix delete it
  for (const node of sortedNodes.values()) {
    if (!node.generator || config.generators[node.name]?.outputs === undefined) continue;
    const match = anyGlobMatcher(node.generator.outputs);
    const bases = node.generator.outputs.map(globBase);
    // (a literal base first: most files lie under none; then isInputOf, then the glob)
    const candidate = (file: string) =>
      bases.some((base) => isUnder(file, base)) && owners.isInputOf(node.id, file) && match(file);
    const taken = node.owns.files.find(candidate) ?? files.find(candidate);
    if (taken !== undefined) {
      const glob = node.generator.outputs.find((g) => globMatcher(g)(taken))!;
      invalid.push(
        `${at(`generators.${node.name}.outputs`)}: "${glob}" takes in ${taken}, which generator ${node.name} reads: an input is never an output (narrow the glob to the files it writes, e.g. "**/*_pb.ts")`,
      );
    }
  }
  throwProblems("CONFIG_INVALID", invalid, "invalid outputs", configFile, {
    hint: "set the generator's `outputs` to the files its plugins write, none of the files it reads",
  });

  // generates edges: whoever owns a generator's output files consumes that generator.
  for (const node of sortedNodes.values()) {
    if (!node.generator || !generatesEdges) continue;
    const consumers = new Set<NodeId>();
    const isOutput = owners.outputsOf(node.id);
    for (const glob of node.generator.outputs) {
      const match = globMatcher(glob);
      // (a file it reads is no output of it: see OwnerIndex.outputsOf)
      const base = joinRepoPath(globBase(glob), "\u0000probe");
      const probe = [
        ...(owners.isInputOf(node.id, base) ? [] : [base]),
        ...files.filter((f) => match(f) && isOutput(f)),
      ];
      for (const file of probe) for (const owner of owners.ownersOf(file)) consumers.add(owner);
    }
    consumers.delete(node.id);
    for (const consumer of [...consumers].sort(compareStrings)) {
      edges.push({
        from: consumer,
        to: node.id,
        kind: "generates",
        declaredIn: at(`generators.${node.name}.outputs`),
      });
    }
  }

  warnings.push(...unmatchedGlobWarnings(config, configFile, files));
  if (discovered.emptyPaths) warnings.push(...emptyPathWarnings(config, at, discovered.emptyPaths));

  const position = new Map<NodeId, number>();
  for (let i = 0; i < sortedIds.length; i++) position.set(sortedIds[i]!, i);
  const uniqueEdges = sortedUniqueEdges(edges, position);
  const order = buildOrder(sortedIds, position, uniqueEdges);
  if (hasCycle(order)) assertAcyclic(uniqueEdges);
  assignImageLevels(sortedNodes, order);

  return {
    nodes: sortedNodes,
    edges: uniqueEdges,
    configFile,
    files,
    configFiles: [configFile, ...configImports],
    workspaceFile: discovered.workspace.workspaceFile,
    ...(discovered.workspace.installFiles ? { installFiles: discovered.workspace.installFiles } : {}),
    ...(discovered.workspace.rootLocal ? { rootLocal: discovered.workspace.rootLocal } : {}),
    global: config.global,
    unowned: config.unowned,
    owners,
    warnings: [...new Set(warnings)].sort(compareStrings),
    ...(discovered.protoLinks ? { protoLinks: discovered.protoLinks } : {}),
    ...(outputsFromTemplate.length > 0
      ? { outputsFromTemplate: outputsFromTemplate.sort(compareStrings) }
      : {}),
  };
}

/**
 * Where what a generator reads lies: with `protoNames` (it compiles protos, and buf may import any
 * module), every protos entry's module and own directories, buf config files and `inputs` globs'
 * bases; and `own` (its template, files and glob bases). A plugin `out` holding one of them writes
 * among the generator's inputs. Pure.
 */
function inputAreas(
  config: Config,
  discovered: Discovered,
  protoNames: readonly string[],
  own: readonly string[],
): string[] {
  const areas = [...own];
  if (protoNames.length > 0) {
    for (const [name, proto] of Object.entries(config.protos)) {
      const resolved = discovered.protoModules.get(name);
      areas.push(proto.path, ...proto.inputs.map(globBase));
      if (resolved)
        areas.push(...resolved.ownDirs, ...resolved.modules.map((m) => m.dir), ...resolved.configFiles);
    }
  }
  return sortStrings([...new Set(areas)]);
}

/** A plugin entry as a message names it: its command, remote or builtin. */
function describePlugin(plugin: TemplatePlugin): string {
  if (plugin.remote !== undefined) return `remote ${plugin.remote}`;
  if (plugin.protocBuiltin !== undefined) return `protoc_builtin ${plugin.protocBuiltin}`;
  return `local ${(plugin.local ?? []).join(" ")}`;
}

/** The graph with more edges, sorted in with the others (buildGraph's order). Pure. */
export function withEdges(graph: ShipGraph, extra: readonly GraphEdge[]): ShipGraph {
  if (extra.length === 0) return graph;
  const position = new Map<NodeId, number>();
  let i = 0;
  for (const id of graph.nodes.keys()) position.set(id, i++);
  return { ...graph, edges: sortedUniqueEdges([...graph.edges, ...extra], position) };
}

/**
 * The error for a node id the graph does not have (`subject`: how the user gave it, e.g.
 * "--focus image:nope"), with what they may have meant: the nodes named so when the kind was left
 * off (`api` → image:api), else the closest id. Pure.
 */
export function unknownNodeError(graph: ShipGraph, id: string, subject: string): ShipgraphError {
  const ids = [...graph.nodes.keys()];
  const named = ids.filter((n) => graph.nodes.get(n)!.name === id);
  const guess = named.length > 0 ? named : [closest(id, ids)].filter((n) => n !== undefined);
  return new ShipgraphError("UNKNOWN_NODE", `${subject}: no such node`, {
    hint:
      guess.length > 0
        ? `did you mean ${guess.join(" or ")}? (node ids are <kind>:<name>; \`shipgraph graph --format json\` lists them)`
        : "node ids are <kind>:<name>, e.g. image:api; `shipgraph graph --format json` lists them",
  });
}

/** Successor lists over the edges of the given kinds. Pure. */
export function successors(edges: readonly GraphEdge[], kinds: ReadonlySet<EdgeKind>): Map<NodeId, NodeId[]> {
  const next = new Map<NodeId, NodeId[]>();
  for (const edge of edges) {
    if (!kinds.has(edge.kind)) continue;
    const list = next.get(edge.from);
    if (list) list.push(edge.to);
    else next.set(edge.from, [edge.to]);
  }
  return next;
}

/**
 * The symbolic links a build context is reached through (`services/api` → `../real/api`, or a
 * link in a directory above it): retargeting one changes every file of the context, though the
 * diff lists only the link, outside the directory the context resolves to. Pure.
 */
function contextLinks(context: string, symlinks: ReadonlyMap<string, string> | undefined): string[] {
  if (context === "" || !symlinks || symlinks.size === 0) return [];
  // (a directory's name as a pattern: its `[`, `*`… escaped)
  const pattern = escapePattern(context);
  const hops = [pattern, ...followSymlinks("", pattern, symlinks).map((link) => link.pattern)];
  return [...new Set(hops.flatMap((hop) => symlinkCandidates("", hop).filter((path) => symlinks.has(path))))];
}

/** The directory a build context really is, following links (the repository root is ""). */
function contextDir(context: string, symlinks: ReadonlyMap<string, string> | undefined): string {
  if (context === "" || !symlinks || symlinks.size === 0) return context;
  const resolved = followSymlinks("", escapePattern(context), symlinks).at(-1)?.pattern;
  return resolved === undefined ? context : resolved === "." ? "" : unescapePattern(resolved);
}

/**
 * The edges that order builds (every kind but `generates`) as adjacency lists over node
 * positions: node i's successors are to[start[i]] .. to[start[i + 1] - 1]. Positions follow the
 * sorted node map; an edge's end that is not a node (buildGraph makes none) gets a position after
 * them, as a node without edges of its own would. Typed arrays, so the walks below allocate
 * nothing per node or edge.
 */
interface BuildOrder {
  ids: NodeId[];
  image: Uint8Array;
  start: Int32Array;
  to: Int32Array;
}

function buildOrder(
  sortedIds: readonly NodeId[],
  position: ReadonlyMap<NodeId, number>,
  edges: readonly GraphEdge[],
): BuildOrder {
  const ids = [...sortedIds];
  const extra = new Map<NodeId, number>();
  const at = (id: NodeId): number => {
    let p = position.get(id) ?? extra.get(id);
    if (p === undefined) {
      p = ids.length;
      ids.push(id);
      extra.set(id, p);
    }
    return p;
  };
  const from = new Int32Array(edges.length);
  const to = new Int32Array(edges.length);
  let count = 0;
  for (let e = 0; e < edges.length; e++) {
    const edge = edges[e]!;
    if (!BUILD_ORDER_KINDS.has(edge.kind)) continue;
    from[count] = at(edge.from);
    to[count] = at(edge.to);
    count++;
  }
  const n = ids.length;
  // counting sort by `from`, keeping the edges' order within each node
  const start = new Int32Array(n + 1);
  for (let e = 0; e < count; e++) start[from[e]! + 1]!++;
  for (let i = 0; i < n; i++) start[i + 1]! += start[i]!;
  const fill = start.slice(0, n);
  const sorted = new Int32Array(count);
  for (let e = 0; e < count; e++) sorted[fill[from[e]!]!++] = to[e]!;
  const image = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (ids[i]!.startsWith("image:")) image[i] = 1;
  return { ids, image, start, to: sorted };
}

/**
 * Level 0 for an image that depends on no in-repo image, else 1 + the highest level among the
 * images it depends on (through any chain of depends/context edges that passes no other image),
 * so CI can build bases first. The graph is acyclic here.
 *
 * value(n) = the highest (level + 1) among the images reachable from n through non-image nodes
 * (0 if none) = max over n's successors s of value(s) + (1 if s is an image): for an image that
 * is its level. One iterative post-order walk, O(nodes + edges).
 */
function assignImageLevels(nodes: Map<NodeId, GraphNode>, order: BuildOrder): void {
  const { ids, image, start, to } = order;
  const n = ids.length;
  const value = new Int32Array(n).fill(-1); // -1: not computed yet
  // a node pushes its uncomputed successors once (they are done when it is on top again), so at
  // most one entry per edge, plus the root
  const stack = new Int32Array(to.length + 1);
  for (let root = 0; root < n; root++) {
    if (image[root] === 0 || value[root]! >= 0) continue;
    let top = 0;
    stack[0] = root;
    while (top >= 0) {
      const v = stack[top]!;
      if (value[v]! >= 0) {
        top--;
        continue;
      }
      let best = 0;
      let pending = false;
      for (let e = start[v]!; e < start[v + 1]!; e++) {
        const s = to[e]!;
        const known = value[s]!;
        if (known < 0) {
          stack[++top] = s;
          pending = true;
        } else if (known + image[s]! > best) best = known + image[s]!;
      }
      if (pending) continue;
      value[v] = best;
      top--;
    }
  }
  for (let i = 0; i < n; i++) {
    const node = image[i] === 1 ? nodes.get(ids[i]!) : undefined;
    if (node?.image) node.image.level = value[i]!;
  }
}

/** Edges that order builds: every kind but `generates` and `may-base`. */
const BUILD_ORDER_KINDS: ReadonlySet<EdgeKind> = new Set(["depends", "compiles", "context"]);

/**
 * One edge per (from, to) pair, the one that propagates most (lowest EDGE_RANK), sorted by
 * (from, to). Sorts by the nodes' positions in the sorted node map (numbers, not strings).
 */
function sortedUniqueEdges(edges: readonly GraphEdge[], position: ReadonlyMap<NodeId, number>): GraphEdge[] {
  const size = position.size + 1;
  const keys = new Float64Array(edges.length);
  let dangling = false;
  for (let e = 0; e < edges.length; e++) {
    const from = position.get(edges[e]!.from);
    const to = position.get(edges[e]!.to);
    if (from === undefined || to === undefined) dangling = true;
    keys[e] = (from ?? 0) * size + (to ?? 0);
  }
  // edge indices in (from, to) order; equal pairs keep their order (a stable sort)
  const order = Array.from({ length: edges.length }, (_, e) => e);
  if (dangling) {
    // an edge to a node that does not exist (never built by buildGraph): compare the ids themselves
    order.sort(
      (a, b) =>
        compareStrings(edges[a]!.from, edges[b]!.from) || compareStrings(edges[a]!.to, edges[b]!.to) || a - b,
    );
  } else order.sort((a, b) => keys[a]! - keys[b]! || a - b);
  const out: GraphEdge[] = [];
  for (let i = 0; i < order.length; i++) {
    const edge = edges[order[i]!]!;
    const previous = out[out.length - 1];
    if (previous && previous.from === edge.from && previous.to === edge.to) {
      if (EDGE_RANK[edge.kind] < EDGE_RANK[previous.kind]) out[out.length - 1] = edge;
      continue;
    }
    out.push(edge);
  }
  return out;
}

/**
 * Globs for the repository files local plugins run: for each argument of a plugin's argv that is a
 * tracked file or a directory holding some (relative, inside the repository), the nearest
 * directory at or above it that has a package.json (the plugin's package: what the entry point
 * imports lies there), else its own directory — as `shipgraph init` writes them into `inputs`.
 * Only the path itself when that directory holds a plugin's `out` (or lies in one). None for a
 * path the generator's `inputs` already match, or one in a workspace or declared package (that
 * package is a dependency: see the plugin edges). Relative paths are relative to `cwd`, where buf
 * runs the plugins ("" = the root). `files` is sorted. Pure.
 */
export function pluginSourceGlobs(
  plugins: readonly TemplatePlugin[],
  files: readonly string[],
  inputs: readonly string[],
  packageDirs: readonly string[],
  cwd = "",
): string[] {
  const declared = anyGlobMatcher(inputs);
  const globs = new Set<string>();
  for (const plugin of plugins) {
    for (const path of localArgPaths(plugin.local ?? [], cwd)) {
      const isFile = files[lowerBound(files, path)] === path;
      if (!isFile && !holdsAny(files, path)) continue;
      // a directory (`go run ./cmd/x`): declared when `inputs` match a file in it
      const under = isFile
        ? [path]
        : files.slice(lowerBound(files, `${path}/`)).filter((f) => isUnder(f, path));
      if (under.some(declared)) continue;
      if (packageDirs.some((dir) => dir !== "" && isUnder(path, dir))) continue;
      const dir = isFile ? parentDir(path) : path;
      let root = dir;
      for (let at = dir; at !== ""; at = parentDir(at)) {
        if (files[lowerBound(files, `${at}/package.json`)] === `${at}/package.json`) {
          root = at;
          break;
        }
      }
      // the directory, unless it holds where the plugins write (or lies there): outputs are never
      // inputs, so the outputs would go unchecked; then the path alone
      const writesThere = plugins.some((p) => isUnder(p.out, root) || isUnder(root, p.out));
      globs.add(root === "" || writesThere ? (isFile ? path : `${path}/**`) : `${root}/**`);
    }
  }
  return [...globs].sort(compareStrings);
}

/** Commands that run a script named by a later argument: never a plugin package's bin. */
const INTERPRETERS = new Set([
  "node",
  "npx",
  "pnpm",
  "yarn",
  "bun",
  "deno",
  "tsx",
  "ts-node",
  "go",
  "python",
  "python3",
  "sh",
  "bash",
]);

const EDGE_RANK: Record<GraphEdge["kind"], number> = {
  depends: 0,
  compiles: 1,
  context: 2,
  "may-base": 3,
  generates: 4,
  reads: 5,
};

/** True when the edges that order builds form a cycle: iterative three-colour DFS, O(nodes + edges). */
/**
 * Throws the config's problems of one kind, if any, as one error: a single problem as it is, more
 * under `heading`, one per line; each is also in the error's `problems`.
 */
function throwProblems(
  code: "CONFIG_REFERENCE" | "CONFIG_INVALID",
  problems: readonly string[],
  heading: string,
  configFile: string,
  { hint }: { hint: string },
): void {
  if (problems.length === 0) return;
  throw new ShipgraphError(
    code,
    problems.length === 1 ? problems[0]! : `${heading}:\n  ${problems.join("\n  ")}`,
    { file: configFile, problems: [...problems], hint },
  );
}

function hasCycle({ ids, start, to }: BuildOrder): boolean {
  const n = ids.length;
  const state = new Uint8Array(n); // 0 = unseen, 1 = on the stack, 2 = done
  const stack = new Int32Array(n);
  const cursor = new Int32Array(n); // the next edge to follow, per node on the stack
  for (let root = 0; root < n; root++) {
    if (state[root] !== 0) continue;
    let top = 0;
    stack[0] = root;
    cursor[root] = start[root]!;
    state[root] = 1;
    while (top >= 0) {
      const v = stack[top]!;
      if (cursor[v]! < start[v + 1]!) {
        const s = to[cursor[v]!++]!;
        if (state[s] === 1) return true;
        if (state[s] === 0) {
          state[s] = 1;
          cursor[s] = start[s]!;
          stack[++top] = s;
        }
      } else {
        state[v] = 2;
        top--;
      }
    }
  }
  return false;
}

/**
 * Dependency cycles (over `depends` edges) are errors naming the cycle and where each edge comes
 * from. Called when the fast check (hasCycle) found one: graphlib names them.
 */
function assertAcyclic(edges: GraphEdge[]): void {
  const depends = new Graph<object, object, GraphEdge>({ directed: true });
  for (const edge of edges) if (BUILD_ORDER_KINDS.has(edge.kind)) depends.setEdge(edge.from, edge.to, edge);
  const cycles = alg.findCycles(depends);
  // (hasCycle found one: graphlib must too; the levels below would never finish on a cycle)
  if (cycles.length === 0) throw new Error("internal error: a dependency cycle graphlib cannot name");
  const described = cycles
    .map((component) => {
      const members = new Set(component);
      const start = [...component].sort(compareStrings)[0]!;
      const path = [start];
      const visited = new Set([start]);
      let current = start;
      for (;;) {
        const next = (depends.successors(current) ?? [])
          .filter((n) => members.has(n))
          .sort(compareStrings)
          .find((n) => n === start || !visited.has(n));
        if (next === undefined || next === start) break;
        path.push(next);
        visited.add(next);
        current = next;
      }
      path.push(start);
      const where = path
        .slice(0, -1)
        .map((from, i) => depends.edge(from, path[i + 1]!)?.declaredIn)
        .filter((w): w is string => w !== undefined);
      return `${path.join(" → ")} (declared in ${[...new Set(where)].join("; ")})`;
    })
    .sort(compareStrings);
  throw new ShipgraphError(
    "GRAPH_CYCLE",
    described.length === 1
      ? `dependency cycle: ${described[0]}`
      : `dependency cycles:\n  ${described.join("\n  ")}`,
    {
      problems: described,
      hint: "remove one of the edges in the cycle (a dependsOn entry or a workspace dependency)",
    },
  );
}

function unmatchedGlobWarnings(config: Config, configFile: string, files: readonly string[]): string[] {
  const warnings: string[] = [];
  const check = (globs: string[], key: string) =>
    globs.forEach((glob, index) => {
      if (!files.some(globMatcher(glob))) {
        warnings.push(`${configFile} ${key}[${index}]: "${glob}" matches no tracked file`);
      }
    });
  check(config.global, "global");
  for (const [n, v] of Object.entries(config.protos)) check(v.inputs, `protos.${n}.inputs`);
  for (const [n, v] of Object.entries(config.generators)) {
    check(v.inputs, `generators.${n}.inputs`);
    if (v.outputs) check(v.outputs, `generators.${n}.outputs`);
  }
  for (const [n, v] of Object.entries(config.packages)) check(v.inputs, `packages.${n}.inputs`);
  for (const [n, v] of Object.entries(config.images)) check(v.inputs, `images.${n}.inputs`);
  for (const [n, v] of Object.entries(config.targets)) check(v.inputs, `targets.${n}.inputs`);
  return warnings;
}

/**
 * A warning for each path the config names that holds nothing: a misspelt context, module or
 * file owns no file, so the changes it was meant to catch affect nothing.
 */
function emptyPathWarnings(
  config: Config,
  at: (key: string) => string,
  empty: ReadonlySet<string>,
): string[] {
  return configPaths(config)
    .filter(({ path }) => empty.has(path))
    .map(
      ({ path, key, what }) =>
        `${at(key)}: "${path}" ${what === "file" ? "is not a tracked file (nor in the working tree)" : "holds no tracked file"}: ${key.endsWith(".cwd") ? "the generator's command cannot run there" : "no change there can affect anything"}`,
    );
}
