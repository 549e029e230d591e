import type { DriftProgress } from "@shipgraph/core";
import type { CliIO } from "./io.js";

interface Line {
  name: string;
  state: DriftProgress["state"];
  started: number;
  elapsedMs: number;
}

/**
 * Drift progress on stderr: on a terminal, one live line per generator (redrawn in place with
 * the elapsed time); otherwise a plain line per state change. Silent when disabled.
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
    return `${line.state.padEnd(7)} ${line.name}${showTime ? ` (${seconds(elapsed)})` : ""}`;
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
      let line = lines.find((l) => l.name === event.generator);
      if (!line) {
        line = { name: event.generator, state: event.state, started: Date.now(), elapsedMs: 0 };
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
    done() {
      if (timer) clearInterval(timer);
      if (enabled && tty && lines.length > 0) draw();
    },
  };
}
