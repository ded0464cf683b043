/**
 * Deterministic stand-ins for what only a provider would compute: ids, ARNs, keys, certificates, random values and
 * the results of invokes. Every value derives from the resource's URN, so the same program plans to the same bytes,
 * and every value is visibly fake (documentation account id, `PLACEHOLDER` PEM bodies) so nobody mistakes a plan
 * for real state.
 */
import { createHash } from "node:crypto";
import { reveal, Secret, Value } from "./values";

/** The AWS account id the plan pretends to run in: the one AWS uses in its documentation. */
export const PLAN_ACCOUNT_ID = "123456789012";

/** What a synthesizer knows about the resource it fills in. */
export interface SynthesisContext {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly inputs: Record<string, Value>;
  /** Inputs of the resource's explicit provider (e.g. the AWS region), or `{}`. */
  readonly providerInputs: Record<string, Value>;
}

/** Stable hex digest of `seed`, `length` characters long. */
export function digest(seed: string, length = 16): string {
  let out = "";
  for (let i = 0; out.length < length; i++) {
    out += createHash("sha256").update(`${seed}#${i}`).digest("hex");
  }
  return out.slice(0, length);
}

/** A UUID-shaped identifier derived from `seed`. */
export function fakeUuid(seed: string): string {
  const h = digest(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A positive integer id derived from `seed`, below a million so it reads as the placeholder it is. */
export function fakeInteger(seed: string): number {
  return (parseInt(digest(seed, 8), 16) % 999_999) + 1;
}

/** A PEM-shaped placeholder: right header and footer, a body that says what it is. */
export function fakePem(label: string, seed: string): string {
  const body = Buffer.from(`FOUNDATION OFFLINE PLAN PLACEHOLDER ${label} ${digest(seed, 32)}`).toString("base64");
  const lines = body.match(/.{1,64}/g) ?? [];
  return [`-----BEGIN ${label}-----`, ...lines, `-----END ${label}-----`, ""].join("\n");
}

function str(value: Value, fallback: string): string {
  return typeof value === "string" && value !== "" ? value : fallback;
}

function region(ctx: SynthesisContext): string {
  return str(ctx.providerInputs.region, "us-east-1");
}

/** The physical name a provider would auto-name the resource with: logical name plus a random-looking suffix. */
function autoName(ctx: SynthesisContext): string {
  return `${ctx.name}-${digest(ctx.urn, 7)}`;
}

type Synthesizer = (ctx: SynthesisContext) => Record<string, Value>;

function arn(ctx: SynthesisContext, service: string, resource: string, opts: { global?: boolean } = {}): string {
  return `arn:aws:${service}:${opts.global ? "" : region(ctx)}:${PLAN_ACCOUNT_ID}:${resource}`;
}

const privateKey: Synthesizer = (ctx) => {
  const algorithm = str(ctx.inputs.algorithm, "RSA");
  const seed = ctx.urn;
  return {
    privateKeyPem: new Secret(fakePem(algorithm === "RSA" ? "RSA PRIVATE KEY" : "PRIVATE KEY", seed)),
    privateKeyPemPkcs8: new Secret(fakePem("PRIVATE KEY", `${seed}/pkcs8`)),
    privateKeyOpenssh: new Secret(fakePem("OPENSSH PRIVATE KEY", `${seed}/openssh`)),
    publicKeyPem: fakePem("PUBLIC KEY", `${seed}/public`),
    publicKeyOpenssh: `${algorithm === "ED25519" ? "ssh-ed25519" : algorithm === "ECDSA" ? "ecdsa-sha2-nistp256" : "ssh-rsa"} ${Buffer.from(`placeholder ${digest(seed, 24)}`).toString("base64")}\n`,
    publicKeyFingerprintMd5: digest(`${seed}/md5`, 32).replace(/(..)(?!$)/g, "$1:"),
    publicKeyFingerprintSha256: `SHA256:${Buffer.from(digest(`${seed}/sha256`, 32), "hex").toString("base64")}`,
  };
};

const certificate: Synthesizer = (ctx) => ({
  certPem: fakePem("CERTIFICATE", ctx.urn),
  validityStartTime: "2026-01-01T00:00:00Z",
  validityEndTime: "2027-01-01T00:00:00Z",
  readyForRenewal: false,
});

/** Synthesizers by resource type token. Types not listed get the package fallback below. */
const RESOURCES: Record<string, Synthesizer> = {
  "aws:s3/bucket:Bucket": (ctx) => {
    const bucket = str(ctx.inputs.bucket, autoName(ctx));
    return {
      id: bucket,
      bucket,
      arn: `arn:aws:s3:::${bucket}`,
      bucketDomainName: `${bucket}.s3.amazonaws.com`,
      bucketRegionalDomainName: `${bucket}.s3.${region(ctx)}.amazonaws.com`,
      region: region(ctx),
    };
  },
  "aws:kms/key:Key": (ctx) => {
    const keyId = fakeUuid(ctx.urn);
    return { id: keyId, keyId, arn: arn(ctx, "kms", `key/${keyId}`) };
  },
  "aws:kms/alias:Alias": (ctx) => {
    const name = str(ctx.inputs.name, `alias/${autoName(ctx)}`);
    return { id: name, name, arn: arn(ctx, "kms", name), targetKeyArn: arn(ctx, "kms", `key/${fakeUuid(ctx.urn)}`) };
  },
  "aws:iam/role:Role": (ctx) => {
    const name = str(ctx.inputs.name, autoName(ctx));
    const path = str(ctx.inputs.path, "/");
    return {
      id: name,
      name,
      arn: arn(ctx, "iam", `role${path}${name}`, { global: true }),
      uniqueId: `AROA${digest(ctx.urn, 17).toUpperCase()}`,
    };
  },
  "aws:iam/policy:Policy": (ctx) => {
    const name = str(ctx.inputs.name, autoName(ctx));
    const policyArn = arn(ctx, "iam", `policy${str(ctx.inputs.path, "/")}${name}`, { global: true });
    return { id: policyArn, name, arn: policyArn, policyId: `ANPA${digest(ctx.urn, 17).toUpperCase()}` };
  },
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (ctx) => {
    const host = str(ctx.inputs.url, "https://issuer.example.com").replace(/^https:\/\//, "");
    const providerArn = arn(ctx, "iam", `oidc-provider/${host}`, { global: true });
    return { id: providerArn, arn: providerArn };
  },
  // The fleet's groups launch the template's latest version (components/aws/runner-fleet.ts).
  "aws:ec2/launchTemplate:LaunchTemplate": (ctx) => {
    const id = `lt-${digest(ctx.urn, 17)}`;
    return { id, arn: arn(ctx, "ec2", `launch-template/${id}`), latestVersion: 1, defaultVersion: 1 };
  },
  "aws:organizations/organization:Organization": (ctx) => {
    const id = `o-${digest(ctx.urn, 10)}`;
    const rootId = `r-${digest(`${ctx.urn}/root`, 4)}`;
    return {
      id,
      arn: `arn:aws:organizations::${PLAN_ACCOUNT_ID}:organization/${id}`,
      masterAccountId: PLAN_ACCOUNT_ID,
      roots: [
        {
          id: rootId,
          name: "Root",
          arn: `arn:aws:organizations::${PLAN_ACCOUNT_ID}:root/${id}/${rootId}`,
          policyTypes: [],
        },
      ],
    };
  },
  "aws:organizations/organizationalUnit:OrganizationalUnit": (ctx) => {
    const id = `ou-${digest(`${ctx.urn}/root`, 4)}-${digest(ctx.urn, 8)}`;
    return { id, arn: `arn:aws:organizations::${PLAN_ACCOUNT_ID}:ou/o-plan/${id}` };
  },
  "aws:organizations/account:Account": (ctx) => {
    const id = String(100000000000 + (parseInt(digest(ctx.urn, 10), 16) % 899999999999));
    return { id, arn: `arn:aws:organizations::${PLAN_ACCOUNT_ID}:account/o-plan/${id}` };
  },
  "aws:identitystore/group:Group": (ctx) => {
    const groupId = fakeUuid(ctx.urn);
    return { id: `${str(ctx.inputs.identityStoreId, "d-plan")}/${groupId}`, groupId };
  },
  "aws:ssoadmin/permissionSet:PermissionSet": (ctx) => {
    const psArn = `arn:aws:sso:::permissionSet/ssoins-${digest("instance", 16)}/ps-${digest(ctx.urn, 16)}`;
    return { id: psArn, arn: psArn };
  },
  "aws:route53/zone:Zone": (ctx) => {
    const zoneId = `Z${digest(ctx.urn, 20).toUpperCase()}`;
    return {
      id: zoneId,
      zoneId,
      arn: `arn:aws:route53:::hostedzone/${zoneId}`,
      nameServers: [1, 2, 3, 4].map((i) => `ns-${i}.awsdns-plan.example.net`),
    };
  },
  "aws:secretsmanager/secret:Secret": (ctx) => {
    const name = str(ctx.inputs.name, autoName(ctx));
    const secretArn = arn(ctx, "secretsmanager", `secret:${name}-${digest(ctx.urn, 6)}`);
    return { id: secretArn, arn: secretArn, name };
  },
  "aws:iam/user:User": (ctx) => {
    const name = str(ctx.inputs.name, autoName(ctx));
    return { id: name, name, arn: arn(ctx, "iam", `user${str(ctx.inputs.path, "/")}${name}`, { global: true }) };
  },
  "aws:iam/accessKey:AccessKey": (ctx) => ({
    id: `AKIAPLAN${digest(ctx.urn, 12).toUpperCase()}`,
    secret: new Secret(`plan-secret-access-key-${digest(`${ctx.urn}/secret`, 24)}`),
    status: "Active",
  }),
  "proxmoxve:download/file:File": (ctx) => {
    const id = `${str(ctx.inputs.datastoreId, "local")}:${str(ctx.inputs.contentType, "iso")}/${str(ctx.inputs.fileName, autoName(ctx))}`;
    return { id };
  },
  "proxmoxve:index/fileLegacy:FileLegacy": (ctx) => {
    // The source is secret when its data is; its file name is not, and names the snippet.
    const source = reveal(ctx.inputs.sourceRaw) as Record<string, Value> | undefined;
    const fileName = str(source?.fileName, autoName(ctx));
    return { id: `${str(ctx.inputs.datastoreId, "local")}:${str(ctx.inputs.contentType, "snippets")}/${fileName}` };
  },
  "proxmoxve:index/vmLegacy:VmLegacy": (ctx) => {
    const vmId = typeof ctx.inputs.vmId === "number" ? ctx.inputs.vmId : 100 + (parseInt(digest(ctx.urn, 4), 16) % 900);
    return { id: String(vmId), vmId, ipv4Addresses: [], macAddresses: [] };
  },
  // A Proxmox API token's value is `user@realm!token=<uuid>`, and the API returns it once.
  "proxmoxve:user/tokenLegacy:TokenLegacy": (ctx) => ({
    id: `${str(reveal(ctx.inputs.userId), "user@pve")}!${str(ctx.inputs.tokenName, "token")}`,
    value: new Secret(
      `${str(reveal(ctx.inputs.userId), "user@pve")}!${str(ctx.inputs.tokenName, "token")}=${fakeUuid(ctx.urn)}`,
    ),
  }),
  // The lab renders these ARNs into the runner VM's AWS profile, whose renderer checks their shape.
  "aws:rolesanywhere/trustAnchor:TrustAnchor": (ctx) => {
    const id = fakeUuid(ctx.urn);
    return { id, arn: arn(ctx, "rolesanywhere", `trust-anchor/${id}`) };
  },
  "aws:rolesanywhere/profile:Profile": (ctx) => {
    const id = fakeUuid(ctx.urn);
    return { id, arn: arn(ctx, "rolesanywhere", `profile/${id}`) };
  },
  // The Talos dynamic resources (components/talos/): ids as their providers make them (`<address>:<port>`), and the
  // outcome of a first bootstrap; the bootstrap's id is the health gate's trigger.
  "pulumi-nodejs:dynamic/talos:Bootstrap": (ctx) => ({
    id: `${str(ctx.inputs.node, "0.0.0.0")}:${String(ctx.inputs.port ?? 50000)}`,
    outcome: "bootstrapped",
  }),
  "pulumi-nodejs:dynamic/talos:KubernetesApiReady": (ctx) => ({
    id: `${str(ctx.inputs.host, "0.0.0.0")}:${String(ctx.inputs.port ?? 6443)}`,
  }),
  "tls:index/privateKey:PrivateKey": privateKey,
  "tls:index/selfSignedCert:SelfSignedCert": certificate,
  "tls:index/locallySignedCert:LocallySignedCert": certificate,
  "tls:index/certRequest:CertRequest": (ctx) => ({ certRequestPem: fakePem("CERTIFICATE REQUEST", ctx.urn) }),
  "random:index/randomPassword:RandomPassword": (ctx) => ({
    result: new Secret(`plan-${digest(ctx.urn, Math.max(8, Number(ctx.inputs.length ?? 32) - 5))}`),
    bcryptHash: new Secret(`$2a$10$${digest(`${ctx.urn}/bcrypt`, 53)}`),
  }),
  "random:index/randomString:RandomString": (ctx) => ({
    result: digest(ctx.urn, Number(ctx.inputs.length ?? 16)),
  }),
  "random:index/randomBytes:RandomBytes": (ctx) => {
    const bytes = Buffer.from(digest(ctx.urn, 2 * Number(ctx.inputs.length ?? 32)), "hex");
    return { base64: new Secret(bytes.toString("base64")), hex: new Secret(bytes.toString("hex")) };
  },
  "random:index/randomId:RandomId": (ctx) => {
    const bytes = Buffer.from(digest(ctx.urn, 2 * Number(ctx.inputs.byteLength ?? 8)), "hex");
    return {
      hex: bytes.toString("hex"),
      b64Std: bytes.toString("base64"),
      b64Url: bytes.toString("base64url"),
      dec: BigInt(`0x${bytes.toString("hex")}`).toString(10),
    };
  },
  "random:index/randomUuid:RandomUuid": (ctx) => ({ result: fakeUuid(ctx.urn) }),
  // GitLab objects are dynamic resources (components/gitlab/): ids are small integers in GitLab, and a runner's
  // authentication token is a `glrt-` string that the API returns once.
  "pulumi-nodejs:dynamic/gitlab:GroupLabel": (ctx) => ({ labelId: fakeInteger(ctx.urn), adopted: false }),
  "pulumi-nodejs:dynamic/gitlab:UserRunner": (ctx) => ({
    runnerId: fakeInteger(ctx.urn),
    token: new Secret(`glrt-offline-plan-placeholder-${digest(ctx.urn, 12)}`),
    tokenExpiresAt: null,
  }),
  "pulumi-nodejs:dynamic/gitlab:DeployKey": (ctx) => ({ keyId: fakeInteger(ctx.urn), adopted: false }),
  // A project's protection (components/gitlab/project-protection.ts): approval rules name branches by these IDs.
  "pulumi-nodejs:dynamic/gitlab:ProtectedBranch": (ctx) => ({
    protectedBranchId: fakeInteger(ctx.urn),
    adopted: false,
  }),
  "pulumi-nodejs:dynamic/gitlab:ProjectPushRule": (ctx) => ({ pushRuleId: fakeInteger(ctx.urn), adopted: false }),
  "pulumi-nodejs:dynamic/gitlab:ProjectApprovalRule": (ctx) => ({ ruleId: fakeInteger(ctx.urn), adopted: false }),
  "random:index/randomInteger:RandomInteger": (ctx) => {
    const min = Number(ctx.inputs.min ?? 0);
    const max = Number(ctx.inputs.max ?? min);
    return { result: min + (parseInt(digest(ctx.urn, 8), 16) % (max - min + 1)) };
  },
};

/**
 * Computed state for a custom resource: its inputs (providers echo them) overlaid with what the provider would
 * compute. AWS resources not in the table get an `arn` and an auto-name-shaped `id`.
 */
export function synthesizeResource(ctx: SynthesisContext): { id: string; state: Record<string, Value> } {
  const specific = RESOURCES[ctx.type]?.(ctx) ?? {};
  const fallback: Record<string, Value> = {};
  if (ctx.type.startsWith("aws:") && !("arn" in specific)) {
    const [, module = "aws", kind = "resource"] = ctx.type.split(/[:/]/);
    fallback.arn = arn(ctx, module, `${kind.toLowerCase()}/${autoName(ctx)}`);
  }
  const state = { ...ctx.inputs, ...fallback, ...specific };
  const id = typeof state.id === "string" ? state.id : autoName(ctx);
  return { id, state };
}

/** What an invoke synthesizer is given. */
export interface InvokeContext {
  readonly token: string;
  readonly args: Record<string, Value>;
  readonly providerInputs: Record<string, Value>;
}

/** Synthetic results of the invokes Foundation's programs make, by function token. */
const INVOKES: Record<string, (ctx: InvokeContext) => Record<string, Value>> = {
  "aws:index/getCallerIdentity:getCallerIdentity": () => ({
    id: PLAN_ACCOUNT_ID,
    accountId: PLAN_ACCOUNT_ID,
    arn: `arn:aws:iam::${PLAN_ACCOUNT_ID}:user/foundation-plan`,
    userId: "AIDAPLANPLACEHOLDER0",
  }),
  "aws:index/getPartition:getPartition": () => ({
    id: "aws",
    partition: "aws",
    dnsSuffix: "amazonaws.com",
    reverseDnsPrefix: "com.amazonaws",
  }),
  "aws:ssoadmin/getInstances:getInstances": (ctx) => ({
    id: str(ctx.providerInputs.region, "us-east-1"),
    arns: [`arn:aws:sso:::instance/ssoins-${digest("instance", 16)}`],
    identityStoreIds: [`d-${digest("identity-store", 10)}`],
  }),
  "aws:index/getRegion:getRegion": (ctx) => {
    const name = str(ctx.providerInputs.region, "us-east-1");
    return { id: name, name, region: name, endpoint: `ec2.${name}.amazonaws.com`, description: name };
  },
};

/** The synthetic result of an invoke, or an error that says where to add one. */
export function synthesizeInvoke(ctx: InvokeContext): Record<string, Value> {
  const synth = INVOKES[ctx.token];
  if (!synth) {
    throw new Error(
      `the offline plan has no synthetic result for invoke '${ctx.token}'; add one to INVOKES in tools/plan/synthesize.ts`,
    );
  }
  return synth(ctx);
}
