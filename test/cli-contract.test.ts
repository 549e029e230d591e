// The command line's contract: exit 0 for help asked for, 2 for a wrong command line, and 2 with
// the variable named when GitHub Actions' files cannot be written (never an internal error).

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cleanEnv, shipgraph } from "./helpers/cli.js";
import { gitRepo, SMALL_CONFIG, smallWorkspace, tempDir } from "./helpers/repo.js";

describe("exit codes of help and usage errors", () => {
  it("help asked for is 0; no command or help for an unknown one is a usage error (2)", async () => {
    const dir = tempDir("shipgraph-cli-");
    const code = async (args: string[]) => (await shipgraph(dir, args)).code;
    expect(await code(["--help"])).toBe(0);
    expect(await code(["help"])).toBe(0);
    expect(await code(["affected", "--help"])).toBe(0);
    expect(await code([])).toBe(2);
    expect(await code(["help", "nope"])).toBe(2);
    expect(await code(["nope"])).toBe(2);
  });
});

describe("GitHub Actions files that cannot be written", () => {
  const missing = (name: string) => join(tempDir("shipgraph-gh-"), "no-such-dir", name);

  it("affected: an unwritable $GITHUB_OUTPUT or $GITHUB_STEP_SUMMARY is exit 2 naming it", async () => {
    const repo = smallWorkspace(SMALL_CONFIG);
    for (const variable of ["GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"]) {
      const path = missing("file");
      const run = await shipgraph(repo.dir, ["affected", "--all", "--format", "github"], {
        env: cleanEnv({ [variable]: path }),
      });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`error[ENVIRONMENT]: cannot write $${variable} (${path})`);
      expect(run.stderr).not.toContain("internal error");
    }
  });

  it("affected: in GitHub Actions, an unset $GITHUB_OUTPUT is exit 2, not outputs no job reads", async () => {
    const repo = smallWorkspace(SMALL_CONFIG);
    const run = await shipgraph(repo.dir, ["affected", "--all", "--format", "github"], {
      env: cleanEnv({ GITHUB_ACTIONS: "true" }),
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("error[ENVIRONMENT]: GITHUB_ACTIONS is true but GITHUB_OUTPUT is not set");
    expect(run.stdout).not.toContain("has_work=");
    // outside GitHub Actions, the outputs are printed (to try the format locally)
    const local = await shipgraph(repo.dir, ["affected", "--all", "--format", "github"], { env: cleanEnv() });
    expect(local.code).toBe(0);
    expect(local.stdout).toContain("has_work=true");
  });

  it("drift: an unwritable $GITHUB_STEP_SUMMARY is exit 2 naming it", async () => {
    const repo = gitRepo({
      "shipgraph.yaml": 'generators:\n  v:\n    run: ["node", "v.mjs"]\n    outputs: ["VERSION.txt"]\n',
      "v.mjs": 'import { writeFileSync } from "node:fs";\nwriteFileSync("VERSION.txt", "1\\n");\n',
      "VERSION.txt": "1\n",
    });
    const path = missing("summary.md");
    const run = await shipgraph(repo.dir, ["drift", "--format", "github"], {
      env: cleanEnv({ GITHUB_STEP_SUMMARY: path }),
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`cannot write $GITHUB_STEP_SUMMARY (${path})`);
  });
});

describe("where it runs", () => {
  it("a --cwd that does not exist says so (not 'not inside a git repository')", async () => {
    const missing = join(tempDir("shipgraph-cwd-"), "nope");
    const run = await shipgraph(tempDir(), ["affected", "--base", "main", "--cwd", missing]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${missing} does not exist`);
  });
});

describe("warnings", () => {
  it("the text report lists each warning once; other formats put them on stderr", async () => {
    const repo = smallWorkspace('images:\n  web:\n    context: apps/web\n    inputs: ["nothing/here/**"]\n');
    repo.git("checkout", "-q", "-b", "work");
    repo.append("apps/web/index.ts", "// x\n").commit();
    const warning = '"nothing/here/**" matches no tracked file';
    const text = await shipgraph(repo.dir, ["affected", "--base", "main"]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout.split(warning).length - 1).toBe(1);
    expect(text.stderr).not.toContain(warning);
    const json = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
    expect(json.stderr).toContain(`shipgraph: warning: shipgraph.yaml images.web.inputs[0]: ${warning}`);
  });
});
