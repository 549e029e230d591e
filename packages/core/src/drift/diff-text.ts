const MAX_LINES = 120;
const MAX_INPUT = 512 * 1024;

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
  const patch = createTwoFilesPatch(
    `a/${path}`,
    `b/${path}`,
    tree.toString("utf8"),
    generated.toString("utf8"),
    "checked in",
    "generated",
    {
      context: 3,
    },
  );
  const lines = patch.split("\n");
  // drop the "===" separator line jsdiff puts first
  const body = lines[0]?.startsWith("===") ? lines.slice(1) : lines;
  if (body.length <= MAX_LINES) return body.join("\n");
  return `${body.slice(0, MAX_LINES).join("\n")}\n… diff truncated: ${body.length - MAX_LINES} more lines\n`;
}

function isBinary(bytes: Buffer): boolean {
  return bytes.subarray(0, 8000).includes(0);
}
