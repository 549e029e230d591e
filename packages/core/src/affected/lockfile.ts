import { bufGenerateArgs } from "../buf/command.js";
import { localArgPaths } from "../buf/template.js";
import { binNames } from "../discover/workspaces.js";
import type { ShipGraph } from "../graph/build.js";
import { goPluginPin, parseGoMod, toolsGoImports } from "../lockfile/gomod.js";
import { changedImporters, LOCKFILE_NAMES, type Lockfile, parseLockfile } from "../lockfile/index.js";
import { identifyPlugin } from "../proto/outputs.js";
import type { GraphNode, NodeId } from "../types.js";
import { nearestDir } from "../util/paths.js";
import { compareStrings, stableStringify } from "../util/sort.js";

/**
 * What a root lockfile change affects, compared importer by importer between base and head:
 * a package whose resolved external dependencies (direct or transitive) changed, and a generator
 * whose npm-installed tools (buf, its plugins, an in-repo plugin's package) resolve differently.
 * Without this, a lockfile change touches every package and generator (Renovate bumps rebuilt
 * everything: vercel/turborepo#2862, #6030; moonrepo/moon#1872).
 */
export interface LockfileImpact {
  file: string;
  /** Node id → what changed for it. Undefined: the lockfile could not be compared (`reason`), so everything counts. */
  touched: Map<NodeId, string> | undefined;
  reason?: string;
  /**
   * False for a file that is an input only for some of its content (go.mod: its plugin pins):
   * it touches what changed but does not make the file "owned" when nothing did.
   */
  claims?: boolean;
  /** What the comparison could not count, for the report's notes. */
  notes?: string[];
  /** pnpm-lock.yaml at head: its `catalogs` (catalog name → dependency → specifier), if any. */
  catalogs?: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

/** One side of a go.mod comparison: the go.mod text and the tools.go beside it, if any. */
export interface GoModSide {
  gomod: string | undefined;
  toolsGo: string | undefined;
}

/**
 * What a go.mod change affects: the generators whose Go protoc plugins (protoc-gen-go, go-grpc,
 * connect-go…) it pins at another version or replacement. Pure.
 */
export function goModImpact(
  graph: ShipGraph,
  file: string,
  base: GoModSide,
  head: GoModSide,
): LockfileImpact {
  const parse = (side: GoModSide) => {
    if (side.gomod === undefined) return undefined;
    const mod = parseGoMod(side.gomod);
    const tools = side.toolsGo === undefined ? [] : toolsGoImports(side.toolsGo);
    return { mod, pin: (command: string) => goPluginPin(mod, command, tools) };
  };
  const before = parse(base);
  const after = parse(head);
  const shape = (side: ReturnType<typeof parse>) =>
    side === undefined ? "" : stableStringify([[...side.mod.require], [...side.mod.replace], side.mod.tools]);
  const modChanged = shape(before) !== shape(after);
  const touched = new Map<NodeId, string>();
  for (const node of graph.nodes.values()) {
    const generator = node.generator;
    if (!generator) continue;
    const detail = goDetail(generator, before?.pin, after?.pin, modChanged);
    if (detail !== undefined) touched.set(node.id, detail);
  }
  return { file, touched, claims: false };
}

/** Why a go.mod change affects this generator, or undefined. */
function goDetail(
  generator: NonNullable<GraphNode["generator"]>,
  before: ((command: string) => string | undefined) | undefined,
  after: ((command: string) => string | undefined) | undefined,
  modChanged: boolean,
): string | undefined {
  if (!generator.buf) {
    // any other command that runs go (go generate, go run …) builds with every go.mod requirement
    return modChanged && commandIsGo(generator)
      ? "its command runs go: any go.mod requirement counts"
      : undefined;
  }
  for (const plugin of generator.buf.plugins) {
    const argv = plugin.local;
    if (!argv) continue;
    const command = goCommand(argv);
    if (command === undefined || command.includes("@")) continue; // pkg@version pins itself
    if (command.startsWith(".")) {
      if (modChanged) return `${command} is built from this module: any go.mod requirement counts`;
      continue;
    }
    const a = before?.(command);
    const b = after?.(command);
    if (a !== b)
      return `${command.split("/").at(-1)} is pinned differently: ${a ?? "not pinned"} → ${b ?? "not pinned"}`;
    const goPlugin =
      argv[0] === "go" || ["go", "go-grpc", "connect-go"].includes(identifyPlugin(plugin) ?? "");
    if (a === undefined && goPlugin && modChanged) {
      return `${command.split("/").at(-1)} is a Go plugin this go.mod does not pin: any go.mod requirement counts`;
    }
  }
  return undefined;
}

/** The plugin a local argv runs: `go tool X`, `go run [flags] X`, or the command itself. */
function goCommand(argv: readonly string[]): string | undefined {
  if (argv[0] !== "go") return argv[0];
  if (argv[1] === "tool") return argv[2];
  if (argv[1] === "run") return argv.slice(2).find((arg) => !arg.startsWith("-"));
  return undefined;
}

/** True when the generator's command starts with `go` (go generate, go run …). */
function commandIsGo(generator: NonNullable<GraphNode["generator"]>): boolean {
  const run = generator.run;
  return (typeof run === "string" ? run.split(/\s+/)[0] : run?.[0]) === "go";
}

/** True when a generator's plugins or command are Go programs whose versions a go.mod can pin. */
export function usesGo(generator: NonNullable<GraphNode["generator"]>): boolean {
  if (commandIsGo(generator)) return true;
  return (generator.buf?.plugins ?? []).some(
    (plugin) =>
      plugin.local?.[0] === "go" || ["go", "go-grpc", "connect-go"].includes(identifyPlugin(plugin) ?? ""),
  );
}

const LOCKFILES = new Set(LOCKFILE_NAMES);

/** True for the root lockfiles this module compares. */
export function isRootLockfile(path: string): boolean {
  return LOCKFILES.has(path);
}

/** The texts a comparison needs, for one commit. */
export interface LockfileSide {
  text: string | undefined;
  /** package dir ("" = root) → parsed package.json, for yarn classic and for finding who declares a tool. */
  manifests: ReadonlyMap<string, Record<string, unknown>>;
}

/** Compares one root lockfile between base and head. Pure. */
export function lockfileImpact(
  graph: ShipGraph,
  file: string,
  base: LockfileSide,
  head: LockfileSide,
): LockfileImpact {
  let before: Lockfile | undefined;
  let after: Lockfile;
  try {
    if (head.text === undefined) return { file, touched: undefined, reason: `${file} was deleted` };
    after = parseLockfile(file, head.text, head.manifests);
    before = base.text === undefined ? undefined : parseLockfile(file, base.text, base.manifests);
  } catch (error) {
    return {
      file,
      touched: undefined,
      reason: `${(error as Error).message.split("\n")[0]}: every package counts`,
    };
  }
  if (!before) return { file, touched: undefined, reason: `${file} is new: every package counts` };
  // pnpm 11+'s env document: config dependencies (their pnpmfiles' hooks and settings reach every
  // install, unrecorded when they change settings) and pnpm itself
  if (before.env !== after.env)
    return {
      file,
      touched: undefined,
      reason:
        "its env document changed: config dependencies, whose hooks and settings reach every install, or pnpm itself",
    };
  const touched = new Map<NodeId, string>();
  const packages = [...graph.nodes.values()].filter((n) => n.package);
  // The root's own dependencies (tooling: linters, buf, plugins) reach a package only when it
  // declares them; a phantom use of a hoisted root dependency is outside the model (put the
  // lockfile under `global` to rebuild everything on any change). When they changed, a note
  // says so, so that the narrowing is never silent about what it leaves out.
  const notes: string[] = [];
  if (!packages.some((p) => p.package!.dir === "") && changedImporters(before, after, [""]).length > 0) {
    notes.push(
      `${file}: the root's own dependencies resolve differently${diffSummary(before, after, "")}; a package using them without declaring them is not counted (put ${file} under \`global\` to count every package on any change)`,
    );
  }
  const changed = new Set(
    changedImporters(
      before,
      after,
      packages.map((p) => p.package!.dir),
    ),
  );
  for (const node of packages) {
    const dir = node.package!.dir;
    if (changed.has(dir))
      touched.set(node.id, `its resolved dependencies changed${diffSummary(before, after, dir)}`);
  }
  const packageDirs = new Map(packages.map((p) => [p.package!.dir, p.id] as const));
  for (const node of graph.nodes.values()) {
    const generator = node.generator;
    if (!generator) continue;
    const tools = generatorTools(graph, node.id, head.manifests, packageDirs);
    if (tools === undefined) {
      touched.set(
        node.id,
        "its command is not a buf template with located plugins: any lockfile change counts",
      );
      continue;
    }
    for (const tool of tools) {
      const a =
        tool.name === undefined
          ? before.externalClosure(tool.dir)
          : before.dependencyClosure(tool.dir, tool.name);
      const b =
        tool.name === undefined
          ? after.externalClosure(tool.dir)
          : after.dependencyClosure(tool.dir, tool.name);
      if (a === undefined || b === undefined || a.join("\n") !== b.join("\n")) {
        touched.set(
          node.id,
          tool.name === undefined
            ? `the dependencies of its in-repo plugin (${tool.dir || "root"}) changed`
            : `${tool.name} resolves differently${changedVersions(a, b, tool.name)}`,
        );
        break;
      }
    }
  }
  return {
    file,
    touched,
    ...(notes.length > 0 ? { notes } : {}),
    ...(after.catalogs ? { catalogs: after.catalogs } : {}),
  };
}

/**
 * The npm installs a generator runs: @bufbuild/buf (or whatever provides `buf`) and each local
 * plugin, as the package that declares it resolves it; an in-repo plugin script by the external
 * dependencies of the package it lives in. Undefined when a tool cannot be located.
 */
function generatorTools(
  graph: ShipGraph,
  id: NodeId,
  manifests: ReadonlyMap<string, Record<string, unknown>>,
  packageDirs: ReadonlyMap<string, NodeId>,
): { dir: string; name?: string }[] | undefined {
  const generator = graph.nodes.get(id)!.generator!;
  // only `buf generate` with known plugins: any other command may run any installed tool
  if (!generator.buf || generator.run === undefined || !bufGenerateArgs(generator.run, "run"))
    return undefined;
  const packagesByName = new Map(
    [...graph.nodes.values()].flatMap((n) => (n.package ? [[n.name, n.package.dir] as const] : [])),
  );
  const tools: { dir: string; name?: string }[] = [];
  // The copy that runs is the root's (node_modules/.bin at the root, where buf runs); a package
  // only workspace packages declare is the fallback.
  const declaring = (bin: string) => {
    const found: { dir: string; name: string }[] = [];
    const byDir = [...manifests].sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : compareStrings(a, b)));
    for (const [dir, manifest] of byDir) {
      for (const field of ["dependencies", "devDependencies", "optionalDependencies"]) {
        const deps = manifest[field];
        if (!deps || typeof deps !== "object") continue;
        for (const name of Object.keys(deps)) {
          if (name === bin || name.endsWith(`/${bin}`)) found.push({ dir, name });
        }
      }
      if (dir === "" && found.length > 0) break;
    }
    return found;
  };
  // a workspace package: what counts is what it resolves itself
  const toolOf = (found: { dir: string; name: string }) => {
    const own = packagesByName.get(found.name);
    return own !== undefined ? { dir: own } : found;
  };
  tools.push(...declaring("buf").map(toolOf));
  for (const plugin of generator.buf.plugins) {
    const argv = plugin.local;
    if (!argv) continue; // remote and protoc builtins install nothing from npm
    // (paths as buf runs the plugin: from the template's cwd)
    const scripts = localArgPaths(argv, generator.buf.cwd).filter(
      (arg) => graph.files.includes(arg) || /\.(m?[jt]s|cjs)$/.test(arg),
    );
    if (scripts.length > 0) {
      for (const script of scripts) tools.push({ dir: nearestDir(script, packageDirs)?.[0] ?? "" });
      continue;
    }
    const bin = argv[0]!.split("/").at(-1)!;
    // a workspace package whose `bin` installs the command: what it resolves itself counts
    const provider = [...manifests].find(
      ([dir, manifest]) =>
        dir !== "" &&
        packageDirs.has(dir) &&
        binNames(String(manifest.name ?? ""), manifest.bin).includes(bin),
    );
    if (provider !== undefined) {
      tools.push({ dir: provider[0] });
      continue;
    }
    const found = declaring(bin);
    if (found.length === 0) return undefined;
    tools.push(...found.map(toolOf));
  }
  return tools;
}

function changedVersions(
  a: readonly string[] | undefined,
  b: readonly string[] | undefined,
  name: string,
): string {
  const version = (list: readonly string[] | undefined) =>
    list
      ?.find((entry) => entry.startsWith(`${name}@`))
      ?.split(" ")[0]
      ?.slice(name.length + 1);
  const from = version(a);
  const to = version(b);
  return from !== undefined && to !== undefined && from !== to ? ` (${from} → ${to})` : "";
}

/** " (added x@2, removed x@1)" with at most three entries. */
function diffSummary(before: Lockfile, after: Lockfile, dir: string): string {
  const entries = (lockfile: Lockfile) => [
    ...(lockfile.externalClosure(dir) ?? []).map((e) => e.split(" ")[0]!),
    ...(lockfile.links?.(dir) ?? []).map((path) => `link:${path || "."}`),
  ];
  const a = new Set(entries(before));
  const b = new Set(entries(after));
  const added = [...b].filter((e) => !a.has(e)).sort(compareStrings);
  const removed = [...a].filter((e) => !b.has(e)).sort(compareStrings);
  const parts = [...added.map((e) => `+${e}`), ...removed.map((e) => `-${e}`)];
  if (parts.length === 0) return "";
  return `: ${parts.slice(0, 3).join(", ")}${parts.length > 3 ? `, and ${parts.length - 3} more` : ""}`;
}
