import { appendFileSync } from "node:fs";
import { type EarlyGitCall, ShipgraphError } from "@shipgraph/core";
/** What a command may touch of the outside world: passed in, so tests run the CLI in-process. */
export interface CliIO {
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  stdin: NodeJS.ReadableStream;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stderr is a terminal (live progress lines). */
  stderrIsTTY?: boolean;
  /** `affected`'s first git call, started before the CLI was compiled (see launch.ts). */
  repoProbe?: EarlyGitCall;
}

/**
 * Appends to the file a GitHub Actions variable names ($GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY). One
 * that cannot be written is an environment error naming the variable and the path (exit 2): the
 * step's outputs would be missing. (I/O)
 */
export function appendToGithubFile(
  variable: "GITHUB_OUTPUT" | "GITHUB_STEP_SUMMARY",
  path: string,
  text: string,
): void {
  try {
    appendFileSync(path, text);
  } catch (error) {
    throw new ShipgraphError(
      "ENVIRONMENT",
      `cannot write $${variable} (${path}): ${(error as Error).message}`,
      {
        hint: `the runner sets ${variable} to a writable file; outside GitHub Actions, unset it`,
      },
    );
  }
}
