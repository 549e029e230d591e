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
}

/** A heredoc is a whole shell word `<<EOF`, `<<-EOF`, `<<"EOF"` (optionally after a fd number). */
const HEREDOC_WORD = /^\d*<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_]*)\2$/;

export function parseDockerfile(text: string): Instruction[] {
  const lines = text
    .replace(/^\uFEFF/, "")
    .replace(/\r\n?/g, "\n")
    .split("\n");
  let escapeChar = "\\";
  let i = 0;
  // Parser directives: only at the very top, before any other line.
  for (; i < lines.length; i++) {
    const directive = /^#\s*([a-zA-Z]+)\s*=\s*(.+?)\s*$/.exec(lines[i]!);
    if (!directive) break;
    if (directive[1]!.toLowerCase() === "escape" && (directive[2] === "`" || directive[2] === "\\"))
      escapeChar = directive[2];
  }
  const instructions: Instruction[] = [];
  while (i < lines.length) {
    const start = i;
    let current = lines[i++]!;
    const trimmed = current.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    // continuation lines
    while (endsWithEscape(current, escapeChar) && i < lines.length) {
      current = current.replace(/\s+$/, "").slice(0, -1);
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
    if ((keyword === "RUN" || keyword === "COPY" || keyword === "ADD") && raw.includes("<<")) {
      const words = raw
        .split(/\s+/)
        .map((w) => HEREDOC_WORD.exec(w))
        .filter((m) => m !== null);
      for (const m of words) {
        const strip = m[1] === "-";
        const delimiter = m[3]!;
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
    let json = false;
    if (rest.startsWith("[")) {
      try {
        const parsed = JSON.parse(rest) as unknown;
        if (Array.isArray(parsed) && parsed.every((a) => typeof a === "string")) {
          args = parsed;
          json = true;
        } else args = words(rest);
      } catch {
        args = words(rest);
      }
    } else {
      // ARG/ENV values may be quoted and hold spaces: ENV D="my lib"
      args = keyword === "ARG" || keyword === "ENV" ? quotedWords(rest) : words(rest);
    }
    instructions.push({ keyword, line: start + 1, flags, args, json, raw, heredocs });
  }
  return instructions;
}

function endsWithEscape(line: string, escapeChar: string): boolean {
  return line.replace(/\s+$/, "").endsWith(escapeChar);
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
