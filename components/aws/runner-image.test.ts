import * as aws from "@pulumi/aws";
import { parse } from "yaml";
import { record } from "../../tools/plan/testing";
import {
  BUILDER_MANAGED_POLICIES,
  builderTrustPolicy,
  contentVersion,
  ImageComponentInput,
  parentImageArn,
  renderImageComponent,
  RunnerImagePipeline,
  RunnerImagePipelineArgs,
} from "./runner-image";

const HELPER =
  "registry.gitlab.com/gitlab-org/gitlab-runner/gitlab-runner-helper:arm64-v17.11.1@sha256:" + "a".repeat(64);
const SHA = "b".repeat(64);
const INPUT: ImageComponentInput = {
  architecture: "arm64",
  instanceType: "c7g.large",
  preloadImages: [HELPER],
  nodeExporterSha256: SHA,
  nodeExporterVersion: "1.9.1",
};
const BOUNDARY = "arn:aws:iam::210987654321:policy/foundation/foundation-boundary";
const args: RunnerImagePipelineArgs = {
  variants: [{ architecture: "arm64", instanceType: "c7g.large", preloadImages: [HELPER], nodeExporterSha256: SHA }],
  nodeExporterVersion: "1.9.1",
  schedule: "cron(0 4 ? * mon *)",
  scheduleTimezone: "Europe/Berlin",
  parameterPrefix: "/imagebuilder/foundation/runner-image",
  rootVolumeGiB: 50,
  vpcId: "vpc-0123",
  subnetId: "subnet-0123",
  region: "eu-central-1",
  permissionsBoundary: BOUNDARY,
};

interface Step {
  name: string;
  action: string;
  inputs: { commands?: string[] } | Record<string, unknown>[];
}
interface ComponentDocument {
  name: string;
  schemaVersion: string;
  phases: { name: string; steps: Step[] }[];
}

function recordPipeline(overrides: Partial<RunnerImagePipelineArgs> = {}) {
  return record(() => {
    const pipeline = new RunnerImagePipeline(
      "ci-image",
      { ...args, ...overrides },
      { providers: { aws: new aws.Provider("aws", { region: "eu-central-1" }) } },
    );
    return { parameters: pipeline.parameterNames, arns: pipeline.pipelineArns };
  });
}

describe("renderImageComponent", () => {
  const document = parse(renderImageComponent(INPUT)) as ComponentDocument;
  const steps = (phase: string) => document.phases.find((p) => p.name === phase)?.steps ?? [];
  const commands = (phase: string, step: string) =>
    (steps(phase).find((s) => s.name === step)?.inputs as { commands: string[] }).commands;

  it("is an AWSTOE document with a build, a validate and a test phase", () => {
    expect(document.name).toBe("foundation-runner-arm64");
    expect(document.schemaVersion).toBe("1.0");
    expect(document.phases.map((p) => [p.name, p.steps.map((s) => `${s.name}:${s.action}`)])).toEqual([
      [
        "build",
        [
          "InstallDocker:ExecuteBash",
          "PreloadImages:ExecuteBash",
          "DownloadNodeExporter:WebDownload",
          "InstallNodeExporter:ExecuteBash",
          "NodeExporterUnit:CreateFile",
          "EnableNodeExporter:ExecuteBash",
        ],
      ],
      ["validate", ["CheckImage:ExecuteBash"]],
      ["test", ["CheckBootedImage:ExecuteBash"]],
    ]);
  });

  it("starts every script with set -euo pipefail, so a step fails at its first failing command", () => {
    const scripts = document.phases.flatMap((p) => p.steps).filter((s) => s.action === "ExecuteBash");
    expect(scripts.map((s) => (s.inputs as { commands: string[] }).commands[0])).toEqual(
      scripts.map(() => "set -euo pipefail"),
    );
  });

  it("installs and enables Docker for the connector user", () => {
    expect(commands("build", "InstallDocker")).toEqual([
      "set -euo pipefail",
      "dnf install -y docker",
      "systemctl enable --now docker",
      "usermod -aG docker ec2-user",
    ]);
  });

  it("pulls each preloaded image by its digest and tags it with the name the runner asks for", () => {
    const name = "registry.gitlab.com/gitlab-org/gitlab-runner/gitlab-runner-helper";
    expect(commands("build", "PreloadImages")).toEqual([
      "set -euo pipefail",
      `docker pull '${name}@sha256:${"a".repeat(64)}'`,
      `docker tag '${name}@sha256:${"a".repeat(64)}' '${name}:arm64-v17.11.1'`,
    ]);
    const checks = [
      "set -euo pipefail",
      "systemctl is-enabled docker",
      "docker info",
      `docker image inspect '${name}:arm64-v17.11.1'`,
      "systemctl is-enabled node_exporter",
      "/usr/local/bin/node_exporter --version",
    ];
    expect(commands("validate", "CheckImage")).toEqual(checks);
    expect(commands("test", "CheckBootedImage")).toEqual(checks);
  });

  it("downloads node_exporter for the architecture, refusing a tarball whose SHA-256 differs", () => {
    const download = steps("build").find((s) => s.name === "DownloadNodeExporter")?.inputs;
    expect(download).toEqual([
      {
        source:
          "https://github.com/prometheus/node_exporter/releases/download/v1.9.1/node_exporter-1.9.1.linux-arm64.tar.gz",
        destination: "/tmp/node_exporter-1.9.1.linux-arm64.tar.gz",
        checksum: SHA,
        algorithm: "SHA256",
      },
    ]);
    const unit = steps("build").find((s) => s.name === "NodeExporterUnit")?.inputs as { content: string }[];
    expect(unit[0].content).toContain("User=node_exporter");
  });

  it("leaves the preload step out when there is nothing to preload", () => {
    const bare = parse(renderImageComponent({ ...INPUT, preloadImages: [] })) as ComponentDocument;
    expect(bare.phases[0].steps.map((s) => s.name)).not.toContain("PreloadImages");
  });

  it("refuses an image without its digest or tag, a bad version and a bad checksum, before rendering a command", () => {
    expect(() =>
      renderImageComponent({
        ...INPUT,
        preloadImages: ["alpine:3", `alpine@sha256:${"a".repeat(64)}`, `evil:1@sha256:${"a".repeat(64)}';rm -rf /'`],
        nodeExporterVersion: "latest",
        nodeExporterSha256: "abc",
      }),
    ).toThrow(
      "runner image component: preloadImages[0] 'alpine:3' must be name:tag@sha256:<64 hex>, pinned by digest and tagged; " +
        `preloadImages[1] 'alpine@sha256:${"a".repeat(64)}' must be name:tag@sha256:<64 hex>, pinned by digest and tagged; ` +
        `preloadImages[2] 'evil:1@sha256:${"a".repeat(64)}';rm -rf /'' must be name:tag@sha256:<64 hex>, pinned by digest and tagged; ` +
        "nodeExporterVersion 'latest' must be a release X.Y.Z, e.g. 1.9.1; " +
        "nodeExporterSha256 must be the 64 hex digits of the release tarball's SHA-256",
    );
  });
});

describe("contentVersion", () => {
  it("is a stable semantic version of the content, another for other content, within Image Builder's limits", () => {
    const version = contentVersion("a");
    expect(version).toMatch(/^1\.0\.\d+$/);
    expect(contentVersion("a")).toBe(version);
    expect(contentVersion("b")).not.toBe(version);
    expect(Number(version.split(".")[2])).toBeLessThan(2 ** 30);
  });
});

describe("RunnerImagePipeline", () => {
  it("makes the build identity, its network, and one component, recipe, infrastructure, distribution, pipeline and first build per architecture", async () => {
    const rec = await recordPipeline();
    expect(
      rec
        .summary()
        .filter((s) => !s.startsWith("pulumi:"))
        .sort(),
    ).toEqual([
      "aws:ec2/securityGroup:SecurityGroup::ci-image-builder",
      "aws:iam/instanceProfile:InstanceProfile::ci-image-builder",
      "aws:iam/role:Role::ci-image-builder",
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment::ci-image-builder-AmazonSSMManagedInstanceCore",
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment::ci-image-builder-EC2InstanceProfileForImageBuilder",
      "aws:imagebuilder/component:Component::ci-image-arm64",
      "aws:imagebuilder/distributionConfiguration:DistributionConfiguration::ci-image-arm64",
      "aws:imagebuilder/image:Image::ci-image-arm64",
      "aws:imagebuilder/imagePipeline:ImagePipeline::ci-image-arm64",
      "aws:imagebuilder/imageRecipe:ImageRecipe::ci-image-arm64",
      "aws:imagebuilder/infrastructureConfiguration:InfrastructureConfiguration::ci-image-arm64",
      "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule::ci-image-builder-https",
      "foundation:aws:RunnerImagePipeline::ci-image",
    ]);
    expect(rec.outputs.parameters).toEqual({ arm64: "/imagebuilder/foundation/runner-image/arm64" });
  });

  it("gives the build instance a bounded role EC2 alone assumes, with the two AWS managed policies", async () => {
    const rec = await recordPipeline();
    expect(rec.inputsOf("ci-image-builder", "aws:iam/role:Role")).toMatchObject({
      name: "ci-image-builder",
      path: "/foundation/",
      permissionsBoundary: BOUNDARY,
      assumeRolePolicy: builderTrustPolicy(),
    });
    expect(JSON.parse(builderTrustPolicy()).Statement).toEqual([
      { Sid: "Ec2", Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    expect(rec.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => a.inputs.policyArn)).toEqual([
      ...BUILDER_MANAGED_POLICIES,
    ]);
    expect(BUILDER_MANAGED_POLICIES).toEqual([
      "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
      "arn:aws:iam::aws:policy/EC2InstanceProfileForImageBuilder",
    ]);
    expect(rec.inputsOf("ci-image-builder", "aws:iam/instanceProfile:InstanceProfile")).toEqual({
      name: "ci-image-builder",
      path: "/foundation/",
      role: "ci-image-builder",
    });
  });

  it("lets nothing reach the build instance and lets it out on HTTPS only, with IMDSv2 required", async () => {
    const rec = await recordPipeline();
    expect(rec.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")).toEqual([]);
    expect(rec.inputsOf("ci-image-builder", "aws:ec2/securityGroup:SecurityGroup")).not.toHaveProperty("ingress");
    expect(rec.inputsOf("ci-image-builder-https")).toMatchObject({
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
    });
    const infrastructure = rec.inputsOf(
      "ci-image-arm64",
      "aws:imagebuilder/infrastructureConfiguration:InfrastructureConfiguration",
    );
    expect(infrastructure).toMatchObject({
      instanceProfileName: "ci-image-builder",
      instanceTypes: ["c7g.large"],
      subnetId: "subnet-0123",
      securityGroupIds: [rec.named("ci-image-builder", "aws:ec2/securityGroup:SecurityGroup").id],
      instanceMetadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
      terminateInstanceOnFailure: true,
    });
  });

  it("bakes the rendered component onto Image Builder's Amazon Linux 2023 arm64 image, encrypted", async () => {
    const rec = await recordPipeline();
    const data = renderImageComponent(INPUT);
    expect(rec.inputsOf("ci-image-arm64", "aws:imagebuilder/component:Component")).toMatchObject({
      name: "ci-image-runner-arm64",
      platform: "Linux",
      data,
      version: contentVersion(
        JSON.stringify([
          data,
          "Docker, preloaded job images and node_exporter for the runner fleet",
          ["Amazon Linux 2023"],
        ]),
      ),
      description: "Docker, preloaded job images and node_exporter for the runner fleet",
      supportedOsVersions: ["Amazon Linux 2023"],
    });
    const recipe = rec.inputsOf("ci-image-arm64", "aws:imagebuilder/imageRecipe:ImageRecipe");
    expect(recipe).toMatchObject({
      parentImage: "arn:aws:imagebuilder:eu-central-1:aws:image/amazon-linux-2023-arm64/x.x.x",
      components: [{ componentArn: rec.named("ci-image-arm64", "aws:imagebuilder/component:Component").outputs.arn }],
      blockDeviceMappings: [
        {
          deviceName: "/dev/xvda",
          ebs: { volumeType: "gp3", volumeSize: 50, encrypted: "true", deleteOnTermination: "true" },
        },
      ],
      systemsManagerAgent: { uninstallAfterBuild: false },
    });
    expect(parentImageArn("eu-central-1", "amd64")).toBe(
      "arn:aws:imagebuilder:eu-central-1:aws:image/amazon-linux-2023-x86/x.x.x",
    );
  });

  it("writes each build's AMI id to the architecture's SSM parameter and rebuilds on updates, on the schedule", async () => {
    const rec = await recordPipeline();
    const distribution = rec.inputsOf(
      "ci-image-arm64",
      "aws:imagebuilder/distributionConfiguration:DistributionConfiguration",
    );
    expect(distribution.distributions).toEqual([
      {
        region: "eu-central-1",
        amiDistributionConfiguration: {
          name: "ci-image-runner-arm64-{{ imagebuilder:buildDate }}",
          description: "GitLab Runner fleet instance image",
        },
        ssmParameterConfigurations: [
          { parameterName: "/imagebuilder/foundation/runner-image/arm64", dataType: "aws:ec2:image" },
        ],
      },
    ]);
    const pipeline = rec.inputsOf("ci-image-arm64", "aws:imagebuilder/imagePipeline:ImagePipeline");
    expect(pipeline).toMatchObject({
      status: "ENABLED",
      enhancedImageMetadataEnabled: false,
      imageTestsConfiguration: { imageTestsEnabled: true, timeoutMinutes: 60 },
      schedule: {
        scheduleExpression: "cron(0 4 ? * mon *)",
        timezone: "Europe/Berlin",
        pipelineExecutionStartCondition: "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE",
      },
    });
    const build = rec.inputsOf("ci-image-arm64", "aws:imagebuilder/image:Image");
    expect(build.imageRecipeArn).toBe(pipeline.imageRecipeArn);
    expect(build.distributionConfigurationArn).toBe(pipeline.distributionConfigurationArn);
    expect([build.enhancedImageMetadataEnabled, build.imageTestsConfiguration]).toEqual([
      false,
      { imageTestsEnabled: true, timeoutMinutes: 60 },
    ]);
    // The schedule starts once the first build, inside `pulumi up`, has succeeded.
    const first = rec.named("ci-image-arm64", "aws:imagebuilder/image:Image");
    expect(rec.named("ci-image-arm64", "aws:imagebuilder/imagePipeline:ImagePipeline").dependencies).toContain(
      first.urn,
    );
  });

  it("gives a changed component a new version, and an unchanged one the same", async () => {
    const version = async (overrides: Partial<RunnerImagePipelineArgs>) =>
      (await recordPipeline(overrides)).inputsOf("ci-image-arm64", "aws:imagebuilder/component:Component").version;
    const before = await version({});
    expect(await version({})).toBe(before);
    expect(await version({ nodeExporterVersion: "1.9.2" })).not.toBe(before);
  });

  it("refuses no variant, a variant twice, a five-field cron and a parameter path Image Builder cannot write", async () => {
    for (const parameterPrefix of ["runner-image", "/foundation/runner-image"]) {
      await expect(recordPipeline({ variants: [], schedule: "0 4 * * 1", parameterPrefix })).rejects.toThrow(
        "RunnerImagePipeline 'ci-image': variants must name at least one architecture; schedule '0 4 * * 1' must be " +
          `Image Builder's six-field cron, e.g. cron(0 4 ? * mon *); parameterPrefix '${parameterPrefix}' must be an ` +
          "SSM path under /imagebuilder/, where Image Builder may write, such as /imagebuilder/foundation/runner-image",
      );
    }
    await expect(recordPipeline({ variants: [args.variants[0], args.variants[0]] })).rejects.toThrow(
      "RunnerImagePipeline 'ci-image': variants name arm64 twice",
    );
  });
});
