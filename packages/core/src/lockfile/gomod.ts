/**
 * go.mod as far as plugin pins need it: the required module versions, their replacements, and
 * the `tool` directives (Go 1.24) naming the commands a module pins. Sources:
 * go.dev/ref/mod#go-mod-file (require, replace, tool; block form; `//` comments).
 */
export interface GoMod {
  /** Module path → version. */
  require: Map<string, string>;
  /** Module path (optionally "path version") → the replacement as written ("../x" or "other/mod v1.2.3"). */
  replace: Map<string, string>;
  /** Package paths of `tool` directives. */
  tools: string[];
}

/** Parses go.mod text. Lenient: lines it does not understand are skipped (go itself validates the file). */
export function parseGoMod(text: string): GoMod {
  const mod: GoMod = { require: new Map(), replace: new Map(), tools: [] };
  let block: string | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\/\/.*$/, "").trim();
    if (line === "") continue;
    if (block !== undefined) {
      if (line === ")") block = undefined;
      else directive(mod, block, line);
      continue;
    }
    const match = /^(require|replace|tool)\s*\($/.exec(line);
    if (match) {
      block = match[1];
      continue;
    }
    const single = /^(require|replace|tool)\s+(.*)$/.exec(line);
    if (single) directive(mod, single[1]!, single[2]!);
  }
  return mod;
}

function directive(mod: GoMod, kind: string, rest: string): void {
  const words = rest.split(/\s+/).map(unquote);
  if (kind === "require" && words.length >= 2) mod.require.set(words[0]!, words[1]!);
  else if (kind === "tool" && words.length >= 1) mod.tools.push(words[0]!);
  else if (kind === "replace") {
    const arrow = words.indexOf("=>");
    if (arrow > 0) mod.replace.set(words.slice(0, arrow).join(" "), words.slice(arrow + 1).join(" "));
  }
}

function unquote(word: string): string {
  return word.length >= 2 && (word.startsWith('"') || word.startsWith("`")) ? word.slice(1, -1) : word;
}

/** The blank imports of a tools.go (`import _ "google.golang.org/protobuf/cmd/protoc-gen-go"`). */
export function toolsGoImports(text: string): string[] {
  return [...text.matchAll(/_\s+"([^"]+)"/g)].map((m) => m[1]!);
}

/**
 * Well-known protoc plugin commands and the package that builds them, for repositories that pin
 * them in go.mod without a `tool` directive or tools.go.
 */
const KNOWN_GO_PLUGINS: Record<string, string> = {
  "protoc-gen-go": "google.golang.org/protobuf/cmd/protoc-gen-go",
  "protoc-gen-go-grpc": "google.golang.org/grpc/cmd/protoc-gen-go-grpc",
  "protoc-gen-connect-go": "connectrpc.com/connect/cmd/protoc-gen-connect-go",
  "protoc-gen-grpc-gateway": "github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-grpc-gateway",
  "protoc-gen-openapiv2": "github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-openapiv2",
  "protoc-gen-validate": "github.com/envoyproxy/protoc-gen-validate",
  "protoc-gen-go-vtproto": "github.com/planetscale/vtprotobuf/cmd/protoc-gen-go-vtproto",
};

/**
 * The pin of a plugin command in a go.mod: "module@version" (plus " => replacement"), found
 * through the tool directives, the tools.go imports, or the well-known table; the module is the
 * longest required module path the package lies in. Undefined when the go.mod does not pin it.
 */
export function goPluginPin(
  mod: GoMod,
  command: string,
  toolsImports: readonly string[] = [],
): string | undefined {
  const base = command.split("/").at(-1)!;
  const packages = [...mod.tools, ...toolsImports].filter(
    (p) => p.split("/").at(-1) === base || p === command,
  );
  const known = KNOWN_GO_PLUGINS[base];
  if (known) packages.push(known);
  if (command.includes(".") && command.includes("/")) packages.push(command.replace(/@.*$/, ""));
  for (const pkg of packages) {
    const module = [...mod.require.keys()]
      .filter((m) => pkg === m || pkg.startsWith(`${m}/`))
      .sort((a, b) => b.length - a.length)[0];
    if (module === undefined) continue;
    const version = mod.require.get(module)!;
    const replaced = mod.replace.get(`${module} ${version}`) ?? mod.replace.get(module);
    return `${module}@${version}${replaced !== undefined ? ` => ${replaced}` : ""}`;
  }
  return undefined;
}
