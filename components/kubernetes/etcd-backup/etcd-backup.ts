/**
 * Scheduled etcd snapshots of the Talos cluster, written to S3 (docs/runbooks/etcd-restore.md).
 *
 * A CronJob takes the snapshot through the Talos API (`talosctl etcd snapshot`, the `os:etcd:backup` role) and
 * uploads it with the AWS CLI, SSE-KMS with the bucket's key. The pod reaches the Talos API through Talos's "API access
 * from Kubernetes": the control planes' machine config allows the role for this namespace only
 * (`machine.features.kubernetesTalosAPIAccess`), and a `talos.dev/v1alpha1` ServiceAccount makes Talos write a
 * talosconfig for that role into a Secret of the same name
 * (https://docs.siderolabs.com/kubernetes-guides/advanced-guides/talos-api-access-from-k8s). The AWS credentials come
 * from Secrets Manager through External Secrets, so no key passes through Pulumi config or state.
 *
 * The job's last success is what the age alert reads: kube-state-metrics' `kube_cronjob_status_last_successful_time`
 * (monitoring/rules/etcd-backup.rules.yml).
 */
import * as kubernetes from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ICronJob } from "kubernetes-models/batch/v1/CronJob";
import type { INamespace } from "kubernetes-models/v1/Namespace";
import type { ExternalSecret } from "../../apps/eve-skill-farm";
import { isDigestPinnedImage } from "../../common/validation";
import {
  AWS_CREDENTIAL_KEYS,
  createNetworkPolicy,
  defaultDenyPolicySpec,
  namespaceSpec,
  resourceRequirements,
  resources,
  RESTRICTED_CONTAINER,
} from "../platform/common";

/** The Talos API role the job needs, and nothing more (https://www.talos.dev/latest/learn-more/rbac/ roles). */
export const ETCD_BACKUP_ROLE = "os:etcd:backup";

/** Where the snapshots go: the destination the `aws` stack's backup bucket offers. */
export interface EtcdBackupDestination {
  /** Bucket name. */
  readonly bucket: string;
  /** The bucket's region. */
  readonly region: string;
  /** Key prefix, ending in `/`. */
  readonly keyPrefix: string;
  /** ARN of the bucket's KMS key; uploads name it, as the bucket policy demands. */
  readonly kmsKeyArn: string;
  /**
   * The writer's credentials: a Secrets Manager secret (JSON with `accessKeyId` and `secretAccessKey`), by its full
   * name, read through the cluster's ClusterSecretStore.
   */
  readonly credentials: { readonly secretKey: string; readonly clusterSecretStoreName: string };
}

/** {@link EtcdBackupDestination} as a component takes it: the credentials' names may be outputs of other resources. */
export interface EtcdBackupDestinationArgs extends Omit<EtcdBackupDestination, "credentials"> {
  readonly credentials: {
    readonly secretKey: pulumi.Input<string>;
    readonly clusterSecretStoreName: pulumi.Input<string>;
  };
}

/** Plain inputs of {@link renderEtcdBackup}. */
export interface EtcdBackupInput {
  readonly namespace: string;
  readonly schedule: string;
  /** The control planes' IPs: the nodes asked for a snapshot, in order. */
  readonly controlPlanes: readonly string[];
  readonly talosctlImage: string;
  readonly awsCliImage: string;
  readonly destination: EtcdBackupDestination;
}

/** A `talos.dev/v1alpha1` ServiceAccount: Talos writes a talosconfig with these roles into a Secret of its name. */
export interface TalosServiceAccount {
  readonly apiVersion: "talos.dev/v1alpha1";
  readonly kind: "ServiceAccount";
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly spec: { readonly roles: string[] };
}

/** Every object of the backup. */
export interface EtcdBackupObjects {
  readonly namespace: INamespace;
  readonly talosServiceAccount: TalosServiceAccount;
  readonly credentials: ExternalSecret;
  readonly cronJob: ICronJob;
}

/** The CronJob's name: the `cronjob` label of its kube-state-metrics series. */
export const ETCD_SNAPSHOT_JOB = "etcd-snapshot";
const TALOS_SECRET = "etcd-snapshot-talos";
const AWS_SECRET = "etcd-snapshot-aws";
const SNAPSHOT = "/backup/etcd.snapshot";

/**
 * Uploads the snapshot under a UTC timestamp. A fixed script with its values in the environment, so no value is ever
 * spliced into shell text.
 */
const UPLOAD_SCRIPT = [
  "set -eu",
  'key="${KEY_PREFIX}$(date -u +%Y%m%dT%H%M%SZ).snapshot"',
  'aws s3 cp "$SNAPSHOT" "s3://${BUCKET}/${key}" --sse aws:kms --sse-kms-key-id "$KMS_KEY_ARN" --only-show-errors',
  'echo "uploaded s3://${BUCKET}/${key}"',
].join("\n");

/** The platform's restricted container security context, as a mutable API value. */
function restrictedContainer() {
  return {
    ...RESTRICTED_CONTAINER,
    capabilities: { drop: [...RESTRICTED_CONTAINER.capabilities.drop] },
    seccompProfile: { ...RESTRICTED_CONTAINER.seccompProfile },
  };
}

/** Why the input cannot be rendered, or an empty list. */
export function etcdBackupProblems(input: EtcdBackupInput): string[] {
  const problems: string[] = [];
  if (input.schedule.trim().split(/\s+/).length !== 5) {
    problems.push(`schedule '${input.schedule}' must be a cron expression of five fields, e.g. 0 */6 * * *`);
  }
  for (const [key, image] of [
    ["talosctlImage", input.talosctlImage],
    ["awsCliImage", input.awsCliImage],
  ] as const) {
    if (!isDigestPinnedImage(image)) problems.push(`${key} '${image}' must be pinned by digest (@sha256:<64 hex>)`);
  }
  if (input.controlPlanes.length === 0) problems.push("controlPlanes must name at least one control-plane IP");
  if (!/^([A-Za-z0-9!_.*'()-]+\/)+$/.test(input.destination.keyPrefix)) {
    problems.push(`destination.keyPrefix '${input.destination.keyPrefix}' must end in '/', e.g. etcd/lab/`);
  }
  if (!/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/.+$/.test(input.destination.kmsKeyArn)) {
    problems.push(`destination.kmsKeyArn '${input.destination.kmsKeyArn}' must be a KMS key ARN`);
  }
  return problems;
}

/** The backup's objects, as plain Kubernetes API values. */
export function renderEtcdBackup(input: EtcdBackupInput): EtcdBackupObjects {
  const problems = etcdBackupProblems(input);
  if (problems.length > 0) throw new Error(`etcd backup: ${problems.join("; ")}`);
  const ns = input.namespace;
  const labels = { "app.kubernetes.io/name": ETCD_SNAPSHOT_JOB, "app.kubernetes.io/managed-by": "pulumi" };
  const secretRef = (key: string) => ({ valueFrom: { secretKeyRef: { name: AWS_SECRET, key } } });
  return {
    namespace: namespaceSpec(ns, "restricted"),
    talosServiceAccount: {
      apiVersion: "talos.dev/v1alpha1",
      kind: "ServiceAccount",
      metadata: { name: TALOS_SECRET, namespace: ns },
      spec: { roles: [ETCD_BACKUP_ROLE] },
    },
    credentials: {
      apiVersion: "external-secrets.io/v1",
      kind: "ExternalSecret",
      metadata: { name: AWS_SECRET, namespace: ns, labels },
      spec: {
        refreshInterval: "1h",
        secretStoreRef: { kind: "ClusterSecretStore", name: input.destination.credentials.clusterSecretStoreName },
        target: { name: AWS_SECRET, creationPolicy: "Owner" },
        data: [
          {
            secretKey: AWS_CREDENTIAL_KEYS.accessKeyId,
            remoteRef: { key: input.destination.credentials.secretKey, property: "accessKeyId" },
          },
          {
            secretKey: AWS_CREDENTIAL_KEYS.secretAccessKey,
            remoteRef: { key: input.destination.credentials.secretKey, property: "secretAccessKey" },
          },
        ],
      },
    },
    cronJob: {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: ETCD_SNAPSHOT_JOB, namespace: ns, labels },
      spec: {
        schedule: input.schedule,
        timeZone: "Etc/UTC",
        // One snapshot at a time; a run that missed its slot by more than 10 minutes waits for the next one.
        concurrencyPolicy: "Forbid",
        startingDeadlineSeconds: 600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          spec: {
            backoffLimit: 2,
            activeDeadlineSeconds: 1800,
            ttlSecondsAfterFinished: 86400,
            template: {
              metadata: { labels },
              spec: {
                restartPolicy: "Never",
                automountServiceAccountToken: false,
                securityContext: {
                  runAsNonRoot: true,
                  runAsUser: 65532,
                  runAsGroup: 65532,
                  fsGroup: 65532,
                  seccompProfile: { type: "RuntimeDefault" },
                },
                // The snapshot is taken first, into the pod's scratch volume; the upload runs only once it exists.
                initContainers: [
                  {
                    name: "snapshot",
                    image: input.talosctlImage,
                    args: ["--nodes", input.controlPlanes[0], "etcd", "snapshot", SNAPSHOT],
                    securityContext: restrictedContainer(),
                    resources: resourceRequirements(resources("50m", "64Mi", "500m", "256Mi")),
                    volumeMounts: [
                      { name: "backup", mountPath: "/backup" },
                      // Where talosctl looks for its in-cluster talosconfig.
                      { name: "talos", mountPath: "/var/run/secrets/talos.dev", readOnly: true },
                    ],
                  },
                ],
                containers: [
                  {
                    name: "upload",
                    image: input.awsCliImage,
                    command: ["/bin/sh", "-c", UPLOAD_SCRIPT],
                    env: [
                      { name: "SNAPSHOT", value: SNAPSHOT },
                      { name: "BUCKET", value: input.destination.bucket },
                      { name: "KEY_PREFIX", value: input.destination.keyPrefix },
                      { name: "KMS_KEY_ARN", value: input.destination.kmsKeyArn },
                      { name: "AWS_REGION", value: input.destination.region },
                      // The CLI writes its cache under HOME; the root file system is read-only.
                      { name: "HOME", value: "/tmp" },
                      { name: "AWS_ACCESS_KEY_ID", ...secretRef(AWS_CREDENTIAL_KEYS.accessKeyId) },
                      { name: "AWS_SECRET_ACCESS_KEY", ...secretRef(AWS_CREDENTIAL_KEYS.secretAccessKey) },
                    ],
                    securityContext: restrictedContainer(),
                    resources: resourceRequirements(resources("50m", "128Mi", "500m", "512Mi")),
                    volumeMounts: [
                      { name: "backup", mountPath: "/backup", readOnly: true },
                      { name: "tmp", mountPath: "/tmp" },
                    ],
                  },
                ],
                volumes: [
                  { name: "backup", emptyDir: { sizeLimit: "4Gi" } },
                  { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
                  { name: "talos", secret: { secretName: TALOS_SECRET } },
                ],
              },
            },
          },
        },
      },
    },
  };
}

/** Arguments of {@link EtcdBackup}. */
export interface EtcdBackupArgs {
  /** Cron schedule (UTC). @default "0 *\/6 * * *" */
  readonly schedule?: string;
  /** The control planes' IPs. */
  readonly controlPlanes: readonly string[];
  /** talosctl image of the cluster's Talos version, pinned by digest. */
  readonly talosctlImage: string;
  /** AWS CLI image, pinned by digest. */
  readonly awsCliImage: string;
  /** Where the snapshots go. */
  readonly destination: EtcdBackupDestinationArgs;
  /** Namespace of the job; the control planes' `kubernetesTalosAPIAccess` must name it. @default "etcd-backup" */
  readonly namespace?: string;
}

/** The default namespace of {@link EtcdBackup}, which the machine config's Talos API access names. */
export const ETCD_BACKUP_NAMESPACE = "etcd-backup";

/** Scheduled etcd snapshots to S3; see the module comment. Type `foundation:kubernetes:EtcdBackup`. */
export class EtcdBackup extends pulumi.ComponentResource {
  /** The job's namespace. */
  readonly namespace: pulumi.Output<string>;
  /** The CronJob's name. */
  readonly cronJobName: pulumi.Output<string>;

  constructor(name: string, args: EtcdBackupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("foundation:kubernetes:EtcdBackup", name, {}, opts);
    const plain = (credentials: EtcdBackupDestination["credentials"]): EtcdBackupInput => ({
      namespace: args.namespace ?? ETCD_BACKUP_NAMESPACE,
      schedule: args.schedule ?? "0 */6 * * *",
      controlPlanes: args.controlPlanes,
      talosctlImage: args.talosctlImage,
      awsCliImage: args.awsCliImage,
      destination: { ...args.destination, credentials },
    });
    // Checked before anything is registered; the credentials' names are only known later and need no check.
    const problems = etcdBackupProblems(plain({ secretKey: "", clusterSecretStoreName: "" }));
    if (problems.length > 0) throw new pulumi.ResourceError(`EtcdBackup '${name}': ${problems.join("; ")}`, this);
    const objects = renderEtcdBackup(plain({ secretKey: "", clusterSecretStoreName: "" }));
    const credentialsSpec = pulumi
      .all([args.destination.credentials.secretKey, args.destination.credentials.clusterSecretStoreName])
      .apply(
        ([secretKey, clusterSecretStoreName]) =>
          renderEtcdBackup(plain({ secretKey, clusterSecretStoreName })).credentials.spec,
      );
    const namespace = new kubernetes.core.v1.Namespace(
      `${name}-namespace`,
      { metadata: objects.namespace.metadata },
      { parent: this },
    );
    const after = (...deps: pulumi.Resource[]) => ({ parent: this, dependsOn: [namespace, ...deps] });
    // The job serves nothing: no ingress at all.
    createNetworkPolicy(
      `${name}-default-deny`,
      defaultDenyPolicySpec(objects.namespace.metadata?.name ?? ""),
      namespace.metadata.name,
      after(),
    );
    const talos = new kubernetes.apiextensions.CustomResource(
      `${name}-talos-access`,
      { ...objects.talosServiceAccount },
      after(),
    );
    const credentials = new kubernetes.apiextensions.CustomResource(
      `${name}-credentials`,
      {
        apiVersion: objects.credentials.apiVersion,
        kind: objects.credentials.kind,
        metadata: objects.credentials.metadata,
        spec: credentialsSpec,
      },
      after(),
    );
    const cronJob = new kubernetes.batch.v1.CronJob(
      `${name}-cronjob`,
      { metadata: objects.cronJob.metadata, spec: objects.cronJob.spec as kubernetes.types.input.batch.v1.CronJobSpec },
      after(talos, credentials),
    );
    this.namespace = namespace.metadata.name;
    this.cronJobName = cronJob.metadata.name;
    this.registerOutputs({ namespace: this.namespace, cronJobName: this.cronJobName });
  }
}
