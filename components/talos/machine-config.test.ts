import { readFileSync } from "node:fs";
import * as path from "node:path";
import Ajv2020, { ValidateFunction } from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { parseAllDocuments } from "yaml";
import { ciliumInlineManifest } from "./cilium";
import { QEMU_GUEST_AGENT_EXTENSION, schematicId } from "./image-factory";
import {
  DEFAULT_TALOS_VERSION,
  machineConfigDocuments,
  MachineConfigInput,
  renderMachineConfig,
  TalosClusterSettings,
  TalosDocument,
  TalosFirewall,
  TalosNodeSettings,
} from "./machine-config";
import { provenanceProblems } from "../../tools/provenance";
import { PLACEHOLDER_BUNDLE } from "./testing";

/** The official schemas, copied byte for byte; the README there gives each file's upstream, tag and sha256. */
const SCHEMA_DIR = path.join(__dirname, "testdata", "schemas");

function compile(file: string): ValidateFunction {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile(JSON.parse(readFileSync(path.join(SCHEMA_DIR, file), "utf8")));
}

// Each schema is large: compile it once for the whole file.
const SCHEMAS: Record<string, ValidateFunction> = {
  "v1.11": compile("config.schema.v1.11.json"),
  "v1.13": compile("config.schema.json"),
};

function schemaErrors(line: string, document: unknown): string[] {
  const validate = SCHEMAS[line];
  return validate(document) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

const SCHEMATIC = schematicId([QEMU_GUEST_AGENT_EXTENSION]);
const CILIUM_CLI = `quay.io/cilium/cilium-cli:v0.18.9@sha256:${"c".repeat(64)}`;

const CLUSTER: TalosClusterSettings = {
  clusterName: "lab",
  talosVersion: DEFAULT_TALOS_VERSION,
  vip: "192.168.10.10",
  schematicId: SCHEMATIC,
};

const CONTROL_PLANE: TalosNodeSettings = {
  hostname: "talos-cp-1",
  role: "controlplane",
  address: "192.168.10.11/24",
  gateway: "192.168.10.1",
  nameservers: ["192.168.10.1", "1.1.1.1"],
};

const WORKER: TalosNodeSettings = {
  ...CONTROL_PLANE,
  hostname: "talos-worker-1",
  role: "worker",
  address: "192.168.10.21/24",
};

function input(cluster: Partial<TalosClusterSettings> = {}, node: Partial<TalosNodeSettings> = {}): MachineConfigInput {
  return { cluster: { ...CLUSTER, ...cluster }, node: { ...CONTROL_PLANE, ...node }, secrets: PLACEHOLDER_BUNDLE };
}

/** Renders, then reads the YAML stream back: what Talos will see. */
function rendered(value: MachineConfigInput): TalosDocument[] {
  return parseAllDocuments(renderMachineConfig(value)).map((document) => document.toJS() as TalosDocument);
}

const main = (documents: TalosDocument[]) => documents[0] as { machine: TalosDocument; cluster: TalosDocument };
const kinds = (documents: TalosDocument[]) => documents.slice(1).map((d) => d.kind);
const decode = (b64: unknown) => Buffer.from(String(b64), "base64").toString("utf8");

const MATRIX = [
  { line: "v1.11", version: "v1.11.6", node: CONTROL_PLANE, kinds: [] },
  { line: "v1.11", version: "v1.11.6", node: WORKER, kinds: [] },
  {
    line: "v1.13",
    version: "v1.13.9",
    node: CONTROL_PLANE,
    kinds: ["HostnameConfig", "LinkConfig", "ResolverConfig", "Layer2VIPConfig"],
  },
  { line: "v1.13", version: "v1.13.9", node: WORKER, kinds: ["HostnameConfig", "LinkConfig", "ResolverConfig"] },
];

describe("the schema copies", () => {
  it("are the upstream files their README names: each file's sha256 matches its row", () => {
    expect(provenanceProblems(SCHEMA_DIR)).toEqual([]);
  });
});

describe("renderMachineConfig: every document validates against the official schema of its line", () => {
  it.each(MATRIX)("$version $node.role renders $kinds.length extra documents, all valid", ({ line, version, node }) => {
    for (const cluster of [{}, { cni: "none" as const, timeServers: ["ntp.lab.example.com", "192.168.10.1"] }]) {
      const documents = rendered(input({ talosVersion: version, ...cluster }, node));
      expect(documents.map((document) => schemaErrors(line, document))).toEqual(documents.map(() => []));
    }
  });

  it.each(MATRIX)("$version $node.role has exactly the expected document kinds", ({ version, node, kinds: want }) => {
    expect(kinds(rendered(input({ talosVersion: version }, node)))).toEqual(want);
  });

  it.each(["v1.11.6", "v1.13.9"])("%s: node labels and a user volume, valid against the schema", (version) => {
    const line = version.startsWith("v1.11") ? "v1.11" : "v1.13";
    const documents = rendered(
      input(
        { talosVersion: version },
        {
          nodeLabels: { "topology.kubernetes.io/region": "lab", "topology.kubernetes.io/zone": "pve1" },
          userVolumes: [{ name: "local-path-provisioner", diskSelector: "!system_disk", minSize: "99GiB" }],
        },
      ),
    );
    expect(documents.map((document) => schemaErrors(line, document))).toEqual(documents.map(() => []));
    // The control-plane label stays beside the node's own.
    expect(main(documents).machine.nodeLabels).toEqual({
      "node.kubernetes.io/exclude-from-external-load-balancers": "",
      "topology.kubernetes.io/region": "lab",
      "topology.kubernetes.io/zone": "pve1",
    });
    expect(documents.at(-1)).toEqual({
      apiVersion: "v1alpha1",
      kind: "UserVolumeConfig",
      name: "local-path-provisioner",
      provisioning: { diskSelector: { match: "!system_disk" }, minSize: "99GiB", grow: true },
    });
  });

  it.each(["v1.11.6", "v1.13.9"])(
    "%s: Cilium's inline manifest, kube-proxy off and Talos API access for etcd backups, valid against the schema",
    (version) => {
      const line = version.startsWith("v1.11") ? "v1.11" : "v1.13";
      const cilium = ciliumInlineManifest({ version: "1.18.0", cliImage: CILIUM_CLI });
      const settings = {
        talosVersion: version,
        cni: "none" as const,
        kubeProxy: false,
        inlineManifests: [cilium],
        talosApiAccess: { roles: ["os:etcd:backup"], namespaces: ["etcd-backup"] },
      };
      const controlPlane = rendered(input(settings));
      const worker = rendered(input(settings, WORKER));
      for (const documents of [controlPlane, worker]) {
        expect(documents.map((document) => schemaErrors(line, document))).toEqual(documents.map(() => []));
        expect(main(documents).cluster.network).toMatchObject({ cni: { name: "none" } });
      }
      expect(main(controlPlane).cluster.proxy).toEqual({ disabled: true });
      expect(main(controlPlane).cluster.inlineManifests).toEqual([cilium]);
      expect((main(controlPlane).machine.features as TalosDocument).kubernetesTalosAPIAccess).toEqual({
        enabled: true,
        allowedRoles: ["os:etcd:backup"],
        allowedKubernetesNamespaces: ["etcd-backup"],
      });
      // Talos refuses both on workers: the manifests are the control planes' to apply, API access theirs to grant.
      expect(main(worker).cluster.inlineManifests).toBeUndefined();
      expect((main(worker).machine.features as TalosDocument).kubernetesTalosAPIAccess).toBeUndefined();
    },
  );

  it("writes no nodeLabels key for a worker without labels", () => {
    expect(main(rendered(input({}, WORKER))).machine).not.toHaveProperty("nodeLabels");
  });

  it("adds TimeSyncConfig on v1.13 and machine.time on v1.11 when time servers are set", () => {
    const v113 = rendered(input({ timeServers: ["192.168.10.1"] }));
    expect(v113.at(-1)).toEqual({ apiVersion: "v1alpha1", kind: "TimeSyncConfig", ntp: { servers: ["192.168.10.1"] } });
    const v111 = rendered(input({ talosVersion: "v1.11.6", timeServers: ["192.168.10.1"] }));
    expect(main(v111).machine.time).toEqual({ servers: ["192.168.10.1"] });
  });

  it("proves the validator bites: the v1.13 schema rejects v1.11's machine.network, and neither accepts persist", () => {
    const v111 = main(rendered(input({ talosVersion: "v1.11.6" })));
    expect(schemaErrors("v1.13", v111)).not.toEqual([]);
    const v113 = main(rendered(input()));
    expect(schemaErrors("v1.13", { ...v113, persist: true })).not.toEqual([]);
    expect(schemaErrors("v1.11", { ...v111, persist: true })).not.toEqual([]);
  });
});

describe("renderMachineConfig: content", () => {
  it.each(["v1.11.6", "v1.13.9"])("%s never writes persist, and keeps debug off", (talosVersion) => {
    const documents = rendered(input({ talosVersion }));
    expect(main(documents)).not.toHaveProperty("persist");
    expect(main(documents)).toMatchObject({ version: "v1alpha1", debug: false });
  });

  it.each([
    [
      "v1.11.6",
      {
        rbac: true,
        stableHostname: true,
        apidCheckExtKeyUsage: true,
        diskQuotaSupport: true,
        kubePrism: { enabled: true, port: 7445 },
        hostDNS: { enabled: true, forwardKubeDNSToHost: true },
      },
    ],
    [
      "v1.13.9",
      {
        diskQuotaSupport: true,
        kubePrism: { enabled: true, port: 7445 },
        hostDNS: { enabled: true, forwardKubeDNSToHost: true },
      },
    ],
  ])("%s writes the generator's feature flags", (talosVersion, features) => {
    for (const node of [CONTROL_PLANE, WORKER]) {
      expect(main(rendered(input({ talosVersion }, node))).machine.features).toEqual(features);
    }
  });

  it.each([
    ["v1.11.6", "1.34.1", { disk: "/dev/sda", wipe: false }],
    ["v1.13.9", "1.36.3", { disk: "/dev/sda", wipe: false, grubUseUKICmdline: true }],
  ])("%s defaults to Kubernetes %s and installs from the factory's nocloud installer", (talosVersion, k8s, install) => {
    const { machine, cluster } = main(rendered(input({ talosVersion })));
    expect(machine.install).toEqual({
      ...install,
      image: `factory.talos.dev/nocloud-installer/ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515:${talosVersion}`,
    });
    expect(machine.kubelet).toEqual({
      image: `ghcr.io/siderolabs/kubelet:v${k8s}`,
      defaultRuntimeSeccompProfileEnabled: true,
      disableManifestsDirectory: true,
    });
    expect(cluster).toMatchObject({
      apiServer: { image: `registry.k8s.io/kube-apiserver:v${k8s}` },
      controllerManager: { image: `registry.k8s.io/kube-controller-manager:v${k8s}` },
      scheduler: { image: `registry.k8s.io/kube-scheduler:v${k8s}` },
      proxy: { image: `registry.k8s.io/kube-proxy:v${k8s}` },
    });
  });

  it("uses a pinned Kubernetes version and install disk when given", () => {
    const { machine } = main(rendered(input({ kubernetesVersion: "1.35.4" }, { installDisk: "/dev/vda" })));
    expect(machine.kubelet).toMatchObject({ image: "ghcr.io/siderolabs/kubelet:v1.35.4" });
    expect(machine.install).toMatchObject({ disk: "/dev/vda" });
  });

  it("puts hostname, address, gateway, nameservers and the VIP in machine.network on v1.11", () => {
    const v111 = main(rendered(input({ talosVersion: "v1.11.6" })));
    expect(v111.machine.network).toEqual({
      hostname: "talos-cp-1",
      interfaces: [
        {
          interface: "eth0",
          addresses: ["192.168.10.11/24"],
          routes: [{ network: "0.0.0.0/0", gateway: "192.168.10.1" }],
          vip: { ip: "192.168.10.10" },
        },
      ],
      nameservers: ["192.168.10.1", "1.1.1.1"],
    });
    const worker = main(rendered(input({ talosVersion: "v1.11.6" }, { ...WORKER, link: "ens18" })));
    expect(worker.machine.network).toEqual({
      hostname: "talos-worker-1",
      interfaces: [
        {
          interface: "ens18",
          addresses: ["192.168.10.21/24"],
          routes: [{ network: "0.0.0.0/0", gateway: "192.168.10.1" }],
        },
      ],
      nameservers: ["192.168.10.1", "1.1.1.1"],
    });
  });

  it("puts them in network documents on v1.13, the VIP only on control planes", () => {
    const documents = rendered(input());
    expect(main(documents).machine).not.toHaveProperty("network");
    expect(documents.slice(1)).toEqual([
      { apiVersion: "v1alpha1", kind: "HostnameConfig", hostname: "talos-cp-1" },
      {
        apiVersion: "v1alpha1",
        kind: "LinkConfig",
        name: "eth0",
        addresses: [{ address: "192.168.10.11/24" }],
        routes: [{ gateway: "192.168.10.1" }],
      },
      {
        apiVersion: "v1alpha1",
        kind: "ResolverConfig",
        nameservers: [{ address: "192.168.10.1" }, { address: "1.1.1.1" }],
      },
      { apiVersion: "v1alpha1", kind: "Layer2VIPConfig", name: "192.168.10.10", link: "eth0" },
    ]);
  });

  it.each(["v1.11.6", "v1.13.9"])("%s points the cluster at the VIP with the configured networking", (talosVersion) => {
    const { cluster } = main(
      rendered(
        input({
          talosVersion,
          podSubnets: ["10.32.0.0/16"],
          serviceSubnets: ["10.33.0.0/16"],
          dnsDomain: "lab.local",
          cni: "none",
        }),
      ),
    );
    expect(cluster.controlPlane).toEqual({ endpoint: "https://192.168.10.10:6443" });
    expect(cluster.clusterName).toBe("lab");
    expect(cluster.network).toEqual({
      dnsDomain: "lab.local",
      podSubnets: ["10.32.0.0/16"],
      serviceSubnets: ["10.33.0.0/16"],
      cni: { name: "none" },
    });
    expect(cluster.apiServer).toMatchObject({ certSANs: ["192.168.10.10"] });
    expect(cluster.discovery).toEqual({ enabled: true, registries: { kubernetes: { disabled: true }, service: {} } });
  });

  it("defaults to Talos's pod and service CIDRs, cluster.local and Flannel", () => {
    expect(main(rendered(input())).cluster.network).toEqual({
      dnsDomain: "cluster.local",
      podSubnets: ["10.244.0.0/16"],
      serviceSubnets: ["10.96.0.0/12"],
      cni: { name: "flannel" },
    });
  });

  it("gives a control plane every secret, base64 of the whole PEM", () => {
    const { machine, cluster } = main(rendered(input()));
    expect(machine.token).toBe(PLACEHOLDER_BUNDLE.machineToken);
    expect(machine.ca).toEqual({
      crt: Buffer.from(PLACEHOLDER_BUNDLE.osCa.certPem).toString("base64"),
      key: Buffer.from(PLACEHOLDER_BUNDLE.osCa.keyPem).toString("base64"),
    });
    expect(cluster).toMatchObject({
      id: PLACEHOLDER_BUNDLE.clusterId,
      secret: PLACEHOLDER_BUNDLE.clusterSecret,
      token: PLACEHOLDER_BUNDLE.bootstrapToken,
      secretboxEncryptionSecret: PLACEHOLDER_BUNDLE.secretboxEncryptionSecret,
    });
    const c = cluster as Record<string, Record<string, unknown>>;
    expect(decode(c.ca.key)).toBe(PLACEHOLDER_BUNDLE.kubernetesCa.keyPem);
    expect(decode(c.aggregatorCA.crt)).toBe(PLACEHOLDER_BUNDLE.aggregatorCa.certPem);
    expect(decode(c.serviceAccount.key)).toBe(PLACEHOLDER_BUNDLE.serviceAccountKeyPem);
    expect(decode((c.etcd.ca as Record<string, unknown>).key)).toBe(PLACEHOLDER_BUNDLE.etcdCa.keyPem);
    expect(machine.nodeLabels).toEqual({ "node.kubernetes.io/exclude-from-external-load-balancers": "" });
  });

  it.each(["v1.11.6", "v1.13.9"])("%s gives a worker no private key and no control-plane section", (talosVersion) => {
    const text = renderMachineConfig(input({ talosVersion }, WORKER));
    const base64Values = text.match(/[A-Za-z0-9+/]{40,}={0,2}/g) ?? [];
    expect(base64Values.map(decode).filter((value) => value.includes("PRIVATE KEY"))).toEqual([]);
    const { machine, cluster } = main(rendered(input({ talosVersion }, WORKER)));
    expect(machine.ca).toEqual({ crt: Buffer.from(PLACEHOLDER_BUNDLE.osCa.certPem).toString("base64") });
    expect(machine).not.toHaveProperty("nodeLabels");
    expect(Object.keys(cluster).sort()).toEqual(
      ["ca", "clusterName", "controlPlane", "discovery", "id", "network", "secret", "token"].sort(),
    );
  });

  it("renders a stream whose documents match machineConfigDocuments one to one", () => {
    const value = input();
    expect(rendered(value)).toEqual(machineConfigDocuments(value));
    expect(renderMachineConfig(value).split(/^---$/m)).toHaveLength(5);
  });
});

describe("renderMachineConfig: rejected input", () => {
  it.each([
    [
      { talosVersion: "v1.12.3" },
      {},
      "talosVersion 'v1.12.3' is not supported; use a release of v1.11 or v1.13 written vX.Y.Z, e.g. v1.13.9",
    ],
    [
      { talosVersion: "1.13.9" },
      {},
      "talosVersion '1.13.9' is not supported; use a release of v1.11 or v1.13 written vX.Y.Z, e.g. v1.13.9",
    ],
    [
      { kubernetesVersion: "v1.36.3" },
      {},
      "kubernetesVersion 'v1.36.3' must be X.Y.Z without a leading v, e.g. 1.36.3",
    ],
    [{ vip: "192.168.10.10/24" }, {}, "vip '192.168.10.10/24' must be an IPv4 address, e.g. 192.168.10.10"],
    [{ clusterName: "Lab_1" }, {}, "clusterName 'Lab_1' must be a lowercase DNS label"],
    [{ schematicId: "qemu" }, {}, "schematicId 'qemu' must be the 64 hex characters of an Image Factory schematic ID"],
    [
      { talosApiAccess: { roles: ["os:admin"], namespaces: ["etcd-backup"] } },
      {},
      "talosApiAccess role 'os:admin' must be one of os:reader, os:operator, os:etcd:backup",
    ],
    [
      { inlineManifests: [{ name: "Cilium", contents: "" }] },
      {},
      "inlineManifests name 'Cilium' must be a lowercase DNS label",
    ],
    [{ podSubnets: [] }, {}, "podSubnets must not be empty; leave it unset for Talos's default"],
    [
      { serviceSubnets: ["10.96.0.0"] },
      {},
      "serviceSubnets entry '10.96.0.0' must be an IPv4 CIDR, e.g. 10.244.0.0/16",
    ],
    [{ dnsDomain: "Cluster.Local" }, {}, "dnsDomain 'Cluster.Local' must be a DNS name, e.g. cluster.local"],
    [{ timeServers: ["ntp server"] }, {}, "timeServers entry 'ntp server' must be a host name or IPv4 address"],
    [{}, { hostname: "cp_1" }, "hostname 'cp_1' must be a lowercase DNS label, e.g. talos-cp-1"],
    [
      {},
      { address: "192.168.10.11" },
      "address '192.168.10.11' of talos-cp-1 must be IPv4/prefix, e.g. 192.168.10.11/24",
    ],
    [
      {},
      { address: "192.168.10.11/33" },
      "address '192.168.10.11/33' of talos-cp-1 must be IPv4/prefix, e.g. 192.168.10.11/24",
    ],
    [{}, { gateway: "gw" }, "gateway 'gw' of talos-cp-1 must be an IPv4 address"],
    [{}, { nameservers: [] }, "nameservers of talos-cp-1 must name at least one DNS server"],
    [{}, { nameservers: ["dns.example"] }, "nameservers entry 'dns.example' of talos-cp-1 must be an IPv4 address"],
    [{}, { link: "eth 0" }, "link 'eth 0' of talos-cp-1 must be an interface name, e.g. eth0"],
    [{}, { installDisk: "sda" }, "installDisk 'sda' of talos-cp-1 must be a device path, e.g. /dev/sda"],
    [
      {},
      { nodeLabels: { "topology.kubernetes.io/zone": "pve 1" } },
      "nodeLabels entry 'topology.kubernetes.io/zone: pve 1' of talos-cp-1 must be a Kubernetes label (prefix/name: value)",
    ],
    [
      {},
      { userVolumes: [{ name: "local_path", diskSelector: "!system_disk", minSize: "big" }] },
      "userVolumes name 'local_path' of talos-cp-1 must be 1 to 34 letters, digits and hyphens; " +
        "userVolumes minSize 'big' of talos-cp-1 must be a size such as 63GiB",
    ],
  ] as [Partial<TalosClusterSettings>, Partial<TalosNodeSettings>, string][])(
    "rejects %j %j",
    (cluster, node, message) => {
      expect(() => renderMachineConfig(input(cluster, node))).toThrow(`Talos machine config: ${message}`);
    },
  );

  it("reports every problem at once", () => {
    expect(() => renderMachineConfig(input({ vip: "x" }, { gateway: "y" }))).toThrow(
      "Talos machine config: vip 'x' must be an IPv4 address, e.g. 192.168.10.10; " +
        "gateway 'y' of talos-cp-1 must be an IPv4 address",
    );
  });
});

describe("renderMachineConfig: the ingress firewall", () => {
  const FIREWALL: TalosFirewall = {
    adminCidrs: ["192.168.1.0/24", "192.168.10.5/32"],
    controlPlanes: ["192.168.10.11", "192.168.10.12", "192.168.10.13"],
    workers: ["192.168.10.21"],
    podSubnets: ["10.244.0.0/16"],
    nodeServices: [{ name: "cilium-vxlan", protocol: "udp", ports: [8472] }],
  };
  const firewalled = (version: string, node: TalosNodeSettings) =>
    rendered(input({ talosVersion: version, firewall: FIREWALL }, node));
  /** Each rule as `name protocol ports <- sources`. */
  const rules = (documents: TalosDocument[]) =>
    documents
      .filter((d) => d.kind === "NetworkRuleConfig")
      .map((d) => {
        const { portSelector, ingress } = d as {
          portSelector: { ports: unknown[]; protocol: string };
          ingress: { subnet: string }[];
        };
        return `${String(d.name)} ${portSelector.protocol} ${portSelector.ports.join(",")} <- ${ingress.map((i) => i.subnet).join(" ")}`;
      });
  const CONTROL_PLANES = "192.168.10.11/32 192.168.10.12/32 192.168.10.13/32";
  const EVERY_NODE = `${CONTROL_PLANES} 192.168.10.21/32`;
  const ADMINS = "192.168.1.0/24 192.168.10.5/32";

  it.each(MATRIX)("$version $node.role: block by default, every document valid", ({ line, version, node }) => {
    const documents = firewalled(version, node);
    expect(documents.map((document) => schemaErrors(line, document))).toEqual(documents.map(() => []));
    expect(documents.filter((d) => d.kind === "NetworkDefaultActionConfig")).toEqual([
      { apiVersion: "v1alpha1", kind: "NetworkDefaultActionConfig", ingress: "block" },
    ]);
  });

  it("opens a control plane's APIs to the admins and the pods, trustd and the API to every node, etcd to the control planes", () => {
    expect(rules(firewalled(DEFAULT_TALOS_VERSION, CONTROL_PLANE))).toEqual([
      `apid-ingress tcp 50000 <- ${ADMINS} ${CONTROL_PLANES} 10.244.0.0/16`,
      `trustd-ingress tcp 50001 <- ${EVERY_NODE}`,
      `kubernetes-api-ingress tcp 6443 <- ${ADMINS} ${EVERY_NODE} 10.244.0.0/16`,
      `etcd-ingress tcp 2379-2380 <- ${CONTROL_PLANES}`,
      `kubelet-ingress tcp 10250 <- ${CONTROL_PLANES}`,
      `cilium-vxlan-ingress udp 8472 <- ${EVERY_NODE}`,
    ]);
  });

  it("opens a worker's apid to the admins and the control planes only, and neither etcd nor the API", () => {
    expect(rules(firewalled(DEFAULT_TALOS_VERSION, WORKER))).toEqual([
      `apid-ingress tcp 50000 <- ${ADMINS} ${CONTROL_PLANES}`,
      `kubelet-ingress tcp 10250 <- ${CONTROL_PLANES}`,
      `cilium-vxlan-ingress udp 8472 <- ${EVERY_NODE}`,
    ]);
  });

  it("writes no firewall document without the setting", () => {
    expect(kinds(rendered(input({}, WORKER))).filter((kind) => String(kind).startsWith("Network"))).toEqual([]);
  });

  it.each([
    [
      { adminCidrs: ["0.0.0.0/0"] },
      "firewall adminCidrs entry '0.0.0.0/0' opens the Talos and Kubernetes APIs to every network",
    ],
    [
      { adminCidrs: ["192.168.1.0"] },
      "firewall adminCidrs entry '192.168.1.0' must be an IPv4 CIDR, e.g. 192.168.1.0/24",
    ],
    [{ controlPlanes: [] }, "firewall controlPlanes must name every control plane"],
    [{ podSubnets: ["10.244.0.0"] }, "firewall podSubnets entry '10.244.0.0' must be an IPv4 CIDR, e.g. 10.244.0.0/16"],
    [{ workers: ["talos-w-1"] }, "firewall node address 'talos-w-1' must be an IPv4 address"],
    [
      { nodeServices: [{ name: "vxlan", protocol: "udp" as const, ports: ["9000-8000"] }] },
      "firewall nodeServices 'vxlan' port '9000-8000' must be 1-65535 or a range a-b",
    ],
    [
      { nodeServices: [{ name: "Cilium", protocol: "udp" as const, ports: [8472] }] },
      "firewall nodeServices name 'Cilium' must be a DNS label",
    ],
  ])("refuses %j", (change, message) => {
    expect(() => renderMachineConfig(input({ firewall: { ...FIREWALL, ...change } }))).toThrow(
      `Talos machine config: ${message}`,
    );
  });
});
