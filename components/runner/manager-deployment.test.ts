import * as kubernetes from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { record } from "../../tools/plan/testing";
import { recordedObjects, validateObjects } from "../kubernetes/testing/schema-validation";
import { renderRunnerUserData, RUNNER_CONFIG_PATH } from "./user-data";
import { renderRunnerConfig } from "./config-toml";
import {
  checkedConfigToml,
  clusterAwsConfig,
  configDigest,
  RunnerManagerDeployment,
  RunnerManagerDeploymentArgs,
  terminationGraceSeconds,
} from "./manager-deployment";
import { SAMPLE_TOKENS, sampleRunnerModel } from "./testing";

const CERTIFICATE = "-----BEGIN CERTIFICATE-----\nMIIBcertificate\n-----END CERTIFICATE-----\n";
const KEY = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIkey\n-----END EC PRIVATE KEY-----\n";
const TRUST_ANCHOR =
  "arn:aws:rolesanywhere:eu-central-1:123456789012:trust-anchor/0f1e2d3c-aaaa-bbbb-cccc-123456789abc";
const PROFILE = "arn:aws:rolesanywhere:eu-central-1:123456789012:profile/9a8b7c6d-aaaa-bbbb-cccc-123456789abc";
const ROLE = "arn:aws:iam::123456789012:role/foundation-runner-manager";
const TOML = renderRunnerConfig(sampleRunnerModel(), SAMPLE_TOKENS);

const ARGS: RunnerManagerDeploymentArgs = {
  configToml: pulumi.secret(TOML),
  shutdownTimeoutSeconds: 3600,
  runnerImage: "gitlab/gitlab-runner:v17.11.1",
  credentialHelperImage: "public.ecr.aws/rolesanywhere/credential-helper:1.7.0",
  dindImage: "docker:28.1.1-dind",
  awsProfile: "runner",
  awsRegion: "eu-central-1",
  awsConfigFile: "/root/.aws/config",
  trustAnchorArn: TRUST_ANCHOR,
  profileArn: PROFILE,
  roleArn: ROLE,
  certificatePem: CERTIFICATE,
  privateKeyPem: pulumi.secret(KEY),
};

const recordManager = (overrides: Partial<RunnerManagerDeploymentArgs> = {}) =>
  record(() => {
    new RunnerManagerDeployment(
      "gitlab-runner",
      { ...ARGS, ...overrides },
      { provider: new kubernetes.Provider("k8s", {}) },
    );
  });

type Container = { name: string; image: string; args?: string[]; command?: string[]; restartPolicy?: string } & Record<
  string,
  unknown
>;
type DeploymentSpec = {
  replicas: number;
  strategy: { type: string };
  template: {
    metadata: { annotations: Record<string, string> };
    spec: { terminationGracePeriodSeconds: number; initContainers: Container[]; containers: Container[] } & Record<
      string,
      unknown
    >;
  };
};

describe("RunnerManagerDeployment", () => {
  it("hands the Deployment's Secret the byte-identical config.toml the VM's user-data carries", async () => {
    const userData = parse(
      renderRunnerUserData({
        hostname: "runner-01",
        sshAuthorizedKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKx9exampleexampleexample admin@example"],
        runnerConfigToml: TOML,
        rolesAnywhere: {
          trustAnchorArn: TRUST_ANCHOR,
          profileArn: PROFILE,
          roleArn: ROLE,
          region: "eu-central-1",
          awsProfile: "runner",
          certificatePem: CERTIFICATE,
          privateKeyPem: KEY,
        },
        signingHelper: { version: "1.4.0", sha256: "3".repeat(64) },
        firewall: { adminCidrs: ["192.0.2.0/24"], monitoringCidrs: ["198.51.100.10/32"], fleetSshCidrs: ["0.0.0.0/0"] },
      }),
    ) as { write_files: { path: string; content: string }[] };
    const onVm = userData.write_files.find((file) => file.path === RUNNER_CONFIG_PATH)?.content;
    const rec = await recordManager();
    const inCluster = (rec.inputsOf("gitlab-runner-config") as { stringData: Record<string, string> }).stringData[
      "config.toml"
    ];
    expect(Buffer.from(inCluster).equals(Buffer.from(onVm as string))).toBe(true);
    expect(inCluster).toBe(TOML);
    expect(rec.isSecretInput("gitlab-runner-config", "stringData")).toBe(true);
  });

  it("probes the runner's metrics endpoint, opens only that port, and declares the exceptions it needs", async () => {
    const rec = await recordManager();
    const deployment = rec.inputsOf("gitlab-runner-deployment") as {
      metadata: { annotations: Record<string, string> };
      spec: DeploymentSpec;
    };
    const runner = deployment.spec.template.spec.containers[0];
    expect([runner.readinessProbe, runner.livenessProbe]).toEqual([
      { httpGet: { path: "/metrics", port: "metrics" }, periodSeconds: 10, failureThreshold: 3 },
      {
        httpGet: { path: "/metrics", port: "metrics" },
        initialDelaySeconds: 30,
        periodSeconds: 30,
        failureThreshold: 5,
      },
    ]);
    expect(Object.keys(deployment.metadata.annotations).sort()).toEqual([
      "policy.foundation/kubernetes-container-no-privilege-escalation",
      "policy.foundation/kubernetes-container-nonroot",
      "policy.foundation/kubernetes-container-readonly-rootfs",
    ]);
    expect(rec.inputsOf("gitlab-runner-network-policy").spec).toEqual({
      podSelector: {
        matchLabels: { "app.kubernetes.io/name": "gitlab-runner", "app.kubernetes.io/instance": "gitlab-runner" },
      },
      policyTypes: ["Ingress"],
      ingress: [{ ports: [{ port: 9252, protocol: "TCP" }] }],
    });
    // Every object the component sends to the API server is valid against the Kubernetes schemas.
    expect(validateObjects(recordedObjects(rec)).filter((v) => v.errors !== null)).toEqual([]);
  });

  it("creates the namespace, both Secrets, the AWS config and the Deployment, in that dependency order", async () => {
    const rec = await recordManager();
    expect(
      rec
        .summary()
        .filter((entry) => entry.startsWith("kubernetes:"))
        .sort(),
    ).toEqual([
      "kubernetes:apps/v1:Deployment::gitlab-runner-deployment",
      "kubernetes:core/v1:ConfigMap::gitlab-runner-aws",
      "kubernetes:core/v1:Namespace::gitlab-runner-namespace",
      "kubernetes:core/v1:Secret::gitlab-runner-config",
      "kubernetes:core/v1:Secret::gitlab-runner-roles-anywhere",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy::gitlab-runner-network-policy",
    ]);
    const deployment = rec.named("gitlab-runner-deployment");
    for (const dependency of ["gitlab-runner-config", "gitlab-runner-roles-anywhere", "gitlab-runner-aws"]) {
      expect(deployment.dependencies).toContain(rec.named(dependency).urn);
    }
    expect(rec.inputsOf("gitlab-runner-namespace")).toMatchObject({
      metadata: { name: "gitlab-runner", labels: { "pod-security.kubernetes.io/enforce": "privileged" } },
    });
    expect(rec.isSecretInput("gitlab-runner-roles-anywhere", "stringData")).toBe(true);
    expect(rec.inputsOf("gitlab-runner-aws")).toMatchObject({
      data: { config: "[profile runner]\nregion = eu-central-1\n" },
    });
  });

  it("runs one replica, recreated, with a grace that covers the drain and the runner's shutdown_timeout", async () => {
    const rec = await recordManager();
    const spec = rec.inputsOf("gitlab-runner-deployment").spec as DeploymentSpec;
    expect(spec.replicas).toBe(1);
    expect(spec.strategy).toEqual({ type: "Recreate" });
    expect(spec.template.spec.terminationGracePeriodSeconds).toBe(7230);
    expect(spec.template.metadata.annotations).toEqual({ "foundation.dev/config-sha256": configDigest(TOML) });
    expect(spec.template.spec.automountServiceAccountToken).toBe(false);
    const runner = spec.template.spec.containers[0];
    expect(runner).toMatchObject({
      name: "runner",
      image: "gitlab/gitlab-runner:v17.11.1",
      args: ["run", "--config", "/etc/gitlab-runner/config.toml", "--working-directory", "/home/gitlab-runner"],
      lifecycle: {
        preStop: {
          exec: {
            command: ["timeout", "3600", "sh", "-c", "kill -QUIT 1; while kill -0 1 2>/dev/null; do sleep 1; done"],
          },
        },
      },
    });
    expect(runner.env).toEqual([
      { name: "FLEETING_PLUGIN_PATH", value: "/var/lib/fleeting/plugins" },
      { name: "AWS_CONFIG_FILE", value: "/root/.aws/config" },
      { name: "AWS_PROFILE", value: "runner" },
      { name: "AWS_EC2_METADATA_SERVICE_ENDPOINT", value: "http://127.0.0.1:9911/" },
      { name: "DOCKER_HOST", value: "unix:///var/run/dind/docker.sock" },
    ]);
  });

  it("gets AWS credentials from the Roles Anywhere helper sidecar, which alone mounts the key", async () => {
    const rec = await recordManager();
    const spec = rec.inputsOf("gitlab-runner-deployment").spec as DeploymentSpec;
    const init = spec.template.spec.initContainers;
    expect(init.map((c) => [c.name, c.restartPolicy])).toEqual([
      ["config", undefined],
      ["fleeting-install", undefined],
      ["credential-helper", "Always"],
      ["dind", "Always"],
    ]);
    const helper = init[2];
    expect(helper.args).toEqual([
      "serve",
      "--certificate",
      "/run/foundation/roles-anywhere/certificate.pem",
      "--private-key",
      "/run/foundation/roles-anywhere/private-key.pem",
      "--trust-anchor-arn",
      TRUST_ANCHOR,
      "--profile-arn",
      PROFILE,
      "--role-arn",
      ROLE,
    ]);
    const mountsOf = (c: Container) => (c.volumeMounts as { name: string }[]).map((m) => m.name);
    for (const container of [...init, ...spec.template.spec.containers]) {
      expect(mountsOf(container).includes("roles-anywhere")).toBe(container.name === "credential-helper");
    }
    expect(init[3].securityContext).toEqual({ privileged: true });
    expect(spec.template.spec.containers[0].securityContext).toMatchObject({ capabilities: { drop: ["ALL"] } });
  });

  it("checks the config.toml against the shutdown timeout it was given", () => {
    expect(checkedConfigToml(TOML, 3600)).toBe(TOML);
    expect(() => checkedConfigToml(TOML, 30)).toThrow(
      "configToml has shutdown_timeout 3600 but shutdownTimeoutSeconds is 30; pass the model's global.shutdownTimeout (default 30)",
    );
    expect(() => checkedConfigToml("concurrent = 1\n", 30)).toThrow(
      "configToml has no [[runners]] entry; pass the output of renderRunnerConfig",
    );
  });

  it.each([
    [30, 90],
    [3600, 7230],
  ])("gives a shutdown_timeout of %i s a grace of %i s", (timeout, grace) => {
    expect(terminationGraceSeconds(timeout)).toBe(grace);
  });

  it("writes the default profile without the profile prefix", () => {
    expect(clusterAwsConfig("default", "eu-west-1")).toBe("[default]\nregion = eu-west-1\n");
  });

  it("refuses unpinned images, a relative AWS config path and a bad timeout", async () => {
    await expect(
      recordManager({
        runnerImage: "gitlab/gitlab-runner:latest",
        dindImage: "registry.local:5000/docker",
        awsConfigFile: "aws/config",
        shutdownTimeoutSeconds: 0,
      }),
    ).rejects.toThrow(
      "RunnerManagerDeployment 'gitlab-runner': shutdownTimeoutSeconds 0 must be a whole number of seconds, at least " +
        "1; runnerImage 'gitlab/gitlab-runner:latest' must be pinned by a version tag or a digest, not latest; " +
        "dindImage 'registry.local:5000/docker' must be pinned by a version tag or a digest, not latest; " +
        "awsConfigFile 'aws/config' must be an absolute path in a directory, e.g. /root/.aws/config",
    );
  });
});
