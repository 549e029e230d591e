import { describe, expect, it } from "vitest";
import { contextKey, namedContextValue } from "./image-ref.js";

describe("contextKey", () => {
  it.each([
    ["alpine", "alpine"],
    ["alpine:latest", "alpine"],
    ["docker.io/library/alpine", "alpine"],
    ["index.docker.io/library/alpine:latest", "alpine"],
    ["library/alpine:3.20", "alpine:3.20"],
    ["docker.io/acme/base:latest", "acme/base"],
    ["ghcr.io/library/x", "ghcr.io/library/x"],
    ["localhost:5000/x:latest", "localhost:5000/x"],
    ["alpine@sha256:ab", "alpine@sha256:ab"],
    // (case is kept: a stage name is lower-case already, a context named Base is never looked up)
    ["Base", "Base"],
    ["alpine:V1", "alpine:V1"],
    ["GHCR.io/acme/x:latest", "GHCR.io/acme/x"],
  ])("%s is looked up as %s (BuildKit's familiar name, :latest dropped)", (name, key) => {
    expect(contextKey(name)).toBe(key);
  });
});

describe("namedContextValue", () => {
  it.each([
    ["vendor/base", { dir: "vendor/base" }],
    ["docker-image://ghcr.io/acme/base:1", { image: "ghcr.io/acme/base:1" }],
    ["oci-layout://./layout:1", { remote: "oci-layout://./layout:1" }],
    ["https://github.com/acme/x.git", { remote: "https://github.com/acme/x.git" }],
    ["target:base", { remote: "target:base" }],
  ])("%s", (value, expected) => {
    expect(namedContextValue(value)).toEqual(expected);
  });
});
