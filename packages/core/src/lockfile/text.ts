import jsYaml from "js-yaml";
import { lockfileError } from "./model.js";

/**
 * Parses every YAML document in a lockfile, with the failsafe schema: every scalar stays a string,
 * so a version like `1.10` or a package named `null` is never coerced into a number or null.
 * A syntax error is LOCKFILE_INVALID naming the line.
 */
export function parseYamlDocuments(text: string, file: string, hint: string): unknown[] {
  // js-yaml: lockfiles run to megabytes, and it reads them ~5× faster than `yaml`
  try {
    return jsYaml.loadAll(text, undefined, { schema: jsYaml.FAILSAFE_SCHEMA, filename: file });
  } catch (error) {
    const mark = (error as { mark?: { line?: number } }).mark;
    const reason = (error as { reason?: string }).reason ?? (error as Error).message.split("\n")[0];
    throw lockfileError(
      file,
      `not valid YAML: ${reason}`,
      hint,
      mark?.line === undefined ? undefined : mark.line + 1,
    );
  }
}

/** JSON.parse with LOCKFILE_INVALID (naming the line when the engine reports a position) on failure. */
export function parseJsonText(text: string, file: string, hint: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message)?.[1];
    const line = position === undefined ? undefined : text.slice(0, Number(position)).split("\n").length;
    throw lockfileError(file, `not valid JSON: ${message}`, hint, line);
  }
}
