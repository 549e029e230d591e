import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { Readable } from "node:stream";
import { main } from "../../packages/cli/src/cli.js";
import { projectRoot } from "./repo.js";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (throws with the output if it is not JSON). */
  json<T = Record<string, unknown>>(): T;
}

/** Env without the GitHub Actions variables of the machine running the tests. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("GITHUB_") && k !== "CI") env[k] = v;
  return { ...env, ...extra };
}

function result(code: number, stdout: string, stderr: string): CliRun {
  return {
    code,
    stdout,
    stderr,
    json<T>() {
      try {
        return JSON.parse(stdout) as T;
      } catch {
        throw new Error(`stdout is not JSON (exit ${code}):\n${stdout}\nstderr:\n${stderr}`);
      }
    },
  };
}

/** Runs the CLI in-process (fast), exactly as the binary does. */
export async function shipgraph(
  cwd: string,
  args: string[],
  options: { env?: Record<string, string | undefined>; stdin?: string; tty?: boolean } = {},
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    cwd,
    env: options.env ?? cleanEnv(),
    stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    stderrIsTTY: options.tty ?? false,
  });
  return result(code, stdout, stderr);
}

/** Runs the built binary as a separate process (for exit codes and start-up). */
export function shipgraphBin(
  cwd: string,
  args: string[],
  options: { env?: Record<string, string | undefined>; stdin?: string } = {},
): CliRun {
  const run = spawnSync(process.execPath, [join(projectRoot, "packages/cli/bin/shipgraph.cjs"), ...args], {
    cwd,
    env: (options.env ?? cleanEnv()) as NodeJS.ProcessEnv,
    input: options.stdin ?? "",
    encoding: "utf8",
  });
  return result(run.status ?? -1, run.stdout, run.stderr);
}
