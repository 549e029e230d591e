/**
 * A small .proto reader: a hand-written single-pass tokenizer (comments, both string quote kinds
 * with the full escape set, numbers, identifiers, symbols) and a parser for the top-level
 * statements shipgraph needs: `syntax`, `edition`, `package`, `import` and scalar file `option`s,
 * plus counts of top-level `message`/`enum`/`service`/`extend` definitions. Definition bodies are
 * skipped by brace depth with a tight character loop, so cost is one pass over the text.
 *
 * Strictness policy: a wrong import list means a missed artifact, so `syntax`, `edition`,
 * `package` and `import` statements must be well-formed, and unterminated strings, block comments
 * and `{` blocks are errors (each could hide or invent statements). Any other statement shape we
 * do not understand is skipped to its `;` or to the end of its balanced `{}` block — protoc/buf
 * will report it when the file is compiled; our job is only the dependency facts. Pure.
 */
import { ShipgraphError } from "../errors.js";

/** One `import` statement. */
export interface ProtoImport {
  /** The imported path, decoded (escapes resolved, adjacent literals joined): "google/api/http.proto". */
  path: string;
  /**
   * `"default"` for `import "x";`, `"public"` / `"weak"` for those modifiers, and `"option"` for
   * Edition 2024's `import option "x";`, which only makes the imported file's extensions available
   * to option statements (descriptors list it in `option_dependency`, not `dependency`). It is still
   * a compile-time dependency of this file — the importer must be rebuilt when it changes — but
   * its types are not visible to definitions and generated code need not import it.
   */
  kind: "default" | "public" | "weak" | "option";
  /** 1-based line of the `import` keyword. */
  line: number;
}

/** The facts about one .proto file that the build graph needs. */
export interface ProtoFileInfo {
  /** "proto2" | "proto3" when a `syntax` statement is present (protoc treats a file with neither as proto2). */
  syntax?: string;
  /** The edition from `edition = "2023";`, as written. */
  edition?: string;
  /** The `package` name, e.g. "acme.user.v1" (whitespace around dots removed). */
  package?: string;
  /** Imports in file order. */
  imports: ProtoImport[];
  /**
   * File-level options with a scalar value: `option go_package = "x/y;y";` → { go_package: "x/y;y" }.
   * Names are the written tokens without whitespace, e.g. "(my.ext).field" or "features.field_presence".
   * String values are decoded; identifiers, numbers (with their sign), `true`/`false`, `inf`/`nan`
   * are kept as written. Aggregate `{...}` values are not recorded. A repeated name keeps the last
   * value. The object has a null prototype, so an option named `__proto__` is just a key.
   */
  options: Record<string, string>;
  /** Count of top-level `message` definitions (nested ones are not counted). */
  messages: number;
  /** Count of top-level `enum` definitions. */
  enums: number;
  /** Count of top-level `service` definitions. */
  services: number;
  /** Count of top-level `extend` blocks. */
  extends: number;
  /** Names of top-level services, in file order (plugins like grpc-go emit files only when there are services). */
  serviceNames: string[];
}

// Token kinds. Numbers, not strings: compared in the hot path. Typed `number` so that a check of
// `lx.kind` is not narrowed across the `lx.next()` calls that change it.
const EOF: number = 0;
const IDENT: number = 1;
const NUMBER: number = 2;
const STRING: number = 3;
const SYMBOL: number = 4;

const SYNTAX_HINT =
  'write `syntax = "proto3";` (or "proto2"), or `edition = "2023";`, as the first statement of the file';
const PACKAGE_HINT = "write it as `package acme.user.v1;`, at most once per file";
const IMPORT_HINT =
  'write it as `import "path/to/file.proto";` (optionally `import public`, `import weak`, or `import option` in Edition 2024)';

/** Module-level so each call does not construct one; decoding is stateless without `stream`. */
const utf8 = new TextDecoder();

function fail(file: string, line: number, what: string, hint: string): never {
  throw new ShipgraphError("PROTO_INVALID", `${file}:${line}: ${what}`, { file, line, hint });
}

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

function isIdentPart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * The tokenizer. The current token lives in mutable fields (no object per token); `next()`
 * advances. Lines are counted on "\n" only, as protoc does, so CRLF counts once.
 */
class Lexer {
  readonly text: string;
  readonly file: string;
  readonly n: number;
  /** Offset of the first character not yet consumed. */
  pos: number;
  /** Line at `pos`. */
  line = 1;
  kind = EOF;
  /** Token span [start, end); for strings it includes the quotes. */
  start = 0;
  end = 0;
  tokLine = 1;
  /** For STRING tokens: whether the literal contains a backslash escape. */
  escaped = false;

  constructor(text: string, file: string) {
    this.text = text;
    this.file = file;
    this.n = text.length;
    // A UTF-8 BOM arrives as U+FEFF once the file is decoded; protoc ignores it.
    this.pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  }

  next(): void {
    const s = this.text;
    const n = this.n;
    let i = this.pos;
    // whitespace and comments
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 10) {
        this.line++;
        i++;
      } else if (c === 32 || c === 9 || c === 13 || c === 11 || c === 12) {
        i++;
      } else if (c === 47) {
        const d = s.charCodeAt(i + 1);
        if (d === 47) i = this.skipLineComment(i);
        else if (d === 42) i = this.skipBlockComment(i);
        else break;
      } else break;
    }
    this.start = i;
    this.tokLine = this.line;
    if (i >= n) {
      this.kind = EOF;
      this.pos = this.end = n;
      return;
    }
    const c = s.charCodeAt(i);
    if (isIdentStart(c)) {
      i++;
      while (i < n && isIdentPart(s.charCodeAt(i))) i++;
      this.kind = IDENT;
    } else if (isDigit(c) || (c === 46 && isDigit(s.charCodeAt(i + 1)))) {
      i = this.scanNumber(i);
      this.kind = NUMBER;
    } else if (c === 34 || c === 39) {
      i = this.scanString(i);
      this.kind = STRING;
    } else {
      i++;
      this.kind = SYMBOL;
    }
    this.pos = this.end = i;
  }

  /** The current token's text (for identifiers, numbers, symbols). */
  tokenText(): string {
    return this.text.slice(this.start, this.end);
  }

  isSymbol(code: number): boolean {
    return this.kind === SYMBOL && this.text.charCodeAt(this.start) === code;
  }

  isWord(word: string): boolean {
    return (
      this.kind === IDENT && this.end - this.start === word.length && this.text.startsWith(word, this.start)
    );
  }

  /** How the current token reads in an error message. */
  describe(): string {
    if (this.kind === EOF) return "end of file";
    if (this.kind === STRING) return `string ${this.tokenText()}`;
    return `\`${this.tokenText()}\``;
  }

  private skipLineComment(i: number): number {
    const nl = this.text.indexOf("\n", i + 2);
    return nl < 0 ? this.n : nl; // the "\n" itself is counted by the caller's loop
  }

  private skipBlockComment(i: number): number {
    const s = this.text;
    const close = s.indexOf("*/", i + 2);
    if (close < 0)
      fail(this.file, this.line, "unterminated block comment", "close it with */ (comments do not nest)");
    for (let nl = s.indexOf("\n", i + 2); nl >= 0 && nl < close; nl = s.indexOf("\n", nl + 1)) this.line++;
    return close + 2;
  }

  /** Accepts decimal/octal/hex integers and floats with exponents; the text is kept as written. */
  private scanNumber(i: number): number {
    const s = this.text;
    const n = this.n;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (isIdentPart(c) || c === 46) {
        i++;
        // the sign of an exponent belongs to the number: 1e-5 (but not in hex: 0x1e-5 is 0x1e - 5)
        if ((c === 101 || c === 69) && (s.charCodeAt(i) === 45 || s.charCodeAt(i) === 43)) {
          const head = s.charCodeAt(this.start + 1);
          if (!(s.charCodeAt(this.start) === 48 && (head === 120 || head === 88))) i++;
        }
      } else break;
    }
    return i;
  }

  /**
   * Scans a string literal starting at its quote; returns the offset after the closing quote.
   * Escapes are only stepped over here (decoding happens when a value is wanted). Protobuf
   * string literals cannot contain a raw newline, so reaching one means the literal is unterminated.
   */
  scanString(i: number): number {
    const s = this.text;
    const n = this.n;
    const quote = s.charCodeAt(i);
    let escaped = false;
    let j = i + 1;
    while (j < n) {
      const c = s.charCodeAt(j);
      if (c === quote) {
        this.escaped = escaped;
        return j + 1;
      }
      if (c === 10) break;
      if (c === 92) {
        escaped = true;
        const d = s.charCodeAt(j + 1);
        if (d === 10 || Number.isNaN(d)) break;
        j += 2;
      } else j++;
    }
    return fail(
      this.file,
      this.line,
      "unterminated string literal",
      'close it with the same quote on the same line; to split a long string use adjacent literals "a" "b"',
    );
  }

  /**
   * Skips the body of a `{` block (the current position is just after the `{`) to just after its
   * matching `}`. Braces inside strings and comments do not count. This is the hot loop — most of a
   * .proto file is message bodies — so it looks at characters, not tokens.
   */
  skipBlock(openLine: number): void {
    const s = this.text;
    const n = this.n;
    let i = this.pos;
    let depth = 1;
    // Lines are counted in a local and stored back before anything that reads or moves this.line.
    let line = this.line;
    while (i < n) {
      const c = s.charCodeAt(i);
      // Fast path: spaces, digits, letters and most punctuation ("0".."z") never matter here.
      if ((c > 47 && c < 123) || c === 32) {
        i++;
        continue;
      }
      if (c === 10) {
        line++;
        i++;
      } else if (c === 123) {
        depth++;
        i++;
      } else if (c === 125) {
        i++;
        if (--depth === 0) {
          this.pos = i;
          this.line = line;
          return;
        }
      } else if (c === 34 || c === 39) {
        this.line = line;
        i = this.scanString(i);
      } else if (c === 47) {
        const d = s.charCodeAt(i + 1);
        if (d === 47) i = this.skipLineComment(i);
        else if (d === 42) {
          this.line = line;
          i = this.skipBlockComment(i);
          line = this.line;
        } else i++;
      } else i++;
    }
    fail(this.file, openLine, "unclosed `{`: the block is never closed", "add the missing `}`");
  }
}

/**
 * Decodes string literal tokens (spans including quotes) per the protobuf language spec. A
 * literal is bytes: \x and octal escapes are bytes, \u/\U are code points written as UTF-8, other
 * text is UTF-8, and the whole (adjacent literals joined first, so a UTF-8 sequence may be split
 * across them) is decoded as UTF-8 with invalid bytes replaced by U+FFFD. Returns null for an
 * invalid escape (buf and protoc reject those).
 */
function decodeStrings(s: string, spans: number[]): string | null {
  let size = 0;
  for (let p = 0; p < spans.length; p += 2) size += spans[p + 1]! - spans[p]!;
  // Each UTF-16 unit is at most 3 UTF-8 bytes; escapes never produce more bytes than their text.
  const out = new Uint8Array(size * 3);
  let k = 0;
  const putCodePoint = (cp: number): void => {
    if (cp < 0x80) out[k++] = cp;
    else if (cp < 0x800) {
      out[k++] = 0xc0 | (cp >> 6);
      out[k++] = 0x80 | (cp & 63);
    } else if (cp < 0x10000) {
      out[k++] = 0xe0 | (cp >> 12);
      out[k++] = 0x80 | ((cp >> 6) & 63);
      out[k++] = 0x80 | (cp & 63);
    } else {
      out[k++] = 0xf0 | (cp >> 18);
      out[k++] = 0x80 | ((cp >> 12) & 63);
      out[k++] = 0x80 | ((cp >> 6) & 63);
      out[k++] = 0x80 | (cp & 63);
    }
  };
  for (let p = 0; p < spans.length; p += 2) {
    let i = spans[p]! + 1;
    const end = spans[p + 1]! - 1;
    while (i < end) {
      const c = s.charCodeAt(i);
      if (c !== 92) {
        const cp = s.codePointAt(i)!;
        putCodePoint(cp);
        i += cp > 0xffff ? 2 : 1;
        continue;
      }
      const e = s.charCodeAt(i + 1);
      i += 2;
      switch (e) {
        case 97: // \a
          out[k++] = 7;
          break;
        case 98: // \b
          out[k++] = 8;
          break;
        case 102: // \f
          out[k++] = 12;
          break;
        case 110: // \n
          out[k++] = 10;
          break;
        case 114: // \r
          out[k++] = 13;
          break;
        case 116: // \t
          out[k++] = 9;
          break;
        case 118: // \v
          out[k++] = 11;
          break;
        case 92: // \\
        case 39: // \'
        case 34: // \"
        case 63: // \? (protoc and buf accept it, as C does)
          out[k++] = e;
          break;
        case 120: // \xH or \xHH
        case 88: {
          let v = hexValue(s.charCodeAt(i));
          if (v < 0 || i >= end) return null;
          i++;
          const h2 = hexValue(s.charCodeAt(i));
          if (h2 >= 0 && i < end) {
            v = v * 16 + h2;
            i++;
          }
          out[k++] = v;
          break;
        }
        case 117: // \uHHHH
        case 85: {
          // \UHHHHHHHH
          const digits = e === 117 ? 4 : 8;
          if (i + digits > end) return null;
          let cp = 0;
          for (let d = 0; d < digits; d++) {
            const h = hexValue(s.charCodeAt(i + d));
            if (h < 0) return null;
            cp = cp * 16 + h;
          }
          // Surrogates are not characters; buf rejects them even when paired.
          if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return null;
          putCodePoint(cp);
          i += digits;
          break;
        }
        default: {
          // \O, \OO, \OOO: one byte; values above \377 wrap, as in protoc
          if (e < 48 || e > 55) return null;
          let v = e - 48;
          for (let d = 0; d < 2 && i < end; d++) {
            const o = s.charCodeAt(i);
            if (o < 48 || o > 55) break;
            v = v * 8 + (o - 48);
            i++;
          }
          out[k++] = v & 0xff;
        }
      }
    }
  }
  return utf8.decode(out.subarray(0, k));
}

/**
 * Reads one or more adjacent string literals starting at the current (STRING) token, leaving the
 * lexer on the token after them. Returns null when an escape is invalid.
 */
function readStrings(lx: Lexer): string | null {
  const first = lx.start;
  const firstEnd = lx.end;
  let escaped = lx.escaped;
  lx.next();
  if (lx.kind !== STRING && !escaped) return lx.text.slice(first + 1, firstEnd - 1);
  const spans = [first, firstEnd];
  while (lx.kind === STRING) {
    spans.push(lx.start, lx.end);
    escaped ||= lx.escaped;
    lx.next();
  }
  if (!escaped) {
    let out = "";
    for (let p = 0; p < spans.length; p += 2) out += lx.text.slice(spans[p]! + 1, spans[p + 1]! - 1);
    return out;
  }
  return decodeStrings(lx.text, spans);
}

/**
 * Skips the rest of a statement we do not model, starting at the current token: to its `;`, or
 * to the end of the first `{}` block (definitions end at their `}`). A stray `}` is skipped alone.
 */
function skipStatement(lx: Lexer): void {
  for (;;) {
    if (lx.kind === EOF) return;
    if (lx.kind === SYMBOL) {
      const c = lx.text.charCodeAt(lx.start);
      if (c === 59 || c === 125) return; // ; }
      if (c === 123) {
        lx.skipBlock(lx.tokLine);
        return;
      }
    }
    lx.next();
  }
}

/** `syntax = "proto3";` / `edition = "2023";` — the current token is the keyword. */
function parseSyntax(lx: Lexer, info: ProtoFileInfo, keyword: "syntax" | "edition", isFirst: boolean): void {
  const line = lx.tokLine;
  const bad = (what: string): never => fail(lx.file, line, what, SYNTAX_HINT);
  if (!isFirst) bad(`\`${keyword}\` must be the first statement of the file`);
  lx.next();
  if (!lx.isSymbol(61)) bad(`expected \`=\` after \`${keyword}\`, found ${lx.describe()}`);
  lx.next();
  if (lx.kind !== STRING) bad(`expected a quoted value after \`${keyword} =\`, found ${lx.describe()}`);
  const value = readStrings(lx);
  if (value === null) bad(`invalid escape sequence in the \`${keyword}\` value`);
  if (!lx.isSymbol(59)) bad(`expected \`;\` after the \`${keyword}\` value, found ${lx.describe()}`);
  if (keyword === "syntax") {
    if (value !== "proto2" && value !== "proto3")
      bad(`unknown syntax ${JSON.stringify(value)} (expected "proto2" or "proto3")`);
    info.syntax = value!;
  } else {
    if (value === "") bad("empty edition");
    info.edition = value!;
  }
}

/** `package a.b.c;` — the current token is `package`. */
function parsePackage(lx: Lexer, info: ProtoFileInfo): void {
  const line = lx.tokLine;
  const bad = (what: string): never => fail(lx.file, line, what, PACKAGE_HINT);
  if (info.package !== undefined)
    bad(`a second \`package\` statement (the first declared "${info.package}")`);
  lx.next();
  if (lx.kind !== IDENT) bad(`expected a package name after \`package\`, found ${lx.describe()}`);
  let name = lx.tokenText();
  lx.next();
  while (lx.isSymbol(46)) {
    lx.next();
    if (lx.kind !== IDENT) bad(`expected an identifier after \`${name}.\`, found ${lx.describe()}`);
    name += `.${lx.tokenText()}`;
    lx.next();
  }
  if (!lx.isSymbol(59)) bad(`expected \`;\` after \`package ${name}\`, found ${lx.describe()}`);
  info.package = name;
}

/** `import [public|weak|option] "path";` — the current token is `import`. */
function parseImport(lx: Lexer, info: ProtoFileInfo): void {
  const line = lx.tokLine;
  const bad = (what: string): never => fail(lx.file, line, what, IMPORT_HINT);
  let kind: ProtoImport["kind"] = "default";
  lx.next();
  if (lx.isWord("public")) kind = "public";
  else if (lx.isWord("weak")) kind = "weak";
  else if (lx.isWord("option")) kind = "option";
  if (kind !== "default") lx.next();
  const keyword = kind === "default" ? "import" : `import ${kind}`;
  if (lx.kind !== STRING) bad(`expected a quoted file path after \`${keyword}\`, found ${lx.describe()}`);
  const path = readStrings(lx);
  if (path === null) bad("invalid escape sequence in the import path");
  if (path === "") bad("empty import path");
  if (!lx.isSymbol(59)) bad(`expected \`;\` after \`${keyword} "${path}"\`, found ${lx.describe()}`);
  info.imports.push({ path: path!, kind, line });
}

/**
 * `option name = value;` — the current token is `option`. Lenient: for a shape we do not
 * understand (or an aggregate value) it records nothing and returns false, leaving the lexer on
 * the token it could not use, so the caller skips the rest of the statement.
 */
function parseOption(lx: Lexer, info: ProtoFileInfo): boolean {
  lx.next();
  let name = "";
  for (;;) {
    if (lx.kind === IDENT) {
      name += lx.tokenText();
    } else if (lx.isSymbol(40)) {
      // (full.ident) or (.full.ident) for an extension
      name += "(";
      lx.next();
      if (lx.isSymbol(46)) {
        name += ".";
        lx.next();
      }
      if (lx.kind !== IDENT) return false;
      name += lx.tokenText();
      lx.next();
      while (lx.isSymbol(46)) {
        lx.next();
        if (lx.kind !== IDENT) return false;
        name += `.${lx.tokenText()}`;
        lx.next();
      }
      if (!lx.isSymbol(41)) return false;
      name += ")";
    } else return false;
    lx.next();
    if (!lx.isSymbol(46)) break;
    name += ".";
    lx.next();
  }
  if (!lx.isSymbol(61)) return false;
  lx.next();
  let value: string | null;
  if (lx.kind === STRING) {
    value = readStrings(lx);
    if (value === null) return false;
  } else if (lx.kind === NUMBER) {
    value = lx.tokenText();
    lx.next();
  } else if (lx.isSymbol(45) || lx.isSymbol(43)) {
    const sign = lx.tokenText();
    lx.next();
    if (lx.kind !== NUMBER && lx.kind !== IDENT) return false;
    value = sign + lx.tokenText();
    lx.next();
  } else if (lx.kind === IDENT) {
    value = lx.tokenText();
    lx.next();
    while (lx.isSymbol(46)) {
      lx.next();
      if (lx.kind !== IDENT) return false;
      value += `.${lx.tokenText()}`;
      lx.next();
    }
  } else return false; // includes `{...}` aggregates: skipped whole by skipStatement
  if (!lx.isSymbol(59)) return false;
  info.options[name] = value;
  return true;
}

/**
 * `message|enum|service Name {…}` / `extend full.Name {…}` — the current token is the keyword.
 * Counted only when well-formed; otherwise returns false, like parseOption, and the caller skips
 * it like any unknown statement.
 */
function parseDefinition(lx: Lexer, info: ProtoFileInfo, keyword: string): boolean {
  lx.next();
  if (keyword === "extend" && lx.isSymbol(46)) lx.next();
  if (lx.kind !== IDENT) return false;
  const name = lx.tokenText();
  lx.next();
  if (keyword === "extend") {
    while (lx.isSymbol(46)) {
      lx.next();
      if (lx.kind !== IDENT) return false;
      lx.next();
    }
  }
  if (!lx.isSymbol(123)) return false;
  lx.skipBlock(lx.tokLine);
  if (keyword === "message") info.messages++;
  else if (keyword === "enum") info.enums++;
  else if (keyword === "extend") info.extends++;
  else {
    info.services++;
    info.serviceNames.push(name);
  }
  return true;
}

/**
 * Parses one .proto file's text. `file` is used only in error messages.
 * Throws ShipgraphError("PROTO_INVALID", "<file>:<line>: …") on an unterminated string literal,
 * block comment or `{` block, and on a malformed `syntax`/`edition`/`package`/`import` statement
 * (including one that is not first, a second `package`, an invalid escape, or an empty import path).
 */
export function parseProto(text: string, file: string): ProtoFileInfo {
  const info: ProtoFileInfo = {
    imports: [],
    options: Object.create(null) as Record<string, string>,
    messages: 0,
    enums: 0,
    services: 0,
    extends: 0,
    serviceNames: [],
  };
  const lx = new Lexer(text, file);
  let statements = 0;
  for (;;) {
    lx.next();
    if (lx.kind === EOF) return info;
    const isFirst = statements++ === 0;
    if (lx.kind !== IDENT) {
      // `;` is an empty statement (allowed); anything else is skipped
      if (!lx.isSymbol(59)) skipStatement(lx);
      continue;
    }
    const word = lx.tokenText();
    switch (word) {
      case "syntax":
      case "edition":
        parseSyntax(lx, info, word, isFirst);
        break;
      case "package":
        parsePackage(lx, info);
        break;
      case "import":
        parseImport(lx, info);
        break;
      case "option":
        if (!parseOption(lx, info)) skipStatement(lx);
        break;
      case "message":
      case "enum":
      case "service":
      case "extend":
        if (!parseDefinition(lx, info, word)) skipStatement(lx);
        break;
      case "export":
      case "local":
        // Edition 2024 visibility modifiers; buf allows them on messages and enums only
        lx.next();
        if (!((lx.isWord("message") || lx.isWord("enum")) && parseDefinition(lx, info, lx.tokenText())))
          skipStatement(lx);
        break;
      default:
        skipStatement(lx);
    }
  }
}
