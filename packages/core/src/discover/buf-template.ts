import { parseYamlText } from "../config/parse.js";
import { ShipgraphError } from "../errors.js";
import { normalizeRepoPath } from "../util/paths.js";

/**
 * The `out` directories of a buf generation template (v1 or v2). They are relative to the
 * directory buf runs in — the repository root — not to the template's own location.
 */
export function templateOutDirs(text: string, file: string): string[] {
  const parsed = parseYamlText(text, file);
  const data = parsed.data as { version?: unknown; plugins?: unknown } | null;
  const plugins = data?.plugins;
  if (!Array.isArray(plugins) || plugins.length === 0) {
    throw new ShipgraphError(
      "TEMPLATE_INVALID",
      `${file}: no plugins: a buf generation template needs a "plugins" list`,
      {
        file,
        key: "plugins",
        hint: "add plugins, or set the generator's `outputs` in shipgraph.yaml",
      },
    );
  }
  const dirs: string[] = [];
  plugins.forEach((plugin, index) => {
    const out = (plugin as { out?: unknown } | null)?.out;
    if (typeof out !== "string" || out === "") {
      const line = parsed.lineOf(["plugins", index]);
      throw new ShipgraphError(
        "TEMPLATE_INVALID",
        `${file}${line ? `:${line}` : ""}: plugins[${index}] has no "out"`,
        {
          file,
          key: `plugins[${index}].out`,
          ...(line ? { line } : {}),
          hint: "every plugin needs an out directory",
        },
      );
    }
    dirs.push(normalizeRepoPath(out));
  });
  return [...new Set(dirs)];
}
