/**
 * Every failure shipgraph knows about is a ShipgraphError: a code, a message that names the
 * thing (file, key, ref), and a hint with the fix. The CLI prints these briefly and exits 2;
 * anything else is a bug and keeps its stack.
 */
export type ErrorCode =
  | "CONFIG_NOT_FOUND"
  | "CONFIG_PARSE"
  | "CONFIG_INVALID"
  | "CONFIG_REFERENCE"
  | "GRAPH_CYCLE"
  | "MANIFEST_INVALID"
  | "TEMPLATE_INVALID"
  | "BUF_CONFIG_INVALID"
  | "PROTO_INVALID"
  | "LOCKFILE_INVALID"
  | "GIT_FAILED"
  | "NOT_A_REPO"
  | "BASE_NOT_FOUND"
  | "HEAD_NOT_FOUND"
  | "NO_MERGE_BASE"
  | "EMPTY_RANGE"
  | "NO_BASE"
  | "UNOWNED_FILES"
  | "UNKNOWN_NODE"
  | "USAGE"
  | "ENVIRONMENT";

export interface ErrorDetails {
  /** What to do about it. */
  hint?: string;
  /** The file the problem is in (repo-relative where possible). */
  file?: string;
  /** The config key path, e.g. "images.api.dependsOn[0]". */
  key?: string;
  /** 1-based line of `key` in `file`, when known. */
  line?: number;
  /** The git ref involved. */
  ref?: string;
  /** Further problems of the same kind (all of them are in `message` too). */
  problems?: string[];
}

export class ShipgraphError extends Error {
  override name = "ShipgraphError";
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly file: string | undefined;
  readonly key: string | undefined;
  readonly line: number | undefined;
  readonly ref: string | undefined;
  readonly problems: string[];

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message);
    this.code = code;
    this.hint = details.hint;
    this.file = details.file;
    this.key = details.key;
    this.line = details.line;
    this.ref = details.ref;
    this.problems = details.problems ?? [];
  }
}

/** True for a ShipgraphError, also when two copies of this module are loaded (compares `name`). */
export function isShipgraphError(error: unknown): error is ShipgraphError {
  return error instanceof Error && error.name === "ShipgraphError" && "code" in error;
}

/** "error[CODE]: message\n  hint: …" — the text the CLI prints for a known error. */
export function formatError(error: ShipgraphError): string {
  const lines = [`error[${error.code}]: ${error.message}`];
  if (error.hint) lines.push(`  hint: ${error.hint}`);
  return lines.join("\n");
}
