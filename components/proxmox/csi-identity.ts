import * as proxmoxve from "@muhlba91/pulumi-proxmoxve";
import * as pulumi from "@pulumi/pulumi";

/**
 * The privileges the Proxmox CSI plugin needs on the cluster: read VMs, attach disks to them, and allocate disks on the
 * storage (https://github.com/sergelogvinov/proxmox-csi-plugin/blob/main/docs/install.md#proxmox-csi-plugin-user).
 */
export const CSI_PRIVILEGES = [
  "Datastore.Allocate",
  "Datastore.AllocateSpace",
  "Datastore.Audit",
  "VM.Audit",
  "VM.Config.Disk",
] as const;

/** Arguments of {@link ProxmoxCsiIdentity}. */
export interface ProxmoxCsiIdentityArgs {
  /** The CSI plugin's user, `name@pve` (Proxmox VE realm: a user with no password, only the token). */
  readonly userId: string;
  /** The name of its API token. */
  readonly tokenName: string;
  /** The role's name. @default "KubernetesCSI" */
  readonly roleId?: string;
}

/**
 * The Proxmox VE identity of the lab cluster's CSI plugin: a role with {@link CSI_PRIVILEGES}, a user, an API token
 * with privilege separation, and the token's grant of the role on `/`. The stack makes the token itself, so its secret
 * goes from the Proxmox API into state and the CSI plugin's values as a Pulumi secret and is never typed into a config
 * file; replacing the token resource rotates it (docs/platform.md).
 *
 * The stack's Proxmox credential therefore needs `User.Modify` and `Permissions.Modify` (docs/lab.md). Type
 * `foundation:proxmox:CsiIdentity`.
 */
export class ProxmoxCsiIdentity extends pulumi.ComponentResource {
  /** The token's id, `user@realm!token`, as the CSI plugin's config names it. */
  readonly tokenId: string;
  /** The token's secret (the UUID after `=` in the token value); a Pulumi secret. */
  readonly tokenSecret: pulumi.Output<string>;

  constructor(name: string, args: ProxmoxCsiIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("foundation:proxmox:CsiIdentity", name, {}, opts);
    if (!/^[^@!\s]+@pve$/.test(args.userId)) {
      throw new pulumi.ResourceError(
        `ProxmoxCsiIdentity '${name}': userId '${args.userId}' must be a user of the pve realm, e.g. kubernetes-csi@pve`,
        this,
      );
    }
    if (!/^[A-Za-z][A-Za-z0-9._-]*$/.test(args.tokenName)) {
      throw new pulumi.ResourceError(
        `ProxmoxCsiIdentity '${name}': tokenName '${args.tokenName}' must start with a letter and hold letters, ` +
          "digits, '.', '_' or '-', e.g. csi",
        this,
      );
    }
    const childOpts = { parent: this };
    const role = new proxmoxve.RoleLegacy(
      `${name}-role`,
      { roleId: args.roleId ?? "KubernetesCSI", privileges: [...CSI_PRIVILEGES] },
      childOpts,
    );
    const user = new proxmoxve.UserLegacy(
      `${name}-user`,
      { userId: args.userId, comment: "Proxmox CSI plugin of the lab cluster (managed by Foundation)", enabled: true },
      childOpts,
    );
    const token = new proxmoxve.user.TokenLegacy(
      `${name}-token`,
      {
        userId: user.userId,
        tokenName: args.tokenName,
        comment: "Proxmox CSI plugin (managed by Foundation)",
        privilegesSeparation: true,
      },
      childOpts,
    );
    this.tokenId = `${args.userId}!${args.tokenName}`;
    // With privilege separation the token has only what is granted to the token itself.
    new proxmoxve.AclLegacy(
      `${name}-acl`,
      {
        path: "/",
        roleId: role.roleId,
        tokenId: pulumi.interpolate`${token.userId}!${token.tokenName}`,
        propagate: true,
      },
      childOpts,
    );
    // The value is `user@realm!token=<uuid>`, the form Proxmox's API token header takes.
    this.tokenSecret = pulumi.secret(token.value.apply((value) => value.slice(value.indexOf("=") + 1)));
    this.registerOutputs({ tokenId: this.tokenId, tokenSecret: this.tokenSecret });
  }
}
