import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { loadConfig } from "../configuration";
import { cidrContains as contains, rangeOf } from "../../components/common/ipv4";
import { labConfigSchema } from "./config";
import { sampleLabConfig } from "./testing";
import { configEditor } from "../../tools/plan/testing";

const sample = sampleLabConfig().config;

/** The sample config with one key's JSON value edited. */
const edited = configEditor(sample);

function problemsOf(config: Record<string, string>): string[] {
  try {
    loadConfig("lab", labConfigSchema, config);
    return [];
  } catch (err) {
    return (err as Error).message.split("\n").slice(1);
  }
}

interface Platform {
  metallb: { addresses: string[] };
  traefik: { loadBalancerIp: string };
  storage: { backend: string; proxmoxCsi?: unknown; localPath?: unknown };
}
interface RunnerManager {
  placement: string;
  vm?: { address: string; firewall: { fleetSshCidrs: string[] } };
  cluster?: unknown;
}
interface Talos {
  vip: string;
  controlPlanes: { address: string; vmId: number }[];
  workers: { address: string; vmId: number }[];
}

describe("lab config", () => {
  it("accepts the sample", () => {
    expect(problemsOf(sample)).toEqual([]);
  });

  it("accepts the cluster placement with the VM's settings still in config (switching back is one key)", () => {
    expect(problemsOf(edited<RunnerManager>("runnerManager", (m) => (m.placement = "cluster")))).toEqual([]);
  });

  it("accepts local-path storage without Proxmox CSI settings", () => {
    const config = edited<Platform>("platform", (p) => {
      p.storage.backend = "local-path";
      delete p.storage.proxmoxCsi;
    });
    expect(problemsOf(config)).toEqual([]);
  });

  it.each([
    [
      "an unknown placement",
      edited<RunnerManager>("runnerManager", (m) => (m.placement = "kubernetes")),
      ['  - foundation:runnerManager.placement: must be one of "vm", "cluster"; got the string "kubernetes"'],
    ],
    [
      "a placement without its settings",
      edited<RunnerManager>("runnerManager", (m) => {
        m.placement = "cluster";
        delete m.cluster;
      }),
      [
        "  - foundation:runnerManager.cluster: placement is 'cluster' but runnerManager.cluster is not set; add that " +
          "placement's settings (docs/runbooks/runner-migration.md)",
      ],
    ],
    [
      "a bad CIDR",
      edited<{ cidr: string }>("network", (n) => (n.cidr = "192.168.10.1/24")),
      [
        '  - foundation:network.cidr: must be an IPv4 CIDR block with its network address, e.g. 192.0.2.0/24; got the string "192.168.10.1/24"',
      ],
    ],
    [
      "a MetalLB pool outside the lab network",
      edited<Platform>("platform", (p) => {
        p.metallb.addresses = ["192.168.20.200-192.168.20.220"];
        p.traefik.loadBalancerIp = "192.168.20.200";
      }),
      [
        "  - foundation:platform.metallb.addresses[0]: '192.168.20.200-192.168.20.220' is outside the lab network 192.168.10.0/24; MetalLB answers ARP on that network only",
      ],
    ],
    [
      "a MetalLB pool over the VIP, the nodes and the gateway",
      edited<Platform>("platform", (p) => (p.metallb.addresses = ["192.168.10.0/28", "192.168.10.200-192.168.10.220"])),
      [
        "  - foundation:platform.metallb.addresses[0]: '192.168.10.0/28' contains 192.168.10.10, which foundation:talos.vip already uses",
        "  - foundation:platform.metallb.addresses[0]: '192.168.10.0/28' contains 192.168.10.11, which foundation:talos.controlPlanes[0].address already uses",
        "  - foundation:platform.metallb.addresses[0]: '192.168.10.0/28' contains 192.168.10.12, which foundation:talos.controlPlanes[1].address already uses",
        "  - foundation:platform.metallb.addresses[0]: '192.168.10.0/28' contains 192.168.10.13, which foundation:talos.controlPlanes[2].address already uses",
        "  - foundation:platform.metallb.addresses[0]: '192.168.10.0/28' contains the gateway 192.168.10.1; MetalLB would answer ARP for it",
      ],
    ],
    [
      "a worker on the network address",
      edited<Talos>("talos", (t) => (t.workers[0].address = "192.168.10.0/24")),
      [
        "  - foundation:talos.workers[0].address: 192.168.10.0 is the network address of 192.168.10.0/24, not a host address; pick a free host address",
      ],
    ],
    [
      "the VIP on the broadcast address",
      edited<Talos>("talos", (t) => (t.vip = "192.168.10.255")),
      [
        "  - foundation:talos.vip: 192.168.10.255 is the broadcast address of 192.168.10.0/24, not a host address; pick a free host address",
      ],
    ],
    [
      "a gateway on the broadcast address",
      edited<{ gateway: string }>("network", (n) => (n.gateway = "192.168.10.255")),
      [
        "  - foundation:network.gateway: 192.168.10.255 is the broadcast address of 192.168.10.0/24, not a host address; give the router's address",
      ],
    ],
    [
      "the VIP on the gateway",
      edited<Talos>("talos", (t) => (t.vip = "192.168.10.1")),
      ["  - foundation:talos.vip: 192.168.10.1 is the network's gateway (network.gateway); pick a free host address"],
    ],
    [
      "SSH and the exporters of the runner VM open to every address",
      edited<{ vm: { firewall: { adminCidrs: string[]; monitoringCidrs: string[] } } }>("runnerManager", (m) => {
        m.vm.firewall.adminCidrs = ["192.168.10.0/24", "0.0.0.0/0"];
        m.vm.firewall.monitoringCidrs = ["0.0.0.0/0"];
      }),
      [
        "  - foundation:runnerManager.vm.firewall.adminCidrs: 0.0.0.0/0 lets every address reach SSH on the host that holds the runner tokens; name the networks that need it",
        "  - foundation:runnerManager.vm.firewall.monitoringCidrs: 0.0.0.0/0 lets every address read the exporters; name the monitoring hosts' networks",
      ],
    ],
    [
      "the cluster's APIs open to every address",
      edited<Talos & { adminCidrs: string[] }>("talos", (t) => (t.adminCidrs = ["0.0.0.0/0"])),
      [
        "  - foundation:talos.adminCidrs: 0.0.0.0/0 lets every address reach the Talos and Kubernetes APIs; name the networks of the people who run talosctl and kubectl",
      ],
    ],
    [
      "no admin network for the cluster",
      edited<Talos & { adminCidrs: string[] }>("talos", (t) => (t.adminCidrs = [])),
      [
        "  - foundation:talos.adminCidrs: give at least one network, or nobody but the deploy jobs can reach the cluster's APIs",
      ],
    ],
    [
      "a pod block over the lab network, and a service block over the pod block",
      edited<Talos & { podSubnets: string[]; serviceSubnets: string[] }>("talos", (t) => {
        t.podSubnets = ["192.168.0.0/16"];
        t.serviceSubnets = ["192.168.128.0/20"];
      }),
      [
        "  - foundation:talos.podSubnets[0]: 192.168.0.0/16 overlaps the lab network 192.168.10.0/24; pick a block outside it, e.g. 10.244.0.0/16",
        "  - foundation:talos.serviceSubnets[0]: 192.168.128.0/20 overlaps 192.168.0.0/16 (talos.podSubnets[0]); pod and service blocks must not overlap",
      ],
    ],
    [
      "a malformed MetalLB range",
      edited<Platform>("platform", (p) => (p.metallb.addresses = ["192.168.10.220-192.168.10.200"])),
      [
        "  - foundation:platform.metallb.addresses[0]: '192.168.10.220-192.168.10.200' must be an IPv4 range a.b.c.d-a.b.c.e (ascending) or a CIDR a.b.c.d/n",
        "  - foundation:platform.traefik.loadBalancerIp: 192.168.10.200 is not in platform.metallb.addresses; pick one from the pool",
      ],
    ],
    [
      "a Traefik address outside the pool",
      edited<Platform>("platform", (p) => (p.traefik.loadBalancerIp = "192.168.10.250")),
      [
        "  - foundation:platform.traefik.loadBalancerIp: 192.168.10.250 is not in platform.metallb.addresses; pick one from the pool",
      ],
    ],
    [
      "a node outside the lab network and a duplicate address",
      edited<Talos>("talos", (t) => {
        t.workers[0].address = "10.0.0.21/24";
        t.workers[1].address = "192.168.10.11/24";
      }),
      [
        "  - foundation:talos.workers[0].address: 10.0.0.21 is outside the lab network 192.168.10.0/24 (network.cidr)",
        "  - foundation:talos.workers[1].address: 192.168.10.11 is already used by foundation:talos.controlPlanes[0].address; give every VM and the VIP its own",
      ],
    ],
    [
      "an even number of control planes and a shared VM id",
      edited<Talos>("talos", (t) => {
        t.controlPlanes.push({ ...t.workers[0], address: "192.168.10.14/24" });
        t.workers[1].vmId = 9100;
      }),
      [
        "  - foundation:talos.controlPlanes: list an odd number of control planes, so etcd keeps quorum with one down",
        "  - foundation:talos: vmId 9100 is used by more than one VM",
        "  - foundation:talos: vmId 9211 is used by more than one VM",
      ],
    ],
    [
      "a storage backend without its settings",
      edited<Platform>("platform", (p) => {
        p.storage.backend = "local-path";
        delete p.storage.localPath;
      }),
      ["  - foundation:platform.storage.localPath: backend is 'local-path' but storage.localPath is not set"],
    ],
    [
      "local-path storage in a cluster without workers",
      edited<Talos>(
        "talos",
        (t) => (t.workers = []),
        edited<Platform>("platform", (p) => (p.storage.backend = "local-path")),
      ),
      [
        "  - foundation:platform.storage.backend: local-path keeps volumes on the workers' data disks and the cluster has no workers; add a worker or use proxmox-csi",
      ],
    ],
    [
      "a fleet reached on public addresses with SSH out limited to a subnet",
      edited<RunnerManager>("runnerManager", (m) => (m.vm!.firewall.fleetSshCidrs = ["10.40.0.0/16"])),
      [
        "  - foundation:runnerManager.vm.firewall.fleetSshCidrs: runner.fleet.useExternalAddress connects to the " +
          "instances' public addresses, which are not known in advance; allow 0.0.0.0/0 (the fleet's security " +
          "group still admits only the manager)",
      ],
    ],
    [
      "an unpinned in-cluster image",
      edited<{ cluster: { dindImage: string } }>("runnerManager", (m) => (m.cluster.dindImage = "docker:latest")),
      [
        '  - foundation:runnerManager.cluster.dindImage: must be an image pinned by a version tag or a digest, e.g. docker:28.1.1-dind (never latest); got the string "docker:latest"',
      ],
    ],
    [
      "a Talos control plane below Talos's minimum memory",
      edited<{ controlPlane: { memoryMiB: number } }>("talos", (t) => (t.controlPlane.memoryMiB = 1024)),
      ["  - foundation:talos.controlPlane.memoryMiB: must be at least 2048 (Talos's minimum); got number 1024"],
    ],
    [
      "a misspelt key",
      edited<Record<string, unknown>>("platform", (p) => {
        p.metalLB = p.metallb;
        delete p.metallb;
      }),
      [
        "  - foundation:platform.metallb: required key is missing. Fix: pulumi config set --stack lab --path 'foundation:platform.metallb' <value>",
        "  - foundation:platform.metalLB: unknown key. Did you mean 'foundation:platform.metallb'? Known keys here: metallb, traefik, storage, externalSecrets, externalDns, certManager, etcdBackup.",
      ],
    ],
  ])("refuses %s", (_label, config, expected) => {
    expect(problemsOf(config)).toEqual(expected);
  });

  it("names the runner VM as monitoring scrapes it", () => {
    const targets = parse(readFileSync(join(__dirname, "..", "..", "monitoring", "targets", "runner-vm.yml"), "utf8"));
    const vm = (JSON.parse(sample["foundation:runnerManager"]) as { vm: { fqdn: string } }).vm;
    expect(targets).toEqual([{ targets: [vm.fqdn], labels: { site: "lab" } }]);
  });

  it("reads MetalLB pool entries as address ranges", () => {
    expect(rangeOf("192.168.10.240/28")).toEqual(["192.168.10.240", "192.168.10.255"]);
    expect(rangeOf("192.168.10.200-192.168.10.220")).toEqual(["192.168.10.200", "192.168.10.220"]);
    expect(rangeOf("192.168.10.241/28")).toBeUndefined();
    expect(contains("192.168.10.0/24", "192.168.10.255")).toBe(true);
    expect(contains("192.168.10.0/24", "192.168.11.0")).toBe(false);
  });
});
