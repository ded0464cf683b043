import * as pulumi from "@pulumi/pulumi";
import {
  CaPems,
  NodeDoubleOptions,
  NodeDoubleState,
  startKubernetesApiDouble,
  startNodeDoubles,
} from "../../tools/engine/talos-doubles";
import type { TalosApiTarget } from "./bootstrap";
import { fakeClock } from "../common/testing";
import { DEFAULT_TALOS_VERSION, renderMachineConfig } from "./machine-config";
import {
  applyMachineConfig,
  LifecycleTiming,
  machineConfigApplyProvider,
  nodeHealthyProvider,
  talosUpgradeProvider,
  upgradeTalos,
  waitForNodeHealthy,
} from "./node-lifecycle";
import { CLIENT, openTestPki, TestCertificate, TestPki, PLACEHOLDER_BUNDLE } from "./testing";
import { withoutStackTraces } from "../../tools/plan/testing";

withoutStackTraces();
pulumi.runtime.setMocks(
  { newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }), call: (args) => args.inputs },
  "foundation",
  "lab",
  false,
);

/** A worker's config as the cluster renders it, for Kubernetes `kubernetesVersion`. */
function workerConfig(kubernetesVersion: string): string {
  return renderMachineConfig({
    cluster: {
      clusterName: "lab",
      talosVersion: DEFAULT_TALOS_VERSION,
      kubernetesVersion,
      vip: "127.0.0.1",
      schematicId: "a".repeat(64),
    },
    node: {
      hostname: "talos-w-1",
      role: "worker",
      address: "127.0.0.1/8",
      gateway: "127.0.0.1",
      nameservers: ["127.0.0.1"],
    },
    secrets: PLACEHOLDER_BUNDLE,
  });
}

let pki: TestPki;
let osCa: CaPems;
let kubernetesCa: CaPems;
let talosAdmin: TestCertificate;
let kubernetesAdmin: TestCertificate;

beforeAll(() => {
  pki = openTestPki();
  const os = pki.ca("os-ca", "/O=talos", "ed25519");
  const kubernetes = pki.ca("kubernetes-ca", "/O=kubernetes", "ecdsa");
  osCa = os;
  kubernetesCa = kubernetes;
  talosAdmin = os.issue("talos-admin", "/O=os:admin", CLIENT);
  kubernetesAdmin = kubernetes.issue("kubernetes-admin", "/CN=admin/O=system:masters", CLIENT);
});

afterAll(() => pki.dispose());

/** One node double on 127.0.0.1, and a target for it; `run` gets both and the node's state. */
async function withNode(
  behaviour: NodeDoubleOptions,
  run: (target: TalosApiTarget, state: NodeDoubleState) => Promise<void>,
): Promise<void> {
  const doubles = await startNodeDoubles({ addresses: ["127.0.0.1"], port: 0, osCa, behaviour });
  try {
    const target: TalosApiTarget = {
      node: "127.0.0.1",
      port: doubles.ports[0],
      caCertPem: osCa.certPem,
      clientCertPem: talosAdmin.certPem,
      clientKeyPem: talosAdmin.keyPem,
    };
    await run(target, doubles.nodes.get("127.0.0.1") as NodeDoubleState);
  } finally {
    await doubles.close();
  }
}

const timing = (timeoutMs = 60_000): LifecycleTiming => ({
  timeoutMs,
  attemptTimeoutMs: 5_000,
  initialDelayMs: 2_000,
  clock: fakeClock(1_000_000),
});

const SETTING = "foundation:talos.talosVersion";

describe("applyMachineConfig", () => {
  it("applies the whole config in mode AUTO and reports a live apply", async () => {
    await withNode({}, async (target, state) => {
      const config = workerConfig("1.36.3");
      await expect(applyMachineConfig(target, config, timing())).resolves.toBe("no-reboot");
      expect(state.applied).toEqual([{ mode: "AUTO", data: config }]);
      expect(state).toMatchObject({ hostname: "talos-w-1", kubeletVersion: "v1.36.3" });
    });
  });

  it("waits for the node to come back when Talos chose to reboot", async () => {
    await withNode({ applyNeedsReboot: true }, async (target, state) => {
      const before = state.bootTime;
      await expect(applyMachineConfig(target, workerConfig("1.36.3"), timing())).resolves.toBe("reboot");
      expect(state.bootTime).toBeGreaterThan(before);
    });
  });
});

describe("upgradeTalos", () => {
  const image = (version: string) => `factory.talos.dev/nocloud-installer/${"a".repeat(64)}:${version}`;

  it("leaves a node that runs the version alone", async () => {
    await withNode({}, async (target, state) => {
      const upgrade = { image: image(DEFAULT_TALOS_VERSION), version: DEFAULT_TALOS_VERSION, setting: SETTING };
      await expect(upgradeTalos(target, upgrade, timing())).resolves.toBe("already-at-version");
      expect(state.upgrades).toEqual([]);
    });
  });

  it("upgrades with the installer image and checks the version the node comes back with", async () => {
    await withNode({ talosVersion: "v1.13.8" }, async (target, state) => {
      const upgrade = { image: image("v1.13.9"), version: "v1.13.9", setting: SETTING };
      await expect(upgradeTalos(target, upgrade, timing())).resolves.toBe("upgraded");
      expect(state.upgrades).toEqual([image("v1.13.9")]);
      expect(state.talosVersion).toBe("v1.13.9");
    });
  });

  it("refuses to skip a minor release, asking nothing of the node", async () => {
    await withNode({ talosVersion: "v1.11.6" }, async (target, state) => {
      const upgrade = { image: image("v1.13.9"), version: "v1.13.9", setting: SETTING };
      await expect(upgradeTalos(target, upgrade, timing())).rejects.toThrow(
        `Talos upgrade of 127.0.0.1:${target.port}: foundation:talos.talosVersion v1.13.9 skips v1.12 from the ` +
          "running v1.11.6; Talos upgrades between adjacent minor releases only " +
          "(https://docs.siderolabs.com/talos/v1.13/configure-your-talos-cluster/lifecycle-management/upgrading-talos#supported-upgrade-paths). " +
          "Set it to the newest v1.12 patch release, run pulumi up, then set v1.13.9",
      );
      expect(state.upgrades).toEqual([]);
    });
  });

  it("reports a node that rolled back to its old version", async () => {
    await withNode({ talosVersion: "v1.13.8", upgradeRollsBack: true }, async (target) => {
      const upgrade = { image: image("v1.13.9"), version: "v1.13.9", setting: SETTING };
      await expect(upgradeTalos(target, upgrade, timing())).rejects.toThrow(
        `Talos upgrade of 127.0.0.1:${target.port} to v1.13.9: the node came back at v1.13.8, so the new image did ` +
          "not boot and Talos rolled back; see docs/runbooks/cluster-upgrade.md, 'After a failed upgrade'",
      );
    });
  });
});

describe("waitForNodeHealthy", () => {
  it("passes once Talos, its services, the API and the node's kubelet are as expected, and not before", async () => {
    await withNode({}, async (target, state) => {
      const api = await startKubernetesApiDouble({
        host: "127.0.0.1",
        port: 0,
        kubernetesCa,
        nodeNamed: (name) =>
          name === state.hostname && state.kubeletVersion ? { kubeletVersion: state.kubeletVersion } : undefined,
      });
      try {
        const health = {
          talos: target,
          kubernetes: {
            host: "127.0.0.1",
            port: api.port,
            caCertPem: kubernetesCa.certPem,
            clientCertPem: kubernetesAdmin.certPem,
            clientKeyPem: kubernetesAdmin.keyPem,
          },
          hostname: "talos-w-1",
          role: "worker" as const,
          talosVersion: DEFAULT_TALOS_VERSION,
          kubernetesVersion: "1.36.3",
        };
        await applyMachineConfig(target, workerConfig("1.35.4"), timing());
        await expect(waitForNodeHealthy(health, timing(10_000))).rejects.toThrow(
          "last error: node talos-w-1 runs kubelet v1.35.4, not v1.36.3",
        );
        await applyMachineConfig(target, workerConfig("1.36.3"), timing());
        await expect(waitForNodeHealthy(health, timing())).resolves.toBeUndefined();
      } finally {
        await new Promise<void>((resolve) => api.server.close(() => resolve()));
      }
    });
  });
});

describe("the lifecycle providers", () => {
  const node = { node: "192.168.10.21", port: 50000, hostname: "talos-w-1", vmId: 9211, timeoutSeconds: 600 };
  const credentials = { caCertPem: "ca", clientCertPem: "cert", clientKeyPem: "key" };

  it("refuse a Talos version that skips a minor release from the one applied before, naming the setting", async () => {
    const news = { ...node, ...credentials, talosVersion: "v1.13.9", image: "i", talosVersionSetting: SETTING };
    const check = talosUpgradeProvider.check as NonNullable<typeof talosUpgradeProvider.check>;
    await expect(check({ talosVersion: "v1.11.6" }, news)).resolves.toEqual({
      inputs: news,
      failures: [
        {
          property: "talosVersion",
          reason:
            "foundation:talos.talosVersion v1.13.9 skips v1.12 from the running v1.11.6; Talos upgrades between " +
            "adjacent minor releases only (https://docs.siderolabs.com/talos/v1.13/configure-your-talos-cluster/lifecycle-management/upgrading-talos#supported-upgrade-paths). " +
            "Set it to the newest v1.12 patch release, run pulumi up, then set v1.13.9",
        },
      ],
    });
    await expect(check({ talosVersion: "v1.13.9" }, { ...news, talosVersion: "v1.13.8" })).resolves.toMatchObject({
      failures: [
        {
          property: "talosVersion",
          reason:
            "foundation:talos.talosVersion v1.13.8 is older than the running v1.13.9; Talos does not downgrade " +
            "through an upgrade. Set it back to v1.13.9, and roll a node back with talosctl rollback " +
            "(docs/runbooks/cluster-upgrade.md)",
        },
      ],
    });
    await expect(check({ talosVersion: "v1.12.6" }, news)).resolves.toEqual({ inputs: news, failures: [] });
    await expect(check({}, news)).resolves.toEqual({ inputs: news, failures: [] });
  });

  it("refuse a Kubernetes version that skips a minor release, and accept the next one", async () => {
    const news = {
      ...node,
      ...credentials,
      machineConfig: "x",
      configSha256: "b".repeat(64),
      talosVersion: DEFAULT_TALOS_VERSION,
      kubernetesVersion: "1.36.3",
      kubernetesVersionSetting: "foundation:talos.kubernetesVersion",
    };
    const check = machineConfigApplyProvider.check as NonNullable<typeof machineConfigApplyProvider.check>;
    await expect(check({ kubernetesVersion: "1.34.1" }, news)).resolves.toMatchObject({
      failures: [
        {
          property: "kubernetesVersion",
          reason:
            "foundation:talos.kubernetesVersion 1.36.3 skips 1.35 from the running 1.34.1; Kubernetes upgrades one " +
            "minor release at a time (https://kubernetes.io/releases/version-skew-policy/#supported-component-upgrade-order). " +
            "Set it to the newest 1.35 patch release, run pulumi up, then set 1.36.3",
        },
      ],
    });
    await expect(check({ kubernetesVersion: "1.35.4" }, news)).resolves.toMatchObject({ failures: [] });
  });

  it("update a node in place for a new config or version, and replace the operation for a new VM", async () => {
    const diff = machineConfigApplyProvider.diff as NonNullable<typeof machineConfigApplyProvider.diff>;
    const outs = {
      ...node,
      configSha256: "a",
      talosVersion: "v1.13.9",
      kubernetesVersion: "1.36.3",
      mode: "no-reboot",
    };
    const news = { ...outs, ...credentials, machineConfig: "x", kubernetesVersionSetting: "k" };
    await expect(diff("id", outs, news)).resolves.toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    await expect(diff("id", outs, { ...news, configSha256: "b", kubernetesVersion: "1.36.4" })).resolves.toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    await expect(diff("id", outs, { ...news, vmId: 9311 })).resolves.toEqual({
      changes: true,
      replaces: ["vmId"],
      deleteBeforeReplace: false,
    });
    const gateDiff = nodeHealthyProvider.diff as NonNullable<typeof nodeHealthyProvider.diff>;
    const gate = {
      ...node,
      role: "worker",
      talosVersion: "v1.13.9",
      kubernetesVersion: "1.36.3",
      apiHost: "v",
      apiPort: 6443,
      triggers: ["a"],
    };
    await expect(gateDiff("id", gate, { ...gate, triggers: ["b"] })).resolves.toMatchObject({
      changes: true,
      replaces: [],
    });
  });
});
