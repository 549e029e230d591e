const MAX_LINES = 120;
const MAX_INPUT = 512 * 1024;
/**
 * jsdiff's Myers diff costs about (lines × edit distance): a file of 25,000 lines rewritten
 * throughout took minutes. The edit distance is capped so that the product stays under this
 * budget (~150 ms); past it, the first difference is shown. (No wall-clock timeout: the same
 * files must give the same report on a loaded machine.)
 */
const DIFF_BUDGET = 20_000_000;

/**
 * A unified diff from the checked-in file to the generated one, truncated to a readable size.
 * The diff library is loaded only when there is something to diff.
 */
export async function unifiedDiff(path: string, tree: Buffer, generated: Buffer): Promise<string> {
  if (isBinary(tree) || isBinary(generated)) return `Binary files a/${path} and b/${path} differ\n`;
  if (tree.length > MAX_INPUT || generated.length > MAX_INPUT) {
    return `Files a/${path} (${tree.length} bytes) and b/${path} (${generated.length} bytes) differ (too large to diff)\n`;
  }
  const { createTwoFilesPatch } = await import("diff");
  const before = tree.toString("utf8");
  const after = generated.toString("utf8");
  const patch = createTwoFilesPatch(`a/${path}`, `b/${path}`, before, after, "checked in", "generated", {
    context: 3,
    maxEditLength: Math.max(
      MAX_LINES,
      Math.floor(DIFF_BUDGET / (countLines(before) + countLines(after) + 1)),
    ),
  });
  if (patch === undefined) return firstDifference(path, before, after);
  const lines = patch.split("\n");
  // drop the "===" separator line jsdiff puts first
  const body = lines[0]?.startsWith("===") ? lines.slice(1) : lines;
  if (body.length <= MAX_LINES) return body.join("\n");
  return `${body.slice(0, MAX_LINES).join("\n")}\n… diff truncated: ${body.length - MAX_LINES} more lines\n`;
}

/** For files too different to diff: their sizes in lines, and the first line where they part. */
function firstDifference(path: string, before: string, after: string): string {
  const a = before.split("\n");
  const b = after.split("\n");
  let line = 0;
  while (line < a.length && line < b.length && a[line] === b[line]) line++;
  const [beforeLines, afterLines] = [countLines(before), countLines(after)];
  return [
    `--- a/${path}\tchecked in`,
    `+++ b/${path}\tgenerated`,
    `(too many changes to diff: ${beforeLines} lines checked in, ${afterLines} generated; they differ from line ${line + 1} on)`,
    // (the "" after a final newline is no line)
    ...(line < beforeLines ? [`-${a[line]}`] : []),
    ...(line < afterLines ? [`+${b[line]}`] : []),
    "",
  ].join("\n");
}

function countLines(text: string): number {
  if (text === "") return 0;
  let n = text.endsWith("\n") ? 0 : 1;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

function isBinary(bytes: Buffer): boolean {
  return bytes.subarray(0, 8000).includes(0);
}
