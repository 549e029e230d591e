import { describe, expect, it } from "vitest";
import { planFromGithub } from "./github.js";

const gha = (event: string, extra: Record<string, string> = {}) => ({
  GITHUB_ACTIONS: "true",
  GITHUB_EVENT_NAME: event,
  ...extra,
});

describe("planFromGithub", () => {
  it("is none outside GitHub Actions", () => {
    expect(planFromGithub({}, {})).toEqual({ kind: "none" });
  });

  it("pull_request: origin/<base ref>, then the branch, then the payload's base SHA", () => {
    expect(
      planFromGithub(gha("pull_request", { GITHUB_BASE_REF: "main" }), {
        pull_request: { base: { sha: "abc" } },
      }),
    ).toEqual({
      kind: "base",
      base: "origin/main",
      fallbacks: ["main", "abc"],
      source: "pull_request into main",
      includeBaseOnlyChanges: false,
    });
  });

  it("pull_request_target: the head is the PR's head commit (the checkout is the base branch)", () => {
    expect(
      planFromGithub(gha("pull_request_target", { GITHUB_BASE_REF: "main" }), {
        pull_request: { base: { sha: "b" }, head: { sha: "h" } },
      }),
    ).toMatchObject({ kind: "base", base: "origin/main", head: "h" });
  });

  it("merge_group: base_sha and head_sha", () => {
    expect(
      planFromGithub(gha("merge_group"), { merge_group: { base_sha: "b", head_sha: "h" } }),
    ).toMatchObject({
      kind: "base",
      base: "b",
      head: "h",
    });
  });

  it("push: before, counting force-pushed-away files; all zeros or a tag means everything", () => {
    expect(planFromGithub(gha("push", { GITHUB_REF: "refs/heads/main" }), { before: "abc" })).toMatchObject({
      kind: "base",
      base: "abc",
      includeBaseOnlyChanges: true,
    });
    expect(planFromGithub(gha("push", { GITHUB_REF: "refs/heads/x" }), { before: "0".repeat(40) }).kind).toBe(
      "all",
    );
    expect(planFromGithub(gha("push", { GITHUB_REF: "refs/tags/v1" }), { before: "abc" })).toEqual({
      kind: "all",
      reason: "tag push (refs/tags/v1): a release builds everything",
    });
    expect(planFromGithub(gha("push"), {}).kind).toBe("all");
  });

  it("events without a base mean everything, with the reason", () => {
    expect(planFromGithub(gha("schedule"), {})).toEqual({
      kind: "all",
      reason: "the schedule event names no base",
    });
  });
});
