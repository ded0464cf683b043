import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as kubernetes from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { record } from "../../../tools/plan/testing";
import { validateObjects } from "../testing/schema-validation";
import { ETCD_SNAPSHOT_JOB, EtcdBackup, EtcdBackupArgs, EtcdBackupInput, renderEtcdBackup } from "./etcd-backup";

const DIGEST = `@sha256:${"d".repeat(64)}`;
const INPUT: EtcdBackupInput = {
  namespace: "etcd-backup",
  schedule: "0 */6 * * *",
  controlPlanes: ["192.168.10.11", "192.168.10.12", "192.168.10.13"],
  talosctlImage: `ghcr.io/siderolabs/talosctl:v1.13.9${DIGEST}`,
  awsCliImage: `public.ecr.aws/aws-cli/aws-cli:2.27.0${DIGEST}`,
  destination: {
    bucket: "mson-lab-etcd-backups",
    region: "eu-central-1",
    keyPrefix: "etcd/lab/",
    kmsKeyArn: "arn:aws:kms:eu-central-1:123456789012:key/etcd",
    credentials: { secretKey: "lab/etcd-backup/credentials", clusterSecretStoreName: "aws-secrets-manager" },
  },
};

type Pod = {
  initContainers: Record<string, unknown>[];
  containers: (Record<string, unknown> & { env: { name: string; value?: string; valueFrom?: unknown }[] })[];
  volumes: unknown[];
};

describe("renderEtcdBackup", () => {
  it("renders objects the Kubernetes API and External Secrets accept", () => {
    const objects = renderEtcdBackup(INPUT);
    const verdicts = validateObjects([objects.namespace, objects.credentials, objects.cronJob] as never);
    expect(verdicts.map((v) => [v.kind, v.model !== null, v.errors])).toEqual([
      ["Namespace", true, null],
      ["ExternalSecret", true, null],
      ["CronJob", true, null],
    ]);
  });

  it("asks Talos for the etcd backup role only, in the job's own namespace", () => {
    expect(renderEtcdBackup(INPUT).talosServiceAccount).toEqual({
      apiVersion: "talos.dev/v1alpha1",
      kind: "ServiceAccount",
      metadata: { name: "etcd-snapshot-talos", namespace: "etcd-backup" },
      spec: { roles: ["os:etcd:backup"] },
    });
  });

  it("snapshots through the Talos API, then uploads with the bucket's KMS key, one run at a time", () => {
    const cronJob = renderEtcdBackup(INPUT).cronJob;
    expect(cronJob.spec).toMatchObject({
      schedule: "0 */6 * * *",
      timeZone: "Etc/UTC",
      concurrencyPolicy: "Forbid",
      jobTemplate: { spec: { backoffLimit: 2, activeDeadlineSeconds: 1800 } },
    });
    const pod = cronJob.spec?.jobTemplate.spec?.template.spec as unknown as Pod;
    expect(pod.initContainers[0]).toMatchObject({
      name: "snapshot",
      image: INPUT.talosctlImage,
      args: ["--nodes", "192.168.10.11", "etcd", "snapshot", "/backup/etcd.snapshot"],
    });
    const [upload] = pod.containers;
    expect(upload.image).toBe(INPUT.awsCliImage);
    expect(upload.command).toEqual(["/bin/sh", "-c", expect.stringContaining("--sse aws:kms --sse-kms-key-id")]);
    expect(upload.env).toEqual([
      { name: "SNAPSHOT", value: "/backup/etcd.snapshot" },
      { name: "BUCKET", value: "mson-lab-etcd-backups" },
      { name: "KEY_PREFIX", value: "etcd/lab/" },
      { name: "KMS_KEY_ARN", value: "arn:aws:kms:eu-central-1:123456789012:key/etcd" },
      { name: "AWS_REGION", value: "eu-central-1" },
      { name: "HOME", value: "/tmp" },
      { name: "AWS_ACCESS_KEY_ID", valueFrom: { secretKeyRef: { name: "etcd-snapshot-aws", key: "access-key-id" } } },
      {
        name: "AWS_SECRET_ACCESS_KEY",
        valueFrom: { secretKeyRef: { name: "etcd-snapshot-aws", key: "secret-access-key" } },
      },
    ]);
    for (const container of [...pod.initContainers, upload]) {
      expect(container.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ["ALL"] },
      });
    }
  });

  it("reads the writer's key from Secrets Manager through the store, never from config", () => {
    expect(renderEtcdBackup(INPUT).credentials.spec.data).toEqual([
      { secretKey: "access-key-id", remoteRef: { key: "lab/etcd-backup/credentials", property: "accessKeyId" } },
      {
        secretKey: "secret-access-key",
        remoteRef: { key: "lab/etcd-backup/credentials", property: "secretAccessKey" },
      },
    ]);
  });

  it("refuses unpinned images, a bad schedule, a prefix without its slash and a key that is not a KMS ARN", () => {
    expect(() =>
      renderEtcdBackup({
        ...INPUT,
        schedule: "hourly",
        awsCliImage: "amazon/aws-cli:latest",
        destination: { ...INPUT.destination, keyPrefix: "etcd", kmsKeyArn: "alias/etcd" },
      }),
    ).toThrow(
      "etcd backup: schedule 'hourly' must be a cron expression of five fields, e.g. 0 */6 * * *; awsCliImage " +
        "'amazon/aws-cli:latest' must be pinned by digest (@sha256:<64 hex>); destination.keyPrefix 'etcd' must end " +
        "in '/', e.g. etcd/lab/; destination.kmsKeyArn 'alias/etcd' must be a KMS key ARN",
    );
  });
});

describe("EtcdBackup", () => {
  const args: EtcdBackupArgs = {
    controlPlanes: INPUT.controlPlanes,
    talosctlImage: INPUT.talosctlImage,
    awsCliImage: INPUT.awsCliImage,
    destination: {
      ...INPUT.destination,
      credentials: {
        secretKey: pulumi.output("lab/etcd-backup/credentials"),
        clusterSecretStoreName: "aws-secrets-manager",
      },
    },
  };

  it("registers the namespace, the Talos access, the credentials and the CronJob after them", async () => {
    const rec = await record(() => {
      new EtcdBackup("etcd-backup", args, { providers: { kubernetes: new kubernetes.Provider("k8s", {}) } });
    });
    expect([...rec.summary()].sort()).toEqual([
      "foundation:kubernetes:EtcdBackup::etcd-backup",
      "kubernetes:batch/v1:CronJob::etcd-backup-cronjob",
      "kubernetes:core/v1:Namespace::etcd-backup-namespace",
      "kubernetes:external-secrets.io/v1:ExternalSecret::etcd-backup-credentials",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy::etcd-backup-default-deny",
      "kubernetes:talos.dev/v1alpha1:ServiceAccount::etcd-backup-talos-access",
      "pulumi:providers:kubernetes::k8s",
      "pulumi:pulumi:Stack::foundation-test",
    ]);
    expect(rec.named("etcd-backup-cronjob").dependencies).toEqual(
      expect.arrayContaining([rec.named("etcd-backup-talos-access").urn, rec.named("etcd-backup-credentials").urn]),
    );
    expect(rec.inputsOf("etcd-backup-credentials").spec).toEqual(renderEtcdBackup(INPUT).credentials.spec);
  });

  it("registers nothing below it when a setting is wrong", async () => {
    await expect(
      record(() => {
        new EtcdBackup("etcd-backup", { ...args, talosctlImage: "ghcr.io/siderolabs/talosctl:v1.13.9" });
      }),
    ).rejects.toThrow(
      "EtcdBackup 'etcd-backup': talosctlImage 'ghcr.io/siderolabs/talosctl:v1.13.9' must be pinned by digest (@sha256:<64 hex>)",
    );
  });
});

describe("the snapshot age alerts (monitoring/rules/etcd-backup.rules.yml)", () => {
  const rules = path.join(__dirname, "..", "..", "..", "monitoring", "rules");
  const promtool = (...args: string[]) => spawnSync("promtool", args, { cwd: rules, encoding: "utf8" });

  it("pass promtool's check and their unit tests", () => {
    const check = promtool("check", "rules", "etcd-backup.rules.yml");
    expect(check.stdout).toContain("SUCCESS: 2 rules found");
    const test = promtool("test", "rules", "etcd-backup.rules.test.yml");
    expect(`${test.stdout}${test.stderr}`).toContain("SUCCESS");
    expect(test.status).toBe(0);
  });

  it("read the last success of exactly the CronJob this component makes, and link a runbook section that exists", () => {
    const text = readFileSync(path.join(rules, "etcd-backup.rules.yml"), "utf8");
    const cronJob = renderEtcdBackup(INPUT).cronJob.metadata;
    const selector = `{namespace="${cronJob?.namespace}", cronjob="${ETCD_SNAPSHOT_JOB}"}`;
    expect([...text.matchAll(/kube_cronjob_status_last_successful_time(\{[^}]*\})/g)].map((match) => match[1])).toEqual(
      [selector, selector],
    );
    const runbook = readFileSync(path.join(__dirname, "..", "..", "..", "docs", "runbooks", "etcd-restore.md"), "utf8");
    expect(runbook).toContain("\n## The snapshot is too old\n");
  });
});
