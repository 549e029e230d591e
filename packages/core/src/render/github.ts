import { createHash } from "node:crypto";
import type { AffectedReport } from "../affected/run.js";
import type { MatrixEntry, NodeKind } from "../types.js";
import { stableStringify } from "../util/sort.js";
import { renderAffectedMermaid } from "./mermaid.js";
import { formatCause } from "./reason.js";

/**
 * GitHub Actions makes at most this many jobs from one job's matrix: a larger matrix fails the job
 * before any of it runs ("Strategy for job … produced 300 configurations which exceeds the maximum
 * of 256").
 */
export const GITHUB_MATRIX_LIMIT = 256;

/** A matrix output and the has_work output that guards it. */
interface MatrixOutput {
  name: string;
  hasWork: string;
  include: MatrixEntry[];
  /** How many images of the whole graph the matrix can hold: fixes how many parts it has. */
  capacity: number;
}

/**
 * The matrix outputs: `matrix` (every affected image) and `matrix_level_<n>` for each build level
 * of the graph. One that can hold more than GITHUB_MATRIX_LIMIT images in this graph is also
 * split into parts `<name>_part_<k>` with `<has_work>_part_<k>`, as many as the graph needs (so a
 * workflow declares one job per part, whatever changed), filled in order.
 */
function matrixOutputs(report: AffectedReport): MatrixOutput[] {
  const levels = report.graphImagesPerLevel;
  const outputs: MatrixOutput[] = [
    {
      name: "matrix",
      hasWork: "has_work",
      include: report.matrix.include,
      capacity: levels.reduce((sum, n) => sum + n, 0),
    },
  ];
  // One matrix per build level over the whole graph (fixed names for the workflow), bases first.
  for (let level = 0; level <= report.maxImageLevel; level++) {
    outputs.push({
      name: `matrix_level_${level}`,
      hasWork: `has_work_level_${level}`,
      include: report.matrix.include.filter((entry) => entry.level === level),
      capacity: levels[level] ?? 0,
    });
  }
  return outputs;
}

function partCount(output: MatrixOutput): number {
  return output.capacity > GITHUB_MATRIX_LIMIT ? Math.ceil(output.capacity / GITHUB_MATRIX_LIMIT) : 0;
}

/**
 * Lines for $GITHUB_OUTPUT. Every value is single-line JSON or a boolean: JSON.stringify escapes
 * newlines, so no file name can end a value early and inject another output.
 * `has_work` is true exactly when the matrix has entries (an empty matrix fails a GitHub job);
 * `matrix_level_<n>` / `has_work_level_<n>` split it by build level for in-repo base images; and
 * in a graph of more than GITHUB_MATRIX_LIMIT images, `…_part_<k>` split those into job-sized parts.
 */
export function renderGithubOutputs(report: AffectedReport): string {
  const [all, ...levels] = matrixOutputs(report);
  const outputs: [string, string][] = [
    ["needs_proto", String(report.needs.proto)],
    ["needs_images", String(report.needs.images)],
    ["has_work", String(all!.include.length > 0)],
    ["mode", report.mode],
    ["matrix", stableStringify(report.matrix)],
    ["affected", stableStringify(report.affected)],
  ];
  const addParts = (output: MatrixOutput) => {
    for (let k = 0; k < partCount(output); k++) {
      const include = output.include.slice(k * GITHUB_MATRIX_LIMIT, (k + 1) * GITHUB_MATRIX_LIMIT);
      outputs.push([`${output.name}_part_${k}`, stableStringify({ include })]);
      outputs.push([`${output.hasWork}_part_${k}`, String(include.length > 0)]);
    }
  };
  addParts(all!);
  for (const level of levels) {
    outputs.push([level.name, stableStringify({ include: level.include })]);
    outputs.push([level.hasWork, String(level.include.length > 0)]);
    addParts(level);
  }
  return outputs.map(([name, value]) => `${name}=${value}\n`).join("");
}

/**
 * A `::warning` for each matrix output with more entries than a GitHub job takes: a job built
 * from it fails, so the workflow must build from its parts.
 */
function oversizedMatrixWarnings(report: AffectedReport): string[] {
  return matrixOutputs(report)
    .filter((output) => output.include.length > GITHUB_MATRIX_LIMIT)
    .map((output) => {
      const last = partCount(output) - 1;
      return `::warning title=shipgraph matrix::${output.name} has ${output.include.length} entries, and a GitHub Actions job takes at most ${GITHUB_MATRIX_LIMIT} (a job built from it fails): build from ${output.name}_part_0 … ${output.name}_part_${last}, one job each, guarded by ${output.hasWork}_part_<k>`;
    });
}

/** A short summary for the log. */
export function renderGithubLog(report: AffectedReport): string {
  const count = Object.values(report.affected).reduce((n, l) => n + l.length, 0);
  return [
    `shipgraph: ${report.mode === "all" ? `everything affected (${report.modeReason})` : report.modeReason}`,
    `shipgraph: ${report.changedFiles} changed file(s), ${count} affected node(s), ${report.matrix.include.length} image(s) to build`,
    `shipgraph: needs_proto=${report.needs.proto} needs_images=${report.needs.images}`,
    ...report.notes.map((n) => `shipgraph: note: ${n}`),
    ...oversizedMatrixWarnings(report),
    "",
  ].join("\n");
}

const KINDS: NodeKind[] = ["image", "target", "package", "generator", "proto"];

/** Markdown for $GITHUB_STEP_SUMMARY: a table of affected nodes with their reasons, and a flowchart. */
export function renderGithubSummary(report: AffectedReport): string {
  const lines = ["## shipgraph affected", ""];
  lines.push(
    `${escapeCell(report.mode === "all" ? `Everything is affected: ${report.modeReason}` : report.modeReason)}. ` +
      `${report.changedFiles} changed file(s); needs proto: **${report.needs.proto}**, needs images: **${report.needs.images}**.`,
    "",
  );
  const rows: string[] = [];
  for (const kind of KINDS) {
    for (const name of report.affected[kind]) {
      const reason = report.reasons[`${kind}:${name}`]!;
      const via = reason.chain.length > 1 ? ` → ${reason.chain.slice(0, -1).join(" → ")}` : "";
      rows.push(`| ${kind} | \`${escapeCell(name)}\` | ${escapeCell(formatCause(reason.cause) + via)} |`);
    }
  }
  if (rows.length === 0) {
    lines.push("Nothing is affected.", "");
  } else {
    const shown = rows.slice(0, 500);
    lines.push("| kind | name | why |", "| --- | --- | --- |", ...shown);
    if (rows.length > shown.length) lines.push(`| … | ${rows.length - shown.length} more | |`);
    lines.push("", "```mermaid", renderAffectedMermaid(report.reasons).trimEnd(), "```", "");
  }
  if (report.unownedFiles.length > 0) {
    lines.push(`<details><summary>${report.unownedFiles.length} changed file(s) no node owns</summary>`, "");
    for (const file of report.unownedFiles.slice(0, 200)) lines.push(`- \`${escapeCell(file)}\``);
    lines.push("", "</details>", "");
  }
  return `${lines.join("\n")}\n`;
}

function escapeCell(text: string): string {
  return text
    .replace(/[\r\n]+/g, " ")
    .replace(/\|/g, "\\|")
    .replace(/`/g, "'");
}

/**
 * `text` between `::stop-commands::<token>` and `::<token>::`: the runner runs no workflow
 * command in it, so a line of generated code or a file name that starts with "::" (C++'s
 * `::google::protobuf`, or a crafted `::add-mask::`) is shown, not run. The token is the text's
 * own hash: the text cannot hold it, and the output stays deterministic.
 */
export function withoutWorkflowCommands(text: string): string {
  if (text === "") return "";
  const token = createHash("sha256").update(text).digest("hex");
  return `::stop-commands::${token}\n${text}${text.endsWith("\n") ? "" : "\n"}::${token}::\n`;
}
