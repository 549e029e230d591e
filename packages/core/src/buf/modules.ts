import { isUnder, joinRepoPath, parentDirs } from "../util/paths.js";
import { type BufModule, parseBufWorkYaml, parseBufYaml } from "./config.js";

/**
 * Which buf modules a `protos` entry of shipgraph.yaml stands for. Its `path` may be one module's
 * directory, a directory inside a module, or a workspace root whose buf.work.yaml (v1) or v2
 * buf.yaml lists several modules; the nearest buf configuration above it decides otherwise.
 */
export interface ProtoModules {
  /** The modules: import roots and what they leave out. */
  modules: BufModule[];
  /** Repo-relative directories whose .proto files this entry owns (one per module, within the entry's path). */
  ownDirs: string[];
  /** The buf files that configure these modules (they are inputs of the entry). */
  configFiles: string[];
  /**
   * The other modules of the same buf workspace (outside the entry's path): buf resolves the
   * entry's imports from them too.
   */
  siblings?: BufModule[];
}

/** The buf config files that may decide the modules of `protoPath`: at it and at every parent directory. */
export function bufConfigCandidates(protoPath: string): string[] {
  return [protoPath, ...(protoPath === "" ? [] : parentDirs(`${protoPath}/x`))]
    .filter((dir, i, all) => all.indexOf(dir) === i)
    .flatMap((dir) => ["buf.yaml", "buf.work.yaml"].map((f) => joinRepoPath(dir, f)));
}

/**
 * Resolves the modules of `protoPath` from the texts of buf config files (`read` returns undefined
 * for a file that does not exist; it must know the bufConfigCandidates and the buf.yaml of every
 * directory a buf.work.yaml lists). Throws BUF_CONFIG_INVALID for a malformed file. Pure.
 */
export function resolveProtoModules(
  protoPath: string,
  read: (file: string) => string | undefined,
): ProtoModules {
  const configFiles: string[] = [];
  let workspace: BufModule[] = [];
  const inPath = (m: BufModule) => protoPath === "" || isUnder(m.dir, protoPath) || isUnder(protoPath, m.dir);
  const fromWork = (workFile: string): BufModule[] => {
    const { directories } = parseBufWorkYaml(read(workFile)!, workFile);
    workspace = directories.flatMap((d) => {
      const yaml = joinRepoPath(d, "buf.yaml");
      const text = read(yaml);
      // v1: each module pins its own BSR dependencies in its buf.lock
      configFiles.push(yaml, joinRepoPath(d, "buf.lock"));
      return text === undefined
        ? [{ dir: d, configFile: workFile, excludes: [], includes: [] }]
        : parseBufYaml(text, yaml).modules;
    });
    return workspace.filter(inPath);
  };
  const dirs = [protoPath, ...(protoPath === "" ? [] : parentDirs(`${protoPath}/x`).slice(1))];
  let modules: BufModule[] | undefined;
  for (const dir of dirs) {
    const work = joinRepoPath(dir, "buf.work.yaml");
    const yaml = joinRepoPath(dir, "buf.yaml");
    const workText = read(work);
    const yamlText = read(yaml);
    if (workText === undefined && yamlText === undefined) continue;
    if (workText !== undefined) {
      configFiles.push(work, joinRepoPath(dir, "buf.lock"));
      modules = fromWork(work);
    }
    if (yamlText !== undefined && modules === undefined) {
      configFiles.push(yaml, joinRepoPath(dir, "buf.lock"));
      const parsed = parseBufYaml(yamlText, yaml);
      workspace = parsed.modules;
      modules = workspace.filter(inPath);
      // a v1 module is one directory of the nearest buf.work.yaml above that lists it: buf builds
      // the whole workspace, so its other modules are siblings (buf resolves imports there, and a
      // root input compiles them), not nothing
      if (parsed.version === "v1") {
        const listing = enclosingWork(dir, dirs.slice(dirs.indexOf(dir) + 1), read);
        if (listing !== undefined) fromWork(listing);
      }
    }
    if (modules !== undefined) break;
  }
  // Every buf.yaml / buf.lock / buf.work.yaml at or above the path counts, found or not: adding one
  // changes what buf builds.
  for (const dir of dirs) {
    for (const f of ["buf.yaml", "buf.lock", "buf.work.yaml"]) configFiles.push(joinRepoPath(dir, f));
  }
  const found =
    modules && modules.length > 0
      ? modules
      : [{ dir: protoPath, configFile: joinRepoPath(protoPath, "buf.yaml"), excludes: [], includes: [] }];
  for (const m of found) configFiles.push(joinRepoPath(m.dir, "buf.yaml"));
  const siblings = workspace.filter((m) => !inPath(m));
  return {
    modules: found,
    ownDirs: found.map((m) => (isUnder(m.dir, protoPath) ? m.dir : protoPath)),
    configFiles: [...new Set(configFiles)].sort(),
    ...(siblings.length > 0 ? { siblings } : {}),
  };
}

/**
 * The nearest buf.work.yaml in `above` (parent directories, nearest first) when it lists the v1
 * module at `dir` (buf uses the nearest one); undefined when there is none, or it does not list
 * `dir` (buf then builds the module alone).
 */
function enclosingWork(
  dir: string,
  above: readonly string[],
  read: (file: string) => string | undefined,
): string | undefined {
  for (const parent of above) {
    const work = joinRepoPath(parent, "buf.work.yaml");
    const text = read(work);
    if (text === undefined) continue;
    const { directories } = parseBufWorkYaml(text, work);
    return directories.some((d) => isUnder(dir, d)) ? work : undefined;
  }
  return undefined;
}

/** True when the module compiles the .proto file at `path` (under its root, not excluded, included if `includes` is set). */
export function moduleContains(module: BufModule, path: string): boolean {
  if (!path.endsWith(".proto") || !isUnder(path, module.dir) || path === module.dir) return false;
  if (module.excludes.some((dir) => isUnder(path, dir))) return false;
  return module.includes.length === 0 || module.includes.some((dir) => isUnder(path, dir));
}
