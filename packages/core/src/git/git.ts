import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { ShipgraphError } from "../errors.js";
import { mark } from "../util/trace.js";
import { blobIdsIn, hasPromisorPacks, missingFrom, promisorRemotes } from "./promisor.js";

/**
 * The one place that runs git. Every call is explicit about its arguments: no pager, no
 * external diff, no relative paths, NUL-separated output where paths are printed.
 *
 * Plain execFile rather than simple-git: the CLI runs on every push, simple-git's import cost
 * 50-70 ms of start-up on this machine, and only its raw() was used.
 */
export class Git {
  readonly root: string;
  #xBitCounts: Promise<boolean> | undefined;
  #partial: boolean | undefined;
  /** `<commit>\0<path>` → the prefetch that made its blob local (or found none to fetch). */
  #prefetched = new Map<string, Promise<void>>();

  constructor(root: string) {
    this.root = root;
  }

  /**
   * Whether git compares the working tree's x bit (core.fileMode, true unless set false, as on
   * Windows): asked once per repository. (I/O)
   */
  xBitCounts(): Promise<boolean> {
    this.#xBitCounts ??= this.tryRun(["config", "--bool", "core.fileMode"]).then(
      (out) => out?.trim() !== "false",
    );
    return this.#xBitCounts;
  }

  /** Runs git and returns stdout; a failure is a GIT_FAILED ShipgraphError. (I/O) */
  run(args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile("git", args, GIT_OPTIONS(this.root), (error, stdout, stderr) => {
        if (error) {
          reject(
            new ShipgraphError(
              "GIT_FAILED",
              `git ${args.join(" ")} failed: ${firstLine(stderr || error.message)}`,
              {
                hint: failureHint(stderr),
              },
            ),
          );
        } else resolve(stdout);
      });
    });
  }

  /**
   * `git ls-files -z [flags] -- <paths>`, each path a literal pathspec (itself, or the tracked files
   * under it): the entries git prints, in its order. (I/O)
   */
  async lsFiles(paths: readonly string[], flags: readonly string[] = []): Promise<string[]> {
    return splitNul(
      await this.run(["ls-files", "-z", ...flags, "--", ...paths.map((path) => `:(literal)${path}`)]),
    );
  }

  /** Runs git and returns stdout, or undefined when git fails or prints nothing. (I/O) */
  tryRun(args: string[]): Promise<string | undefined> {
    return new Promise((resolve) => {
      execFile("git", args, GIT_OPTIONS(this.root), (error, stdout) => {
        resolve(error || stdout.trim() === "" ? undefined : stdout);
      });
    });
  }

  /**
   * Runs git with `input` on stdin; stdout, or undefined when git exits with a code other than 0.
   * (I/O)
   */
  tryRunWithInput(args: string[], input: string): Promise<string | undefined> {
    return this.runWithInputStatus(args, input).then(({ code, stdout }) => (code === 0 ? stdout : undefined));
  }

  /**
   * Runs git with `input` on stdin: its exit code (null when it could not run), stdout and stderr.
   * (I/O)
   */
  runWithInputStatus(
    args: string[],
    input: string,
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const { env } = GIT_OPTIONS(this.root);
      const child = spawn("git", args, { cwd: this.root, env, stdio: ["pipe", "pipe", "pipe"] });
      const chunks: Buffer[] = [];
      const errors: Buffer[] = [];
      child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
      child.stderr.on("data", (chunk: Buffer) => errors.push(chunk));
      child.on("error", (error) => resolve({ code: null, stdout: "", stderr: error.message }));
      child.on("close", (code) =>
        resolve({
          code,
          stdout: Buffer.concat(chunks).toString("utf8"),
          stderr: Buffer.concat(errors).toString("utf8"),
        }),
      );
      child.stdin.on("error", () => {}); // git may exit before reading it all: the exit code decides
      child.stdin.end(input);
    });
  }

  /** The full SHA of a commit-ish, or undefined if it does not resolve here. (I/O) */
  async resolveCommit(ref: string): Promise<string | undefined> {
    if (ref.startsWith("-")) return undefined;
    const out = await this.tryRun([
      "rev-parse",
      "--verify",
      "--quiet",
      "--end-of-options",
      `${ref}^{commit}`,
    ]);
    return out?.trim();
  }

  async isShallow(): Promise<boolean> {
    return (await this.tryRun(["rev-parse", "--is-shallow-repository"]))?.trim() === "true";
  }

  /** Whether this is a partial clone, whose blobs git fetches on demand (see hasPromisorPacks). */
  isPartialClone(): boolean {
    this.#partial ??= hasPromisorPacks(this.root);
    return this.#partial;
  }

  /**
   * Makes the blobs of `paths` at `commit` ("" for the index) local before they are read, in a
   * partial clone: git would fetch each missing one alone as it is read (`cat-file --batch` asks
   * the remote once per blob: 200 changed files, 200 requests). The missing ones are found without
   * fetching (`rev-list --missing=print`) and fetched in one request, with the command git's own
   * prefetches run (checkout, diff). In a complete clone it returns at once, without a process.
   * A path asked before waits for that prefetch instead. A fetch that fails is a GIT_FAILED error
   * naming the files and the remote; a git too old for it (before 2.29) leaves the blobs to be
   * fetched on demand. (I/O)
   */
  prefetch(commit: string, paths: readonly string[]): Promise<void> {
    if (!this.isPartialClone()) return Promise.resolve();
    const waits = new Set<Promise<void>>();
    const asked = new Set<string>();
    for (const path of paths) {
      const pending = this.#prefetched.get(`${commit}\0${path}`);
      if (pending !== undefined) waits.add(pending);
      else if (!path.includes("\n")) asked.add(path);
    }
    if (asked.size > 0) {
      const fetching = this.#fetchMissing(commit, asked);
      fetching.catch(() => {}); // its readers get the error; unread, it does not matter
      for (const path of asked) this.#prefetched.set(`${commit}\0${path}`, fetching);
      waits.add(fetching);
    }
    return Promise.all(waits).then(() => undefined);
  }

  /** The blobs of `paths` at `commit` that are not local, fetched in one request. (I/O) */
  async #fetchMissing(commit: string, paths: ReadonlySet<string>): Promise<void> {
    // a few paths as pathspecs; more, the whole listing (git matches each entry with each pathspec)
    const specs = paths.size <= PATHSPEC_LIMIT ? ["--", ...[...paths].map((p) => `:(literal)${p}`)] : [];
    const listing =
      commit === ""
        ? await this.tryRun(["ls-files", "-s", "-z", ...specs])
        : await this.tryRun(["ls-tree", "-r", "-z", "--full-tree", commit, ...specs]);
    // (no listing: nothing there, or no such commit, which cat-file then reads as missing)
    const ids = blobIdsIn(listing ?? "", commit === "", paths);
    const unique = [...new Set(ids.values())];
    if (unique.length === 0) return;
    const present = await this.tryRunWithInput(
      ["rev-list", "--objects", "--no-walk", "--missing=print", "--ignore-missing", "--stdin"],
      `${unique.join("\n")}\n`,
    );
    // a git that cannot tell (an option it lacks): all of them, those present come again
    const missing = present === undefined ? unique : missingFrom(unique, present);
    if (missing.length === 0) return;
    const lacking = new Set(missing);
    const files = [...ids].filter(([, id]) => lacking.has(id)).map(([path]) => path);
    await this.#fetchObjects(missing, files, commit);
  }

  /** Fetches objects by id from the promisor remotes, the first that serves them all. (I/O) */
  async #fetchObjects(ids: readonly string[], files: readonly string[], commit: string): Promise<void> {
    const remotes = promisorRemotes(
      (await this.tryRun([
        "config",
        "--get-regexp",
        "^(extensions\\.partialclone|remote\\..*\\.promisor)$",
      ])) ?? "",
    );
    const failures: string[] = [];
    for (const remote of remotes) {
      const { code, stderr } = await this.runWithInputStatus(
        [
          "-c",
          "fetch.negotiationAlgorithm=noop",
          "fetch",
          remote,
          "--no-tags",
          "--no-write-fetch-head",
          "--recurse-submodules=no",
          "--filter=blob:none",
          "--stdin",
        ],
        `${ids.join("\n")}\n`,
      );
      if (code === 0) return;
      // usage (a git before 2.29 lacks --stdin and --no-write-fetch-head): fetched on demand
      if (code === 129) return;
      // git's first error, past any warning or progress line
      const said = /^(?:fatal|error): .*$/m.exec(stderr)?.[0] ?? firstLine(stderr);
      failures.push(`${remote}: ${said || `git fetch exited with ${code}`}`);
    }
    const shown = files.slice(0, 3).join(", ") + (files.length > 3 ? ` and ${files.length - 3} more` : "");
    const at = commit === "" ? "in the index" : `at ${commit.slice(0, 12)}`;
    const [its, it] = files.length === 1 ? ["its", "it"] : ["their", "them"];
    throw new ShipgraphError(
      "GIT_FAILED",
      remotes.length === 0
        ? `cannot read ${shown} ${at}: this partial clone lacks ${its} contents and names no promisor remote to fetch ${it} from`
        : `cannot read ${shown} ${at}: this partial clone lacks ${its} contents, and git could not fetch ${it} (${failures.join("; ")})`,
      {
        hint: partialCloneHint(remotes[0]),
        ...(commit === "" ? {} : { ref: commit }),
      },
    );
  }

  /**
   * Reads many blobs at one commit (with `commit` "", the index's stage-0 entries) with a single
   * `git cat-file --batch`. Missing paths are absent from the result. In a partial clone, the
   * blobs not yet fetched are fetched first, in one request (see prefetch). (I/O)
   */
  async readBlobs(commit: string, paths: readonly string[]): Promise<Map<string, Buffer>> {
    const result = new Map<string, Buffer>();
    const batchable = paths.filter((p) => !p.includes("\n"));
    if (batchable.length === 0) return result;
    await this.prefetch(commit, batchable);
    return new Promise((resolve, reject) => {
      const child = spawn("git", ["cat-file", "--batch"], {
        cwd: this.root,
        // (no prompt: a blob left to fetch on demand must not wait for a password)
        env: GIT_OPTIONS(this.root).env,
        stdio: ["pipe", "pipe", "pipe"],
      });
      const chunks: Buffer[] = [];
      const errors: Buffer[] = [];
      child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
      child.stderr.on("data", (chunk: Buffer) => errors.push(chunk));
      child.on("error", reject);
      child.on("close", (code) => {
        if (code !== 0) {
          const stderr = Buffer.concat(errors).toString("utf8");
          reject(
            new ShipgraphError(
              "GIT_FAILED",
              `git cat-file --batch exited with ${code}${stderr.trim() ? `: ${lastLine(stderr)}` : ""}`,
              { hint: failureHint(stderr) },
            ),
          );
          return;
        }
        const out = Buffer.concat(chunks);
        let offset = 0;
        for (const path of batchable) {
          const headerEnd = out.indexOf(10, offset);
          const header = out.subarray(offset, headerEnd).toString("utf8");
          offset = headerEnd + 1;
          if (header.endsWith(" missing") || header.endsWith(" ambiguous")) continue;
          const size = Number(header.split(" ")[2]);
          result.set(path, out.subarray(offset, offset + size));
          offset += size + 1;
        }
        resolve(result);
      });
      child.stdin.end(batchable.map((p) => `${commit}:${p}\n`).join(""));
    });
  }
}

/**
 * Runs git with extra environment variables (e.g. GIT_INDEX_FILE). (I/O)
 */
export function runGitWithEnv(root: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("git", args, { cwd: root, env: gitEnv(env), maxBuffer: 1 << 30 }, (error, stdout, stderr) => {
      if (error) {
        reject(
          new ShipgraphError(
            "GIT_FAILED",
            `git ${args.join(" ")} failed: ${firstLine(stderr || error.message)}`,
          ),
        );
      } else resolve(stdout);
    });
  });
}

/**
 * The repository root containing `cwd` and the commit HEAD points at (undefined before the first
 * commit), in one git call. (I/O)
 */
export async function findRepoRootAndHead(
  cwd: string,
  early?: EarlyGitCall,
): Promise<{ root: string; head: string | undefined }> {
  const asked = early !== undefined && early.cwd === cwd && sameArgs(early.args, REPO_AND_HEAD_ARGS);
  if (asked) mark("git asked for the root and HEAD at launch");
  const call = asked
    ? early.result
    : new Promise<EarlyGitResult>((resolve) => {
        execFile("git", REPO_AND_HEAD_ARGS, { cwd }, (error, stdout) => resolve({ failed: !!error, stdout }));
      });
  const { failed, stdout } = await call;
  const out = stdout || (failed ? undefined : "");
  const [root, head] = (out ?? "").split("\n");
  if (!root) throw notARepo(cwd);
  return { root, head: head || undefined };
}

/** The git call findRepoRootAndHead makes (run in `cwd` with the process's environment). */
export const REPO_AND_HEAD_ARGS: readonly string[] = [
  "rev-parse",
  "--show-toplevel",
  "--verify",
  "-q",
  "HEAD^{commit}",
];

/** What a git call gave: whether it failed (a non-zero exit, or no git), and its stdout. */
export interface EarlyGitResult {
  failed: boolean;
  stdout: string;
}

/**
 * A git call a caller started before it could ask (the CLI starts findRepoRootAndHead's while it
 * compiles itself). It stands in for the call only when it is exactly that call in that directory.
 */
export interface EarlyGitCall {
  cwd: string;
  args: readonly string[];
  result: Promise<EarlyGitResult>;
}

function sameArgs(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((arg, i) => arg === b[i]);
}

/** The repository root containing `cwd`. (I/O) */
export async function findRepoRoot(cwd: string): Promise<string> {
  const out = await new Git(cwd).tryRun(["rev-parse", "--show-toplevel"]);
  if (!out) throw notARepo(cwd);
  return out.trim();
}

/** Paths a prefetch names as pathspecs; with more, it lists the whole tree (or index). */
const PATHSPEC_LIMIT = 100;

const GIT_OPTIONS = (cwd: string) => ({
  cwd,
  maxBuffer: 1 << 30,
  encoding: "utf8" as const,
  // no pager, no prompts, paths exactly as stored
  env: gitEnv({ GIT_PAGER: "cat", GIT_TERMINAL_PROMPT: "0", GIT_OPTIONAL_LOCKS: "0" }),
});

/**
 * Variables that change how git reads every pathspec (GIT_LITERAL_PATHSPECS=1, set by magit and
 * some wrappers, makes a ":(glob)" pathspec a literal file name): shipgraph writes its pathspecs
 * with explicit magic, so they must mean what they say.
 */
const PATHSPEC_VARIABLES = [
  "GIT_LITERAL_PATHSPECS",
  "GIT_GLOB_PATHSPECS",
  "GIT_NOGLOB_PATHSPECS",
  "GIT_ICASE_PATHSPECS",
];

/** The environment git runs with: the caller's, without the pathspec variables, plus `extra`. */
function gitEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of PATHSPEC_VARIABLES) delete env[name];
  return env;
}

/** Splits NUL-separated git output. */
export function splitNul(out: string): string[] {
  const parts = out.split("\0");
  if (parts[parts.length - 1] === "") parts.pop();
  return parts;
}

function firstLine(message: string): string {
  return message.trim().split("\n")[0] ?? message;
}

function lastLine(message: string): string {
  return message.trim().split("\n").at(-1) ?? message;
}

/** The hint for a failed git command, by what git said. */
function failureHint(stderr: string): string {
  // a partial clone whose remote did not serve a blob git went to fetch on demand
  if (/from promisor remote/.test(stderr)) return partialCloneHint(undefined);
  return "check that git works in this directory";
}

/** What to do when a partial clone cannot fetch the contents it lacks (from `remote`, when known). */
function partialCloneHint(remote: string | undefined): string {
  return `this is a partial clone (made with --filter, as actions/checkout's \`filter: blob:none\` does): git fetches file contents from its remote when they are read. Check that the remote is reachable and its credentials work (\`git fetch${remote === undefined ? "" : ` ${remote}`}\`), or clone without the filter`;
}

/** Why git found no repository at `cwd`: the directory is missing, or it is outside any checkout. (I/O) */
function notARepo(cwd: string): ShipgraphError {
  if (!existsSync(cwd)) {
    return new ShipgraphError("NOT_A_REPO", `${cwd} does not exist`, {
      hint: "pass an existing directory to --cwd (or run shipgraph from one)",
    });
  }
  return new ShipgraphError("NOT_A_REPO", `${cwd} is not inside a git repository`, {
    hint: "run shipgraph from a git checkout, or pass --cwd DIR",
  });
}
