/**
 * What an image reference names, for matching a FROM with a configured `ref`: without tag and
 * digest, lower-case, with Docker Hub's defaults spelt out as Docker resolves them ("node",
 * "library/node", "docker.io/node" and "index.docker.io/library/node" are one image). Pure.
 */
export function imageKey(ref: string): string {
  const name = stripTag(ref);
  const first = name.split("/")[0]!;
  // a first component with a "." or ":" (or "localhost") is a registry host; else Docker Hub
  const registry =
    name.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  const hub = registry
    ? name.replace(/^(index\.docker\.io|registry-1\.docker\.io)\//, "docker.io/")
    : `docker.io/${name}`;
  return /^docker\.io\/[^/]+$/.test(hub) ? `docker.io/library/${hub.slice("docker.io/".length)}` : hub;
}

/** "ghcr.io/acme/base:1.2@sha256:…" → "ghcr.io/acme/base" (a port in the registry host stays). */
export function stripTag(ref: string): string {
  const noDigest = ref.split("@")[0]!;
  const slash = noDigest.lastIndexOf("/");
  const colon = noDigest.lastIndexOf(":");
  return (colon > slash ? noDigest.slice(0, colon) : noDigest).toLowerCase();
}
