// The CLI bundle's entry (dist/shipgraph.cjs): what bin/shipgraph.cjs runs through src/launch.ts.
import type { EarlyGitCall } from "@shipgraph/core";
import { main } from "./cli.js";

/**
 * Runs the CLI on this process's arguments and streams; `codeCache` says how V8 compiled it, and
 * `repoProbe` is a git call launch started for `affected`.
 */
export async function run(codeCache: string, repoProbe?: EarlyGitCall): Promise<number> {
  if (process.env.SHIPGRAPH_TRACE === "1" || process.env.SHIPGRAPH_TRACE === "cpu") {
    // (@shipgraph/core is loaded only by the commands that use it: not for --help)
    const { mark } = await import("@shipgraph/core");
    mark(`code cache ${codeCache}`);
  }
  return main(process.argv.slice(2), {
    cwd: process.cwd(),
    env: process.env,
    // (a getter: creating process.stdin costs ~3.5 ms, and only `--files -` reads it)
    get stdin() {
      return process.stdin;
    },
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stderrIsTTY: process.stderr.isTTY === true,
    ...(repoProbe !== undefined ? { repoProbe } : {}),
  });
}
