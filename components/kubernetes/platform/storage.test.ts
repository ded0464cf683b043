import * as kubernetes from "@pulumi/kubernetes";
import { record } from "../../../tools/plan/testing";
import { recordedObjects, validateObjects } from "../testing/schema-validation";
import { CHARTS } from "./common";
import { localPathValues, proxmoxCsiValues, proxmoxTopologyLabels, Storage, StorageArgs } from "./storage";

const proxmox: StorageArgs = {
  backend: {
    kind: "proxmox-csi",
    url: "https://pve.example.com:8006/api2/json",
    tokenId: "kubernetes-csi@pve!csi",
    tokenSecret: "token-secret-value",
    region: "lab",
    storage: "local-lvm",
  },
};

async function recordStorage(args: StorageArgs) {
  return record(() => {
    const storage = new Storage("lab-storage", args, {
      providers: { kubernetes: new kubernetes.Provider("k8s", {}) },
    });
    return { storageClassName: storage.storageClassName, namespace: storage.namespace };
  });
}

describe("Storage", () => {
  it("proxmox-csi: installs the OCI chart in a privileged namespace with one default class, token kept secret", async () => {
    const rec = await recordStorage(proxmox);
    expect(rec.inputsOf("lab-storage-namespace").metadata as { name: string; labels: object }).toEqual({
      name: "csi-proxmox",
      labels: {
        "pod-security.kubernetes.io/enforce": "privileged",
        "pod-security.kubernetes.io/audit": "privileged",
        "pod-security.kubernetes.io/warn": "privileged",
      },
    });
    const release = rec.inputsOf("lab-storage-chart");
    expect(release).toMatchObject({
      name: "proxmox-csi-plugin",
      chart: "oci://ghcr.io/sergelogvinov/charts/proxmox-csi-plugin",
      version: CHARTS.proxmoxCsi.version,
      namespace: "csi-proxmox",
    });
    expect(release.repositoryOpts).toBeUndefined();
    expect(rec.isSecretInput("lab-storage-chart", "values")).toBe(true);
    const values = release.values as { config: { clusters: unknown[] }; storageClass: unknown[] };
    expect(values.config.clusters).toEqual([
      {
        url: "https://pve.example.com:8006/api2/json",
        insecure: false,
        token_id: "kubernetes-csi@pve!csi",
        token_secret: "token-secret-value",
        region: "lab",
      },
    ]);
    expect(values.storageClass).toEqual([
      {
        name: "proxmox-csi",
        storage: "local-lvm",
        reclaimPolicy: "Retain",
        fstype: "xfs",
        annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
      },
    ]);
    expect(rec.outputs).toEqual({ storageClassName: "proxmox-csi", namespace: "csi-proxmox" });
  });

  it("proxmox-csi: sets requests and limits on every container of the chart", () => {
    const values = proxmoxCsiValues({
      url: "u",
      insecure: false,
      tokenId: "t",
      tokenSecret: "s",
      region: "r",
      storage: "s",
      fsType: "ext4",
      storageClassName: "c",
      reclaimPolicy: "Delete",
    }) as { controller: Record<string, { resources: unknown }>; node: Record<string, { resources: unknown }> };
    const all = [...Object.values(values.controller), ...Object.values(values.node)].map((c) => c.resources);
    expect(all).toHaveLength(6);
    for (const r of all) expect(r).toMatchObject({ requests: expect.any(Object), limits: expect.any(Object) });
  });

  it("local-path: installs the chart with a default class on the Talos user volume path", async () => {
    const rec = await recordStorage({ backend: { kind: "local-path" }, reclaimPolicy: "Delete" });
    expect(rec.inputsOf("lab-storage-chart")).toMatchObject({
      name: "local-path-provisioner",
      chart: "local-path-provisioner",
      version: CHARTS.localPath.version,
      repositoryOpts: { repo: "https://charts.containeroo.ch" },
      namespace: "local-path-storage",
      values: localPathValues({
        path: "/var/mnt/local-path-provisioner",
        storageClassName: "local-path",
        reclaimPolicy: "Delete",
      }),
    });
    expect(localPathValues({ path: "/var/x", storageClassName: "c", reclaimPolicy: "Retain" })).toMatchObject({
      storageClass: { defaultClass: true, name: "c", reclaimPolicy: "Retain" },
      nodePathMap: [{ node: "DEFAULT_PATH_FOR_NON_LISTED_NODES", paths: ["/var/x"] }],
    });
    expect(rec.outputs).toEqual({ storageClassName: "local-path", namespace: "local-path-storage" });
  });

  it("names the topology labels every node needs for the Proxmox CSI plugin", () => {
    expect(proxmoxTopologyLabels("lab", "pve-1")).toEqual({
      "topology.kubernetes.io/region": "lab",
      "topology.kubernetes.io/zone": "pve-1",
    });
  });

  it.each<[StorageArgs, string]>([
    [
      { backend: { ...(proxmox.backend as object), url: "https://pve.example.com:8006" } as StorageArgs["backend"] },
      "Storage 'lab-storage': backend.url 'https://pve.example.com:8006' must be the Proxmox API URL, https://<host>:8006/api2/json",
    ],
    [
      { backend: { ...(proxmox.backend as object), tokenId: "csi" } as StorageArgs["backend"] },
      "Storage 'lab-storage': backend.tokenId 'csi' must be user@realm!token, e.g. kubernetes-csi@pve!csi",
    ],
    [
      { backend: { kind: "local-path", path: "/opt/local-path" } },
      "Storage 'lab-storage': backend.path '/opt/local-path' must be under /var (Talos's only writable file system), e.g. /var/mnt/local-path-provisioner",
    ],
  ])("rejects %j", async (args, message) => {
    await expect(recordStorage(args)).rejects.toThrow(message);
  });

  it("renders objects that validate against the Kubernetes API schemas", async () => {
    const results = validateObjects(recordedObjects(await recordStorage(proxmox)));
    expect(results.map((r) => [r.kind, r.name, r.model, r.errors])).toEqual([
      ["Namespace", "csi-proxmox", "kubernetes-models/v1/Namespace", null],
      ["NetworkPolicy", "default-deny-ingress", "kubernetes-models/networking.k8s.io/v1/NetworkPolicy", null],
    ]);
  });
});
