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

/**
 * The name BuildKit looks a named build context up by, for a stage name, a `FROM` image or a
 * `--from`: Docker's familiar form with a `:latest` tag dropped (dockerui NamedContext:
 * ParseNormalizedNamed, FamiliarString, TrimSuffix ":latest"), so `alpine`, `alpine:latest` and
 * `docker.io/library/alpine` are one context; another tag or a digest stays part of it. Case is
 * kept, as there (a tag or a registry host may have capitals; a stage name is lower-case
 * already). The contexts themselves are looked up by this name as they were given: buildx bake
 * and compose pass a context's name on as written, so one not already in this form (`Base`,
 * `alpine:latest`) is never found. Pure.
 */
export function contextKey(name: string): string {
  const at = name.indexOf("@");
  const [ref, digest] = at < 0 ? [name, ""] : [name.slice(0, at), name.slice(at)];
  const first = ref.split("/")[0]!;
  // (distribution/reference: a first component with "." or ":", "localhost", or capitals is a host)
  const host =
    ref.includes("/") &&
    (first.includes(".") || first.includes(":") || first === "localhost" || first !== first.toLowerCase());
  // (index.docker.io is Docker Hub's legacy name: ParseNormalizedNamed makes it docker.io)
  const hub = !host || first === "docker.io" || first === "index.docker.io";
  const path = host ? ref.slice(first.length + 1) : ref;
  const familiar = hub ? path.replace(/^library\/(?=[^/]+$)/, "") : ref;
  return digest === "" ? familiar.replace(/:latest$/, "") : familiar + digest;
}

/** What a named build context's value is: a repository directory, an image, or neither. */
export type NamedContextValue = { dir: string } | { image: string } | { remote: string };

/**
 * A named context's value (`docker build --build-context name=value`) as BuildKit reads it:
 * `docker-image://<ref>` is that image; another scheme (`oci-layout://`, `https://`, `git://`…),
 * a `git@` address or a bake `target:` / compose `service:` is no directory of this repository;
 * anything else is a path. Pure.
 */
export function namedContextValue(value: string): NamedContextValue {
  const image = /^docker-image:\/\/(.+)$/.exec(value);
  if (image) return { image: image[1]! };
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value) || /^(?:git@|(?:target|service):)/.test(value))
    return { remote: value };
  return { dir: value };
}
