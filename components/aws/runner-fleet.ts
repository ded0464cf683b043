import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { Document } from "yaml";
import { KEY_USER_ACTIONS, KmsKey } from "./kms-key";
import { renderPolicy, Statement } from "./policy-document";
import { PrivateBucket } from "./private-bucket";
import { FOUNDATION_IAM_PATH } from "./iam-path";
import { RunnerImagePipeline, RunnerImagePipelineArgs } from "./runner-image";

/**
 * One autoscaled runner pool: one ASG, driven by one `[[runners]]` entry
 * (https://docs.gitlab.com/runner/executors/docker_autoscaler/).
 */
export interface FleetPool {
  readonly name: string;
  readonly architecture: "arm64" | "amd64";
  readonly instanceTypes: readonly string[];
  readonly maxInstances: number;
  /** All capacity above the (zero) base is Spot. */
  readonly spot: boolean;
}

/** The latest Amazon Linux 2023 AMI per architecture, resolved by EC2 at every launch from AWS's public SSM parameter. */
export const DEFAULT_AMI: Record<FleetPool["architecture"], string> = {
  arm64: "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
  amd64: "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
};

/** The image the fleet's instances boot, when it is not stock Amazon Linux 2023. */
export interface FleetImage {
  /** The Image Builder pipeline that bakes it, one variant per architecture of the pools. */
  readonly bake: Omit<
    RunnerImagePipelineArgs,
    "vpcId" | "subnetId" | "region" | "permissionsBoundary" | "rootVolumeGiB"
  >;
  /**
   * Boot this AMI (one the pipeline baked) instead of the pipeline's newest, e.g. to roll back from a bad build; one
   * AMI is one architecture, so only with pools of one architecture.
   */
  readonly pinned?: string;
}

/** Arguments of {@link RunnerFleet}. */
export interface RunnerFleetArgs {
  readonly pools: readonly FleetPool[];
  /** CIDR of the fleet's VPC. */
  readonly vpcCidr: string;
  /** Availability zones to spread instances over, one public subnet each. */
  readonly availabilityZones: readonly string[];
  /** Source CIDRs of the runner manager; the only addresses allowed to reach the instances (SSH). */
  readonly managerSourceCidrs: readonly string[];
  /**
   * The baked image, Docker and the job images already in it; without it, stock Amazon Linux 2023 ({@link DEFAULT_AMI})
   * with Docker installed by cloud-init at every boot.
   */
  readonly image?: FleetImage;
  /** @default 50 */
  readonly rootVolumeGiB?: number;
  /** Name of the S3 bucket for the runner cache. */
  readonly cacheBucketName: string;
  /** Days after which cache objects expire. @default 14 */
  readonly cacheExpirationDays?: number;
  /** Alias (without `alias/`) of the KMS key the fleet makes for cache objects. */
  readonly cacheKeyAlias: string;
  /** The region the fleet runs in. */
  readonly region: string;
  /** The account the fleet runs in (the provider's account). */
  readonly accountId: pulumi.Input<string>;
  /**
   * ARN of the account's permissions boundary, which the manager role carries: the deployer role may create and
   * change roles only with it (components/aws/guardrails.ts). Pass it as an Output of the boundary policy so the role
   * waits for it.
   */
  readonly permissionsBoundary?: pulumi.Input<string>;
  /** Subject CN of the manager's client certificate; the role trusts only that CN. */
  readonly managerCommonName: string;
  /** Validity of the manager's client certificate. @default 8760 (one year) */
  readonly managerCertificateHours?: number;
}

/**
 * The instances' user-data: Docker for the connector user, nothing that registers a runner (the prerequisites of
 * https://docs.gitlab.com/runner/executors/docker_autoscaler/). A stock image installs Docker at boot, after a
 * package index refresh; a baked image has it installed, enabled and the user in its group already
 * (components/aws/runner-image.ts), so its user-data installs nothing and skips the refresh, which is most of what
 * stood between boot and the first job (docs/runners.md, "What to expect of speed").
 */
export function fleetUserData(image: "stock" | "baked" = "stock"): string {
  const config =
    image === "stock"
      ? {
          package_update: true,
          packages: ["docker"],
          runcmd: [
            ["systemctl", "enable", "--now", "docker"],
            ["usermod", "-aG", "docker", "ec2-user"],
          ],
        }
      : { package_update: false, package_upgrade: false };
  // cloud-init recognises user-data by its first line, the `#cloud-config` comment.
  const document = new Document(config);
  document.commentBefore = "cloud-config";
  return document.toString();
}

/**
 * The role trust for Roles Anywhere: only the fleet's trust anchor, only the manager's certificate CN, as
 * https://docs.aws.amazon.com/rolesanywhere/latest/userguide/trust-model.html recommends.
 */
export function managerTrustPolicy(trustAnchorArn: string, commonName: string): string {
  return renderPolicy([
    {
      Sid: "RolesAnywhereManager",
      Effect: "Allow",
      Principal: { Service: "rolesanywhere.amazonaws.com" },
      Action: ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
      Condition: {
        ArnEquals: { "aws:SourceArn": trustAnchorArn },
        StringEquals: { "aws:PrincipalTag/x509Subject/CN": commonName },
      },
    },
  ]);
}

/**
 * What the manager may do: exactly the fleeting AWS plugin's permissions, scoped to the fleet's ASGs, plus the
 * cache bucket and its key. Describe calls cannot be scoped to a resource. `ec2:GetPasswordData` is left out: it
 * is for Windows instances only (https://gitlab.com/gitlab-org/fleeting/plugins/aws#recommended-iam-policy).
 */
export function managerPolicy(
  asgArns: readonly string[],
  asgNames: readonly string[],
  region: string,
  accountId: string,
  cacheBucketArn: string,
  cacheKeyArn: string,
): string {
  const statements: Statement[] = [
    {
      Sid: "ScaleOwnGroups",
      Effect: "Allow",
      Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
      Resource: [...asgArns],
    },
    {
      Sid: "DescribeFleet",
      Effect: "Allow",
      Action: [
        "autoscaling:DescribeAutoScalingGroups",
        "autoscaling:DescribeAutoScalingInstances",
        "ec2:DescribeInstances",
      ],
      Resource: "*",
    },
    {
      Sid: "ConnectToOwnInstances",
      Effect: "Allow",
      Action: "ec2-instance-connect:SendSSHPublicKey",
      Resource: `arn:aws:ec2:${region}:${accountId}:instance/*`,
      Condition: { StringEquals: { "ec2:ResourceTag/aws:autoscaling:groupName": [...asgNames] } },
    },
    { Sid: "ListCache", Effect: "Allow", Action: "s3:ListBucket", Resource: cacheBucketArn },
    {
      Sid: "UseCache",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      Resource: `${cacheBucketArn}/*`,
    },
    { Sid: "UseCacheKey", Effect: "Allow", Action: [...KEY_USER_ACTIONS], Resource: cacheKeyArn },
  ];
  return renderPolicy(statements);
}

/**
 * The ARM spot runner fleet in AWS: a VPC with public subnets, a security group that admits SSH from the manager
 * only, one launch template per architecture (IMDSv2, encrypted gp3), one ASG per pool shaped as docker-autoscaler
 * requires, the cache bucket, and the manager's identity through IAM Roles Anywhere with a CA of its own.
 */
export class RunnerFleet extends pulumi.ComponentResource {
  /** ASG names by pool name. */
  readonly asgNames: pulumi.Output<Record<string, string>>;
  /** The cache bucket's name. */
  readonly cacheBucketName: pulumi.Output<string>;
  /** ARN of the cache's KMS key. */
  readonly cacheKeyArn: pulumi.Output<string>;
  /** The manager role's ARN. */
  readonly managerRoleArn: pulumi.Output<string>;
  /** The Roles Anywhere trust anchor's ARN. */
  readonly trustAnchorArn: pulumi.Output<string>;
  /** The Roles Anywhere profile's ARN. */
  readonly profileArn: pulumi.Output<string>;
  /** The manager's client certificate (PEM). */
  readonly managerCertificatePem: pulumi.Output<string>;
  /** The manager's private key (PEM); secret. */
  readonly managerPrivateKeyPem: pulumi.Output<string>;

  constructor(name: string, args: RunnerFleetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("foundation:aws:RunnerFleet", name, {}, opts);
    if (args.pools.length === 0)
      throw new pulumi.ResourceError(`RunnerFleet '${name}': define at least one pool`, this);
    if (args.availabilityZones.length === 0) {
      throw new pulumi.ResourceError(`RunnerFleet '${name}': name at least one availability zone`, this);
    }

    // Network: public subnets, because an on-premises manager reaches instances on their public address
    // (`use_external_addr`, https://docs.gitlab.com/runner/configuration/advanced-configuration/), and only the
    // manager may.
    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      { cidrBlock: args.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: { Name: `${name}-vpc` } },
      { parent: this },
    );
    const gateway = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id }, { parent: this });
    const routes = new aws.ec2.RouteTable(
      `${name}-public`,
      { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: gateway.id }] },
      { parent: this },
    );
    const subnets = args.availabilityZones.map((zone, i) => {
      const subnet = new aws.ec2.Subnet(
        `${name}-public-${zone}`,
        {
          vpcId: vpc.id,
          availabilityZone: zone,
          cidrBlock: subnetCidr(args.vpcCidr, i),
          mapPublicIpOnLaunch: true,
          tags: { Name: `${name}-public-${zone}` },
        },
        { parent: this },
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-public-${zone}`,
        { subnetId: subnet.id, routeTableId: routes.id },
        { parent: this },
      );
      return subnet;
    });

    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-instances`,
      { vpcId: vpc.id, description: "Runner instances: SSH from the runner manager only" },
      { parent: this },
    );
    args.managerSourceCidrs.forEach((cidr, i) => {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-ssh-${i}`,
        {
          securityGroupId: securityGroup.id,
          description: "SSH from the runner manager",
          ipProtocol: "tcp",
          fromPort: 22,
          toPort: 22,
          cidrIpv4: cidr,
        },
        { parent: this },
      );
    });
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-egress`,
      {
        securityGroupId: securityGroup.id,
        description: "Jobs pull images and dependencies",
        ipProtocol: "-1",
        cidrIpv4: "0.0.0.0/0",
      },
      { parent: this },
    );

    const architectures = [...new Set(args.pools.map((p) => p.architecture))];
    const image = args.image;
    if (image?.pinned !== undefined) {
      if (!/^ami-[0-9a-f]{8,17}$/.test(image.pinned)) {
        throw new pulumi.ResourceError(`RunnerFleet '${name}': image.pinned '${image.pinned}' is not an AMI id`, this);
      }
      if (architectures.length > 1) {
        throw new pulumi.ResourceError(
          `RunnerFleet '${name}': image.pinned is one AMI of one architecture, but the pools use ${architectures.join(" and ")}; unpin it`,
          this,
        );
      }
    }
    const baked = image
      ? new RunnerImagePipeline(
          `${name}-image`,
          {
            ...image.bake,
            vpcId: vpc.id,
            subnetId: subnets[0].id,
            region: args.region,
            permissionsBoundary: args.permissionsBoundary,
            rootVolumeGiB: args.rootVolumeGiB ?? 50,
          },
          { parent: this },
        )
      : undefined;
    const imageId = (architecture: FleetPool["architecture"]): string => {
      if (!image || !baked) return DEFAULT_AMI[architecture];
      if (image.pinned !== undefined) return image.pinned;
      const parameter = baked.parameterNames[architecture];
      if (parameter === undefined) {
        throw new pulumi.ResourceError(
          `RunnerFleet '${name}': a pool is ${architecture}, but image.bake has no ${architecture} variant; add one`,
          this,
        );
      }
      return `resolve:ssm:${parameter}`;
    };
    const templates = Object.fromEntries(
      architectures.map((architecture) => [
        architecture,
        new aws.ec2.LaunchTemplate(
          `${name}-${architecture}`,
          {
            description: `GitLab Runner ${architecture} instances`,
            imageId: imageId(architecture),
            userData: Buffer.from(fleetUserData(image ? "baked" : "stock")).toString("base64"),
            // IMDSv2 only, and one hop: job containers cannot reach the instance metadata service.
            metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
            blockDeviceMappings: [
              {
                deviceName: "/dev/xvda",
                ebs: {
                  volumeType: "gp3",
                  volumeSize: args.rootVolumeGiB ?? 50,
                  encrypted: "true",
                  deleteOnTermination: "true",
                },
              },
            ],
            networkInterfaces: [{ associatePublicIpAddress: "true", securityGroups: [securityGroup.id] }],
            tagSpecifications: [{ resourceType: "instance", tags: { Name: `${name}-${architecture}` } }],
          },
          // The first builds write the SSM parameters the templates name, so no instance resolves a missing one.
          { parent: this, dependsOn: baked ? [...baked.builds] : [] },
        ),
      ]),
    ) as Record<FleetPool["architecture"], aws.ec2.LaunchTemplate>;

    const groups = args.pools.map(
      (pool) =>
        new aws.autoscaling.Group(
          `${name}-${pool.name}`,
          {
            name: `${name}-${pool.name}`,
            minSize: 0,
            maxSize: pool.maxInstances,
            desiredCapacity: 0,
            // The runner owns scaling: no policies, scale-in protection, no rebalancing
            // (https://docs.gitlab.com/runner/executors/docker_autoscaler/).
            protectFromScaleIn: true,
            suspendedProcesses: ["AZRebalance"],
            capacityRebalance: false,
            vpcZoneIdentifiers: subnets.map((s) => s.id),
            mixedInstancesPolicy: {
              instancesDistribution: {
                onDemandBaseCapacity: 0,
                onDemandPercentageAboveBaseCapacity: pool.spot ? 0 : 100,
                spotAllocationStrategy: "capacity-optimized",
              },
              launchTemplate: {
                launchTemplateSpecification: {
                  launchTemplateId: templates[pool.architecture].id,
                  version: templates[pool.architecture].latestVersion.apply(String),
                },
                overrides: pool.instanceTypes.map((instanceType) => ({ instanceType })),
              },
            },
          },
          // The runner sets the desired capacity; Pulumi must not reset it.
          { parent: this, ignoreChanges: ["desiredCapacity"] },
        ),
    );

    // Roles Anywhere: a CA of the fleet's own (no ACM PCA cost), its trust anchor, the manager's certificate.
    const caKey = new tls.PrivateKey(
      `${name}-ca`,
      { algorithm: "ECDSA", ecdsaCurve: "P256" },
      { parent: this, protect: true },
    );
    const caCert = new tls.SelfSignedCert(
      `${name}-ca`,
      {
        privateKeyPem: caKey.privateKeyPem,
        isCaCertificate: true,
        validityPeriodHours: 87600,
        allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
        subject: { commonName: `${name} runner manager CA`, organization: "mson" },
      },
      { parent: this, protect: true },
    );
    const trustAnchor = new aws.rolesanywhere.TrustAnchor(
      `${name}-anchor`,
      {
        name: `${name}-runner-manager`,
        enabled: true,
        source: { sourceType: "CERTIFICATE_BUNDLE", sourceData: { x509CertificateData: caCert.certPem } },
      },
      { parent: this },
    );
    const role = new aws.iam.Role(
      `${name}-manager`,
      {
        name: `${name}-runner-manager`,
        path: FOUNDATION_IAM_PATH,
        description: "GitLab Runner manager on premises, through IAM Roles Anywhere",
        assumeRolePolicy: trustAnchor.arn.apply((arn) => managerTrustPolicy(arn, args.managerCommonName)),
        permissionsBoundary: args.permissionsBoundary,
      },
      { parent: this },
    );
    // The cache key names the manager role as its only user, and only through S3.
    const cacheKey = new KmsKey(
      `${name}-cache`,
      {
        description: "GitLab Runner cache objects in S3",
        alias: args.cacheKeyAlias,
        accountId: args.accountId,
        userArns: [role.arn],
        viaServices: [`s3.${args.region}.amazonaws.com`],
      },
      { parent: this },
    );
    const cache = new PrivateBucket(
      `${name}-cache`,
      {
        bucketName: args.cacheBucketName,
        kmsKeyArn: cacheKey.arn,
        lifecycleRules: [
          {
            id: "expire-cache",
            status: "Enabled",
            filter: {},
            expiration: { days: args.cacheExpirationDays ?? 14 },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
          },
        ],
      },
      { parent: this },
    );

    new aws.iam.RolePolicy(
      `${name}-manager`,
      {
        role: role.name,
        name: "fleeting-and-cache",
        policy: pulumi
          .all([
            pulumi.all(groups.map((g) => g.arn)),
            pulumi.all(groups.map((g) => g.name)),
            cache.arn,
            cacheKey.arn,
            args.accountId,
          ])
          .apply(([arns, names, bucketArn, keyArn, accountId]) =>
            managerPolicy(arns, names, args.region, accountId, bucketArn, keyArn),
          ),
      },
      { parent: this },
    );
    const profile = new aws.rolesanywhere.Profile(
      `${name}-manager`,
      { name: `${name}-runner-manager`, enabled: true, roleArns: [role.arn], durationSeconds: 3600 },
      { parent: this },
    );
    const managerKey = new tls.PrivateKey(
      `${name}-manager`,
      { algorithm: "ECDSA", ecdsaCurve: "P256" },
      { parent: this },
    );
    const request = new tls.CertRequest(
      `${name}-manager`,
      {
        privateKeyPem: managerKey.privateKeyPem,
        subject: { commonName: args.managerCommonName, organization: "mson" },
      },
      { parent: this },
    );
    const managerCert = new tls.LocallySignedCert(
      `${name}-manager`,
      {
        certRequestPem: request.certRequestPem,
        caPrivateKeyPem: caKey.privateKeyPem,
        caCertPem: caCert.certPem,
        validityPeriodHours: args.managerCertificateHours ?? 8760,
        // Renewed by the next `up` in the month before expiry.
        earlyRenewalHours: 720,
        // Roles Anywhere requires digital signature on an end-entity certificate
        // (https://docs.aws.amazon.com/rolesanywhere/latest/userguide/trust-model.html).
        allowedUses: ["digital_signature", "client_auth"],
      },
      { parent: this },
    );

    this.asgNames = pulumi
      .all(Object.fromEntries(args.pools.map((pool, i) => [pool.name, groups[i].name])))
      .apply((v) => v as Record<string, string>);
    this.cacheBucketName = cache.bucketName;
    this.cacheKeyArn = cacheKey.arn;
    this.managerRoleArn = role.arn;
    this.trustAnchorArn = trustAnchor.arn;
    this.profileArn = profile.arn;
    this.managerCertificatePem = managerCert.certPem;
    this.managerPrivateKeyPem = pulumi.secret(managerKey.privateKeyPem);
    this.registerOutputs({
      asgNames: this.asgNames,
      cacheBucketName: this.cacheBucketName,
      cacheKeyArn: this.cacheKeyArn,
      managerRoleArn: this.managerRoleArn,
      trustAnchorArn: this.trustAnchorArn,
      profileArn: this.profileArn,
      managerCertificatePem: this.managerCertificatePem,
      managerPrivateKeyPem: this.managerPrivateKeyPem,
    });
  }
}

/** The `index`-th subnet of `vpcCidr`, four bits longer than the VPC's prefix (room for 16 zones). */
export function subnetCidr(vpcCidr: string, index: number): string {
  const [address, bitsText] = vpcCidr.split("/");
  const bits = Number(bitsText);
  if (bits > 24) throw new Error(`vpcCidr ${vpcCidr} is too small: use a /24 or larger`);
  const subnetBits = bits + 4;
  if (index >= 16) throw new Error(`vpcCidr ${vpcCidr} has room for 16 subnets, not ${index + 1}`);
  const base = address.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
  const start = base + index * 2 ** (32 - subnetBits);
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(start / 2 ** shift) % 256);
  return `${octets.join(".")}/${subnetBits}`;
}
