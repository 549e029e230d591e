import { lstatSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  CONFIG_FILE_NAMES,
  findRepoRoot,
  Git,
  inferConfig,
  normalizeConfig,
  parseConfigText,
  ShipgraphError,
  worktreeSnapshot,
} from "@shipgraph/core";
import type { CliIO } from "../io.js";

export interface InitFlags {
  dryRun?: boolean;
  force?: boolean;
  cwd?: string;
}

/** `shipgraph init`: infer a starter shipgraph.yaml and write it (or print it with --dry-run). */
export async function runInit(flags: InitFlags, io: CliIO): Promise<number> {
  const root = await findRepoRoot(resolve(io.cwd, flags.cwd ?? "."));
  // lstat: a symbolic link at a config name exists even when it points nowhere (writing through it
  // would create its target, possibly outside the repository)
  const existing = CONFIG_FILE_NAMES.filter((name) => isPresent(join(root, name)));
  const other = existing.filter((name) => name !== "shipgraph.yaml");
  if (other.length > 0 && flags.force && !flags.dryRun) {
    // writing shipgraph.yaml beside it would leave two configs, one silently winning
    throw new ShipgraphError(
      "USAGE",
      `${other.join(", ")} exists: init writes shipgraph.yaml and would not replace it`,
      {
        file: other[0]!,
        hint: `remove ${other.join(", ")} first, or use --dry-run and merge by hand`,
      },
    );
  }
  if (existing.length > 0 && !flags.force && !flags.dryRun) {
    throw new ShipgraphError(
      "USAGE",
      `${existing.join(", ")} already exists: init does not overwrite a config`,
      {
        file: existing[0]!,
        hint: "pass --dry-run to see what init infers, or --force to replace the file",
      },
    );
  }
  if (!flags.dryRun) {
    // a config the sparse checkout leaves out is not absent: writing one would replace it ("S":
    // git's tag for a skip-worktree entry; a config deleted by hand may be replaced)
    const tagged = await new Git(root).lsFiles(CONFIG_FILE_NAMES, ["-t"]);
    const left = tagged.filter((entry) => entry.startsWith("S ")).map((entry) => entry.slice(2));
    if (left.length > 0 && !flags.force) {
      throw new ShipgraphError(
        "USAGE",
        `${left.join(", ")} is tracked but a sparse checkout leaves it out of the working tree: init does not overwrite a config`,
        {
          file: left[0]!,
          hint: `add it to the sparse checkout (\`git sparse-checkout add ${left[0]}\`), or pass --force to replace it`,
        },
      );
    }
  }
  // the tracked files (staged ones included), as the inferred graph reads them: the same config
  // on every clone, and the one `affected` would use without it
  const snapshot = await worktreeSnapshot(new Git(root));
  const inferred = await inferConfig(snapshot);
  // what init writes must validate: a config error here is a bug in init, not the user's
  normalizeConfig(await parseConfigText(inferred.yaml, "shipgraph.yaml", root));

  const report: string[] = [];
  report.push(`protos (${inferred.protos.length}):`);
  for (const p of inferred.protos) report.push(`  ${p.name}: ${p.path} (from ${p.from})`);
  report.push(`generators (${inferred.generators.length}):`);
  for (const g of inferred.generators) {
    report.push(`  ${g.name}: template ${g.template}, out ${g.outs.join(", ")}`);
    for (const plugin of g.plugins) report.push(`    ${plugin}`);
  }
  report.push(`images (${inferred.images.length}):`);
  for (const i of inferred.images) {
    const extra = [
      i.target !== undefined ? `target ${i.target}` : "",
      i.ref !== undefined ? `ref ${i.ref}` : "",
      ...Object.entries(i.additionalContexts).map(([name, path]) => `context ${name}=${path}`),
    ].filter(Boolean);
    report.push(
      `  ${i.name}: context ${i.context}, ${i.dockerfile}${extra.length > 0 ? `, ${extra.join(", ")}` : ""} (found in ${i.foundIn.join(", ")})`,
    );
  }
  // gaps (left out of the config) apart from what was inferred but deserves a look
  const gaps = inferred.problems.filter((p) => inferred.incomplete.includes(p));
  const checks = inferred.problems.filter((p) => !inferred.incomplete.includes(p));
  if (gaps.length > 0) {
    report.push(
      `could not infer (${gaps.length}; left out of the config: complete it by hand, or shipgraph may miss the artifact):`,
    );
    for (const gap of gaps) report.push(`  ! ${gap}`);
  }
  if (checks.length > 0) {
    report.push(`to check (${checks.length}; inferred, but worth a look):`);
    for (const check of checks) report.push(`  ${check}`);
  }
  io.stderr(`${report.join("\n")}\n`);
  // What could not be inferred stays in the file, where the next reader looks: the inferred
  // graph refuses to run with such gaps, and a config written without them would hide them.
  const yaml =
    inferred.incomplete.length === 0
      ? inferred.yaml
      : [
          "# TODO: `shipgraph init` could not infer these; declare them by hand, then delete this note,",
          "# or shipgraph may miss the artifacts they build:",
          ...inferred.incomplete.map((problem) => `#   ! ${problem.replace(/[\r\n]+/g, " ")}`),
          "",
          inferred.yaml,
        ].join("\n");
  // exit 1 ("found something") when there are gaps: a script running init notices
  const code = inferred.incomplete.length === 0 ? 0 : 1;
  if (flags.dryRun) {
    io.stdout(yaml);
    return code;
  }
  const target = join(root, "shipgraph.yaml");
  // --force replaces a symbolic link itself, never the file it points to; without --force nothing
  // may have appeared since the check ("wx")
  if (lstatSync(target, { throwIfNoEntry: false })?.isSymbolicLink()) rmSync(target);
  writeFileSync(target, yaml, { flag: flags.force ? "w" : "wx" });
  io.stderr(
    `shipgraph: wrote ${join(root, "shipgraph.yaml")} (review it; \`shipgraph graph\` shows the graph)${code === 1 ? `; ${inferred.incomplete.length} gap(s) to fill by hand are listed at its top` : ""}\n`,
  );
  return code;
}

/** Whether a directory entry exists at `path` (a dangling symbolic link does). (I/O) */
function isPresent(path: string): boolean {
  return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
}
