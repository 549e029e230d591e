/**
 * A strict, allocation-light reader of package.json bytes.
 *
 * `scanManifest` validates the whole document exactly as `JSON.parse` would validate its UTF-8 decoding,
 * but only materialises the few facts workspace discovery needs (the name, the dependency fields and the
 * `bin` field). Everything else is checked byte by byte and skipped: no string for a key or value it does
 * not return, no object or array for a skipped value, no recursion (nesting depth is bounded only by
 * memory, like V8's JSON.parse). `manifestFacts` is the reference: for every byte array `b`,
 * `scanManifest(b)` deep-equals `manifestFacts(JSON.parse(text))` where `text` is `b` decoded as UTF-8
 * (invalid sequences as U+FFFD, a BOM kept), and is `undefined` exactly when that JSON.parse throws or
 * does not return a plain object.
 */
import { Buffer } from "node:buffer";

export const DEPENDENCY_FIELDS = [
  "dependencies",
  "devDependencies",
  "optionalDependencies",
  "peerDependencies",
] as const;
export type DependencyField = (typeof DEPENDENCY_FIELDS)[number];

export interface ManifestFacts {
  /** data.name when it is a string, else undefined. */
  name: string | undefined;
  /** For each field of DEPENDENCY_FIELDS, in that order, whose value is truthy and typeof "object" (arrays included):
   *  Object.entries(value) with non-string values as undefined — in Object.entries order. */
  deps: { field: DependencyField; entries: [string, string | undefined][] }[];
  /** data.bin: a string → { kind: "string" }; truthy and typeof "object" → { kind: "keys", keys: Object.keys(bin) }; else undefined. */
  bin: { kind: "string" } | { kind: "keys"; keys: string[] } | undefined;
}

/** The facts of an already parsed manifest (the reference; also used for manifests parsed with JSON.parse). */
export function manifestFacts(data: Record<string, unknown>): ManifestFacts {
  const name = typeof data.name === "string" ? data.name : undefined;
  const deps: ManifestFacts["deps"] = [];
  for (const field of DEPENDENCY_FIELDS) {
    const value = data[field];
    if (value && typeof value === "object") {
      deps.push({
        field,
        entries: Object.entries(value).map(([k, v]): [string, string | undefined] => [
          k,
          typeof v === "string" ? v : undefined,
        ]),
      });
    }
  }
  const rawBin = data.bin;
  const bin: ManifestFacts["bin"] =
    typeof rawBin === "string"
      ? { kind: "string" }
      : rawBin && typeof rawBin === "object"
        ? { kind: "keys", keys: Object.keys(rawBin) }
        : undefined;
  return { name, deps, bin };
}

// ---------------------------------------------------------------------------------------------------
// Byte codes. Whitespace is only space, \t, \n, \r; any byte >= 0x80 outside a string decodes to a
// character that is not JSON punctuation, so it is an error there.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b; // `{`; `}` is LBRACE + 2
const RBRACE = 0x7d;
const LBRACKET = 0x5b; // `[`; `]` is LBRACKET + 2

/** scanString's flags: the string has a backslash escape / a byte >= 0x80. */
const ESCAPED = 1;
const HIGH = 2;

/** 1 for the characters allowed after a backslash other than `u`: " \ / b f n r t. */
const SIMPLE_ESCAPE = new Uint8Array(256);
for (const c of '"\\/bfnrt') SIMPLE_ESCAPE[c.charCodeAt(0)] = 1;
/** 1 for the bytes a string holds as they are: printable ASCII other than `"` and `\\`. */
const PLAIN = new Uint8Array(256);
for (let c = 0x20; c < 0x80; c++) PLAIN[c] = c === QUOTE || c === BACKSLASH ? 0 : 1;
/** 1 for hexadecimal digits (either case). */
const HEX = new Uint8Array(256);
for (const c of "0123456789abcdefABCDEF") HEX[c.charCodeAt(0)] = 1;

type Slice = (this: Uint8Array, start: number, end: number) => string;
const nodeSlices = Buffer.prototype as unknown as { utf8Slice?: Slice; latin1Slice?: Slice };
const textDecoder = new TextDecoder();
/** UTF-8 decoding of bytes[start, end), invalid sequences as U+FFFD (as Buffer#toString does). */
const utf8Slice: Slice =
  typeof nodeSlices.utf8Slice === "function"
    ? nodeSlices.utf8Slice
    : function (this: Uint8Array, start, end) {
        return textDecoder.decode(this.subarray(start, end));
      };
/** The same for bytes that are all ASCII (one-byte string, no UTF-8 decoding work). */
const asciiSlice: Slice = typeof nodeSlices.latin1Slice === "function" ? nodeSlices.latin1Slice : utf8Slice;

/** Set by scanString: the ESCAPED / HIGH flags of the string it just scanned. */
let stringFlags = 0;
/** scanManifest's stack of open containers (LBRACE or LBRACKET), grown on demand. */
let containers = new Uint8Array(64);
/** Up to this size, a grown stack is kept for the next document. */
const KEEP_STACK = 4096;

function skipWhitespace(b: Uint8Array, i: number, n: number): number {
  while (i < n) {
    const c = b[i]!;
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else break;
  }
  return i;
}

/**
 * Validates the string whose opening quote is at `i`; returns the index after its closing quote (or -1)
 * and leaves its flags in `stringFlags`. Bytes >= 0x80 are fine: whatever they decode to (U+FFFD
 * included) is a legal string character, and a decoder never merges an ASCII byte into a sequence,
 * so the quote and backslash positions are the same in the bytes and in the decoded text.
 */
function scanString(b: Uint8Array, i: number, n: number): number {
  let flags = 0;
  i++;
  for (;;) {
    while (i < n && PLAIN[b[i]!] === 1) i++;
    if (i >= n) return -1;
    const c = b[i]!;
    if (c === QUOTE) {
      stringFlags = flags;
      return i + 1;
    }
    if (c === BACKSLASH) {
      flags |= ESCAPED;
      if (i + 1 >= n) return -1;
      const e = b[i + 1]!;
      if (SIMPLE_ESCAPE[e] === 1) i += 2;
      else if (e === 0x75) {
        // \uXXXX: any four hex digits (a lone surrogate is fine).
        if (i + 5 >= n || (HEX[b[i + 2]!]! & HEX[b[i + 3]!]! & HEX[b[i + 4]!]! & HEX[b[i + 5]!]!) === 0) {
          return -1;
        }
        i += 6;
      } else return -1;
    } else if (c < 0x20) {
      return -1;
    } else {
      flags |= HIGH;
      i++;
    }
  }
}

function skipDigits(b: Uint8Array, i: number, n: number): number {
  while (i < n) {
    const c = b[i]!;
    if (c < 0x30 || c > 0x39) break;
    i++;
  }
  return i;
}

/** `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` at `i`; returns the index after it or -1. */
function scanNumber(b: Uint8Array, i: number, n: number): number {
  if (b[i] === 0x2d) i++;
  if (i >= n) return -1;
  const first = b[i]!;
  if (first === 0x30) i++;
  else if (first >= 0x31 && first <= 0x39) i = skipDigits(b, i + 1, n);
  else return -1;
  if (i < n && b[i] === 0x2e) {
    const end = skipDigits(b, i + 1, n);
    if (end === i + 1) return -1;
    i = end;
  }
  if (i < n && (b[i] === 0x65 || b[i] === 0x45)) {
    i++;
    if (i < n && (b[i] === 0x2b || b[i] === 0x2d)) i++;
    const end = skipDigits(b, i, n);
    if (end === i) return -1;
    i = end;
  }
  return i;
}

/** `true`, `false` or `null` at `i` (its first byte is known); returns the index after it or -1. */
function scanLiteral(b: Uint8Array, i: number, n: number, first: number): number {
  if (first === 0x74) {
    // true
    return i + 3 < n && b[i + 1] === 0x72 && b[i + 2] === 0x75 && b[i + 3] === 0x65 ? i + 4 : -1;
  }
  if (first === 0x66) {
    // false
    return i + 4 < n && b[i + 1] === 0x61 && b[i + 2] === 0x6c && b[i + 3] === 0x73 && b[i + 4] === 0x65
      ? i + 5
      : -1;
  }
  // null
  return i + 3 < n && b[i + 1] === 0x75 && b[i + 2] === 0x6c && b[i + 3] === 0x6c ? i + 4 : -1;
}

/** Set by scanKey: the index after the closing quote of the key it scanned. */
let keyEnd = 0;

/** A member's key (at `i`), whitespace and colon; returns the index of its value (after whitespace) or -1. */
function scanKey(b: Uint8Array, i: number, n: number): number {
  if (i >= n || b[i] !== QUOTE) return -1;
  i = scanString(b, i, n);
  if (i < 0) return -1;
  keyEnd = i;
  i = skipWhitespace(b, i, n);
  if (i >= n || b[i] !== COLON) return -1;
  return skipWhitespace(b, i + 1, n);
}

/** Set by skipToNext: whether it went past a comma. */
let afterComma = false;

/**
 * After a value: skips whitespace, and a comma with the whitespace after it (setting afterComma).
 * Returns the index of the next token.
 */
function skipToNext(b: Uint8Array, i: number, n: number): number {
  i = skipWhitespace(b, i, n);
  if (i < n && b[i] === COMMA) {
    afterComma = true;
    return skipWhitespace(b, i + 1, n);
  }
  afterComma = false;
  return i;
}

/** The string scanned at [start, end) (quotes included) with the given scanString flags, as JSON.parse yields it. */
function decodeString(b: Uint8Array, start: number, end: number, flags: number): string {
  if (flags === 0) return asciiSlice.call(b, start + 1, end - 1);
  if (flags === HIGH) return utf8Slice.call(b, start + 1, end - 1);
  // Escapes: let JSON.parse decode just this (already validated) string.
  return JSON.parse(utf8Slice.call(b, start, end)) as string;
}

/** Whether `s` is a canonical array index ("0" or [1-9][0-9]* up to 2**32 - 2), which objects order first. */
function isArrayIndex(s: string): boolean {
  const len = s.length;
  if (len === 0 || len > 10) return false;
  const c0 = s.charCodeAt(0);
  if (c0 === 0x30) return len === 1;
  if (c0 < 0x31 || c0 > 0x39) return false;
  for (let k = 1; k < len; k++) {
    const c = s.charCodeAt(k);
    if (c < 0x30 || c > 0x39) return false;
  }
  return len < 10 || Number(s) <= 4294967294;
}

// The dependency field or bin being read. While scanning, only the byte spans of its members are
// recorded (4 numbers a member: key start and end, quotes included, or -1 -1 for an array element;
// value start and end, or -1 -1 when the value is not a string or not wanted); when it closes, they
// are turned into strings, mostly as substrings of one slice of the whole container.
let spans = new Int32Array(64);
let spanCount = 0;
/** The scanString flags of all recorded strings, or-ed. */
let spanFlags = 0;

function recordMember(keyStart: number, keyEnd: number, valueStart: number, valueEnd: number): void {
  const at = spanCount * 4;
  if (at === spans.length) {
    const grown = new Int32Array(at * 2);
    grown.set(spans);
    spans = grown;
  }
  spans[at] = keyStart;
  spans[at + 1] = keyEnd;
  spans[at + 2] = valueStart;
  spans[at + 3] = valueEnd;
  spanCount++;
}

/** The string scanned at [start, end) whose flags were not kept. */
function decodeSpan(b: Uint8Array, start: number, end: number): string {
  let flags = 0;
  for (let k = start + 1; k < end - 1; k++) {
    const c = b[k]!;
    if (c === BACKSLASH) flags |= ESCAPED;
    else if (c >= 0x80) flags |= HIGH;
  }
  return decodeString(b, start, end, flags);
}

// The members of the container just read, in Object.keys order: its keys and (for a dependency field)
// its string values, undefined for other values.
let memberKeys: string[] = [];
let memberValues: (string | undefined)[] = [];
/** From this many keys on, duplicates are found through a Map instead of a linear search. */
const LINEAR_KEY_SEARCH = 12;

/**
 * Turns the recorded spans of the container at [start, end) into memberKeys / memberValues, with
 * JSON.parse's semantics for duplicate keys (first position, last value) and Object.keys order.
 */
function materializeMembers(b: Uint8Array, start: number, end: number, isObject: boolean): void {
  const keys: string[] = [];
  const values: (string | undefined)[] = [];
  memberKeys = keys;
  memberValues = values;
  const count = spanCount;
  if (count === 0) return;
  // No escape and no byte >= 0x80 in any recorded string: one slice, and substrings of it.
  const text = spanFlags === 0 ? asciiSlice.call(b, start, end) : undefined;
  let lookup: Map<string, number> | undefined;
  let indexKey = false;
  for (let m = 0; m < count; m++) {
    const keyStart = spans[m * 4]!;
    const valueStart = spans[m * 4 + 2]!;
    let value: string | undefined;
    if (valueStart >= 0) {
      const valueEnd = spans[m * 4 + 3]!;
      value =
        text !== undefined
          ? text.substring(valueStart + 1 - start, valueEnd - 1 - start)
          : decodeSpan(b, valueStart, valueEnd);
    }
    if (!isObject) {
      keys.push(`${m}`);
      values.push(value);
      continue;
    }
    const keyEnd = spans[m * 4 + 1]!;
    const key =
      text !== undefined
        ? text.substring(keyStart + 1 - start, keyEnd - 1 - start)
        : decodeSpan(b, keyStart, keyEnd);
    let at = -1;
    if (lookup !== undefined) {
      at = lookup.get(key) ?? -1;
    } else {
      for (let k = 0; k < keys.length; k++) {
        if (keys[k] === key) {
          at = k;
          break;
        }
      }
      if (at < 0 && keys.length + 1 >= LINEAR_KEY_SEARCH) {
        lookup = new Map();
        for (let k = 0; k < keys.length; k++) lookup.set(keys[k]!, k);
      }
    }
    if (at >= 0) {
      values[at] = value;
      continue;
    }
    lookup?.set(key, keys.length);
    keys.push(key);
    values.push(value);
    if (!indexKey) {
      const c0 = key.charCodeAt(0);
      if (c0 >= 0x30 && c0 <= 0x39) indexKey = isArrayIndex(key);
    }
  }
  if (indexKey) {
    // Object key order: array indices ascending, then the other keys in insertion order.
    const indices: number[] = [];
    const others: number[] = [];
    for (let k = 0; k < keys.length; k++) (isArrayIndex(keys[k]!) ? indices : others).push(k);
    indices.sort((x, y) => Number(keys[x]) - Number(keys[y]));
    const order = indices.concat(others);
    memberKeys = order.map((k) => keys[k]!);
    memberValues = order.map((k) => values[k]);
  }
}

/** Top-level keys that matter: indices into DEPENDENCY_FIELDS, then these. */
const KEY_NAME = 4;
const KEY_BIN = 5;
const KEY_OTHER = -1;
const WANTED_KEYS: readonly string[] = [...DEPENDENCY_FIELDS, "name", "bin"];
const WANTED_BYTES = WANTED_KEYS.map((k) => Uint8Array.from(k, (c) => c.charCodeAt(0)));

/** Which wanted key (if any) the top-level key scanned at [start, end) is, compared on bytes when it has no escape. */
function topLevelKey(b: Uint8Array, start: number, end: number, flags: number): number {
  if (flags === 0) {
    const len = end - start - 2;
    for (let w = 0; w < WANTED_BYTES.length; w++) {
      const word = WANTED_BYTES[w]!;
      if (word.length !== len) continue;
      let k = 0;
      while (k < len && b[start + 1 + k] === word[k]) k++;
      if (k === len) return w;
    }
    return KEY_OTHER;
  }
  // A byte >= 0x80 never decodes to ASCII; escaped keys (rare) are decoded and compared.
  if (flags === HIGH) return KEY_OTHER;
  return WANTED_KEYS.indexOf(decodeString(b, start, end, flags));
}

/**
 * Validates the value at `i` (whitespace already skipped) without materialising anything; returns the
 * index after it or -1. Nesting is tracked on an explicit stack, not by recursion.
 */
function skipValue(b: Uint8Array, i: number, n: number): number {
  let stack = containers;
  let depth = 0;
  for (;;) {
    // A value starts at i.
    const c = i < n ? b[i]! : 0;
    if (c === QUOTE) {
      i = scanString(b, i, n);
    } else if (c === LBRACE || c === LBRACKET) {
      i = skipWhitespace(b, i + 1, n);
      if (i < n && b[i] === c + 2) {
        i++; // an empty container
      } else {
        if (depth === stack.length) {
          const grown = new Uint8Array(depth * 2);
          grown.set(stack);
          stack = grown;
          if (depth < KEEP_STACK) containers = grown; // keep it for the next document unless huge
        }
        stack[depth++] = c;
        if (c === LBRACE) {
          i = scanKey(b, i, n);
          if (i < 0) return -1;
        }
        continue;
      }
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      i = scanNumber(b, i, n);
    } else if (c === 0x74 || c === 0x66 || c === 0x6e) {
      i = scanLiteral(b, i, n, c);
    } else {
      return -1;
    }
    if (i < 0) return -1;
    // A value ended at i: close containers until one continues with a comma.
    for (;;) {
      if (depth === 0) return i;
      i = skipToNext(b, i, n);
      const open = stack[depth - 1]!;
      if (afterComma) {
        if (open === LBRACE) {
          i = scanKey(b, i, n);
          if (i < 0) return -1;
        }
        break;
      }
      if (i >= n || b[i] !== open + 2) return -1;
      i++;
      depth--;
    }
  }
}

/**
 * Reads the object or array at `i` (a dependency field or bin; its opening bracket is known) into
 * memberKeys / memberValues (values only when `withValues`). Returns the index after it or -1.
 */
function readMembers(b: Uint8Array, i: number, n: number, withValues: boolean): number {
  const start = i;
  const close = b[i]! + 2;
  const isObject = close === RBRACE;
  spanCount = 0;
  spanFlags = 0;
  i = skipWhitespace(b, i + 1, n);
  if (i >= n || b[i] !== close) {
    for (;;) {
      let keyStart = -1;
      let keyStop = -1;
      if (isObject) {
        keyStart = i;
        i = scanKey(b, i, n);
        if (i < 0) return -1;
        keyStop = keyEnd;
        spanFlags |= stringFlags;
      }
      if (withValues && i < n && b[i] === QUOTE) {
        const valueStart = i;
        i = scanString(b, i, n);
        if (i < 0) return -1;
        spanFlags |= stringFlags;
        recordMember(keyStart, keyStop, valueStart, i);
      } else {
        i = skipValue(b, i, n);
        if (i < 0) return -1;
        recordMember(keyStart, keyStop, -1, -1);
      }
      i = skipToNext(b, i, n);
      if (!afterComma) break;
    }
    if (i >= n || b[i] !== close) return -1;
  }
  materializeMembers(b, start, i, isObject);
  return i + 1;
}

/**
 * The facts of a package.json given as UTF-8 bytes, or undefined when JSON.parse would throw on
 * the decoded text or would return something that is not a plain object (an array, null, a number...).
 * The caller then runs JSON.parse itself to produce the error message.
 */
export function scanManifest(bytes: Uint8Array): ManifestFacts | undefined {
  const b = bytes;
  const n = b.length;
  let i = skipWhitespace(b, 0, n);
  if (i >= n || b[i] !== LBRACE) return undefined;
  let name: string | undefined;
  let bin: ManifestFacts["bin"];
  const fields: ([string, string | undefined][] | undefined)[] = [undefined, undefined, undefined, undefined];
  i = skipWhitespace(b, i + 1, n);
  if (i >= n || b[i] !== RBRACE) {
    for (;;) {
      const keyStart = i;
      i = scanKey(b, i, n);
      if (i < 0) return undefined;
      const which = topLevelKey(b, keyStart, keyEnd, stringFlags);
      if (which === KEY_OTHER) {
        i = skipValue(b, i, n);
      } else {
        const c = i < n ? b[i]! : 0;
        if (c === QUOTE) {
          const valueStart = i;
          i = scanString(b, i, n);
          if (i < 0) return undefined;
          if (which === KEY_NAME) name = decodeString(b, valueStart, i, stringFlags);
          else if (which === KEY_BIN) bin = { kind: "string" };
          else fields[which] = undefined; // a string is not an object
        } else if ((c === LBRACE || c === LBRACKET) && which !== KEY_NAME) {
          // A dependency field or bin holding an object or an array (truthy, typeof "object").
          i = readMembers(b, i, n, which !== KEY_BIN);
          if (i < 0) return undefined;
          if (which === KEY_BIN) bin = { kind: "keys", keys: memberKeys };
          else {
            const keys = memberKeys;
            const values = memberValues;
            const entries: [string, string | undefined][] = new Array(keys.length);
            for (let k = 0; k < keys.length; k++) entries[k] = [keys[k]!, values[k]];
            fields[which] = entries;
          }
        } else {
          // null, false, 0, true, a number, or an object / array as the name.
          i = skipValue(b, i, n);
          if (which === KEY_NAME) name = undefined;
          else if (which === KEY_BIN) bin = undefined;
          else fields[which] = undefined;
        }
      }
      if (i < 0) return undefined;
      i = skipToNext(b, i, n);
      if (!afterComma) break;
    }
    if (i >= n || b[i] !== RBRACE) return undefined;
  }
  if (skipWhitespace(b, i + 1, n) !== n) return undefined;
  const deps: ManifestFacts["deps"] = [];
  for (let f = 0; f < DEPENDENCY_FIELDS.length; f++) {
    const entries = fields[f];
    if (entries !== undefined) deps.push({ field: DEPENDENCY_FIELDS[f]!, entries });
  }
  return { name, deps, bin };
}
