import type { Hash } from "node:crypto";
import { createRequire } from "node:module";

// node:crypto is loaded on first use, not at start: loading it costs ~3.5 ms, and `affected`
// never hashes (drift, stamps and `drift --fix` do).
let crypto: typeof import("node:crypto") | undefined;
const load = () => {
  crypto ??= createRequire(import.meta.url)("node:crypto") as typeof import("node:crypto");
  return crypto;
};

/** node:crypto's createHash. */
export function createHash(algorithm: string): Hash {
  return load().createHash(algorithm);
}

/** node:crypto's randomBytes. */
export function randomBytes(size: number): Buffer {
  return load().randomBytes(size);
}
