import { parseAllDocuments } from "yaml";
import { validateObjects } from "../kubernetes/testing/schema-validation";
import { CILIUM_VALUES, ciliumInlineManifest, ciliumInstallObjects, ciliumProblems } from "./cilium";

const CLI = `quay.io/cilium/cilium-cli:v0.18.9@sha256:${"c".repeat(64)}`;

describe("Cilium at bootstrap", () => {
  it("renders the installer's ServiceAccount, binding and Job, each valid against the Kubernetes API schema", () => {
    const objects = ciliumInstallObjects({ version: "1.18.0", cliImage: CLI });
    expect(objects.map((o) => `${o.kind}/${(o.metadata as { name: string }).name}`)).toEqual([
      "ServiceAccount/cilium-install",
      "ClusterRoleBinding/cilium-install",
      "Job/cilium-install",
    ]);
    const verdicts = validateObjects(objects as never);
    expect(verdicts.map((v) => [v.kind, v.errors])).toEqual([
      ["ServiceAccount", null],
      ["ClusterRoleBinding", null],
      ["Job", null],
    ]);
  });

  it("installs the pinned release with the values of Talos's guide, on a control plane's network", () => {
    const job = ciliumInstallObjects({ version: "1.18.0", cliImage: CLI })[2] as {
      spec: { template: { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } } };
    };
    const pod = job.spec.template.spec;
    expect(pod).toMatchObject({ hostNetwork: true, serviceAccountName: "cilium-install", restartPolicy: "OnFailure" });
    const [container] = pod.containers;
    expect(container.image).toBe(CLI);
    expect(container.command).toEqual([
      "cilium",
      "install",
      "--version",
      "1.18.0",
      "--set",
      "ipam.mode=kubernetes",
      "--set",
      "kubeProxyReplacement=true",
      "--set",
      "securityContext.capabilities.ciliumAgent={CHOWN,KILL,NET_ADMIN,NET_RAW,IPC_LOCK,SYS_ADMIN,SYS_RESOURCE,DAC_OVERRIDE,FOWNER,SETGID,SETUID}",
      "--set",
      "securityContext.capabilities.cleanCiliumState={NET_ADMIN,SYS_ADMIN,SYS_RESOURCE}",
      "--set",
      "cgroup.autoMount.enabled=false",
      "--set",
      "cgroup.hostRoot=/sys/fs/cgroup",
      "--set",
      "k8sServiceHost=localhost",
      "--set",
      "k8sServicePort=7445",
    ]);
    expect(CILIUM_VALUES.some(([, value]) => value.includes("SYS_MODULE"))).toBe(false);
  });

  it("is one inline manifest whose YAML stream reads back as the same objects", () => {
    const manifest = ciliumInlineManifest({ version: "1.18.0", cliImage: CLI });
    expect(manifest.name).toBe("cilium-install");
    expect(parseAllDocuments(manifest.contents).map((d) => d.toJS())).toEqual(
      ciliumInstallObjects({ version: "1.18.0", cliImage: CLI }),
    );
  });

  it("refuses a version that is not a release and an image without a digest", () => {
    expect(ciliumProblems({ version: "v1.18", cliImage: "quay.io/cilium/cilium-cli:v0.18.9" })).toEqual([
      "cilium.version 'v1.18' must be a Cilium release X.Y.Z, e.g. 1.18.0",
      "cilium.cliImage 'quay.io/cilium/cilium-cli:v0.18.9' must be an image pinned by digest (@sha256:<64 hex>)",
    ]);
    expect(() => ciliumInlineManifest({ version: "latest", cliImage: CLI })).toThrow(
      "Cilium: cilium.version 'latest' must be a Cilium release X.Y.Z, e.g. 1.18.0",
    );
  });
});
