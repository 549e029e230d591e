import type { DriftProgress } from "@shipgraph/core";
import type { CliIO } from "./io.js";

interface Line {
  name: string;
  /** The merge base a run there is at (drift --base): its own line, beside the generator's run. */
  base: string | undefined;
  state: DriftProgress["state"];
  started: number;
  elapsedMs: number;
}

/**
 * Drift progress on stderr: on a terminal, one live line per generator (redrawn in place with
 * the elapsed time); otherwise a plain line per state change. Silent when disabled. A run at the
 * merge base (drift --base) has a line of its own, naming that commit. Other stderr text (warnings)
 * goes through `print`, which keeps it above the live lines (the next redraw would overwrite it).
 */
export function createProgress(io: CliIO, enabled: boolean, command = "drift") {
  const lines: Line[] = [];
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;
  const tty = io.stderrIsTTY === true;
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const describe = (line: Line) => {
    const elapsed = line.state === "running" ? Date.now() - line.started : line.elapsedMs;
    const showTime = line.state !== "queued" && (tty || line.state !== "running");
    const at = line.base === undefined ? "" : ` at the merge base ${line.base.slice(0, 12)}`;
    return `${line.state.padEnd(7)} ${line.name}${at}${showTime ? ` (${seconds(elapsed)})` : ""}`;
  };
  const draw = () => {
    let out = drawn > 0 ? `\u001b[${drawn}A` : "";
    for (const line of lines) out += `\u001b[2K${describe(line)}\n`;
    drawn = lines.length;
    io.stderr(out);
  };
  return {
    onProgress(event: DriftProgress) {
      if (!enabled) return;
      let line = lines.find((l) => l.name === event.generator && l.base === event.base);
      if (!line) {
        line = {
          name: event.generator,
          base: event.base,
          state: event.state,
          started: Date.now(),
          elapsedMs: 0,
        };
        lines.push(line);
      }
      if (event.state === "running") line.started = Date.now();
      line.state = event.state;
      line.elapsedMs = event.elapsedMs;
      if (tty) {
        draw();
        if (!timer) {
          timer = setInterval(draw, 250);
          timer.unref();
        }
      } else if (event.state !== "queued") {
        io.stderr(`shipgraph ${command}: ${describe(line)}\n`);
      }
    },
    /** Writes `text` to stderr; on a terminal, above the live lines (cleared, then redrawn below it). */
    print(text: string) {
      if (!(enabled && tty && drawn > 0)) {
        io.stderr(text);
        return;
      }
      io.stderr(`\u001b[${drawn}A\u001b[0J${text}`);
      drawn = 0;
      draw();
    },
    done() {
      if (timer) clearInterval(timer);
      if (enabled && tty && lines.length > 0) draw();
    },
  };
}
