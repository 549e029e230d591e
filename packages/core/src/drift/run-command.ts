import { spawn } from "node:child_process";
import { realpathSync } from "node:fs";
import { join } from "node:path";
import { joinRepoPath, parentDirs } from "../util/paths.js";
import type { DriftFailure } from "./index.js";

export interface CommandResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  aborted: boolean;
  /** Set when the process could not start (e.g. ENOENT). */
  spawnError?: string;
  /** The last bytes of stdout and stderr. */
  stdoutTail: string;
  stderrTail: string;
  durationMs: number;
}

const TAIL_BYTES = 16 * 1024;
const KILL_GRACE_MS = 2000;

/**
 * Runs argv in `cwd` in its own process group, with no shell. On timeout or abort the whole
 * group gets SIGTERM, then SIGKILL after a grace period, so grandchildren die too. (I/O)
 */
export function runCommand(
  argv: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<CommandResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    let aborted = false;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: options.cwd,
      env: options.env,
      detached: true, // own process group: kill(-pid) reaches everything it started
      stdio: ["ignore", "pipe", "pipe"],
    });
    const tail = (text: string, chunk: Buffer) => (text + chunk.toString("utf8")).slice(-TAIL_BYTES);
    child.stdout.on("data", (chunk: Buffer) => {
      stdout = tail(stdout, chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = tail(stderr, chunk);
    });
    const killGroup = (signal: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    const stop = () => {
      killGroup("SIGTERM");
      killTimer = setTimeout(() => killGroup("SIGKILL"), KILL_GRACE_MS);
      killTimer.unref();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, options.timeoutMs);
    const onAbort = () => {
      aborted = true;
      stop();
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    const finish = (result: Partial<CommandResult>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      // make sure nothing the command started outlives it
      killGroup("SIGKILL");
      options.signal?.removeEventListener("abort", onAbort);
      resolve({
        exitCode: null,
        signal: null,
        timedOut,
        aborted,
        stdoutTail: stdout,
        stderrTail: stderr,
        durationMs: Date.now() - started,
        ...result,
      });
    };
    child.on("error", (error) => finish({ spawnError: error.message }));
    child.on("close", (exitCode, signal) => finish({ exitCode, signal }));
  });
}

/**
 * A generator's output with the sandbox's paths (removed by the time anyone reads them, and
 * different on every run) replaced by the repository's: the same failure reads the same, and
 * names files that exist. Pure but for resolving the sandbox's real path.
 */
export function inRepository(text: string, sandboxDir: string, root: string): string {
  let real = sandboxDir;
  try {
    real = realpathSync(sandboxDir);
  } catch {
    // removed already: its own name is all there is
  }
  let out = text;
  for (const dir of new Set([real, sandboxDir])) out = out.split(dir).join(root);
  return out;
}

/**
 * The environment a generator runs with: `node_modules/.bin` of the copy's root first on PATH (as
 * `pnpm exec` would); from a `cwd` below the root, those of the cwd and of each directory up to
 * the root (deepest first, as `npm run` does from a package directory).
 */
export function generatorEnv(base: NodeJS.ProcessEnv, sandboxDir: string, cwd = ""): NodeJS.ProcessEnv {
  const path = base.PATH ?? "";
  const dirs = parentDirs(joinRepoPath(cwd, "x")).map((dir) => join(sandboxDir, dir, "node_modules/.bin"));
  return { ...base, PATH: `${dirs.join(":")}${path ? `:${path}` : ""}` };
}

const NETWORK_PATTERNS =
  /dial tcp|no such host|connection refused|network is unreachable|i\/o timeout|tls handshake|could not resolve|name resolution|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|remote is unavailable|server hosted at that remote is unavailable/i;

export function commandFailure(
  result: CommandResult,
  timeoutMs: number,
  relocate: (text: string) => string,
): DriftFailure | undefined {
  const output = relocate(
    (result.stderrTail.trim() ? result.stderrTail : result.stdoutTail)
      .split("\n")
      .slice(-40)
      .join("\n")
      .trim(),
  );
  const network = NETWORK_PATTERNS.test(output)
    ? {
        hint: "the generator needs the network (a remote plugin or dependency?) and cannot reach it; this is not drift",
      }
    : {};
  if (result.aborted) return { reason: "aborted", message: "interrupted", output };
  if (result.spawnError) {
    return {
      reason: "spawn",
      message: `could not start: ${result.spawnError}`,
      hint: "is the command installed and on PATH? (node_modules/.bin is added)",
    };
  }
  if (result.timedOut) {
    return {
      reason: "timeout",
      message: `timed out after ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`} and was killed`,
      output,
      ...network,
    };
  }
  if (result.signal)
    return {
      reason: "signal",
      message: `killed by ${result.signal}`,
      signal: result.signal,
      output,
      ...network,
    };
  if (result.exitCode !== 0) {
    return {
      reason: "exit",
      message: `exited with code ${result.exitCode}`,
      exitCode: result.exitCode,
      output,
      ...network,
    };
  }
  return undefined;
}
