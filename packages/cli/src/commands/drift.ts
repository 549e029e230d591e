import { resolve } from "node:path";
import {
  type DriftReport,
  driftExitCode,
  renderDriftGithubLog,
  renderDriftJson,
  renderDriftJunit,
  renderDriftSummary,
  renderDriftText,
  runDrift,
  runQuickDrift,
  ShipgraphError,
  stampGenerators,
} from "@shipgraph/core";
import { appendToGithubFile, type CliIO } from "../io.js";
import { createProgress } from "../progress.js";

export interface DriftFlags {
  base?: string;
  committed?: boolean;
  format: "text" | "json" | "github" | "junit";
  fix?: boolean;
  quick?: boolean;
  jobs: string;
  timeout: string;
  keepTemp?: boolean;
  config?: string;
  cwd?: string;
}

function positiveNumber(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new ShipgraphError("USAGE", `${flag} must be a positive number, got "${value}"`);
  return n;
}

/**
 * Runs `work` with SIGINT, SIGTERM and SIGHUP (the terminal closed) turned into an abort:
 * generators are killed and sandboxes removed before the process exits (128 + the signal's
 * number: 130, 143, 129).
 */
async function withInterrupts<T>(
  work: (signal: AbortSignal) => Promise<T>,
): Promise<{ value: T; interrupted?: number }> {
  const controller = new AbortController();
  let interrupted: number | undefined;
  const handlers = (Object.entries(INTERRUPTS) as [NodeJS.Signals, number][]).map(
    ([signal, code]) =>
      [
        signal,
        () => {
          interrupted ??= code;
          controller.abort();
        },
      ] as const,
  );
  for (const [signal, handler] of handlers) process.on(signal, handler);
  try {
    const value = await work(controller.signal);
    return interrupted === undefined ? { value } : { value, interrupted };
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
}

/** The signals drift stops on, and the exit code for each (128 + its number). */
const INTERRUPTS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

function print(report: DriftReport, format: DriftFlags["format"], io: CliIO): void {
  switch (format) {
    case "json":
      io.stdout(renderDriftJson(report));
      break;
    case "junit":
      io.stdout(renderDriftJunit(report));
      break;
    case "github": {
      io.stdout(renderDriftGithubLog(report));
      const summary = io.env.GITHUB_STEP_SUMMARY;
      if (summary) appendToGithubFile("GITHUB_STEP_SUMMARY", summary, renderDriftSummary(report));
      break;
    }
    case "text":
      io.stdout(renderDriftText(report));
      break;
  }
}

export async function runDriftCommand(generators: string[], flags: DriftFlags, io: CliIO): Promise<number> {
  const cwd = resolve(io.cwd, flags.cwd ?? ".");
  if (flags.quick && (flags.fix || flags.committed)) {
    throw new ShipgraphError(
      "USAGE",
      "--quick runs no generator: it cannot be combined with --fix or --committed",
    );
  }
  if (flags.quick) {
    const report = await runQuickDrift({
      cwd,
      config: flags.config,
      generators,
      base: flags.base,
      onWarning: (message) => io.stderr(`shipgraph: warning: ${message}\n`),
    });
    print(report, flags.format, io);
    return driftExitCode(report);
  }
  const progress = createProgress(io, flags.format !== "json" && flags.format !== "junit");
  const { value: report, interrupted } = await withInterrupts((signal) =>
    runDrift({
      cwd,
      config: flags.config,
      generators,
      base: flags.base,
      committed: flags.committed,
      fix: flags.fix,
      jobs: Math.floor(positiveNumber(flags.jobs, "--jobs")),
      timeoutMs: positiveNumber(flags.timeout, "--timeout") * 1000,
      keepTemp: flags.keepTemp,
      signal,
      env: io.env as NodeJS.ProcessEnv,
      onProgress: (event) => progress.onProgress(event),
      onWarning: (message) => progress.print(`shipgraph: warning: ${message}\n`),
      onKeptSandbox: (dir) => progress.print(`shipgraph drift: keeping the sandbox ${dir}\n`),
    }),
  );
  progress.done();
  if (interrupted !== undefined) {
    // groups that finished before the signal had their --fix applied: say which
    const written = report.generators.filter((g) => g.fixed).map((g) => g.name);
    io.stderr(
      `shipgraph drift: interrupted; generators stopped, sandboxes removed, ${
        written.length > 0
          ? `--fix had written the outputs of ${written.join(", ")} (nothing else)`
          : "nothing written"
      }\n`,
    );
    return interrupted;
  }
  print(report, flags.format, io);
  return driftExitCode(report);
}

export interface StampFlags {
  verify: boolean;
  jobs: string;
  timeout: string;
  config?: string;
  cwd?: string;
}

export async function runStampCommand(generators: string[], flags: StampFlags, io: CliIO): Promise<number> {
  const cwd = resolve(io.cwd, flags.cwd ?? ".");
  const progress = createProgress(io, true, "stamp");
  const { value: result, interrupted } = await withInterrupts((signal) =>
    stampGenerators({
      cwd,
      config: flags.config,
      generators,
      verify: flags.verify,
      jobs: Math.floor(positiveNumber(flags.jobs, "--jobs")),
      timeoutMs: positiveNumber(flags.timeout, "--timeout") * 1000,
      signal,
      env: io.env as NodeJS.ProcessEnv,
      onProgress: (event) => progress.onProgress(event),
      onWarning: (message) => progress.print(`shipgraph: warning: ${message}\n`),
    }),
  );
  progress.done();
  if (interrupted !== undefined) {
    io.stderr("shipgraph stamp: interrupted; generators stopped, sandboxes removed, nothing written\n");
    return interrupted;
  }
  if (!result.written) {
    io.stdout(renderDriftText(result.report!));
    io.stderr(`shipgraph stamp: not stamped: the outputs above are not what the generators produce\n`);
    return driftExitCode(result.report!);
  }
  io.stdout(
    `shipgraph stamp: wrote ${result.file}${flags.verify ? " (outputs verified)" : " (not verified: --no-verify)"}\n`,
  );
  return 0;
}
