import { POLICIES } from "../../policies/pack";
import { literal, renderStandards } from "./standards";

describe("renderStandards", () => {
  const page = renderStandards();

  it("groups the policies by area, in the standard's order", () => {
    const headings = page.split("\n").filter((line) => line.startsWith("## "));
    expect(headings).toEqual(["## AWS", "## Proxmox", "## Kubernetes", "## GitLab", "## Stacks"]);
  });

  it("lists every policy once, under its area", () => {
    const names = page
      .split("\n")
      .filter((line) => line.startsWith("### "))
      .map((line) => line.slice(5, -1));
    expect(names).toEqual(POLICIES.map((policy) => policy.name));
    const proxmox = page.slice(page.indexOf("## Proxmox"), page.indexOf("## Kubernetes"));
    expect(proxmox).toContain("### `proxmox-vm-talos-resources`");
  });

  it("writes each policy's metadata and settings", () => {
    expect(page).toContain(
      [
        "### `iam-accesskey-no-user-keys`",
        "",
        "IAM users have no access keys unless the stack declares the user as an exception.",
        "",
        "- **Severity:** high",
        "- **Enforcement:** mandatory",
        "- **Checks:** each resource",
        `- **Remediation:** ${literal(POLICIES.find((p) => p.name === "iam-accesskey-no-user-keys")?.remediationSteps ?? "")}`,
        "- **Settings** (this policy's pack config):",
        "  - `allowedUsers`: IAM user names whose access keys are a declared exception.",
        "- **Reference:** <https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#bp-users-federation-idp>",
        "",
      ].join("\n"),
    );
    expect(page).toContain("### `pulumi-stackreference-phase-graph`\n\nA stack reads only");
    expect(page).toContain("- **Checks:** the whole stack");
  });

  it("writes metadata text literally, escaping what Markdown would format", () => {
    expect(literal('every action ("*" or "*:*") on <issuer>:aud')).toBe(
      'every action ("\\*" or "\\*:\\*") on \\<issuer\\>:aud',
    );
  });

  it("leaves out areas without policies", () => {
    const onlyAws = renderStandards(POLICIES.filter((policy) => policy.area === "aws"));
    expect(onlyAws.split("\n").filter((line) => line.startsWith("## "))).toEqual(["## AWS"]);
    const count = POLICIES.filter((policy) => policy.area === "aws").length;
    expect(count).toBe(23);
    expect(onlyAws).toContain(`with ${count} policies.`);
  });
});
