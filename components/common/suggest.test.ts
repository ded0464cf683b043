import { suggest } from "./suggest";

describe("suggest", () => {
  it("names the closest known name within the typo distance, ignoring case", () => {
    expect(suggest("confg", ["config", "secretsprovider"])).toBe("config");
    expect(suggest("StateBackend", ["stateBackend", "kms"])).toBe("stateBackend");
    expect(suggest("s3-bucket-no-force-destory", ["s3-bucket-no-force-destroy", "s3-bucket-versioned"])).toBe(
      "s3-bucket-no-force-destroy",
    );
  });

  it("says nothing when no name is close, or when there is nothing to compare with", () => {
    expect(suggest("regoin", ["owner", "costCenter"])).toBeUndefined();
    expect(suggest("anything", [])).toBeUndefined();
    expect(suggest("priority::9", ["priority::1", "type::bug"], 0)).toBeUndefined();
    expect(suggest("priority::9", ["priority::1", "type::bug"], 3)).toBe("priority::1");
  });
});
