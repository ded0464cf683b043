import * as aws from "@pulumi/aws";
import { record } from "../../tools/plan/testing";
import { Organization, OrganizationArgs, orderOrganizationalUnits } from "./organization";

const args: OrganizationArgs = {
  adoptId: "o-exampleorg01",
  awsServiceAccessPrincipals: ["sso.amazonaws.com"],
  organizationalUnits: [{ name: "sandbox", parent: "workloads" }, { name: "workloads" }],
  accounts: [
    { name: "ci", email: "ci@example.com", ou: "workloads", adoptId: "210987654321" },
    { name: "play", email: "play@example.com", ou: "sandbox", tags: { Purpose: "play" } },
  ],
};

async function recordOrganization(overrides: Partial<OrganizationArgs> = {}) {
  return record(() => {
    const provider = new aws.Provider("aws", {});
    const org = new Organization("org", { ...args, ...overrides }, { providers: { aws: provider } });
    return { accountIds: org.accountIds };
  });
}

describe("orderOrganizationalUnits", () => {
  it("puts every parent before its children", () => {
    expect(orderOrganizationalUnits(args.organizationalUnits).map((u) => u.name)).toEqual(["workloads", "sandbox"]);
  });

  it("names an unknown parent and a cycle", () => {
    expect(() => orderOrganizationalUnits([{ name: "a", parent: "b" }])).toThrow(
      "organizational unit 'a' has an unknown parent 'b'",
    );
    expect(() =>
      orderOrganizationalUnits([
        { name: "a", parent: "b" },
        { name: "b", parent: "a" },
      ]),
    ).toThrow("organizational units form a cycle: a -> b -> a");
  });
});

describe("Organization", () => {
  it("adopts the organization, nests the OUs and places each account in its OU", async () => {
    const rec = await recordOrganization();
    const organization = rec.named("org-organization");
    expect(organization.id).toBe("o-exampleorg01");
    expect(rec.inputsOf("org-organization")).toMatchObject({
      featureSet: "ALL",
      awsServiceAccessPrincipals: ["sso.amazonaws.com"],
      enabledPolicyTypes: [],
    });
    const root = (organization.outputs.roots as { id: string }[])[0].id;
    expect(rec.inputsOf("org-ou-workloads").parentId).toBe(root);
    expect(rec.inputsOf("org-ou-sandbox").parentId).toBe(rec.named("org-ou-workloads").id);
    expect(rec.inputsOf("org-account-play").parentId).toBe(rec.named("org-ou-sandbox").id);
    expect(rec.outputs.accountIds).toEqual({ ci: "210987654321", play: rec.named("org-account-play").id });
  });

  it("can never close an account or dissolve the organization by removing it from the program", async () => {
    const rec = await recordOrganization();
    for (const name of ["org-organization", "org-account-ci", "org-account-play"]) {
      expect(rec.named(name)).toMatchObject({ protect: true, retainOnDelete: true });
    }
    for (const name of ["org-account-ci", "org-account-play"]) {
      expect(rec.inputsOf(name)).toMatchObject({ closeOnDeletion: false, iamUserAccessToBilling: "DENY" });
      expect(rec.named(name).ignoreChanges).toEqual(["roleName", "iamUserAccessToBilling"]);
    }
    expect(rec.inputsOf("org-account-play").tags).toEqual({ Purpose: "play" });
  });

  it("refuses an account in an unknown OU", async () => {
    await expect(
      recordOrganization({ accounts: [{ name: "x", email: "x@example.com", ou: "nowhere" }] }),
    ).rejects.toThrow("Organization 'org': account 'x' names an unknown OU 'nowhere'");
  });
});
