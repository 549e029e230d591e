import { parseBufWorkYaml, parseBufYaml } from "../buf/config.js";
import { type BufTemplate, localArgPaths, parseBufTemplate } from "../buf/template.js";
import { parseYamlText } from "../config/parse.js";
import { hasWildcard, unescapePattern } from "../discover/dockerignore.js";
import { discoverImages, type ImageCandidate, imageSourceFiles } from "../discover/images.js";
import { analyzeDockerfile } from "../docker/analyze.js";
import { imageKey, stripTag } from "../docker/image-ref.js";
import { shellWord } from "../drift/argv.js";
import { isShipgraphError } from "../errors.js";
import { compileSource, globBase } from "../graph/owners.js";
import { identifyPlugin, pluginOutputGlobs } from "../proto/outputs.js";
import type { RepoSnapshot } from "../repo/snapshot.js";
import { holdsAny, isUnder, joinRepoPath, lowerBound, parentDir } from "../util/paths.js";
import { compareStrings } from "../util/sort.js";

/**
 * `shipgraph init`: what the repository's own files already say — buf modules and templates,
 * Dockerfiles, compose / bake files and workflow build steps — as a starter config. Workspace
 * packages need no entry: they are discovered on every run.
 */

export interface InferredGenerator {
  name: string;
  template: string;
  outs: string[];
  /** One line per plugin: what it is and where it comes from. */
  plugins: string[];
  inputs: string[];
  /**
   * The command, when the default one would not generate as the repository does: the template's
   * default input (the repository root, where no buf config is) would not build the buf module the
   * repository has (`buf generate <its dir> --template …`).
   */
  run?: string;
  /** Why `run` is set (a comment above it in the config). */
  runWhy?: string;
  /** The directory buf runs in, when the template is made to run in its own directory (`cd <dir> && buf generate`). */
  cwd?: string;
  /** Why `cwd` is set (a comment above it in the config). */
  cwdWhy?: string;
}

export interface InferredImage {
  name: string;
  context: string;
  dockerfile: string;
  target?: string;
  ref?: string;
  additionalContexts: Record<string, string>;
  /** Build args the compose / bake / workflow build gives (their ARGs resolve COPY sources). */
  buildArgs?: Record<string, string>;
  /** Images it is built from (a compose `service:` / bake `target:` named context). */
  dependsOn?: string[];
  /** The directories of named contexts only some of its builds give (see ImageCandidate.contextInputs). */
  inputs?: string[];
  /** The images of named contexts only some of its builds give: those built here become dependsOn. */
  contextImages?: string[];
  /** The refs its builds tag it with (compose `image:`, bake `tags`, workflow tags). */
  tags?: string[];
  foundIn: string[];
}

export interface InferredConfig {
  protos: { name: string; path: string; from: string }[];
  generators: InferredGenerator[];
  images: InferredImage[];
  /** What could not be inferred, each naming the file and why. */
  problems: string[];
  /**
   * The problems that leave something of the repository out of the inferred graph (a module, a
   * template, an image, or an image's real context): without a config, running on it could miss
   * an artifact.
   */
  incomplete: string[];
  /** The config as plain data (what the YAML says). */
  config: Record<string, unknown>;
  /** The commented shipgraph.yaml. */
  yaml: string;
}

const TEMPLATE = /(^|\/)buf\.gen(\.[^/]+)?\.ya?ml$/;
/** Dockerfile, Containerfile, Dockerfile.prod, Dockerfile-dev, dockerfile, api.Dockerfile, x.dockerfile… */
const DOCKERFILE =
  /(^|\/)((Dockerfile|Containerfile)([.-][\w-]+)*|dockerfile|[^/]+\.([Dd]ockerfile|[Cc]ontainerfile))$/;
/** …but not their docs, ignore files or editor leftovers (Dockerfile.go is a Go service's Dockerfile). */
const NOT_DOCKERFILE = /\.(dockerignore|md|txt|bak|orig|swp|rej|patch)$/;
/**
 * Dockerfiles that are not a deployable image of this repository: templates rendered into one
 * (Dockerfile.tmpl, .j2…), and those of vendored code (vendor/ and third_party/ at the root), Go's
 * testdata/, test fixtures (test/fixtures/, __fixtures__/), dev containers and GitHub container
 * actions (.github/). The scan skips them and says so (one that does ship is declared by hand).
 */
const NOT_AN_IMAGE =
  /\.(template|tmpl|tpl|j2|jinja2?|in|example|sample)$|(^|\/)(testdata|__fixtures__|\.devcontainer|tests?\/fixtures)\/|^(vendor|third_party|\.github)\//;

/** Infers a starter config from a snapshot of the repository. (I/O via snapshot) */
export async function inferConfig(snapshot: RepoSnapshot): Promise<InferredConfig> {
  const files = snapshot.files.filter((f) => !f.includes("node_modules/"));
  // every package.json: where npm-installed plugins are declared
  const manifests = files.filter((f) => f === "package.json" || f.endsWith("/package.json"));
  const problems: string[] = [];
  // what the repository has and the inferred graph leaves out or cannot place (a subset of problems)
  const incomplete: string[] = [];
  const gap = (problem: string) => {
    problems.push(problem);
    incomplete.push(problem);
  };
  const bufFiles = files.filter((f) => /(^|\/)buf(\.work)?\.yaml$/.test(f));
  const templateFiles = files.filter((f) => TEMPLATE.test(f));
  const dockerfiles = files.filter((f) => DOCKERFILE.test(f) && !NOT_DOCKERFILE.test(f));
  const sources = imageSourceFiles(files);
  const texts = await snapshot.read([
    ...bufFiles,
    ...templateFiles,
    ...dockerfiles,
    ...sources,
    ...manifests,
  ]);

  // --- protos: one entry per buf module ---
  const modules: { dir: string; name?: string; from: string }[] = [];
  const workDirs = new Set<string>();
  for (const file of bufFiles.filter((f) => f.endsWith("buf.work.yaml"))) {
    try {
      for (const dir of parseBufWorkYaml(texts.get(file)!, file).directories) {
        workDirs.add(dir);
        const yaml = dir === "" ? "buf.yaml" : `${dir}/buf.yaml`;
        const text = texts.get(yaml);
        const name =
          text === undefined ? undefined : tryParse(() => parseBufYaml(text, yaml).modules[0]?.name);
        modules.push({ dir, ...(name ? { name } : {}), from: file });
      }
    } catch (error) {
      gap(`${describe(error, file)} (its modules are left out)`);
    }
  }
  for (const file of bufFiles.filter((f) => f.endsWith("buf.yaml"))) {
    try {
      const parsed = parseBufYaml(texts.get(file)!, file);
      for (const module of parsed.modules) {
        if (parsed.version === "v1" && workDirs.has(module.dir)) continue;
        modules.push({ dir: module.dir, ...(module.name ? { name: module.name } : {}), from: file });
      }
    } catch (error) {
      gap(`${describe(error, file)} (its modules are left out)`);
    }
  }
  // No buf configuration at all: buf compiles the directories the templates name (or, without
  // inputs, the repository root as one module).
  if (modules.length === 0 && bufFiles.length === 0 && files.some((f) => f.endsWith(".proto"))) {
    for (const template of templateFiles) {
      const parsed = tryParse(() => parseBufTemplate(texts.get(template)!, template));
      const dirs = parsed?.inputs.filter((i) => i.kind === "directory").map((i) => i.value) ?? [];
      for (const dir of parsed && parsed.inputs.length === 0 ? [""] : dirs) {
        if (!modules.some((m) => m.dir === dir)) modules.push({ dir, from: template });
      }
    }
  }
  const protoNames = new Names();
  const protos = modules
    .sort((a, b) => compareStrings(a.dir, b.dir))
    .map((m) => ({
      name: protoNames.take(
        m.name?.split("/").at(-1) ?? (m.dir === "" ? "protos" : m.dir.split("/").at(-1)!),
      ),
      path: m.dir === "" ? "." : m.dir,
      from: m.from,
    }));
  if (protos.length === 0 && templateFiles.length > 0 && files.some((f) => f.endsWith(".proto"))) {
    gap("found .proto files but no buf.yaml or buf.work.yaml: add a buf module, or declare `protos` by hand");
  }

  // --- generators: one per buf template ---
  const dependencies = npmDependencies(manifests.map((m) => texts.get(m)));
  // Without a buf.yaml or buf.work.yaml at the root, `buf generate` without an input builds the
  // root as one module and ignores nested buf files: a template without inputs is run on the
  // outermost buf configuration's directory (when there is one), as it must be generated.
  const rootConfig = bufFiles.includes("buf.yaml") || bufFiles.includes("buf.work.yaml");
  const outermost = [...new Set(bufFiles.map((f) => (f.includes("/") ? f.slice(0, f.lastIndexOf("/")) : "")))]
    .filter((dir, _, all) => !all.some((other) => other !== dir && isUnder(dir, other)))
    .sort(compareStrings);
  const generatorNames = new Names();
  const generators: InferredGenerator[] = [];
  for (const template of templateFiles.sort(compareStrings)) {
    let parsed: BufTemplate;
    let run: string | undefined;
    const runWhy = "no buf.yaml at the root: without an input, buf generate would build the root itself";
    let cwd: string | undefined;
    try {
      parsed = parseBufTemplate(texts.get(template)!, template);
    } catch (error) {
      const there = generatedInItsDirectory(template, texts.get(template)!, files, bufFiles);
      if (there === undefined) {
        gap(`${describe(error, template)} (template skipped)`);
        continue;
      }
      parsed = there;
      cwd = parentDir(template);
    }
    const stem = template
      .split("/")
      .at(-1)!
      .replace(/\.ya?ml$/, "")
      .replace(/^buf\.gen\.?/, "");
    const dir = template.includes("/") ? template.slice(0, template.lastIndexOf("/")).split("/").at(-1)! : "";
    const inputs = new Set<string>();
    const plugins = parsed.plugins.map((plugin) => {
      if (plugin.remote) return `remote ${plugin.remote} (runs on the BSR: drift needs the network)`;
      if (plugin.protocBuiltin) return `protoc builtin ${plugin.protocBuiltin} (needs protoc on PATH)`;
      const argv = plugin.local ?? [];
      // files and directories of this repository the plugin runs (`./bin/x`, `go run ./cmd/x`):
      // everything of the plugin's own package counts, not only the entry point
      const repoFiles: string[] = [];
      // (as buf runs the plugin: from the directory it runs in)
      for (const path of localArgPaths(argv, cwd)) {
        const isFile = files.includes(path);
        if (!isFile && !holdsAny(files, path)) continue;
        repoFiles.push(path);
        const root = pluginRoot(files, isFile ? parentDir(path) : path);
        inputs.add(root === "" ? path : `${root}/**`);
      }
      const known = identifyPlugin(plugin);
      const command = argv.join(" ");
      if (repoFiles.length > 0) {
        problems.push(
          `${template}: plugins[${plugin.index}] (${command}) is a plugin of this repository: shipgraph does not know the files it writes per .proto; add \`protoOutputs\` to list them precisely`,
        );
        return `local ${command} (in this repository: ${repoFiles.join(", ")})`;
      }
      const bin = argv[0]!.split("/").at(-1)!;
      const pkg = dependencies.find((d) => d === bin || d.endsWith(`/${bin}`));
      if (pkg) return `local ${command} (npm package ${pkg}${known ? `, ${known}` : ""})`;
      problems.push(
        `${template}: plugins[${plugin.index}]: cannot locate ${bin} (no package.json depends on it and it is no file of the repository): it must be on PATH where drift runs`,
      );
      return `local ${command} (not located: expected on PATH)`;
    });
    // an `out` that holds what the generator reads (code next to the .proto files, `out: .`): its
    // outputs are the files the plugin writes there, which shipgraph must know (see buildGraph)
    const read = [template, ...bufFiles, ...protos.map((p) => (p.path === "." ? "" : p.path))];
    for (const plugin of parsed.plugins) {
      const held = read.find((path) => isUnder(path, plugin.out));
      if (held === undefined || pluginOutputGlobs(plugin) !== undefined) continue;
      gap(
        `${template}: plugins[${plugin.index}] writes to ${plugin.out === "" ? "`out: .`, the repository root" : `\`out: ${plugin.out}\``}, which holds what the generator reads (${held === "" ? "the repository root" : held}), and shipgraph does not know the files this plugin writes: declare the generator's \`outputs\` (the files its plugins write, e.g. "${plugin.out === "" ? "" : `${plugin.out}/`}**/*_x.ts")`,
      );
    }
    if (cwd === undefined && !rootConfig && parsed.inputs.length === 0 && outermost.length > 0) {
      // outputs committed under <out>/<module dir>/: the repository generates at the root
      const atRoot = parsed.plugins.find((p) =>
        outermost.some((d) => holdsAny(files, joinRepoPath(p.out === "." ? "" : p.out, d))),
      );
      if (atRoot !== undefined)
        gap(
          `${template} has no inputs, and the repository root no buf.yaml: its committed outputs under ${joinRepoPath(atRoot.out, outermost[0]!)}/ show it is generated at the root, where buf builds the root as one module and ignores ${outermost.map((d) => `${d}/buf.yaml`).join(", ")}: declare a \`protos\` entry with \`path: .\` for it, or generate with \`buf generate <dir> --template ${shellWord(template)}\` and set that as its \`run\``,
        );
      else if (outermost.length === 1)
        run = `buf generate ${shellWord(outermost[0]!)} --template ${shellWord(template)}`;
      else
        gap(
          `${template} has no inputs, and the repository root no buf.yaml: buf generate would build the root as one module, ignoring ${outermost.map((d) => `${d}/`).join(", ")}; set the generator's \`run\` to the command you generate with (\`buf generate <dir> --template ${shellWord(template)}\`)`,
        );
    }
    generators.push({
      ...(run ? { run, runWhy } : {}),
      ...(cwd !== undefined
        ? {
            cwd,
            cwdWhy: `made to run in ${cwd} (an out leaves the repository from the root): buf runs there, as \`cd ${cwd} && buf generate\``,
          }
        : {}),
      name: generatorNames.take(stem !== "" ? stem : dir !== "" ? dir : "buf"),
      template,
      outs: [...new Set(parsed.plugins.map((p) => (p.out === "" ? "." : p.out)))],
      plugins,
      inputs: [...inputs].sort(compareStrings),
    });
  }

  // --- images: every Dockerfile, with what compose / bake / workflows say about it ---
  const discovered = discoverImages(
    new Map(sources.flatMap((f) => (texts.has(f) ? [[f, texts.get(f)!] as const] : []))),
  );
  // A build step whose context and Dockerfile come from shipgraph's own matrix builds the images
  // found here; any other unresolved build step may build an image with another context.
  for (const problem of discovered.problems) {
    const workflow = problem.slice(0, problem.indexOf(":"));
    const fromPlan = /fromJSON\(\s*needs\.[\w-]+\.outputs\./.test(texts.get(workflow) ?? "");
    if (fromPlan && /\$\{\{ matrix\.(context|dockerfile) \}\}/.test(problem)) problems.push(problem);
    else gap(problem);
  }
  const byDockerfile = new Map<string, ImageCandidate[]>();
  for (const candidate of discovered.images) {
    byDockerfile.set(candidate.dockerfile, [...(byDockerfile.get(candidate.dockerfile) ?? []), candidate]);
  }
  const imageNames = new Names();
  const takenNames = new Map<string, string>();
  const images: InferredImage[] = [];
  const unnamed = dockerfiles.filter((d) => !byDockerfile.has(d)).sort(compareStrings);
  const fromScan = unnamed.filter((d) => !NOT_AN_IMAGE.test(d));
  const skipped = unnamed.filter((d) => NOT_AN_IMAGE.test(d));
  if (skipped.length > 0) {
    problems.push(
      `not taken as images (templates, vendored code, test data, dev containers, container actions): ${skipped.join(", ")} (declare any that ships under \`images\`)`,
    );
  }
  for (const candidate of [...discovered.images].sort((a, b) => compareStrings(a.name, b.name))) {
    if (!texts.has(candidate.dockerfile)) {
      gap(
        `${candidate.foundIn[0]}: ${candidate.dockerfile} is not a tracked file (image ${candidate.name} skipped)`,
      );
      continue;
    }
    // a build arg given different values in different places: neither value is the image's
    for (const arg of candidate.conflictingArgs ?? []) {
      gap(
        `${candidate.foundIn.join(", ")}: build arg ${arg} of image ${candidate.name} has different values: declare one image per build, with its buildArgs`,
      );
    }
    // a build arg set at run time that a COPY/ADD source reads: which files it copies is unknown
    const dockerfileText = texts.get(candidate.dockerfile) ?? "";
    for (const arg of candidate.unknownArgs ?? []) {
      const read = new RegExp(`^\\s*(COPY|ADD)\\b.*\\$\\{?${arg.replace(/[^\w]/g, "")}\\b`, "im");
      if (read.test(dockerfileText)) {
        gap(
          `${candidate.foundIn.join(", ")}: build arg ${arg} of image ${candidate.name} gets its value when the build runs, and ${candidate.dockerfile} copies a path made from it: declare the image with its buildArgs`,
        );
      }
    }
    const buildArgs = Object.fromEntries(
      Object.entries(candidate.buildArgs ?? {}).filter(([arg]) => !candidate.conflictingArgs?.includes(arg)),
    );
    const name = imageNames.take(candidate.name);
    takenNames.set(candidate.name, name);
    images.push({
      name,
      context: candidate.context === "" ? "." : candidate.context,
      dockerfile: candidate.dockerfile,
      ...(candidate.target !== undefined ? { target: candidate.target } : {}),
      additionalContexts: candidate.additionalContexts,
      ...(Object.keys(buildArgs).length > 0 ? { buildArgs } : {}),
      ...(candidate.dependsOn ? { dependsOn: candidate.dependsOn } : {}),
      ...(candidate.contextInputs ? { inputs: candidate.contextInputs } : {}),
      ...(candidate.contextImages ? { contextImages: candidate.contextImages } : {}),
      ...(candidate.tags ? { tags: candidate.tags } : {}),
      foundIn: candidate.foundIn,
    });
  }
  // dependencies by compose service / bake target name → the names the images were given
  for (const image of images) {
    if (!image.dependsOn) continue;
    const resolved = image.dependsOn.map((dependency) => takenNames.get(dependency));
    image.dependsOn.forEach((dependency, i) => {
      if (resolved[i] === undefined) {
        gap(
          `${image.foundIn[0]}: image ${image.name} is built from "${dependency}", which is no image found here`,
        );
      }
    });
    image.dependsOn = resolved.filter((name): name is string => name !== undefined);
    if (image.dependsOn.length === 0) delete image.dependsOn;
  }
  for (const dockerfile of fromScan) {
    const dir = dockerfile.includes("/") ? dockerfile.slice(0, dockerfile.lastIndexOf("/")) : "";
    const base = dockerfile.split("/").at(-1)!;
    const named = /^([Dd]ockerfile|Containerfile)$/.test(base)
      ? (dir.split("/").at(-1) ?? "")
      : `${dir.split("/").at(-1) ?? ""}-${base.replace(/\.?(Dockerfile|Containerfile)[.-]?/i, "")}`.replace(
          /^-|-$/g,
          "",
        );
    const context = scannedContext(dockerfile, dir, texts.get(dockerfile), files);
    if ("unknown" in context) {
      gap(context.unknown);
      continue;
    }
    if (context.note !== undefined) problems.push(context.note);
    images.push({
      name: imageNames.take(sanitize(named) || "app"),
      context: context.dir === "" ? "." : context.dir,
      dockerfile,
      additionalContexts: {},
      foundIn: [dockerfile],
    });
  }
  // The ref an image is pushed as: what its builds tag it with (the one other Dockerfiles build
  // FROM, if any); else, for an image other Dockerfiles build FROM as <registry>/<…>/<its name>,
  // that ref.
  const fromRefs = new Set<string>();
  const fromKeys = new Set<string>();
  for (const image of images) {
    const text = texts.get(image.dockerfile);
    if (text === undefined) continue;
    const options = { target: image.target, namedContexts: image.additionalContexts };
    const refs = [
      ...analyzeDockerfile(text, options).images.map((i) => i.ref),
      ...(image.contextImages ?? []),
    ];
    for (const ref of refs) {
      fromKeys.add(imageKey(ref));
      // (an official Docker Hub image, docker.io/library/node, is nobody's to push)
      if (ref.includes("/") && !/^(docker\.io\/|index\.docker\.io\/)?library\//.test(ref))
        fromRefs.add(stripTag(ref));
    }
  }
  for (const image of images) {
    const tagged = image.tags?.find((tag) => fromKeys.has(imageKey(tag))) ?? image.tags?.[0];
    const ref =
      tagged ??
      [...fromRefs].sort(compareStrings).find((r) => r.split("/").at(-1) === image.name.toLowerCase());
    if (ref) image.ref = ref;
  }
  // the image of a named context only some builds give is no context of this image's, but one
  // built here is still a base of those builds: a dependency
  const byRef = new Map(images.flatMap((image) => (image.ref ? [[imageKey(image.ref), image.name]] : [])));
  for (const image of images) {
    const bases = (image.contextImages ?? []).flatMap((ref) => byRef.get(imageKey(ref)) ?? []);
    const dependsOn = [...new Set([...(image.dependsOn ?? []), ...bases])].filter((n) => n !== image.name);
    if (dependsOn.length > 0) image.dependsOn = dependsOn.sort(compareStrings);
  }
  images.sort((a, b) => compareStrings(a.name, b.name));

  // Scripts the workflows run (tools/ci/deploy.sh …) decide how everything is built and shipped.
  const global = workflowScripts(files, texts);

  const config: Record<string, unknown> = {
    global: global.map((g) => g.glob),
    unowned: "ignore",
    protos: Object.fromEntries(protos.map((p) => [p.name, { path: p.path }])),
    generators: Object.fromEntries(
      generators.map((g) => [
        g.name,
        {
          template: g.template,
          ...(g.cwd ? { cwd: g.cwd } : {}),
          ...(g.run ? { run: g.run } : {}),
          ...(g.inputs.length > 0 ? { inputs: g.inputs } : {}),
        },
      ]),
    ),
    images: Object.fromEntries(images.map((i) => [i.name, imageEntry(i)])),
  };
  return {
    protos,
    generators,
    images,
    problems: [...new Set(problems)].sort(compareStrings),
    incomplete: [...new Set(incomplete)].sort(compareStrings),
    config,
    yaml: renderYaml(global, protos, generators, images),
  };
}

function imageEntry(image: InferredImage): Record<string, unknown> {
  const defaultDockerfile = image.context === "." ? "Dockerfile" : `${image.context}/Dockerfile`;
  return {
    context: image.context,
    ...(image.dockerfile !== defaultDockerfile ? { dockerfile: image.dockerfile } : {}),
    ...(image.target !== undefined ? { target: image.target } : {}),
    ...(image.ref !== undefined ? { ref: image.ref } : {}),
    ...(Object.keys(image.additionalContexts).length > 0
      ? { additionalContexts: image.additionalContexts }
      : {}),
    ...(image.buildArgs !== undefined ? { buildArgs: image.buildArgs } : {}),
    ...(image.inputs !== undefined ? { inputs: image.inputs } : {}),
    ...(image.dependsOn !== undefined ? { dependsOn: image.dependsOn.map((name) => `image:${name}`) } : {}),
  };
}

/** YAML scalars: JSON strings are valid YAML, so quoting is always safe. */
const q = (value: string) =>
  /^[A-Za-z0-9._/@-]+$/.test(value) &&
  // a plain scalar cannot start with an indicator ("@acme", "-", "-x")
  !/^[-@]/.test(value) &&
  !/^(true|false|null|yes|no|on|off|~)$/i.test(value) &&
  // what YAML reads as a number (20, 1.5, .5, 0x1F, 1e3) stays a string
  !/^[-+]?(\d|\.\d|\.inf$|\.nan$)/i.test(value)
    ? value
    : JSON.stringify(value);

function renderYaml(
  global: { glob: string; from: string }[],
  protos: InferredConfig["protos"],
  generators: InferredGenerator[],
  images: InferredImage[],
): string {
  const lines = [
    "# Written by `shipgraph init` from this repository's buf files, buf templates, Dockerfiles,",
    "# compose / bake files and workflows. Review it: `shipgraph graph` shows the resulting graph.",
    "",
    "# Files whose change affects everything: the scripts your workflows run, toolchain pins.",
    ...(global.length === 0
      ? ["global: []"]
      : ["global:", ...global.map((g) => `  - ${q(g.glob)} # run by ${g.from}`)]),
    "",
    "# What a changed file that no node owns means: ignore (listed only), all, or error.",
    "unowned: ignore",
    "",
  ];
  lines.push(protos.length > 0 ? "protos:" : "protos: {}");
  for (const p of protos) lines.push(`  # from ${p.from}`, `  ${q(p.name)}: { path: ${q(p.path)} }`);
  lines.push("");
  lines.push(generators.length > 0 ? "generators:" : "generators: {}");
  for (const g of generators) {
    lines.push(`  # ${g.template}: out ${g.outs.join(", ")}`);
    for (const plugin of g.plugins) lines.push(`  #   ${plugin}`);
    lines.push(`  ${q(g.name)}:`, `    template: ${q(g.template)}`);
    if (g.cwd) lines.push(`    # ${g.cwdWhy}`, `    cwd: ${q(g.cwd)}`);
    if (g.run) lines.push(`    # ${g.runWhy}`, `    run: ${q(g.run)}`);
    if (g.inputs.length > 0) lines.push(`    inputs: [${g.inputs.map(q).join(", ")}]`);
  }
  lines.push(
    "",
    "# Workspace packages are discovered from pnpm-workspace.yaml / package.json workspaces.",
    "packages: {}",
    "",
  );
  lines.push(images.length > 0 ? "images:" : "images: {}");
  for (const i of images) {
    lines.push(`  # found in ${i.foundIn.join(", ")}`, `  ${q(i.name)}:`);
    for (const [key, value] of Object.entries(imageEntry(i))) {
      if (typeof value === "string") lines.push(`    ${key}: ${q(value)}`);
      else if (Array.isArray(value)) lines.push(`    ${key}: [${(value as string[]).map(q).join(", ")}]`);
      else {
        lines.push(`    ${key}:`);
        for (const [k, v] of Object.entries(value as Record<string, string>))
          lines.push(`      ${q(k)}: ${q(v)}`);
      }
    }
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Repository files that workflow `run:` steps execute, as globs of their directories ("tools/ci/**"),
 * each with the workflow that runs it first. Pure over the texts already read.
 */
function workflowScripts(
  files: readonly string[],
  texts: ReadonlyMap<string, string>,
): { glob: string; from: string }[] {
  const tracked = new Set(files);
  const found = new Map<string, string>();
  for (const file of files
    .filter((f) => /^\.github\/workflows\/[^/]+\.ya?ml$/.test(f))
    .sort(compareStrings)) {
    const text = texts.get(file);
    if (text === undefined) continue;
    const data = tryParse(() => parseYamlText(text, file).data) as
      | { jobs?: Record<string, { steps?: unknown[] }> }
      | undefined;
    for (const job of Object.values(data?.jobs ?? {})) {
      for (const step of job?.steps ?? []) {
        const run = (step as { run?: unknown } | null)?.run;
        if (typeof run !== "string") continue;
        for (const word of run.split(/[\s;&|()<>"'`=]+/)) {
          const path = word.replace(/^\.\//, "");
          if (path === "" || !tracked.has(path)) continue;
          const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
          const glob = dir === "" ? path : `${dir}/**`;
          if (!found.has(glob)) found.set(glob, file);
        }
      }
    }
  }
  return [...found].map(([glob, from]) => ({ glob, from })).sort((a, b) => compareStrings(a.glob, b.glob));
}

/** Unique, schema-valid names: "api", "api-2", … */
class Names {
  private readonly used = new Set<string>();
  take(wanted: string): string {
    const base = sanitize(wanted) || "node";
    let name = base;
    for (let n = 2; this.used.has(name); n++) name = `${base}-${n}`;
    this.used.add(name);
    return name;
  }
}

/**
 * The build context of a Dockerfile only the scan found (no compose, bake or workflow file names
 * one): its own directory, unless its COPY/ADD sources are paths from the repository root instead
 * (\`docker build -f services/x/Dockerfile .\`, the usual Go or Rust monorepo layout), which the
 * tracked files tell. A source found under neither is build output, and says nothing. Sources
 * found only under the directory and others only from the root: nobody can tell (a gap).
 */
function scannedContext(
  dockerfile: string,
  dir: string,
  text: string | undefined,
  files: readonly string[],
): { dir: string; note?: string } | { unknown: string } {
  if (dir === "" || text === undefined) return { dir };
  const analysis = analyzeDockerfile(text, {});
  if (analysis.wholeContext) return { dir };
  const fromDir: string[] = [];
  const fromRoot: string[] = [];
  for (const { pattern, line, instruction } of analysis.sources) {
    if (pattern === ".") continue;
    const where = `${dockerfile}:${line} ${instruction}`;
    const inDir = selectsAny(files, dir, pattern);
    const inRoot = selectsAny(files, "", pattern);
    if (inDir && !inRoot) fromDir.push(where);
    else if (inRoot && !inDir) fromRoot.push(where);
  }
  if (fromRoot.length === 0) return { dir };
  if (fromDir.length > 0) {
    return {
      unknown: `${dockerfile}: cannot tell its build context: ${fromDir[0]} copies a path of ${dir}, ${fromRoot[0]} one from the repository root (declare the image with its context)`,
    };
  }
  return {
    dir: "",
    note: `${dockerfile}: built from the repository root (${fromRoot[0]} copies a path from there, not from ${dir}): check the context`,
  };
}

/** Whether a COPY source, relative to the context `dir`, selects any of the sorted files. */
function selectsAny(files: readonly string[], dir: string, pattern: string): boolean {
  if (!hasWildcard(pattern)) return holdsAny(files, joinRepoPath(dir, unescapePattern(pattern)));
  const full = joinRepoPath(dir, pattern);
  const base = globBase(full).replace(/\/+$/, "");
  const matches = compileSource(dir === "" ? pattern : full);
  for (let i = lowerBound(files, base); i < files.length && files[i]!.startsWith(base); i++) {
    if (matches(files[i]!)) return true;
  }
  return false;
}

/** The files that mark a plugin's own package (its sources beside its entry point are inputs). */
const PACKAGE_MARKERS = ["package.json", "go.mod", "Cargo.toml", "pyproject.toml", "setup.py"];

/**
 * The directory of a repository plugin's own package: the nearest of `dir` and its parents (below
 * the repository root) that holds a package manifest, else `dir` itself.
 */
function pluginRoot(files: readonly string[], dir: string): string {
  for (let at = dir; at !== ""; at = parentDir(at)) {
    if (PACKAGE_MARKERS.some((marker) => holdsAny(files, `${at}/${marker}`))) return at;
  }
  return dir;
}

function sanitize(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "");
}

function npmDependencies(texts: readonly (string | undefined)[]): string[] {
  const names = new Set<string>();
  for (const text of texts) {
    if (text === undefined) continue;
    const data = tryParse(() => JSON.parse(text) as Record<string, unknown>);
    for (const field of ["dependencies", "devDependencies", "optionalDependencies"]) {
      const deps = data?.[field];
      if (deps && typeof deps === "object") for (const name of Object.keys(deps)) names.add(name);
    }
  }
  return [...names].sort(compareStrings);
}

/**
 * A template made for `cd <its dir> && buf generate` (an `out` like "../gen" leaves the repository
 * from the root), parsed as buf runs it from there (the generator's `cwd`: outs, inputs and local
 * plugin paths relative to it), when that makes sense: every path stays in the repository, and the
 * directory holds a buf configuration or .proto files, or the template names its inputs.
 * Undefined otherwise.
 */
function generatedInItsDirectory(
  template: string,
  text: string,
  files: readonly string[],
  bufFiles: readonly string[],
): BufTemplate | undefined {
  const dir = parentDir(template);
  if (dir === "") return undefined;
  const parsed = tryParse(() => parseBufTemplate(text, template, dir, { cwd: dir }));
  if (parsed === undefined) return undefined;
  const holdsProtos =
    bufFiles.some((f) => parentDir(f) === dir) || files.some((f) => f.endsWith(".proto") && isUnder(f, dir));
  return holdsProtos || parsed.inputs.length > 0 ? parsed : undefined;
}

function tryParse<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

function describe(error: unknown, file: string): string {
  if (isShipgraphError(error)) return error.message.split("\n")[0]!;
  return `${file}: ${(error as Error).message}`;
}
