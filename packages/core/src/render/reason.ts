import type { Cause, Reason } from "../types.js";

/** One line for a cause: the single formatter of the closed Cause union. */
export function formatCause(cause: Cause): string {
  switch (cause.kind) {
    case "file":
      switch (cause.rule) {
        case "owned":
          return `${quotePath(cause.file)} changed${cause.via ? ` (read by ${cause.via})` : ""}`;
        case "proto":
          return `${quotePath(cause.file)} changed${cause.via ? ` (${cause.via})` : ""}`;
        case "local-dependency":
          return `${quotePath(cause.file)} changed (a local dependency: ${cause.detail})`;
        case "lockfile":
        case "dependency-gone":
          return `${quotePath(cause.file)} changed (${cause.detail})`;
        case "global":
          return `${quotePath(cause.file)} changed (a global input: everything is affected)`;
        case "root-manifest":
          return `${quotePath(cause.file)} changed (root manifest or lockfile: every package is affected)`;
        case "unowned-all":
          return `${quotePath(cause.file)} changed (no node owns it and the config says unowned: all)`;
      }
      break;
    case "config":
      return `${cause.file}: ${cause.detail}`;
    case "all":
      return `everything is affected: ${cause.detail}`;
    case "forced":
      return `forced by ${cause.detail}`;
  }
}

/** "image:api ← package:@acme/api ← package:@acme/auth ← packages/auth/src/index.ts changed" */
export function formatReason(reason: Reason): string {
  return `${[...reason.chain].reverse().join(" ← ")} ← ${formatCause(reason.cause)}`;
}

/** A path as text on one line: quoted as JSON when it holds control characters or leading/trailing spaces. */
export function quotePath(path: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what must be quoted
  return /[\u0000-\u001f\u007f"]|^\s|\s$/.test(path) ? JSON.stringify(path) : path;
}
