import { Command, CommanderError, Option } from "commander";
import type { CliIO } from "./io.js";

export type { CliIO } from "./io.js";

const VERSION = "0.1.0";

/**
 * Runs the shipgraph CLI and returns the exit code: 0 ok, 1 "found something" (drift), 2 usage,
 * config or environment error. Commands are imported only when they run.
 */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  let exitCode = 0;
  const program = new Command("shipgraph")
    .description("Which images, generated SDKs and packages a git diff affects, and why.")
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError("(run with --help for usage)");

  program
    .command("affected")
    .description(
      "List the nodes a change affects, why, and the CI matrix of images to build.\n" +
        "Without --base/--files/--all, the base comes from the GitHub Actions event (pull_request, merge_group, push).",
    )
    .option(
      "--base <ref>",
      "compare with this ref: the diff is base...head (from their merge base); a tag or SHA head does not contain (the last deployed commit) also counts base..head",
    )
    .option("--head <ref>", "the head commit (default: HEAD, with the graph read from the working tree)")
    .option(
      "--files <file...>",
      'use these changed files instead of a git diff, relative to the repository root as git prints them, or starting with ./ ../ or / relative to the cwd ("-" reads them from stdin, NUL- or newline-separated; from git diff, pass --no-renames)',
    )
    .option("--uncommitted", "also count staged and unstaged changes to tracked files")
    .option("--untracked", "also count untracked files that are not ignored")
    .option("--all", "treat everything as affected (mode: all)")
    .addOption(
      new Option(
        "--force <kind...>",
        "force part of the work whatever changed: proto (all generators), images (all images), all",
      ).choices(["proto", "images", "all"]),
    )
    .option(
      "--conservative",
      "also rebuild the consumers of generated code when a generator is affected (follow generator→output edges)",
    )
    .addOption(
      new Option("--format <format>", "output format").choices(["text", "json", "github"]).default("text"),
    )
    .option(
      "--explain <node>",
      "print the chain(s) that make NODE (e.g. image:api) affected, or say it is not",
    )
    .option(
      "--deepen [times]",
      "in a shallow clone, fetch the base from origin when it is missing, then more history (git fetch --deepen, from 50 commits, doubling) until the merge base is found, at most TIMES times (8 when no number is given)",
    )
    .option(
      "--config <path>",
      "config file (default: shipgraph.yaml / .json / .config.ts at the repository root)",
    )
    .option("--cwd <dir>", "run as if started in DIR")
    .addHelpText(
      "after",
      [
        "",
        "Formats:",
        "  text    a readable tree with the why-chains",
        "  json    one object: base, head, mode, modeReason, changedFiles, needs, affected, matrix, reasons, unownedFiles",
        "  github  writes needs_proto, needs_images, has_work, mode, matrix, affected to $GITHUB_OUTPUT",
        "          (single-line JSON/booleans), a summary to stdout and a table + flowchart to $GITHUB_STEP_SUMMARY;",
        "          matrix_level_<n> per build level, and in a graph of more than 256 images (the most a",
        "          GitHub job's matrix takes) <matrix>_part_<k> / <has_work>_part_<k> for one job per part",
        "",
        "Exit codes: 0 ok, 2 usage/config/environment error (unknown base, shallow clone, bad config).",
      ].join("\n"),
    )
    .action(async (options) => {
      const { runAffected } = await import("./commands/affected.js");
      exitCode = await runAffected(options, io);
    });

  program
    .command("drift")
    .description(
      "Check that checked-in generated code is exactly what its generators produce: each generator runs in an " +
        "isolated copy of the repository and its outputs are compared byte for byte. Nothing in the working tree " +
        "is written unless --fix.",
    )
    .argument("[generators...]", "generator names (default: all)")
    .option(
      "--base <ref>",
      "check only the generators affected since REF, and report outputs left behind since then (stale files no generator writes any more)",
    )
    .option(
      "--committed",
      "check exactly HEAD (default: the working tree, tracked and untracked-not-ignored files)",
    )
    .addOption(
      new Option("--format <format>", "report format")
        .choices(["text", "json", "github", "junit"])
        .default("text"),
    )
    .option("--fix", "write the regenerated outputs into the tree (atomically) and delete stale ones")
    .option("--quick", "run no generator: compare input and output hashes with the stamps in shipgraph.lock")
    .option("--jobs <n>", "sandboxes to run at once", "2")
    .option(
      "--timeout <seconds>",
      "per generator; it is killed (with everything it started) after this",
      "900",
    )
    .option("--keep-temp", "keep the sandboxes and print where they are")
    .option("--config <path>", "config file (default: found at the repository root)")
    .option("--cwd <dir>", "run as if started in DIR")
    .addHelpText(
      "after",
      [
        "",
        "Per generator: status clean | drift | failed; modified (with a diff), missing (generated, not in the",
        "tree) and stale (in the tree, no longer generated) files. --format github adds ::error annotations",
        "(at most 10) and a table in $GITHUB_STEP_SUMMARY; --format junit prints JUnit XML.",
        "Outputs defaulted from a buf template (each plugin's out/**) say where it writes, not that all there is",
        "generated: a file there the run does not write is stale only if named as the plugin names its files (or",
        "the very name a protoOutputs pattern gives for a .proto file the generator compiles that the tree, the",
        "index, HEAD or the merge base has); another (a hand-written index.ts beside them) is a warning, unclaimed",
        "in the JSON, not drift, and --fix never deletes it; but it is drift (undecided, exit 1, still left by",
        "--fix) under the out of a plugin whose naming shipgraph does not know (no protoOutputs), when only shaped",
        "as a protoOutputs pattern's names ({out}/{path}.ts over index.ts), when named as another known plugin",
        "names files, or with clean: true (buf generate deletes it). Configured outputs are your word: all they",
        "match is generated.",
        "node_modules/.bin of the repository is put first on PATH for the generators.",
        "Generators whose outputs overlap, or that read another's outputs (dependsOn, inputs), run in one copy,",
        "each after those it reads; naming one also checks and reports those. When one fails, the files under",
        "its outputs are not compared (listed as such) and --fix leaves them alone.",
        "With --base, a file under a generator's outputs at the merge base that no generator's outputs hold now",
        "is left behind (stale; --fix deletes it) if the generator wrote it there: for buf generate, one a plugin",
        "shipgraph knows writes for a .proto file there; for any other under a plugin's out, or another command,",
        "the generator is run as the merge base has it, in a copy, when there are such files, and must write them",
        "as the tree has them. If it cannot run there, or writes one otherwise (a stub it writes only when",
        "missing, filled in by hand), a warning names them as maybe left behind: not drift, and --fix keeps them.",
        "--quick --base reports those known plugins write for the .proto files there, and warns about the others",
        "(it runs nothing).",
        "",
        "Exit codes: 0 clean (or all drift fixed), 1 drift (with --fix: undecided files it left), 2 a",
        "generator failed or timed out, or a usage/config/environment error; 130/143 when interrupted",
        "(nothing written, but for the outputs --fix had already written: the message names them).",
      ].join("\n"),
    )
    .action(async (generators: string[], options) => {
      const { runDriftCommand } = await import("./commands/drift.js");
      exitCode = await runDriftCommand(generators, options, io);
    });

  program
    .command("stamp")
    .description(
      "Record each generator's input and output hashes in shipgraph.lock (commit it), for `drift --quick`. " +
        "Verifies first that the outputs are what the generators produce, and refuses to stamp drift.",
    )
    .argument("[generators...]", "generator names (default: all)")
    .option("--no-verify", "record the hashes without running the generators")
    .option("--jobs <n>", "sandboxes to run at once", "2")
    .option("--timeout <seconds>", "per generator", "900")
    .option("--config <path>", "config file (default: found at the repository root)")
    .option("--cwd <dir>", "run as if started in DIR")
    .action(async (generators: string[], options) => {
      const { runStampCommand } = await import("./commands/drift.js");
      exitCode = await runStampCommand(generators, options, io);
    });

  program
    .command("init")
    .description(
      "Write a starter shipgraph.yaml inferred from buf files, buf templates, Dockerfiles, compose / bake files and workflow build steps.",
    )
    .option("--dry-run", "print the config to stdout instead of writing it")
    .option("--force", "replace an existing config file")
    .option("--cwd <dir>", "run as if started in DIR")
    .addHelpText(
      "after",
      "\nExit codes: 0 written, 1 written with gaps to fill by hand (listed at the top of the file), 2 usage/environment error.",
    )
    .action(async (options) => {
      const { runInit } = await import("./commands/init.js");
      exitCode = await runInit(options, io);
    });

  program
    .command("graph")
    .description("Print the whole graph, or one node's neighbourhood, for people and other tools.")
    .addOption(
      new Option("--format <format>", "output format").choices(["mermaid", "dot", "json"]).default("mermaid"),
    )
    .option("--focus <node>", "only NODE, what it depends on and what depends on it")
    .option("--config <path>", "config file (default: found at the repository root)")
    .option("--cwd <dir>", "run as if started in DIR")
    .addHelpText(
      "after",
      [
        "",
        "Arrows point the way a change travels: dependency --> dependent. Dashed: a generator to what reads its",
        "outputs (followed by affected only with --conservative), or an image that may be built FROM another.",
        "Dotted, labelled reads: a node whose files an image's Dockerfile copies; only a change to those files",
        'reaches the image, not what the node depends on (JSON: edges of kind "reads").',
      ].join("\n"),
    )
    .action(async (options) => {
      const { runGraph } = await import("./commands/graph.js");
      exitCode = await runGraph(options, io);
    });

  try {
    await program.parseAsync([...argv], { from: "user" });
    await printTrace(io);
    return exitCode;
  } catch (error) {
    await printTrace(io);
    if (error instanceof CommanderError) {
      // help asked for (--help, `help`, --version) is 0; help shown because the command line was
      // wrong (no command, `help <unknown>`) is a usage error
      const asked =
        error.code === "commander.helpDisplayed" ||
        error.code === "commander.version" ||
        (error.code === "commander.help" && error.exitCode === 0);
      return asked ? 0 : 2;
    }
    const { reportError } = await import("./exit.js");
    return reportError(error, io);
  }
}

/** With SHIPGRAPH_TRACE=1 (or cpu): the phase timings the command recorded, on stderr. */
async function printTrace(io: CliIO): Promise<void> {
  if (io.env.SHIPGRAPH_TRACE !== "1" && io.env.SHIPGRAPH_TRACE !== "cpu") return;
  const { traceReport } = await import("@shipgraph/core");
  const trace = traceReport();
  if (trace.length > 0)
    io.stderr(`shipgraph trace (SHIPGRAPH_TRACE=${io.env.SHIPGRAPH_TRACE}):\n${trace.join("\n")}\n`);
}
