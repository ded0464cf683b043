import { parse } from "yaml";
import { pathSegments, stackFileFor } from "./workspace";

describe("pathSegments", () => {
  it("splits a --path key the way `pulumi config set --path` reads it", () => {
    expect(pathSegments("foundation:talos.controlPlanes[0].address")).toEqual([
      "foundation:talos",
      "controlPlanes",
      0,
      "address",
    ]);
    expect(pathSegments("foundation:replicas")).toEqual(["foundation:replicas"]);
  });

  it("refuses a segment it cannot read", () => {
    expect(() => pathSegments("foundation:a.b[x]")).toThrow("config path foundation:a.b[x]: cannot read 'b[x]'");
  });
});

describe("stackFileFor", () => {
  const example = [
    "secretsprovider: awskms://alias/foundation-state?region=eu-central-1&awssdk=v2",
    "encryptedkey: AQICAHh...",
    "config:",
    "  # A comment that stays.",
    "  foundation:replicas: 1",
    "  foundation:variables:",
    "    - key: TOKEN",
    "      value:",
    "        secure: v1:abc",
    "  foundation:talos:",
    "    vip: 192.168.10.10",
    "",
  ].join("\n");

  it("drops what only the real backend can read and applies the edits", () => {
    const text = stackFileFor(example, [
      { path: "foundation:talos.vip", value: "127.0.0.10", reason: "test" },
      { path: "foundation:replicas", value: 2, reason: "test" },
    ]);
    expect(parse(text)).toEqual({
      config: {
        "foundation:replicas": 2,
        "foundation:variables": [{ key: "TOKEN" }],
        "foundation:talos": { vip: "127.0.0.10" },
      },
    });
    expect(text).toContain("# A comment that stays.");
  });

  it("sets a list, then a value inside it", () => {
    const text = stackFileFor("config:\n  foundation:variables: []\n", [
      { path: "foundation:variables", value: [{ key: "TOKEN" }], reason: "test" },
      { path: "foundation:variables[0].value", value: { secure: "v1:x" }, reason: "test" },
    ]);
    expect(parse(text)).toEqual({ config: { "foundation:variables": [{ key: "TOKEN", value: { secure: "v1:x" } }] } });
  });

  it("keeps the salt and encrypted values of the run's own stack file", () => {
    const own = "encryptionsalt: v1:abc\nconfig:\n  foundation:token:\n    secure: v1:def\n  foundation:replicas: 1\n";
    expect(
      parse(stackFileFor(own, [{ path: "foundation:replicas", value: 2, reason: "test" }], { ownStack: true })),
    ).toEqual({
      encryptionsalt: "v1:abc",
      config: { "foundation:token": { secure: "v1:def" }, "foundation:replicas": 2 },
    });
  });
});
