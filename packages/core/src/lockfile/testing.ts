import { readFileSync } from "node:fs";
import { isShipgraphError, type ShipgraphError } from "../errors.js";
import { type Lockfile, parseLockfile } from "./index.js";

/** The fixture sets under ./fixtures (see fixtures/regenerate.sh), each written by a real package manager. */
export const FIXTURE_MANAGERS = {
  pnpm7: { file: "pnpm-lock.yaml", tool: "pnpm 7.33 (lockfileVersion 5.4)" },
  pnpm8: { file: "pnpm-lock.yaml", tool: "pnpm 8.15 (lockfileVersion 6.0)" },
  pnpm9: { file: "pnpm-lock.yaml", tool: "pnpm 9.15 (lockfileVersion 9.0)" },
  npm2: { file: "package-lock.json", tool: "npm 11 --lockfile-version 2" },
  npm3: { file: "package-lock.json", tool: "npm 11 (lockfileVersion 3)" },
  yarn1: { file: "yarn.lock", tool: "yarn 1.22" },
  "yarn-berry": { file: "yarn.lock", tool: "yarn 4.18 (__metadata.version 10)" },
} as const;

/** A fixture set's name. */
export type FixtureManager = keyof typeof FIXTURE_MANAGERS;

/** The text of a fixture file. */
export function fixtureText(manager: FixtureManager, variant: string, name?: string): string {
  const file = name ?? FIXTURE_MANAGERS[manager].file;
  return readFileSync(new URL(`./fixtures/${manager}/${variant}/${file}`, import.meta.url), "utf8");
}

/** A fixture lockfile, parsed (with its manifests.json for yarn classic). */
export function loadFixture(manager: FixtureManager, variant: string): Lockfile {
  const { file } = FIXTURE_MANAGERS[manager];
  const manifests =
    manager === "yarn1"
      ? new Map(
          Object.entries(
            JSON.parse(fixtureText(manager, variant, "manifests.json")) as Record<string, never>,
          ),
        )
      : undefined;
  return parseLockfile(file, fixtureText(manager, variant), manifests);
}

/** "debug@4.3.4(supports-color@8.1.1) sha512-…" → "debug@4.3.4": the part every manager agrees on. */
export function nameVersion(label: string): string {
  const head = label.split(" ")[0] ?? label;
  const at = head.indexOf("@", 1);
  return head.slice(0, at + 1) + head.slice(at + 1).replace(/[(_].*$/, "");
}

/** The ShipgraphError `run` throws (fails the test when it does not throw one). */
export function thrownError(run: () => unknown): ShipgraphError {
  try {
    run();
  } catch (error) {
    if (isShipgraphError(error)) return error;
    throw error;
  }
  throw new Error("expected a ShipgraphError, nothing was thrown");
}
