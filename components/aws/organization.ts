import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** An organizational unit: its name and the name of its parent OU (`root` for the organization root). */
export interface OrganizationalUnitSpec {
  readonly name: string;
  /** @default "root" */
  readonly parent?: string;
}

/** A member account. */
export interface AccountSpec {
  /** Account name; unique in the organization. */
  readonly name: string;
  /** Root user email; unique across AWS. */
  readonly email: string;
  /** Name of the OU the account lives in. */
  readonly ou: string;
  /** Tags besides the standard set (which the provider's defaultTags add). */
  readonly tags?: Readonly<Record<string, string>>;
  /** Id of an existing account to adopt on the first `pulumi up` instead of creating one. */
  readonly adoptId?: string;
}

/** Arguments of {@link Organization}. */
export interface OrganizationArgs {
  /** Service principals with trusted access (e.g. `sso.amazonaws.com` for IAM Identity Center). */
  readonly awsServiceAccessPrincipals: readonly string[];
  /** Policy types enabled on the root. @default [] */
  readonly enabledPolicyTypes?: readonly string[];
  /** Id of the existing organization (`o-...`) to adopt on the first `pulumi up`. */
  readonly adoptId?: string;
  readonly organizationalUnits: readonly OrganizationalUnitSpec[];
  readonly accounts: readonly AccountSpec[];
}

/** The OUs in an order where every parent comes before its children; throws on unknown parents and cycles. */
export function orderOrganizationalUnits(units: readonly OrganizationalUnitSpec[]): OrganizationalUnitSpec[] {
  const byName = new Map(units.map((u) => [u.name, u]));
  const ordered: OrganizationalUnitSpec[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (unit: OrganizationalUnitSpec, path: string[]): void => {
    if (state.get(unit.name) === "done") return;
    if (state.get(unit.name) === "visiting") {
      throw new Error(`organizational units form a cycle: ${[...path, unit.name].join(" -> ")}`);
    }
    state.set(unit.name, "visiting");
    const parent = unit.parent ?? "root";
    if (parent !== "root") {
      const parentUnit = byName.get(parent);
      if (!parentUnit) throw new Error(`organizational unit '${unit.name}' has an unknown parent '${parent}'`);
      visit(parentUnit, [...path, unit.name]);
    }
    state.set(unit.name, "done");
    ordered.push(unit);
  };
  units.forEach((u) => visit(u, []));
  return ordered;
}

/**
 * The AWS organization, its OUs and member accounts. The organization and the accounts are `protect`ed and
 * `retainOnDelete`: removing them from the program must never close an account or dissolve the organization.
 * Accounts set `closeOnDeletion: false` for the same reason. Adopting existing ones: docs/runbooks/landing-zone.md.
 */
export class Organization extends pulumi.ComponentResource {
  /** The organization id. */
  readonly organizationId: pulumi.Output<string>;
  /** The root's id. */
  readonly rootId: pulumi.Output<string>;
  /** OU ids by OU name. */
  readonly ouIds: pulumi.Output<Record<string, string>>;
  /** Account ids by account name. */
  readonly accountIds: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: OrganizationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("foundation:aws:Organization", name, {}, opts);
    const units = orderOrganizationalUnits(args.organizationalUnits);

    const organization = new aws.organizations.Organization(
      `${name}-organization`,
      {
        featureSet: "ALL",
        awsServiceAccessPrincipals: [...args.awsServiceAccessPrincipals],
        enabledPolicyTypes: [...(args.enabledPolicyTypes ?? [])],
      },
      { parent: this, protect: true, retainOnDelete: true, import: args.adoptId },
    );
    const rootId = organization.roots.apply((roots) => roots[0].id);

    const ous: Record<string, aws.organizations.OrganizationalUnit> = {};
    for (const unit of units) {
      const parent = unit.parent ?? "root";
      ous[unit.name] = new aws.organizations.OrganizationalUnit(
        `${name}-ou-${unit.name}`,
        { name: unit.name, parentId: parent === "root" ? rootId : ous[parent].id },
        { parent: this, protect: true },
      );
    }

    const accounts: Record<string, aws.organizations.Account> = {};
    for (const account of args.accounts) {
      const ou = ous[account.ou];
      if (!ou) {
        throw new pulumi.ResourceError(
          `Organization '${name}': account '${account.name}' names an unknown OU '${account.ou}'`,
          this,
        );
      }
      accounts[account.name] = new aws.organizations.Account(
        `${name}-account-${account.name}`,
        {
          name: account.name,
          email: account.email,
          parentId: ou.id,
          closeOnDeletion: false,
          iamUserAccessToBilling: "DENY",
          tags: { ...account.tags },
        },
        {
          parent: this,
          protect: true,
          retainOnDelete: true,
          import: account.adoptId,
          // AWS cannot read these back for an existing account; without this every adopted account would show a
          // replacement (terraform-provider-aws organizations_account import notes).
          ignoreChanges: ["roleName", "iamUserAccessToBilling"],
        },
      );
    }

    const ids = <T extends { id: pulumi.Output<string> }>(items: Record<string, T>) =>
      pulumi
        .all(Object.fromEntries(Object.entries(items).map(([n, r]) => [n, r.id])))
        .apply((v) => v as Record<string, string>);
    this.organizationId = organization.id;
    this.rootId = rootId;
    this.ouIds = ids(ous);
    this.accountIds = ids(accounts);
    this.registerOutputs({
      organizationId: this.organizationId,
      rootId: this.rootId,
      ouIds: this.ouIds,
      accountIds: this.accountIds,
    });
  }
}
