import { spawn } from "node:child_process";

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
