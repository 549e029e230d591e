import { createRequire } from "node:module";
import jsYaml from "js-yaml";
import type { Node } from "yaml";
import { ShipgraphError } from "../errors.js";

/**
 * Two YAML libraries, each for what it does best. js-yaml reads the data: ~5× faster than `yaml`
 * (60 ms → 12 ms for a 400-line config, cold), and `affected` parses on every push. `yaml` keeps
 * source positions: it is loaded (synchronously, on first use) only when a line must be named —
 * an error — or when js-yaml rejects the text, where `yaml` gives the error (and its data when it
 * accepts what js-yaml did not). Both read YAML 1.2's core schema (no timestamps, no merge keys).
 */
const yamlWithPositions = (): typeof import("yaml") => createRequire(import.meta.url)("yaml");

/** A parsed config or YAML file: the data, and a way to find the line of a key path in it. */
export interface ParsedText {
  data: unknown;
  /**
   * 1-based line where the entry at `path` starts (the deepest part of the path that exists; with
   * `exact`, undefined unless all of it does).
   */
  lineOf(path: readonly (string | number)[], exact?: boolean): number | undefined;
  /** The source text of the scalar at `path` as written (quotes included); undefined if none is there. */
  sourceOf(path: readonly (string | number)[]): string | undefined;
}

/**
 * Parses YAML (or JSON, which the YAML parser also reads) keeping positions, so errors can name
 * the line. A syntax error is a ShipgraphError naming the file and line.
 */
export function parseYamlText(text: string, file: string): ParsedText {
  let data: unknown;
  try {
    data = jsYaml.load(text, { schema: jsYaml.CORE_SCHEMA, filename: file });
  } catch {
    return parseWithPositions(text, file);
  }
  let positions: ParsedText | null | undefined;
  // `yaml` may reject what js-yaml read (e.g. "x"#c): the line is then unknown, never an error
  const withPositions = (): ParsedText | null => {
    if (positions === undefined) {
      try {
        positions = parseWithPositions(text, file);
      } catch {
        positions = null;
      }
    }
    return positions;
  };
  return {
    data,
    lineOf: (path, exact) => withPositions()?.lineOf(path, exact),
    sourceOf: (path) => withPositions()?.sourceOf(path),
  };
}

/** Parses with `yaml`, keeping positions; a syntax error is CONFIG_PARSE naming the line. */
function parseWithPositions(text: string, file: string): ParsedText {
  const { LineCounter, isMap, isScalar, isSeq, parseDocument, visit } = yamlWithPositions();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const first = doc.errors[0];
  if (first) {
    const line = lineCounter.linePos(first.pos[0]).line;
    throw new ShipgraphError(
      "CONFIG_PARSE",
      `${file}${line ? `:${line}` : ""}: ${firstLine(first.message)}`,
      {
        file,
        ...(line ? { line } : {}),
        hint: "fix the syntax (YAML 1.2; JSON is accepted too)",
      },
    );
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    // e.g. an alias to an anchor that is never defined, or an alias bomb: name the alias's line
    let line = 1;
    visit(doc, {
      Alias(_, alias) {
        if (alias.resolve(doc) !== undefined) return undefined;
        line = lineCounter.linePos(alias.range?.[0] ?? 0).line;
        return visit.BREAK;
      },
    });
    throw new ShipgraphError("CONFIG_PARSE", `${file}:${line}: ${firstLine((error as Error).message)}`, {
      file,
      line,
      hint: "fix the YAML aliases (*name needs an &name anchor before it)",
    });
  }
  /** The deepest node `path` reaches, where its entry starts, and how many segments it matched. */
  const walk = (path: readonly (string | number)[]) => {
    let node: unknown = doc.contents;
    let offset: number | undefined = rangeStart(node);
    let found = 0;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) break;
        offset = rangeStart(pair.key) ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === "number") {
        const item = node.items[segment];
        if (!item) break;
        offset = rangeStart(item) ?? offset;
        node = item;
      } else {
        break;
      }
      found++;
    }
    return { node, offset, found };
  };
  return {
    data,
    lineOf(path, exact) {
      const { offset, found } = walk(path);
      if (exact && found < path.length) return undefined;
      return offset === undefined ? undefined : lineCounter.linePos(offset).line;
    },
    sourceOf(path) {
      const { node, found } = walk(path);
      if (found < path.length || !isScalar(node) || !node.range) return undefined;
      return text.slice(node.range[0], node.range[1]);
    },
  };
}

function rangeStart(node: unknown): number | undefined {
  return (node as Node | undefined)?.range?.[0];
}

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}

/**
 * ["images", "api", "dependsOn", 0] for "images.api.dependsOn[0]" (also `packages["@s/a"]`), the
 * inverse of formatKeyPath; undefined for anything else.
 */
export function parseKeyPath(key: string): (string | number)[] | undefined {
  const segments: (string | number)[] = [];
  const token = /(?:^|\.)([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;
  let at = 0;
  while (at < key.length) {
    token.lastIndex = at;
    const m = token.exec(key);
    if (!m || (at === 0 && m[0].startsWith("."))) return undefined;
    segments.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : (JSON.parse(m[3]!) as string)));
    at = token.lastIndex;
  }
  return segments.length > 0 ? segments : undefined;
}

/** "images.api.dependsOn[0]" for ["images", "api", "dependsOn", 0]. */
export function formatKeyPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out || "(top level)";
}
