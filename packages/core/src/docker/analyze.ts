import { posix } from "node:path";
import { escapePattern, hasWildcard } from "../discover/dockerignore.js";
import { dockerfileSyntax, flag, type Instruction, parseDockerfile } from "./dockerfile.js";
import { contextKey, namedContextValue } from "./image-ref.js";
import {
  ANY_SEGMENT,
  type Lexed,
  lexWord,
  OPTIONAL_SEGMENT,
  SEGMENT_MARK,
  UNKNOWN_VALUE,
  type Variables,
} from "./lex.js";

/** A context path (or pattern) an image build reads, and the instruction that reads it. */
export interface ContextSource {
  /**
   * Context-relative pattern ("." = the whole context); wildcards as in Go's filepath.Match, a `\`
   * always escaping the next character: a path whose names hold `*`, `?`, `[` or `\` has them
   * escaped (see escapePattern), one without a wildcard names that path (see unescapePattern).
   */
  pattern: string;
  line: number;
  /** e.g. "COPY src/ ./src" */
  instruction: string;
  /**
   * `--exclude` patterns that hold whatever they are relative to (the source or the context):
   * `**\/name` forms only; applied below a plain-path source. Others are not applied (the safe side).
   */
  excludes?: string[];
}

export interface DockerfileAnalysis {
  /** What the stages that reach the target read from the build context. */
  sources: ContextSource[];
  /** Set when the inputs cannot be narrowed: the whole context counts, and why. */
  wholeContext?: { line: number; reason: string };
  /** Images the reached stages build FROM or COPY --from (tag/digest kept), with the line. */
  images: { ref: string; line: number }[];
  /** Names of every ARG the Dockerfile declares (build args it can read). */
  argNames: string[];
  /** Problems worth a warning (e.g. a variable in FROM cannot be resolved). */
  problems: string[];
  /** Set when the configured target names no stage: `docker build --target` fails. */
  missingTarget?: { target: string; stages: string[] };
  /**
   * Set when a reached FROM or --from names an image through a variable that cannot be resolved:
   * it may be any image, an in-repo one among them.
   */
  anyImage?: { line: number; reason: string };
  /**
   * Context sources of `ONBUILD COPY/ADD` triggers in the reached stages: they run in the build
   * of an image FROM this one, against that image's context. (They also count in `sources`.)
   */
  onbuild: ContextSource[];
  /**
   * What `ONBUILD` triggers of the reached stages copy or mount `--from`: in the child's build, a
   * stage of its own or an image (`ref` undefined: through a variable without a value).
   */
  onbuildFroms: { ref: string | undefined; line: number; instruction: string }[];
  /**
   * A `# syntax=` frontend pulled from a mirror (`mirror.gcr.io/docker/dockerfile:1`): read as
   * the Dockerfile frontend, unless this repository builds that image (a frontend of its own:
   * the caller checks, and counts the whole context). It is in `images` too.
   */
  mirroredFrontend?: { ref: string; line: number };
}

interface Stage {
  name: string | undefined;
  from: string;
  line: number;
  escape: string;
  instructions: Instruction[];
}

/**
 * Which context files an image build reads: the COPY/ADD sources and `RUN --mount=type=bind`
 * sources of the stages that reach the target stage (default: the last), with ARG/ENV values
 * resolved statically (`buildArgs` override ARG defaults). Each word is read as BuildKit's shell
 * lexer reads it (quotes, escapes, nested `${X:-$Y}`: see lexWord). A variable that cannot be
 * resolved in a source, or a source the lexer rejects, makes the whole context the input (sound),
 * and says which. Pure.
 */
export function analyzeDockerfile(
  text: string,
  options: {
    target?: string | undefined;
    buildArgs?: Readonly<Record<string, string>> | undefined;
    /**
     * What the ONBUILD triggers of in-repo base images copy `--from` (see onbuildFroms), by the
     * base's ref as this Dockerfile names it: they run in the stage built FROM that base.
     */
    triggerFroms?: readonly { base: string; ref: string | undefined }[];
    /**
     * The build's named contexts (`--build-context name=value`, compose `additional_contexts`,
     * bake `contexts`): one whose name is a stage's replaces that stage, one whose name is an
     * image's replaces that image (see replacements).
     */
    namedContexts?: Readonly<Record<string, string>> | undefined;
  } = {},
): DockerfileAnalysis {
  const instructions = parseDockerfile(text);
  const buildArgs = options.buildArgs ?? {};
  const replaced = replacements(options.namedContexts ?? {});
  // BuildKit's global scope starts with the platform args (defaultArgs): set, to what the build's
  // platforms are (a build arg can override them)
  const globalArgs = new Map<string, string | undefined>(
    PLATFORM_ARGS.map((name) => [
      name,
      buildArgs[name] ??
        (PLATFORM_SEGMENT_ARGS.has(name)
          ? ANY_SEGMENT
          : PLATFORM_VARIANT_ARGS.has(name)
            ? OPTIONAL_SEGMENT
            : UNKNOWN_VALUE),
    ]),
  );
  const argNames = new Set<string>();
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === "FROM") {
      const asIndex = ins.args.findIndex((a) => a.toUpperCase() === "AS");
      stages.push({
        name: asIndex > 0 ? ins.args[asIndex + 1]?.toLowerCase() : undefined,
        from: ins.args[0] ?? "",
        line: ins.line,
        escape: ins.escape,
        instructions: [],
      });
    } else if (stages.length === 0) {
      if (ins.keyword === "ARG") {
        for (const [name, value] of argDeclarations(ins)) {
          argNames.add(name);
          // (BuildKit's buildMetaArgs: a default it cannot know here is still a value; an ARG
          // without one leaves the variable as it was)
          const given =
            buildArgs[name] ??
            (value !== undefined
              ? (lexWord(value, globalArgs, ins.escape).value ?? UNKNOWN_VALUE)
              : undefined);
          if (given !== undefined || !globalArgs.has(name)) globalArgs.set(name, given);
        }
      }
    } else {
      stages.at(-1)!.instructions.push(ins);
      if (ins.keyword === "ARG") for (const [name] of argDeclarations(ins)) argNames.add(name);
    }
  }
  const analysis: DockerfileAnalysis = {
    onbuild: [],
    onbuildFroms: [],
    sources: [],
    images: [],
    argNames: [...argNames].sort(),
    problems: [],
  };
  // a `# syntax=` frontend other than the Dockerfile one (or BUILDKIT_SYNTAX) reads the file, and
  // the context, as it likes; it is an image the build runs (an in-repo one is a dependency)
  const syntax =
    buildArgs.BUILDKIT_SYNTAX !== undefined
      ? { ref: buildArgs.BUILDKIT_SYNTAX.trim().split(" ")[0]!, line: 1 }
      : dockerfileSyntax(text);
  if (syntax && MIRRORED_FRONTEND.test(syntax.ref) && !DOCKERFILE_FRONTEND.test(syntax.ref)) {
    analysis.mirroredFrontend = syntax;
    analysis.images.push({ ref: syntax.ref, line: syntax.line });
  } else if (syntax && !DOCKERFILE_FRONTEND.test(syntax.ref)) {
    analysis.wholeContext = {
      line: syntax.line,
      reason: `the frontend ${syntax.ref} (# syntax) is not docker/dockerfile: what it reads is not known here`,
    };
    analysis.images.push({ ref: syntax.ref, line: syntax.line });
  }
  if (stages.length === 0) {
    analysis.wholeContext ??= { line: 1, reason: "the Dockerfile has no FROM" };
    return analysis;
  }

  // a stage name used twice names its last stage (BuildKit only warns: DuplicateStageName)
  const byName = (ref: string): Stage | undefined => {
    const lower = ref.toLowerCase();
    const named = stages.findLast((s) => s.name === lower);
    if (named) return named;
    return /^\d+$/.test(ref) ? stages[Number(ref)] : undefined;
  };
  let target = stages.at(-1)!;
  if (options.target !== undefined) {
    const found = byName(options.target);
    if (found) target = found;
    else {
      analysis.missingTarget = {
        target: options.target,
        stages: stages.flatMap((s) => (s.name !== undefined ? [s.name] : [])),
      };
      return analysis;
    }
  }

  // Resolve each stage's FROM with the global ARGs, then walk from the target to what it needs.
  const reached = new Set<Stage>();
  // stages whose chain starts from an in-repo image (or one not known): its ENV may set any variable
  const fromImage = new Set<Stage>();
  // a stage's FROM, and the stage it names: the last one of that name before it (BuildKit's
  // addState looks the name up before adding the stage: a later stage, or the stage itself in
  // `FROM base AS base`, is not one; the name is an image's)
  const fromOf = (stage: Stage) => lexWord(stage.from, globalArgs, stage.escape);
  const parentOf = (from: Lexed, stage: Stage) =>
    from.value !== undefined
      ? stages.slice(0, stages.indexOf(stage)).findLast((s) => s.name === from.value!.toLowerCase())
      : undefined;
  const visit = (stage: Stage) => {
    if (reached.has(stage)) return;
    reached.add(stage);
    // a stage a named context replaces runs none of its instructions (nor its FROM): what it
    // holds is the context's (BuildKit's toDispatchState: noinit, continue)
    const key = stage.name !== undefined ? contextKey(stage.name) : undefined;
    if (key !== undefined) contextImages(key, stage.line);
    const context = key !== undefined ? replaced.whole.get(key) : undefined;
    if (context !== undefined) {
      // (an image's ENV may set any variable; a directory's context sets none, counted the same)
      fromImage.add(stage);
      return;
    }
    const from = fromOf(stage);
    const parent = parentOf(from, stage);
    if (parent) visit(parent);
    else if (from.value !== undefined) {
      if (from.value.toLowerCase() !== "scratch") addImage(from.value, stage.line);
    } else {
      // it may name any other stage, or any image: every stage counts, and any in-repo image
      analysis.problems.push(
        `line ${stage.line}: FROM ${stage.from}: ${unresolved(from)}; every stage counts, and every in-repo image may be its base`,
      );
      analysis.anyImage ??= {
        line: stage.line,
        reason: `FROM ${stage.from}: ${unresolved(from)}`,
      };
      for (const other of stages) visit(other);
    }
    // built from an image (not scratch): BuildKit expands words with the image's ENV too
    if (parent ? fromImage.has(parent) : from.value === undefined || from.value.toLowerCase() !== "scratch")
      fromImage.add(stage);
    const unknown = fromImage.has(stage);
    // (on scratch, BuildKit still sets PATH)
    const inherited = parent ? envOf(parent) : new Map([["PATH", UNKNOWN_VALUE]]);
    const scope = stageScope(stage, inherited, globalArgs, buildArgs, unknown);
    for (const { ins, vars } of scope) {
      if (ins.keyword === "ONBUILD") {
        // a trigger: what it reads from a context is read where it runs (a stage or image built
        // FROM this), in that build's context; its --from names that build's stages
        // it is expanded where it runs: with the image's final ENV (no ARG reaches it)
        const env = envOf(stage);
        // a stage of this Dockerfile built FROM this one runs it too
        const builtOn = stages.some((s) => parentOf(fromOf(s), s) === stage);
        for (const trigger of parseDockerfile(ins.raw)) {
          const { reads, froms } = contextReads(trigger, env);
          // its --from (or mount from=) names a stage of the child's build, or an image
          for (const from of froms) {
            const value = lexWord(from, env, trigger.escape, unknown).value;
            analysis.onbuildFroms.push({ ref: value, line: ins.line, instruction: `ONBUILD ${ins.raw}` });
            if (builtOn) followFrom(from, env, { ...trigger, line: ins.line }, unknown);
          }
          for (const read of reads) {
            // (a trigger is parsed afresh in the child's build, with the default escape character)
            const value = sourcePatterns(read, env, trigger.escape, unknown);
            for (const pattern of "patterns" in value ? value.patterns : ["."]) {
              const source = { pattern, line: ins.line, instruction: `ONBUILD ${ins.raw}` };
              analysis.onbuild.push(source);
              analysis.sources.push(source);
            }
          }
        }
        continue;
      }
      const { reads, froms } = contextReads(ins, vars);
      for (const from of froms) followFrom(from, vars, ins, unknown);
      for (const read of reads) {
        const value = sourcePatterns(read, vars, ins.escape, unknown);
        if (!("patterns" in value)) {
          const { missing, error } = value.unread;
          analysis.wholeContext ??= {
            line: ins.line,
            reason:
              missing !== undefined
                ? `${read.instruction}: variable ${missing} cannot be resolved statically${unknown && !vars.has(missing) && !argNames.has(missing) ? " (the base image's ENV may set it)" : ""}`
                : `${read.instruction}: ${read.source} cannot be read as BuildKit's lexer reads it (${error})`,
          };
          continue;
        }
        let excludes: string[] | undefined;
        if (read.excludes) {
          excludes = read.excludes.flatMap((raw) => {
            const pattern = lexWord(raw, vars, ins.escape).value;
            // "**/name" (no other "/", no variable left): the same whether BuildKit matches it
            // against paths relative to the source or to the context
            return pattern !== undefined && /^\*\*\/[^/]+$/.test(pattern) ? [pattern] : [];
          });
        }
        for (const pattern of value.patterns) {
          const source: ContextSource = { pattern, line: ins.line, instruction: read.instruction };
          if (excludes && excludes.length > 0) source.excludes = excludes;
          analysis.sources.push(source);
        }
      }
    }
  };
  /** `--from=<stage|index|image>`: visit the stage, or record the image. */
  const followFrom = (
    raw: string,
    vars: Variables,
    { line, escape: escapeChar }: Instruction,
    undeclaredUnknown = false,
  ) => {
    const ref = lexWord(raw, vars, escapeChar, undeclaredUnknown);
    if (ref.value === undefined) {
      // which stage (or image) it names is unknown: every stage may be copied from, or any image
      analysis.problems.push(
        `line ${line}: --from=${raw}: ${unresolved(ref)}; every stage counts, and every in-repo image may be copied from`,
      );
      analysis.anyImage ??= { line, reason: `--from=${raw}: ${unresolved(ref)}` };
      for (const other of stages) visit(other);
      return;
    }
    // a stage before or after this one (BuildKit resolves both), else an image
    const stageRef = byName(ref.value);
    if (stageRef) visit(stageRef);
    else addImage(ref.value, line);
  };
  /**
   * An image a FROM or --from names (not a stage): the named context of its name when there is
   * one (BuildKit looks that up before the registry; `scratch` is never looked up), else itself.
   */
  const addImage = (ref: string, line: number) => {
    const key = contextKey(ref);
    contextImages(key, line);
    if (!replaced.whole.has(key)) analysis.images.push({ ref, line });
  };
  /** The images the named contexts of this name (whole or partial: see replacements) are. */
  const contextImages = (key: string, line: number) => {
    const contexts = [replaced.whole.get(key) ?? [], replaced.partial.get(key.toLowerCase()) ?? []];
    for (const context of contexts.flat()) {
      if ("image" in context) analysis.images.push({ ref: context.image, line });
    }
  };
  // A stage built FROM another inherits its ENV, not its ARGs (an ARG's scope ends with its stage).
  const envs = new Map<Stage, Map<string, string | undefined>>();
  const envOf = (stage: Stage) => envs.get(stage) ?? new Map<string, string | undefined>();
  // As BuildKit's dispatchArg and dispatchEnv: a value that cannot be known here (a variable
  // without a value in it, or one the base image's ENV may set) is still a value: UNKNOWN_VALUE.
  const stageScope = (
    stage: Stage,
    inherited: Map<string, string | undefined>,
    globals: Map<string, string | undefined>,
    args: Readonly<Record<string, string>>,
    undeclaredUnknown: boolean,
  ) => {
    const vars = new Map(inherited);
    const env = new Map(inherited);
    const out: { ins: Instruction; vars: Variables }[] = [];
    const resolve = (value: string, ins: Instruction) =>
      lexWord(value, vars, ins.escape, undeclaredUnknown).value ?? UNKNOWN_VALUE;
    // instructions between two ARG/ENV share one copy of the variables in scope
    let scope = new Map(vars);
    for (const ins of stage.instructions) {
      if (ins.keyword === "ARG") {
        // one after the other: a default sees the ARGs before it
        for (const [name, value] of argDeclarations(ins)) {
          const given = args[name] ?? (value !== undefined ? resolve(value, ins) : globals.get(name));
          // without a value, the variable stays what it was (an ENV, an earlier ARG, the image's)
          if (given !== undefined) vars.set(name, given);
        }
        scope = new Map(vars);
      } else if (ins.keyword === "ENV") {
        // all at once: every value is expanded before any is set (`ENV A=1 B=$A` sets B to the A
        // from before)
        const resolved = envDeclarations(ins).map(([name, value]) => [name, resolve(value, ins)] as const);
        for (const [name, value] of resolved) {
          vars.set(name, value);
          env.set(name, value);
        }
        scope = new Map(vars);
      }
      out.push({ ins, vars: scope });
    }
    envs.set(stage, env);
    return out;
  };
  visit(target);
  for (const { base, ref } of options.triggerFroms ?? []) {
    // the line of the FROM that builds on the base (where the trigger runs)
    const line = analysis.images.find((image) => image.ref === base)?.line ?? target.line;
    if (ref === undefined) {
      analysis.anyImage ??= {
        line,
        reason: `an ONBUILD trigger of ${base} copies --from a variable without a value`,
      };
      for (const stage of stages) visit(stage);
      continue;
    }
    const stageRef = byName(ref);
    if (stageRef) visit(stageRef);
    else addImage(ref, line);
  }
  return analysis;
}

/** What a named context's value is (see namedContextValue). */
type NamedContext = ReturnType<typeof namedContextValue>;

/**
 * The named contexts: `whole`, those that replace what their name names (a directory, whose
 * files are the image's inputs already, or an image), by their name, which is what BuildKit
 * looks up (contextKey); `partial`, by contextKey lower-cased, those that may replace it or not:
 * one for one platform (`name::linux/arm64`), which replaces it on that platform only, and one
 * whose name is not in the form BuildKit looks up (`Base`, `alpine:latest`,
 * `docker.io/library/alpine`: bake and compose pass names on as written, `docker build
 * --build-context` normalises them). The stage or image a partial one names still counts, and
 * so does the context's image. Pure.
 */
function replacements(contexts: Readonly<Record<string, string>>): {
  whole: Map<string, NamedContext>;
  partial: Map<string, NamedContext[]>;
} {
  const whole = new Map<string, NamedContext>();
  const partial = new Map<string, NamedContext[]>();
  for (const [name, value] of Object.entries(contexts)) {
    const platform = name.indexOf("::");
    const base = platform < 0 ? name : name.slice(0, platform);
    if (platform < 0 && contextKey(name) === name) whole.set(name, namedContextValue(value));
    else {
      const key = contextKey(base).toLowerCase();
      partial.set(key, [...(partial.get(key) ?? []), namedContextValue(value)]);
    }
  }
  return { whole, partial };
}

/**
 * A context source as written (variables unexpanded), with the instruction and its `--exclude`s;
 * `path` for a bind mount's source (a path, not a pattern).
 */
interface ContextRead {
  source: string;
  instruction: string;
  excludes?: readonly string[];
  path?: true;
}

interface ContextReads {
  readonly reads: readonly ContextRead[];
  readonly froms: readonly string[];
}

/** Most instructions (FROM, ENV, WORKDIR…) read nothing: one shared answer, no allocation. */
const READS_NOTHING: ContextReads = { reads: [], froms: [] };

/**
 * What one instruction reads from its build context, as written (variables unexpanded), each with
 * the instruction text for messages; and the stages or images it copies from (`--from`). COPY/ADD
 * sources (not heredocs, not ADD's URLs), RUN --mount=type=bind sources; the `from=` of a bind
 * or cache mount. Pure.
 */
function contextReads(ins: Instruction, vars: Variables): ContextReads {
  if (ins.keyword !== "COPY" && ins.keyword !== "ADD" && ins.keyword !== "RUN") return READS_NOTHING;
  const reads: ContextRead[] = [];
  const froms: string[] = [];
  if (ins.keyword === "COPY" || ins.keyword === "ADD") {
    const from = flag(ins, "from");
    if (from !== undefined) froms.push(from);
    else {
      let excludes: string[] | undefined;
      for (const f of ins.flags) {
        if (f.name !== "exclude") continue;
        excludes ??= [];
        excludes.push(f.value);
      }
      for (const src of ins.args.slice(0, -1)) {
        if (src.startsWith("<<")) continue; // heredoc: no context source
        if (ins.keyword === "ADD" && /^(https?:\/\/|git@|git:\/\/|ssh:\/\/)/.test(src)) continue;
        const read: ContextRead = {
          source: src,
          instruction: `${ins.keyword} ${ins.raw}`,
        };
        if (excludes) read.excludes = excludes;
        reads.push(read);
      }
    }
  } else if (ins.keyword === "RUN") {
    for (const mount of ins.flags.filter((f) => f.name === "mount")) {
      const options = mountOptions(mount.value);
      // BuildKit expands each option's value: a type through a variable without a value may be a
      // bind (read as one: a cache or tmpfs mount reads nothing, so this only over-counts)
      const type =
        options.type === undefined
          ? "bind"
          : (lexWord(options.type, vars, ins.escape).value ?? "bind").toLowerCase();
      // from=: the stage, context or image a bind mount shows, or a cache mount starts out as
      // (without it, a cache mount starts empty and reads nothing)
      if ((type === "bind" || type === "cache") && options.from) froms.push(options.from);
      else if (type === "bind")
        reads.push({
          source: options.source ?? ".",
          instruction: `RUN --mount=${mount.value}`,
          path: true,
        });
    }
  }
  return { reads, froms };
}

/** `ARG A="1" B` → [["A", '"1"'], ["B", undefined]]: values as written, for the lexer. */
function argDeclarations(ins: Instruction): [string, string | undefined][] {
  return ins.args.map((arg) => {
    const eq = arg.indexOf("=");
    return eq === -1 ? [arg, undefined] : [arg.slice(0, eq), arg.slice(eq + 1)];
  });
}

/** `ENV A=1 B=2` or the legacy `ENV A 1`: values as written, for the lexer. */
function envDeclarations(ins: Instruction): [string, string][] {
  if (ins.args.length >= 2 && !ins.args[0]!.includes("="))
    return [[ins.args[0]!, ins.args.slice(1).join(" ")]];
  return ins.args
    .filter((a) => a.includes("="))
    .map((a) => [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]);
}

/** Why a word has no static value, for messages: "X cannot be resolved", or the lexer's error. */
function unresolved(word: Lexed): string {
  return word.missing !== undefined
    ? `${word.missing} cannot be resolved`
    : `it cannot be read as BuildKit's lexer reads it (${word.error})`;
}

/** `type=cache,From=x,target=/t` → {type: "cache", from: "x", target: "/t"}: keys lower-cased, as BuildKit reads them. */
function mountOptions(value: string): Record<string, string> {
  const options: Record<string, string> = {};
  for (const part of value.split(",")) {
    const eq = part.indexOf("=");
    if (eq === -1) options[part.trim().toLowerCase()] = "true";
    else {
      // aliases are one option: the last one given wins (`source=a,src=b` mounts b)
      const key = part.slice(0, eq).trim().toLowerCase();
      options[MOUNT_ALIASES[key] ?? key] = part.slice(eq + 1).trim();
    }
  }
  return options;
}

/** BuildKit's parseMount: `src` is `source`, `dst` and `destination` are `target`. */
const MOUNT_ALIASES: Readonly<Record<string, string>> = {
  src: "source",
  dst: "target",
  destination: "target",
};

/**
 * The context-relative patterns (see ContextSource.pattern) a source reads, or why it cannot be
 * read. A platform variable whose value is one segment reads as `*` there (SEGMENT_MARK); one that
 * may be empty too (TARGETVARIANT) reads both ways: `bin/${TARGETVARIANT}/app` is `bin/app` and
 * `bin/<any segment>/app`. Pure.
 */
function sourcePatterns(
  read: ContextRead,
  vars: Variables,
  escapeChar: string,
  undeclaredUnknown: boolean,
): { patterns: string[] } | { unread: Lexed } {
  const lexed = lexWord(read.source, vars, escapeChar, undeclaredUnknown, "mark");
  if (lexed.value === undefined) return { unread: lexed };
  const pattern = asPattern(cleanSource(lexed.value), read.path === true);
  if (!lexed.optional) return { patterns: [pattern] };
  // (a value the empty variable cannot give, `${TARGETVARIANT:?}`, fails the build: it reads nothing)
  const empty = lexWord(read.source, vars, escapeChar, undeclaredUnknown, "empty").value;
  const other = empty === undefined ? undefined : asPattern(cleanSource(empty), read.path === true);
  return { patterns: other === undefined || other === pattern ? [pattern] : [pattern, other] };
}

/**
 * A clean source as a pattern whose `\` always escapes (see ContextSource.pattern). A bind mount's
 * source (`path`) is a path: BuildKit mounts it by name (llb.SourcePath), nothing matched. A
 * COPY/ADD source is BuildKit's pattern: its segments up to the first that holds a wildcard are
 * taken as written, a `\` included (fsutil's splitWildcards), the rest matched with Go's
 * filepath.Match (`\` escapes there); without a wildcard it is a path. A platform variable's value
 * (SEGMENT_MARK) is a plain word in BuildKit's build (no segment a wildcard one) and `*` here.
 * Pure.
 */
function asPattern(source: string, path: boolean): string {
  // most sources hold nothing to escape or mark (a plain path, or a pattern whose wildcards stay)
  if (source === "." || !SPECIAL.test(source)) return source;
  const segments = source.split("/");
  const wild = path ? -1 : segments.findIndex(hasWildcard);
  return segments
    .map((segment, i) => (wild === -1 || i < wild ? escapePattern(segment) : segment).replace(MARKS, "*"))
    .join("/");
}

/** What asPattern may change: `\`, a wildcard (escaped in a segment taken as written), a mark. */
const SPECIAL = new RegExp(`[\\\\*?[${SEGMENT_MARK}]`);

/** A run of SEGMENT_MARKs (`${TARGETARCH}${TARGETVARIANT}`): one `*`, not a `**` spanning "/". */
const MARKS = new RegExp(`${SEGMENT_MARK}+`, "g");

/** A source as a clean context-relative pattern: no leading "/" or "./"; "." for the whole context. */
function cleanSource(source: string): string {
  // sources are resolved inside the context: "../lib" is <context>/lib, as BuildKit clamps it
  const cleaned = posix.normalize(`/${source}`).replace(/^\/+/, "").replace(/\/+$/, "");
  return cleaned === "" || cleaned === "." ? "." : cleaned.replace(/^\.\//, "");
}

/** The args BuildKit's global scope holds before any ARG (dockerfile2llb defaultArgs). */
const PLATFORM_ARGS = [
  "BUILDPLATFORM",
  "BUILDOS",
  "BUILDOSVERSION",
  "BUILDARCH",
  "BUILDVARIANT",
  "TARGETPLATFORM",
  "TARGETOS",
  "TARGETOSVERSION",
  "TARGETARCH",
  "TARGETVARIANT",
  "TARGETSTAGE",
];

/**
 * The platform args whose value is one non-empty path segment (an OS, an architecture), whatever
 * the platform: in a COPY/ADD source each stands for `*` (see ANY_SEGMENT). BUILDPLATFORM and
 * TARGETPLATFORM hold "/" (linux/arm/v7); an OS version may be anything.
 */
const PLATFORM_SEGMENT_ARGS: ReadonlySet<string> = new Set([
  "BUILDOS",
  "BUILDARCH",
  "TARGETOS",
  "TARGETARCH",
]);

/**
 * The platform args that hold a variant: one segment (v7, v8) or empty, as on most platforms
 * (see OPTIONAL_SEGMENT): `bin/${TARGETVARIANT}/app` is then `bin/app`.
 */
const PLATFORM_VARIANT_ARGS: ReadonlySet<string> = new Set(["BUILDVARIANT", "TARGETVARIANT"]);

/** The Dockerfile frontend's own images (`# syntax=docker/dockerfile:1`, `…-upstream:master-labs`). */
const DOCKERFILE_FRONTEND =
  /^(?:(?:docker\.io|index\.docker\.io)\/)?docker\/dockerfile(?:-upstream)?(?:[:@].*)?$/i;

/**
 * The same images through a mirror or pull-through cache: a registry host (a first segment with
 * `.` or `:`, or `localhost`), any path, then `docker/dockerfile` or `docker/dockerfile-upstream`
 * (`mirror.gcr.io/docker/dockerfile:1.7`, `harbor.acme.dev/hub-proxy/docker/dockerfile:1`). A
 * name that merely ends so on Docker Hub (`acme/docker/dockerfile`) is not one.
 */
const MIRRORED_FRONTEND =
  /^(?:[^/]*[.:][^/]*|localhost)\/(?:[^/:@]+\/)*docker\/dockerfile(?:-upstream)?(?:[:@].*)?$/i;
