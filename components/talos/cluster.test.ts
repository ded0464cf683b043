import * as proxmoxve from "@muhlba91/pulumi-proxmoxve";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { record } from "../../tools/plan/testing";
import { Secret } from "../../tools/plan/values";
import { QEMU_GUEST_AGENT_EXTENSION, schematicId } from "./image-factory";
import { DEFAULT_TALOS_VERSION, renderMachineConfig } from "./machine-config";
import {
  cniNodeServices,
  talosProxmoxFirewallRules,
  machineConfigSha256,
  machineConfigSnippetName,
  TalosCluster,
  TalosClusterArgs,
  talosImageFileName,
  talosImageUrl,
} from "./cluster";
import { PLACEHOLDER_BUNDLE } from "./testing";

const VM = "proxmoxve:index/vmLegacy:VmLegacy";
const SNIPPET = "proxmoxve:index/fileLegacy:FileLegacy";
const IMAGE = "proxmoxve:download/file:File";
const UPGRADE = "pulumi-nodejs:dynamic/talos:Upgrade";
const APPLY = "pulumi-nodejs:dynamic/talos:MachineConfigApply";
const HEALTHY = "pulumi-nodejs:dynamic/talos:NodeHealthy";
const SCHEMATIC = schematicId([QEMU_GUEST_AGENT_EXTENSION]);

const ARGS: TalosClusterArgs = {
  clusterName: "lab",
  vip: "192.168.10.10",
  controlPlanes: [
    { hostname: "talos-cp-1", proxmoxNode: "pve1", vmId: 9201, address: "192.168.10.11/24" },
    { hostname: "talos-cp-2", proxmoxNode: "pve2", vmId: 9202, address: "192.168.10.12/24" },
    { hostname: "talos-cp-3", proxmoxNode: "pve1", vmId: 9203, address: "192.168.10.13/24" },
  ],
  workers: [
    { hostname: "talos-w-1", proxmoxNode: "pve1", vmId: 9211, address: "192.168.10.21/24" },
    { hostname: "talos-w-2", proxmoxNode: "pve2", vmId: 9212, address: "192.168.10.22/24" },
  ],
  gateway: "192.168.10.1",
  nameservers: ["192.168.10.1"],
  timeServers: ["192.168.10.1"],
  secrets: {
    bundle: pulumi.secret(PLACEHOLDER_BUNDLE),
    osCaCertPem: pulumi.secret(PLACEHOLDER_BUNDLE.osCa.certPem),
    osCaKeyPem: pulumi.secret(PLACEHOLDER_BUNDLE.osCa.keyPem),
    kubernetesCaCertPem: pulumi.secret(PLACEHOLDER_BUNDLE.kubernetesCa.certPem),
    kubernetesCaKeyPem: pulumi.secret(PLACEHOLDER_BUNDLE.kubernetesCa.keyPem),
  },
  datastoreId: "local-lvm",
  imageDatastoreId: "local",
  snippetsDatastoreId: "local",
  bridge: "vmbr0",
};

function recordCluster(overrides: Partial<TalosClusterArgs> = {}) {
  return record(() => {
    const cluster = new TalosCluster(
      "lab",
      { ...ARGS, ...overrides },
      { providers: { proxmoxve: new proxmoxve.Provider("pve", {}), tls: new tls.Provider("tls", {}) } },
    );
    return { kubeconfig: cluster.kubeconfig, talosconfig: cluster.talosconfig, endpoint: cluster.endpoint };
  });
}

const expectedConfig = (
  hostname: string,
  role: "controlplane" | "worker",
  address: string,
  talosVersion = DEFAULT_TALOS_VERSION,
) =>
  renderMachineConfig({
    cluster: {
      clusterName: "lab",
      talosVersion,
      kubernetesVersion: "1.36.3",
      vip: "192.168.10.10",
      schematicId: SCHEMATIC,
      timeServers: ["192.168.10.1"],
    },
    node: { hostname, role, address, gateway: "192.168.10.1", nameservers: ["192.168.10.1"] },
    secrets: PLACEHOLDER_BUNDLE,
  });

describe("TalosCluster", () => {
  it("downloads the image once per Proxmox node and uploads one snippet per Talos node", async () => {
    const rec = await recordCluster();
    expect(
      rec
        .ofType(IMAGE)
        .map((r) => r.name)
        .sort(),
    ).toEqual(["lab-image-pve1", "lab-image-pve2"]);
    for (const node of ["pve1", "pve2"]) {
      expect(rec.inputsOf(`lab-image-${node}`, IMAGE)).toEqual({
        nodeName: node,
        datastoreId: "local",
        contentType: "iso",
        url: `https://factory.talos.dev/image/${SCHEMATIC}/${DEFAULT_TALOS_VERSION}/nocloud-amd64.raw.gz`,
        fileName: `talos-${DEFAULT_TALOS_VERSION}-ce4c980550dd-nocloud-amd64.img`,
        decompressionAlgorithm: "gz",
        overwrite: false,
      });
    }
    expect(
      rec
        .ofType(SNIPPET)
        .map((r) => r.name)
        .sort(),
    ).toEqual([
      "lab-talos-cp-1-config",
      "lab-talos-cp-2-config",
      "lab-talos-cp-3-config",
      "lab-talos-w-1-config",
      "lab-talos-w-2-config",
    ]);
    expect(
      rec
        .ofType(VM)
        .map((r) => r.name)
        .sort(),
    ).toEqual(["lab-talos-cp-1", "lab-talos-cp-2", "lab-talos-cp-3", "lab-talos-w-1", "lab-talos-w-2"]);
  });

  it("delivers each node's own machine config as secret user-data on its Proxmox node", async () => {
    const rec = await recordCluster();
    const table = [
      ["talos-cp-2", "controlplane", "192.168.10.12/24", "pve2"],
      ["talos-w-1", "worker", "192.168.10.21/24", "pve1"],
    ] as const;
    for (const [hostname, role, address, proxmoxNode] of table) {
      const config = expectedConfig(hostname, role, address);
      expect(rec.isSecretInput(`lab-${hostname}-config`, "sourceRaw")).toBe(true);
      expect(rec.inputsOf(`lab-${hostname}-config`)).toEqual({
        nodeName: proxmoxNode,
        datastoreId: "local",
        contentType: "snippets",
        sourceRaw: { data: config, fileName: `talos-${hostname}.yaml` },
      });
      expect(rec.inputsOf(`lab-${hostname}`, VM).initialization).toEqual({
        datastoreId: "local-lvm",
        type: "nocloud",
        ipConfigs: [{ ipv4: { address, gateway: "192.168.10.1" } }],
        dns: { servers: ["192.168.10.1"] },
        userDataFileId: `local:snippets/talos-${hostname}.yaml`,
      });
    }
  });

  it("shapes the VMs as Talos needs them on Proxmox", async () => {
    const rec = await recordCluster({ workerCores: 6, workerMemoryMiB: 16384, workerDiskGiB: 100 });
    const table = [
      ["lab-talos-cp-1", "pve1", 9201, "controlplane", 2, 4096, 32],
      ["lab-talos-w-2", "pve2", 9212, "worker", 6, 16384, 100],
    ] as const;
    for (const [name, proxmoxNode, vmId, role, cores, memory, disk] of table) {
      const vm = rec.inputsOf(name, VM);
      expect(vm).toMatchObject({
        nodeName: proxmoxNode,
        vmId,
        tags: ["foundation", "talos", role],
        bios: "ovmf",
        machine: "q35",
        efiDisk: { datastoreId: "local-lvm", fileFormat: "raw", type: "4m", preEnrolledKeys: false },
        scsiHardware: "virtio-scsi-pci",
        cpu: { cores, sockets: 1, type: "host" },
        memory: { dedicated: memory, floating: 0 },
        agent: { enabled: true, trim: true, type: "virtio" },
        operatingSystem: { type: "l26" },
        networkDevices: [{ bridge: "vmbr0", model: "virtio" }],
        stopOnDestroy: true,
      });
      expect(vm.disks).toEqual([
        {
          interface: "scsi0",
          datastoreId: "local-lvm",
          fileId: `local:iso/${talosImageFileName(SCHEMATIC, DEFAULT_TALOS_VERSION)}`,
          fileFormat: "raw",
          size: disk,
          discard: "on",
          ssd: true,
        },
      ]);
    }
  });

  it("replaces a node only for new hardware, protects every node, and keeps the first-boot snippet as written", async () => {
    const rec = await recordCluster();
    for (const name of ["lab-talos-cp-1", "lab-talos-cp-3", "lab-talos-w-1"]) {
      expect(rec.named(name, VM)).toMatchObject({
        replaceOnChanges: ["cpu", "memory", "disks"],
        deleteBeforeReplace: true,
        ignoreChanges: [],
        protect: true,
      });
      expect(rec.inputsOf(name, VM).rebootAfterUpdate).toBe(false);
      expect(rec.named(`${name}-config`, SNIPPET)).toMatchObject({ ignoreChanges: ["sourceRaw"], protect: false });
    }
    expect(machineConfigSnippetName("talos-cp-1")).toBe("talos-talos-cp-1.yaml");
  });

  it("upgrades, applies and gates one node at a time, control planes first, after the API gate", async () => {
    const rec = await recordCluster();
    const order = ["talos-cp-1", "talos-cp-2", "talos-cp-3", "talos-w-1", "talos-w-2"];
    expect(rec.ofType(UPGRADE).map((r) => r.name)).toEqual(order.map((host) => `lab-${host}-upgrade`));
    expect(rec.ofType(APPLY).map((r) => r.name)).toEqual(order.map((host) => `lab-${host}-apply`));
    expect(rec.ofType(HEALTHY).map((r) => r.name)).toEqual(order.map((host) => `lab-${host}-healthy`));
    let previous = rec.named("lab-api-ready").urn;
    for (const host of order) {
      const upgrade = rec.named(`lab-${host}-upgrade`, UPGRADE);
      const apply = rec.named(`lab-${host}-apply`, APPLY);
      const healthy = rec.named(`lab-${host}-healthy`, HEALTHY);
      expect(upgrade.dependencies).toEqual(expect.arrayContaining([rec.named(`lab-${host}`, VM).urn, previous]));
      expect(apply.dependencies).toContain(upgrade.urn);
      expect(healthy.dependencies).toContain(apply.urn);
      previous = healthy.urn;
    }
    const image = `factory.talos.dev/nocloud-installer/${SCHEMATIC}:${DEFAULT_TALOS_VERSION}`;
    expect(rec.inputsOf("lab-talos-w-1-upgrade", UPGRADE)).toMatchObject({
      node: "192.168.10.21",
      port: 50000,
      hostname: "talos-w-1",
      vmId: 9211,
      talosVersion: DEFAULT_TALOS_VERSION,
      image,
      talosVersionSetting: "talosVersion",
      timeoutSeconds: 1800,
    });
    const config = expectedConfig("talos-cp-2", "controlplane", "192.168.10.12/24");
    expect(rec.inputsOf("lab-talos-cp-2-apply", APPLY)).toMatchObject({
      node: "192.168.10.12",
      machineConfig: config,
      configSha256: machineConfigSha256(config),
      talosVersion: DEFAULT_TALOS_VERSION,
      kubernetesVersion: "1.36.3",
      kubernetesVersionSetting: "kubernetesVersion",
    });
    expect(rec.isSecretInput("lab-talos-cp-2-apply", "machineConfig")).toBe(true);
    expect(rec.isSecretInput("lab-talos-cp-2-apply", "configSha256")).toBe(false);
    expect(rec.isSecretInput("lab-talos-cp-2-apply", "clientKeyPem")).toBe(true);
    expect(rec.inputsOf("lab-talos-cp-2-healthy", HEALTHY)).toMatchObject({
      role: "controlplane",
      talosVersion: DEFAULT_TALOS_VERSION,
      kubernetesVersion: "1.36.3",
      apiHost: "192.168.10.10",
      apiPort: 6443,
      triggers: [machineConfigSha256(config), DEFAULT_TALOS_VERSION],
    });
    expect(rec.isSecretInput("lab-talos-cp-2-healthy", "adminKeyPem")).toBe(true);
  });

  it("boots new VMs from the image version and upgrades them to the running version", async () => {
    const rec = await recordCluster({ talosVersion: "v1.13.10", imageVersion: "v1.13.9" });
    expect(rec.inputsOf("lab-image-pve1", IMAGE)).toMatchObject({
      url: `https://factory.talos.dev/image/${SCHEMATIC}/v1.13.9/nocloud-amd64.raw.gz`,
    });
    const snippet = rec.inputsOf("lab-talos-w-1-config", SNIPPET).sourceRaw as { data: string };
    expect(snippet.data).toBe(expectedConfig("talos-w-1", "worker", "192.168.10.21/24", "v1.13.9"));
    expect(rec.inputsOf("lab-talos-w-1-upgrade", UPGRADE)).toMatchObject({
      talosVersion: "v1.13.10",
      image: `factory.talos.dev/nocloud-installer/${SCHEMATIC}:v1.13.10`,
    });
    expect(rec.inputsOf("lab-talos-w-1-apply", APPLY).machineConfig).toBe(
      expectedConfig("talos-w-1", "worker", "192.168.10.21/24", "v1.13.10"),
    );
  });

  it("refuses a boot image a new node could not be upgraded from, and a Kubernetes release the line does not run", async () => {
    await expect(
      recordCluster({ talosVersion: "v1.13.9", imageVersion: "v1.11.6", kubernetesVersion: "1.30.4" }),
    ).rejects.toThrow(
      "TalosCluster 'lab': imageVersion 'v1.11.6' must not be newer than talosVersion 'v1.13.9' and at most one " +
        "minor release behind it, so a new node booted from it can be upgraded in one step; kubernetesVersion 1.30.4 " +
        "is not supported by Talos v1.13, which runs Kubernetes 1.31 to 1.36 " +
        "(https://docs.siderolabs.com/talos/v1.13/getting-started/support-matrix); pick a release in that range",
    );
  });

  it("bootstraps after the control planes, gates on the API, and builds the provider after the gate", async () => {
    const rec = await recordCluster();
    const bootstrap = rec.named("lab-bootstrap", "pulumi-nodejs:dynamic/talos:Bootstrap");
    const gate = rec.named("lab-api-ready", "pulumi-nodejs:dynamic/talos:KubernetesApiReady");
    const provider = rec.named("lab-kubernetes", "pulumi:providers:kubernetes");
    const urn = (name: string) => rec.named(name, VM).urn;
    expect(bootstrap.dependencies).toEqual(
      expect.arrayContaining([urn("lab-talos-cp-1"), urn("lab-talos-cp-2"), urn("lab-talos-cp-3")]),
    );
    expect(bootstrap.dependencies).not.toContain(urn("lab-talos-w-1"));
    expect(rec.inputsOf("lab-bootstrap")).toMatchObject({ node: "192.168.10.11", port: 50000 });
    expect(rec.isSecretInput("lab-bootstrap", "clientKeyPem")).toBe(true);
    expect(rec.isSecretInput("lab-bootstrap", "triggers")).toBe(true);
    expect(gate.dependencies).toContain(bootstrap.urn);
    expect(rec.inputsOf("lab-api-ready")).toMatchObject({ host: "192.168.10.10", port: 6443 });
    expect(provider.dependencies).toContain(gate.urn);
    expect(rec.isSecretInput("lab-kubernetes", "kubeconfig")).toBe(true);
  });

  it("exports the kubeconfig and talosconfig as secrets", async () => {
    const rec = await recordCluster();
    expect(rec.outputs.kubeconfig).toBeInstanceOf(Secret);
    expect(rec.outputs.talosconfig).toBeInstanceOf(Secret);
    const kubeconfig = (rec.outputs.kubeconfig as Secret).value as string;
    expect(kubeconfig).toContain("server: https://192.168.10.10:6443");
    const talosconfig = (rec.outputs.talosconfig as Secret).value as string;
    expect(talosconfig).toContain("- 192.168.10.11\n      - 192.168.10.12\n      - 192.168.10.13\n");
    expect(rec.outputs.endpoint).toBe("https://192.168.10.10:6443");
  });

  it("checks the image checksum when one is given", async () => {
    const rec = await recordCluster({ imageSha256: "b".repeat(64) });
    expect(rec.inputsOf("lab-image-pve1", IMAGE)).toMatchObject({
      checksum: "b".repeat(64),
      checksumAlgorithm: "sha256",
    });
  });

  it("names the image by version and schematic", () => {
    expect(talosImageUrl("abc", "v1.13.9")).toBe("https://factory.talos.dev/image/abc/v1.13.9/nocloud-amd64.raw.gz");
    expect(talosImageFileName(SCHEMATIC, "v1.11.6")).toBe("talos-v1.11.6-ce4c980550dd-nocloud-amd64.img");
  });

  it("refuses an even control plane count, undersized VMs, clashing addresses and a stray VIP", async () => {
    await expect(
      recordCluster({
        vip: "192.168.20.10",
        controlPlanes: [
          { hostname: "talos-cp-1", proxmoxNode: "pve1", vmId: 9201, address: "192.168.10.11/24" },
          { hostname: "talos-cp-2", proxmoxNode: "pve2", vmId: 9201, address: "192.168.10.11/24" },
        ],
        workers: [],
        controlPlaneMemoryMiB: 1024,
        cpuType: "host",
      }),
    ).rejects.toThrow(
      "TalosCluster 'lab': controlPlanes lists 2 node(s); list an odd number, at least 3, so etcd keeps quorum with " +
        "one node down; controlPlanes[0].address '192.168.10.11/24' is not in the subnet of vip '192.168.20.10'; the " +
        "VIP moves between control planes on one L2 segment, so put them in one subnet; controlPlanes[1].address " +
        "'192.168.10.11/24' is not in the subnet of vip '192.168.20.10'; the VIP moves between control planes on one " +
        "L2 segment, so put them in one subnet; vmId '9201' is used by more than one node; give every node its own; " +
        "address '192.168.10.11' is used by more than one node; give every node its own; controlPlaneMemoryMiB 1024 " +
        "is below Talos's minimum of 2048; raise it",
    );
  });

  it("gives workers a data disk with a user volume on it, and writes each node's labels into its config", async () => {
    const rec = await recordCluster({
      controlPlanes: ARGS.controlPlanes.map((node) => ({ ...node, nodeLabels: { "example.com/role": "cp" } })),
      workerDataDisk: { sizeGiB: 100, volumeName: "local-path-provisioner" },
    });
    const disks = (name: string) =>
      (rec.inputsOf(name, VM).disks as { interface: string; size: number; datastoreId: string }[]).map((d) => [
        d.interface,
        d.size,
        d.datastoreId,
      ]);
    expect(disks("lab-talos-w-2")).toEqual([
      ["scsi0", 64, "local-lvm"],
      ["scsi1", 100, "local-lvm"],
    ]);
    expect(disks("lab-talos-cp-1")).toEqual([["scsi0", 32, "local-lvm"]]);
    const config = (name: string) =>
      String((rec.inputsOf(`lab-${name}-config`, SNIPPET).sourceRaw as { data: string }).data);
    expect(config("talos-w-2")).toContain(
      "kind: UserVolumeConfig\nname: local-path-provisioner\nprovisioning:\n  diskSelector:\n    match: " +
        '"!system_disk"\n  minSize: 99GiB\n  grow: true\n',
    );
    expect(config("talos-cp-1")).not.toContain("UserVolumeConfig");
    expect(config("talos-cp-1")).toContain("example.com/role: cp");
  });

  it("refuses a data disk too small to hold a volume and a volume name Talos cannot mount", async () => {
    await expect(recordCluster({ workerDataDisk: { sizeGiB: 1, volumeName: "Local_Path" } })).rejects.toThrow(
      "TalosCluster 'lab': workerDataDisk.sizeGiB 1 must be a whole number of GiB, at least 2; " +
        "workerDataDisk.volumeName 'Local_Path' must be 1 to 34 lowercase letters, digits and hyphens",
    );
  });

  it("refuses a VIP that is a node address and an unsupported Talos version", async () => {
    await expect(recordCluster({ vip: "192.168.10.21", talosVersion: "v1.12.0" })).rejects.toThrow(
      "TalosCluster 'lab': talosVersion 'v1.12.0' is not supported; use a release of v1.11 or v1.13 written vX.Y.Z, " +
        "e.g. v1.13.9; vip '192.168.10.21' is also a node address; the VIP must be an unused address",
    );
  });
});

describe("cniNodeServices", () => {
  it("opens Cilium's VXLAN overlay and health checks, or Flannel's overlay, between the nodes", () => {
    expect(cniNodeServices(true)).toEqual([
      { name: "cilium-vxlan", protocol: "udp", ports: [8472] },
      { name: "cilium-health", protocol: "tcp", ports: [4240] },
    ]);
    expect(cniNodeServices(false)).toEqual([{ name: "flannel-vxlan", protocol: "udp", ports: [4789] }]);
  });
});

describe("the nodes' firewall", () => {
  const FIREWALL = {
    adminCidrs: ["192.168.1.0/24"],
    nodeServices: [{ name: "metallb-memberlist-tcp", protocol: "tcp" as const, ports: [7946] }],
    loadBalancer: { addresses: ["192.168.10.200-192.168.10.219"], ports: [80, 443] },
  };
  const CONTROL_PLANES = "192.168.10.11/32,192.168.10.12/32,192.168.10.13/32";
  const EVERY_NODE = `${CONTROL_PLANES},192.168.10.21/32,192.168.10.22/32`;

  it("repeats each node's own rules at the host, ranges written a:b, and lets anyone reach the load balancer", () => {
    const firewall = {
      adminCidrs: FIREWALL.adminCidrs,
      controlPlanes: ["192.168.10.11", "192.168.10.12", "192.168.10.13"],
      workers: ["192.168.10.21", "192.168.10.22"],
      podSubnets: ["10.244.0.0/16"],
      nodeServices: FIREWALL.nodeServices,
    };
    const brief = (rules: ReturnType<typeof talosProxmoxFirewallRules>) =>
      rules.map((r) => `${r.comment} ${r.proto} ${r.dport ?? "-"} ${r.source ?? "*"} -> ${r.dest ?? "*"}`);
    expect(brief(talosProxmoxFirewallRules("controlplane", firewall, FIREWALL.loadBalancer))).toEqual([
      `apid-ingress tcp 50000 192.168.1.0/24,${CONTROL_PLANES},10.244.0.0/16 -> *`,
      `trustd-ingress tcp 50001 ${EVERY_NODE} -> *`,
      `kubernetes-api-ingress tcp 6443 192.168.1.0/24,${EVERY_NODE},10.244.0.0/16 -> *`,
      `etcd-ingress tcp 2379:2380 ${CONTROL_PLANES} -> *`,
      `kubelet-ingress tcp 10250 ${CONTROL_PLANES} -> *`,
      `metallb-memberlist-tcp-ingress tcp 7946 ${EVERY_NODE} -> *`,
      `icmp-from-nodes icmp - ${EVERY_NODE} -> *`,
      "load-balancer-ingress tcp 80,443 * -> 192.168.10.200-192.168.10.219",
    ]);
    expect(brief(talosProxmoxFirewallRules("worker", firewall))).toEqual([
      `apid-ingress tcp 50000 192.168.1.0/24,${CONTROL_PLANES} -> *`,
      `kubelet-ingress tcp 10250 ${CONTROL_PLANES} -> *`,
      `metallb-memberlist-tcp-ingress tcp 7946 ${EVERY_NODE} -> *`,
      `icmp-from-nodes icmp - ${EVERY_NODE} -> *`,
    ]);
  });

  it("gives every VM the firewall on its NIC, its rules, and a dropping input policy; none without the setting", async () => {
    const rec = await recordCluster({ firewall: FIREWALL });
    const hosts = ["talos-cp-1", "talos-cp-2", "talos-cp-3", "talos-w-1", "talos-w-2"];
    for (const host of hosts) {
      const vm = rec.named(`lab-${host}`, "proxmoxve:index/vmLegacy:VmLegacy");
      expect((rec.inputsOf(vm.name, vm.type).networkDevices as { firewall: boolean }[])[0].firewall).toBe(true);
      expect(rec.inputsOf(`lab-${host}-firewall`)).toMatchObject({
        vmId: rec.inputsOf(vm.name, vm.type).vmId,
        enabled: true,
        inputPolicy: "DROP",
        outputPolicy: "ACCEPT",
      });
      const rules = rec.named(`lab-${host}-firewall-rules`);
      expect(rules.dependencies).toContain(vm.urn);
      expect((rec.inputsOf(rules.name).rules as { comment: string }[]).at(-1)?.comment).toBe("load-balancer-ingress");
    }
    const open = await recordCluster();
    expect(open.ofType("proxmoxve:firewall/rulesLegacy:RulesLegacy")).toEqual([]);
    const vm = open.named("lab-talos-w-1", "proxmoxve:index/vmLegacy:VmLegacy");
    expect((open.inputsOf(vm.name, vm.type).networkDevices as { firewall: boolean }[])[0].firewall).toBe(false);
  });
});
