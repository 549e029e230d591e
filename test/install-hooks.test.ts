import { describe, expect, it } from "vitest";
import { affectedAfterChange } from "./helpers/affected.js";

/**
 * Package-manager hooks and extensions that give a package dependencies no manifest shows. The
 * workspace: a installs vendor/ext (a local directory, as an external package), b, c and d have no
 * dependencies. What is "installed" is what the real package managers did (pnpm 9.15, pnpm 10.34,
 * pnpm 12.21, yarn 4.18, each run on this layout): a hook or extension giving ext and c the
 * workspace package b links b into c's node_modules and into ext's (so a reads it), never d's.
 */
const WORKSPACE = {
  "package.json": JSON.stringify({ name: "root", private: true }),
  "pnpm-workspace.yaml": "packages:\n  - packages/*\n",
  "packages/a/package.json": JSON.stringify({
    name: "a",
    version: "1.0.0",
    dependencies: { ext: "file:../../vendor/ext" },
  }),
  "packages/b/package.json": JSON.stringify({ name: "b", version: "1.0.0" }),
  "packages/b/index.js": "1\n",
  "packages/c/package.json": JSON.stringify({ name: "c", version: "1.0.0" }),
  "packages/d/package.json": JSON.stringify({ name: "d", version: "1.0.0" }),
  "vendor/ext/package.json": JSON.stringify({ name: "ext", version: "1.0.0" }),
  "shipgraph.yaml": "unowned: ignore\n",
};

/** pnpm-lock.yaml as pnpm 9 writes it when ext and c are given b (`b: link:packages/b` in ext's snapshot). */
const LINKED = (checksum: string) =>
  `lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

${checksum}

importers:

  .: {}

  packages/a:
    dependencies:
      ext:
        specifier: file:../../vendor/ext
        version: file:vendor/ext

  packages/b: {}

  packages/c:
    dependencies:
      b:
        specifier: workspace:*
        version: link:../b

  packages/d: {}

packages:

  ext@file:vendor/ext:
    resolution: {directory: vendor/ext, type: directory}

snapshots:

  ext@file:vendor/ext:
    dependencies:
      b: link:packages/b
`;
const HOOKED = LINKED("pnpmfileChecksum: 4mypugr6uxiwmkveenbnetmy3i");
const EXTENDED = LINKED("packageExtensionsChecksum: 474e3b64fa1c7bd17c2021f5ef07add9");

const CJS_HOOK =
  "module.exports = { hooks: { readPackage(p) { if (p.name === 'ext' || p.name === 'c') p.dependencies = { ...p.dependencies, b: 'workspace:*' }; return p; } } };\n";
const MJS_HOOK =
  "export const hooks = { readPackage(p) { if (p.name === 'ext' || p.name === 'c') p.dependencies = { ...p.dependencies, b: 'workspace:*' }; return p; } };\n";

interface Report {
  affected: { package: string[] };
  warnings: string[];
}

describe("pnpm hooks", () => {
  it("a readPackage hook giving an external package a workspace package: who installs it depends on it (pnpm-lock.yaml's snapshots)", async () => {
    const report = await affectedAfterChange<Report>(
      { ...WORKSPACE, ".pnpmfile.cjs": CJS_HOOK, "pnpm-lock.yaml": HOOKED },
      (repo) => repo.append("packages/b/index.js", "2\n"),
    );
    expect(report.affected.package).toEqual(["a", "b", "c"]);
    expect(report.warnings).toEqual([]);
  });

  // Each place pnpm loads hooks from: pnpm 11+'s .pnpmfile.mjs, the `pnpmfile` setting (.npmrc,
  // pnpm-workspace.yaml), `global-pnpmfile` (resolved from the root too), a config dependency's
  // plugin pnpmfile (pnpm 10+, loaded from node_modules/.pnpm-config)
  const sources: [string, Record<string, string>, string | undefined][] = [
    [".pnpmfile.mjs", { ".pnpmfile.mjs": MJS_HOOK }, ".pnpmfile.mjs"],
    [
      ".npmrc pnpmfile",
      { ".npmrc": "pnpmfile=config/hooks.cjs\n", "config/hooks.cjs": CJS_HOOK },
      "config/hooks.cjs",
    ],
    [
      "pnpm-workspace.yaml pnpmfile",
      {
        "pnpm-workspace.yaml": "packages:\n  - packages/*\npnpmfile: config/hooks.cjs\n",
        "config/hooks.cjs": CJS_HOOK,
      },
      "config/hooks.cjs",
    ],
    [
      ".npmrc global-pnpmfile",
      { ".npmrc": "global-pnpmfile=config/global.cjs\n", "config/global.cjs": CJS_HOOK },
      "config/global.cjs",
    ],
    [
      "configDependencies",
      {
        "pnpm-workspace.yaml":
          "packages:\n  - packages/*\nconfigDependencies:\n  pnpm-plugin-links: 1.0.0+sha512-AAAA\n",
      },
      undefined,
    ],
  ];

  it.each(sources)("%s: the links pnpm-lock.yaml records count", async (_, files) => {
    const report = await affectedAfterChange<Report>(
      { ...WORKSPACE, ...files, "pnpm-lock.yaml": HOOKED },
      (repo) => repo.append("packages/b/index.js", "2\n"),
    );
    expect(report.affected.package).toEqual(["a", "b", "c"]);
  });

  it.each(sources)(
    "%s: without pnpm-lock.yaml every file counts for every package, with a warning",
    async (_, files) => {
      const report = await affectedAfterChange<Report>({ ...WORKSPACE, ...files }, (repo) =>
        repo.append("packages/b/index.js", "2\n"),
      );
      expect(report.affected.package).toEqual(["a", "b", "c", "d"]);
      expect(report.warnings).toEqual([expect.stringMatching(/pnpm runs hooks from there/)]);
    },
  );

  it.each(sources.filter(([, , file]) => file !== undefined))(
    "%s: a change to the hook file affects every package, as a root manifest's",
    async (_, files, file) => {
      const report = await affectedAfterChange<Report>(
        { ...WORKSPACE, ...files, "pnpm-lock.yaml": HOOKED },
        (repo) => repo.append(file!, "// changed\n"),
      );
      expect(report.affected.package).toEqual(["a", "b", "c", "d"]);
    },
  );

  it("a hook giving packages a local directory that is no workspace package: its files count for who installs it", async () => {
    // pnpm 9.15 with this hook: c installs vendor/other (file:, from c's directory), and so does a
    // through ext (from ext's); `--frozen-lockfile` copies the directory's files as they are then
    const hook =
      "module.exports = { hooks: { readPackage(p) { if (p.name === 'c') p.dependencies = { ...p.dependencies, other: 'file:../../vendor/other' }; if (p.name === 'ext') p.dependencies = { ...p.dependencies, other: 'file:../other' }; return p; } } };\n";
    const lockfile = `lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

pnpmfileChecksum: urmpfu7zng6t7x5ldfqtla2wbm

importers:

  .: {}

  packages/a:
    dependencies:
      ext:
        specifier: file:../../vendor/ext
        version: file:vendor/ext

  packages/b: {}

  packages/c:
    dependencies:
      other:
        specifier: file:../../vendor/other
        version: file:vendor/other

  packages/d: {}

packages:

  ext@file:vendor/ext:
    resolution: {directory: vendor/ext, type: directory}

  other@file:vendor/other:
    resolution: {directory: vendor/other, type: directory}

snapshots:

  ext@file:vendor/ext:
    dependencies:
      other: file:vendor/other

  other@file:vendor/other: {}
`;
    const report = await affectedAfterChange<Report>(
      {
        ...WORKSPACE,
        ".pnpmfile.cjs": hook,
        "pnpm-lock.yaml": lockfile,
        "vendor/other/package.json": JSON.stringify({ name: "other", version: "1.0.0" }),
        "vendor/other/index.js": "1\n",
      },
      (repo) => repo.append("vendor/other/index.js", "2\n"),
    );
    expect(report.affected.package).toEqual(["a", "c"]);
  });

  it("with exclude-links-from-lockfile, what a hook links from outside the workspace is not recorded: every file counts, with a warning", async () => {
    // pnpm 9.15: c's l (link:../../vendor/l) is linked but absent from its importer
    const report = await affectedAfterChange<Report>(
      {
        ...WORKSPACE,
        ".npmrc": "exclude-links-from-lockfile=true\n",
        ".pnpmfile.cjs":
          "module.exports = { hooks: { readPackage(p) { if (p.name === 'ext' || p.name === 'c') p.dependencies = { ...p.dependencies, b: 'workspace:*', l: 'link:../../vendor/l' }; return p; } } };\n",
        "vendor/l/package.json": JSON.stringify({ name: "l" }),
        "vendor/l/index.js": "1\n",
        "pnpm-lock.yaml": `lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: true

pnpmfileChecksum: t6npphhqo7jpkeerqdf3snildq

importers:

  .: {}

  packages/a:
    dependencies:
      ext:
        specifier: file:../../vendor/ext
        version: file:vendor/ext

  packages/b: {}

  packages/c:
    dependencies:
      b:
        specifier: workspace:*
        version: link:../b

packages:

  ext@file:vendor/ext:
    resolution: {directory: vendor/ext, type: directory}

snapshots:

  ext@file:vendor/ext:
    dependencies:
      b: link:packages/b
      l: link:../../vendor/l
`,
      },
      (repo) => repo.append("vendor/l/index.js", "2\n"),
    );
    expect(report.affected.package).toContain("c");
    expect(report.warnings).toEqual([expect.stringMatching(/excludeLinksFromLockfile: true/)]);
  });

  it("a lockfile-only change in what a hook links (a file the hook reads changed) affects who installs it", async () => {
    // pnpm 9: the hook reads tools/pnpm-links.json; `pnpm install` after {"ext":"c"} → {"ext":"b"}
    // rewrites only ext's snapshot, and `--frozen-lockfile` accepts it (the pnpmfile is unchanged)
    const report = await affectedAfterChange<Report>(
      {
        ...WORKSPACE,
        ".pnpmfile.cjs":
          "const links = require('./tools/pnpm-links.json'); module.exports = { hooks: { readPackage(p) { if (links[p.name]) p.dependencies = { ...p.dependencies, [links[p.name]]: 'workspace:*' }; return p; } } };\n",
        "tools/pnpm-links.json": '{"ext":"c"}\n',
        "pnpm-lock.yaml": HOOKED.replace("      b: link:packages/b\n", "      c: link:packages/c\n").replace(
          /packages\/c:\n(?: {4}.*\n)+/,
          "packages/c: {}\n",
        ),
      },
      (repo) =>
        repo.write({
          "tools/pnpm-links.json": '{"ext":"b"}\n',
          "pnpm-lock.yaml": HOOKED.replace(/packages\/c:\n(?: {4}.*\n)+/, "packages/c: {}\n"),
        }),
    );
    expect(report.affected.package).toEqual(["a"]);
  });

  it("pnpm 11+: a change in pnpm-lock.yaml's env document (config dependencies, pnpm itself) affects every package", async () => {
    // as pnpm 12 writes it after `pnpm add --config @pnpm/plugin-better-defaults`
    const env = (version: string, integrity: string) =>
      `---\nlockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    configDependencies:\n      '@pnpm/plugin-better-defaults':\n        specifier: ^0.2.1\n        version: ${version}\n\npackages:\n\n  '@pnpm/plugin-better-defaults@${version}':\n    resolution: {integrity: ${integrity}}\n\nsnapshots:\n\n  '@pnpm/plugin-better-defaults@${version}': {}\n\n---\n`;
    const report = await affectedAfterChange<Report & { notes: string[] }>(
      {
        ...WORKSPACE,
        "pnpm-workspace.yaml":
          "packages:\n  - packages/*\nconfigDependencies:\n  '@pnpm/plugin-better-defaults': ^0.2.1\n",
        "pnpm-lock.yaml": env("0.2.1", "sha512-AAAA") + HOOKED,
      },
      (repo) => repo.write({ "pnpm-lock.yaml": env("0.2.2", "sha512-BBBB") + HOOKED }),
    );
    expect(report.affected.package).toEqual(["a", "b", "c", "d"]);
    expect(report.notes.join("\n")).toContain("env document changed");
  });
});

describe("packageExtensions", () => {
  const PNPM = [
    [
      "package.json pnpm.packageExtensions",
      {
        "package.json": JSON.stringify({
          name: "root",
          private: true,
          pnpm: {
            packageExtensions: {
              ext: { dependencies: { b: "workspace:*" } },
              c: { dependencies: { b: "workspace:*" } },
            },
          },
        }),
      },
    ],
    [
      "pnpm-workspace.yaml packageExtensions",
      {
        "pnpm-workspace.yaml":
          "packages:\n  - packages/*\npackageExtensions:\n  ext:\n    dependencies:\n      b: workspace:*\n  c:\n    dependencies:\n      b: workspace:*\n",
      },
    ],
  ] as const;

  it.each(PNPM)(
    "%s: what pnpm-lock.yaml links counts, and without it what the extensions say",
    async (_, files) => {
      for (const lockfile of [EXTENDED, undefined]) {
        const report = await affectedAfterChange<Report>(
          { ...WORKSPACE, ...files, ...(lockfile ? { "pnpm-lock.yaml": lockfile } : {}) },
          (repo) => repo.append("packages/b/index.js", "2\n"),
        );
        // c is extended; a installs ext (extended); d installs nothing outside the workspace
        expect(report.affected.package, String(lockfile !== undefined)).toEqual(["a", "b", "c"]);
      }
    },
  );

  // Local paths in an extension resolve from the extended package's directory, as its own
  // dependencies do (pnpm 9.15 and yarn 4.18: c's from packages/c, ext's from vendor/ext)
  const LOCAL_PATHS = {
    ...WORKSPACE,
    "vendor/other/package.json": JSON.stringify({ name: "other", version: "1.0.0" }),
    "vendor/other/index.js": "1\n",
    "vendor/other2/package.json": JSON.stringify({ name: "other2", version: "1.0.0" }),
    "vendor/other2/index.js": "1\n",
  };
  // (as written, c installs a local directory, other, and so may install ext: counted)
  const changes = [
    ["vendor/other/index.js", ["c"], ["c"]],
    ["vendor/other2/index.js", ["a"], ["a", "c"]],
  ] as const;

  it("pnpm: a local path an extension gives a package, from that package's directory (pnpm-lock.yaml, or as written)", async () => {
    const files = {
      ...LOCAL_PATHS,
      "package.json": JSON.stringify({
        name: "root",
        private: true,
        pnpm: {
          packageExtensions: {
            c: { dependencies: { other: "file:../../vendor/other" } },
            ext: { dependencies: { other2: "file:../other2" } },
          },
        },
      }),
    };
    // as pnpm 9.15 writes it
    const lockfile = `lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

packageExtensionsChecksum: ffb5e62956892bc1194f690ecfe36ce1

importers:

  .: {}

  packages/a:
    dependencies:
      ext:
        specifier: file:../../vendor/ext
        version: file:vendor/ext

  packages/c:
    dependencies:
      other:
        specifier: file:../../vendor/other
        version: file:vendor/other

packages:

  ext@file:vendor/ext:
    resolution: {directory: vendor/ext, type: directory}

  other2@file:vendor/other2:
    resolution: {directory: vendor/other2, type: directory}

  other@file:vendor/other:
    resolution: {directory: vendor/other, type: directory}

snapshots:

  ext@file:vendor/ext:
    dependencies:
      other2: file:vendor/other2

  other2@file:vendor/other2: {}

  other@file:vendor/other: {}
`;
    for (const withLockfile of [true, false])
      for (const [file, locked, asWritten] of changes) {
        const report = await affectedAfterChange<Report>(
          { ...files, ...(withLockfile ? { "pnpm-lock.yaml": lockfile } : {}) },
          (repo) => repo.append(file, "2\n"),
        );
        expect(report.affected.package, `${file} ${withLockfile}`).toEqual(withLockfile ? locked : asWritten);
      }
  });

  it("yarn berry: a local path an extension gives a package, from that package's directory", async () => {
    const { "pnpm-workspace.yaml": _, ...files } = LOCAL_PATHS;
    for (const [file, , expected] of changes) {
      const report = await affectedAfterChange<Report>(
        {
          ...files,
          "package.json": JSON.stringify({ name: "root", private: true, workspaces: ["packages/*"] }),
          ".yarnrc.yml":
            'nodeLinker: node-modules\npackageExtensions:\n  "c@*":\n    dependencies:\n      other: "portal:../../vendor/other"\n  "ext@*":\n    dependencies:\n      other2: "portal:../other2"\n',
        },
        (repo) => repo.append(file, "2\n"),
      );
      expect(report.affected.package, file).toEqual(expected);
    }
  });

  it("yarn berry's .yarnrc.yml packageExtensions (which yarn.lock does not show) count as written", async () => {
    const { "pnpm-workspace.yaml": _, ...files } = WORKSPACE;
    const report = await affectedAfterChange<Report>(
      {
        ...files,
        "package.json": JSON.stringify({ name: "root", private: true, workspaces: ["packages/*"] }),
        ".yarnrc.yml":
          'nodeLinker: node-modules\npackageExtensions:\n  "ext@*":\n    dependencies:\n      b: "workspace:*"\n  "c@*":\n    dependencies:\n      b: "workspace:*"\n',
      },
      (repo) => repo.append("packages/b/index.js", "2\n"),
    );
    expect(report.affected.package).toEqual(["a", "b", "c"]);
  });
});

describe("packageExtensions: how the files are read", () => {
  it("pnpm-workspace.yaml: a quoted key counts (pnpm 10.34 reads it)", async () => {
    const report = await affectedAfterChange<Report>(
      {
        ...WORKSPACE,
        "pnpm-workspace.yaml":
          'packages:\n  - packages/*\n"packageExtensions":\n  ext:\n    dependencies:\n      b: "workspace:*"\n',
      },
      (repo) => repo.append("packages/b/index.js", "2\n"),
    );
    expect(report.affected.package).toEqual(["a", "b"]);
  });

  const { "pnpm-workspace.yaml": _, ...yarnFiles } = WORKSPACE;
  const yarn = (yarnrc: string) => ({
    ...yarnFiles,
    "package.json": JSON.stringify({ name: "root", private: true, workspaces: ["packages/*"] }),
    ".yarnrc.yml": yarnrc,
  });

  it("yarn: .yarnrc.yml read as yarn reads it (a repeated key is no error: yarn 4.18 installs)", async () => {
    const report = await affectedAfterChange<Report>(
      yarn(
        'nodeLinker: node-modules\nenableTelemetry: false\nenableTelemetry: false\n"packageExtensions":\n  "ext@*":\n    dependencies:\n      b: "workspace:*"\n',
      ),
      (repo) => repo.append("packages/b/index.js", "2\n"),
    );
    expect(report.affected.package).toEqual(["a", "b"]);
    expect(report.warnings).toEqual([]);
  });

  it("yarn: a .yarnrc.yml with packageExtensions that cannot be parsed makes every file count, with a warning", async () => {
    const report = await affectedAfterChange<Report>(
      yarn('packageExtensions:\n  "ext@*":\n    dependencies:\n      b: "workspace:*\n'),
      (repo) => repo.append("packages/b/index.js", "2\n"),
    );
    expect(report.affected.package).toEqual(["a", "b", "c", "d"]);
    expect(report.warnings).toEqual([
      expect.stringMatching(/^\.yarnrc\.yml cannot be parsed .*every file counts/),
    ]);
  });
});

describe("yarn plugins", () => {
  const { "pnpm-workspace.yaml": _, ...files } = WORKSPACE;
  const yarn = (plugin: string) => ({
    ...files,
    "package.json": JSON.stringify({ name: "root", private: true, workspaces: ["packages/*"] }),
    ".yarnrc.yml": "nodeLinker: pnpm\nplugins:\n  - path: .yarn/plugins/local.cjs\n",
    ".yarn/plugins/local.cjs": plugin,
  });
  // yarn 4.18 with nodeLinker: pnpm links packages/b into packages/c/node_modules; yarn.lock is the
  // same whichever package the plugin extends
  const EXTENDING =
    'module.exports = { name: "plugin-local", factory: (require) => { const { structUtils } = require("@yarnpkg/core"); return { hooks: { registerPackageExtensions: async (configuration, register) => { register(structUtils.makeDescriptor(structUtils.makeIdent(null, "c"), "*"), { dependencies: { b: "workspace:*" } }); } } }; } };\n';
  const COMMANDS = 'module.exports = { name: "plugin-local", factory: () => ({ commands: [] }) };\n';

  it("a plugin whose hooks can add dependencies (which yarn.lock does not show): every file counts, with a warning", async () => {
    const report = await affectedAfterChange<Report>(yarn(EXTENDING), (repo) =>
      repo.append("packages/b/index.js", "2\n"),
    );
    expect(report.affected.package).toEqual(["a", "b", "c", "d"]);
    expect(report.warnings).toEqual([expect.stringMatching(/^yarn plugins \(\.yarn\/plugins\/local\.cjs\)/)]);
  });

  it("a plugin without such hooks changes nothing, and a change to it affects every package, as a root manifest's", async () => {
    const report = await affectedAfterChange<Report>(yarn(COMMANDS), (repo) =>
      repo.append("packages/b/index.js", "2\n"),
    );
    expect(report.affected.package).toEqual(["b"]);
    expect(report.warnings).toEqual([]);
    const changed = await affectedAfterChange<Report>(yarn(COMMANDS), (repo) =>
      repo.append(".yarn/plugins/local.cjs", "// another version\n"),
    );
    expect(changed.affected.package).toEqual(["a", "b", "c", "d"]);
  });
});

describe("overrides", () => {
  it("an override reaching a workspace package through a local directory's own dependency", async () => {
    // pnpm 9 links packages/b as ext's zz (`ext@file:vendor/ext: dependencies: zz: link:packages/b`)
    const report = await affectedAfterChange<Report>(
      {
        ...WORKSPACE,
        "package.json": JSON.stringify({
          name: "root",
          private: true,
          pnpm: { overrides: { zz: "link:packages/b" } },
        }),
        "vendor/ext/package.json": JSON.stringify({
          name: "ext",
          version: "1.0.0",
          dependencies: { zz: "file:../zz" },
        }),
        "vendor/zz/package.json": JSON.stringify({ name: "zz", version: "1.0.0" }),
      },
      (repo) => repo.append("packages/b/index.js", "2\n"),
    );
    expect(report.affected.package).toEqual(["a", "b"]);
  });
});
