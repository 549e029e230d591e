import { describe, expect, it } from "vitest";
import { lexWord } from "./lex.js";

describe("lexWord reads a word as BuildKit's shell lexer does", () => {
  const vars = new Map<string, string | undefined>([
    ["A", "a"],
    ["EMPTY", ""],
    ["SPACED", "my lib"],
    ["DECLARED", undefined],
  ]);

  it.each([
    { name: "double quotes are removed, and expand inside", word: '"${A}/app.sh"', value: "a/app.sh" },
    { name: "single quotes are removed, and nothing expands inside", word: "'$A/${A}'", value: "$A/${A}" },
    { name: "quotes anywhere in the word", word: "svc/\"my dir\"/'x'.sh", value: "svc/my dir/x.sh" },
    { name: "a quoted glob stays a glob", word: '"svc/*.sh"', value: "svc/*.sh" },
    { name: "an escaped $ is literal", word: "\\$HOME", value: "$HOME" },
    { name: "an escape makes the next character literal", word: "a\\ b\\'c", value: "a b'c" },
    {
      name: 'inside double quotes, only ", $ and the escape are escaped',
      word: '"a\\"b\\$A\\\\\\n"',
      value: 'a"b$A\\\\n',
    },
    { name: "an escape at the end is dropped", word: "a\\", value: "a" },
    { name: "braced and bare variables", word: "${A}/$A-x/$", value: "a/a-x/$" },
    { name: "${X:-word} expands $ references in word", word: "${NOPE:-$A/b}", value: "a/b" },
    { name: "${X:-word} with a quoted word", word: '${NOPE:-"x y"}', value: "x y" },
    { name: "${X:-word} nested", word: "${NOPE:-${ALSO:-${A}}}", value: "a" },
    { name: "${X:-word} of a set variable ignores the word", word: "${A:-$UNKNOWN}", value: "a" },
    { name: "${X:+word} of a set variable is the word, expanded", word: "${A:+$SPACED}", value: "my lib" },
    {
      name: "${X:+word} of an unset variable is empty, whatever the word",
      word: "x${NOPE:+$UNKNOWN}",
      value: "x",
    },
    { name: ":- counts an empty value as unset; - does not", word: "${EMPTY:-e}|${EMPTY-e}", value: "e|" },
    { name: ":+ counts an empty value as unset; + does not", word: "${EMPTY:+p}|${EMPTY+p}", value: "|p" },
    { name: "a variable declared without a value takes the default", word: "${DECLARED:-d}", value: "d" },
    { name: "${X:?msg} of a set variable", word: "${A:?required}", value: "a" },
    { name: "an escaped } inside a default", word: "${NOPE:-a\\}b}", value: "a}b" },
    { name: "the backtick as escape character", word: "c:\\dir\\`$A", escapeChar: "`", value: "c:\\dir\\$A" },
  ])("$name", ({ word, value, escapeChar }) => {
    expect(lexWord(word, vars, escapeChar)).toEqual({ value });
  });

  it.each([
    { word: "${UNKNOWN}/x", missing: "UNKNOWN" },
    { word: "$DECLARED", missing: "DECLARED" },
    { word: '"$UNKNOWN"', missing: "UNKNOWN" },
    { word: "${NOPE:-$UNKNOWN}", missing: "UNKNOWN" },
    { word: "${A:+${UNKNOWN}}", missing: "UNKNOWN" },
    { word: "${DECLARED:?must be set}", missing: "DECLARED" },
    // patterns this lexer does not evaluate
    { word: "${A%/}", missing: "A" },
    { word: "${A#a}", missing: "A" },
    { word: "${A//a/b}", missing: "A" },
  ])("$word has no static value: $missing is missing", ({ word, missing }) => {
    expect(lexWord(word, vars)).toEqual({ missing });
  });

  it.each([
    { word: '"svc/app.sh', error: 'no closing "' },
    { word: "'svc", error: "no closing '" },
    { word: "${A", error: "no closing }" },
    { word: "${NOPE:-x", error: "no closing }" },
    { word: "${}", error: "bad substitution" },
    { word: "${A:=x}", error: "unsupported modifier (:=)" },
  ])("$word is an error the lexer reports ($error)", ({ word, error }) => {
    expect(lexWord(word, vars)).toEqual({ error });
  });
});
