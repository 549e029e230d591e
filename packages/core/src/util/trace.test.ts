import { afterEach, describe, expect, it, vi } from "vitest";

/** trace.js loaded afresh with SHIPGRAPH_TRACE set so (it reads the variable once, when loaded). */
async function traceWith(value: string | undefined): Promise<typeof import("./trace.js")> {
  vi.resetModules();
  vi.stubEnv("SHIPGRAPH_TRACE", value);
  return import("./trace.js");
}

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** The milliseconds of each "  123.4 ms   61.2 MB  label" line. */
const times = (lines: string[]) => lines.map((line) => Number(line.trim().split(" ")[0]));

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("trace", () => {
  it("records nothing unless SHIPGRAPH_TRACE is 1 or cpu", async () => {
    const { mark, traceReport } = await traceWith("yes");
    mark("a");
    expect(traceReport()).toEqual([]);
  });

  it("with SHIPGRAPH_TRACE=1, times each mark since the process started", async () => {
    const { mark, traceReport } = await traceWith("1");
    const before = performance.now();
    mark("a");
    const after = performance.now();
    const lines = traceReport();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/ ms +[\d.]+ MB {2}a$/);
    const [at] = times(lines);
    expect(at).toBeGreaterThanOrEqual(Math.floor(before * 10) / 10);
    expect(at).toBeLessThanOrEqual(Math.ceil(after * 10) / 10);
  });

  it("with SHIPGRAPH_TRACE=cpu, gives the CPU time the process has used at each mark", async () => {
    const { mark, traceReport } = await traceWith("cpu");
    const before = cpuMs();
    mark("a");
    const after = cpuMs();
    const [at] = times(traceReport());
    expect(at).toBeGreaterThanOrEqual(Math.floor(before * 10) / 10);
    expect(at).toBeLessThanOrEqual(Math.ceil(after * 10) / 10);
  });
});
