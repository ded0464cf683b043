import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as aws from "@pulumi/aws";
import * as tls from "@pulumi/tls";
import { record } from "../../tools/plan/testing";
import { Secret } from "../../tools/plan/values";
import {
  FleetImage,
  fleetUserData,
  managerTrustPolicy,
  RunnerFleet,
  RunnerFleetArgs,
  subnetCidr,
} from "./runner-fleet";

const args: RunnerFleetArgs = {
  pools: [
    {
      name: "arm-small",
      architecture: "arm64",
      instanceTypes: ["c7g.large", "c6g.large"],
      maxInstances: 10,
      spot: true,
    },
    {
      name: "arm-large",
      architecture: "arm64",
      instanceTypes: ["c7g.2xlarge", "m7g.2xlarge"],
      maxInstances: 4,
      spot: false,
    },
  ],
  vpcCidr: "10.40.0.0/16",
  availabilityZones: ["eu-central-1a", "eu-central-1b"],
  managerSourceCidrs: ["198.51.100.7/32"],
  cacheBucketName: "acme-runner-cache",
  cacheKeyAlias: "runner-cache",
  region: "eu-central-1",
  accountId: "123456789012",
  managerCommonName: "gitlab-runner-manager",
  permissionsBoundary: "arn:aws:iam::123456789012:policy/foundation/foundation-boundary",
};

const IMAGE: FleetImage = {
  bake: {
    variants: [
      {
        architecture: "arm64",
        instanceType: "c7g.large",
        preloadImages: [`registry.example.com/helper:arm64-v1@sha256:${"a".repeat(64)}`],
        nodeExporterSha256: "b".repeat(64),
      },
    ],
    nodeExporterVersion: "1.9.1",
    schedule: "cron(0 4 ? * mon *)",
    parameterPrefix: "/imagebuilder/foundation/runner-image",
  },
};

async function recordFleet(overrides: Partial<RunnerFleetArgs> = {}) {
  return record(() => {
    const fleet = new RunnerFleet(
      "ci",
      { ...args, ...overrides },
      {
        providers: { aws: new aws.Provider("aws", { region: "eu-central-1" }), tls: new tls.Provider("tls") },
      },
    );
    return { asgNames: fleet.asgNames, key: fleet.managerPrivateKeyPem, cert: fleet.managerCertificatePem };
  });
}

describe("RunnerFleet", () => {
  it("makes one ASG per pool shaped as docker-autoscaler requires", async () => {
    const rec = await recordFleet();
    const groups = rec.ofType("aws:autoscaling/group:Group");
    expect(groups.map((g) => g.name)).toEqual(["ci-arm-small", "ci-arm-large"]);
    const small = rec.inputsOf("ci-arm-small");
    expect(small).toMatchObject({
      name: "ci-arm-small",
      minSize: 0,
      maxSize: 10,
      desiredCapacity: 0,
      protectFromScaleIn: true,
      suspendedProcesses: ["AZRebalance"],
      capacityRebalance: false,
    });
    expect(rec.named("ci-arm-small").ignoreChanges).toEqual(["desiredCapacity"]);
    expect(small.mixedInstancesPolicy).toEqual({
      instancesDistribution: {
        onDemandBaseCapacity: 0,
        onDemandPercentageAboveBaseCapacity: 0,
        spotAllocationStrategy: "capacity-optimized",
      },
      launchTemplate: {
        launchTemplateSpecification: { launchTemplateId: rec.named("ci-arm64").id, version: expect.any(String) },
        overrides: [{ instanceType: "c7g.large" }, { instanceType: "c6g.large" }],
      },
    });
    expect(rec.inputsOf("ci-arm-large").mixedInstancesPolicy).toMatchObject({
      instancesDistribution: { onDemandPercentageAboveBaseCapacity: 100 },
    });
    // No scaling policies: the runner alone decides capacity.
    expect(rec.ofType("aws:autoscaling/policy:Policy")).toEqual([]);
  });

  it("launches the current arm64 image with IMDSv2 required and an encrypted gp3 root volume", async () => {
    const rec = await recordFleet();
    expect(rec.ofType("aws:ec2/launchTemplate:LaunchTemplate").map((t) => t.name)).toEqual(["ci-arm64"]);
    const template = rec.inputsOf("ci-arm64");
    expect(template.imageId).toBe("resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64");
    expect(template.metadataOptions).toEqual({
      httpEndpoint: "enabled",
      httpTokens: "required",
      httpPutResponseHopLimit: 1,
    });
    expect(template.blockDeviceMappings).toEqual([
      {
        deviceName: "/dev/xvda",
        ebs: { volumeType: "gp3", volumeSize: 50, encrypted: "true", deleteOnTermination: "true" },
      },
    ]);
    expect(Buffer.from(template.userData as string, "base64").toString()).toBe(fleetUserData());
  });

  it("boots the pipeline's newest image through its SSM parameter, once the first build wrote it, installing nothing", async () => {
    const rec = await recordFleet({ image: IMAGE });
    const template = rec.inputsOf("ci-arm64", "aws:ec2/launchTemplate:LaunchTemplate");
    expect(template.imageId).toBe("resolve:ssm:/imagebuilder/foundation/runner-image/arm64");
    const userData = Buffer.from(template.userData as string, "base64").toString();
    expect(userData).toBe(fleetUserData("baked"));
    expect(userData).not.toContain("docker");
    expect(rec.named("ci-arm64", "aws:ec2/launchTemplate:LaunchTemplate").dependencies).toContain(
      rec.named("ci-image-arm64", "aws:imagebuilder/image:Image").urn,
    );
    // The build instance runs in the fleet's VPC, in its first subnet.
    expect(
      rec.inputsOf("ci-image-arm64", "aws:imagebuilder/infrastructureConfiguration:InfrastructureConfiguration")
        .subnetId,
    ).toBe(rec.named("ci-public-eu-central-1a", "aws:ec2/subnet:Subnet").id);
  });

  it("boots a pinned AMI instead, still without installing Docker", async () => {
    const rec = await recordFleet({ image: { ...IMAGE, pinned: "ami-0123456789abcdef0" } });
    const template = rec.inputsOf("ci-arm64", "aws:ec2/launchTemplate:LaunchTemplate");
    expect(template.imageId).toBe("ami-0123456789abcdef0");
    expect(Buffer.from(template.userData as string, "base64").toString()).toBe(fleetUserData("baked"));
    expect(rec.ofType("aws:imagebuilder/imagePipeline:ImagePipeline")).toHaveLength(1);
  });

  it("refuses a pinned AMI for pools of two architectures, and a pool whose architecture is not baked", async () => {
    const amd64 = {
      name: "x86",
      architecture: "amd64" as const,
      instanceTypes: ["c7i.large"],
      maxInstances: 1,
      spot: false,
    };
    await expect(
      recordFleet({ pools: [...args.pools, amd64], image: { ...IMAGE, pinned: "ami-0123456789abcdef0" } }),
    ).rejects.toThrow(
      "RunnerFleet 'ci': image.pinned is one AMI of one architecture, but the pools use arm64 and amd64; unpin it",
    );
    await expect(recordFleet({ pools: [...args.pools, amd64], image: IMAGE })).rejects.toThrow(
      "RunnerFleet 'ci': a pool is amd64, but image.bake has no amd64 variant; add one",
    );
    await expect(recordFleet({ image: { ...IMAGE, pinned: "ami-xyz" } })).rejects.toThrow(
      "RunnerFleet 'ci': image.pinned 'ami-xyz' is not an AMI id",
    );
  });

  it("admits SSH from the manager's CIDRs and nothing else", async () => {
    const rec = await recordFleet();
    const ingress = rec.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    expect(ingress.map((r) => [r.inputs.cidrIpv4, r.inputs.fromPort, r.inputs.toPort, r.inputs.ipProtocol])).toEqual([
      ["198.51.100.7/32", 22, 22, "tcp"],
    ]);
    expect(rec.inputsOf("ci-instances")).not.toHaveProperty("ingress");
  });

  it("spreads public subnets over the zones, routed to the internet gateway", async () => {
    const rec = await recordFleet();
    expect(rec.ofType("aws:ec2/subnet:Subnet").map((s) => [s.inputs.availabilityZone, s.inputs.cidrBlock])).toEqual([
      ["eu-central-1a", "10.40.0.0/20"],
      ["eu-central-1b", "10.40.16.0/20"],
    ]);
    expect(rec.inputsOf("ci-public", "aws:ec2/routeTable:RouteTable").routes).toEqual([
      { cidrBlock: "0.0.0.0/0", gatewayId: rec.named("ci-igw").id },
    ]);
  });

  it("grants the manager exactly the fleeting permissions on its own ASGs, the cache and its key", async () => {
    const rec = await recordFleet();
    const policy = JSON.parse(rec.inputsOf("ci-manager", "aws:iam/rolePolicy:RolePolicy").policy as string);
    const asgArns = rec.ofType("aws:autoscaling/group:Group").map((g) => g.outputs.arn);
    const bucketArn = rec.named("ci-cache", "aws:s3/bucket:Bucket").outputs.arn;
    expect(policy.Statement).toEqual([
      {
        Sid: "ScaleOwnGroups",
        Effect: "Allow",
        Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
        Resource: asgArns,
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
        Resource: "arn:aws:ec2:eu-central-1:123456789012:instance/*",
        Condition: { StringEquals: { "ec2:ResourceTag/aws:autoscaling:groupName": ["ci-arm-small", "ci-arm-large"] } },
      },
      { Sid: "ListCache", Effect: "Allow", Action: "s3:ListBucket", Resource: bucketArn },
      {
        Sid: "UseCache",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        Resource: `${bucketArn}/*`,
      },
      {
        Sid: "UseCacheKey",
        Effect: "Allow",
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
        Resource: rec.named("ci-cache-key").outputs.arn,
      },
    ]);
  });

  it("lets only the manager's certificate, through the fleet's trust anchor, assume the manager role", async () => {
    const rec = await recordFleet();
    const anchorArn = rec.named("ci-anchor").outputs.arn as string;
    expect(rec.inputsOf("ci-manager", "aws:iam/role:Role").assumeRolePolicy).toBe(
      managerTrustPolicy(anchorArn, "gitlab-runner-manager"),
    );
    expect(JSON.parse(managerTrustPolicy("arn:anchor", "cn")).Statement[0]).toEqual({
      Sid: "RolesAnywhereManager",
      Effect: "Allow",
      Principal: { Service: "rolesanywhere.amazonaws.com" },
      Action: ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
      Condition: {
        ArnEquals: { "aws:SourceArn": "arn:anchor" },
        StringEquals: { "aws:PrincipalTag/x509Subject/CN": "cn" },
      },
    });
    expect(rec.inputsOf("ci-anchor")).toMatchObject({
      enabled: true,
      source: {
        sourceType: "CERTIFICATE_BUNDLE",
        sourceData: {
          x509CertificateData: rec.named("ci-ca", "tls:index/selfSignedCert:SelfSignedCert").outputs.certPem,
        },
      },
    });
    expect(rec.inputsOf("ci-manager", "aws:rolesanywhere/profile:Profile").roleArns).toEqual([
      rec.named("ci-manager", "aws:iam/role:Role").outputs.arn,
    ]);
  });

  it("bounds the manager role with the account's permissions boundary", async () => {
    const rec = await recordFleet();
    expect(rec.inputsOf("ci-manager", "aws:iam/role:Role").permissionsBoundary).toBe(
      "arn:aws:iam::123456789012:policy/foundation/foundation-boundary",
    );
  });

  it("makes the CA and the manager's certificate as Roles Anywhere requires, key secret, CA protected", async () => {
    const rec = await recordFleet();
    expect(rec.inputsOf("ci-ca", "tls:index/selfSignedCert:SelfSignedCert")).toMatchObject({
      isCaCertificate: true,
      allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
    });
    expect(rec.named("ci-ca", "tls:index/privateKey:PrivateKey").protect).toBe(true);
    expect(rec.inputsOf("ci-manager", "tls:index/certRequest:CertRequest").subject).toEqual({
      commonName: "gitlab-runner-manager",
      organization: "mson",
    });
    expect(rec.inputsOf("ci-manager", "tls:index/locallySignedCert:LocallySignedCert")).toMatchObject({
      allowedUses: ["digital_signature", "client_auth"],
      validityPeriodHours: 8760,
    });
    expect(rec.outputs.key).toBeInstanceOf(Secret);
    expect(rec.outputs.asgNames).toEqual({ "arm-small": "ci-arm-small", "arm-large": "ci-arm-large" });
  });

  it("keeps cache objects private, encrypted with a key only the manager uses through S3, and expiring", async () => {
    const rec = await recordFleet();
    const keyPolicy = JSON.parse(rec.inputsOf("ci-cache-key").policy as string);
    expect(keyPolicy.Statement[1]).toMatchObject({
      Principal: { AWS: [rec.named("ci-manager", "aws:iam/role:Role").outputs.arn] },
      Condition: { StringEquals: { "kms:ViaService": ["s3.eu-central-1.amazonaws.com"] } },
    });
    expect(rec.named("ci-cache-key").protect).toBe(true);
    expect(rec.inputsOf("ci-cache-encryption").rules).toEqual([
      {
        applyServerSideEncryptionByDefault: {
          sseAlgorithm: "aws:kms",
          kmsMasterKeyId: rec.named("ci-cache-key").outputs.arn,
        },
        bucketKeyEnabled: true,
      },
    ]);
    expect(rec.inputsOf("ci-cache-lifecycle").rules).toEqual([
      {
        id: "expire-cache",
        status: "Enabled",
        filter: {},
        expiration: { days: 14 },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
      },
    ]);
  });
});

describe("subnetCidr", () => {
  it.each([
    ["10.40.0.0/16", 0, "10.40.0.0/20"],
    ["10.40.0.0/16", 2, "10.40.32.0/20"],
    ["10.40.0.0/22", 1, "10.40.0.64/26"],
  ])("carves subnet %#", (vpc, index, subnet) => {
    expect(subnetCidr(vpc as string, index as number)).toBe(subnet);
  });

  it("refuses a VPC too small for subnets", () => {
    expect(() => subnetCidr("10.40.0.0/25", 0)).toThrow("vpcCidr 10.40.0.0/25 is too small: use a /24 or larger");
    expect(() => subnetCidr("10.40.0.0/16", 16)).toThrow("vpcCidr 10.40.0.0/16 has room for 16 subnets, not 17");
  });
});

describe("fleet user-data", () => {
  it("passes cloud-init's own schema validation", () => {
    const dir = mkdtempSync(join(tmpdir(), "fleet-user-data-"));
    const file = join(dir, "user-data");
    for (const image of ["stock", "baked"] as const) {
      writeFileSync(file, fleetUserData(image));
      const output = execFileSync("cloud-init", ["schema", "--config-file", file], { encoding: "utf8" });
      expect([image, output]).toEqual([image, expect.stringContaining("Valid cloud-config")]);
    }
    rmSync(dir, { recursive: true, force: true });
  });
});
