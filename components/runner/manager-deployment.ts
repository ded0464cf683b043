/**
 * The runner manager as a Deployment in the lab cluster: the `cluster` placement (placement.ts). It runs the same
 * rendered `config.toml` as the VM (docs/architecture.md, "One runner model"), reaches AWS through the same IAM Roles
 * Anywhere role, and keeps the VM's runtime contract: the config at /etc/gitlab-runner/config.toml, the AWS shared
 * config at the path the model's `fleet.awsConfigFile` names, fleeting plugins under FLEETING_PLUGIN_PATH, and a Docker
 * daemon for the two docker-executor runners (a docker:dind sidecar, as Talos has no Docker on the host).
 *
 * Credentials: the Roles Anywhere helper runs as a sidecar in `serve` mode, an IMDSv2-compatible endpoint on
 * 127.0.0.1:9911 (https://docs.aws.amazon.com/rolesanywhere/latest/userguide/credential-helper.html). The manager's AWS
 * profile names only the region, so the SDK falls through to the instance-metadata provider, pointed at the sidecar by
 * AWS_EC2_METADATA_SERVICE_ENDPOINT. Only containers in the pod's network namespace reach it; job containers run in
 * dind's own networks. The certificate and key are mounted into the sidecar alone.
 */
import * as kubernetes from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { INamespace } from "kubernetes-models/v1/Namespace";
import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import type { ISecurityContext } from "kubernetes-models/v1/SecurityContext";
import { createHash } from "node:crypto";
import { posix } from "node:path";
import { parse } from "smol-toml";
import { imagePinProblem, isAwsRegion, isDnsLabel } from "../common/validation";
import { renderIni } from "../common/ini";

/** Where the runner reads its config, as on the VM (the package's default for the system service). */
export const CLUSTER_RUNNER_CONFIG_PATH = "/etc/gitlab-runner/config.toml";
/** Where the fleeting plugins are installed, as on the VM. */
export const CLUSTER_FLEETING_PLUGIN_PATH = "/var/lib/fleeting/plugins";
/** The credential helper's `serve` endpoint (its default port, loopback only). */
export const CREDENTIAL_ENDPOINT = "http://127.0.0.1:9911/";
/** dind's socket, shared with the runner through an emptyDir; never a TCP port other pods could reach. */
export const DIND_SOCKET_DIR = "/var/run/dind";
/** The runner's metrics port (`listen_address` in config.toml). */
export const RUNNER_METRICS_PORT = 9252;

const SECRET_MOUNT = "/run/foundation/runner";
const CERTIFICATE_MOUNT = "/run/foundation/roles-anywhere";
/** The helper image runs as this user (its Dockerfile's `USER 65532:65532`); fsGroup lets it read its key. */
const HELPER_GROUP = 65532;

/** Seconds Kubernetes gives the pod to stop: a graceful drain, then the runner's own forceful shutdown, plus slack. */
export function terminationGraceSeconds(shutdownTimeoutSeconds: number): number {
  return 2 * shutdownTimeoutSeconds + 30;
}

/**
 * The AWS shared config in the cluster: the model's profile with its region and no credential source, so the SDKs
 * ask the instance-metadata endpoint, which is the helper sidecar. The VM's profile has `credential_process`
 * instead; config.toml, which only names the profile and the file, is the same for both.
 */
export function clusterAwsConfig(awsProfile: string, region: string): string {
  return renderIni([
    { name: awsProfile === "default" ? "default" : `profile ${awsProfile}`, entries: [["region", region]] },
  ]);
}

/** The SHA-256 of config.toml: a pod-template annotation, so a new config rolls the pod. */
export function configDigest(configToml: string): string {
  return createHash("sha256").update(configToml).digest("hex");
}

/**
 * Checks a rendered config.toml against the Deployment's settings: it must parse, and its `shutdown_timeout` must be
 * the one the termination grace was computed from. Returns the content unchanged.
 */
export function checkedConfigToml(configToml: string, shutdownTimeoutSeconds: number): string {
  const document = parse(configToml) as { shutdown_timeout?: unknown; runners?: unknown };
  if (!Array.isArray(document.runners) || document.runners.length === 0) {
    throw new Error("configToml has no [[runners]] entry; pass the output of renderRunnerConfig");
  }
  if (document.shutdown_timeout !== shutdownTimeoutSeconds) {
    throw new Error(
      `configToml has shutdown_timeout ${String(document.shutdown_timeout)} but shutdownTimeoutSeconds is ` +
        `${shutdownTimeoutSeconds}; pass the model's global.shutdownTimeout (default 30)`,
    );
  }
  return configToml;
}

/** The Roles Anywhere identity of the manager: the role the VM used. */
export interface ManagerRolesAnywhere {
  /** Trust anchor ARN. */
  readonly trustAnchorArn: string;
  /** Roles Anywhere profile ARN. */
  readonly profileArn: string;
  /** The manager role's ARN. */
  readonly roleArn: string;
}

/** Everything the Deployment object is rendered from, as plain values. */
export interface ManagerDeploymentInput {
  /** Deployment name, also the prefix of its Secrets and ConfigMap. */
  readonly name: string;
  /** Namespace. */
  readonly namespace: string;
  /** gitlab-runner image, pinned. */
  readonly runnerImage: string;
  /** Roles Anywhere credential helper image, pinned. */
  readonly credentialHelperImage: string;
  /** docker:dind image, pinned. */
  readonly dindImage: string;
  /** The AWS profile config.toml names (`fleet.awsProfile`). */
  readonly awsProfile: string;
  /** Absolute path of the AWS shared config config.toml names (`fleet.awsConfigFile`). */
  readonly awsConfigFile: string;
  /** The identity. */
  readonly rolesAnywhere: ManagerRolesAnywhere;
  /** config.toml's `shutdown_timeout`. */
  readonly shutdownTimeoutSeconds: number;
  /** {@link configDigest} of the config. */
  readonly configDigest: string;
}

/** Names of the objects beside the Deployment. */
export function objectNames(name: string): { config: string; certificate: string; awsConfig: string } {
  return { config: `${name}-config`, certificate: `${name}-roles-anywhere`, awsConfig: `${name}-aws` };
}

/** The namespace: `privileged`, because dind must run privileged (Talos enforces `baseline` elsewhere). */
export function managerNamespace(namespace: string): INamespace {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: namespace,
      labels: {
        "pod-security.kubernetes.io/enforce": "privileged",
        "pod-security.kubernetes.io/audit": "privileged",
        "pod-security.kubernetes.io/warn": "privileged",
      },
    },
  };
}

/**
 * The policy pack's exceptions this workload declares (annotation `policy.foundation/<policy>: <reason>` on the
 * Deployment, policies/kubernetes/workloads.ts), each with the reason the manager cannot comply.
 */
export const POLICY_EXCEPTIONS: Readonly<Record<string, string>> = {
  "policy.foundation/kubernetes-container-nonroot":
    "the runner image runs as root, as the VM's service does (config beside config.toml, fleeting plugin installs); dind is a Docker daemon",
  "policy.foundation/kubernetes-container-no-privilege-escalation":
    "the dind sidecar is privileged: the Docker daemon of the docker-executor runners, on a socket only the pod reaches",
  "policy.foundation/kubernetes-container-readonly-rootfs":
    "the runner writes its system id beside config.toml and state under its home; dind writes its runtime state under /run and /etc/docker",
};

/** The NetworkPolicy: only the runner's metrics port is open, to any scraper; nothing else reaches the pod. */
export function managerNetworkPolicy(name: string, namespace: string): INetworkPolicy {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name, namespace },
    spec: {
      podSelector: { matchLabels: managerLabels(name) },
      policyTypes: ["Ingress"],
      ingress: [{ ports: [{ port: RUNNER_METRICS_PORT, protocol: "TCP" }] }],
    },
  };
}

/** The labels of the manager's pods. */
export function managerLabels(name: string): Record<string, string> {
  return { "app.kubernetes.io/name": "gitlab-runner", "app.kubernetes.io/instance": name };
}

/** No privilege escalation, no capabilities, the runtime's seccomp profile. */
const DROP_ALL: ISecurityContext = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

/**
 * The Deployment: one replica, `Recreate` (the old pod is gone before the new one starts, so two managers never
 * overlap), a preStop hook that sends SIGQUIT (the runner's graceful shutdown: no new jobs, running ones finish)
 * and waits up to `shutdown_timeout`, after which Kubernetes' SIGTERM starts the runner's forceful shutdown.
 */
export function managerDeployment(input: ManagerDeploymentInput): IDeployment {
  const names = objectNames(input.name);
  const labels = managerLabels(input.name);
  const awsConfigDir = posix.dirname(input.awsConfigFile);
  const configDir = posix.dirname(CLUSTER_RUNNER_CONFIG_PATH);
  const resources = (cpu: string, memory: string, memoryLimit: string) => ({
    requests: { cpu, memory },
    limits: { memory: memoryLimit },
  });
  const initContainers: IContainer[] = [
    {
      // A writable copy: the runner writes token timestamps and its system id beside config.toml.
      name: "config",
      image: input.runnerImage,
      command: ["cp", `${SECRET_MOUNT}/config.toml`, CLUSTER_RUNNER_CONFIG_PATH],
      volumeMounts: [
        { name: "config-secret", mountPath: SECRET_MOUNT, readOnly: true },
        { name: "config", mountPath: configDir },
      ],
      securityContext: DROP_ALL,
      resources: resources("10m", "32Mi", "64Mi"),
    },
    {
      // What the VM's user-data runs after writing config.toml: install the plugins it names.
      name: "fleeting-install",
      image: input.runnerImage,
      command: ["gitlab-runner", "fleeting", "--config", CLUSTER_RUNNER_CONFIG_PATH, "install"],
      env: [{ name: "FLEETING_PLUGIN_PATH", value: CLUSTER_FLEETING_PLUGIN_PATH }],
      volumeMounts: [
        { name: "config", mountPath: configDir },
        { name: "fleeting-plugins", mountPath: CLUSTER_FLEETING_PLUGIN_PATH },
      ],
      securityContext: DROP_ALL,
      resources: resources("50m", "64Mi", "256Mi"),
    },
    {
      // A native sidecar (restartPolicy Always): up before the runner, stopped after it.
      name: "credential-helper",
      image: input.credentialHelperImage,
      restartPolicy: "Always",
      args: [
        "serve",
        "--certificate",
        `${CERTIFICATE_MOUNT}/certificate.pem`,
        "--private-key",
        `${CERTIFICATE_MOUNT}/private-key.pem`,
        "--trust-anchor-arn",
        input.rolesAnywhere.trustAnchorArn,
        "--profile-arn",
        input.rolesAnywhere.profileArn,
        "--role-arn",
        input.rolesAnywhere.roleArn,
      ],
      volumeMounts: [{ name: "roles-anywhere", mountPath: CERTIFICATE_MOUNT, readOnly: true }],
      securityContext: { ...DROP_ALL, runAsNonRoot: true, runAsUser: HELPER_GROUP, readOnlyRootFilesystem: true },
      resources: resources("10m", "32Mi", "128Mi"),
    },
    {
      // The Docker daemon of the docker-executor runners; listening on a socket in a shared emptyDir only.
      name: "dind",
      image: input.dindImage,
      restartPolicy: "Always",
      args: ["dockerd", `--host=unix://${DIND_SOCKET_DIR}/docker.sock`],
      env: [{ name: "DOCKER_TLS_CERTDIR", value: "" }],
      securityContext: { privileged: true },
      volumeMounts: [
        { name: "dind-socket", mountPath: DIND_SOCKET_DIR },
        { name: "dind-storage", mountPath: "/var/lib/docker" },
      ],
      resources: resources("250m", "512Mi", "8Gi"),
    },
  ];
  const runner: IContainer = {
    name: "runner",
    image: input.runnerImage,
    args: ["run", "--config", CLUSTER_RUNNER_CONFIG_PATH, "--working-directory", "/home/gitlab-runner"],
    env: [
      { name: "FLEETING_PLUGIN_PATH", value: CLUSTER_FLEETING_PLUGIN_PATH },
      { name: "AWS_CONFIG_FILE", value: input.awsConfigFile },
      { name: "AWS_PROFILE", value: input.awsProfile },
      { name: "AWS_EC2_METADATA_SERVICE_ENDPOINT", value: CREDENTIAL_ENDPOINT },
      { name: "DOCKER_HOST", value: `unix://${DIND_SOCKET_DIR}/docker.sock` },
    ],
    ports: [{ name: "metrics", containerPort: RUNNER_METRICS_PORT, protocol: "TCP" }],
    // The metrics server (config.toml's listen_address) answers once the runner has loaded its config.
    readinessProbe: { httpGet: { path: "/metrics", port: "metrics" }, periodSeconds: 10, failureThreshold: 3 },
    livenessProbe: {
      httpGet: { path: "/metrics", port: "metrics" },
      initialDelaySeconds: 30,
      periodSeconds: 30,
      failureThreshold: 5,
    },
    lifecycle: {
      preStop: {
        exec: {
          // PID 1 is the image's dumb-init, which forwards the signal to the runner.
          command: [
            "timeout",
            String(input.shutdownTimeoutSeconds),
            "sh",
            "-c",
            "kill -QUIT 1; while kill -0 1 2>/dev/null; do sleep 1; done",
          ],
        },
      },
    },
    volumeMounts: [
      { name: "config", mountPath: configDir },
      { name: "fleeting-plugins", mountPath: CLUSTER_FLEETING_PLUGIN_PATH },
      { name: "aws-config", mountPath: awsConfigDir, readOnly: true },
      { name: "dind-socket", mountPath: DIND_SOCKET_DIR },
    ],
    securityContext: DROP_ALL,
    resources: resources("100m", "256Mi", "1Gi"),
  };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: input.name, namespace: input.namespace, labels, annotations: { ...POLICY_EXCEPTIONS } },
    spec: {
      replicas: 1,
      strategy: { type: "Recreate" },
      selector: { matchLabels: labels },
      template: {
        metadata: { labels, annotations: { "foundation.dev/config-sha256": input.configDigest } },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: terminationGraceSeconds(input.shutdownTimeoutSeconds),
          securityContext: { fsGroup: HELPER_GROUP },
          initContainers,
          containers: [runner],
          volumes: [
            { name: "config-secret", secret: { secretName: names.config, defaultMode: 0o600 } },
            { name: "roles-anywhere", secret: { secretName: names.certificate, defaultMode: 0o440 } },
            {
              name: "aws-config",
              configMap: {
                name: names.awsConfig,
                items: [{ key: "config", path: posix.basename(input.awsConfigFile) }],
              },
            },
            { name: "config", emptyDir: {} },
            { name: "fleeting-plugins", emptyDir: {} },
            { name: "dind-socket", emptyDir: {} },
            { name: "dind-storage", emptyDir: {} },
          ],
        },
      },
    },
  };
}

/** Arguments of {@link RunnerManagerDeployment}. */
export interface RunnerManagerDeploymentArgs {
  /** The rendered config.toml (`renderRunnerConfig`), the same string the VM receives; secret (it holds tokens). */
  readonly configToml: pulumi.Input<string>;
  /** The model's `global.shutdownTimeout` (config.toml `shutdown_timeout`, default 30); checked against the file. */
  readonly shutdownTimeoutSeconds: number;
  /** gitlab-runner image, pinned by version tag or digest (its version should match the VM's package). */
  readonly runnerImage: string;
  /** The Roles Anywhere credential helper image (`public.ecr.aws/rolesanywhere/credential-helper`), pinned. */
  readonly credentialHelperImage: string;
  /** docker:dind image, pinned. */
  readonly dindImage: string;
  /** The model's `fleet.awsProfile`. */
  readonly awsProfile: string;
  /** The model's `fleet.region`. */
  readonly awsRegion: string;
  /**
   * The model's `fleet.awsConfigFile`: the AWS config is mounted there, so config.toml needs no change.
   * @default "/root/.aws/config" (the SDK default for root, which the runner image runs as)
   */
  readonly awsConfigFile?: string;
  /** Trust anchor ARN (the `aws` stack's output). */
  readonly trustAnchorArn: pulumi.Input<string>;
  /** Roles Anywhere profile ARN. */
  readonly profileArn: pulumi.Input<string>;
  /** The manager role's ARN: the same role the VM used. */
  readonly roleArn: pulumi.Input<string>;
  /** The manager's client certificate PEM (the VM's: the role's trust policy pins its subject). */
  readonly certificatePem: pulumi.Input<string>;
  /** Its private key PEM; secret. */
  readonly privateKeyPem: pulumi.Input<string>;
  /**
   * Namespace, created by the component.
   * @default "gitlab-runner"
   */
  readonly namespace?: string;
}

/**
 * The runner manager in the cluster (`foundation:runner:ManagerDeployment`): its namespace, the config.toml Secret,
 * the Roles Anywhere certificate Secret, the AWS config ConfigMap, the Deployment of {@link managerDeployment} and
 * the NetworkPolicy of {@link managerNetworkPolicy}. Create it only for the `cluster` placement (placement.ts).
 */
export class RunnerManagerDeployment extends pulumi.ComponentResource {
  /** The namespace. */
  readonly namespace: pulumi.Output<string>;
  /** The Deployment's name. */
  readonly deploymentName: pulumi.Output<string>;
  /** The config.toml the Secret holds (secret). */
  readonly configToml: pulumi.Output<string>;

  constructor(name: string, args: RunnerManagerDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("foundation:runner:ManagerDeployment", name, {}, opts);
    const namespaceName = args.namespace ?? "gitlab-runner";
    const awsConfigFile = args.awsConfigFile ?? "/root/.aws/config";
    const problems: string[] = [];
    if (!isDnsLabel(name)) problems.push(`name '${name}' must be a DNS label`);
    if (!isDnsLabel(namespaceName)) {
      problems.push(`namespace '${namespaceName}' must be a DNS label`);
    }
    if (!Number.isInteger(args.shutdownTimeoutSeconds) || args.shutdownTimeoutSeconds < 1) {
      problems.push(
        `shutdownTimeoutSeconds ${args.shutdownTimeoutSeconds} must be a whole number of seconds, at least 1`,
      );
    }
    for (const key of ["runnerImage", "credentialHelperImage", "dindImage"] as const) {
      if (imagePinProblem(args[key]) !== undefined) {
        problems.push(`${key} '${args[key]}' must be pinned by a version tag or a digest, not latest`);
      }
    }
    if (!posix.isAbsolute(awsConfigFile) || posix.dirname(awsConfigFile) === "/") {
      problems.push(`awsConfigFile '${awsConfigFile}' must be an absolute path in a directory, e.g. /root/.aws/config`);
    }
    if (!/^[A-Za-z0-9_-]+$/.test(args.awsProfile)) {
      problems.push(`awsProfile '${args.awsProfile}' must be letters, digits, "-" or "_"`);
    }
    if (!isAwsRegion(args.awsRegion)) {
      problems.push(`awsRegion '${args.awsRegion}' is not an AWS region, e.g. eu-central-1`);
    }
    if (problems.length > 0) {
      throw new pulumi.ResourceError(`RunnerManagerDeployment '${name}': ${problems.join("; ")}`, this);
    }

    const names = objectNames(name);
    const ns = managerNamespace(namespaceName);
    const namespace = new kubernetes.core.v1.Namespace(
      `${name}-namespace`,
      { metadata: ns.metadata },
      { parent: this },
    );
    const shutdownTimeoutSeconds = args.shutdownTimeoutSeconds;
    const configToml = pulumi.secret(
      pulumi.output(args.configToml).apply((toml) => checkedConfigToml(toml, shutdownTimeoutSeconds)),
    );
    const managedBy = { "app.kubernetes.io/managed-by": "pulumi" };
    const configSecret = new kubernetes.core.v1.Secret(
      `${name}-config`,
      {
        metadata: { name: names.config, namespace: namespace.metadata.name, labels: managedBy },
        type: "Opaque",
        stringData: { "config.toml": configToml },
      },
      { parent: this },
    );
    const certificateSecret = new kubernetes.core.v1.Secret(
      `${name}-roles-anywhere`,
      {
        metadata: { name: names.certificate, namespace: namespace.metadata.name, labels: managedBy },
        type: "Opaque",
        stringData: {
          "certificate.pem": args.certificatePem,
          "private-key.pem": pulumi.secret(args.privateKeyPem),
        },
      },
      { parent: this },
    );
    const awsConfig = new kubernetes.core.v1.ConfigMap(
      `${name}-aws`,
      {
        metadata: { name: names.awsConfig, namespace: namespace.metadata.name, labels: managedBy },
        data: { config: clusterAwsConfig(args.awsProfile, args.awsRegion) },
      },
      { parent: this },
    );
    // The digest of config.toml is not itself sensitive (it reveals nothing of the tokens); unsecret it so the pod
    // template stays readable in plans while a changed config still rolls the pod.
    const digest = pulumi.unsecret(configToml.apply(configDigest));
    const deployment = pulumi
      .all([args.trustAnchorArn, args.profileArn, args.roleArn, digest])
      .apply(([trustAnchorArn, profileArn, roleArn, configSha256]) =>
        managerDeployment({
          name,
          namespace: namespaceName,
          runnerImage: args.runnerImage,
          credentialHelperImage: args.credentialHelperImage,
          dindImage: args.dindImage,
          awsProfile: args.awsProfile,
          awsConfigFile,
          rolesAnywhere: { trustAnchorArn, profileArn, roleArn },
          shutdownTimeoutSeconds,
          configDigest: configSha256,
        }),
      );
    const workload = new kubernetes.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: {
          name,
          namespace: namespace.metadata.name,
          labels: deployment.apply((d) => d.metadata?.labels ?? {}),
          annotations: deployment.apply((d) => d.metadata?.annotations ?? {}),
        },
        spec: deployment.apply((d) => d.spec as kubernetes.types.input.apps.v1.DeploymentSpec),
      },
      { parent: this, dependsOn: [configSecret, certificateSecret, awsConfig] },
    );

    const policy = managerNetworkPolicy(name, namespaceName);
    new kubernetes.networking.v1.NetworkPolicy(
      `${name}-network-policy`,
      {
        metadata: { name: policy.metadata?.name, namespace: namespace.metadata.name, labels: managedBy },
        spec: policy.spec as kubernetes.types.input.networking.v1.NetworkPolicySpec,
      },
      { parent: this },
    );

    this.namespace = namespace.metadata.name;
    this.deploymentName = workload.metadata.name;
    this.configToml = configToml;
    this.registerOutputs({
      namespace: this.namespace,
      deploymentName: this.deploymentName,
      configToml: this.configToml,
    });
  }
}
