/**
 * The runner fleet's baked machine image: an EC2 Image Builder pipeline per architecture that starts from AWS's
 * managed Amazon Linux 2023 image and adds what every job needs before it can start (Docker, the runner helper
 * image, node_exporter), so an instance boots ready instead of installing them (docs/runners.md, "What to expect of
 * speed"). Each build writes its AMI id to an SSM parameter that the fleet's launch template names as
 * `resolve:ssm:<parameter>`, so the next instance launched boots the newest image without a `pulumi up`
 * (https://docs.aws.amazon.com/imagebuilder/latest/userguide/integ-ssm-parameters.html,
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/create-launch-template.html#use-an-ssm-parameter-instead-of-an-ami-id).
 */
import { createHash } from "node:crypto";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { FOUNDATION_IAM_PATH } from "./iam-path";
import { renderPolicy } from "./policy-document";

/** An instance architecture of the fleet. */
export type ImageArchitecture = "arm64" | "amd64";

/**
 * The Image Builder managed image of Amazon Linux 2023 for each architecture; `x.x.x` follows its newest version, so
 * a pipeline whose start condition waits for dependency updates rebuilds when AWS publishes a new one
 * (https://docs.aws.amazon.com/imagebuilder/latest/userguide/image-recipes.html, "Parent image").
 */
export function parentImageArn(region: string, architecture: ImageArchitecture): string {
  const image = architecture === "arm64" ? "amazon-linux-2023-arm64" : "amazon-linux-2023-x86";
  return `arn:aws:imagebuilder:${region}:aws:image/${image}/x.x.x`;
}

/** The SSM parameter each build of `architecture` writes its AMI id to. */
export function imageParameterName(prefix: string, architecture: ImageArchitecture): string {
  return `${prefix}/${architecture}`;
}

/** What one architecture's image holds. */
export interface ImageVariant {
  readonly architecture: ImageArchitecture;
  /** The build instance's type; it must be of the architecture (a Graviton type for arm64). */
  readonly instanceType: string;
  /**
   * Images pulled into the AMI, each `name:tag@sha256:<digest>`: pulled by digest, then tagged with `name:tag`, the
   * name the runner asks Docker for, so the first job on an instance finds its helper image already there.
   */
  readonly preloadImages: readonly string[];
  /** SHA-256 of node_exporter's release tarball for this architecture, from the release's `sha256sums.txt`. */
  readonly nodeExporterSha256: string;
}

/** Plain inputs of {@link renderImageComponent}. */
export interface ImageComponentInput extends ImageVariant {
  /** node_exporter's release, `X.Y.Z`. */
  readonly nodeExporterVersion: string;
}

/** A `name:tag@sha256:<64 hex>` reference, the only form {@link ImageVariant.preloadImages} takes. */
const TAGGED_DIGEST =
  /^([a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*):([\w][\w.-]{0,127})@(sha256:[0-9a-f]{64})$/;
const VERSION = /^\d+\.\d+\.\d+$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** Why the input cannot be rendered, or an empty list. */
export function imageComponentProblems(input: ImageComponentInput): string[] {
  const problems: string[] = [];
  input.preloadImages.forEach((image, i) => {
    if (!TAGGED_DIGEST.test(image)) {
      problems.push(`preloadImages[${i}] '${image}' must be name:tag@sha256:<64 hex>, pinned by digest and tagged`);
    }
  });
  if (!VERSION.test(input.nodeExporterVersion)) {
    problems.push(`nodeExporterVersion '${input.nodeExporterVersion}' must be a release X.Y.Z, e.g. 1.9.1`);
  }
  if (!SHA256.test(input.nodeExporterSha256)) {
    problems.push(`nodeExporterSha256 must be the 64 hex digits of the release tarball's SHA-256`);
  }
  return problems;
}

/** node_exporter's release asset names its architectures as Go does. */
const GO_ARCH: Record<ImageArchitecture, string> = { arm64: "arm64", amd64: "amd64" };

const COMPONENT_DESCRIPTION = "Docker, preloaded job images and node_exporter for the runner fleet";
const COMPONENT_OS_VERSIONS = ["Amazon Linux 2023"] as const;

/**
 * The recipe's inputs that are the same for every variant. AL2023 ships the SSM agent, which Image Builder leaves in
 * place (it removes only an agent it installed itself); runner instances have no instance profile, so it stays inert.
 */
const RECIPE_FIXED_INPUTS = { systemsManagerAgent: { uninstallAfterBuild: false } };

/**
 * How every build runs, scheduled or first: the component's test phase on an instance of the new image, and no
 * enhanced metadata, whose SSM inventory association the build role's boundary does not grant.
 */
const BUILD_SETTINGS = {
  enhancedImageMetadataEnabled: false,
  imageTestsConfiguration: { imageTestsEnabled: true, timeoutMinutes: 60 },
};

/** node_exporter's systemd unit: its own system user, the default port, nothing else. */
const NODE_EXPORTER_UNIT = [
  "[Unit]",
  "Description=Prometheus node_exporter",
  "After=network-online.target",
  "",
  "[Service]",
  "User=node_exporter",
  "ExecStart=/usr/local/bin/node_exporter",
  "Restart=on-failure",
  "NoNewPrivileges=true",
  "ProtectSystem=strict",
  "ProtectHome=true",
  "",
  "[Install]",
  "WantedBy=multi-user.target",
  "",
].join("\n");

/** The first command of every script step: stop at the first failing command, unset variable or pipe stage. */
const STRICT_BASH = "set -euo pipefail";

/**
 * An `ExecuteBash` step. AWSTOE runs the commands as one script whose exit status is the step's, the last command's
 * unless the script stops at the first failure, which the first line makes it do
 * (https://docs.aws.amazon.com/imagebuilder/latest/userguide/toe-action-modules.html#action-modules-executebash).
 */
function bash(name: string, commands: readonly string[]) {
  return { name, action: "ExecuteBash", inputs: { commands: [STRICT_BASH, ...commands] } };
}

/**
 * The AWSTOE component document (https://docs.aws.amazon.com/imagebuilder/latest/userguide/toe-use-documents.html):
 * a build phase that installs and enables Docker, pulls the preloaded images by digest, and installs node_exporter
 * from its release tarball checked against its SHA-256 (`WebDownload` refuses a mismatch); a validate phase that
 * fails the build when any of them is missing, and a test phase that checks the same on an instance booted from the
 * new image before it is distributed. Every value spliced into a command is checked first
 * ({@link imageComponentProblems}): image references, a version and a hex digest, none of which can hold a quote or
 * a shell metacharacter.
 */
export function renderImageComponent(input: ImageComponentInput): string {
  const problems = imageComponentProblems(input);
  if (problems.length > 0) throw new Error(`runner image component: ${problems.join("; ")}`);
  const release = `node_exporter-${input.nodeExporterVersion}.linux-${GO_ARCH[input.architecture]}`;
  const tarball = `/tmp/${release}.tar.gz`;
  const preload = input.preloadImages.flatMap((image) => {
    const [, name, tag, digest] = TAGGED_DIGEST.exec(image) ?? [];
    return [`docker pull '${name}@${digest}'`, `docker tag '${name}@${digest}' '${name}:${tag}'`];
  });
  // What the validate phase checks on the build instance, and the test phase again on an instance booted from the
  // new image before it is distributed.
  const checks = [
    "systemctl is-enabled docker",
    "docker info",
    ...input.preloadImages.map((image) => {
      const [, name, tag] = TAGGED_DIGEST.exec(image) ?? [];
      return `docker image inspect '${name}:${tag}'`;
    }),
    "systemctl is-enabled node_exporter",
    "/usr/local/bin/node_exporter --version",
  ];
  const document = {
    name: `foundation-runner-${input.architecture}`,
    description: "GitLab Runner fleet instance: Docker, preloaded job images, node_exporter",
    // "1.0" as AWSTOE documents write it; a YAML number would serialize as 1.
    schemaVersion: "1.0",
    phases: [
      {
        name: "build",
        steps: [
          bash("InstallDocker", [
            "dnf install -y docker",
            "systemctl enable --now docker",
            // docker-autoscaler connects as ec2-user and talks to Docker over its socket.
            "usermod -aG docker ec2-user",
          ]),
          ...(preload.length > 0 ? [bash("PreloadImages", preload)] : []),
          {
            name: "DownloadNodeExporter",
            action: "WebDownload",
            inputs: [
              {
                source: `https://github.com/prometheus/node_exporter/releases/download/v${input.nodeExporterVersion}/${release}.tar.gz`,
                destination: tarball,
                // AWSTOE checks the download only when both are given
                // (https://docs.aws.amazon.com/imagebuilder/latest/userguide/toe-action-modules.html#action-modules-webdownload).
                checksum: input.nodeExporterSha256,
                algorithm: "SHA256",
              },
            ],
          },
          bash("InstallNodeExporter", [
            `tar -xzf '${tarball}' -C /tmp`,
            `install -m 0755 '/tmp/${release}/node_exporter' /usr/local/bin/node_exporter`,
            `rm -rf '${tarball}' '/tmp/${release}'`,
            "useradd --system --no-create-home --shell /sbin/nologin node_exporter",
          ]),
          {
            name: "NodeExporterUnit",
            action: "CreateFile",
            inputs: [
              { path: "/etc/systemd/system/node_exporter.service", content: NODE_EXPORTER_UNIT, overwrite: true },
            ],
          },
          bash("EnableNodeExporter", ["systemctl daemon-reload", "systemctl enable node_exporter"]),
        ],
      },
      {
        name: "validate",
        steps: [bash("CheckImage", checks)],
      },
      // Run by Image Builder on an instance booted from the new image, before it is distributed.
      { name: "test", steps: [bash("CheckBootedImage", checks)] },
    ],
  };
  return stringify(document);
}

/**
 * An Image Builder semantic version derived from `content`: components and recipes are immutable per version, so a
 * changed document gets a new version (and Pulumi a replacement) and an unchanged one keeps its own. The patch number
 * stays below Image Builder's 2^30 limit per field.
 */
export function contentVersion(content: string): string {
  const digest = createHash("sha256").update(content).digest("hex");
  return `1.0.${parseInt(digest.slice(0, 7), 16)}`;
}

/** What the build instance's role may be assumed by: EC2 alone. */
export function builderTrustPolicy(): string {
  return renderPolicy([
    { Sid: "Ec2", Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
  ]);
}

/** The AWS managed policies of an Image Builder build instance (https://docs.aws.amazon.com/imagebuilder/latest/userguide/image-builder-setting-up.html). */
export const BUILDER_MANAGED_POLICIES = [
  "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
  "arn:aws:iam::aws:policy/EC2InstanceProfileForImageBuilder",
] as const;

/** Arguments of {@link RunnerImagePipeline}. */
export interface RunnerImagePipelineArgs {
  /** One image per architecture the fleet's pools use; none for an architecture no pool asks for. */
  readonly variants: readonly ImageVariant[];
  readonly nodeExporterVersion: string;
  /**
   * When the pipeline checks for a new build, as Image Builder's six-field cron, e.g. `cron(0 4 ? * mon *)`. It
   * builds only when the parent image or a component changed since the last build.
   */
  readonly schedule: string;
  /** The schedule's IANA time zone. @default "Etc/UTC" */
  readonly scheduleTimezone?: string;
  /** Prefix of the SSM parameters the builds write, under `/imagebuilder/`, e.g. `/imagebuilder/foundation/runner-image`. */
  readonly parameterPrefix: string;
  /** Size of the image's root volume, GiB; the fleet's launch template may only grow it. */
  readonly rootVolumeGiB: number;
  /** The VPC and subnet the build instance runs in (the fleet's). */
  readonly vpcId: pulumi.Input<string>;
  readonly subnetId: pulumi.Input<string>;
  readonly region: string;
  /** The account's permissions boundary, which the build role carries. */
  readonly permissionsBoundary?: pulumi.Input<string>;
}

/**
 * The Image Builder pipeline of the fleet's images; see the module comment. Type `foundation:aws:RunnerImagePipeline`.
 * Besides the scheduled pipeline it builds each image once in `pulumi up` (`aws.imagebuilder.Image`), again whenever
 * the recipe changes: the launch template's SSM parameter exists before any instance resolves it, and a recipe that
 * does not build fails the `up` instead of the next scheduled run.
 */
export class RunnerImagePipeline extends pulumi.ComponentResource {
  /** The SSM parameter name each architecture's builds write their AMI id to. */
  readonly parameterNames: Partial<Record<ImageArchitecture, string>>;
  /** The pipelines' ARNs by architecture. */
  readonly pipelineArns: pulumi.Output<Record<string, string>>;
  /** The builds made in `up`, one per architecture: what a launch template naming the parameters waits for. */
  readonly builds: readonly aws.imagebuilder.Image[];

  constructor(name: string, args: RunnerImagePipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("foundation:aws:RunnerImagePipeline", name, {}, opts);
    const problems: string[] = [];
    if (args.variants.length === 0) problems.push("variants must name at least one architecture");
    const architectures = args.variants.map((v) => v.architecture);
    architectures.forEach((architecture, i) => {
      if (architectures.indexOf(architecture) !== i) problems.push(`variants name ${architecture} twice`);
    });
    for (const variant of args.variants) {
      for (const problem of imageComponentProblems({ ...variant, nodeExporterVersion: args.nodeExporterVersion })) {
        problems.push(`${variant.architecture}: ${problem}`);
      }
    }
    if (!/^cron\((\S+ ){5}\S+\)$/.test(args.schedule)) {
      problems.push(`schedule '${args.schedule}' must be Image Builder's six-field cron, e.g. cron(0 4 ? * mon *)`);
    }
    // Image Builder writes the parameter with its service-linked role, whose policy allows parameters under
    // /imagebuilder/ only (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSServiceRoleForImageBuilder.html).
    if (!/^\/imagebuilder(\/[A-Za-z0-9_.-]+)+$/.test(args.parameterPrefix)) {
      problems.push(
        `parameterPrefix '${args.parameterPrefix}' must be an SSM path under /imagebuilder/, where Image Builder may ` +
          "write, such as /imagebuilder/foundation/runner-image",
      );
    }
    if (problems.length > 0) {
      throw new pulumi.ResourceError(`RunnerImagePipeline '${name}': ${problems.join("; ")}`, this);
    }

    // The build instance: SSM for Image Builder's agent, the Image Builder instance policy, and the boundary.
    const role = new aws.iam.Role(
      `${name}-builder`,
      {
        name: `${name}-builder`,
        path: FOUNDATION_IAM_PATH,
        description: "EC2 Image Builder build instances of the runner fleet's image",
        assumeRolePolicy: builderTrustPolicy(),
        permissionsBoundary: args.permissionsBoundary,
      },
      { parent: this },
    );
    const attachments = BUILDER_MANAGED_POLICIES.map(
      (policyArn) =>
        new aws.iam.RolePolicyAttachment(
          `${name}-builder-${policyArn.split("/").pop()}`,
          { role: role.name, policyArn },
          { parent: this },
        ),
    );
    const profile = new aws.iam.InstanceProfile(
      `${name}-builder`,
      { name: `${name}-builder`, path: FOUNDATION_IAM_PATH, role: role.name },
      { parent: this, dependsOn: attachments },
    );
    // No ingress at all; HTTPS out for the packages, the images, the release download and the SSM agent. The fleet's
    // subnets are public (there is no NAT), so the instance has a public address to reach them, and nothing can
    // connect to it.
    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-builder`,
      { vpcId: args.vpcId, description: "Image Builder build instances: HTTPS out, nothing in" },
      { parent: this },
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-builder-https`,
      {
        securityGroupId: securityGroup.id,
        description: "Packages, images, releases and Systems Manager over HTTPS",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: "0.0.0.0/0",
      },
      { parent: this },
    );

    const pipelines: Record<string, pulumi.Output<string>> = {};
    const builds: aws.imagebuilder.Image[] = [];
    const parameterNames: Partial<Record<ImageArchitecture, string>> = {};
    for (const variant of args.variants) {
      const arch = variant.architecture;
      const prefix = `${name}-${arch}`;
      const data = renderImageComponent({ ...variant, nodeExporterVersion: args.nodeExporterVersion });
      const component = new aws.imagebuilder.Component(
        prefix,
        {
          name: `${name}-runner-${arch}`,
          platform: "Linux",
          version: contentVersion(JSON.stringify([data, COMPONENT_DESCRIPTION, COMPONENT_OS_VERSIONS])),
          data,
          description: COMPONENT_DESCRIPTION,
          supportedOsVersions: [...COMPONENT_OS_VERSIONS],
        },
        { parent: this },
      );
      const parentImage = parentImageArn(args.region, arch);
      const recipe = new aws.imagebuilder.ImageRecipe(
        prefix,
        {
          name: `${name}-runner-${arch}`,
          parentImage,
          // Every input that forces a new recipe is in its version: a replacement under the same name and version
          // would be refused by Image Builder.
          version: contentVersion(JSON.stringify([data, parentImage, args.rootVolumeGiB, RECIPE_FIXED_INPUTS])),
          components: [{ componentArn: component.arn }],
          blockDeviceMappings: [
            {
              deviceName: "/dev/xvda",
              ebs: {
                volumeType: "gp3",
                volumeSize: args.rootVolumeGiB,
                encrypted: "true",
                deleteOnTermination: "true",
              },
            },
          ],
          ...RECIPE_FIXED_INPUTS,
        },
        { parent: this },
      );
      const infrastructure = new aws.imagebuilder.InfrastructureConfiguration(
        prefix,
        {
          name: `${name}-runner-${arch}`,
          description: `Build instances of the ${arch} runner image`,
          instanceProfileName: profile.name,
          instanceTypes: [variant.instanceType],
          subnetId: args.subnetId,
          securityGroupIds: [securityGroup.id],
          // IMDSv2 only, as on the fleet's own instances.
          instanceMetadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
          terminateInstanceOnFailure: true,
        },
        { parent: this },
      );
      const parameterName = imageParameterName(args.parameterPrefix, arch);
      parameterNames[arch] = parameterName;
      const distribution = new aws.imagebuilder.DistributionConfiguration(
        prefix,
        {
          name: `${name}-runner-${arch}`,
          description: `The ${arch} runner image, in this account and region, its id in ${parameterName}`,
          distributions: [
            {
              region: args.region,
              amiDistributionConfiguration: {
                name: `${name}-runner-${arch}-{{ imagebuilder:buildDate }}`,
                description: "GitLab Runner fleet instance image",
              },
              ssmParameterConfigurations: [{ parameterName, dataType: "aws:ec2:image" }],
            },
          ],
        },
        { parent: this },
      );
      // The first image, inside `pulumi up`: the launch template resolves its parameter, so it must exist before the
      // fleet launches. A build takes 20 to 40 minutes; a failed one leaves the configurations above, which the next
      // `up` builds from again, and no parameter (docs/runbooks/runner.md, "The fleet's image").
      const build = new aws.imagebuilder.Image(
        prefix,
        {
          imageRecipeArn: recipe.arn,
          infrastructureConfigurationArn: infrastructure.arn,
          distributionConfigurationArn: distribution.arn,
          ...BUILD_SETTINGS,
        },
        { parent: this, customTimeouts: { create: "2h" } },
      );
      builds.push(build);
      const pipeline = new aws.imagebuilder.ImagePipeline(
        prefix,
        {
          name: `${name}-runner-${arch}`,
          description: `Rebuilds the ${arch} runner image when Amazon Linux 2023 or the component changes`,
          imageRecipeArn: recipe.arn,
          infrastructureConfigurationArn: infrastructure.arn,
          distributionConfigurationArn: distribution.arn,
          status: "ENABLED",
          ...BUILD_SETTINGS,
          schedule: {
            scheduleExpression: args.schedule,
            timezone: args.scheduleTimezone ?? "Etc/UTC",
            // Checks on the schedule, builds only when the parent image or a component has a newer version
            // (https://docs.aws.amazon.com/imagebuilder/latest/userguide/create-pipeline.html).
            pipelineExecutionStartCondition: "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE",
          },
        },
        // Scheduled builds start once the first one has succeeded.
        { parent: this, dependsOn: [build] },
      );
      pipelines[arch] = pipeline.arn;
    }
    this.parameterNames = parameterNames;
    this.pipelineArns = pulumi.all(pipelines).apply((v) => v as Record<string, string>);
    this.builds = builds;
    this.registerOutputs({ parameterNames: this.parameterNames, pipelineArns: this.pipelineArns });
  }
}
