import { parse as parseToml } from "smol-toml";
import { parse as parseYaml, parseAllDocuments } from "yaml";
import { Recording, configEditor } from "../../tools/plan/testing";
import { containsSecret, present, reveal } from "../../tools/plan/values";
import { recordedObjects, validateObjects } from "../../components/kubernetes/testing/schema-validation";
import { recordLab, sampleLabConfig, upstreamOutputs } from "./testing";

const sample = sampleLabConfig().config;

/** The sample config with one key's JSON value edited. */
const edited = configEditor(sample);

const inCluster = edited<{ placement: string }>("runnerManager", (m) => (m.placement = "cluster"));

const VM = "proxmoxve:index/vmLegacy:VmLegacy";
const SNIPPET = "proxmoxve:index/fileLegacy:FileLegacy";
const GATE = "pulumi-nodejs:dynamic/talos:KubernetesApiReady";

/** The content of a Proxmox snippet (user-data or machine config), unwrapped. */
function snippet(rec: Recording, name: string): string {
  return String((rec.inputsOf(name, SNIPPET).sourceRaw as { data: string }).data);
}

/** Resource counts by type, for exact-set assertions. */
function countsByType(rec: Recording): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const resource of rec.resources) counts[resource.type] = (counts[resource.type] ?? 0) + 1;
  return counts;
}

/** What both placements share: the cluster, Flux and the platform services. */
const COMMON: Record<string, number> = {
  "pulumi:pulumi:Stack": 1,
  "foundation:stack:DestroyGuard": 1,
  "pulumi:pulumi:StackReference": 2,
  // The engine's default providers of the stack references and the Talos gates (dynamic resources).
  "pulumi:providers:pulumi": 1,
  "pulumi:providers:pulumi-nodejs": 1,
  "pulumi:providers:proxmoxve": 1,
  "pulumi:providers:random": 1,
  "pulumi:providers:tls": 1,
  "pulumi:providers:kubernetes": 1,
  "foundation:talos:Secrets": 1,
  "random:index/randomBytes:RandomBytes": 3,
  "random:index/randomString:RandomString": 4,
  "tls:index/privateKey:PrivateKey": 7,
  "tls:index/selfSignedCert:SelfSignedCert": 4,
  "tls:index/certRequest:CertRequest": 2,
  "tls:index/locallySignedCert:LocallySignedCert": 2,
  "foundation:talos:Cluster": 1,
  "foundation:talos:AdminCredentials": 1,
  "pulumi-nodejs:dynamic/talos:Bootstrap": 1,
  [GATE]: 1,
  // Each node's Talos upgrade, config apply and health gate (components/talos/node-lifecycle.ts).
  "pulumi-nodejs:dynamic/talos:Upgrade": 5,
  "pulumi-nodejs:dynamic/talos:MachineConfigApply": 5,
  "pulumi-nodejs:dynamic/talos:NodeHealthy": 5,
  "foundation:kubernetes:Flux": 1,
  "kubernetes:yaml/v2:ConfigFile": 1,
  "kubernetes:source.toolkit.fluxcd.io/v1:GitRepository": 1,
  "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization": 1,
  "foundation:kubernetes:MetalLb": 1,
  "kubernetes:metallb.io/v1beta1:IPAddressPool": 1,
  "kubernetes:metallb.io/v1beta1:L2Advertisement": 1,
  "foundation:kubernetes:Traefik": 1,
  "foundation:kubernetes:Storage": 1,
  "foundation:proxmox:CsiIdentity": 1,
  "proxmoxve:index/roleLegacy:RoleLegacy": 1,
  "proxmoxve:index/userLegacy:UserLegacy": 1,
  "proxmoxve:user/tokenLegacy:TokenLegacy": 1,
  "proxmoxve:index/aclLegacy:AclLegacy": 1,
  "foundation:kubernetes:ExternalSecrets": 1,
  "kubernetes:external-secrets.io/v1:ClusterSecretStore": 1,
  "foundation:kubernetes:ExternalDns": 1,
  "foundation:kubernetes:CertManager": 1,
  "kubernetes:cert-manager.io/v1:ClusterIssuer": 1,
  "kubernetes:helm.sh/v3:Release": 6,
  // The etcd snapshots to S3: the CronJob, its Talos API access and its AWS key from Secrets Manager.
  "foundation:kubernetes:EtcdBackup": 1,
  "kubernetes:batch/v1:CronJob": 1,
  "kubernetes:talos.dev/v1alpha1:ServiceAccount": 1,
  "kubernetes:external-secrets.io/v1:ExternalSecret": 1,
  // The monitoring VM (stacks/lab/monitoring.ts) and its Grafana admin password; its VM, image, snippet and
  // firewall are counted with the placement's own.
  "foundation:monitoring:MonitoringVm": 1,
  "random:index/randomPassword:RandomPassword": 1,
};

describe("lab program", () => {
  let vm: Recording;
  let cluster: Recording;
  beforeAll(async () => {
    vm = await recordLab();
    cluster = await recordLab(inCluster);
  });

  describe("placement", () => {
    it("vm: the runner VM with its host firewall and the five Talos VMs, no in-cluster manager (138 resources)", () => {
      expect(countsByType(vm)).toEqual({
        ...COMMON,
        "foundation:proxmox:RunnerVm": 1,
        // The runner VM's, the monitoring VM's and each Talos VM's.
        "proxmoxve:firewall/optionsLegacy:OptionsLegacy": 7,
        "proxmoxve:firewall/rulesLegacy:RulesLegacy": 7,
        "proxmoxve:download/file:File": 4,
        [SNIPPET]: 7,
        [VM]: 7,
        // Flux's deploy key and the three AWS credentials Secrets; seven namespaces, one per platform service and the
        // etcd backup's, each with its default-deny policy, and the four that admit webhooks and Traefik's entry points.
        "kubernetes:core/v1:Secret": 4,
        "kubernetes:core/v1:Namespace": 7,
        "kubernetes:networking.k8s.io/v1:NetworkPolicy": 11,
      });
      expect(vm.resources).toHaveLength(138);
      expect(vm.named("runner-vm", VM).parent).toBe(vm.named("runner", "foundation:proxmox:RunnerVm").urn);
    });

    it("cluster: the manager Deployment in its own namespace, no runner VM (140 resources)", () => {
      expect(countsByType(cluster)).toEqual({
        ...COMMON,
        "foundation:runner:ManagerDeployment": 1,
        // The monitoring VM stays: it watches the lab whichever placement the manager has. And each Talos VM's.
        "proxmoxve:firewall/optionsLegacy:OptionsLegacy": 6,
        "proxmoxve:firewall/rulesLegacy:RulesLegacy": 6,
        "proxmoxve:download/file:File": 3,
        [SNIPPET]: 6,
        [VM]: 6,
        "kubernetes:core/v1:Secret": 6,
        "kubernetes:core/v1:Namespace": 8,
        "kubernetes:core/v1:ConfigMap": 1,
        "kubernetes:apps/v1:Deployment": 1,
        // The platform's eleven, the manager's own and its namespace's default-deny.
        "kubernetes:networking.k8s.io/v1:NetworkPolicy": 13,
      });
      expect(cluster.resources).toHaveLength(140);
      expect(cluster.ofType(VM).map((r) => r.name)).not.toContain("runner-vm");
      expect(cluster.inputsOf("gitlab-runner-namespace").metadata).toMatchObject({ name: "gitlab-runner" });
    });

    it("exports the placement and the whole contract", () => {
      expect(reveal(vm.outputs)).toEqual({
        domain: "lab.example.com",
        proxmoxEndpoint: "https://pve.example.com:8006",
        gitlabUrl: "https://gitlab.example.com",
        runnerManagerPlacement: "vm",
        kubernetesEndpoint: "https://192.168.10.10:6443",
        kubeconfig: expect.stringContaining("server: https://192.168.10.10:6443"),
        talosconfig: expect.stringContaining("context: lab"),
        ingressClassName: "traefik",
        ingressNamespace: "traefik",
        ingressPodLabels: { "app.kubernetes.io/name": "traefik" },
        storageClassName: "proxmox-csi",
        clusterSecretStoreName: "aws-secrets-manager",
        clusterIssuerName: "letsencrypt",
        secretsPrefix: "lab/",
      });
      expect(containsSecret(vm.outputs.kubeconfig)).toBe(true);
      expect(containsSecret(vm.outputs.talosconfig)).toBe(true);
      expect(reveal(cluster.outputs)).toMatchObject({ runnerManagerPlacement: "cluster" });
    });
  });

  describe("runner config", () => {
    it("gives both placements the same config.toml, rendered from the upstream runners", () => {
      const userData = parseYaml(snippet(vm, "runner-user-data")) as {
        write_files: { path: string; content: string }[];
      };
      const onVm = userData.write_files.find((f) => f.path === "/etc/gitlab-runner/config.toml")?.content;
      const inPod = (cluster.inputsOf("gitlab-runner-config").stringData as Record<string, string>)["config.toml"];
      expect(onVm).toBe(inPod);
      const toml = parseToml(String(onVm)) as {
        concurrent: number;
        shutdown_timeout: number;
        runners: {
          name: string;
          executor: string;
          autoscaler?: { plugin_config: { name: string; profile: string } };
        }[];
      };
      expect(toml.concurrent).toBe(24);
      expect(toml.shutdown_timeout).toBe(3600);
      expect(toml.runners.map((r) => [r.name, r.executor])).toEqual([
        ["proxmox-deploy", "docker"],
        ["arm64", "docker-autoscaler"],
        ["arm64-large", "docker-autoscaler"],
        ["arm64-dind", "docker-autoscaler"],
      ]);
      expect(toml.runners[1].autoscaler?.plugin_config).toMatchObject({ profile: "runner" });
      // The VM reaches AWS through Roles Anywhere with the aws stack's trust anchor, profile and role.
      const awsConfig = userData.write_files.find((f) => f.path === "/root/.aws/config")?.content;
      expect(awsConfig).toMatch(
        /^\[profile runner\]\nregion = eu-central-1\ncredential_process = .* --trust-anchor-arn arn:aws:rolesanywhere:eu-central-1:123456789012:trust-anchor\/[0-9a-f-]{36} --profile-arn arn:aws:rolesanywhere:eu-central-1:123456789012:profile\/[0-9a-f-]{36} --role-arn arn:aws:iam::123456789012:role\/\S+\n$/,
      );
    });

    it("keeps the runner tokens and the manager's private key secret", () => {
      expect(vm.isSecretInput("runner-user-data", "sourceRaw")).toBe(true);
      expect(cluster.isSecretInput("gitlab-runner-config", "stringData")).toBe(true);
      expect(cluster.isSecretInput("gitlab-runner-roles-anywhere", "stringData")).toBe(true);
      for (const rec of [vm, cluster]) {
        // What the plan's JSON prints (docs/architecture.md, "The offline plan contract"): secrets redacted.
        const printed = JSON.stringify(rec.resources.map((r) => present(r.inputs, false)));
        expect(printed).not.toContain("glrt-");
        expect(printed).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY/);
      }
    });

    it("closes the runner VM: Proxmox firewall on the NIC, ufw denying by default, SSH from admin networks only", () => {
      const inputs = vm.inputsOf("runner-vm", VM);
      expect(inputs).toMatchObject({
        vmId: 9100,
        name: "runner-01",
        cpu: { cores: 4, type: "host" },
        memory: { dedicated: 8192, floating: 0 },
        networkDevices: [{ bridge: "vmbr0", model: "virtio", firewall: true }],
        initialization: { ipConfigs: [{ ipv4: { address: "192.168.10.30/24", gateway: "192.168.10.1" } }] },
      });
      const userData = parseYaml(snippet(vm, "runner-user-data")) as { runcmd: string[][] };
      const ufw = userData.runcmd.filter((cmd) => cmd[0] === "ufw").map((cmd) => cmd.join(" "));
      expect(ufw).toEqual([
        "ufw default deny incoming",
        "ufw default deny outgoing",
        "ufw allow in proto tcp from 192.168.10.0/24 to any port 22 comment ssh from admin network",
        // The exporters answer the monitoring VM only (monitoringCidrs is empty in the sample).
        "ufw allow in proto tcp from 192.168.10.40/32 to any port 9100 comment node_exporter",
        "ufw allow in proto tcp from 192.168.10.40/32 to any port 8080 comment cadvisor",
        "ufw allow in proto tcp from 192.168.10.40/32 to any port 9252 comment gitlab-runner metrics",
        "ufw allow out proto tcp to any port 443 comment https",
        "ufw allow out proto udp to any port 123 comment ntp",
        "ufw allow out to any port 53 comment dns",
        "ufw allow out proto tcp to 0.0.0.0/0 port 22 comment ssh to runner fleet",
        "ufw --force enable",
      ]);
    });
  });

  describe("cluster", () => {
    it("sizes the Talos VMs from config and protects every one of them", () => {
      const sizes = vm
        .ofType(VM)
        .filter((r) => r.name.startsWith("lab-"))
        .map((r) => {
          const inputs = reveal(r.inputs) as { cpu: object; memory: object; disks: { size: number }[] };
          return [r.name, inputs.cpu, inputs.memory, inputs.disks[0].size, r.protect];
        });
      const cp = { cores: 2, sockets: 1, type: "host" };
      const worker = { cores: 4, sockets: 1, type: "host" };
      expect(sizes).toEqual([
        ["lab-talos-cp-1", cp, { dedicated: 4096, floating: 0 }, 32, true],
        ["lab-talos-cp-2", cp, { dedicated: 4096, floating: 0 }, 32, true],
        ["lab-talos-cp-3", cp, { dedicated: 4096, floating: 0 }, 32, true],
        ["lab-talos-w-1", worker, { dedicated: 8192, floating: 0 }, 64, true],
        ["lab-talos-w-2", worker, { dedicated: 8192, floating: 0 }, 64, true],
      ]);
    });

    it("labels every node with the Proxmox CSI topology in its machine config, kept secret", () => {
      for (const [node, zone] of [
        ["talos-cp-1", "pve1"],
        ["talos-w-2", "pve2"],
      ]) {
        expect(vm.isSecretInput(`lab-${node}-config`, "sourceRaw")).toBe(true);
        const [main] = parseAllDocuments(snippet(vm, `lab-${node}-config`));
        expect((main.toJS() as { machine: { nodeLabels: object } }).machine.nodeLabels).toMatchObject({
          "topology.kubernetes.io/region": "lab",
          "topology.kubernetes.io/zone": zone,
        });
      }
    });

    it("closes every node but to the admins, the runner VM's deploy jobs (vm placement only) and the other nodes", () => {
      const apidSources = (recording: Recording, node: string) => {
        const documents = parseAllDocuments(snippet(recording, `lab-${node}-config`)).map(
          (d) => d.toJS() as { kind?: string; name?: string; ingress?: unknown },
        );
        expect(documents.find((d) => d.kind === "NetworkDefaultActionConfig")?.ingress).toBe("block");
        const apid = documents.find((d) => d.name === "apid-ingress") as { ingress: { subnet: string }[] };
        return apid.ingress.map((i) => i.subnet);
      };
      const controlPlanes = ["192.168.10.11/32", "192.168.10.12/32", "192.168.10.13/32"];
      expect(apidSources(vm, "talos-w-2")).toEqual(["192.168.1.0/24", "192.168.10.30/32", ...controlPlanes]);
      expect(apidSources(cluster, "talos-w-2")).toEqual(["192.168.1.0/24", ...controlPlanes]);
      const names = parseAllDocuments(snippet(vm, "lab-talos-cp-1-config"))
        .map((d) => (d.toJS() as { name?: string }).name)
        .filter((name) => name?.endsWith("-ingress"));
      expect(names).toEqual([
        "apid-ingress",
        "trustd-ingress",
        "kubernetes-api-ingress",
        "etcd-ingress",
        "kubelet-ingress",
        "cilium-vxlan-ingress",
        "cilium-health-ingress",
        "metallb-memberlist-tcp-ingress",
        "metallb-memberlist-udp-ingress",
      ]);
    });

    it("bootstraps the first control plane and gates on the VIP, re-checking when bootstrap is replaced", () => {
      expect(vm.inputsOf("lab-bootstrap")).toMatchObject({ node: "192.168.10.11", port: 50000 });
      // The offline plan gives the dynamic resources the ids their providers would: `<address>:<port>`.
      expect(vm.named("lab-bootstrap").id).toBe("192.168.10.11:50000");
      expect(vm.inputsOf("lab-api-ready", GATE)).toMatchObject({
        host: "192.168.10.10",
        port: 6443,
        triggers: ["192.168.10.11:50000"],
      });
      expect(vm.isSecretInput("lab-api-ready", "clientKeyPem", GATE)).toBe(true);
    });

    it("puts every Kubernetes resource behind the health gate, on the cluster's provider", () => {
      const gate = vm.named("lab-api-ready", GATE).urn;
      const provider = vm.named("lab-kubernetes", "pulumi:providers:kubernetes");
      expect(provider.dependencies).toContain(gate);
      const kubernetesResources = vm.resources.filter((r) => r.type.startsWith("kubernetes:"));
      expect(kubernetesResources).toHaveLength(38);
      for (const rec of [vm, cluster]) {
        for (const resource of rec.resources.filter((r) => r.type.startsWith("kubernetes:"))) {
          expect([resource.name, resource.dependencies]).toEqual([resource.name, expect.arrayContaining([gate])]);
          if (resource.custom) expect([resource.name, resource.provider]).toEqual([resource.name, provider.urn]);
        }
      }
      expect(cluster.named("gitlab-runner-deployment").dependencies).toContain(gate);
    });

    it("hands Flux the group's repository and deploy key, the key as a secret", () => {
      expect(vm.inputsOf("flux-git-repository").spec).toMatchObject({
        url: "ssh://git@gitlab.example.com/mson/gitops.git",
        ref: { branch: "main" },
      });
      expect(vm.isSecretInput("flux-deploy-key", "stringData")).toBe(true);
    });
  });

  describe("platform", () => {
    it("gives MetalLB the configured pool and Traefik its fixed address from it", () => {
      expect(vm.inputsOf("metallb-pool").spec).toEqual({
        addresses: ["192.168.10.200-192.168.10.220"],
        autoAssign: true,
      });
      const values = vm.inputsOf("traefik-chart").values as { service: { annotations: object } };
      expect(values.service.annotations).toEqual({
        "metallb.io/address-pool": "metallb",
        "metallb.io/loadBalancerIPs": "192.168.10.200",
      });
    });

    it("points Proxmox CSI at the stack's Proxmox API with a token the stack makes, its secret a secret", () => {
      expect(vm.isSecretInput("storage-chart", "values")).toBe(true);
      const identity = vm.named("proxmox-csi", "foundation:proxmox:CsiIdentity").urn;
      const child = (type: string) => vm.ofType(type).filter((r) => r.parent === identity);
      expect(vm.inputsOf("proxmox-csi-role")).toEqual({
        roleId: "KubernetesCSI",
        privileges: ["Datastore.Allocate", "Datastore.AllocateSpace", "Datastore.Audit", "VM.Audit", "VM.Config.Disk"],
      });
      expect(vm.inputsOf("proxmox-csi-token")).toMatchObject({ userId: "kubernetes-csi@pve", tokenName: "csi" });
      expect(vm.inputsOf("proxmox-csi-token").privilegesSeparation).toBe(true);
      expect(vm.inputsOf("proxmox-csi-acl")).toMatchObject({
        path: "/",
        roleId: "KubernetesCSI",
        tokenId: "kubernetes-csi@pve!csi",
        propagate: true,
      });
      // The SDK marks the token's value a secret output itself.
      expect(child("proxmoxve:user/tokenLegacy:TokenLegacy")[0].additionalSecretOutputs).toEqual(["value"]);
      const token = reveal(vm.named("proxmox-csi-token").outputs.value) as string;
      const values = vm.inputsOf("storage-chart").values as { config: { clusters: object[] } };
      expect(values.config.clusters).toEqual([
        {
          url: "https://pve.example.com:8006/api2/json",
          insecure: false,
          token_id: "kubernetes-csi@pve!csi",
          token_secret: token.slice(token.indexOf("=") + 1),
          region: "lab",
        },
      ]);
      expect(token.startsWith("kubernetes-csi@pve!csi=")).toBe(true);
    });

    it("installs local-path instead when config says so", async () => {
      const rec = await recordLab(
        edited<{ storage: { backend: string } }>("platform", (p) => (p.storage.backend = "local-path")),
      );
      expect(rec.inputsOf("storage-chart")).toMatchObject({ chart: "local-path-provisioner" });
      expect(reveal(rec.outputs)).toMatchObject({ storageClassName: "local-path" });
      // No Proxmox CSI, so no topology labels; instead each worker keeps its volumes on a data disk of its own.
      const documents = parseAllDocuments(snippet(rec, "lab-talos-w-1-config")).map((d) => d.toJS());
      expect((documents[0] as { machine: Record<string, unknown> }).machine.nodeLabels).toBeUndefined();
      expect(documents.find((d) => (d as { kind?: string }).kind === "UserVolumeConfig")).toEqual({
        apiVersion: "v1alpha1",
        kind: "UserVolumeConfig",
        name: "local-path-provisioner",
        provisioning: { diskSelector: { match: "!system_disk" }, minSize: "99GiB", grow: true },
      });
      const disks = (name: string) =>
        (rec.inputsOf(name, VM).disks as { interface: string; size: number }[]).map((d) => [d.interface, d.size]);
      expect(disks("lab-talos-w-1")).toEqual([
        ["scsi0", 64],
        ["scsi1", 100],
      ]);
      expect(disks("lab-talos-cp-1")).toEqual([["scsi0", 32]]);
      expect((rec.inputsOf("storage-chart").values as { nodePathMap: object }).nodePathMap).toEqual([
        { node: "DEFAULT_PATH_FOR_NON_LISTED_NODES", paths: ["/var/mnt/local-path-provisioner"] },
      ]);
    });

    it("uses the aws stack's zone and narrow credentials for DNS, certificates and secrets", () => {
      const issuer = vm.inputsOf("cert-manager-issuer").spec as { acme: { solvers: { dns01: object }[] } };
      expect(issuer.acme.solvers[0].dns01).toMatchObject({ route53: { region: "eu-central-1" } });
      for (const secret of ["external-dns-credentials", "cert-manager-credentials", "external-secrets-credentials"]) {
        expect(vm.isSecretInput(secret, "stringData")).toBe(true);
      }
      expect(vm.inputsOf("external-secrets-store").spec).toMatchObject({
        conditions: [{ namespaces: ["eve-skill-farm", "etcd-backup"] }],
      });
    });

    it("sends the etcd snapshots where the aws stack's etcdBackup output says, its writer's key from Secrets Manager", async () => {
      const aws = (await upstreamOutputs())["organization/foundation/aws"];
      const destination = reveal(aws.etcdBackup) as Record<string, string>;
      expect(destination).toMatchObject({
        bucketName: "mson-lab-etcd-backups",
        region: "eu-central-1",
        keyPrefix: "etcd/lab/",
        credentialsSecretName: "lab/etcd-backup/credentials",
      });
      const cronJob = vm.inputsOf("etcd-backup-cronjob").spec as {
        jobTemplate: { spec: { template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } } };
      };
      const env = Object.fromEntries(
        cronJob.jobTemplate.spec.template.spec.containers
          .flatMap((c) => c.env ?? [])
          .filter((e) => e.value !== undefined)
          .map((e) => [e.name, e.value]),
      );
      expect(env).toMatchObject({
        BUCKET: destination.bucketName,
        KEY_PREFIX: destination.keyPrefix,
        KMS_KEY_ARN: destination.kmsKeyArn,
      });
      const data = (vm.inputsOf("etcd-backup-credentials").spec as { data: { remoteRef: { key: string } }[] }).data;
      expect(data.map((d) => d.remoteRef.key)).toEqual([
        destination.credentialsSecretName,
        destination.credentialsSecretName,
      ]);
    });
  });

  describe("Kubernetes objects", () => {
    it("validate against their API schemas in both placements, custom resources included", () => {
      for (const rec of [vm, cluster]) {
        // ConfigFile (Flux's install manifest) is read by the provider at deploy time, like a Helm chart.
        const objects = recordedObjects(rec).filter((object) => object.apiVersion !== undefined);
        const verdicts = validateObjects(objects);
        expect(verdicts.filter((v) => v.errors !== null)).toEqual([]);
        // MetalLB publishes no typed models; every other kind, Flux's, cert-manager's and ESO's included, is checked.
        const unchecked = new Set(verdicts.filter((v) => v.model === null).map((v) => `${v.apiVersion} ${v.kind}`));
        expect([...unchecked].sort()).toEqual([
          "metallb.io/v1beta1 IPAddressPool",
          "metallb.io/v1beta1 L2Advertisement",
          // Talos serves its ServiceAccount kind itself; no model package describes it (components/kubernetes/
          // etcd-backup/etcd-backup.test.ts checks its shape).
          "talos.dev/v1alpha1 ServiceAccount",
        ]);
      }
    });
  });

  describe("bad runner models", () => {
    it("refuses a concurrent below the runners' capacity before registering anything, naming the key", async () => {
      const config = edited<{ concurrent: number }>("runner", (r) => (r.concurrent = 10));
      await expect(recordLab(config)).rejects.toThrow(
        'stack "lab" has 1 configuration problem; no resource was registered:\n' +
          "  - foundation:runner.concurrent: 10 is below 21, the sum of every pool's maxInstances × " +
          "capacityPerInstance plus the deploy runner's limit; raise concurrent to at least 21 or shrink the pools",
      );
    });
  });
});
