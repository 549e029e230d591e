import { z } from "zod/v3";

// zod's v3 API (shipped in the zod 4 package): it loads in ~25 ms against ~110 ms for the v4
// API, and the CLI validates the config on every push.

/**
 * The shipgraph.yaml contract. Keys are added, never renamed: users' configs and the
 * JSON Schema their editors load depend on these names. Every object is strict, so a
 * misspelt key is an error, not a silently ignored setting.
 */

const NODE_KINDS = ["proto", "generator", "package", "image", "target"] as const;

/** A short name for a proto module, generator, image or target: it becomes part of a node id. */
const Name = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    "must start with a letter or digit and use only letters, digits, '.', '_' or '-'",
  );

// (patterns, not refinements: the JSON Schema carries them, so editors reject what the CLI does)
const RepoPath = z
  .string()
  .min(1)
  .regex(/^(?![\\/])(?![A-Za-z]:[\\/])/, "must be relative to the repository root")
  .regex(/^(?!(?:.*[\\/])?\.\.(?:[\\/]|$))/, "must stay inside the repository (no '..')");

const Globs = z.array(RepoPath).default([]);

/** A node id as written in `dependsOn`: "image:base", "package:@acme/auth"… */
export type NodeRef = `${(typeof NODE_KINDS)[number]}:${string}`;

const NodeRef = z
  .string()
  .regex(
    new RegExp(`^(${NODE_KINDS.join("|")}):.+$`),
    `must be a node id "<kind>:<name>" with kind one of ${NODE_KINDS.join(", ")}`,
  )
  .describe(
    'A node id: "proto:<name>", "generator:<name>", "package:<name>", "image:<name>" or "target:<name>".',
  ) as unknown as z.ZodType<NodeRef, z.ZodStringDef, NodeRef>; // (typed: defineConfig catches "images:x")

const DependsOn = z
  .array(NodeRef)
  .default([])
  .describe("Node ids this node depends on: when one of them is affected, so is this node.");

export const ProtoSchema = z
  .strictObject({
    path: RepoPath.describe(
      "Directory of the buf module (or of the buf workspace). The node owns every file under it, and the buf.yaml, buf.lock and buf.work.yaml in it or in any parent directory.",
    ),
    inputs: Globs.describe(
      "Extra globs whose files are inputs of this module (e.g. vendored protos elsewhere).",
    ),
  })
  .describe("A buf module: its .proto files plus its buf configuration.");

export const GeneratorSchema = z
  .strictObject({
    template: RepoPath.optional().describe(
      "buf generation template (buf.gen.*.yaml), relative to the repository root. Optional: a generator need not be buf.",
    ),
    cwd: RepoPath.optional().describe(
      "The directory `run` runs in, relative to the repository root, as in `cd proto && buf generate` (Nx run-commands calls it `cwd` too). buf resolves the template's `out`, `inputs` and local plugin paths, and `run`'s input, --template, -o and --path, against it, and looks for buf.yaml / buf.work.yaml from there. The default is the repository root.",
    ),
    protos: z.array(Name).default([]).describe("Names of the `protos` entries this generator reads."),
    inputs: Globs.describe("Extra inputs: local plugin sources, tool version files."),
    outputs: z
      .array(RepoPath)
      .optional()
      .describe(
        "Globs of the files this generator writes; never a file it reads (a config error). The default is every file under the template's `out` directories, or, where an `out` holds what the generator reads (code next to the .proto files), the files a known plugin writes there.",
      ),
    protoOutputs: z
      .array(
        z.strictObject({
          pattern: z
            .string()
            .min(1)
            .describe(
              'The file written per .proto, e.g. "{out}/{path}_routes.ts". Placeholders: {out} (the plugin\'s out dir), {path} (import path without .proto), {dir}, {name} (file stem), {package} (proto package, dots as "/").',
            ),
          onlyWithServices: z
            .boolean()
            .default(false)
            .describe("Written only for .proto files that declare a service."),
        }),
      )
      .optional()
      .describe(
        "For plugins shipgraph does not know (it knows protoc-gen-es, connect-es, go, connect-go, go-grpc, python, pyi, grpc-python): which files they write per .proto, so `affected` can list the generated files a proto change rewrites, and `drift` can tell generated code of a deleted .proto (stale: `--fix` deletes a file only by the very name a pattern gives for a .proto file the generator compiles that the working tree, the index, HEAD or the merge base has) from code of your own in the out dir (a file only shaped as the names, such as index.ts for {out}/{path}.ts, is never deleted). Without it, every file under such a plugin's out dir is listed, and one the run does not write there is undecided drift.",
      ),
    run: z
      // an argv list: its first word, the program, is not empty
      .union([z.string().min(1), z.tuple([z.string().min(1)]).rest(z.string())], {
        errorMap: () => ({
          message: 'expected a command line ("buf generate --template x.yaml") or a list of words',
        }),
      })
      .optional()
      .describe(
        'The command that regenerates the outputs, run from the repository root (or `cwd`) without a shell: a string split into words (quotes allowed; no pipes, redirections or variables), or an argv list. The default with a template is "buf generate --template <template>" (the template\'s path relative to `cwd`, in single quotes when it holds a space or another character a shell reads). With a template, a `buf generate` run must make buf read it (without --template, buf reads the buf.gen.yaml of the directory it runs in): another file is a config error.',
      ),
    dependsOn: DependsOn,
  })
  .describe("A code generator whose outputs are checked in.");

export const PackageSchema = z
  .strictObject({
    path: RepoPath.optional().describe(
      "Directory of the package. Needed only for a package that workspace discovery does not find.",
    ),
    inputs: Globs.describe("Extra globs whose files are inputs of this package."),
    dependsOn: DependsOn,
  })
  .describe(
    "Overrides for a workspace package discovered from pnpm-workspace.yaml or package.json workspaces.",
  );

const MatrixValue = z.union([z.string(), z.number(), z.boolean()]);
/** The matrix entry fields shipgraph sets (some only when configured): a matrix value for one would be lost. */
const RESERVED_MATRIX_KEYS = ["image", "context", "dockerfile", "level", "build_args", "build_contexts"];

/** A matrix field name: a plain identifier, not one shipgraph sets (as patterns: see RepoPath). */
const MatrixKey = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, "must be a plain identifier (letters, digits, '_', '-')")
  .regex(
    new RegExp(`^(?!(?:${RESERVED_MATRIX_KEYS.join("|")})$)`),
    `is reserved: ${RESERVED_MATRIX_KEYS.map((k) => `"${k}"`).join(", ")} are set by shipgraph`,
  );

export const ImageSchema = z
  .strictObject({
    context: RepoPath.describe(
      'Build context directory. If it is a workspace package\'s directory, the image depends on that package. Use "." for the repository root.',
    ),
    dockerfile: RepoPath.optional().describe(
      "Dockerfile path relative to the repository root. The default is <context>/Dockerfile.",
    ),
    target: z
      .string()
      .min(1)
      .optional()
      .describe("The stage to build (docker build --target). The default is the last stage."),
    ref: z
      .string()
      .min(1)
      .optional()
      .describe(
        'The image reference this image is pushed as, without tag (e.g. "ghcr.io/acme/base"): another image whose Dockerfile builds FROM it depends on this one.',
      ),
    buildArgs: z
      .record(z.string(), z.string())
      .default({})
      .describe("Build args passed to the build (docker build --build-arg); they override ARG defaults."),
    buildArgsFrom: z
      .array(RepoPath)
      .default([])
      .describe(
        "dotenv files the build args come from: a change affects this image only when a variable its Dockerfile declares as ARG changed.",
      ),
    additionalContexts: z
      .record(z.string(), RepoPath)
      .default({})
      .describe(
        "Named extra build contexts (docker build --build-context name=value): a path's files are inputs; a docker-image://<ref> value is an image (a base when an image here has that ref).",
      ),
    dependsOn: DependsOn,
    inputs: Globs.describe("Extra globs whose files are inputs of this image."),
    matrix: z
      .record(MatrixKey, MatrixValue)
      .default({})
      .describe("Fields copied into this image's CI matrix entry (e.g. platform, registry)."),
  })
  .describe("A container image built by CD.");

export const TargetSchema = z
  .strictObject({
    inputs: Globs.describe("Globs whose files are inputs of this target."),
    dependsOn: DependsOn,
  })
  .describe("Any other deployable or buildable thing (a docs site, a Helm chart...).");

export const ConfigSchema = z
  .strictObject({
    $schema: z.string().optional().describe("JSON Schema reference for editors; ignored by shipgraph."),
    unowned: z
      .enum(["ignore", "all", "error"])
      .default("ignore")
      .describe(
        'What a changed file that no node owns means: "ignore" (listed in unownedFiles only), "all" (everything is affected) or "error" (exit 2).',
      ),
    global: Globs.describe("Globs of files whose change affects everything (CI scripts, toolchain pins)."),
    protos: z.record(Name, ProtoSchema).default({}).describe("buf modules, by name."),
    generators: z.record(Name, GeneratorSchema).default({}).describe("Code generators, by name."),
    packages: z
      .record(z.string().min(1), PackageSchema)
      .default({})
      .describe(
        "Workspace packages are discovered; entries here, keyed by package name, add to or override them.",
      ),
    images: z.record(Name, ImageSchema).default({}).describe("Container images, by name: the CI matrix."),
    targets: z.record(Name, TargetSchema).default({}).describe("Any other nodes, by name."),
  })
  .describe("shipgraph configuration: what ships from this repository and what it is built from.");

/** The config as written by the user (optional keys may be absent). */
export type WrittenConfig = z.input<typeof ConfigSchema>;
/** The config after validation, with every default filled in. */
export type Config = z.output<typeof ConfigSchema>;
export type ProtoConfig = z.output<typeof ProtoSchema>;
export type GeneratorConfig = z.output<typeof GeneratorSchema>;
export type PackageConfig = z.output<typeof PackageSchema>;
export type ImageConfig = z.output<typeof ImageSchema>;
export type TargetConfig = z.output<typeof TargetSchema>;
export type NodeKind = (typeof NODE_KINDS)[number];
export const nodeKinds: readonly NodeKind[] = NODE_KINDS;
