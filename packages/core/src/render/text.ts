import type { AffectedReport } from "../affected/run.js";
import type { NodeKind, Reason } from "../types.js";
import { formatReason, quotePath } from "./reason.js";

const KIND_ORDER: NodeKind[] = ["image", "target", "package", "generator", "proto"];

/** The human report: what is affected and why, grouped by kind. */
export function renderAffectedText(report: AffectedReport): string {
  const lines: string[] = [];
  lines.push(
    `shipgraph affected: ${report.mode === "all" ? `everything (${report.modeReason})` : report.modeReason}`,
  );
  if (report.mode === "diff") lines.push(`${report.changedFiles} changed file(s)`);
  lines.push(
    `needs proto: ${report.needs.proto ? "yes" : "no"} · needs images: ${report.needs.images ? "yes" : "no"} · images to build: ${report.matrix.include.length}`,
  );
  for (const note of report.notes) lines.push(`note: ${note}`);
  const total = Object.values(report.affected).reduce((n, list) => n + list.length, 0);
  lines.push("");
  if (total === 0) {
    lines.push(
      report.changedFiles === 0
        ? "Nothing is affected: no files changed."
        : `Nothing is affected: the ${report.changedFiles} changed file(s) are inputs of no node.`,
    );
  } else {
    for (const kind of KIND_ORDER) {
      const names = report.affected[kind];
      if (names.length === 0) continue;
      lines.push(`${kind}s (${names.length}):`);
      for (const name of names) {
        const reason = report.reasons[`${kind}:${name}`] as Reason;
        lines.push(`  ${name}`);
        lines.push(`    ${formatReason(reason)}`);
      }
    }
  }
  if (report.unownedFiles.length > 0) {
    lines.push("");
    lines.push(`changed files no node owns (${report.unownedFiles.length}):`);
    for (const file of report.unownedFiles.slice(0, 50)) lines.push(`  ${quotePath(file)}`);
    if (report.unownedFiles.length > 50) lines.push(`  … and ${report.unownedFiles.length - 50} more`);
  }
  if (report.warnings.length > 0) {
    lines.push("");
    for (const warning of report.warnings) lines.push(`warning: ${warning}`);
  }
  return `${lines.join("\n")}\n`;
}

/** `--explain NODE`: every chain that makes the node affected, or that it is not. */
export function renderExplainText(id: string, reasons: Reason[], known: boolean): string {
  if (!known) return `${id} is not a node of this graph\n`;
  if (reasons.length === 0) return `${id} is not affected\n`;
  return `${id} is affected:\n${reasons.map((r) => `  ${formatReason(r)}`).join("\n")}\n`;
}
