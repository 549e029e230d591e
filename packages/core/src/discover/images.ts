import { posix } from "node:path";
import { type ParsedText, parseYamlText } from "../config/parse.js";
import { isShipgraphError } from "../errors.js";
import { joinRepoPath, leavesRoot, normalizeRepoPath } from "../util/paths.js";
import { compareStrings } from "../util/sort.js";
import { evaluateHcl, HclError, type HclExpr, type HclValue, hclExprFromJson, parseHcl } from "./hcl.js";

/** A container image the repository builds, as found in compose, bake or workflow files. */
export interface ImageCandidate {
  /**
   * Suggested image name: compose service name, bake target name, or from the workflow (the
   * tags' last path segment without tag, else the step's `id`/job id). Matches
   * /^[A-Za-z0-9][A-Za-z0-9._-]*$/.
   */
  name: string;
  /** Repo-relative build context dir ("" = repo root). */
  context: string;
  /**
   * Repo-relative Dockerfile path. bake and compose resolve `dockerfile` against the context;
   * `docker build -f` against the run step's working directory; build-push-action's `file`
   * against the workspace root (GitHub applies `working-directory` to `run` steps only), or
   * against the context when it builds the Git context. Default `<context>/Dockerfile`.
   */
  dockerfile: string;
  target?: string;
  /**
   * Named extra contexts, name → repo-relative dir, or `docker-image://<ref>` (an image: one built
   * here is a base). Other values (target:…, service:…, which become dependsOn; URLs,
   * oci-layout://) are left out and reported in `notes`.
   */
  additionalContexts: Record<string, string>;
  /**
   * Named contexts that some builds of it give and others do not (or with another value): they
   * are not in `additionalContexts`, since a context replaces the stage or image of its name
   * (BuildKit) in the builds that give it only; what they hold counts: a directory's files as
   * these globs (`<dir>/**`), sorted…
   */
  contextInputs?: string[];
  /** …and an image (`docker-image://<ref>`) as its ref, sorted (one built here is a base). */
  contextImages?: string[];
  /** Where it was found ("compose.yaml:12"); several when the same image is defined in several places. */
  foundIn: string[];
  /** Build args with literal values, if declared. */
  buildArgs?: Record<string, string>;
  /** Build args the sightings give different values: no one value is the image's. */
  conflictingArgs?: string[];
  /** Images it is built from through a `service:` / `target:` named context (their names). */
  dependsOn?: string[];
  /** Build args some build of it sets to a value only known when it runs (no literal value). */
  unknownArgs?: string[];
  /** The refs (without tag) its builds tag it with: compose \`image:\`, bake \`tags\`, workflow tags. */
  tags?: string[];
  notes: string[];
}

/** The images found, and what could not be resolved. */
export interface ImageDiscovery {
  /**
   * Sorted by name. The same (context, dockerfile, target) found in several places is one
   * candidate. Of different images wanting one name, the first by source kind (bake, compose,
   * compose override, workflow tag, step/job id) then location keeps it; a compose override's
   * variant becomes `<service>-<override>` (compose.prod.yaml → api-prod), others get -2, -3….
   */
  images: ImageCandidate[];
  /** What could not be resolved, each naming file:line and why. */
  problems: string[];
}

const COMPOSE_FILE = /^(?:docker-)?compose(?:\.[^/]+)?\.ya?ml$/;
const BAKE_FILE = /^docker-bake(?:\.[^/]+)?\.(?:hcl|json)$/;
const WORKFLOW_FILE = /^\.github\/workflows\/[^/]+\.ya?ml$/;

/**
 * Which repo files discoverImages wants to read: compose files and their `compose.*.yaml`
 * variants, docker-bake files (`docker-bake.hcl`, `.json`, `.override.*` and other
 * `docker-bake.*` files used with `-f`) anywhere outside node_modules, and the workflows GitHub
 * runs (directly in .github/workflows).
 */
export function imageSourceFiles(allFiles: readonly string[]): string[] {
  const wanted = allFiles.filter((file) => {
    if (/(?:^|\/)node_modules\//.test(file)) return false;
    const base = posix.basename(file);
    return WORKFLOW_FILE.test(file) || COMPOSE_FILE.test(base) || BAKE_FILE.test(base);
  });
  return [...new Set(wanted)].sort(compareStrings);
}

/**
 * Finds the images that compose files, docker-bake files and GitHub workflows build.
 * `files`: repo-relative path → text, as returned for imageSourceFiles. Pure: nothing is read.
 * A file that cannot be parsed, or a value that cannot be resolved statically, is a `problem`
 * naming file:line; discovery carries on with everything else.
 */
export function discoverImages(files: ReadonlyMap<string, string>): ImageDiscovery {
  const found: Found[] = [];
  const problems: string[] = [];
  const out: Sink = { found, problems };
  const paths = [...files.keys()].sort(compareStrings);
  const compose: string[] = [];
  const bakeByDir = new Map<string, string[]>();
  for (const path of paths) {
    const base = posix.basename(path);
    if (WORKFLOW_FILE.test(path)) {
      discoverWorkflow(path, files.get(path)!, out);
    } else if (BAKE_FILE.test(base)) {
      const dir = dirOf(path);
      bakeByDir.set(dir, [...(bakeByDir.get(dir) ?? []), path]);
    } else if (COMPOSE_FILE.test(base)) {
      compose.push(path);
    }
  }
  discoverCompose(files, compose, out);
  for (const [dir, bakeFiles] of [...bakeByDir].sort(([a], [b]) => compareStrings(a, b))) {
    discoverBake(dir, bakeFiles, files, out);
  }
  const sortedProblems = [...new Set(problems)].sort(
    (a, b) => compareLocation(problemLocation(a), problemLocation(b)) || compareStrings(a, b),
  );
  return { images: mergeCandidates(found), problems: sortedProblems };
}

// ---------------------------------------------------------------------------------------------
// Shared model

/** One sighting of an image, before duplicates are merged. */
interface Found {
  name: string;
  /**
   * Which name wins when sightings merge or clash: 0 bake target, 1 compose service, 1.5 compose
   * service as changed by an override file, 2 workflow tag, 3 step/job id.
   */
  nameRank: number;
  /** The name to take when another image has `name` (before falling back to -2, -3…). */
  clashName?: string;
  context: string;
  dockerfile: string;
  /** Set for a Dockerfile that is not a file (inline or stdin): such images never merge with others. */
  inlineKey?: string;
  target?: string;
  additionalContexts: Record<string, string>;
  buildArgs: Record<string, string>;
  foundIn: string;
  notes: string[];
}

interface Sink {
  found: Found[];
  problems: string[];
}

/** A value, or why there is none (a complete problem message). */
type Checked<T> = { value: T } | { problem: string };

const NAME_RANK = { bake: 0, compose: 1, composeOverride: 1.5, tag: 2, id: 3 } as const;

function dirOf(file: string): string {
  const index = file.lastIndexOf("/");
  return index < 0 ? "" : file.slice(0, index);
}

/**
 * `path` (relative to repo dir `base`) as a normalised repo path, or why not: absolute paths and
 * paths leaving the repository cannot be inputs of a repo-relative graph.
 */
function repoPath(base: string, path: string): { value: string } | { why: string } {
  if (path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith("~")) {
    return { why: `${JSON.stringify(path)} is an absolute path, not one in the repository` };
  }
  const joined = normalizeRepoPath(joinRepoPath(base, path));
  if (leavesRoot(joined)) {
    return { why: `${JSON.stringify(path)} leaves the repository` };
  }
  return { value: joined };
}

/** A build context that is not a local directory: a Git/HTTP URL or a scheme (docker-image://…). */
function remoteContext(value: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value) || /^git@/.test(value) || /^github\.com\//.test(value);
}

/** The notes the sightings write for a build arg without a literal value: its name. */
const UNKNOWN_ARG_NOTE =
  /^build arg (\S+) (?:has no value here|is set from|is taken from the environment|= .* left out:)/;

/** The note each kind of sighting writes for the ref an image is tagged with. */
const TAG_NOTE = /^tagged (\S+)$/;

/** What the sightings' notes matching `note` name (its first group), sorted and unique. */
function notedValues(members: readonly Found[], note: RegExp): string[] {
  const values = members.flatMap((member) => member.notes.flatMap((text) => note.exec(text)?.[1] ?? []));
  return [...new Set(values)].sort(compareStrings);
}

/** The end of addNamedContext's note for a `service:`/`target:` context: the image depended on. */
const DEPENDENCY_NOTE = /\(a dependency: dependsOn image:([A-Za-z0-9._-]+)\)$/;

/**
 * Sorts a named context into a repo directory, an image or a note. `target:`/`service:` name
 * another bake target or compose service (a dependency shipgraph expresses with dependsOn), a
 * `docker-image://` one an image (kept as written), the other schemes are remote sources: none of
 * them are files of this repository.
 */
function addNamedContext(
  name: string,
  raw: string,
  base: string,
  where: string,
  into: { additionalContexts: Record<string, string>; notes: string[]; problems: string[] },
): void {
  const dependency = /^(target|service):(.+)$/.exec(raw);
  if (dependency) {
    const kind = dependency[1] === "target" ? "bake target" : "compose service";
    into.notes.push(
      `additional context ${name} = ${raw}: built from ${kind} "${dependency[2]}" (a dependency: dependsOn image:${sanitizeName(dependency[2]!)})`,
    );
    // (read back by mergeCandidates: DEPENDENCY_NOTE)
    return;
  }
  // an image stays: the Dockerfile reads it where it names the context, and one built here is a base
  if (raw.startsWith("docker-image://")) {
    into.additionalContexts[name] = raw;
    return;
  }
  if (remoteContext(raw)) {
    into.notes.push(`additional context ${name} = ${raw} is not a directory of this repository`);
    return;
  }
  const path = repoPath(base, raw);
  if ("why" in path) into.problems.push(`${where}: additional context ${name}: ${path.why}`);
  else into.additionalContexts[name] = path.value;
}

/** Image names match /^[A-Za-z0-9][A-Za-z0-9._-]*$/: other characters become "-". */
function sanitizeName(raw: string): string {
  const cleaned = raw
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/^[^A-Za-z0-9]+/, "")
    .replace(/[-.]+$/, "");
  return cleaned || "image";
}

/**
 * The repository name of an image reference: `ghcr.io/acme/api:1.2@sha256:…` → "api". Unknown
 * characters (U+FFFD, an unresolved expression) in that segment make it unusable.
 */
function nameFromRef(ref: string): string | undefined {
  let rest = ref.trim();
  const at = rest.indexOf("@");
  if (at >= 0) rest = rest.slice(0, at);
  const last = rest.slice(rest.lastIndexOf("/") + 1);
  const colon = last.indexOf(":");
  const repo = colon >= 0 ? last.slice(0, colon) : last;
  if (!repo || repo.includes(UNKNOWN)) return undefined;
  return repo;
}

/** `ghcr.io/acme/api:1.2` → "ghcr.io/acme/api" (for the `ref` hint), unless something is unknown. */
function refWithoutTag(ref: string): string | undefined {
  let rest = ref.trim();
  const at = rest.indexOf("@");
  if (at >= 0) rest = rest.slice(0, at);
  const slash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > slash) rest = rest.slice(0, colon);
  if (!rest || rest.includes(UNKNOWN)) return undefined;
  return rest;
}

function compareLocation(a: string, b: string): number {
  const [fa, la] = splitLocation(a);
  const [fb, lb] = splitLocation(b);
  return compareStrings(fa, fb) || la - lb;
}

/** "compose.yaml:12" of "compose.yaml:12: why". */
function problemLocation(problem: string): string {
  return /^(.*?:\d+):/.exec(problem)?.[1] ?? problem;
}

function splitLocation(location: string): [string, number] {
  const match = /^(.*):(\d+)$/.exec(location);
  return match ? [match[1]!, Number(match[2])] : [location, 0];
}

/**
 * The named contexts of the builds of one image. BuildKit replaces the stage or image a context
 * names in the builds that give it, and only there: a context is the image's only when every
 * build gives it, with the same value. Of the others (a compose service and a bake target of
 * one Dockerfile, one with a context and one without; an override's variant adding one), what
 * they hold still counts, replacing nothing: a directory's files (a glob), an image. Pure.
 */
function mergeContexts(members: readonly Found[]): {
  additionalContexts: Record<string, string>;
  inputs: string[];
  images: string[];
  notes: string[];
} {
  const additionalContexts: Record<string, string> = {};
  const inputs = new Set<string>();
  const images = new Set<string>();
  const notes: string[] = [];
  const names = [...new Set(members.flatMap((m) => Object.keys(m.additionalContexts)))].sort(compareStrings);
  for (const name of names) {
    const values = members.map((member) => member.additionalContexts[name]);
    const value = values[0];
    if (value !== undefined && values.every((v) => v === value)) {
      additionalContexts[name] = value;
      continue;
    }
    for (const given of [...new Set(values)].sort((a, b) => compareStrings(a ?? "", b ?? ""))) {
      if (given === undefined) continue;
      const where = members.filter((m) => m.additionalContexts[name] === given).map((m) => m.foundIn);
      notes.push(
        `additional context ${name} = ${given} is given by ${where.join(", ")} only: it replaces no stage or image here (its ${given.startsWith("docker-image://") ? "image counts" : "files count"})`,
      );
      if (given.startsWith("docker-image://")) images.add(given.slice("docker-image://".length));
      else inputs.add(given === "" ? "**" : `${given}/**`);
    }
  }
  return {
    additionalContexts,
    inputs: [...inputs].sort(compareStrings),
    images: [...images].sort(compareStrings),
    notes,
  };
}

function mergeCandidates(found: Found[]): ImageCandidate[] {
  const groups = new Map<string, Found[]>();
  for (const f of found) {
    const key = [f.context, f.dockerfile, f.target ?? "", f.inlineKey ?? ""].join("\0");
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const merged: {
    candidate: ImageCandidate;
    rank: number;
    clashName: string | undefined;
    members: Found[];
    dependencies: { file: string; name: string }[];
  }[] = [];
  for (const members of groups.values()) {
    members.sort((a, b) => a.nameRank - b.nameRank || compareLocation(a.foundIn, b.foundIn));
    const first = members[0]!;
    const buildArgs: Record<string, string> = {};
    const notes: string[] = [];
    const contexts = mergeContexts(members);
    notes.push(...contexts.notes);
    for (const member of members) {
      for (const [name, value] of Object.entries(member.buildArgs)) {
        const existing = buildArgs[name];
        if (existing === undefined) buildArgs[name] = value;
        else if (existing !== value) {
          notes.push(
            `build arg ${name} is ${JSON.stringify(value)} in ${member.foundIn}; kept ${JSON.stringify(existing)}`,
          );
        }
      }
      if (member.name !== first.name) notes.push(`called "${member.name}" in ${member.foundIn}`);
      notes.push(...member.notes);
    }
    // A build arg is the image's only when every build of it gives it the same literal value: one
    // that gives another, or none (the ARG's default, or a value only known when it runs), builds
    // from other files.
    const conflicting = new Set<string>();
    for (const name of Object.keys(buildArgs)) {
      if (members.some((member) => member.buildArgs[name] !== buildArgs[name])) conflicting.add(name);
    }
    // (addNamedContext's note for a `service:`/`target:` context names the compose service or
    // bake target depended on, in the member's own file: resolved to image names below)
    const dependencies = members.flatMap((member) =>
      member.notes.flatMap((note) => {
        const match = DEPENDENCY_NOTE.exec(note);
        return match ? [{ file: splitLocation(member.foundIn)[0], name: match[1]! }] : [];
      }),
    );
    const candidate: ImageCandidate = {
      name: first.name,
      context: first.context,
      dockerfile: first.dockerfile,
      additionalContexts: contexts.additionalContexts,
      foundIn: [...new Set(members.map((m) => m.foundIn))].sort(compareLocation),
      notes: [...new Set(notes)],
    };
    if (contexts.inputs.length > 0) candidate.contextInputs = contexts.inputs;
    if (contexts.images.length > 0) candidate.contextImages = contexts.images;
    if (first.target !== undefined) candidate.target = first.target;
    if (Object.keys(buildArgs).length > 0) candidate.buildArgs = buildArgs;
    if (conflicting.size > 0) candidate.conflictingArgs = [...conflicting].sort(compareStrings);
    // build args some build gives a value only known when it runs (the environment, a workflow
    // expression): the value is not the ARG's default
    const unknownArgs = notedValues(members, UNKNOWN_ARG_NOTE);
    if (unknownArgs.length > 0) candidate.unknownArgs = unknownArgs;
    const tags = notedValues(members, TAG_NOTE);
    if (tags.length > 0) candidate.tags = tags;
    merged.push({ candidate, rank: first.nameRank, clashName: first.clashName, members, dependencies });
  }
  // Name clashes between different images: deterministic, the best-ranked source keeps the name.
  merged.sort(
    (a, b) =>
      compareStrings(a.candidate.name, b.candidate.name) ||
      a.rank - b.rank ||
      compareLocation(a.candidate.foundIn[0]!, b.candidate.foundIn[0]!),
  );
  const originals = new Set(merged.map((m) => m.candidate.name));
  const used = new Set<string>();
  const free = (name: string) => !used.has(name) && !originals.has(name);
  for (const { candidate, clashName } of merged) {
    if (used.has(candidate.name)) {
      let name = clashName !== undefined && free(clashName) ? clashName : undefined;
      for (let n = 2; name === undefined; n++)
        if (free(`${candidate.name}-${n}`)) name = `${candidate.name}-${n}`;
      candidate.notes.push(`named "${name}": another image is called "${candidate.name}"`);
      candidate.name = name;
    }
    used.add(candidate.name);
  }
  // a `service:x` / `target:x` dependency is the image of service (target) x of the same file,
  // whatever name that image ended up with; one found nowhere keeps its name (no such image)
  const byOrigin = new Map<string, string>();
  for (const { candidate, members } of merged) {
    for (const member of members)
      byOrigin.set(`${splitLocation(member.foundIn)[0]}\0${member.name}`, candidate.name);
  }
  for (const { candidate, dependencies } of merged) {
    const names = dependencies.map(({ file, name }) => byOrigin.get(`${file}\0${name}`) ?? name);
    if (names.length > 0) candidate.dependsOn = [...new Set(names)].sort(compareStrings);
  }
  return merged.map((m) => m.candidate).sort((a, b) => compareStrings(a.name, b.name));
}

/**
 * Parses YAML; a syntax error becomes a problem (discovery goes on with the other files). Besides
 * parseYamlText's ShipgraphError, the yaml library itself throws while building the data (an
 * alias to an undefined anchor, too many aliases): those are the file's fault too.
 */
function parseYaml(file: string, text: string, problems: string[]): ParsedText | undefined {
  try {
    return parseYamlText(text, file);
  } catch (error) {
    if (isShipgraphError(error)) {
      problems.push(
        `${error.message.startsWith(file) ? error.message : `${file}: ${error.message}`} (file skipped)`,
      );
    } else if (error instanceof Error) {
      problems.push(`${file}:1: cannot read the YAML: ${error.message} (file skipped)`);
    } else {
      throw error;
    }
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Applies YAML merge keys (`<<: *base`, `<<: [*a, *b]`), which the YAML 1.2 parser keeps as a
 * plain "<<" key: explicit keys win over merged ones, earlier sources over later ones.
 */
function resolveMerges(value: unknown, seen = new Map<object, unknown>()): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveMerges(item, seen));
  if (!isRecord(value)) return value;
  const done = seen.get(value);
  if (done !== undefined) return done;
  const out: Record<string, unknown> = {};
  seen.set(value, out);
  const merge = value["<<"];
  const sources = Array.isArray(merge) ? merge : merge === undefined ? [] : [merge];
  for (const source of [...sources].reverse()) {
    const resolved = resolveMerges(source, seen);
    if (isRecord(resolved)) Object.assign(out, resolved);
  }
  for (const [key, item] of Object.entries(value)) {
    if (key !== "<<") out[key] = resolveMerges(item, seen);
  }
  return out;
}

function scalarString(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Compose

interface ComposeFile {
  file: string;
  dir: string;
  parsed: ParsedText;
  services: Record<string, unknown>;
}

/** A service's build section as read so far; fields absent when not set (so overrides can merge). */
interface ComposeBuild {
  /** Repo-relative context dir. */
  context?: Checked<string>;
  /** As written: relative to the context. */
  dockerfile?: Checked<string>;
  inline?: boolean;
  target?: Checked<string>;
  args: Record<string, string>;
  additionalContexts: Record<string, string>;
  notes: string[];
  problems: string[];
}

const COMPOSE_BASE_NAMES = ["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"];

/**
 * Compose files: each service with a `build` is an image. `compose.<x>.yaml` files are overrides
 * of the base file beside them (compose.override.yaml is merged automatically, others with
 * `-f`), so their build sections are merged over the base's service of the same name.
 */
function discoverCompose(files: ReadonlyMap<string, string>, paths: string[], out: Sink): void {
  const loaded = new Map<string, ComposeFile | undefined>();
  const load = (file: string): ComposeFile | undefined => {
    if (loaded.has(file)) return loaded.get(file);
    let result: ComposeFile | undefined;
    const text = files.get(file);
    if (text !== undefined) {
      const parsed = parseYaml(file, text, out.problems);
      if (parsed) {
        const data = resolveMerges(parsed.data);
        const services = isRecord(data) && isRecord(data.services) ? data.services : {};
        result = { file, dir: dirOf(file), parsed, services };
        out.problems.push(...composeMergeTags(file, text));
      }
    }
    loaded.set(file, result);
    return result;
  };

  for (const file of paths) {
    const compose = load(file);
    if (!compose) continue;
    const base = posix.basename(file);
    const isOverride = !COMPOSE_BASE_NAMES.includes(base);
    let baseFile: ComposeFile | undefined;
    if (isOverride) {
      const family = base.startsWith("docker-")
        ? COMPOSE_BASE_NAMES.slice(2)
        : COMPOSE_BASE_NAMES.slice(0, 2);
      const others = COMPOSE_BASE_NAMES.filter((n) => !family.includes(n));
      for (const name of [...family, ...others]) {
        const candidate = joinRepoPath(compose.dir, name);
        if (files.has(candidate) && load(candidate)) {
          baseFile = load(candidate);
          break;
        }
      }
    }
    for (const [service, definition] of Object.entries(compose.services)) {
      if (!isRecord(definition)) continue;
      if (definition.build === undefined && definition.extends === undefined) continue; // image-only: not built here
      let build = composeServiceBuild(compose, service, files, load, [], out.problems);
      if (!build) continue;
      const notes: string[] = [];
      if (baseFile && isRecord(baseFile.services[service])) {
        const underneath = composeServiceBuild(baseFile, service, files, load, [], []);
        if (underneath) {
          build = mergeComposeBuild(underneath, build);
          notes.push(`${file} overrides service ${service} of ${baseFile.file}; merged`);
        }
      }
      const line = compose.parsed.lineOf(["services", service]) ?? 1;
      // compose.prod.yaml → "prod": an override's variant of a service is "<service>-prod"
      const variant = isOverride
        ? base.replace(/^(?:docker-)?compose\./, "").replace(/\.ya?ml$/, "")
        : undefined;
      emitCompose(compose, service, `${file}:${line}`, build, notes, definition, variant, out);
    }
  }
}

/**
 * Compose's `!reset` / `!override` tags (a field an override or `extends` drops, or replaces
 * instead of merging) are read as plain values here: what they drop would be taken as kept (an
 * additional context that then replaces a stage the build runs, a target, build args). A problem
 * (a gap of the inferred graph) at each one. Pure.
 */
function composeMergeTags(file: string, text: string): string[] {
  return text.split("\n").flatMap((line, i) => {
    if (/^\s*#/.test(line)) return [];
    const tag = /(?:^|[\s:,[{])!(reset|override)(?=$|[\s,\]}])/.exec(line)?.[1];
    return tag === undefined
      ? []
      : [
          `${file}:${i + 1}: compose's !${tag} tag is not read here (what it drops from the file it overrides or extends would be taken as kept): declare the images in shipgraph.yaml`,
        ];
  });
}

function emitCompose(
  compose: ComposeFile,
  service: string,
  where: string,
  build: ComposeBuild,
  notes: string[],
  definition: Record<string, unknown>,
  variant: string | undefined,
  out: Sink,
): void {
  out.problems.push(...build.problems);
  const context = build.context ?? { value: compose.dir };
  if ("problem" in context) return void out.problems.push(context.problem);
  const dockerfileRaw = build.dockerfile ?? { value: "Dockerfile" };
  if ("problem" in dockerfileRaw) return void out.problems.push(dockerfileRaw.problem);
  const dockerfile = repoPath(context.value, dockerfileRaw.value);
  if ("why" in dockerfile)
    return void out.problems.push(`${where}: service ${service}: dockerfile ${dockerfile.why}`);
  if (build.target && "problem" in build.target) return void out.problems.push(build.target.problem);
  const found: Found = {
    name: sanitizeName(service),
    nameRank: variant === undefined ? NAME_RANK.compose : NAME_RANK.composeOverride,
    context: context.value,
    dockerfile: dockerfile.value,
    additionalContexts: build.additionalContexts,
    buildArgs: build.args,
    foundIn: where,
    notes: [...notes, ...build.notes],
  };
  if (build.target) found.target = build.target.value;
  if (variant !== undefined) found.clashName = sanitizeName(`${service}-${variant}`);
  if (build.inline) {
    found.inlineKey = `inline:${where}`;
    found.notes.push(
      "dockerfile_inline: the Dockerfile is written in the compose file, there is no Dockerfile file (`dockerfile` is only the default path)",
    );
  }
  const image = scalarString(definition.image);
  if (image) {
    const resolved = composeInterpolate(image);
    const ref = "value" in resolved ? refWithoutTag(resolved.value) : undefined;
    if (ref) found.notes.push(`tagged ${ref}`);
  }
  out.found.push(found);
}

/** The build of a service, following `extends` (same file or another compose file read). */
function composeServiceBuild(
  compose: ComposeFile,
  service: string,
  files: ReadonlyMap<string, string>,
  load: (file: string) => ComposeFile | undefined,
  stack: string[],
  problems: string[],
): ComposeBuild | undefined {
  const definition = compose.services[service];
  if (!isRecord(definition)) return undefined;
  const key = `${compose.file}#${service}`;
  const where = `${compose.file}:${compose.parsed.lineOf(["services", service]) ?? 1}`;
  if (stack.includes(key)) {
    problems.push(`${where}: service ${service} extends itself (${[...stack, key].join(" → ")})`);
    return undefined;
  }
  let inherited: ComposeBuild | undefined;
  const ext = definition.extends;
  if (ext !== undefined) {
    const extWhere = `${compose.file}:${compose.parsed.lineOf(["services", service, "extends"]) ?? 1}`;
    const parentService =
      typeof ext === "string" ? ext : isRecord(ext) ? scalarString(ext.service) : undefined;
    const parentFileRaw = isRecord(ext) ? scalarString(ext.file) : undefined;
    let parentFile: ComposeFile | undefined = compose;
    if (parentFileRaw !== undefined) {
      const path = repoPath(compose.dir, parentFileRaw);
      parentFile = "value" in path && files.has(path.value) ? load(path.value) : undefined;
      if (!parentFile) {
        problems.push(`${extWhere}: service ${service} extends ${parentFileRaw}, which was not read`);
      }
    }
    if (parentService === undefined)
      problems.push(`${extWhere}: service ${service}: extends needs a service`);
    else if (parentFile) {
      inherited = composeServiceBuild(parentFile, parentService, files, load, [...stack, key], problems);
    }
  }
  if (definition.build === undefined) return inherited;
  const own = readComposeBuild(compose, service, definition.build);
  return inherited ? mergeComposeBuild(inherited, own) : own;
}

/** Compose's merge of build sections: scalars replace, args and additional_contexts merge by key. */
function mergeComposeBuild(under: ComposeBuild, over: ComposeBuild): ComposeBuild {
  const merged: ComposeBuild = {
    args: { ...under.args, ...over.args },
    additionalContexts: { ...under.additionalContexts, ...over.additionalContexts },
    notes: [...under.notes, ...over.notes],
    problems: [...under.problems, ...over.problems],
  };
  const context = over.context ?? under.context;
  if (context) merged.context = context;
  const target = over.target ?? under.target;
  if (target) merged.target = target;
  if (over.dockerfile || over.inline) {
    if (over.dockerfile) merged.dockerfile = over.dockerfile;
    if (over.inline) merged.inline = true;
  } else {
    if (under.dockerfile) merged.dockerfile = under.dockerfile;
    if (under.inline) merged.inline = true;
  }
  return merged;
}

function readComposeBuild(compose: ComposeFile, service: string, raw: unknown): ComposeBuild {
  const build: ComposeBuild = { args: {}, additionalContexts: {}, notes: [], problems: [] };
  const at = (...path: string[]) =>
    `${compose.file}:${compose.parsed.lineOf(["services", service, "build", ...path]) ?? 1}`;
  /** Interpolates a string field; a problem message when a variable has no default. */
  const field = (value: unknown, what: string, where: string): Checked<string> => {
    const text = scalarString(value);
    if (text === undefined) return { problem: `${where}: service ${service}: ${what} must be a string` };
    const resolved = composeInterpolate(text);
    if ("why" in resolved) {
      return {
        problem: `${where}: service ${service}: ${what} ${JSON.stringify(text)}: ${resolved.why} (compose takes it from the environment or .env)`,
      };
    }
    if (resolved.value !== text && text.includes("${"))
      build.notes.push(
        `${what} ${JSON.stringify(text)} taken as ${JSON.stringify(resolved.value)} (the default)`,
      );
    return { value: resolved.value };
  };
  const contextOf = (value: unknown, where: string): Checked<string> => {
    const text = field(value, "build context", where);
    if ("problem" in text) return text;
    if (remoteContext(text.value)) {
      return {
        problem: `${where}: service ${service}: build context ${text.value} is a remote (Git/URL) context, not a directory of this repository`,
      };
    }
    const path = repoPath(compose.dir, text.value);
    return "why" in path ? { problem: `${where}: service ${service}: build context ${path.why}` } : path;
  };

  if (typeof raw === "string") {
    build.context = contextOf(raw, at());
    return build;
  }
  if (raw === null) return build; // `build:` with nothing: the defaults
  if (!isRecord(raw)) {
    build.context = { problem: `${at()}: service ${service}: build must be a path or a mapping` };
    return build;
  }
  if (raw.context !== undefined) build.context = contextOf(raw.context, at("context"));
  if (raw.dockerfile !== undefined) {
    const dockerfile = field(raw.dockerfile, "dockerfile", at("dockerfile"));
    if ("value" in dockerfile && dockerfile.value.startsWith("/")) {
      build.dockerfile = {
        problem: `${at("dockerfile")}: service ${service}: dockerfile ${dockerfile.value} is an absolute path`,
      };
    } else {
      build.dockerfile = dockerfile;
    }
  }
  if (raw.dockerfile_inline !== undefined) {
    build.inline = true;
    if (raw.dockerfile !== undefined)
      build.notes.push("both dockerfile and dockerfile_inline are set (compose rejects that)");
  }
  if (raw.target !== undefined) build.target = field(raw.target, "target", at("target"));

  for (const [name, value] of keyValues(raw.args)) {
    if (value === undefined) {
      build.notes.push(`build arg ${name} has no value here (compose takes it from the environment)`);
      continue;
    }
    const resolved = composeInterpolate(value);
    if ("why" in resolved)
      build.notes.push(`build arg ${name} = ${JSON.stringify(value)} left out: ${resolved.why}`);
    else build.args[name] = resolved.value;
  }
  for (const [name, value] of keyValues(raw.additional_contexts)) {
    const where = at("additional_contexts");
    if (value === undefined) {
      build.problems.push(`${where}: service ${service}: additional context ${name} has no value`);
      continue;
    }
    const resolved = composeInterpolate(value);
    if ("why" in resolved) {
      build.problems.push(
        `${where}: service ${service}: additional context ${name} = ${JSON.stringify(value)}: ${resolved.why}`,
      );
      continue;
    }
    addNamedContext(name, resolved.value, compose.dir, where, {
      additionalContexts: build.additionalContexts,
      notes: build.notes,
      problems: build.problems,
    });
  }
  return build;
}

/** A compose map (`{K: v}`) or list (`["K=v", "K"]`); `undefined` value = not given. */
function keyValues(raw: unknown): [string, string | undefined][] {
  if (Array.isArray(raw)) {
    return raw.flatMap((item): [string, string | undefined][] => {
      const text = scalarString(item);
      if (text === undefined) return [];
      const eq = text.indexOf("=");
      return eq < 0 ? [[text, undefined]] : [[text.slice(0, eq), text.slice(eq + 1)]];
    });
  }
  if (isRecord(raw)) {
    return Object.entries(raw).map(([key, value]) => [key, value === null ? undefined : scalarString(value)]);
  }
  return [];
}

/**
 * Compose interpolation with an unknown environment: `$$` is a `$`, `${VAR:-x}`/`${VAR-x}` take
 * the default, anything that needs the variable's value is `why`.
 */
function composeInterpolate(text: string): { value: string } | { why: string } {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch !== "$") {
      out += ch;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === "$") {
      out += "$";
      i += 2;
      continue;
    }
    if (next === "{") {
      let depth = 0;
      let end = i + 1;
      for (; end < text.length; end++) {
        if (text[end] === "{") depth++;
        else if (text[end] === "}" && --depth === 0) break;
      }
      if (end >= text.length) return { why: "an unterminated ${" };
      const inner = text.slice(i + 2, end);
      const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/.exec(inner);
      if (!match) return { why: `\${${inner}} is not a valid interpolation` };
      const [, name, op, arg = ""] = match;
      if (op === ":-" || op === "-") {
        const fallback = composeInterpolate(arg);
        if ("why" in fallback) return fallback;
        out += fallback.value;
      } else if (op === ":?" || op === "?") {
        return { why: `\${${name}} is required${arg ? ` (${arg})` : ""}` };
      } else if (op === ":+" || op === "+") {
        return { why: `\${${inner}} depends on whether ${name} is set` };
      } else {
        return { why: `\${${name}} has no default` };
      }
      i = end + 1;
      continue;
    }
    const bare = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1));
    if (bare) return { why: `$${bare[0]} has no default` };
    out += "$";
    i++;
  }
  return { value: out };
}

// ---------------------------------------------------------------------------------------------
// Bake

interface BakeAttr {
  name: string;
  expr: HclExpr;
  line: number;
  file: string;
}

interface BakeBlock {
  name: string;
  file: string;
  line: number;
  attrs: Map<string, BakeAttr>;
}

interface BakeDefinition {
  variables: Map<string, BakeBlock>;
  targets: Map<string, BakeBlock>;
  groups: Map<string, BakeBlock>;
  functions: Set<string>;
}

/** One buildable target: a target block, or one combination of its matrix. */
interface BakeInstance {
  name: string;
  block: BakeBlock;
  matrix: Record<string, HclValue>;
}

/** A target's fields after `inherits`, before paths are resolved. */
interface BakeFields {
  context?: string;
  dockerfile?: string;
  inline?: boolean;
  target?: string;
  args: Record<string, string | null>;
  contexts: Record<string, string>;
  tags?: string[];
}

/** Bake reads these in this order and merges them (later files override earlier ones). */
const BAKE_ORDER = [
  "docker-bake.json",
  "docker-bake.hcl",
  "docker-bake.override.json",
  "docker-bake.override.hcl",
];

/**
 * The docker-bake files of one directory, merged as `docker buildx bake` merges its default
 * files. Paths resolve against that directory: bake resolves them against where it runs, and
 * running it beside its file is the common case.
 */
function discoverBake(dir: string, paths: string[], files: ReadonlyMap<string, string>, out: Sink): void {
  const ordered = [...paths].sort((a, b) => {
    const ia = BAKE_ORDER.indexOf(posix.basename(a));
    const ib = BAKE_ORDER.indexOf(posix.basename(b));
    return (ia < 0 ? BAKE_ORDER.length : ia) - (ib < 0 ? BAKE_ORDER.length : ib) || compareStrings(a, b);
  });
  const definition: BakeDefinition = {
    variables: new Map(),
    targets: new Map(),
    groups: new Map(),
    functions: new Set(),
  };
  let any = false;
  for (const file of ordered) {
    const text = files.get(file)!;
    if (file.endsWith(".json")) any = readBakeJson(file, text, definition, out.problems) || any;
    else any = readBakeHcl(file, text, definition, out.problems) || any;
  }
  if (!any) return;
  new BakeEvaluator(dir, definition, out).run();
}

function addBakeBlock(map: Map<string, BakeBlock>, block: BakeBlock): void {
  const existing = map.get(block.name);
  if (!existing) {
    map.set(block.name, block);
    return;
  }
  // A block defined again (in the same or a later file) overrides attribute by attribute.
  for (const [name, attr] of block.attrs) existing.attrs.set(name, attr);
}

function readBakeHcl(file: string, text: string, definition: BakeDefinition, problems: string[]): boolean {
  let body: ReturnType<typeof parseHcl>;
  try {
    body = parseHcl(text);
  } catch (error) {
    if (!(error instanceof HclError)) throw error;
    problems.push(`${file}:${error.line}: cannot parse HCL: ${error.message} (file skipped)`);
    return false;
  }
  // Top-level attributes are global variables in bake.
  for (const attr of body.attributes) {
    addBakeBlock(definition.variables, {
      name: attr.name,
      file,
      line: attr.line,
      attrs: new Map([["default", { name: "default", expr: attr.expr, line: attr.line, file }]]),
    });
  }
  for (const block of body.blocks) {
    const name = block.labels[0];
    if (name === undefined) {
      problems.push(`${file}:${block.line}: ${block.type} block without a name`);
      continue;
    }
    const attrs = new Map(
      block.body.attributes.map((a) => [a.name, { name: a.name, expr: a.expr, line: a.line, file }]),
    );
    const entry: BakeBlock = { name, file, line: block.line, attrs };
    if (block.type === "target") addBakeBlock(definition.targets, entry);
    else if (block.type === "group") addBakeBlock(definition.groups, entry);
    else if (block.type === "variable") addBakeBlock(definition.variables, entry);
    else if (block.type === "function") definition.functions.add(name);
  }
  return true;
}

function readBakeJson(file: string, text: string, definition: BakeDefinition, problems: string[]): boolean {
  const parsed = parseYaml(file, text, problems);
  if (!parsed) return false;
  if (!isRecord(parsed.data)) {
    problems.push(`${file}:1: a bake JSON file must be an object (file skipped)`);
    return false;
  }
  const kinds: Record<string, Map<string, BakeBlock>> = {
    target: definition.targets,
    group: definition.groups,
    variable: definition.variables,
  };
  for (const [key, value] of Object.entries(parsed.data)) {
    const map = kinds[key];
    if (key === "function") {
      if (isRecord(value)) for (const name of Object.keys(value)) definition.functions.add(name);
      continue;
    }
    if (!map) {
      // a global attribute, usable as a variable
      const line = parsed.lineOf([key]) ?? 1;
      addBakeBlock(definition.variables, {
        name: key,
        file,
        line,
        attrs: new Map([["default", { name: "default", expr: jsonExpr(value, line), line, file }]]),
      });
      continue;
    }
    if (!isRecord(value)) {
      problems.push(`${file}:${parsed.lineOf([key]) ?? 1}: "${key}" must be an object of named blocks`);
      continue;
    }
    for (const [name, body] of Object.entries(value)) {
      const line = parsed.lineOf([key, name]) ?? 1;
      if (!isRecord(body)) {
        problems.push(`${file}:${line}: ${key} "${name}" must be an object`);
        continue;
      }
      const attrs = new Map<string, BakeAttr>();
      for (const [attr, attrValue] of Object.entries(body)) {
        const attrLine = parsed.lineOf([key, name, attr]) ?? line;
        attrs.set(attr, { name: attr, expr: jsonExpr(attrValue, attrLine), line: attrLine, file });
      }
      addBakeBlock(map, { name, file, line, attrs });
    }
  }
  return true;
}

/** An HCL-JSON value as an expression; a malformed `${` makes it an error when evaluated. */
function jsonExpr(value: unknown, line: number): HclExpr {
  try {
    return hclExprFromJson(value, line);
  } catch (error) {
    if (!(error instanceof HclError)) throw error;
    return { kind: "unsupported", what: `a malformed template (${error.message})`, line: error.line };
  }
}

/** A few pure functions of bake's standard library, enough for the usual name/tag/arg helpers. */
const BAKE_FUNCTIONS: Record<string, (args: HclValue[], line: number) => HclValue> = {
  lower: ([s], line) => str(s, line).toLowerCase(),
  upper: ([s], line) => str(s, line).toUpperCase(),
  trimspace: ([s], line) => str(s, line).trim(),
  trimprefix: ([s, p], line) => {
    const text = str(s, line);
    const prefix = str(p, line);
    return text.startsWith(prefix) ? text.slice(prefix.length) : text;
  },
  trimsuffix: ([s, p], line) => {
    const text = str(s, line);
    const suffix = str(p, line);
    return suffix && text.endsWith(suffix) ? text.slice(0, -suffix.length) : text;
  },
  join: ([sep, ...lists], line) =>
    lists
      .flatMap((list) => (Array.isArray(list) ? list.map((v) => str(v, line)) : [str(list, line)]))
      .join(str(sep, line)),
  equal: ([a, b]) => JSON.stringify(a) === JSON.stringify(b),
  notequal: ([a, b]) => JSON.stringify(a) !== JSON.stringify(b),
  coalesce: (args, line) => {
    const value = args.find((v) => v !== null && v !== "");
    if (value === undefined) throw new HclError("coalesce() has no non-empty argument", line);
    return value;
  },
};

function str(value: HclValue | undefined, line: number): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new HclError(`expected a string, got ${JSON.stringify(value)}`, line);
}

/** An evaluation error with the file it happened in (bake attributes may come from several files). */
class LocatedError extends Error {
  readonly file: string;
  readonly line: number;
  constructor(message: string, file: string, line: number) {
    super(message);
    this.file = file;
    this.line = line;
  }
}

class BakeEvaluator {
  private readonly variableValues = new Map<string, HclValue>();
  private readonly variableStack: string[] = [];
  private readonly instances = new Map<string, BakeInstance>();
  /** Block name → its instance names (a matrix block has several). */
  private readonly blockInstances = new Map<string, string[]>();
  private readonly fields = new Map<string, { value: BakeFields } | { problem: string }>();
  private readonly functions: Record<string, (args: HclValue[], line: number) => HclValue>;

  constructor(
    private readonly dir: string,
    private readonly definition: BakeDefinition,
    private readonly out: Sink,
  ) {
    this.functions = { ...BAKE_FUNCTIONS };
    for (const name of definition.functions) {
      this.functions[name] = (_args, line) => {
        throw new HclError(`user-defined function ${name}() is not evaluated`, line);
      };
    }
  }

  run(): void {
    for (const block of this.definition.targets.values()) this.expand(block);
    const inherited = new Set<string>();
    for (const instance of this.instances.values()) {
      try {
        for (const parent of this.inheritsOf(instance)) inherited.add(parent);
      } catch {
        // reported when the target itself is resolved
      }
    }
    const groupsOf = this.groupMembership();
    for (const instance of this.instances.values()) {
      const fields = this.resolve(instance.name, []);
      if ("problem" in fields) {
        this.out.problems.push(fields.problem);
        continue;
      }
      const groups = groupsOf.get(instance.name) ?? [];
      // A target only other targets inherit from, outside every group and naming no build
      // context or Dockerfile, is a template (`_common`, docker-metadata-action): not an image.
      const value = fields.value;
      const template =
        inherited.has(instance.name) &&
        groups.length === 0 &&
        value.context === undefined &&
        value.dockerfile === undefined &&
        !value.inline;
      if (!template) this.emit(instance, value, groups);
    }
  }

  private variable(name: string, line: number): HclValue {
    const known = this.variableValues.get(name);
    if (known !== undefined) return known;
    const block = this.definition.variables.get(name);
    if (!block) {
      if (this.definition.functions.has(name)) throw new HclError(`${name} is a function`, line);
      throw new HclError(`unknown variable "${name}"`, line);
    }
    if (this.variableStack.includes(name)) throw new HclError(`variable "${name}" refers to itself`, line);
    const def = block.attrs.get("default");
    if (!def) {
      throw new HclError(
        `variable "${name}" (${block.file}:${block.line}) has no default (bake takes it from the environment)`,
        line,
      );
    }
    this.variableStack.push(name);
    try {
      const value = evaluateHcl(def.expr, {
        variable: (n, l) => this.variable(n, l),
        functions: this.functions,
      });
      // bake: a variable whose default is null is the empty string
      const resolved = value === null ? "" : value;
      this.variableValues.set(name, resolved);
      return resolved;
    } catch (error) {
      if (!(error instanceof HclError)) throw error;
      // report at the use site, naming where the variable is defined
      const message = error.message.startsWith("variable ")
        ? error.message
        : `variable "${name}" (${def.file}:${error.line}): ${error.message}`;
      throw new HclError(message, line);
    } finally {
      this.variableStack.pop();
    }
  }

  /** Evaluates an attribute; errors become LocatedErrors naming the attribute's file. */
  private evaluate(attr: BakeAttr, matrix: Record<string, HclValue>): HclValue {
    try {
      return evaluateHcl(attr.expr, {
        variable: (name, line) => (name in matrix ? matrix[name]! : this.variable(name, line)),
        functions: this.functions,
      });
    } catch (error) {
      if (!(error instanceof HclError)) throw error;
      throw new LocatedError(`${attr.name}: ${error.message}`, attr.file, error.line);
    }
  }

  private evaluateString(attr: BakeAttr, matrix: Record<string, HclValue>): string | undefined {
    const value = this.evaluate(attr, matrix);
    if (value === null) return undefined;
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
      return String(value);
    throw new LocatedError(`${attr.name} must be a string`, attr.file, attr.line);
  }

  private static problem(what: string, error: unknown): string {
    if (!(error instanceof LocatedError)) throw error;
    return `${error.file}:${error.line}: ${what}: ${error.message}`;
  }

  private expand(block: BakeBlock): void {
    const matrixAttr = block.attrs.get("matrix");
    if (!matrixAttr) {
      this.addInstance({ name: block.name, block, matrix: {} });
      return;
    }
    let matrix: HclValue;
    try {
      matrix = this.evaluate(matrixAttr, {});
    } catch (error) {
      this.out.problems.push(BakeEvaluator.problem(`target "${block.name}"`, error));
      return;
    }
    if (!isRecord(matrix) || Object.values(matrix).some((v) => !Array.isArray(v))) {
      this.out.problems.push(
        `${matrixAttr.file}:${matrixAttr.line}: target "${block.name}": matrix must map names to lists`,
      );
      return;
    }
    let combos: Record<string, HclValue>[] = [{}];
    for (const [key, values] of Object.entries(matrix as Record<string, HclValue[]>)) {
      combos = combos.flatMap((combo) => values.map((value) => ({ ...combo, [key]: value })));
    }
    const nameAttr = block.attrs.get("name");
    if (!nameAttr) {
      this.out.problems.push(`${block.file}:${block.line}: target "${block.name}" has a matrix but no name`);
      return;
    }
    for (const combo of combos) {
      try {
        const name = this.evaluateString(nameAttr, combo);
        if (name === undefined) throw new LocatedError("name is null", nameAttr.file, nameAttr.line);
        this.addInstance({ name, block, matrix: combo });
      } catch (error) {
        this.out.problems.push(BakeEvaluator.problem(`target "${block.name}"`, error));
      }
    }
  }

  private addInstance(instance: BakeInstance): void {
    this.instances.set(instance.name, instance);
    const names = this.blockInstances.get(instance.block.name) ?? [];
    names.push(instance.name);
    this.blockInstances.set(instance.block.name, names);
  }

  private inheritsOf(instance: BakeInstance): string[] {
    const attr = instance.block.attrs.get("inherits");
    if (!attr) return [];
    const value = this.evaluate(attr, instance.matrix);
    return (Array.isArray(value) ? value : [value]).map((v) => {
      if (typeof v !== "string")
        throw new LocatedError("inherits must list target names", attr.file, attr.line);
      return v;
    });
  }

  /** Instance name → the groups (transitively) listing it; unknown members are problems. */
  private groupMembership(): Map<string, string[]> {
    const membership = new Map<string, string[]>();
    const visit = (group: BakeBlock, top: string, seen: Set<string>) => {
      if (seen.has(group.name)) return;
      seen.add(group.name);
      const attr = group.attrs.get("targets");
      if (!attr) return;
      let members: HclValue;
      try {
        members = this.evaluate(attr, {});
      } catch (error) {
        if (top === group.name) this.out.problems.push(BakeEvaluator.problem(`group "${group.name}"`, error));
        return;
      }
      for (const member of Array.isArray(members) ? members : [members]) {
        if (typeof member !== "string") continue;
        const names = this.instances.has(member) ? [member] : (this.blockInstances.get(member) ?? []);
        const nested = this.definition.groups.get(member);
        if (names.length === 0 && nested) {
          visit(nested, top, seen);
        } else if (names.length === 0) {
          // a target whose definition failed is reported on its own; only truly unknown names here
          if (top === group.name && !this.definition.targets.has(member)) {
            this.out.problems.push(
              `${attr.file}:${attr.line}: group "${group.name}" lists unknown target "${member}"`,
            );
          }
        } else {
          for (const name of names) {
            const list = membership.get(name) ?? [];
            if (!list.includes(top)) list.push(top);
            membership.set(name, list);
          }
        }
      }
    };
    for (const group of this.definition.groups.values()) visit(group, group.name, new Set());
    return membership;
  }

  /** The target's fields, its `inherits` applied in order (later parents, then its own, win). */
  private resolve(name: string, stack: string[]): { value: BakeFields } | { problem: string } {
    const memo = this.fields.get(name);
    if (memo) return memo;
    const instance = this.instances.get(name)!;
    const block = instance.block;
    const where = `${block.file}:${block.line}`;
    if (stack.includes(name)) {
      return { problem: `${where}: target "${name}" inherits itself (${[...stack, name].join(" → ")})` };
    }
    let result: { value: BakeFields } | { problem: string } | undefined;
    try {
      let fields: BakeFields = { args: {}, contexts: {} };
      for (const parent of this.inheritsOf(instance)) {
        const attr = block.attrs.get("inherits")!;
        if (!this.instances.has(parent)) {
          throw new LocatedError(`inherits unknown target "${parent}"`, attr.file, attr.line);
        }
        const parentFields = this.resolve(parent, [...stack, name]);
        if ("problem" in parentFields) {
          result = {
            problem: `${attr.file}:${attr.line}: target "${name}" inherits "${parent}", which cannot be resolved`,
          };
          break;
        }
        fields = mergeBakeFields(fields, parentFields.value);
      }
      result ??= { value: mergeBakeFields(fields, this.ownFields(instance)) };
    } catch (error) {
      result = { problem: BakeEvaluator.problem(`target "${name}"`, error) };
    }
    this.fields.set(name, result);
    return result;
  }

  private ownFields(instance: BakeInstance): BakeFields {
    const { block, matrix } = instance;
    const fields: BakeFields = { args: {}, contexts: {} };
    const string = (key: string): string | undefined => {
      const attr = block.attrs.get(key);
      return attr ? this.evaluateString(attr, matrix) : undefined;
    };
    const map = (key: string): Record<string, string | null> => {
      const attr = block.attrs.get(key);
      if (!attr) return {};
      const value = this.evaluate(attr, matrix);
      if (value === null) return {};
      if (!isRecord(value)) throw new LocatedError(`${key} must be a map`, attr.file, attr.line);
      const out: Record<string, string | null> = {};
      for (const [k, v] of Object.entries(value)) {
        if (v === null) out[k] = null;
        else if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") out[k] = String(v);
        else throw new LocatedError(`${key}.${k} must be a string`, attr.file, attr.line);
      }
      return out;
    };
    const context = string("context");
    if (context !== undefined) fields.context = context;
    const dockerfile = string("dockerfile");
    if (dockerfile !== undefined) fields.dockerfile = dockerfile;
    if (string("dockerfile-inline") !== undefined) fields.inline = true;
    const target = string("target");
    if (target !== undefined) fields.target = target;
    fields.args = map("args");
    for (const [k, v] of Object.entries(map("contexts"))) if (v !== null) fields.contexts[k] = v;
    // tags only feed a hint: one that cannot be evaluated is no reason to give up the target
    const tagsAttr = block.attrs.get("tags");
    if (tagsAttr) {
      try {
        const tags = this.evaluate(tagsAttr, matrix);
        if (Array.isArray(tags)) fields.tags = tags.filter((t): t is string => typeof t === "string");
      } catch (error) {
        if (!(error instanceof LocatedError)) throw error;
      }
    }
    return fields;
  }

  private emit(instance: BakeInstance, fields: BakeFields, groups: string[]): void {
    const { block } = instance;
    const where = `${block.file}:${block.line}`;
    const label = `target "${instance.name}"`;
    const contextRaw = stripCwd(fields.context ?? ".");
    if (remoteContext(contextRaw.path)) {
      this.out.problems.push(
        `${where}: ${label}: context ${contextRaw.path} is a remote context, not a directory of this repository`,
      );
      return;
    }
    const context = repoPath(this.dir, contextRaw.path);
    if ("why" in context) return void this.out.problems.push(`${where}: ${label}: context ${context.why}`);
    // bake: `dockerfile` is relative to the context; `cwd://` makes it relative to the working dir
    const dockerfileRaw = stripCwd(fields.dockerfile ?? "Dockerfile");
    const dockerfile = repoPath(dockerfileRaw.cwd ? this.dir : context.value, dockerfileRaw.path);
    if ("why" in dockerfile)
      return void this.out.problems.push(`${where}: ${label}: dockerfile ${dockerfile.why}`);
    const collected = {
      additionalContexts: {} as Record<string, string>,
      notes: [] as string[],
      problems: [] as string[],
    };
    for (const [name, raw] of Object.entries(fields.contexts)) {
      const dependency = /^target:(.+)$/.exec(raw);
      if (dependency && !this.instances.has(dependency[1]!) && !this.blockInstances.has(dependency[1]!)) {
        collected.problems.push(
          `${where}: ${label}: context ${name} = ${raw} names no target of this bake file`,
        );
        continue;
      }
      // named contexts are paths relative to where bake runs, like the main context
      addNamedContext(name, stripCwd(raw).path, this.dir, where, collected);
    }
    this.out.problems.push(...collected.problems);
    const buildArgs: Record<string, string> = {};
    for (const [key, value] of Object.entries(fields.args)) if (value !== null) buildArgs[key] = value;
    const notes = collected.notes;
    if (instance.name !== block.name) notes.push(`from the matrix of target "${block.name}"`);
    if (groups.length > 0) notes.push(`in bake group${groups.length > 1 ? "s" : ""} ${groups.join(", ")}`);
    if (this.dir !== "") notes.push(`paths resolved against ${this.dir}/, assuming bake runs there`);
    const ref = fields.tags?.map(refWithoutTag).find((r) => r !== undefined);
    if (ref) notes.push(`tagged ${ref}`);
    const found: Found = {
      name: sanitizeName(instance.name),
      nameRank: NAME_RANK.bake,
      context: context.value,
      dockerfile: dockerfile.value,
      additionalContexts: collected.additionalContexts,
      buildArgs,
      foundIn: where,
      notes,
    };
    if (fields.target !== undefined) found.target = fields.target;
    if (fields.inline) {
      found.inlineKey = `inline:${where}:${instance.name}`;
      notes.push("dockerfile-inline: there is no Dockerfile file (`dockerfile` is only the default path)");
    }
    this.out.found.push(found);
  }
}

function stripCwd(path: string): { path: string; cwd: boolean } {
  return path.startsWith("cwd://")
    ? { path: path.slice("cwd://".length) || ".", cwd: true }
    : { path, cwd: false };
}

function mergeBakeFields(under: BakeFields, over: BakeFields): BakeFields {
  const merged: BakeFields = {
    args: { ...under.args, ...over.args },
    contexts: { ...under.contexts, ...over.contexts },
  };
  const context = over.context ?? under.context;
  if (context !== undefined) merged.context = context;
  if (over.dockerfile !== undefined || over.inline) {
    if (over.dockerfile !== undefined) merged.dockerfile = over.dockerfile;
    if (over.inline) merged.inline = true;
  } else {
    if (under.dockerfile !== undefined) merged.dockerfile = under.dockerfile;
    if (under.inline) merged.inline = true;
  }
  const target = over.target ?? under.target;
  if (target !== undefined) merged.target = target;
  const tags = over.tags ?? under.tags;
  if (tags !== undefined) merged.tags = tags;
  return merged;
}

// ---------------------------------------------------------------------------------------------
// GitHub workflows

/** Stands for what is not known statically (an expression, a shell variable) inside a string. */
const UNKNOWN = "\uFFFD";
/** Stands for the workspace root ($GITHUB_WORKSPACE, ${{ github.workspace }}) at a path's start. */
const WORKSPACE = "\u0000workspace";

type Env = ReadonlyMap<string, string | undefined>;

/** A string with `${{ … }}` resolved where possible; `unknown` lists the others (now U+FFFD). */
interface Expanded {
  text: string;
  unknown: string[];
}

/**
 * GitHub expressions that can be known statically: `github.workspace`, `env.X` with a literal
 * value in the workflow, and string literals. Everything else (matrix, inputs, steps outputs,
 * secrets) depends on the run.
 */
function ghExpression(expr: string, env: Env): string | undefined {
  const e = expr.trim();
  if (e === "github.workspace") return WORKSPACE;
  const literal = /^'((?:[^']|'')*)'$/.exec(e);
  if (literal) return literal[1]!.replace(/''/g, "'");
  const envRef = /^env\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(e) ?? /^env\[\s*'([^']+)'\s*\]$/.exec(e);
  if (envRef) return env.get(envRef[1]!);
  return undefined;
}

function expandGh(text: string, env: Env): Expanded {
  const unknown: string[] = [];
  const out = text.replace(/\$\{\{([\s\S]*?)\}\}/g, (whole, expr: string) => {
    const value = ghExpression(expr, env);
    if (value !== undefined) return value;
    unknown.push(whole);
    return UNKNOWN;
  });
  return { text: out, unknown };
}

function envMap(raw: unknown, outer: Env): Map<string, string | undefined> {
  const env = new Map(outer);
  if (!isRecord(raw)) return env;
  for (const [key, value] of Object.entries(raw)) {
    const text = scalarString(value);
    if (text === undefined) {
      env.set(key, undefined);
      continue;
    }
    const expanded = expandGh(text, outer);
    env.set(key, expanded.unknown.length ? undefined : expanded.text);
  }
  return env;
}

/** Where a job's files are relative to, and how workspace paths map to repo paths. */
interface JobContext {
  file: string;
  parsed: ParsedText;
  lines: string[];
  jobId: string;
  /** Where actions/checkout put this repository in the workspace ("" = the workspace itself). */
  checkoutPath: string;
}

/** A workspace-relative path as a repo path (they differ when actions/checkout has a `path`). */
function toRepo(job: JobContext, workspacePath: string): { value: string } | { why: string } {
  if (job.checkoutPath === "") return { value: workspacePath };
  if (workspacePath === job.checkoutPath || workspacePath.startsWith(`${job.checkoutPath}/`)) {
    return { value: workspacePath.slice(job.checkoutPath.length).replace(/^\//, "") };
  }
  return { why: `${JSON.stringify(workspacePath)} is outside the checkout at ${job.checkoutPath}` };
}

/** `path` (after expansion) relative to the workspace dir `cwd`, as a repo path. */
function workflowPath(job: JobContext, cwd: string, path: string): { value: string } | { why: string } {
  let workspacePath: { value: string } | { why: string };
  if (path.startsWith(WORKSPACE))
    workspacePath = repoPath("", path.slice(WORKSPACE.length).replace(/^\/+/, "") || ".");
  else workspacePath = repoPath(cwd, path);
  if ("why" in workspacePath) return workspacePath;
  return toRepo(job, workspacePath.value);
}

function discoverWorkflow(file: string, text: string, out: Sink): void {
  const parsed = parseYaml(file, text, out.problems);
  if (!parsed) return;
  const data = resolveMerges(parsed.data);
  if (!isRecord(data) || !isRecord(data.jobs)) return;
  const lines = text.split("\n");
  const workflowEnv = envMap(data.env, new Map([["GITHUB_WORKSPACE", WORKSPACE]]));
  const workflowWd = runWorkingDirectory(data.defaults);
  for (const [jobId, job] of Object.entries(data.jobs)) {
    if (!isRecord(job) || !Array.isArray(job.steps)) continue;
    const jobEnv = envMap(job.env, workflowEnv);
    const checkout = job.steps.find(
      (s) =>
        isRecord(s) &&
        typeof s.uses === "string" &&
        /^actions\/checkout@/.test(s.uses) &&
        (!isRecord(s.with) ||
          s.with.repository === undefined ||
          /github\.repository\b/.test(String(s.with.repository))),
    );
    const checkoutRaw =
      isRecord(checkout) && isRecord(checkout.with) ? scalarString(checkout.with.path) : undefined;
    const checkoutPath = checkoutRaw === undefined ? { value: "" } : repoPath("", checkoutRaw);
    const context: JobContext = {
      file,
      parsed,
      lines,
      jobId,
      checkoutPath: "value" in checkoutPath ? checkoutPath.value : "",
    };
    const jobWd = runWorkingDirectory(job.defaults) ?? workflowWd;
    job.steps.forEach((step, index) => {
      if (!isRecord(step)) return;
      const stepEnv = envMap(step.env, jobEnv);
      const path = ["jobs", jobId, "steps", index];
      if (typeof step.uses === "string" && /^docker\/build-push-action@/.test(step.uses)) {
        buildPushAction(context, step, path, job.steps as unknown[], stepEnv, out);
      } else if (typeof step.run === "string" && /\bdocker\b/.test(step.run)) {
        const shell = scalarString(step.shell) ?? runShell(job.defaults) ?? runShell(data.defaults);
        if (shell !== undefined && !/^(bash|sh)\b/.test(shell)) return; // pwsh, python, cmd: not parsed
        const wd = step["working-directory"] !== undefined ? step["working-directory"] : jobWd;
        runStep(context, step, path, wd, stepEnv, out);
      }
    });
  }
}

function runWorkingDirectory(defaults: unknown): unknown {
  return isRecord(defaults) && isRecord(defaults.run) ? defaults.run["working-directory"] : undefined;
}

function runShell(defaults: unknown): string | undefined {
  return isRecord(defaults) && isRecord(defaults.run) ? scalarString(defaults.run.shell) : undefined;
}

function lineAt(job: JobContext, path: (string | number)[]): string {
  return `${job.file}:${job.parsed.lineOf(path) ?? 1}`;
}

/** An action input list: one item a line, and (unless `ignoreComma`) comma-separated on a line. */
function inputList(value: unknown, ignoreComma: boolean): string[] {
  const text = scalarString(value);
  if (text === undefined) return [];
  return text
    .split(/\r?\n/)
    .flatMap((line) => (ignoreComma ? [line] : line.split(",")))
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/**
 * docker/build-push-action: without `context` it builds the Git context (the commit's tree at
 * the repository root), and then `file` is read from that context; with a path context `file`
 * is relative to the workspace (the action does not take a working-directory).
 */
function buildPushAction(
  job: JobContext,
  step: Record<string, unknown>,
  path: (string | number)[],
  steps: unknown[],
  env: Env,
  out: Sink,
): void {
  const inputs = isRecord(step.with) ? step.with : {};
  const where = lineAt(job, path);
  const at = (input: string) => lineAt(job, [...path, "with", input]);
  const notes: string[] = [];
  const unresolved = (input: string, value: string, expanded: Expanded) =>
    `${at(input)}: build-push-action ${input} ${JSON.stringify(value)} uses ${expanded.unknown.join(", ")}, which cannot be resolved statically`;

  let context: string;
  let gitContext = false;
  const contextRaw = scalarString(inputs.context);
  const defaultContext =
    contextRaw === undefined ? undefined : /^\{\{\s*defaultContext\s*\}\}(?::(.*))?$/.exec(contextRaw.trim());
  if (contextRaw === undefined || contextRaw.trim() === "" || defaultContext) {
    gitContext = true;
    const sub = defaultContext?.[1] ?? "";
    const expanded = expandGh(sub, env);
    if (expanded.unknown.length)
      return void out.problems.push(unresolved("context", contextRaw ?? "", expanded));
    const path = repoPath("", expanded.text || ".");
    if ("why" in path)
      return void out.problems.push(`${at("context")}: build-push-action context ${path.why}`);
    context = path.value;
    notes.push(
      contextRaw === undefined
        ? "build-push-action without `context` builds the Git context (the commit's files at the repository root), not the checked-out workspace"
        : "build-push-action builds the Git context (the commit's files), not the checked-out workspace",
    );
  } else {
    const expanded = expandGh(contextRaw, env);
    if (expanded.unknown.length) return void out.problems.push(unresolved("context", contextRaw, expanded));
    if (remoteContext(expanded.text)) {
      return void out.problems.push(
        `${at("context")}: build-push-action context ${expanded.text} is a remote context, not a directory of this repository`,
      );
    }
    const path = workflowPath(job, "", expanded.text);
    if ("why" in path)
      return void out.problems.push(`${at("context")}: build-push-action context ${path.why}`);
    context = path.value;
  }

  let dockerfile = joinRepoPath(context, "Dockerfile");
  const fileRaw = scalarString(inputs.file);
  if (fileRaw !== undefined && fileRaw.trim() !== "") {
    const expanded = expandGh(fileRaw, env);
    if (expanded.unknown.length) return void out.problems.push(unresolved("file", fileRaw, expanded));
    const path = gitContext ? repoPath(context, expanded.text) : workflowPath(job, "", expanded.text);
    if ("why" in path) return void out.problems.push(`${at("file")}: build-push-action file ${path.why}`);
    dockerfile = path.value;
  }

  let target: string | undefined;
  const targetRaw = scalarString(inputs.target);
  if (targetRaw !== undefined && targetRaw.trim() !== "") {
    const expanded = expandGh(targetRaw, env);
    if (expanded.unknown.length) return void out.problems.push(unresolved("target", targetRaw, expanded));
    target = expanded.text;
  }

  const additionalContexts: Record<string, string> = {};
  for (const item of inputList(inputs["build-contexts"], true)) {
    const eq = item.indexOf("=");
    if (eq < 0) {
      out.problems.push(`${at("build-contexts")}: build context ${JSON.stringify(item)} is not name=path`);
      continue;
    }
    const name = item.slice(0, eq).trim();
    let value = item.slice(eq + 1).trim();
    const fromGit = /^\{\{\s*defaultContext\s*\}\}(?::(.*))?$/.exec(value);
    if (fromGit) value = fromGit[1] ?? ".";
    const expanded = expandGh(value, env);
    if (expanded.unknown.length) {
      out.problems.push(unresolved("build-contexts", item, expanded));
      continue;
    }
    const collected = { additionalContexts, notes, problems: out.problems };
    if (fromGit || remoteContext(expanded.text) || /^(target|service):/.test(expanded.text)) {
      addNamedContext(name, expanded.text, "", at("build-contexts"), collected);
    } else {
      const resolved = workflowPath(job, "", expanded.text);
      if ("why" in resolved)
        out.problems.push(`${at("build-contexts")}: build context ${name}: ${resolved.why}`);
      else additionalContexts[name] = resolved.value;
    }
  }

  const buildArgs: Record<string, string> = {};
  for (const item of inputList(inputs["build-args"], true)) {
    const eq = item.indexOf("=");
    if (eq < 0) {
      notes.push(`build arg ${item} has no value here (taken from the environment)`);
      continue;
    }
    const name = item.slice(0, eq);
    const expanded = expandGh(item.slice(eq + 1), env);
    if (expanded.unknown.length) notes.push(`build arg ${name} is set from ${expanded.unknown.join(", ")}`);
    else buildArgs[name] = expanded.text;
  }

  const refs = buildPushRefs(inputs.tags, steps, env);
  const fromTag = refs.map(nameFromRef).find((n) => n !== undefined);
  const ref = refs.map(refWithoutTag).find((r) => r !== undefined);
  if (ref) notes.push(`tagged ${ref}`);
  if (step["working-directory"] !== undefined)
    notes.push("working-directory does not apply to an action step (ignored)");
  const stepId = scalarString(step.id);
  const found: Found = {
    name: sanitizeName(fromTag ?? stepId ?? job.jobId),
    nameRank: fromTag ? NAME_RANK.tag : NAME_RANK.id,
    context,
    dockerfile,
    additionalContexts,
    buildArgs,
    foundIn: where,
    notes,
  };
  if (target !== undefined) found.target = target;
  out.found.push(found);
}

/**
 * The image references of a build-push-action step: its `tags`, or, when they come from a
 * docker/metadata-action step (`${{ steps.meta.outputs.tags }}`), that step's `images`.
 */
function buildPushRefs(tags: unknown, steps: unknown[], env: Env): string[] {
  const refs: string[] = [];
  for (const tag of inputList(tags, false)) {
    const meta = /^\$\{\{\s*steps\.([A-Za-z0-9_-]+)\.outputs\.tags\s*\}\}$/.exec(tag);
    const metaStep = meta ? steps.find((s) => isRecord(s) && s.id === meta[1]) : undefined;
    if (
      isRecord(metaStep) &&
      typeof metaStep.uses === "string" &&
      /^docker\/metadata-action@/.test(metaStep.uses)
    ) {
      const images = isRecord(metaStep.with) ? metaStep.with.images : undefined;
      for (const line of inputList(images, true)) {
        // "name=ghcr.io/acme/api,enable=true" or plain "ghcr.io/acme/api[,other]"
        const named = /(?:^|,)\s*name=([^,]+)/.exec(line);
        const entries = named ? [named[1]!] : line.split(",");
        for (const entry of entries) refs.push(expandGh(entry.trim(), env).text);
      }
      continue;
    }
    refs.push(expandGh(tag, env).text);
  }
  return refs;
}

// --- run: steps -------------------------------------------------------------------------------

type WordPart = { lit: string } | { param: string; fallback?: string } | { opaque: string };

interface ShellWord {
  parts: WordPart[];
  line: number;
}

type ShellItem = { kind: "command"; words: ShellWord[]; line: number } | { kind: "open" } | { kind: "close" };

/** Stands for a `${{ … }}` in a run script (GitHub substitutes them before the shell runs). */
const GH_OPEN = "\uE000";
const GH_CLOSE = "\uE001";

/**
 * A POSIX-shell reader good enough to find commands: quotes, escapes, line continuations,
 * comments, `;` `&&` `||` `|` `&`, subshells, redirections and heredocs (whose bodies are
 * skipped). Expansions are kept symbolic (`$VAR`, `${VAR:-x}`), command substitutions opaque.
 */
function parseShell(script: string): ShellItem[] {
  const items: ShellItem[] = [];
  const s = script;
  let i = 0;
  let line = 1;
  let words: ShellWord[] = [];
  let commandLine = 1;
  let skipNextWord = false;
  const heredocs: { delimiter: string; strip: boolean }[] = [];
  const flush = () => {
    if (words.length) items.push({ kind: "command", words, line: commandLine });
    words = [];
  };
  const skipHeredocBodies = () => {
    for (const doc of heredocs.splice(0)) {
      while (i < s.length) {
        const end = s.indexOf("\n", i);
        const raw = s.slice(i, end < 0 ? s.length : end).replace(/\r$/, "");
        i = end < 0 ? s.length : end + 1;
        line++;
        if ((doc.strip ? raw.replace(/^\t+/, "") : raw) === doc.delimiter) break;
      }
    }
  };

  const readBalanced = (open: string, close: string): string => {
    // at s[i] === open; returns the text including both ends
    const start = i;
    let depth = 0;
    while (i < s.length) {
      const ch = s[i]!;
      if (ch === "\\") {
        i += 2;
        continue;
      }
      if (ch === "'" && open !== "{") {
        const end = s.indexOf("'", i + 1);
        i = end < 0 ? s.length : end + 1;
        continue;
      }
      if (ch === "\n") line++;
      if (ch === open) depth++;
      else if (ch === close && --depth === 0) {
        i++;
        break;
      }
      i++;
    }
    return s.slice(start, i);
  };

  /** At a `$`: reads an expansion into `parts`; false when the `$` is a plain character. */
  const readDollar = (parts: WordPart[], flushLit: () => void): boolean => {
    const next = s[i + 1] ?? "";
    if (next === "(") {
      flushLit();
      i++;
      parts.push({ opaque: `$${readBalanced("(", ")")}` });
      return true;
    }
    if (next === "{") {
      flushLit();
      i++;
      const body = readBalanced("{", "}");
      const inner = body.slice(1, -1);
      const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-=])(.*))?$/s.exec(inner);
      if (!match) parts.push({ opaque: `$${body}` });
      else if (match[2] === undefined) parts.push({ param: match[1]! });
      else parts.push({ param: match[1]!, fallback: match[3] ?? "" });
      return true;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i + 1))?.[0];
    if (name) {
      flushLit();
      parts.push({ param: name });
      i += 1 + name.length;
      return true;
    }
    if (/^[0-9@*#?$!-]$/.test(next)) {
      flushLit();
      parts.push({ opaque: `$${next}` });
      i += 2;
      return true;
    }
    return false;
  };

  const readWord = (): ShellWord => {
    const parts: WordPart[] = [];
    const start = line;
    let lit = "";
    const flushLit = () => {
      if (lit) parts.push({ lit });
      lit = "";
    };
    while (i < s.length) {
      const ch = s[i]!;
      if (" \t\r\n;&|()<>".includes(ch)) break;
      if (ch === "\\") {
        if (s[i + 1] === "\n") line++;
        else lit += s[i + 1] ?? "";
        i += 2;
        continue;
      }
      if (ch === "'") {
        const end = s.indexOf("'", i + 1);
        const body = end < 0 ? s.slice(i + 1) : s.slice(i + 1, end);
        line += body.split("\n").length - 1;
        lit += body;
        i = end < 0 ? s.length : end + 1;
        continue;
      }
      if (ch === '"') {
        i++;
        while (i < s.length && s[i] !== '"') {
          const c = s[i]!;
          if (c === "\\" && '$`"\\\n'.includes(s[i + 1] ?? "")) {
            if (s[i + 1] === "\n") line++;
            else lit += s[i + 1];
            i += 2;
          } else if (c === "$" && readDollar(parts, flushLit)) {
            // an expansion inside double quotes
          } else if (c === "`") {
            flushLit();
            const end = s.indexOf("`", i + 1);
            parts.push({ opaque: s.slice(i, end < 0 ? s.length : end + 1) });
            i = end < 0 ? s.length : end + 1;
          } else {
            if (c === "\n") line++;
            lit += c;
            i++;
          }
        }
        i++;
        continue;
      }
      if (ch === "$" && readDollar(parts, flushLit)) continue;
      if (ch === "`") {
        flushLit();
        const end = s.indexOf("`", i + 1);
        parts.push({ opaque: s.slice(i, end < 0 ? s.length : end + 1) });
        i = end < 0 ? s.length : end + 1;
        continue;
      }
      lit += ch;
      i++;
    }
    flushLit();
    return { parts, line: start };
  };

  while (i < s.length) {
    const ch = s[i]!;
    if (ch === "\\" && s[i + 1] === "\n") {
      i += 2;
      line++;
    } else if (ch === " " || ch === "\t" || ch === "\r") {
      i++;
    } else if (ch === "\n") {
      flush();
      i++;
      line++;
      skipHeredocBodies();
    } else if (ch === "#") {
      while (i < s.length && s[i] !== "\n") i++;
    } else if (ch === "&" && s[i + 1] === ">") {
      i += s[i + 2] === ">" ? 3 : 2;
      skipNextWord = true;
    } else if (ch === ";" || ch === "&" || ch === "|") {
      flush();
      i += s[i + 1] === ch || (ch === "|" && s[i + 1] === "&") ? 2 : 1;
    } else if (ch === "(" || ch === ")") {
      flush();
      items.push({ kind: ch === "(" ? "open" : "close" });
      i++;
    } else if (ch === "<" || ch === ">") {
      if (s.startsWith("<<<", i)) {
        i += 3;
        skipNextWord = true;
      } else if (s.startsWith("<<", i)) {
        i += 2;
        const strip = s[i] === "-";
        if (strip) i++;
        while (s[i] === " " || s[i] === "\t") i++;
        const delimiter = readWord()
          .parts.map((p) => ("lit" in p ? p.lit : ""))
          .join("");
        heredocs.push({ delimiter, strip });
      } else {
        i++;
        if (s[i] === ">" || s[i] === "&" || s[i] === "|") i++;
        skipNextWord = true;
      }
    } else {
      const word = readWord();
      const only = word.parts.length === 1 ? word.parts[0] : undefined;
      if (only && "lit" in only && /^\d+$/.test(only.lit) && (s[i] === ">" || s[i] === "<")) continue; // 2>&1
      if (skipNextWord) {
        skipNextWord = false;
        continue;
      }
      if (words.length === 0) commandLine = word.line;
      words.push(word);
    }
  }
  flush();
  return items;
}

interface ShellState {
  cwd: { value: string } | { why: string };
  vars: Map<string, string | undefined>;
}

/** A shell word's text: unknown pieces are U+FFFD and listed. GitHub expressions resolve first. */
function expandWord(word: ShellWord, state: ShellState, gh: Expanded[]): Expanded {
  let text = "";
  const unknown: string[] = [];
  const literal = (value: string) => {
    text += value.replace(new RegExp(`${GH_OPEN}(\\d+)${GH_CLOSE}`, "g"), (_m, index: string) => {
      const expr = gh[Number(index)]!;
      unknown.push(...expr.unknown);
      return expr.text;
    });
  };
  for (const part of word.parts) {
    if ("lit" in part) literal(part.lit);
    else if ("param" in part) {
      const value = state.vars.get(part.param);
      if (value !== undefined) text += value;
      else if (part.fallback !== undefined && !part.fallback.includes("$")) literal(part.fallback);
      else {
        unknown.push(`$${part.param}`);
        text += UNKNOWN;
      }
    } else {
      unknown.push(part.opaque);
      text += UNKNOWN;
    }
  }
  return { text, unknown };
}

const DOCKER_VALUE_FLAGS = new Set([
  "add-host",
  "allow",
  "annotation",
  "attest",
  "build-arg",
  "build-context",
  "builder",
  "cache-from",
  "cache-to",
  "call",
  "cgroup-parent",
  "cpu-period",
  "cpu-quota",
  "cpu-shares",
  "cpuset-cpus",
  "cpuset-mems",
  "file",
  "iidfile",
  "isolation",
  "label",
  "memory",
  "memory-swap",
  "metadata-file",
  "network",
  "no-cache-filter",
  "output",
  "platform",
  "progress",
  "secret",
  "security-opt",
  "shm-size",
  "ssh",
  "tag",
  "target",
  "ulimit",
]);
const DOCKER_SHORT_VALUE: Record<string, string> = {
  f: "file",
  t: "tag",
  o: "output",
  m: "memory",
  c: "cpu-shares",
};
const DOCKER_GLOBAL_VALUE = new Set([
  "--config",
  "-c",
  "--context",
  "-H",
  "--host",
  "-l",
  "--log-level",
  "--tlscacert",
  "--tlscert",
  "--tlskey",
]);

/** Index of the first argument of `docker [buildx|image|builder] build`, or undefined. */
function dockerBuildStart(texts: string[]): number | undefined {
  if (!/(?:^|\/)docker$/.test(texts[0] ?? "")) return undefined;
  let i = 1;
  const skipOptions = (valueFlags: Set<string>) => {
    while (i < texts.length && texts[i]!.startsWith("-")) {
      const word = texts[i]!;
      i += valueFlags.has(word) ? 2 : 1;
    }
  };
  skipOptions(DOCKER_GLOBAL_VALUE);
  const sub = texts[i];
  if (sub === "build") return i + 1;
  if (sub === "image" || sub === "builder") return texts[i + 1] === "build" ? i + 2 : undefined;
  if (sub === "buildx") {
    i++;
    skipOptions(new Set(["--builder"]));
    return texts[i] === "build" || texts[i] === "b" ? i + 1 : undefined;
  }
  return undefined;
}

const RESERVED_PREFIX = new Set([
  "if",
  "then",
  "else",
  "elif",
  "do",
  "while",
  "until",
  "!",
  "time",
  "{",
  "}",
  "sudo",
  "exec",
  "command",
]);

/** `run:` steps: every `docker build` / `docker buildx build` / `docker image build` in the script. */
function runStep(
  job: JobContext,
  step: Record<string, unknown>,
  path: (string | number)[],
  workingDirectory: unknown,
  env: Env,
  out: Sink,
): void {
  const script = step.run as string;
  // GitHub substitutes ${{ … }} before the shell sees the script: keep them as opaque tokens.
  const gh: Expanded[] = [];
  const masked = script.replace(/\$\{\{[\s\S]*?\}\}/g, (whole) => {
    gh.push(expandGh(whole, env));
    return `${GH_OPEN}${gh.length - 1}${GH_CLOSE}`;
  });
  const runLine = job.parsed.lineOf([...path, "run"]) ?? 1;
  // A block scalar (`run: |`) starts on the next line; a one-line script is on the key's line.
  const firstLine = /:\s*\|[-+0-9]*\s*(#.*)?$/.test(job.lines[runLine - 1] ?? "") ? runLine + 1 : runLine;
  const wdWhere = lineAt(job, [...path, "working-directory"]);

  let cwd: ShellState["cwd"] = { value: "" };
  const wdRaw = scalarString(workingDirectory);
  if (wdRaw !== undefined) {
    const expanded = expandGh(wdRaw, env);
    if (expanded.unknown.length)
      cwd = { why: `working-directory ${JSON.stringify(wdRaw)} uses ${expanded.unknown.join(", ")}` };
    else {
      const resolved = workflowPath({ ...job, checkoutPath: "" }, "", expanded.text);
      cwd = "why" in resolved ? { why: `working-directory ${resolved.why}` } : resolved;
    }
  }
  const state: ShellState = { cwd, vars: new Map(env) };
  const stack: ShellState[] = [];

  for (const item of parseShell(masked)) {
    if (item.kind === "open") {
      stack.push({ cwd: state.cwd, vars: new Map(state.vars) });
      continue;
    }
    if (item.kind === "close") {
      const saved = stack.pop();
      if (saved) {
        state.cwd = saved.cwd;
        state.vars = saved.vars;
      }
      continue;
    }
    let words = item.words;
    const texts = () => words.map((w) => expandWord(w, state, gh).text);
    while (words.length && RESERVED_PREFIX.has(texts()[0]!)) words = words.slice(1);
    // leading NAME=value: assignments (alone) or a per-command environment
    let assignments = 0;
    while (assignments < words.length && isAssignment(words[assignments]!)) assignments++;
    if (assignments === words.length) {
      for (const word of words) assign(word, state, gh);
      continue;
    }
    words = words.slice(assignments);
    const command = texts();
    const name = command[0];
    if (name === "export") {
      for (const word of words.slice(1)) if (isAssignment(word)) assign(word, state, gh);
      continue;
    }
    if (name === "cd" || name === "pushd" || name === "popd") {
      if (name === "pushd") stack.push({ cwd: state.cwd, vars: state.vars });
      if (name === "popd") {
        state.cwd = stack.pop()?.cwd ?? { why: "popd without pushd" };
        continue;
      }
      const target = words[1] ? expandWord(words[1], state, gh) : undefined;
      if (!target || target.text === "-" || target.unknown.length) {
        state.cwd = {
          why: `the script changes directory (${command.join(" ")}) to a place not known statically`,
        };
      } else if ("why" in state.cwd && !target.text.startsWith(WORKSPACE)) {
        // still unknown
      } else {
        const base = "value" in state.cwd ? state.cwd.value : "";
        const resolved = target.text.startsWith(WORKSPACE)
          ? repoPath("", target.text.slice(WORKSPACE.length).replace(/^\/+/, "") || ".")
          : repoPath(base, target.text);
        state.cwd = "why" in resolved ? { why: `cd ${resolved.why}` } : resolved;
      }
      continue;
    }
    const start = dockerBuildStart(command);
    if (start === undefined) continue;
    const where = `${job.file}:${firstLine + item.line - 1}`;
    dockerBuild(job, where, words.slice(start), state, gh, step, wdWhere, out);
  }
}

function isAssignment(word: ShellWord): boolean {
  const first = word.parts[0];
  return first !== undefined && "lit" in first && /^[A-Za-z_][A-Za-z0-9_]*=/.test(first.lit);
}

function assign(word: ShellWord, state: ShellState, gh: Expanded[]): void {
  const expanded = expandWord(word, state, gh);
  const eq = expanded.text.indexOf("=");
  const name = expanded.text.slice(0, eq);
  state.vars.set(name, expanded.unknown.length ? undefined : expanded.text.slice(eq + 1));
}

/** One `docker build` command line: options, then the context (the last operand). */
function dockerBuild(
  job: JobContext,
  where: string,
  words: ShellWord[],
  state: ShellState,
  gh: Expanded[],
  step: Record<string, unknown>,
  wdWhere: string,
  out: Sink,
): void {
  const args = words.map((w) => expandWord(w, state, gh));
  const notes: string[] = [];
  let file: Expanded | undefined;
  let target: Expanded | undefined;
  const tags: Expanded[] = [];
  const buildArgs: Expanded[] = [];
  const buildContexts: Expanded[] = [];
  const operands: Expanded[] = [];
  const take = (flag: string, value: Expanded | undefined) => {
    if (!value) return;
    if (flag === "file") file = value;
    else if (flag === "target") target = value;
    else if (flag === "tag") tags.push(value);
    else if (flag === "build-arg") buildArgs.push(value);
    else if (flag === "build-context") buildContexts.push(value);
  };
  let optionsDone = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const text = arg.text;
    if (optionsDone || !text.startsWith("-") || text === "-") {
      operands.push(arg);
    } else if (text === "--") {
      optionsDone = true;
    } else if (text.startsWith("--")) {
      const eq = text.indexOf("=");
      const flag = text.slice(2, eq < 0 ? undefined : eq);
      if (eq >= 0) take(flag, { text: text.slice(eq + 1), unknown: arg.unknown });
      else if (DOCKER_VALUE_FLAGS.has(flag)) take(flag, args[++i]);
    } else {
      for (let j = 1; j < text.length; j++) {
        const flag = DOCKER_SHORT_VALUE[text[j]!];
        if (!flag) continue;
        const rest = text.slice(j + 1).replace(/^=/, "");
        take(flag, rest ? { text: rest, unknown: arg.unknown } : args[++i]);
        break;
      }
    }
  }
  for (const operand of operands.slice(0, -1)) {
    if (operand.unknown.length)
      notes.push(
        `docker build argument ${operand.unknown.join(", ")} is not known statically (it may hold options)`,
      );
  }
  const contextArg = operands[operands.length - 1];
  const cwdProblem = (what: string) =>
    "why" in state.cwd
      ? `${where}: docker build ${what} is relative to an unknown directory: ${state.cwd.why}${state.cwd.why.startsWith("working-directory") ? ` (${wdWhere})` : ""}`
      : undefined;
  if (!contextArg) return void out.problems.push(`${where}: docker build without a build context`);
  if (contextArg.text === "-") {
    return void out.problems.push(
      `${where}: docker build reads its context from stdin (-): there is no context directory`,
    );
  }
  if (contextArg.unknown.length) {
    return void out.problems.push(
      `${where}: docker build context uses ${contextArg.unknown.join(", ")}, which cannot be resolved statically`,
    );
  }
  if (remoteContext(contextArg.text)) {
    return void out.problems.push(
      `${where}: docker build context ${contextArg.text} is a remote context, not a directory of this repository`,
    );
  }
  const relativeTo = (p: string) => p.startsWith(WORKSPACE) || p.startsWith("/") || "value" in state.cwd;
  if (!relativeTo(contextArg.text)) return void out.problems.push(cwdProblem("context")!);
  const cwd = "value" in state.cwd ? state.cwd.value : "";
  const context = workflowPath(job, cwd, contextArg.text);
  if ("why" in context) return void out.problems.push(`${where}: docker build context ${context.why}`);

  let dockerfile = joinRepoPath(context.value, "Dockerfile");
  let inlineKey: string | undefined;
  if (file) {
    if (file.unknown.length) {
      return void out.problems.push(
        `${where}: docker build -f ${file.text.replaceAll(UNKNOWN, "…")} uses ${file.unknown.join(", ")}, which cannot be resolved statically`,
      );
    }
    if (file.text === "-") {
      inlineKey = `inline:${where}`;
      notes.push(
        "the Dockerfile comes from stdin (-f -): there is no Dockerfile file (`dockerfile` is only the default path)",
      );
    } else {
      // docker build -f is relative to the current directory, not to the context
      if (!relativeTo(file.text)) return void out.problems.push(cwdProblem("-f")!);
      const resolved = workflowPath(job, cwd, file.text);
      if ("why" in resolved) return void out.problems.push(`${where}: docker build -f ${resolved.why}`);
      dockerfile = resolved.value;
    }
  }
  if (target?.unknown.length) {
    return void out.problems.push(
      `${where}: docker build --target uses ${target.unknown.join(", ")}, which cannot be resolved statically`,
    );
  }

  const additionalContexts: Record<string, string> = {};
  for (const item of buildContexts) {
    const eq = item.text.indexOf("=");
    if (eq < 0) {
      out.problems.push(`${where}: --build-context ${item.text} is not name=value`);
      continue;
    }
    const name = item.text.slice(0, eq);
    const value = item.text.slice(eq + 1);
    if (item.unknown.length) {
      out.problems.push(
        `${where}: --build-context ${name} uses ${item.unknown.join(", ")}, which cannot be resolved statically`,
      );
      continue;
    }
    if (remoteContext(value) || /^(target|service):/.test(value)) {
      addNamedContext(name, value, "", where, { additionalContexts, notes, problems: out.problems });
      continue;
    }
    if (!relativeTo(value)) {
      out.problems.push(cwdProblem(`--build-context ${name}`)!);
      continue;
    }
    const resolved = workflowPath(job, cwd, value);
    if ("why" in resolved) out.problems.push(`${where}: --build-context ${name}: ${resolved.why}`);
    else additionalContexts[name] = resolved.value;
  }

  const args2: Record<string, string> = {};
  for (const item of buildArgs) {
    const eq = item.text.indexOf("=");
    if (eq < 0) {
      const value = state.vars.get(item.text);
      if (value !== undefined && !item.unknown.length) args2[item.text] = value;
      else notes.push(`build arg ${item.text} is taken from the environment`);
      continue;
    }
    const name = item.text.slice(0, eq);
    if (item.unknown.length) notes.push(`build arg ${name} is set from ${item.unknown.join(", ")}`);
    else args2[name] = item.text.slice(eq + 1);
  }

  const fromTag = tags.map((t) => nameFromRef(t.text)).find((n) => n !== undefined);
  const ref = tags.map((t) => refWithoutTag(t.text)).find((r) => r !== undefined);
  if (ref) notes.push(`tagged ${ref}`);
  const stepId = scalarString(step.id);
  const found: Found = {
    name: sanitizeName(fromTag ?? stepId ?? job.jobId),
    nameRank: fromTag ? NAME_RANK.tag : NAME_RANK.id,
    context: context.value,
    dockerfile,
    additionalContexts,
    buildArgs: args2,
    foundIn: where,
    notes,
  };
  if (target !== undefined) found.target = target.text;
  if (inlineKey !== undefined) found.inlineKey = inlineKey;
  out.found.push(found);
}
