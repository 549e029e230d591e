import { formatError, isShipgraphError } from "@shipgraph/core";
import type { CliIO } from "./io.js";

/** Known errors: a short message and exit 2. Anything else is a bug: keep the stack, exit 70. */
export function reportError(error: unknown, io: CliIO): number {
  if (isShipgraphError(error)) {
    io.stderr(`shipgraph: ${formatError(error)}\n`);
    return 2;
  }
  io.stderr(`shipgraph: internal error (please report it):\n${(error as Error)?.stack ?? String(error)}\n`);
  return 70;
}
