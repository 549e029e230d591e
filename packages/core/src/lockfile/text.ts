import { LineCounter, parseAllDocuments } from "yaml";
import { lockfileError } from "./model.js";

/**
 * Parses every YAML document in a lockfile, with the failsafe schema: every scalar stays a string,
 * so a version like `1.10` or a package named `null` is never coerced into a number or null.
 * A syntax error is LOCKFILE_INVALID naming the line.
 */
export function parseYamlDocuments(text: string, file: string, hint: string): unknown[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, schema: "failsafe", prettyErrors: false });
  const errors = "empty" in docs ? docs.errors : docs.flatMap((doc) => doc.errors);
  const first = errors[0];
  if (first) {
    const line = lineCounter.linePos(first.pos[0]).line;
    throw lockfileError(file, `not valid YAML: ${first.message.split("\n")[0]}`, hint, line);
  }
  return docs.map((doc) => doc.toJS({ maxAliasCount: 1000 }) as unknown);
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
