import { describe, expect, it } from "vitest";
import { linkTargetPath } from "./paths.js";

describe("linkTargetPath", () => {
  it("resolves a relative target from the link's directory, as the OS does", () => {
    expect(linkTargetPath("proto/b/v1/b.proto", "../../../shared/b.proto")).toBe("shared/b.proto");
    expect(linkTargetPath("proto/b", "../shared/bdir")).toBe("shared/bdir");
    expect(linkTargetPath("top.proto", "sub/./x.proto")).toBe("sub/x.proto");
  });

  it("is undefined for an absolute target or one that leaves the repository", () => {
    expect(linkTargetPath("proto/b.proto", "/etc/b.proto")).toBeUndefined();
    expect(linkTargetPath("proto/b.proto", "../../b.proto")).toBeUndefined();
    expect(linkTargetPath("b.proto", "..")).toBeUndefined();
  });
});
