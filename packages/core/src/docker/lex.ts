/**
 * One Dockerfile word as BuildKit's shell lexer reads it (moby/buildkit
 * frontend/dockerfile/shell/lex.go, `ProcessWord`), which is how COPY/ADD sources, `--from`,
 * `--mount` values, FROM and ARG/ENV values get their meaning: quotes are removed (nothing expands
 * inside single quotes; `$` does inside double quotes), the escape character escapes the next
 * character (inside double quotes only `"`, `$` and itself), and `$X`, `${X}`, `${X-word}`,
 * `${X:-word}`, `${X+word}`, `${X:+word}`, `${X?word}`, `${X:?word}` expand, `word` lexed in turn.
 * Pure.
 */

/** What makes a word more than its text (with the escape character). */
const PLAIN_UNLESS = /[$"']/;

/**
 * Variables in scope: a string when the value is known (UNKNOWN_VALUE when it is set to a value
 * not known here); undefined when declared without one (an ARG with no default and no configured
 * build arg). An absent name is unset.
 */
export type Variables = ReadonlyMap<string, string | undefined>;

/**
 * The value of a variable that is set, to a value not known here: a platform ARG, an ENV or ARG
 * whose value needs one. Every form that reads it (`$X`, `${X:-word}`, `${X+word}`…) is `missing`.
 */
export const UNKNOWN_VALUE = "\u0000unknown";

/**
 * The value of a variable that is set to one path segment not known here, whatever it is: a
 * platform ARG such as TARGETARCH (amd64, arm64, arm…), never empty, never holding a "/". Read as
 * UNKNOWN_VALUE is, except in a source (lexed with `segments`, see SegmentMode): there `$X`,
 * `${X}`, `${X:-word}`, `${X?word}`… of it are SEGMENT_MARK (the files every platform's value
 * names, and no others), and `${X:+word}` is the word.
 */
export const ANY_SEGMENT = "\u0000segment";

/**
 * The value of a variable that is set to ANY_SEGMENT's kind of value or to "": a platform's
 * variant (TARGETVARIANT: v7, v8, or empty on most platforms). In a source it is read twice (see
 * SegmentMode): as ANY_SEGMENT, and as "".
 */
export const OPTIONAL_SEGMENT = "\u0000optional-segment";

/**
 * Where a source lexed with `segments` holds the value of an ANY_SEGMENT (or OPTIONAL_SEGMENT)
 * variable: a plain word (no wildcard, no "/"), not known here. A NUL, which no path holds.
 */
export const SEGMENT_MARK = "\u0000";

/**
 * How a word reads variables whose value is one path segment not known here: `unknown` (a FROM,
 * a --from, a value: as UNKNOWN_VALUE); `mark` (a COPY/ADD or mount source, made a pattern by the
 * caller: SEGMENT_MARK, an OPTIONAL_SEGMENT one as a non-empty segment); `empty` (as `mark`, but
 * an OPTIONAL_SEGMENT variable is set to "").
 */
export type SegmentMode = "unknown" | "mark" | "empty";

/**
 * The word's value, or why it has none: `missing` names the first variable it needs whose value
 * is not known (or which a `${X%…}`, `${X#…}`, `${X/…}` pattern, not evaluated here, transforms);
 * `error` is text BuildKit's lexer rejects (an unclosed quote, a bad substitution). `optional`:
 * lexed with `mark`, the value read an OPTIONAL_SEGMENT variable (lex it with `empty` too).
 */
export interface Lexed {
  value?: string;
  missing?: string;
  error?: string;
  optional?: true;
}

/** Lexed text so far, and the first variable without a known value it needed. */
interface Part {
  text: string;
  missing?: string | undefined;
}

/**
 * `word` with its quotes and escapes removed and its variables expanded, as BuildKit's lexer does
 * with `escapeChar` (`\`, or the `# escape=` directive's character). A variable that is unset or
 * declared without a value makes `${X:-word}` the word (as it is when the build gets no value for
 * it); `$X` of such a variable is `missing`. With `undeclaredUnknown` (a stage built from an image,
 * whose ENV is not known here), a variable not in `vars` at all is `missing` in those forms too.
 * `segments` says how variables whose value is one path segment read (see SegmentMode).
 */
export function lexWord(
  word: string,
  vars: Variables,
  escapeChar = "\\",
  undeclaredUnknown = false,
  segments: SegmentMode = "unknown",
): Lexed {
  // most words have nothing to lex (~30% of the analysis on a large repository otherwise)
  if (!PLAIN_UNLESS.test(word) && !word.includes(escapeChar)) return { value: word };
  const chars = Array.from(word);
  let pos = 0;
  let optional = false;
  const peek = (): string | undefined => chars[pos];
  const next = (): string | undefined => chars[pos++];

  /** Up to `stop` (consumed) or the end of the word. */
  const until = (stop: string | undefined): Part => {
    let text = "";
    let missing: string | undefined;
    for (let ch = peek(); ch !== undefined; ch = peek()) {
      if (ch === stop) {
        pos++;
        return { text, missing };
      }
      if (ch === "$" || ch === '"') {
        const part = ch === "$" ? dollar() : doubleQuoted();
        text += part.text;
        missing ??= part.missing;
      } else if (ch === "'") {
        text += singleQuoted();
      } else {
        pos++;
        if (ch === escapeChar) {
          // the next character as it is; an escape at the end of the word is dropped
          const escaped = next();
          if (escaped === undefined) break;
          text += escaped;
        } else text += ch;
      }
    }
    if (stop !== undefined) throw new SyntaxError(`no closing ${stop}`);
    return { text, missing };
  };

  const singleQuoted = (): string => {
    pos++;
    let text = "";
    for (let ch = next(); ch !== "'"; ch = next()) {
      if (ch === undefined) throw new SyntaxError("no closing '");
      text += ch;
    }
    return text;
  };

  const doubleQuoted = (): Part => {
    pos++;
    let text = "";
    let missing: string | undefined;
    for (let ch = peek(); ch !== '"'; ch = peek()) {
      if (ch === undefined) throw new SyntaxError('no closing "');
      if (ch === "$") {
        const part = dollar();
        text += part.text;
        missing ??= part.missing;
        continue;
      }
      pos++;
      const following = peek();
      if (ch === escapeChar && (following === '"' || following === "$" || following === escapeChar)) {
        text += following;
        pos++;
      } else if (ch !== escapeChar || following !== undefined) text += ch;
    }
    pos++;
    return { text, missing };
  };

  /** A name as BuildKit reads one: letters, digits and `_`; or digits; or one special parameter. */
  const name = (): string => {
    const first = peek();
    if (first === undefined) return "";
    if (/\p{Nd}/u.test(first)) {
      let digits = "";
      while (peek() !== undefined && /\p{Nd}/u.test(peek()!)) digits += next();
      return digits;
    }
    if ("*#@?-$!".includes(first)) {
      pos++;
      return first;
    }
    let text = "";
    while (peek() !== undefined && /[\p{L}\p{Nd}_]/u.test(peek()!)) text += next();
    return text;
  };

  /** The variable's value as `segments` reads it: OPTIONAL_SEGMENT is "" with `empty`. */
  const read = (variable: string): string | undefined => {
    const value = vars.get(variable);
    if (value !== OPTIONAL_SEGMENT) return value;
    if (segments === "mark") optional = true;
    return segments === "empty" ? "" : value;
  };
  const segment = (value: string | undefined) => value === ANY_SEGMENT || value === OPTIONAL_SEGMENT;

  const lookup = (variable: string): Part => {
    const value = read(variable);
    if (segment(value) && segments !== "unknown") return { text: SEGMENT_MARK };
    return value === undefined || value === UNKNOWN_VALUE || segment(value)
      ? { text: "", missing: variable }
      : { text: value };
  };

  const dollar = (): Part => {
    pos++;
    if (peek() !== "{") {
      const variable = name();
      return variable === "" ? { text: "$" } : lookup(variable);
    }
    pos++;
    const first = peek();
    if (first === undefined) throw new SyntaxError("no closing }");
    if (first === "{" || first === "}" || first === ":") throw new SyntaxError("bad substitution");
    const variable = name();
    let op = next();
    if (op === "}") return lookup(variable);
    if (op === undefined) throw new SyntaxError("no closing }");
    const colon = op === ":";
    if (colon) op = next();
    if (op === "-" || op === "+" || op === "?" || (!colon && (op === "#" || op === "%"))) {
      const word = until("}");
      // a variable the Dockerfile never declares may come from the base image's ENV
      if (undeclaredUnknown && !vars.has(variable)) return { text: "", missing: variable };
      const value = read(variable);
      if (segment(value) && op !== "#" && op !== "%") {
        // set, to one segment not known here: never empty
        return op === "+" ? word : lookup(variable);
      }
      if (value === UNKNOWN_VALUE || segment(value)) return { text: "", missing: variable };
      // `:` counts an empty value as unset
      const set = value !== undefined && !(colon && value === "");
      if (op === "-") return set ? { text: value } : word;
      if (op === "+") return set ? word : { text: "" };
      if (op === "?" && set) return { text: value };
      // ${X?msg} of an unknown value (the build fails when it is unset); ${X%…} and ${X#…}
      // patterns are not evaluated here
      return { text: "", missing: variable };
    }
    if (op === "/" && !colon) {
      // ${X/pattern/replacement}, ${X//pattern/replacement}: not evaluated here
      if (peek() === "/") pos++;
      until("/");
      until("}");
      return { text: "", missing: variable };
    }
    throw new SyntaxError(`unsupported modifier (${colon ? ":" : ""}${op ?? ""})`);
  };

  try {
    const { text, missing } = until(undefined);
    if (missing !== undefined) return { missing };
    return optional ? { value: text, optional: true } : { value: text };
  } catch (error) {
    if (error instanceof SyntaxError) return { error: error.message };
    throw error;
  }
}
