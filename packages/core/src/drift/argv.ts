import { ShipgraphError } from "../errors.js";

/**
 * Splits a `run` command into argv like a POSIX shell would split words — quotes and
 * backslashes — but with no expansion at all: no variables, globs, pipes or redirections.
 * Shell operators outside quotes are an error: they would not mean what they look like.
 */
export function splitCommand(command: string, where: string): string[] {
  const args: string[] = [];
  let current = "";
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < command.length; i++) {
    const ch = command[i]!;
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else current += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = undefined;
      else if (ch === "\\" && i + 1 < command.length && '"\\$`'.includes(command[i + 1]!))
        current += command[++i];
      else current += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === "\\" && i + 1 < command.length) {
      current += command[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) args.push(current);
      current = "";
      inWord = false;
    } else if ("|&;<>()`".includes(ch) || (ch === "$" && command[i + 1] === "(")) {
      throw new ShipgraphError("CONFIG_INVALID", `${where}: "${command}" uses the shell operator "${ch}"`, {
        key: where,
        hint: "shipgraph runs the command without a shell; put the steps in a script and run that, or give `run` as a list",
      });
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (quote) {
    throw new ShipgraphError("CONFIG_INVALID", `${where}: unterminated ${quote} quote in "${command}"`, {
      key: where,
    });
  }
  if (inWord) args.push(current);
  if (args.length === 0)
    throw new ShipgraphError("CONFIG_INVALID", `${where}: the command is empty`, { key: where });
  return args;
}

/**
 * A word as a command line names it: as it is when it holds nothing a shell (or splitCommand)
 * reads specially, else in single quotes, a ' inside written '\''. POSIX sh reads it back as the
 * same word, and so does splitCommand, which runs `run` without a shell: a default command
 * composed with it (`buf generate --template 'my templates/buf.gen.yaml'`) passes the path as
 * one word, and a user can paste it into a shell.
 */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}
