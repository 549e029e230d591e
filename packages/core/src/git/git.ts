import { execFile, spawn } from "node:child_process";
import { type SimpleGit, simpleGit } from "simple-git";
import { ShipgraphError } from "../errors.js";

/**
 * The one place that runs git. Every call is explicit about its arguments: no pager, no
 * external diff, no relative paths, NUL-separated output where paths are printed.
 */
export class Git {
  readonly root: string;
  private readonly client: SimpleGit;

  constructor(root: string) {
    this.root = root;
    this.client = simpleGit({ baseDir: root, trimmed: false, maxConcurrentProcesses: 4 });
  }

  /** Runs git and returns stdout; a failure is a GIT_FAILED ShipgraphError. (I/O) */
  async run(args: string[]): Promise<string> {
    try {
      return await this.client.raw(args);
    } catch (error) {
      throw new ShipgraphError(
        "GIT_FAILED",
        `git ${args.join(" ")} failed: ${firstLine((error as Error).message)}`,
        {
          hint: "check that git works in this directory",
        },
      );
    }
  }

  /** Runs git and returns stdout, or undefined when git fails or prints nothing. (I/O) */
  async tryRun(args: string[]): Promise<string | undefined> {
    try {
      const out = await this.client.raw(args);
      return out.trim() === "" ? undefined : out;
    } catch {
      return undefined;
    }
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

  /**
   * Reads many blobs at one commit with a single `git cat-file --batch`. Missing paths are
   * absent from the result. (I/O)
   */
  readBlobs(commit: string, paths: readonly string[]): Promise<Map<string, Buffer>> {
    const result = new Map<string, Buffer>();
    const batchable = paths.filter((p) => !p.includes("\n"));
    if (batchable.length === 0) return Promise.resolve(result);
    return new Promise((resolve, reject) => {
      const child = spawn("git", ["cat-file", "--batch"], {
        cwd: this.root,
        stdio: ["pipe", "pipe", "pipe"],
      });
      const chunks: Buffer[] = [];
      child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
      child.on("error", reject);
      child.on("close", (code) => {
        if (code !== 0) {
          reject(new ShipgraphError("GIT_FAILED", `git cat-file --batch exited with ${code}`));
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
 * Runs git with extra environment variables (e.g. GIT_INDEX_FILE), outside simple-git, which
 * does not pass arbitrary environment through. (I/O)
 */
export function runGitWithEnv(root: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      args,
      { cwd: root, env: { ...process.env, ...env }, maxBuffer: 1 << 30 },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new ShipgraphError(
              "GIT_FAILED",
              `git ${args.join(" ")} failed: ${firstLine(stderr || error.message)}`,
            ),
          );
        } else resolve(stdout);
      },
    );
  });
}

/**
 * The repository root containing `cwd` and the commit HEAD points at (undefined before the first
 * commit), in one git call. (I/O)
 */
export async function findRepoRootAndHead(cwd: string): Promise<{ root: string; head: string | undefined }> {
  const out = await new Promise<string | undefined>((resolve) => {
    execFile(
      "git",
      ["rev-parse", "--show-toplevel", "--verify", "-q", "HEAD^{commit}"],
      { cwd },
      (error, stdout) => resolve(stdout || (error ? undefined : "")),
    );
  });
  const [root, head] = (out ?? "").split("\n");
  if (!root) {
    throw new ShipgraphError("NOT_A_REPO", `${cwd} is not inside a git repository`, {
      hint: "run shipgraph from a git checkout, or pass --cwd DIR",
    });
  }
  return { root, head: head || undefined };
}

/** The repository root containing `cwd`. (I/O) */
export async function findRepoRoot(cwd: string): Promise<string> {
  const out = await new Git(cwd).tryRun(["rev-parse", "--show-toplevel"]);
  if (!out) {
    throw new ShipgraphError("NOT_A_REPO", `${cwd} is not inside a git repository`, {
      hint: "run shipgraph from a git checkout, or pass --cwd DIR",
    });
  }
  return out.trim();
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
