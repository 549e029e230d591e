/**
 * Phase timings for performance work: with SHIPGRAPH_TRACE=1 in the environment, `mark(label)`
 * records the milliseconds since the process started and the resident set size, and
 * `traceReport()` returns them as lines (the CLI prints them to stderr). Off by default; a
 * disabled mark costs one boolean test.
 */
const enabled = typeof process !== "undefined" && process.env.SHIPGRAPH_TRACE === "1";
const marks: [string, number, number][] = [];

export function mark(label: string): void {
  if (enabled) marks.push([label, performance.now(), process.memoryUsage.rss()]);
}

/** "  123.4 ms   61.2 MB  label" lines of the marks so far (then forgotten), or [] when tracing is off. */
export function traceReport(): string[] {
  return marks
    .splice(0)
    .map(
      ([label, at, rss]) =>
        `${at.toFixed(1).padStart(8)} ms ${(rss / 2 ** 20).toFixed(1).padStart(6)} MB  ${label}`,
    );
}
