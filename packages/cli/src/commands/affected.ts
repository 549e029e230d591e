import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import {
  type AffectedReport,
  explainNode,
  type ForceKind,
  getAffected,
  type NodeId,
  planFromGithub,
  renderAffectedText,
  renderExplainText,
  renderGithubLog,
  renderGithubOutputs,
  renderGithubSummary,
  renderJson,
  ShipgraphError,
  unknownNodeError,
  unquoteGitPath,
} from "@shipgraph/core";
import { appendToGithubFile, type CliIO } from "../io.js";

export interface AffectedFlags {
  base?: string;
  head?: string;
  files?: string[];
  uncommitted?: boolean;
  untracked?: boolean;
  all?: boolean;
  force?: ForceKind[];
  conservative?: boolean;
  format: "text" | "json" | "github";
  explain?: string;
  deepen?: string | boolean;
  config?: string;
  cwd?: string;
}

export async function runAffected(flags: AffectedFlags, io: CliIO): Promise<number> {
  const cwd = resolve(io.cwd, flags.cwd ?? ".");
  const files = flags.files ? await readFileList(flags.files, io) : undefined;
  const deepen = flags.deepen === true ? 8 : Number(flags.deepen ?? 0);
  if (!Number.isInteger(deepen) || deepen < 0) {
    throw new ShipgraphError("USAGE", `--deepen must be a whole number of attempts, got "${flags.deepen}"`);
  }

  let base = flags.base;
  let baseFallbacks: string[] | undefined;
  let head = flags.head;
  let all = flags.all ? "--all" : undefined;
  // (undefined: core decides from the base, see AffectedOptions.includeBaseOnlyChanges)
  let includeBaseOnlyChanges: boolean | undefined;
  const notes: string[] = [];
  if (base === undefined && files === undefined && all === undefined && !flags.force?.includes("all")) {
    const plan = planFromGithub(io.env, readEvent(io.env));
    if (plan.kind === "all") all = plan.reason;
    else if (plan.kind === "base") {
      base = plan.base;
      baseFallbacks = plan.fallbacks;
      head ??= plan.head;
      includeBaseOnlyChanges = plan.includeBaseOnlyChanges;
      notes.push(`base from GitHub Actions: ${plan.source}`);
    }
  }

  const { report, graph } = await getAffected({
    cwd,
    config: flags.config,
    base,
    baseFallbacks,
    head,
    files,
    uncommitted: flags.uncommitted,
    untracked: flags.untracked,
    all,
    force: flags.force,
    conservative: flags.conservative,
    deepen,
    includeBaseOnlyChanges,
    repoProbe: io.repoProbe,
  });
  report.notes.unshift(...notes);

  if (flags.explain !== undefined) {
    const id = flags.explain as NodeId;
    const known = graph.nodes.has(id);
    const chains = known ? explainNode(graph, report, id, flags.conservative ?? false) : [];
    // JSON readers get an answer either way; the text format leaves the error to stderr
    if (flags.format === "json")
      io.stdout(renderJson({ node: id, known, affected: chains.length > 0, reasons: chains }));
    else if (known) io.stdout(renderExplainText(id, chains, known));
    if (!known) throw unknownNodeError(graph, id, `--explain ${id}`);
    return 0;
  }

  // (the text report lists them itself: on stderr too, a terminal would show each twice)
  if (flags.format !== "text") {
    for (const warning of report.warnings) io.stderr(`shipgraph: warning: ${warning}\n`);
  }
  switch (flags.format) {
    case "json":
      io.stdout(renderJson(jsonReport(report)));
      break;
    case "text":
      io.stdout(renderAffectedText(report));
      break;
    case "github":
      writeGithub(report, io);
      break;
  }
  return 0;
}

/** The JSON contract: stable keys, sorted arrays. */
function jsonReport(report: AffectedReport): Record<string, unknown> {
  return {
    base: report.base,
    baseRef: report.baseRef,
    head: report.head,
    mergeBase: report.mergeBase,
    mode: report.mode,
    modeReason: report.modeReason,
    changedFiles: report.changedFiles,
    configFile: report.configFile,
    needs: report.needs,
    affected: report.affected,
    matrix: report.matrix,
    reasons: report.reasons,
    unownedFiles: report.unownedFiles,
    protoFiles: report.protoFiles,
    generatedFiles: report.generatedFiles,
    warnings: report.warnings,
    notes: report.notes,
  };
}

function writeGithub(report: AffectedReport, io: CliIO): void {
  const outputs = renderGithubOutputs(report);
  const outputFile = io.env.GITHUB_OUTPUT;
  if (outputFile) appendToGithubFile("GITHUB_OUTPUT", outputFile, outputs);
  else if (io.env.GITHUB_ACTIONS === "true") {
    // Printed, the outputs reach no later job: `has_work` would read as unset there, and the
    // image jobs it guards would be skipped while this step passes.
    throw new ShipgraphError(
      "ENVIRONMENT",
      "GITHUB_ACTIONS is true but GITHUB_OUTPUT is not set: the outputs (has_work, matrix…) would reach no job",
      {
        hint: 'the runner sets GITHUB_OUTPUT for every step: pass it into the container or environment shipgraph runs in (e.g. `docker run -e GITHUB_OUTPUT -v "$GITHUB_OUTPUT:$GITHUB_OUTPUT"`)',
      },
    );
  } else {
    io.stderr("shipgraph: GITHUB_OUTPUT is not set; printing the outputs instead\n");
    io.stdout(outputs);
  }
  io.stdout(renderGithubLog(report));
  const summaryFile = io.env.GITHUB_STEP_SUMMARY;
  if (summaryFile) appendToGithubFile("GITHUB_STEP_SUMMARY", summaryFile, renderGithubSummary(report));
}

function readEvent(env: CliIO["env"]): unknown {
  const path = env.GITHUB_EVENT_PATH;
  if (!path) return undefined;
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ShipgraphError(
      "NO_BASE",
      `cannot read the GitHub event payload ${path}: ${(error as Error).message}`,
      {
        file: path,
        hint: "pass --base REF explicitly",
      },
    );
  }
}

/**
 * `--files a b` as given; `--files -` reads stdin: NUL-separated if it holds a NUL, else one per
 * line, decoding git's C-quoting, so `git diff --name-only … | shipgraph affected --files -` works.
 */
async function readFileList(files: string[], io: CliIO): Promise<string[]> {
  if (!files.includes("-")) return files;
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin)
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  const text = Buffer.concat(chunks).toString("utf8");
  // NUL-separated (git -z) is taken as is; one per line may be C-quoted by git (core.quotePath)
  const fromStdin = text.includes("\0") ? text.split("\0") : text.split(/\r?\n/).map(unquoteGitPath);
  return [...files.filter((f) => f !== "-"), ...fromStdin.filter((f) => f !== "")];
}
