/**
 * The pure renderer of the runner VM's cloud-init user-data (docs/runbooks/runner.md): Docker and GitLab Runner
 * from their vendors' apt repositories, the fleeting plugin, the IAM Roles Anywhere credential helper and the AWS
 * profile that uses it, the client certificate and `config.toml`, node_exporter and cAdvisor for monitoring, and a
 * host firewall. The output must pass `cloud-init schema` (tested). Sources: the fleeting plugin's AWS settings
 * (https://gitlab.com/gitlab-org/fleeting/plugins/aws), the Roles Anywhere credential helper and its
 * `credential_process` profile (https://docs.aws.amazon.com/rolesanywhere/latest/userguide/credential-helper.html),
 * the runner's unauthenticated metrics endpoint, firewalled here (https://docs.gitlab.com/runner/monitoring/), and
 * the Proxmox snippet that carries this file, uploaded over SSH
 * (https://github.com/bpg/terraform-provider-proxmox/blob/main/docs/resources/virtual_environment_file.md). The
 * settings every Foundation VM starts with (host, clock, SSH) come from components/proxmox/cloud-init.ts.
 *
 * Ordering on first boot, which the layout relies on (cloud-init's module order on Debian):
 * `bootcmd` (init) → `write_files` (init) → `apt` sources (config) → packages (final) → deferred `write_files`
 * (final, after packages, so the runner package cannot race `config.toml`) → `runcmd` (final, last).
 */
import { Document } from "yaml";
import { renderIni } from "../common/ini";
import { imagePinProblem, isAwsRegion } from "../common/validation";
import {
  APT_BOOTCMD,
  DEBIAN_HTTPS_MIRRORS,
  isCidr,
  ufwCommands,
  VmIdentity,
  vmIdentityConfig,
  vmIdentityProblems,
} from "../proxmox/cloud-init";

/** The VM's CPU architecture, in Debian/Docker naming. */
export type VmArchitecture = "amd64" | "arm64";

/** Where the AWS shared config with the Roles Anywhere profile lives; the runner model's `fleet.awsConfigFile`. */
export const RUNNER_VM_AWS_CONFIG_FILE = "/root/.aws/config";

/** The runner's config file: the package's default path for the system service. */
export const RUNNER_CONFIG_PATH = "/etc/gitlab-runner/config.toml";

/** Where `gitlab-runner fleeting install` puts plugins and where the service looks for them. */
export const FLEETING_PLUGIN_PATH = "/var/lib/fleeting/plugins";

/** The Roles Anywhere client certificate and its key. */
export const ROLES_ANYWHERE_CERTIFICATE_PATH = "/etc/roles-anywhere/certificate.pem";
/** The Roles Anywhere client private key. */
export const ROLES_ANYWHERE_PRIVATE_KEY_PATH = "/etc/roles-anywhere/private-key.pem";

/** Where the credential helper is installed. */
export const SIGNING_HELPER_PATH = "/usr/local/bin/aws_signing_helper";

/** The metrics endpoints the monitoring network scrapes (monitoring/prometheus.yml). */
export const METRICS_PORTS = { nodeExporter: 9100, cadvisor: 8080, runner: 9252 } as const;

/** cAdvisor, pinned: the tag is immutable upstream and multi-arch (amd64, arm64). */
export const DEFAULT_CADVISOR_IMAGE = "gcr.io/cadvisor/cadvisor:v0.49.1";

/**
 * The vendors' apt signing keys, by full fingerprint (a short id could collide). Docker: "9DC8 5822 9FC7 DD38 854A
 * E2D8 8D81 803C 0EBF CD88" (docs.docker.com, Install Docker Engine on Debian). GitLab packages (also the runner
 * repository): "F640 3F65 44A3 8863 DAA0 B6E0 3F01 618A 5131 2F3F" (docs.gitlab.com, Linux package signatures).
 */
export const APT_KEY_FINGERPRINTS = {
  docker: "9DC858229FC7DD38854AE2D88D81803C0EBFCD88",
  gitlabRunner: "F6403F6544A38863DAA0B6E03F01618A51312F3F",
} as const;

const HELPER_DOWNLOAD_PATH = "/var/tmp/aws_signing_helper";
const HELPER_CHECKSUM_PATH = "/etc/roles-anywhere/aws_signing_helper.sha256";

/** Which networks may talk to the VM, and which the VM may reach over SSH. */
export interface FirewallPolicy {
  /** CIDRs allowed to SSH in (the administrators' networks). `/0` is refused. */
  readonly adminCidrs: readonly string[];
  /** CIDRs allowed to scrape 9100 (node_exporter), 8080 (cAdvisor) and 9252 (runner). `/0` is refused. */
  readonly monitoringCidrs: readonly string[];
  /**
   * CIDRs the manager may SSH to: the fleet's subnets when it reaches instances on private addresses; when the
   * runner model sets `useExternalAddress`, instances have unpredictable public addresses and this must be
   * `0.0.0.0/0` (the instances' security group still admits only the manager's address).
   */
  readonly fleetSshCidrs: readonly string[];
}

/** The IAM Roles Anywhere identity the VM uses to reach AWS (no long-lived keys). */
export interface RolesAnywhereIdentity {
  /** Trust anchor ARN. */
  readonly trustAnchorArn: string;
  /** Roles Anywhere profile ARN. */
  readonly profileArn: string;
  /** The manager role's ARN. */
  readonly roleArn: string;
  /** Region written into the AWS profile. */
  readonly region: string;
  /** AWS profile name; the runner model's `fleet.awsProfile`. */
  readonly awsProfile: string;
  /** The VM's client certificate, PEM. */
  readonly certificatePem: string;
  /** The certificate's private key, PEM (secret). */
  readonly privateKeyPem: string;
}

/** Which `aws_signing_helper` release to install, verified against its published SHA-256. */
export interface SigningHelperRelease {
  /** Release version, e.g. `1.4.0`. */
  readonly version: string;
  /** SHA-256 of the binary for the VM's architecture, as published with the release (64 hex digits). */
  readonly sha256: string;
  /**
   * Distribution path segment newer releases carry after `Linux/` (e.g. `Amzn2023`); unset for the plain
   * `…/Linux/aws_signing_helper` layout.
   */
  readonly distribution?: string;
}

/** Everything the runner VM's user-data needs. */
export interface RunnerVmUserDataInput extends VmIdentity {
  /**
   * The VM's CPU architecture (selects the credential helper binary).
   * @default "amd64"
   */
  readonly architecture?: VmArchitecture;
  /** The rendered runner `config.toml` (secret: it holds the runner tokens). */
  readonly runnerConfigToml: string;
  /** Debian package version of `gitlab-runner`, e.g. `17.11.1-1`; unset installs the newest. */
  readonly gitlabRunnerVersion?: string;
  /** The Roles Anywhere identity. */
  readonly rolesAnywhere: RolesAnywhereIdentity;
  /** The credential helper release. */
  readonly signingHelper: SigningHelperRelease;
  /**
   * cAdvisor image, pinned by tag or digest.
   * @default {@link DEFAULT_CADVISOR_IMAGE}
   */
  readonly cadvisorImage?: string;
  /** The host firewall. */
  readonly firewall: FirewallPolicy;
}

/** The helper's download URL for a release and architecture (the published `releases/<v>/<arch>/Linux/` layout). */
export function signingHelperUrl(release: SigningHelperRelease, architecture: VmArchitecture): string {
  const segments = [
    "releases",
    release.version,
    architecture === "arm64" ? "Aarch64" : "X86_64",
    "Linux",
    ...(release.distribution === undefined ? [] : [release.distribution]),
    "aws_signing_helper",
  ];
  return new URL(segments.join("/"), "https://rolesanywhere.amazonaws.com/").toString();
}

const SAFE_ARGUMENT = /^[A-Za-z0-9_./:=@+,-]+$/;

/**
 * The `credential_process` command: the SDKs run it through a shell, so every argument must be shell-inert (ARNs and
 * absolute paths are).
 */
export function credentialProcess(identity: RolesAnywhereIdentity): string {
  const argv = [
    SIGNING_HELPER_PATH,
    "credential-process",
    "--certificate",
    ROLES_ANYWHERE_CERTIFICATE_PATH,
    "--private-key",
    ROLES_ANYWHERE_PRIVATE_KEY_PATH,
    "--trust-anchor-arn",
    identity.trustAnchorArn,
    "--profile-arn",
    identity.profileArn,
    "--role-arn",
    identity.roleArn,
  ];
  for (const argument of argv) {
    if (!SAFE_ARGUMENT.test(argument)) {
      throw new Error(`rolesAnywhere: ${JSON.stringify(argument)} would need shell quoting in credential_process`);
    }
  }
  return argv.join(" ");
}

/** The AWS shared config: one profile whose credentials come from the Roles Anywhere helper. */
export function awsConfigIni(identity: RolesAnywhereIdentity): string {
  return renderIni([
    {
      // The SDKs name the default profile `[default]` and every other one `[profile <name>]`.
      name: identity.awsProfile === "default" ? "default" : `profile ${identity.awsProfile}`,
      entries: [
        ["region", identity.region],
        ["credential_process", credentialProcess(identity)],
      ],
    },
  ]);
}

/**
 * The runner service's environment. systemd gives a service without `User=` no `HOME`, so the plugin path and the
 * AWS profile (for the S3 cache, which resolves the SDK's default chain) are set explicitly.
 */
export function runnerServiceDropIn(identity: RolesAnywhereIdentity): string {
  // A unit file is not INI: `Environment=` repeats and accumulates, and the `=` inside its value is literal
  // (https://www.freedesktop.org/software/systemd/man/latest/systemd.exec.html#Environment=), so it is written as is.
  // The profile name is letters, digits, - and _ (validated), so no line needs quoting.
  const environment = [
    `FLEETING_PLUGIN_PATH=${FLEETING_PLUGIN_PATH}`,
    `AWS_CONFIG_FILE=${RUNNER_VM_AWS_CONFIG_FILE}`,
    `AWS_PROFILE=${identity.awsProfile}`,
  ];
  return ["[Service]", ...environment.map((assignment) => `Environment = ${assignment}`), ""].join("\n");
}

/**
 * The ufw commands, as argv arrays: deny by default both ways, then SSH from the admin networks, the three metrics
 * ports from the monitoring networks, and out: HTTPS (GitLab, AWS APIs, registries, Debian mirrors over https), NTP,
 * DNS, and SSH to the fleet. ufw's own before-rules keep loopback, established traffic and ICMP working.
 * Docker-published ports would bypass these rules, which is why cAdvisor runs on the host network.
 */
export function firewallCommands(policy: FirewallPolicy): string[][] {
  const from = (cidrs: readonly string[], port: number, comment: string) =>
    cidrs.map((peer) => ({ peer, port, comment }));
  return ufwCommands(
    [
      ...from(policy.adminCidrs, 22, "ssh from admin network"),
      ...policy.monitoringCidrs.flatMap((cidr) => [
        { peer: cidr, port: METRICS_PORTS.nodeExporter, comment: "node_exporter" },
        { peer: cidr, port: METRICS_PORTS.cadvisor, comment: "cadvisor" },
        { peer: cidr, port: METRICS_PORTS.runner, comment: "gitlab-runner metrics" },
      ]),
    ],
    from(policy.fleetSshCidrs, 22, "ssh to runner fleet"),
  );
}

function validate(input: RunnerVmUserDataInput): string[] {
  const problems = vmIdentityProblems(input);
  if (!input.runnerConfigToml.includes("[[runners]]")) {
    problems.push("runnerConfigToml: pass the output of renderRunnerConfig (it has no [[runners]] entry)");
  }
  if (input.gitlabRunnerVersion !== undefined && !/^\d+\.\d+\.\d+-\d+$/.test(input.gitlabRunnerVersion)) {
    problems.push(`gitlabRunnerVersion: "${input.gitlabRunnerVersion}" is not a Debian package version like 17.11.1-1`);
  }
  const ra = input.rolesAnywhere;
  const arn = (service: string, resource: string) =>
    new RegExp(
      `^arn:aws[a-z-]*:${service}:${service === "iam" ? "" : "[a-z0-9-]+"}:\\d{12}:${resource}/[A-Za-z0-9/_+=,.@-]+$`,
    );
  if (!arn("rolesanywhere", "trust-anchor").test(ra.trustAnchorArn)) {
    problems.push(`rolesAnywhere.trustAnchorArn: "${ra.trustAnchorArn}" is not a Roles Anywhere trust anchor ARN`);
  }
  if (!arn("rolesanywhere", "profile").test(ra.profileArn)) {
    problems.push(`rolesAnywhere.profileArn: "${ra.profileArn}" is not a Roles Anywhere profile ARN`);
  }
  if (!arn("iam", "role").test(ra.roleArn)) {
    problems.push(`rolesAnywhere.roleArn: "${ra.roleArn}" is not an IAM role ARN`);
  }
  if (!isAwsRegion(ra.region)) {
    problems.push(`rolesAnywhere.region: "${ra.region}" is not an AWS region, e.g. eu-central-1`);
  }
  if (!/^[A-Za-z0-9_-]+$/.test(ra.awsProfile)) {
    problems.push(`rolesAnywhere.awsProfile: "${ra.awsProfile}" must be letters, digits, "-" or "_"`);
  }
  if (!ra.certificatePem.includes("-----BEGIN CERTIFICATE-----")) {
    problems.push("rolesAnywhere.certificatePem: not a PEM certificate; pass the leaf certificate's certPem");
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(ra.privateKeyPem)) {
    problems.push("rolesAnywhere.privateKeyPem: not a PEM private key; pass the leaf key's privateKeyPem");
  }
  const helper = input.signingHelper;
  if (!/^\d+\.\d+\.\d+$/.test(helper.version)) {
    problems.push(`signingHelper.version: "${helper.version}" is not a release version like 1.4.0`);
  }
  if (!/^[0-9a-f]{64}$/.test(helper.sha256)) {
    problems.push(
      "signingHelper.sha256: give the release's published SHA-256 for this architecture (64 lowercase hex digits)",
    );
  }
  if (helper.distribution !== undefined && !/^[A-Za-z0-9]+$/.test(helper.distribution)) {
    problems.push(`signingHelper.distribution: "${helper.distribution}" must be one path segment, e.g. Amzn2023`);
  }
  const image = input.cadvisorImage ?? DEFAULT_CADVISOR_IMAGE;
  if (imagePinProblem(image) !== undefined) {
    problems.push(`cadvisorImage: "${image}" must be pinned by a version tag or a digest, not latest`);
  }
  const cidrs = (field: keyof FirewallPolicy, openToWorld: boolean) => {
    const list = input.firewall[field];
    if (list.length === 0 && field !== "adminCidrs") {
      problems.push(`firewall.${field}: give at least one CIDR`);
    }
    for (const cidr of list) {
      if (!isCidr(cidr)) {
        problems.push(`firewall.${field}: "${cidr}" is not a CIDR like 192.0.2.0/24 or 2001:db8::/32`);
      } else if (!openToWorld && cidr.endsWith("/0")) {
        problems.push(`firewall.${field}: "${cidr}" opens the port to every address; name the networks that need it`);
      }
    }
  };
  cidrs("adminCidrs", false);
  cidrs("monitoringCidrs", false);
  cidrs("fleetSshCidrs", true);
  if (input.firewall.adminCidrs.length === 0) {
    problems.push("firewall.adminCidrs: give at least one CIDR, or nobody can SSH in to repair the VM");
  }
  return problems;
}

/** The cloud-config as a plain object: what {@link renderRunnerUserData} serializes. */
export function runnerUserDataDocument(input: RunnerVmUserDataInput): Record<string, unknown> {
  const problems = validate(input);
  if (problems.length > 0) {
    throw new Error(`invalid runner VM user-data:\n  - ${problems.join("\n  - ")}`);
  }
  const architecture = input.architecture ?? "amd64";
  const runnerPackages =
    input.gitlabRunnerVersion === undefined
      ? ["gitlab-runner"]
      : [
          // The runner package requires the helper images of its own version: pin both.
          ["gitlab-runner", input.gitlabRunnerVersion],
          ["gitlab-runner-helper-images", input.gitlabRunnerVersion],
        ];
  return {
    ...vmIdentityConfig(input),
    bootcmd: APT_BOOTCMD,
    apt: {
      ...DEBIAN_HTTPS_MIRRORS,
      sources: {
        "docker.list": {
          source: "deb [signed-by=$KEY_FILE] https://download.docker.com/linux/debian $RELEASE stable",
          keyid: APT_KEY_FINGERPRINTS.docker,
          keyserver: "hkps://keyserver.ubuntu.com",
        },
        "gitlab-runner.list": {
          source: "deb [signed-by=$KEY_FILE] https://packages.gitlab.com/runner/gitlab-runner/debian/ $RELEASE main",
          keyid: APT_KEY_FINGERPRINTS.gitlabRunner,
          keyserver: "hkps://keyserver.ubuntu.com",
        },
      },
    },
    package_update: true,
    package_upgrade: true,
    packages: [
      "ca-certificates",
      "curl",
      "ufw",
      "qemu-guest-agent",
      "prometheus-node-exporter",
      "docker-ce",
      "docker-ce-cli",
      "containerd.io",
      ...runnerPackages,
    ],
    write_files: [
      {
        path: ROLES_ANYWHERE_CERTIFICATE_PATH,
        content: input.rolesAnywhere.certificatePem,
        owner: "root:root",
        permissions: "0600",
      },
      {
        path: ROLES_ANYWHERE_PRIVATE_KEY_PATH,
        content: input.rolesAnywhere.privateKeyPem,
        owner: "root:root",
        permissions: "0600",
      },
      {
        path: HELPER_CHECKSUM_PATH,
        content: `${input.signingHelper.sha256}  ${HELPER_DOWNLOAD_PATH}\n`,
        owner: "root:root",
        permissions: "0644",
      },
      {
        path: RUNNER_VM_AWS_CONFIG_FILE,
        content: awsConfigIni(input.rolesAnywhere),
        owner: "root:root",
        permissions: "0600",
      },
      {
        path: "/etc/systemd/system/gitlab-runner.service.d/foundation.conf",
        content: runnerServiceDropIn(input.rolesAnywhere),
        owner: "root:root",
        permissions: "0644",
      },
      {
        path: RUNNER_CONFIG_PATH,
        content: input.runnerConfigToml,
        owner: "root:root",
        permissions: "0600",
        defer: true,
      },
    ],
    runcmd: [
      // runcmd is a plain sh script: stop at the first failure (a checksum mismatch must not install the binary).
      ["set", "-e"],
      ...firewallCommands(input.firewall),
      [
        "curl",
        "--fail",
        "--silent",
        "--show-error",
        "--location",
        "--proto",
        "=https",
        "--output",
        HELPER_DOWNLOAD_PATH,
        signingHelperUrl(input.signingHelper, architecture),
      ],
      ["sha256sum", "--check", "--strict", HELPER_CHECKSUM_PATH],
      ["install", "-m", "0755", "-o", "root", "-g", "root", HELPER_DOWNLOAD_PATH, SIGNING_HELPER_PATH],
      ["rm", "-f", HELPER_DOWNLOAD_PATH],
      // After config.toml is written: the command installs the plugins config.toml names.
      [
        "env",
        `FLEETING_PLUGIN_PATH=${FLEETING_PLUGIN_PATH}`,
        "gitlab-runner",
        "fleeting",
        "--config",
        RUNNER_CONFIG_PATH,
        "install",
      ],
      ["systemctl", "daemon-reload"],
      ["systemctl", "enable", "--now", "prometheus-node-exporter", "qemu-guest-agent"],
      // A restart, not a reload: listen_address and the autoscaler settings are only read at start.
      ["systemctl", "restart", "gitlab-runner"],
      [
        "docker",
        "run",
        "--detach",
        "--name",
        "cadvisor",
        "--restart",
        "unless-stopped",
        "--network",
        "host",
        "--privileged",
        "--device",
        "/dev/kmsg",
        "--volume",
        "/:/rootfs:ro",
        "--volume",
        "/var/run:/var/run:ro",
        "--volume",
        "/sys:/sys:ro",
        "--volume",
        "/var/lib/docker/:/var/lib/docker:ro",
        "--volume",
        "/dev/disk/:/dev/disk:ro",
        input.cadvisorImage ?? DEFAULT_CADVISOR_IMAGE,
        `--port=${METRICS_PORTS.cadvisor}`,
      ],
    ],
  };
}

/**
 * Renders the user-data. The first line is the fixed `#cloud-config` marker cloud-init requires, emitted by the YAML
 * serializer as the document's leading comment. Pure; throws listing every invalid input. The result holds the
 * runner tokens and the private key: keep it a secret.
 */
export function renderRunnerUserData(input: RunnerVmUserDataInput): string {
  const document = new Document(runnerUserDataDocument(input));
  document.commentBefore = "cloud-config";
  return document.toString({ lineWidth: 0 });
}
