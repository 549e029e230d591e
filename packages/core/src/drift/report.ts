import type { UndecidedWhy } from "../graph/output-claims.js";
import { withoutWorkflowCommands } from "../render/github.js";
import { quotePath } from "../render/reason.js";
import { compareStrings, stableStringify } from "../util/sort.js";
import type { DriftReport, GeneratorDrift } from "./index.js";

/** Exit code for a drift report: 2 when a generator failed, 1 when one drifted, else 0. */
export function driftExitCode(report: DriftReport): 0 | 1 | 2 {
  if (report.generators.some((g) => g.status === "failed")) return 2;
  // --fix writes only outputs, and deletes no file it cannot tell is generated: those still drift
  if (report.generators.some((g) => g.status === "drift" && (!g.fixed || unsettled(g) !== ""))) return 1;
  return 0;
}

/** The drift of `g` that --fix does not settle, as the summary line names it ("" when none). */
function unsettled(g: GeneratorDrift): string {
  return [
    g.outsideOutputs?.length ? "what lies outside its outputs" : "",
    g.undecided ? "the undecided files" : "",
  ]
    .filter(Boolean)
    .join(" and ");
}

/** The files of `g` that --fix leaves because it cannot tell they are generated code, sorted. */
function undecidedFiles(g: GeneratorDrift): string[] {
  return Object.keys(g.undecided ?? {}).sort(compareStrings);
}

/**
 * What an undecided file is and how to settle it (see UndecidedWhy): --fix cannot, as shipgraph
 * cannot tell it is generated code.
 */
export function formatUndecided(why: UndecidedWhy): string {
  const out = (dir: string) => (dir === "" ? "the repository root" : dir);
  switch (why.kind) {
    case "naming-unknown":
      return `not written by the generator, under the out (${out(why.out)}) of a plugin whose file naming shipgraph does not know: generated code of a deleted .proto, or code of your own? --fix leaves it; if generated, delete it, and set \`protoOutputs\` (or \`outputs\`) so drift can tell next time; if your own, move it out of ${out(why.out)}`;
    case "no-proto":
      return `not written by the generator, shaped as the \`protoOutputs\` pattern ${why.pattern} names files, but no .proto file the generator compiles gives its name (none in the working tree, the index, HEAD, or the merge base with --base): generated code of a .proto deleted earlier, or code of your own? --fix leaves it; if generated, delete it (or run --fix with --base at a commit that has the .proto); if your own, move it out of ${out(why.out)}`;
    case "plugin-naming":
      return `not written by the generator, named as protoc-gen-${why.plugin} names files, which the template does not run there: generated code of a plugin removed from the template (or moved to another out)? --fix leaves it; if so, delete it; if it is your own, rename it or move it out of the out`;
    case "clean":
      return `named as none of the template's plugins names files, but the template has \`clean: true\`: every \`buf generate\` deletes it. --fix leaves it; move it out of ${out(why.out)}, or remove \`clean: true\``;
  }
}

/** The JSON contract: `{ clean, generators: [{ name, status, modified, missing, stale, diffs, … }] }`. */
export function renderDriftJson(report: DriftReport): string {
  return `${stableStringify(report, 2)}\n`;
}

function summaryLine(g: GeneratorDrift): string {
  switch (g.status) {
    case "clean":
      return `✓ ${g.name}: clean`;
    case "failed":
      return `! ${g.name}: failed: ${g.failure?.message ?? "unknown"}`;
    case "drift": {
      if (g.quick) {
        const what = [
          g.quick.inputsChanged ? "inputs changed since the last generation" : "",
          g.quick.outputsEdited ? "outputs edited by hand (or regenerated without `shipgraph stamp`)" : "",
          g.leftBehind?.length ? `${g.leftBehind.length} file(s) left behind since the merge base` : "",
        ].filter(Boolean);
        return `✗ ${g.name}: ${what.join("; ")}`;
      }
      const outside = g.outsideOutputs?.length ? `, ${g.outsideOutputs.length} outside its outputs` : "";
      const undecided = g.undecided ? `, ${undecidedFiles(g).length} undecided` : "";
      const counts = `${g.modified.length} modified, ${g.missing.length} missing, ${g.stale.length} stale${undecided}${outside}`;
      // files rewritten outside the outputs, and undecided ones, are drift --fix does not settle
      const left = unsettled(g);
      return g.fixed && left === ""
        ? `✓ ${g.name}: fixed (${counts})`
        : g.fixed
          ? `✗ ${g.name}: fixed but for ${left} (${counts})`
          : `✗ ${g.name}: drift (${counts})`;
    }
  }
}

/** What a stale file is: no longer generated, or an output at the merge base that no generator has now. */
function staleWhy(g: GeneratorDrift, file: string): string {
  return g.leftBehind?.includes(file)
    ? "in the tree, left behind: an output of this generator at the merge base, no generator's output now"
    : "in the tree, no longer generated";
}

/**
 * What deletes files left behind: drift --fix deletes them only when --base finds them (the same
 * ref as the check's; the report does not hold it).
 */
const LEFT_BEHIND_FIX = "shipgraph drift --base <ref> --fix";

/** How many of the files a failed generator leaves unknown the text report names. */
const NOT_COMPARED_SHOWN = 20;

/** The human report. */
export function renderDriftText(report: DriftReport): string {
  const lines: string[] = [];
  const drifted = report.generators.filter((g) => g.status === "drift");
  const failedCount = report.generators.filter((g) => g.status === "failed").length;
  lines.push(
    `shipgraph drift: ${report.generators.length} generator(s) checked, ${drifted.length} drifted, ${failedCount} failed`,
  );
  if (report.generators.length === 0)
    lines.push("No generator selected (none configured, or none affected).");
  for (const g of report.generators) {
    lines.push(`  ${summaryLine(g)}`);
    const from = (file: string) => (g.sources?.[file] ? ` from ${quotePath(g.sources[file])}` : "");
    for (const file of g.modified) {
      lines.push(`      modified  ${quotePath(file)}${from(file)}`);
      const diff = g.diffs[file];
      if (diff) for (const line of diff.trimEnd().split("\n")) lines.push(`        ${line}`);
    }
    for (const file of g.missing)
      lines.push(`      missing   ${quotePath(file)}${from(file)} (generated, not in the tree)`);
    for (const file of g.stale)
      lines.push(`      stale     ${quotePath(file)}${from(file)} (${staleWhy(g, file)})`);
    for (const file of undecidedFiles(g))
      lines.push(`      undecided ${quotePath(file)} (${formatUndecided(g.undecided![file]!)})`);
    for (const file of g.outsideOutputs ?? []) {
      lines.push(
        `      outside   ${quotePath(file)} (rewritten or deleted by the generator, not in its outputs: add it to \`outputs\`)`,
      );
    }
    if (g.failure) {
      if (g.failure.output) for (const line of g.failure.output.split("\n")) lines.push(`      | ${line}`);
      if (g.failure.hint) lines.push(`      hint: ${g.failure.hint}`);
      const unknown = g.failure.notCompared ?? [];
      if (unknown.length > 0) {
        lines.push(
          `      not compared, and left alone by --fix (what it generates decides them): ${unknown.length} file(s)`,
        );
        for (const file of unknown.slice(0, NOT_COMPARED_SHOWN)) lines.push(`        ${quotePath(file)}`);
        if (unknown.length > NOT_COMPARED_SHOWN)
          lines.push(`        … and ${unknown.length - NOT_COMPARED_SHOWN} more (--format json lists them)`);
      }
    }
  }
  if (
    drifted.some((g) => !g.fixed && !g.quick && g.modified.length + g.missing.length + g.stale.length > 0)
  ) {
    // files left behind are found, and deleted, only with --base
    const leftBehind = drifted.some((g) => !g.fixed && !g.quick && (g.leftBehind?.length ?? 0) > 0);
    lines.push(
      "",
      `Run \`${leftBehind ? LEFT_BEHIND_FIX : "shipgraph drift --fix"}\` to write the generated files into the tree${leftBehind ? " (and delete those left behind)" : ""}, then commit them.`,
    );
  }
  if (drifted.some((g) => g.undecided)) {
    lines.push(
      "",
      "Undecided files are neither deleted nor written by --fix: shipgraph cannot tell they are generated code. Settle each as its line says.",
    );
  }
  if (drifted.some((g) => (g.outsideOutputs?.length ?? 0) > 0)) {
    lines.push(
      "",
      "Files rewritten or deleted outside a generator's `outputs` are not written by --fix: add them to its `outputs`.",
    );
  } else if (drifted.some((g) => g.quick)) {
    if (drifted.some((g) => g.quick && (g.quick.inputsChanged || g.quick.outputsEdited)))
      lines.push("", "Regenerate (or run `shipgraph drift` for the full check), then `shipgraph stamp`.");
    if (drifted.some((g) => g.quick && g.leftBehind?.length))
      lines.push("", `Delete the files left behind (\`${LEFT_BEHIND_FIX}\` does), then commit.`);
  }
  return `${lines.join("\n")}\n`;
}

/** Escaping of workflow-command data and properties, as @actions/core does it. */
function escapeData(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}
function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

/**
 * `::error` annotations for the first few problems (GitHub shows at most 10 per step); the
 * full list goes to the job summary.
 */
export function renderDriftAnnotations(report: DriftReport, max = 10): string {
  const annotations: string[] = [];
  const add = (file: string | undefined, title: string, message: string) => {
    const props = [file !== undefined ? `file=${escapeProperty(file)}` : "", `title=${escapeProperty(title)}`]
      .filter(Boolean)
      .join(",");
    annotations.push(`::error ${props}::${escapeData(message)}`);
  };
  let total = 0;
  for (const g of report.generators) {
    const title = `shipgraph drift: ${g.name}`;
    if (g.status === "failed") {
      total++;
      const unknown = g.failure?.notCompared?.length ?? 0;
      add(
        undefined,
        title,
        `${g.name} failed: ${g.failure?.message ?? ""}${g.failure?.hint ? ` (${g.failure.hint})` : ""}${unknown > 0 ? `; ${unknown} file(s) under its outputs not compared` : ""}`,
      );
    }
    if (g.quick && g.status === "drift") {
      total++;
      add(undefined, title, summaryLine(g).slice(2));
    }
    for (const [kind, files, text] of [
      ["modified", g.modified, "differs from what the generator produces"],
      ["missing", g.missing, "is generated but not checked in"],
      ["stale", g.stale, "is checked in but no longer generated"],
      ["outside", g.outsideOutputs ?? [], "is rewritten or deleted by the generator but not in its outputs"],
      ["undecided", undecidedFiles(g), ""],
    ] as const) {
      for (const file of files) {
        total++;
        if (kind === "undecided") {
          add(file, title, `${file} is ${formatUndecided(g.undecided![file]!)}`);
          continue;
        }
        const source = g.sources?.[file] ? ` (source: ${g.sources[file]})` : "";
        const why =
          kind === "stale" ? staleWhy(g, file).replace(/^in the tree, /, "is checked in but ") : text;
        const remedy =
          kind === "outside"
            ? "add it to the generator's `outputs`"
            : kind === "stale" && g.leftBehind?.includes(file)
              ? `run \`${LEFT_BEHIND_FIX}\``
              : "run `shipgraph drift --fix`";
        add(kind === "missing" ? undefined : file, title, `${file} ${why}${source}; ${remedy}`);
      }
    }
  }
  const shown = annotations.slice(0, max);
  if (total > shown.length) {
    shown[shown.length - 1] =
      `::error title=shipgraph drift::${total - shown.length + 1} more problems: see the job summary`;
  }
  return shown.length ? `${shown.join("\n")}\n` : "";
}

/**
 * The log of `--format github`: the annotations, then the text report with workflow commands
 * stopped (its diffs show generated code, whose lines GitHub would otherwise run as commands).
 */
export function renderDriftGithubLog(report: DriftReport): string {
  return renderDriftAnnotations(report) + withoutWorkflowCommands(renderDriftText(report));
}

/** Markdown for $GITHUB_STEP_SUMMARY: a table of generators and every problem file. */
export function renderDriftSummary(report: DriftReport): string {
  const cell = (text: string) =>
    text
      .replace(/[\r\n]+/g, " ")
      .replace(/\|/g, "\\|")
      .replace(/`/g, "'");
  const lines = [
    "## shipgraph drift",
    "",
    "| generator | status | modified | missing | stale | outside its outputs | undecided |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const g of report.generators) {
    lines.push(
      `| \`${cell(g.name)}\` | ${g.status}${g.failure ? `: ${cell(g.failure.message)}` : ""} | ${g.modified.length} | ${g.missing.length} | ${g.stale.length} | ${g.outsideOutputs?.length ?? 0} | ${undecidedFiles(g).length} |`,
    );
  }
  for (const g of report.generators) {
    const files = [
      ...g.modified.map((f) => `modified: \`${cell(f)}\``),
      ...g.missing.map((f) => `missing: \`${cell(f)}\``),
      ...g.stale.map((f) => `${g.leftBehind?.includes(f) ? "left behind" : "stale"}: \`${cell(f)}\``),
      ...(g.outsideOutputs ?? []).map((f) => `outside its outputs: \`${cell(f)}\``),
      ...undecidedFiles(g).map((f) => `undecided (--fix leaves it): \`${cell(f)}\``),
      ...(g.failure?.notCompared ?? []).map((f) => `not compared (it failed): \`${cell(f)}\``),
    ];
    if (files.length === 0 && !g.failure?.output) continue;
    lines.push("", `<details><summary>${cell(g.name)}: ${files.length} file(s)</summary>`, "");
    for (const file of files.slice(0, 500)) lines.push(`- ${file}`);
    if (files.length > 500) lines.push(`- … and ${files.length - 500} more`);
    if (g.failure?.output) lines.push("", "```", g.failure.output.replace(/```/g, "'''"), "```");
    lines.push("", "</details>");
  }
  return `${lines.join("\n")}\n`;
}

function xml(text: string): string {
  return (
    text
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      // biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 forbids these characters
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "?")
  );
}

/** JUnit XML: one test case per generator; drift is a failure, a failed generator an error. */
export function renderDriftJunit(report: DriftReport): string {
  const failures = report.generators.filter((g) => g.status === "drift").length;
  const errors = report.generators.filter((g) => g.status === "failed").length;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="shipgraph drift" tests="${report.generators.length}" failures="${failures}" errors="${errors}">`,
    `  <testsuite name="shipgraph drift" tests="${report.generators.length}" failures="${failures}" errors="${errors}">`,
  ];
  for (const g of report.generators) {
    lines.push(`    <testcase classname="shipgraph.drift" name="${xml(g.name)}">`);
    if (g.status === "drift") {
      const body = [
        ...g.modified.map((f) => `modified ${f}\n${g.diffs[f] ?? ""}`),
        ...g.missing.map((f) => `missing ${f}`),
        ...g.stale.map((f) => `${g.leftBehind?.includes(f) ? "left behind" : "stale"} ${f}`),
        ...(g.outsideOutputs ?? []).map((f) => `outside its outputs ${f}`),
        ...undecidedFiles(g).map((f) => `undecided ${f}: ${formatUndecided(g.undecided![f]!)}`),
      ].join("\n");
      lines.push(`      <failure message="${xml(summaryLine(g).slice(2))}">${xml(body)}</failure>`);
    } else if (g.status === "failed") {
      lines.push(
        `      <error message="${xml(g.failure?.message ?? "failed")}">${xml(
          [g.failure?.output ?? "", ...(g.failure?.notCompared ?? []).map((f) => `not compared ${f}`)]
            .filter(Boolean)
            .join("\n"),
        )}</error>`,
      );
    }
    lines.push("    </testcase>");
  }
  lines.push("  </testsuite>", "</testsuites>");
  return `${lines.join("\n")}\n`;
}
