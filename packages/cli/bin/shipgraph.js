#!/usr/bin/env node
import { setFlagsFromString } from "node:v8";
import { main, youngGenerationFlag } from "../dist/cli.js";

// a short-lived process: keep V8's young generation at its start size (see src/heap.ts)
const flag = youngGenerationFlag(process.env, process.execArgv);
if (flag !== undefined) {
  try {
    setFlagsFromString(flag);
  } catch {
    // a Node.js without the flag: run with V8's defaults
  }
}

process.exitCode = await main(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  stdin: process.stdin,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stderrIsTTY: process.stderr.isTTY === true,
});
