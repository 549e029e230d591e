/**
 * The V8 flag the `shipgraph` binary sets at start, or undefined when it must not.
 *
 * A CLI run lives well under a second, but V8 sizes the young generation for a long-lived
 * server: once objects survive scavenges (the graph does) it doubles the semi-spaces up to 16 MiB
 * each. On a 5,000-package repository that growth was 23 MB of the 109 MB peak RSS, and the
 * run was no faster for it (measured: same wall time, more but smaller scavenges). Keeping the
 * growth factor at 1 keeps the young generation at its start size. The growth factor is read each
 * time V8 would grow, so setting it at run time works (unlike --max-semi-space-size, which is
 * fixed when the heap is created).
 *
 * Nothing is set when the user tunes the young generation themselves (NODE_OPTIONS or node's
 * own flags name a semi-space flag). Pure.
 */
export function youngGenerationFlag(
  env: Readonly<Record<string, string | undefined>>,
  execArgv: readonly string[],
): string | undefined {
  const given = `${env.NODE_OPTIONS ?? ""} ${execArgv.join(" ")}`;
  if (/semi[-_]space/.test(given)) return undefined;
  return "--semi-space-growth-factor=1";
}
