/**
 * Phase timings for performance work: with SHIPGRAPH_TRACE=1 in the environment, `mark(label)`
 * records the milliseconds since the process started and the resident set size, and
 * `traceReport()` returns them as lines (the CLI prints them to stderr). With SHIPGRAPH_TRACE=cpu
 * the milliseconds are the CPU time the process has used (user + system, every thread), which
 * waiting for a busy core does not inflate. Off by default; a disabled mark costs one boolean test.
 */
const mode = typeof process !== "undefined" ? process.env.SHIPGRAPH_TRACE : undefined;

const tracing = mode === "1" || mode === "cpu";
const marks: [string, number, number][] = [];

export function mark(label: string): void {
  if (!tracing) return;
  let at: number;
  if (mode === "cpu") {
    const { user, system } = process.cpuUsage();
    at = (user + system) / 1000;
  } else at = performance.now();
  marks.push([label, at, process.memoryUsage.rss()]);
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
