#!/usr/bin/env node
// CommonJS, as dist/launch.cjs is: an ES module entry makes Node start its ES module loader first,
// ~6 ms of every run.
const notBuilt = (detail) => {
  process.stderr.write(
    `shipgraph: cannot load the CLI (${detail}); reinstall it, or in the shipgraph repository run \`pnpm build\`\n`,
  );
  process.exit(2);
};
// A reader that closes the pipe early (`| head -1`) ends the run quietly, and never with exit 1,
// which means "drift found".
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", () => process.exit(2));
}
let launch;
try {
  ({ launch } = require("../dist/launch.cjs"));
} catch (error) {
  notBuilt(error.message);
}
// Exit as soon as the output is out: a natural exit also waited for child processes the run no
// longer needs and for Node's teardown (~10 ms on a large repository). Writes to a pipe are
// asynchronous, so each stream's last write is waited for first.
const flushed = (stream) => new Promise((resolve) => stream.write("", resolve));
launch()
  .catch((error) => {
    if (error?.code === "SHIPGRAPH_NOT_BUILT") notBuilt(error.message);
    // launch() returns the command's exit code; a throw is a bug: never 0 or 1
    process.stderr.write(`shipgraph: internal error: ${error?.stack ?? error}\n`);
    return 2;
  })
  .then(async (code) => {
    await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
    process.exit(code);
  });
