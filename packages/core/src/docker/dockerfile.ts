/**
 * A small Dockerfile tokenizer with BuildKit's rules: parser directives (`# escape=`), comments,
 * line continuations (with comment lines inside them dropped), heredocs (`<<EOF`, `<<-EOF`,
 * quoted delimiters; their bodies are data, never instructions), `--flag=value` options and the
 * JSON (exec) form. Pure.
 */
export interface Instruction {
  /** Upper-case keyword: FROM, COPY, ADD, RUN, ARG, ENV… */
  keyword: string;
  /** 1-based line where the instruction starts. */
  line: number;
  /** `--name=value` / `--name` options in order (value "" for a bare flag). */
  flags: { name: string; value: string }[];
  /** Arguments after the flags: the JSON array when in exec form, else whitespace-split words. */
  args: string[];
  /** True when the arguments were given in JSON form. */
  json: boolean;
  /** The raw text after the keyword (continuations joined), for messages. */
  raw: string;
  /** Heredoc bodies attached to this instruction, by delimiter. */
  heredocs: { delimiter: string; body: string }[];
  /** The escape character in effect (a backslash, or the `# escape=` directive's), for the word lexer. */
  escape: string;
}

/**
 * A heredoc is a shell word `<<WORD` or `<<-WORD` (optionally after a fd number), as BuildKit's
 * parser matches it (`^(\d*)<<(-?)([^<]*)$` on the line's words, quotes kept): `<<EOF`,
 * `<<"EOF"`, `<<END-OF-FILE`, `<<EOF.sh`; not `<<<here-string`, not a `<<` inside a quoted word.
 * The delimiter is the word with its quotes removed.
 */
const HEREDOC_WORD = /^\d*<<(-?)([^<]+)$/;
/** Instructions whose lines may start heredocs (BuildKit: RUN, COPY, ADD, and ONBUILD of one). */
const HEREDOC_KEYWORDS = new Set(["RUN", "COPY", "ADD"]);

export function parseDockerfile(text: string): Instruction[] {
  const lines = text
    .replace(/^\uFEFF/, "")
    .replace(/\r\n?/g, "\n")
    .split("\n");
  let escapeChar = "\\";
  let i = 0;
  // Parser directives: only at the very top, before any other line (leading blanks allowed); the
  // first line that is not one of BuildKit's (escape, syntax, check) ends them.
  for (; i < lines.length; i++) {
    const directive = parserDirective(lines[i]!.replace(/^\s+/, ""));
    if (!directive) break;
    if (directive.name === "escape" && (directive.value === "`" || directive.value === "\\"))
      escapeChar = directive.value;
  }
  const instructions: Instruction[] = [];
  while (i < lines.length) {
    const start = i;
    let current = lines[i++]!;
    const trimmed = current.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    // continuation lines
    while (endsWithEscape(current, escapeChar) && i < lines.length) {
      current = current.replace(/[ \t]+$/, "").slice(0, -1);
      let next = lines[i++]!;
      // comment lines and empty lines inside a continuation are dropped (BuildKit warns on the latter)
      while ((next.trim().startsWith("#") || next.trim() === "") && i < lines.length) next = lines[i++]!;
      current += next;
    }
    const match = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(current);
    if (!match) continue;
    const keyword = match[1]!.toUpperCase();
    const raw = match[2]!.trim();
    const heredocs: Instruction["heredocs"] = [];
    if (raw.includes("<<") && mayHoldHeredocs(keyword, raw)) {
      const words = quotedWords(current)
        .map((w) => HEREDOC_WORD.exec(w))
        .filter((m) => m !== null);
      for (const m of words) {
        const strip = m[1] === "-";
        const delimiter = unquote(m[2]!);
        const body: string[] = [];
        while (i < lines.length) {
          const line = lines[i++]!;
          if ((strip ? line.replace(/^\t+/, "") : line) === delimiter) break;
          body.push(strip ? line.replace(/^\t+/, "") : line);
        }
        heredocs.push({ delimiter, body: body.join("\n") });
      }
    }
    const { flags, rest } = splitFlags(raw);
    let args: string[];
    const parsed = jsonArgs(rest);
    const json = parsed !== undefined;
    if (parsed !== undefined) {
      args = parsed;
    } else if (rest.startsWith("[")) {
      args = words(rest);
    } else {
      // ARG/ENV values may be quoted and hold spaces: ENV D="my lib"
      args = keyword === "ARG" || keyword === "ENV" ? quotedWords(rest) : words(rest);
    }
    instructions.push({ keyword, line: start + 1, flags, args, json, raw, heredocs, escape: escapeChar });
  }
  return instructions;
}

/** BuildKit's parser directives (frontend/dockerfile/parser/directives.go, validDirectives). */
const DIRECTIVES = new Set(["escape", "syntax", "check"]);

/**
 * `line` as a parser directive (`<prefix> name=value`), as BuildKit's DirectiveParser reads one:
 * the prefix, blanks, a known name (any case), `=`, the value; undefined otherwise.
 */
function parserDirective(line: string, prefix = "#"): { name: string; value: string } | undefined {
  if (!line.startsWith(prefix)) return undefined;
  const m = /^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/.exec(line.slice(prefix.length).replace(/^\s+/, ""));
  if (!m) return undefined;
  const name = m[1]!.toLowerCase();
  return DIRECTIVES.has(name) ? { name, value: m[2]! } : undefined;
}

/**
 * The frontend a Dockerfile asks for, as BuildKit's DetectSyntax finds it: a `# syntax=` directive
 * (after a BOM and a `#!` line), else a `// syntax=` one, else a JSON document's "syntax" string;
 * the value's first word. Undefined when there is none. Pure.
 */
export function dockerfileSyntax(text: string): { ref: string; line: number } | undefined {
  // only the first lines can hold directives: read no further than they go
  const body = text.replace(/^\uFEFF/, "");
  const lineAt = (start: number) => {
    const end = body.indexOf("\n", start);
    return (end < 0 ? body.slice(start) : body.slice(start, end)).replace(/\r$/, "");
  };
  const first = body.startsWith("#!") ? body.indexOf("\n") + 1 : 0;
  if (first === 0 && body.startsWith("#!")) return undefined; // a shebang line alone
  for (const prefix of ["#", "//"]) {
    for (let at = first, line = first === 0 ? 1 : 2; ; line++) {
      const directive = parserDirective(lineAt(at), prefix);
      if (!directive) break;
      if (directive.name === "syntax") return { ref: directive.value.split(" ")[0]!, line };
      const next = body.indexOf("\n", at);
      if (next < 0) break;
      at = next + 1;
    }
  }
  if (!body.slice(first).trimStart().startsWith("{")) return undefined;
  try {
    const json = JSON.parse(body.slice(first)) as unknown;
    const syntax =
      typeof json === "object" && json !== null ? (json as Record<string, unknown>).syntax : undefined;
    return typeof syntax === "string" ? { ref: syntax.split(" ")[0]!, line: first === 0 ? 1 : 2 } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * True when the instruction's line can start heredocs: RUN, COPY or ADD (or ONBUILD of one) in
 * shell form; the JSON (exec) form takes none, as in BuildKit.
 */
function mayHoldHeredocs(keyword: string, raw: string): boolean {
  if (keyword === "ONBUILD") {
    const inner = /^([A-Za-z]+)\s*(.*)$/s.exec(raw);
    return inner !== null && mayHoldHeredocs(inner[1]!.toUpperCase(), inner[2]!);
  }
  return HEREDOC_KEYWORDS.has(keyword) && jsonArgs(splitFlags(raw).rest) === undefined;
}

/** The arguments when they are a JSON array of strings (the exec form), else undefined. */
function jsonArgs(rest: string): string[] | undefined {
  if (!rest.startsWith("[")) return undefined;
  try {
    const parsed = JSON.parse(rest) as unknown;
    return Array.isArray(parsed) && parsed.every((a) => typeof a === "string") ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * True when the line continues on the next one: it ends (but for spaces and tabs) with the escape
 * character, which is not itself escaped (BuildKit's `([^\\])\\[ \t]*$|^\\[ \t]*$`: `RUN echo x\\`
 * ends the instruction).
 */
function endsWithEscape(line: string, escapeChar: string): boolean {
  const end = line.replace(/[ \t]+$/, "");
  return end.endsWith(escapeChar) && (end.length === 1 || end[end.length - 2] !== escapeChar);
}

/** Whitespace-separated words where quotes (kept in the word) and backslash escapes group characters. */
function quotedWords(text: string): string[] {
  const out: string[] = [];
  let current = "";
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      current += ch;
      if (ch === quote) quote = undefined;
      else if (ch === "\\" && quote === '"' && i + 1 < text.length) current += text[++i];
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      current += ch;
    } else if (ch === "\\" && i + 1 < text.length) {
      current += ch + text[++i];
    } else if (/\s/.test(ch)) {
      if (current) out.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  if (current) out.push(current);
  return out;
}

/** Removes the quotes of a shell word (`"my lib"` → `my lib`, `a\\ b` → `a b`), quotes anywhere in it. */
export function unquote(value: string): string {
  let out = "";
  let quote: string | undefined;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === "\\" && quote === '"' && i + 1 < value.length) out += value[++i];
      else out += ch;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "\\" && i + 1 < value.length) out += value[++i];
    else out += ch;
  }
  return out;
}

function words(text: string): string[] {
  return text.split(/\s+/).filter((w) => w !== "");
}

/** Leading `--name=value` options; values may be quoted. */
function splitFlags(raw: string): { flags: Instruction["flags"]; rest: string } {
  const flags: Instruction["flags"] = [];
  let rest = raw;
  for (;;) {
    const m = /^--([A-Za-z][A-Za-z0-9-]*)(?:=("[^"]*"|'[^']*'|\S*))?\s*/.exec(rest);
    if (!m) break;
    let value = m[2] ?? "";
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1);
    flags.push({ name: m[1]!.toLowerCase(), value });
    rest = rest.slice(m[0].length);
  }
  return { flags, rest: rest.trim() };
}

/** The value of the first flag with this name. */
export function flag(instruction: Instruction, name: string): string | undefined {
  return instruction.flags.find((f) => f.name === name)?.value;
}
