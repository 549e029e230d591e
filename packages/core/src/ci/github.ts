/**
 * Where the base comes from in GitHub Actions, as a pure function of the environment and the
 * event payload (the caller reads both). Doubt means "everything", said aloud — never an empty diff.
 */
export type BasePlan =
  /** Compare with `base` (merge-base semantics); `head` when the event names one. */
  | {
      kind: "base";
      base: string;
      /** Further refs to try, in order, if `base` is not in the clone. */
      fallbacks: string[];
      head?: string;
      source: string;
      /** Push events: also count files that only the old tip had (a force push replaced them). */
      includeBaseOnlyChanges: boolean;
    }
  | { kind: "all"; reason: string }
  /** Not running in GitHub Actions. */
  | { kind: "none" };

const ZERO_SHA = /^0+$/;

type Env = Readonly<Record<string, string | undefined>>;

export function planFromGithub(env: Env, event: unknown): BasePlan {
  if (env.GITHUB_ACTIONS !== "true") return { kind: "none" };
  const name = env.GITHUB_EVENT_NAME ?? "";
  const payload = (event ?? {}) as Record<string, unknown>;
  const get = (path: string[]): unknown =>
    path.reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], payload);

  if (env.GITHUB_REF?.startsWith("refs/tags/")) {
    return { kind: "all", reason: `tag push (${env.GITHUB_REF}): a release builds everything` };
  }
  switch (name) {
    case "pull_request":
    case "pull_request_target": {
      const ref = env.GITHUB_BASE_REF;
      const sha = get(["pull_request", "base", "sha"]);
      if (!ref && typeof sha !== "string") {
        return { kind: "all", reason: `${name} event without GITHUB_BASE_REF or pull_request.base.sha` };
      }
      const candidates = [...(ref ? [`origin/${ref}`, ref] : []), ...(typeof sha === "string" ? [sha] : [])];
      // pull_request checks out the merge commit; pull_request_target checks out the base
      // branch, so the head to compare is the PR's head commit.
      const prHead = name === "pull_request_target" ? get(["pull_request", "head", "sha"]) : undefined;
      return {
        kind: "base",
        base: candidates[0]!,
        fallbacks: candidates.slice(1),
        ...(typeof prHead === "string" ? { head: prHead } : {}),
        source: `${name} into ${ref ?? sha}`,
        includeBaseOnlyChanges: false,
      };
    }
    case "merge_group": {
      const base = get(["merge_group", "base_sha"]);
      const head = get(["merge_group", "head_sha"]);
      if (typeof base !== "string")
        return { kind: "all", reason: "merge_group event without merge_group.base_sha" };
      return {
        kind: "base",
        base,
        fallbacks: [],
        ...(typeof head === "string" ? { head } : {}),
        source: "merge_group base_sha",
        includeBaseOnlyChanges: false,
      };
    }
    case "push": {
      const before = get(["before"]);
      if (typeof before !== "string" || before === "") {
        return { kind: "all", reason: "push event without a `before` SHA" };
      }
      if (ZERO_SHA.test(before)) {
        return {
          kind: "all",
          reason: "push of a new branch (the `before` SHA is all zeros): there is no previous state",
        };
      }
      return {
        kind: "base",
        base: before,
        fallbacks: [],
        source: `push (before ${before.slice(0, 12)})`,
        includeBaseOnlyChanges: true,
      };
    }
    default:
      return { kind: "all", reason: `the ${name || "unknown"} event names no base` };
  }
}
