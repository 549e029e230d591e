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
try {
  process.exitCode = await launch();
} catch (error) {
  // launch() returns the command's exit code; a throw is a broken install or a bug: never 0 or 1
  process.stderr.write(`shipgraph: internal error: ${error?.stack ?? error}\n`);
  process.exitCode = 2;
}
