#!/usr/bin/env node
let launch;
try {
  ({ launch } = await import("../dist/launch.js"));
} catch (error) {
  process.stderr.write(
    `shipgraph: cannot load the CLI (${error.message}); reinstall it, or in the shipgraph repository run \`pnpm build\`\n`,
  );
  process.exit(2);
}
let code;
try {
  code = await launch();
} catch (error) {
  // launch() returns the command's exit code; a throw is a broken install or a bug: never 0 or 1
  process.stderr.write(`shipgraph: internal error: ${error?.stack ?? error}\n`);
  code = 2;
}
// Exit as soon as the output is out: letting Node tear down the heap it leaves behind took ~20 ms
// on a large repository (and ~40 ms on a 300k-object heap). Writes to a pipe are asynchronous, so
// each stream's last write is waited for first.
const flushed = (stream) => new Promise((resolve) => stream.write("", resolve));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
