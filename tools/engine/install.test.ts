import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pinnedSdkVersion, providerModule, providerSdks, publishedReplaces, ROOT, wrapperGoMod } from "./install";

describe("publishedReplaces", () => {
  it("keeps the replaces that point at published modules, in both go.mod forms, and drops local paths", () => {
    const goMod = [
      "module github.com/pulumi/pulumi/pkg/v3",
      "",
      "go 1.25.11",
      "",
      "replace github.com/pulumi/pulumi/sdk/v3 => ../sdk",
      "",
      "replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e",
      "",
      "replace (",
      "\tgithub.com/xanzy/ssh-agent => github.com/pulumi/ssh-agent v0.5.1",
      "\tgithub.com/local/thing => /abs/path",
      ")",
      "",
      "require github.com/sergi/go-diff v1.4.0",
    ].join("\n");
    expect(publishedReplaces(goMod)).toEqual([
      "github.com/xanzy/ssh-agent => github.com/pulumi/ssh-agent v0.5.1",
      "github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e",
    ]);
  });
});

describe("wrapperGoMod", () => {
  it("requires the CLI and SDK modules at one version, repeats the replaces, and names the command as a tool", () => {
    expect(wrapperGoMod("3.248.0", "1.25.11", ["a/b => c/d v1.0.0"])).toBe(
      [
        "module foundation.local/pulumi-cli",
        "",
        "go 1.25.11",
        "",
        "require (",
        "\tgithub.com/pulumi/pulumi/pkg/v3 v3.248.0",
        "\tgithub.com/pulumi/pulumi/sdk/v3 v3.248.0",
        ")",
        "",
        "replace a/b => c/d v1.0.0",
        "",
        "tool github.com/pulumi/pulumi/pkg/v3/cmd/pulumi",
        "",
      ].join("\n"),
    );
  });
});

describe("providerModule", () => {
  it.each([
    ["https://github.com/pulumi/pulumi-aws", "7.48.0", "github.com/pulumi/pulumi-aws/provider/v7"],
    ["git+https://github.com/pulumi/pulumi-tls.git", "5.6.1", "github.com/pulumi/pulumi-tls/provider/v5"],
    ["https://github.com/example/pulumi-thing", "1.2.0", "github.com/example/pulumi-thing/provider"],
  ])("%s at %s is %s", (repository, version, module) => {
    expect(providerModule({ name: "x", version, repository })).toBe(module);
  });
});

describe("the repository's pins", () => {
  it("builds the CLI at the @pulumi/pulumi version npm ci installs", () => {
    const installed = JSON.parse(readFileSync(join(ROOT, "node_modules/@pulumi/pulumi/package.json"), "utf8"));
    expect(pinnedSdkVersion()).toBe(installed.version);
  });

  it("needs one plugin per provider SDK, at the SDK's version", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    expect(providerSdks()).toEqual([
      {
        name: "proxmoxve",
        version: pkg.dependencies["@muhlba91/pulumi-proxmoxve"],
        module: expect.stringMatching(/^github\.com\/muhlba91\/pulumi-proxmoxve\/provider\/v\d+$/),
      },
      { name: "aws", version: pkg.dependencies["@pulumi/aws"], module: "github.com/pulumi/pulumi-aws/provider/v7" },
      {
        name: "kubernetes",
        version: pkg.dependencies["@pulumi/kubernetes"],
        module: "github.com/pulumi/pulumi-kubernetes/provider/v4",
      },
      {
        name: "random",
        version: pkg.dependencies["@pulumi/random"],
        module: "github.com/pulumi/pulumi-random/provider/v4",
      },
      { name: "tls", version: pkg.dependencies["@pulumi/tls"], module: "github.com/pulumi/pulumi-tls/provider/v5" },
    ]);
  });
});
