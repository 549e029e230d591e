/**
 * A reader for the subset of HCL2 that docker-bake files use: attributes, labelled blocks,
 * string templates with `${…}` interpolation, heredocs, tuples, objects, variable references,
 * function calls and the usual operators. `for` expressions, splats and `%{…}` template directives
 * parse (so the rest of a file stays readable) but do not evaluate.
 *
 * Parsing and evaluation are separate on purpose: a bake file is read once, and only the
 * attributes a caller needs are evaluated, so an unsupported expression in an attribute nobody
 * reads (say `tags`) does not make a target unusable.
 */

/** A value an HCL expression evaluates to. */
export type HclValue = string | number | boolean | null | HclValue[] | { [key: string]: HclValue };

/** An unevaluated expression; `line` is 1-based in the file it came from. */
export type HclExpr =
  | { kind: "literal"; value: HclValue; line: number }
  | { kind: "template"; parts: (string | HclExpr)[]; line: number }
  | { kind: "tuple"; items: HclExpr[]; line: number }
  | { kind: "object"; entries: { key: HclExpr; value: HclExpr }[]; line: number }
  | { kind: "variable"; name: string; line: number }
  | { kind: "getattr"; target: HclExpr; name: string; line: number }
  | { kind: "index"; target: HclExpr; key: HclExpr; line: number }
  | { kind: "call"; name: string; args: HclExpr[]; line: number }
  | { kind: "unary"; op: "!" | "-"; operand: HclExpr; line: number }
  | { kind: "binary"; op: string; left: HclExpr; right: HclExpr; line: number }
  | { kind: "conditional"; condition: HclExpr; whenTrue: HclExpr; whenFalse: HclExpr; line: number }
  | { kind: "unsupported"; what: string; line: number };

/** `name = expr`. */
export interface HclAttribute {
  name: string;
  expr: HclExpr;
  line: number;
}

/** `type "label" … { body }`. */
export interface HclBlock {
  type: string;
  labels: string[];
  body: HclBody;
  line: number;
}

/** A file or block body, in source order. */
export interface HclBody {
  attributes: HclAttribute[];
  blocks: HclBlock[];
}

/** A syntax or evaluation error at a 1-based line. */
export class HclError extends Error {
  override name = "HclError";
  readonly line: number;
  constructor(message: string, line: number) {
    super(message);
    this.line = line;
  }
}

/** How names and functions resolve during evaluation. Both may throw an HclError. */
export interface HclScope {
  variable(name: string, line: number): HclValue;
  functions?: Readonly<Record<string, (args: HclValue[], line: number) => HclValue>>;
}

/** Parses an HCL file. Throws HclError naming the line on a syntax error. */
export function parseHcl(text: string): HclBody {
  const parser = new Parser(text, 0);
  return parser.parseBody(false);
}

/**
 * The expression an HCL-JSON string stands for: a template (`"${TAG}-x"` interpolates), as
 * docker-bake.json strings are. `line` is where the string is.
 */
export function hclTemplateFromString(text: string, line: number): HclExpr {
  const parser = new Parser(text, line - 1);
  return parser.parseTemplate(undefined, false);
}

/** An HCL-JSON value (from JSON.parse or YAML) as an expression; strings become templates. */
export function hclExprFromJson(value: unknown, line: number): HclExpr {
  if (typeof value === "string") return hclTemplateFromString(value, line);
  if (Array.isArray(value)) return { kind: "tuple", items: value.map((v) => hclExprFromJson(v, line)), line };
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([key]) => key !== "//") // HCL-JSON's comment key
      .map(([key, v]) => ({
        key: { kind: "literal", value: key, line } as HclExpr,
        value: hclExprFromJson(v, line),
      }));
    return { kind: "object", entries, line };
  }
  if (typeof value === "number" || typeof value === "boolean" || value === null) {
    return { kind: "literal", value, line };
  }
  return { kind: "unsupported", what: `a JSON ${typeof value}`, line };
}

/** Evaluates an expression. Throws HclError (with the line) when it cannot. */
export function evaluateHcl(expr: HclExpr, scope: HclScope): HclValue {
  switch (expr.kind) {
    case "literal":
      return expr.value;
    case "template": {
      // "${x}" alone yields x unconverted (HCL's rule), anything else is string concatenation.
      if (expr.parts.length === 1 && typeof expr.parts[0] !== "string") {
        return evaluateHcl(expr.parts[0]!, scope);
      }
      let out = "";
      for (const part of expr.parts) {
        out += typeof part === "string" ? part : templateString(evaluateHcl(part, scope), part.line);
      }
      return out;
    }
    case "tuple":
      return expr.items.map((item) => evaluateHcl(item, scope));
    case "object": {
      const out: Record<string, HclValue> = {};
      for (const entry of expr.entries) {
        const key = evaluateHcl(entry.key, scope);
        if (typeof key !== "string" && typeof key !== "number" && typeof key !== "boolean") {
          throw new HclError("an object key must be a string", entry.key.line);
        }
        out[String(key)] = evaluateHcl(entry.value, scope);
      }
      return out;
    }
    case "variable":
      return scope.variable(expr.name, expr.line);
    case "getattr": {
      const target = evaluateHcl(expr.target, scope);
      if (target && typeof target === "object" && !Array.isArray(target) && expr.name in target) {
        return target[expr.name]!;
      }
      if (Array.isArray(target) && /^\d+$/.test(expr.name) && Number(expr.name) < target.length) {
        return target[Number(expr.name)]!;
      }
      throw new HclError(`no attribute "${expr.name}"`, expr.line);
    }
    case "index": {
      const target = evaluateHcl(expr.target, scope);
      const key = evaluateHcl(expr.key, scope);
      if (Array.isArray(target)) {
        const index = typeof key === "number" ? key : Number(key);
        if (Number.isInteger(index) && index >= 0 && index < target.length) return target[index]!;
        throw new HclError(`index ${JSON.stringify(key)} is out of range`, expr.line);
      }
      if (target && typeof target === "object" && typeof key === "string" && key in target) {
        return target[key]!;
      }
      throw new HclError(`no element ${JSON.stringify(key)}`, expr.line);
    }
    case "call": {
      const fn = scope.functions?.[expr.name];
      if (!fn) throw new HclError(`function ${expr.name}() is not supported`, expr.line);
      return fn(
        expr.args.map((arg) => evaluateHcl(arg, scope)),
        expr.line,
      );
    }
    case "unary": {
      const value = evaluateHcl(expr.operand, scope);
      if (expr.op === "!") return !toBool(value, expr.line);
      return -toNumber(value, expr.line);
    }
    case "binary":
      return evaluateBinary(expr.op, expr.left, expr.right, scope, expr.line);
    case "conditional":
      return toBool(evaluateHcl(expr.condition, scope), expr.line)
        ? evaluateHcl(expr.whenTrue, scope)
        : evaluateHcl(expr.whenFalse, scope);
    case "unsupported":
      throw new HclError(`${expr.what} is not supported`, expr.line);
  }
}

function evaluateBinary(op: string, leftExpr: HclExpr, rightExpr: HclExpr, scope: HclScope, line: number) {
  // && and || short-circuit, so `x != "" && x` style guards work.
  if (op === "&&")
    return toBool(evaluateHcl(leftExpr, scope), line) && toBool(evaluateHcl(rightExpr, scope), line);
  if (op === "||")
    return toBool(evaluateHcl(leftExpr, scope), line) || toBool(evaluateHcl(rightExpr, scope), line);
  const left = evaluateHcl(leftExpr, scope);
  const right = evaluateHcl(rightExpr, scope);
  switch (op) {
    case "==":
      return JSON.stringify(left) === JSON.stringify(right);
    case "!=":
      return JSON.stringify(left) !== JSON.stringify(right);
    case "+":
      return toNumber(left, line) + toNumber(right, line);
    case "-":
      return toNumber(left, line) - toNumber(right, line);
    case "*":
      return toNumber(left, line) * toNumber(right, line);
    case "/":
      return toNumber(left, line) / toNumber(right, line);
    case "%":
      return toNumber(left, line) % toNumber(right, line);
    case "<":
      return toNumber(left, line) < toNumber(right, line);
    case ">":
      return toNumber(left, line) > toNumber(right, line);
    case "<=":
      return toNumber(left, line) <= toNumber(right, line);
    case ">=":
      return toNumber(left, line) >= toNumber(right, line);
    default:
      throw new HclError(`operator ${op} is not supported`, line);
  }
}

function templateString(value: HclValue, line: number): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new HclError(`cannot put ${value === null ? "null" : "a list or object"} into a string`, line);
}

function toBool(value: HclValue, line: number): boolean {
  if (typeof value === "boolean") return value;
  if (value === "true") return true;
  if (value === "false") return false;
  throw new HclError(`${JSON.stringify(value)} is not a bool`, line);
}

function toNumber(value: HclValue, line: number): number {
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value)))
    return Number(value);
  throw new HclError(`${JSON.stringify(value)} is not a number`, line);
}

const BINARY_LEVELS: readonly (readonly string[])[] = [
  ["||"],
  ["&&"],
  ["==", "!="],
  ["<=", ">=", "<", ">"],
  ["+", "-"],
  ["*", "/", "%"],
];

const IDENT_START = /[A-Za-z_]/;
const IDENT_CHAR = /[A-Za-z0-9_-]/;

class Parser {
  private pos = 0;
  /** >0 inside (), [], {} of expressions and ${…}: newlines are plain whitespace there. */
  private nesting = 0;
  private readonly lineStarts: number[] = [0];

  constructor(
    private readonly text: string,
    private readonly lineOffset: number,
  ) {
    for (let i = 0; i < text.length; i++) if (text[i] === "\n") this.lineStarts.push(i + 1);
  }

  private line(pos = this.pos): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1 + this.lineOffset;
  }

  private fail(message: string, pos = this.pos): never {
    throw new HclError(message, this.line(pos));
  }

  private peek(offset = 0): string {
    return this.text[this.pos + offset] ?? "";
  }

  private startsWith(s: string): boolean {
    return this.text.startsWith(s, this.pos);
  }

  /** Skips blanks and comments; newlines too when `newlines` (a `#`/`//` comment keeps its newline). */
  private skip(newlines: boolean): void {
    for (;;) {
      const ch = this.peek();
      if (ch === " " || ch === "\t" || ch === "\r" || (newlines && ch === "\n")) {
        this.pos++;
      } else if (ch === "#" || this.startsWith("//")) {
        while (this.pos < this.text.length && this.peek() !== "\n") this.pos++;
      } else if (this.startsWith("/*")) {
        const end = this.text.indexOf("*/", this.pos + 2);
        if (end < 0) this.fail("unterminated /* comment");
        this.pos = end + 2;
      } else {
        return;
      }
    }
  }

  private skipExpr(): void {
    this.skip(this.nesting > 0);
  }

  private readIdent(): string | undefined {
    if (!IDENT_START.test(this.peek())) return undefined;
    const start = this.pos;
    while (IDENT_CHAR.test(this.peek())) this.pos++;
    // provider-namespaced functions (provider::ns::fn) keep their colons in the name
    while (this.startsWith("::") && IDENT_START.test(this.peek(2))) {
      this.pos += 2;
      while (IDENT_CHAR.test(this.peek())) this.pos++;
    }
    return this.text.slice(start, this.pos);
  }

  parseBody(inBlock: boolean): HclBody {
    const body: HclBody = { attributes: [], blocks: [] };
    for (;;) {
      this.skip(true);
      if (this.pos >= this.text.length) {
        if (inBlock) this.fail("missing } at the end of a block");
        return body;
      }
      if (this.peek() === "}") {
        if (!inBlock) this.fail("unexpected }");
        this.pos++;
        return body;
      }
      const start = this.pos;
      const name = this.readIdent();
      if (name === undefined)
        this.fail(`expected an attribute or a block, found ${JSON.stringify(this.peek())}`);
      this.skip(false);
      if (this.peek() === "=" && this.peek(1) !== "=") {
        this.pos++;
        const expr = this.parseExpression();
        this.skip(false);
        const next = this.peek();
        if (next !== "\n" && next !== "}" && next !== "") {
          this.fail(`expected the end of the line after attribute "${name}"`);
        }
        body.attributes.push({ name, expr, line: this.line(start) });
        continue;
      }
      const labels: string[] = [];
      while (this.peek() === '"' || IDENT_START.test(this.peek())) {
        if (this.peek() === '"') {
          this.pos++;
          const label = this.parseTemplate('"', true);
          if (label.kind !== "template" || label.parts.some((p) => typeof p !== "string")) {
            this.fail("a block label cannot contain an interpolation");
          }
          labels.push(label.parts.join(""));
        } else {
          labels.push(this.readIdent()!);
        }
        this.skip(false);
      }
      if (this.peek() !== "{") this.fail(`expected = or { after "${name}"`);
      this.pos++;
      body.blocks.push({ type: name, labels, body: this.parseBody(true), line: this.line(start) });
    }
  }

  parseExpression(): HclExpr {
    this.skipExpr();
    const line = this.line();
    const condition = this.parseBinary(0);
    this.skipExpr();
    if (this.peek() !== "?") return condition;
    this.pos++;
    const thenExpr = this.parseExpression();
    this.skipExpr();
    if (this.peek() !== ":") this.fail("expected : in a conditional expression");
    this.pos++;
    const elseExpr = this.parseExpression();
    return { kind: "conditional", condition, whenTrue: thenExpr, whenFalse: elseExpr, line };
  }

  private parseBinary(level: number): HclExpr {
    const ops = BINARY_LEVELS[level];
    if (!ops) return this.parseUnary();
    let left = this.parseBinary(level + 1);
    for (;;) {
      this.skipExpr();
      const op = ops.find((candidate) => this.startsWith(candidate) && !this.isLongerOperator(candidate));
      if (!op) return left;
      const line = this.line();
      this.pos += op.length;
      const right = this.parseBinary(level + 1);
      left = { kind: "binary", op, left, right, line };
    }
  }

  /** `<` is not `<=`/`<<`, `=`-led operators are not `=` alone, `*` is not a splat, etc. */
  private isLongerOperator(op: string): boolean {
    const next = this.peek(op.length);
    if ((op === "<" || op === ">") && (next === "=" || next === op)) return true;
    if (op === "-" && next === ">") return true;
    if (op === "/" && (next === "/" || next === "*")) return true;
    return false;
  }

  private parseUnary(): HclExpr {
    this.skipExpr();
    const ch = this.peek();
    if (ch === "!" || (ch === "-" && !/\d/.test(this.peek(1)))) {
      const line = this.line();
      this.pos++;
      return { kind: "unary", op: ch, operand: this.parseUnary(), line };
    }
    return this.parsePostfix(this.parsePrimary());
  }

  private parsePostfix(expr: HclExpr): HclExpr {
    let current = expr;
    for (;;) {
      // a traversal may not start on the next line in body context
      if (this.nesting > 0) this.skipExpr();
      const line = this.line();
      if (this.peek() === "." && this.peek(1) === "*") {
        this.pos += 2;
        current = { kind: "unsupported", what: "a splat expression (.*)", line };
      } else if (this.peek() === ".") {
        this.pos++;
        const digits = /^\d+/.exec(this.text.slice(this.pos))?.[0];
        const name = digits ?? this.readIdent();
        if (name === undefined) this.fail("expected an attribute name after .");
        if (digits) this.pos += digits.length;
        current = { kind: "getattr", target: current, name, line };
      } else if (this.peek() === "[") {
        this.pos++;
        this.nesting++;
        this.skipExpr();
        if (this.peek() === "*") {
          this.pos++;
          this.skipExpr();
          if (this.peek() !== "]") this.fail("expected ] after [*");
          this.pos++;
          this.nesting--;
          current = { kind: "unsupported", what: "a splat expression ([*])", line };
          continue;
        }
        const key = this.parseExpression();
        this.skipExpr();
        if (this.peek() !== "]") this.fail("expected ] after an index");
        this.pos++;
        this.nesting--;
        current = { kind: "index", target: current, key, line };
      } else {
        return current;
      }
    }
  }

  private parsePrimary(): HclExpr {
    this.skipExpr();
    const line = this.line();
    const ch = this.peek();
    if (ch === '"') {
      this.pos++;
      return this.parseTemplate('"', true);
    }
    if (this.startsWith("<<")) return this.parseHeredoc();
    if (/[0-9]/.test(ch) || (ch === "-" && /\d/.test(this.peek(1)))) {
      const match = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.pos));
      this.pos += match![0].length;
      return { kind: "literal", value: Number(match![0]), line };
    }
    if (ch === "(") {
      this.pos++;
      this.nesting++;
      const inner = this.parseExpression();
      this.skipExpr();
      if (this.peek() !== ")") this.fail("expected )");
      this.pos++;
      this.nesting--;
      return inner;
    }
    if (ch === "[") {
      if (this.isForExpression()) return this.skipFor("[", "]", line);
      this.pos++;
      this.nesting++;
      const items: HclExpr[] = [];
      for (;;) {
        this.skipExpr();
        if (this.peek() === "]") break;
        items.push(this.parseExpression());
        this.skipExpr();
        if (this.peek() === ",") this.pos++;
        else if (this.peek() !== "]") this.fail("expected , or ] in a list");
      }
      this.pos++;
      this.nesting--;
      return { kind: "tuple", items, line };
    }
    if (ch === "{") {
      if (this.isForExpression()) return this.skipFor("{", "}", line);
      return this.parseObject();
    }
    const name = this.readIdent();
    if (name === undefined)
      this.fail(ch === "" ? "expected an expression" : `unexpected ${JSON.stringify(ch)}`);
    if (name === "true" || name === "false") return { kind: "literal", value: name === "true", line };
    if (name === "null") return { kind: "literal", value: null, line };
    this.skip(false);
    if (this.peek() === "(") {
      this.pos++;
      this.nesting++;
      const args: HclExpr[] = [];
      let expand = false;
      for (;;) {
        this.skipExpr();
        if (this.peek() === ")") break;
        args.push(this.parseExpression());
        this.skipExpr();
        if (this.startsWith("...")) {
          this.pos += 3;
          expand = true;
          this.skipExpr();
        }
        if (this.peek() === ",") this.pos++;
        else if (this.peek() !== ")") this.fail(`expected , or ) in the arguments of ${name}()`);
      }
      this.pos++;
      this.nesting--;
      if (expand) return { kind: "unsupported", what: `expanding arguments (...) in ${name}()`, line };
      return { kind: "call", name, args, line };
    }
    return { kind: "variable", name, line };
  }

  private parseObject(): HclExpr {
    const line = this.line();
    this.pos++; // {
    this.nesting++;
    const entries: { key: HclExpr; value: HclExpr }[] = [];
    for (;;) {
      this.skipExpr();
      if (this.peek() === "}") break;
      const keyLine = this.line();
      const save = this.pos;
      // a bare identifier key is the literal name, not a variable reference
      const ident = this.readIdent();
      let key: HclExpr;
      if (ident !== undefined) {
        this.skipExpr();
        if ((this.peek() === "=" && this.peek(1) !== "=") || this.peek() === ":") {
          key = { kind: "literal", value: ident, line: keyLine };
        } else {
          this.pos = save;
          key = this.parseBinary(0);
        }
      } else {
        key = this.parseBinary(0);
      }
      this.skipExpr();
      if (!((this.peek() === "=" && this.peek(1) !== "=") || this.peek() === ":")) {
        this.fail("expected = or : after an object key");
      }
      this.pos++;
      const value = this.parseExpression();
      entries.push({ key, value });
      this.skipExpr();
      if (this.peek() === ",") this.pos++;
    }
    this.pos++; // }
    this.nesting--;
    return { kind: "object", entries, line };
  }

  private isForExpression(): boolean {
    return /^[[{]\s*for\s/.test(this.text.slice(this.pos, this.pos + 12));
  }

  /** `[for …]` / `{for …}`: skipped up to the matching bracket, evaluates to "unsupported". */
  private skipFor(open: string, close: string, line: number): HclExpr {
    let depth = 0;
    while (this.pos < this.text.length) {
      const ch = this.peek();
      if (ch === '"') {
        this.pos++;
        this.parseTemplate('"', true);
        continue;
      }
      if (ch === open) depth++;
      else if (ch === close) {
        depth--;
        if (depth === 0) {
          this.pos++;
          return { kind: "unsupported", what: "a for expression", line };
        }
      }
      this.pos++;
    }
    return this.fail(`missing ${close} after a for expression`);
  }

  private parseHeredoc(): HclExpr {
    const line = this.line();
    const match = /^<<(-?)([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n/.exec(this.text.slice(this.pos));
    if (!match) this.fail("expected a heredoc marker (<<EOT) followed by a newline");
    const [whole, dash, marker] = match;
    const bodyStart = this.pos + whole.length;
    const lines: string[] = [];
    let cursor = bodyStart;
    for (;;) {
      if (cursor >= this.text.length) this.fail(`missing the heredoc end marker ${marker}`, this.pos);
      const end = this.text.indexOf("\n", cursor);
      const lineEnd = end < 0 ? this.text.length : end;
      const raw = this.text.slice(cursor, lineEnd).replace(/\r$/, "");
      if (raw.trim() === marker) {
        this.pos = lineEnd; // the newline after the marker ends the attribute
        break;
      }
      lines.push(raw);
      cursor = lineEnd + 1;
    }
    let body = lines;
    if (dash) {
      // <<- strips the smallest common indentation (HCL's flush heredoc)
      const indents = lines.filter((l) => l.trim() !== "").map((l) => /^[ \t]*/.exec(l)![0].length);
      const strip = indents.length ? Math.min(...indents) : 0;
      body = lines.map((l) => l.slice(strip));
    }
    const text = body.map((l) => `${l}\n`).join("");
    const inner = new Parser(text, this.line(bodyStart) - 1);
    const template = inner.parseTemplate(undefined, false);
    return { ...template, line };
  }

  /**
   * A template up to `end` (a quote), or to the end of the text when `end` is undefined.
   * `escapes`: backslash escapes apply (quoted strings), not in heredocs or JSON strings.
   */
  parseTemplate(end: string | undefined, escapes: boolean): HclExpr {
    const line = this.line();
    const parts: (string | HclExpr)[] = [];
    let literal = "";
    const flush = () => {
      if (literal) parts.push(literal);
      literal = "";
    };
    for (;;) {
      if (this.pos >= this.text.length) {
        if (end !== undefined) this.fail("unterminated string", this.pos);
        break;
      }
      const ch = this.peek();
      if (end !== undefined && ch === end) {
        this.pos++;
        break;
      }
      if (end !== undefined && ch === "\n") this.fail("unterminated string (a newline in a quoted string)");
      if (escapes && ch === "\\") {
        const next = this.peek(1);
        const simple: Record<string, string> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };
        if (next in simple) {
          literal += simple[next];
          this.pos += 2;
        } else if (next === "u" || next === "U") {
          const len = next === "u" ? 4 : 8;
          const hex = this.text.slice(this.pos + 2, this.pos + 2 + len);
          if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== len) this.fail("invalid \\u escape");
          literal += String.fromCodePoint(Number.parseInt(hex, 16));
          this.pos += 2 + len;
        } else {
          this.fail(`invalid escape \\${next}`);
        }
        continue;
      }
      if (this.startsWith("$${") || this.startsWith("%%{")) {
        literal += `${ch}{`;
        this.pos += 3;
        continue;
      }
      if (this.startsWith("${")) {
        flush();
        this.pos += 2;
        this.nesting++;
        if (this.peek() === "~") this.pos++;
        const expr = this.parseExpression();
        this.skipExpr();
        if (this.peek() === "~") this.pos++;
        if (this.peek() !== "}") this.fail("expected } to close ${");
        this.pos++;
        this.nesting--;
        parts.push(expr);
        continue;
      }
      if (this.startsWith("%{")) {
        flush();
        const directiveLine = this.line();
        const close = this.text.indexOf("}", this.pos);
        if (close < 0) this.fail("unterminated %{ directive");
        this.pos = close + 1;
        parts.push({ kind: "unsupported", what: "a template directive (%{…})", line: directiveLine });
        continue;
      }
      literal += ch;
      this.pos++;
    }
    flush();
    return { kind: "template", parts, line };
  }
}
