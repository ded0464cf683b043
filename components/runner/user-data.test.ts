import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { renderRunnerConfig } from "./config-toml";
import { SAMPLE_TOKENS, sampleRunnerModel } from "./testing";
import {
  awsConfigIni,
  firewallCommands,
  renderRunnerUserData,
  RolesAnywhereIdentity,
  RunnerVmUserDataInput,
  runnerServiceDropIn,
  signingHelperUrl,
} from "./user-data";

const IDENTITY: RolesAnywhereIdentity = {
  trustAnchorArn: "arn:aws:rolesanywhere:eu-central-1:123456789012:trust-anchor/0f1e2d3c-aaaa-bbbb-cccc-123456789abc",
  profileArn: "arn:aws:rolesanywhere:eu-central-1:123456789012:profile/9a8b7c6d-aaaa-bbbb-cccc-123456789abc",
  roleArn: "arn:aws:iam::123456789012:role/foundation-runner-manager",
  region: "eu-central-1",
  awsProfile: "runner",
  certificatePem: "-----BEGIN CERTIFICATE-----\nMIIBcertificate\n-----END CERTIFICATE-----\n",
  privateKeyPem: "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIkey\n-----END EC PRIVATE KEY-----\n",
};

const SHA256 = "3d131aa888cd56da446f9c6bb460b1f0569f6c7edc74eae6193a2fe3928883ba";

function input(overrides: Partial<RunnerVmUserDataInput> = {}): RunnerVmUserDataInput {
  return {
    hostname: "runner-01",
    fqdn: "runner-01.lab.example.com",
    timezone: "Europe/Berlin",
    sshAuthorizedKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKx9exampleexampleexampleexampleexample admin@example"],
    runnerConfigToml: renderRunnerConfig(sampleRunnerModel(), SAMPLE_TOKENS),
    gitlabRunnerVersion: "17.11.1-1",
    rolesAnywhere: IDENTITY,
    signingHelper: { version: "1.4.0", sha256: SHA256 },
    firewall: {
      adminCidrs: ["192.0.2.0/24", "2001:db8:1::/48"],
      monitoringCidrs: ["198.51.100.10/32"],
      fleetSshCidrs: ["10.20.0.0/16"],
    },
    ...overrides,
  };
}

type WriteFile = { path: string; content: string; owner: string; permissions: string; defer?: boolean };
type CloudConfig = Record<string, unknown> & { write_files: WriteFile[]; runcmd: string[][] };

const rendered = (overrides: Partial<RunnerVmUserDataInput> = {}): CloudConfig =>
  parse(renderRunnerUserData(input(overrides))) as CloudConfig;

const file = (config: CloudConfig, filePath: string): WriteFile => {
  const found = config.write_files.find((entry) => entry.path === filePath);
  if (found === undefined) {
    throw new Error(`no write_files entry for ${filePath}`);
  }
  return found;
};

describe("cloud-init schema (the real validator)", () => {
  const binary = spawnSync("cloud-init", ["--version"], { encoding: "utf8" });

  test("cloud-init is installed", () => {
    if (binary.error !== undefined) {
      throw new Error(
        "cloud-init is not installed: the user-data tests need `cloud-init schema`. Install it with `apt-get install cloud-init` (Debian), as .ci/run does.",
      );
    }
    expect(binary.status).toBe(0);
  });

  test.each<[string, Partial<RunnerVmUserDataInput>]>([
    ["the amd64 VM with pinned runner version", {}],
    [
      "an arm64 VM with newest runner and a distribution path",
      {
        architecture: "arm64",
        gitlabRunnerVersion: undefined,
        signingHelper: { version: "1.8.5", sha256: SHA256, distribution: "Amzn2023" },
      },
    ],
    ["defaults (no fqdn, UTC, default cAdvisor)", { fqdn: undefined, timezone: undefined, cadvisorImage: undefined }],
  ])("accepts %s", (_name, overrides) => {
    if (binary.error !== undefined) {
      throw new Error("cloud-init is not installed: `apt-get install cloud-init` (Debian), as .ci/run does.");
    }
    const dir = mkdtempSync(path.join(tmpdir(), "user-data-"));
    try {
      const configFile = path.join(dir, "user-data.yaml");
      writeFileSync(configFile, renderRunnerUserData(input(overrides)));
      const result = spawnSync("cloud-init", ["schema", "--config-file", configFile], { encoding: "utf8" });
      expect({ status: result.status, stderr: result.stderr.trim() }).toEqual({ status: 0, stderr: "" });
      expect(result.stdout).toContain("Valid cloud-config");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("renderRunnerUserData", () => {
  test("starts with the #cloud-config marker line", () => {
    expect(renderRunnerUserData(input()).split("\n")[0]).toBe("#cloud-config");
  });

  test("sets the host, time zone and key-only SSH", () => {
    const config = rendered();
    expect({
      hostname: config.hostname,
      fqdn: config.fqdn,
      timezone: config.timezone,
      ssh_pwauth: config.ssh_pwauth,
      disable_root: config.disable_root,
      ssh_authorized_keys: config.ssh_authorized_keys,
    }).toEqual({
      hostname: "runner-01",
      fqdn: "runner-01.lab.example.com",
      timezone: "Europe/Berlin",
      ssh_pwauth: false,
      disable_root: true,
      ssh_authorized_keys: [
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKx9exampleexampleexampleexampleexample admin@example",
      ],
    });
  });

  test("adds the Docker and GitLab Runner repositories with their signing keys", () => {
    expect((rendered().apt as { sources: unknown }).sources).toEqual({
      "docker.list": {
        source: "deb [signed-by=$KEY_FILE] https://download.docker.com/linux/debian $RELEASE stable",
        keyid: "9DC858229FC7DD38854AE2D88D81803C0EBFCD88",
        keyserver: "hkps://keyserver.ubuntu.com",
      },
      "gitlab-runner.list": {
        source: "deb [signed-by=$KEY_FILE] https://packages.gitlab.com/runner/gitlab-runner/debian/ $RELEASE main",
        keyid: "F6403F6544A38863DAA0B6E03F01618A51312F3F",
        keyserver: "hkps://keyserver.ubuntu.com",
      },
    });
  });

  test.each<[string, Partial<RunnerVmUserDataInput>, unknown[]]>([
    [
      "pins the runner and its helper images",
      {},
      [
        ["gitlab-runner", "17.11.1-1"],
        ["gitlab-runner-helper-images", "17.11.1-1"],
      ],
    ],
    ["installs the newest runner when no version is given", { gitlabRunnerVersion: undefined }, ["gitlab-runner"]],
  ])("%s", (_name, overrides, runner) => {
    expect(rendered(overrides).packages).toEqual([
      "ca-certificates",
      "curl",
      "ufw",
      "qemu-guest-agent",
      "prometheus-node-exporter",
      "docker-ce",
      "docker-ce-cli",
      "containerd.io",
      ...runner,
    ]);
  });

  test.each([
    ["/etc/roles-anywhere/certificate.pem", "0600", false],
    ["/etc/roles-anywhere/private-key.pem", "0600", false],
    ["/root/.aws/config", "0600", false],
    ["/etc/gitlab-runner/config.toml", "0600", true],
    ["/etc/systemd/system/gitlab-runner.service.d/foundation.conf", "0644", false],
    ["/etc/roles-anywhere/aws_signing_helper.sha256", "0644", false],
  ])("writes %s with mode %s, owned by root (deferred: %s)", (filePath, mode, deferred) => {
    const entry = file(rendered(), filePath);
    expect({ owner: entry.owner, permissions: entry.permissions, defer: entry.defer ?? false }).toEqual({
      owner: "root:root",
      permissions: mode,
      defer: deferred,
    });
  });

  test("writes the certificate, key and config.toml unchanged", () => {
    const config = rendered();
    expect(file(config, "/etc/roles-anywhere/certificate.pem").content).toBe(IDENTITY.certificatePem);
    expect(file(config, "/etc/roles-anywhere/private-key.pem").content).toBe(IDENTITY.privateKeyPem);
    expect(file(config, "/etc/gitlab-runner/config.toml").content).toBe(
      renderRunnerConfig(sampleRunnerModel(), SAMPLE_TOKENS),
    );
    expect(file(config, "/etc/roles-anywhere/aws_signing_helper.sha256").content).toBe(
      `${SHA256}  /var/tmp/aws_signing_helper\n`,
    );
  });

  test("writes the AWS profile with the Roles Anywhere credential_process", () => {
    expect(file(rendered(), "/root/.aws/config").content).toBe(
      [
        "[profile runner]",
        "region = eu-central-1",
        "credential_process = /usr/local/bin/aws_signing_helper credential-process" +
          " --certificate /etc/roles-anywhere/certificate.pem --private-key /etc/roles-anywhere/private-key.pem" +
          ` --trust-anchor-arn ${IDENTITY.trustAnchorArn} --profile-arn ${IDENTITY.profileArn} --role-arn ${IDENTITY.roleArn}`,
        "",
      ].join("\n"),
    );
  });

  test("runs commands in order: firewall, verified helper, fleeting install, services, cAdvisor", () => {
    const runcmd = rendered().runcmd;
    const firewall = firewallCommands(input().firewall);
    expect(runcmd.slice(0, firewall.length + 1)).toEqual([["set", "-e"], ...firewall]);
    expect(runcmd.slice(firewall.length + 1)).toEqual([
      [
        "curl",
        "--fail",
        "--silent",
        "--show-error",
        "--location",
        "--proto",
        "=https",
        "--output",
        "/var/tmp/aws_signing_helper",
        "https://rolesanywhere.amazonaws.com/releases/1.4.0/X86_64/Linux/aws_signing_helper",
      ],
      ["sha256sum", "--check", "--strict", "/etc/roles-anywhere/aws_signing_helper.sha256"],
      [
        "install",
        "-m",
        "0755",
        "-o",
        "root",
        "-g",
        "root",
        "/var/tmp/aws_signing_helper",
        "/usr/local/bin/aws_signing_helper",
      ],
      ["rm", "-f", "/var/tmp/aws_signing_helper"],
      [
        "env",
        "FLEETING_PLUGIN_PATH=/var/lib/fleeting/plugins",
        "gitlab-runner",
        "fleeting",
        "--config",
        "/etc/gitlab-runner/config.toml",
        "install",
      ],
      ["systemctl", "daemon-reload"],
      ["systemctl", "enable", "--now", "prometheus-node-exporter", "qemu-guest-agent"],
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
        "gcr.io/cadvisor/cadvisor:v0.49.1",
        "--port=8080",
      ],
    ]);
  });

  test("is deterministic", () => {
    expect(renderRunnerUserData(input())).toBe(renderRunnerUserData(input()));
  });

  test.each<[string, Partial<RunnerVmUserDataInput>, string[]]>([
    [
      "a bad host name and zone",
      { hostname: "Runner_01", fqdn: undefined, timezone: "Berlin" },
      [
        'hostname: "Runner_01" is not a DNS label; use lowercase letters, digits and dashes',
        'timezone: "Berlin" is not an IANA time zone; use e.g. "Europe/Berlin"',
      ],
    ],
    [
      "no SSH keys",
      { sshAuthorizedKeys: [] },
      ["sshAuthorizedKeys: give at least one public key, or nobody can log in to repair the VM"],
    ],
    [
      "SSH open to the world and a malformed monitoring CIDR",
      { firewall: { adminCidrs: ["0.0.0.0/0"], monitoringCidrs: ["10.0.0.1"], fleetSshCidrs: ["0.0.0.0/0"] } },
      [
        'firewall.adminCidrs: "0.0.0.0/0" opens the port to every address; name the networks that need it',
        'firewall.monitoringCidrs: "10.0.0.1" is not a CIDR like 192.0.2.0/24 or 2001:db8::/32',
      ],
    ],
    [
      "an unpinned cAdvisor and an unverified helper",
      { cadvisorImage: "gcr.io/cadvisor/cadvisor:latest", signingHelper: { version: "latest", sha256: "abc" } },
      [
        'signingHelper.version: "latest" is not a release version like 1.4.0',
        "signingHelper.sha256: give the release's published SHA-256 for this architecture (64 lowercase hex digits)",
        'cadvisorImage: "gcr.io/cadvisor/cadvisor:latest" must be pinned by a version tag or a digest, not latest',
      ],
    ],
    [
      "a wrong role ARN and a missing config.toml",
      { rolesAnywhere: { ...IDENTITY, roleArn: "arn:aws:iam::123456789012:user/ci" }, runnerConfigToml: "" },
      [
        "runnerConfigToml: pass the output of renderRunnerConfig (it has no [[runners]] entry)",
        'rolesAnywhere.roleArn: "arn:aws:iam::123456789012:user/ci" is not an IAM role ARN',
      ],
    ],
  ])("rejects %s, naming every field", (_name, overrides, problems) => {
    expect(() => renderRunnerUserData(input(overrides))).toThrow(
      new Error(`invalid runner VM user-data:\n  - ${problems.join("\n  - ")}`),
    );
  });
});

describe("firewallCommands", () => {
  test("denies by default and opens exactly SSH, the metrics ports, and the outbound services", () => {
    expect(
      firewallCommands({
        adminCidrs: ["192.0.2.0/24"],
        monitoringCidrs: ["198.51.100.10/32"],
        fleetSshCidrs: ["10.20.0.0/16"],
      }),
    ).toEqual([
      ["ufw", "default", "deny", "incoming"],
      ["ufw", "default", "deny", "outgoing"],
      [
        "ufw",
        "allow",
        "in",
        "proto",
        "tcp",
        "from",
        "192.0.2.0/24",
        "to",
        "any",
        "port",
        "22",
        "comment",
        "ssh from admin network",
      ],
      [
        "ufw",
        "allow",
        "in",
        "proto",
        "tcp",
        "from",
        "198.51.100.10/32",
        "to",
        "any",
        "port",
        "9100",
        "comment",
        "node_exporter",
      ],
      [
        "ufw",
        "allow",
        "in",
        "proto",
        "tcp",
        "from",
        "198.51.100.10/32",
        "to",
        "any",
        "port",
        "8080",
        "comment",
        "cadvisor",
      ],
      [
        "ufw",
        "allow",
        "in",
        "proto",
        "tcp",
        "from",
        "198.51.100.10/32",
        "to",
        "any",
        "port",
        "9252",
        "comment",
        "gitlab-runner metrics",
      ],
      ["ufw", "allow", "out", "proto", "tcp", "to", "any", "port", "443", "comment", "https"],
      ["ufw", "allow", "out", "proto", "udp", "to", "any", "port", "123", "comment", "ntp"],
      ["ufw", "allow", "out", "to", "any", "port", "53", "comment", "dns"],
      ["ufw", "allow", "out", "proto", "tcp", "to", "10.20.0.0/16", "port", "22", "comment", "ssh to runner fleet"],
      ["ufw", "--force", "enable"],
    ]);
  });
});

describe("signingHelperUrl", () => {
  test.each<[string, Parameters<typeof signingHelperUrl>, string]>([
    [
      "amd64",
      [{ version: "1.4.0", sha256: SHA256 }, "amd64"],
      "https://rolesanywhere.amazonaws.com/releases/1.4.0/X86_64/Linux/aws_signing_helper",
    ],
    [
      "arm64",
      [{ version: "1.4.0", sha256: SHA256 }, "arm64"],
      "https://rolesanywhere.amazonaws.com/releases/1.4.0/Aarch64/Linux/aws_signing_helper",
    ],
    [
      "arm64 with a distribution segment",
      [{ version: "1.8.5", sha256: SHA256, distribution: "Amzn2023" }, "arm64"],
      "https://rolesanywhere.amazonaws.com/releases/1.8.5/Aarch64/Linux/Amzn2023/aws_signing_helper",
    ],
  ])("%s", (_name, args, url) => {
    expect(signingHelperUrl(...args)).toBe(url);
  });
});

describe("INI files", () => {
  test("the default profile is [default], others are [profile name]", () => {
    expect(awsConfigIni({ ...IDENTITY, awsProfile: "default" }).split("\n")[0]).toBe("[default]");
    expect(awsConfigIni(IDENTITY).split("\n")[0]).toBe("[profile runner]");
  });

  test("the service drop-in sets the plugin path and the AWS profile", () => {
    expect(runnerServiceDropIn(IDENTITY)).toBe(
      [
        "[Service]",
        "Environment = FLEETING_PLUGIN_PATH=/var/lib/fleeting/plugins",
        "Environment = AWS_CONFIG_FILE=/root/.aws/config",
        "Environment = AWS_PROFILE=runner",
        "",
      ].join("\n"),
    );
  });

  test("refuses a credential_process argument that would need shell quoting", () => {
    expect(() => awsConfigIni({ ...IDENTITY, roleArn: "arn:aws:iam::123456789012:role/x;reboot" })).toThrow(
      'rolesAnywhere: "arn:aws:iam::123456789012:role/x;reboot" would need shell quoting in credential_process',
    );
  });
});
