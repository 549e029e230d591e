import { isUnder } from "../util/paths.js";
import { plainText } from "./yaml.js";

/**
 * buf.yaml's `lint` and `breaking` sections configure `buf lint` and `buf breaking`; `buf generate`
 * does not apply them, but it does decode them: buf reads buf.yaml strictly, so an unknown key
 * (`usee`, a v2-only key in a v1 file), a value of the wrong type (`use: STANDARD`, `lint: []`,
 * a boolean written `1`, `maybe` or quoted, `"true"`) or an ignore path that is absolute or climbs out of its module
 * (`../x`) makes `buf generate` fail (checked with buf 1.75). Setting the sections aside is
 * therefore sound only where buf surely accepts them: otherwise an edit there can turn a working
 * generation into a failing one, or back.
 * Sources: bufbuild/buf private/bufpkg/bufconfig/buf_yaml_file.go (externalBufYAMLFileLintV1Beta1V1,
 * externalBufYAMLFileLintV2, externalBufYAMLFileBreakingV1Beta1V1V2; v2 check paths must reside
 * within their module's directory).
 */

/**
 * The scalar keys each section has had since buf.yaml v2 was introduced (buf 1.32), besides the
 * lists `use`, `except`, `ignore` and `ignore_only`; a newer key (`disable_builtin`) counts as
 * unsure: an older buf rejects it.
 */
const STRING_KEYS = ["enum_zero_value_suffix", "service_suffix"];
const LINT_BOOLEANS = [
  "rpc_allow_same_request_response",
  "rpc_allow_google_protobuf_empty_requests",
  "rpc_allow_google_protobuf_empty_responses",
];
const SECTIONS = {
  lint: {
    v1: { strings: STRING_KEYS, booleans: [...LINT_BOOLEANS, "allow_comment_ignores"] },
    v2: { strings: STRING_KEYS, booleans: [...LINT_BOOLEANS, "disallow_comment_ignores"] },
  },
  breaking: {
    v1: { strings: [] as string[], booleans: ["ignore_unstable_packages"] },
    v2: { strings: [] as string[], booleans: ["ignore_unstable_packages"] },
  },
} as const;

/**
 * A buf.yaml as bufYaml reads it (every scalar a string, a plain one that may be no string
 * marked) without its `lint` and
 * `breaking` sections, top-level and per module, when buf surely decodes them; undefined when it
 * may not (then the sections are part of what generation reads: their edit counts). Pure.
 */
export function withoutCheckSections(data: Record<string, unknown>): Record<string, unknown> | undefined {
  const version = data.version ?? "v1beta1";
  if (version !== "v1" && version !== "v1beta1" && version !== "v2") return undefined;
  if (version !== "v2") {
    return sectionsValid(data, "v1", () => true) ? without(data, ["lint", "breaking"]) : undefined;
  }
  // v2: every ignore path lies within its module's directory (a top-level one within some module's)
  const entries = data.modules ?? [{ path: "." }];
  if (!Array.isArray(entries)) return undefined;
  const dirs: string[] = [];
  for (const entry of entries) {
    if (!isRecord(entry)) return undefined;
    const dir = entry.path === undefined ? "." : pathText(entry.path);
    if (dir === undefined || !(dir === "." || cleanPath(dir))) return undefined;
    dirs.push(dir === "." ? "" : dir);
  }
  if (!sectionsValid(data, "v2", (path) => dirs.some((dir) => isUnder(path, dir)))) return undefined;
  const modules = (entries as Record<string, unknown>[]).map((entry, i) =>
    sectionsValid(entry, "v2", (path) => isUnder(path, dirs[i]!))
      ? without(entry, ["lint", "breaking"])
      : undefined,
  );
  if (modules.some((m) => m === undefined)) return undefined;
  const rest = without(data, ["lint", "breaking"]);
  return data.modules === undefined ? rest : { ...rest, modules };
}

/** Whether both check sections of `holder` (absent, empty or well-formed) are sure to decode. Pure. */
function sectionsValid(
  holder: Record<string, unknown>,
  version: "v1" | "v2",
  inModule: (path: string) => boolean,
): boolean {
  return (["lint", "breaking"] as const).every((name) => {
    const section = holder[name];
    if (section === undefined || section === null) return true;
    if (!isRecord(section)) return false;
    const { strings, booleans } = SECTIONS[name][version];
    const path = (p: unknown) => {
      const text = pathText(p);
      return text !== undefined && cleanPath(text) && inModule(text);
    };
    return Object.entries(section).every(([key, value]) => {
      if (value === null) return true;
      if (key === "use" || key === "except") return stringsList(value);
      if (key === "ignore") return Array.isArray(value) && value.every(path);
      if (key === "ignore_only") {
        return (
          isRecord(value) &&
          Object.values(value).every((paths) => paths === null || (Array.isArray(paths) && paths.every(path)))
        );
      }
      if ((strings as readonly string[]).includes(key)) return typeof value === "string";
      // a boolean written plain: `"true"` is a string buf does not decode into a bool
      if ((booleans as readonly string[]).includes(key)) {
        return plainText(value) === "true" || plainText(value) === "false";
      }
      return false;
    });
  });
}

/** A relative path buf normalizes to itself: no leading "/", no empty, "." or ".." segment. Pure. */
function cleanPath(path: string): boolean {
  return path.split("/").every((segment) => segment !== "" && segment !== "." && segment !== "..");
}

/**
 * The path a scalar gives buf: its text, a plain one's included (`2024` is the directory 2024),
 * but not a plain null (`~`: buf reads an empty path). Pure.
 */
function pathText(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const plain = plainText(value);
  if (plain === undefined) return value;
  return /^(?:~|null|Null|NULL)$/.test(plain) ? undefined : plain;
}

function stringsList(value: unknown): boolean {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** A shallow copy of `record` without `keys`. Pure. */
function without(record: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const rest = { ...record };
  for (const key of keys) delete rest[key];
  return rest;
}
