import { formatError, isShipgraphError } from "@shipgraph/core";
import type { CliIO } from "./io.js";

/**
 * Known errors: a short message and exit 2. Anything else is a bug: print the stack, and still
 * exit 2 ("could not do the job"), never 0 or 1, which CI would read as an answer.
 */
export function reportError(error: unknown, io: CliIO): number {
  if (isShipgraphError(error)) {
    io.stderr(`shipgraph: ${formatError(error)}\n`);
    return 2;
  }
  io.stderr(`shipgraph: internal error (please report it):\n${(error as Error)?.stack ?? String(error)}\n`);
  return 2;
}
