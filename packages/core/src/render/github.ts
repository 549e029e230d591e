import type { AffectedReport } from "../affected/run.js";
import type { NodeKind } from "../types.js";
import { stableStringify } from "../util/sort.js";
import { renderAffectedMermaid } from "./mermaid.js";
import { formatCause } from "./reason.js";

/**
 * Lines for $GITHUB_OUTPUT. Every value is single-line JSON or a boolean: JSON.stringify escapes
 * newlines, so no file name can end a value early and inject another output.
 * `has_work` is true exactly when the matrix has entries (an empty matrix fails a GitHub job);
 * `matrix_level_<n>` / `has_work_level_<n>` split it by build level for in-repo base images.
 */
export function renderGithubOutputs(report: AffectedReport): string {
  const outputs: [string, string][] = [
    ["needs_proto", String(report.needs.proto)],
    ["needs_images", String(report.needs.images)],
    ["has_work", String(report.matrix.include.length > 0)],
    ["mode", report.mode],
    ["matrix", stableStringify(report.matrix)],
    ["affected", stableStringify(report.affected)],
  ];
  // One matrix per build level over the whole graph (fixed names for the workflow), bases first.
  for (let level = 0; level <= report.maxImageLevel; level++) {
    const include = report.matrix.include.filter((entry) => entry.level === level);
    outputs.push([`matrix_level_${level}`, stableStringify({ include })]);
    outputs.push([`has_work_level_${level}`, String(include.length > 0)]);
  }
  return outputs.map(([name, value]) => `${name}=${value}\n`).join("");
}

/** A short summary for the log. */
export function renderGithubLog(report: AffectedReport): string {
  const count = Object.values(report.affected).reduce((n, l) => n + l.length, 0);
  return [
    `shipgraph: ${report.mode === "all" ? `everything affected (${report.modeReason})` : report.modeReason}`,
    `shipgraph: ${report.changedFiles} changed file(s), ${count} affected node(s), ${report.matrix.include.length} image(s) to build`,
    `shipgraph: needs_proto=${report.needs.proto} needs_images=${report.needs.images}`,
    ...report.notes.map((n) => `shipgraph: note: ${n}`),
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
