/** What a command may touch of the outside world: passed in, so tests run the CLI in-process. */
export interface CliIO {
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  stdin: NodeJS.ReadableStream;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stderr is a terminal (live progress lines). */
  stderrIsTTY?: boolean;
}
